/**
 * Helpers the linear policies' WebAssembly kernels (denseKernel.ts, sparseStep.ts) assemble their function
 * bodies from: constants, loads and stores at an address on the stack, and the loop shapes.
 */
import { sleb, uleb } from '../core/wasm.js';
import { BLOCK, BR, BR_IF, END, F64_CONST, F64_LOAD, F64_STORE, I32_ADD, I32_CONST, I32_LT_U, IF, LOOP, V128_LOAD, V128_STORE, VOID, get, set, type Code } from '../core/wasmOps.js';

export const i32 = (v: number): Code => [I32_CONST, ...sleb(v)];
export const f64 = (v: number): Code => [F64_CONST, ...new Uint8Array(Float64Array.of(v).buffer)];
/** Loads and stores of f64 and v128 at an address on the stack (alignment hint 8 bytes, offset `off`). */
export const ldF = (off = 0): Code => [F64_LOAD, 3, ...uleb(off)];
export const stF = (off = 0): Code => [F64_STORE, 3, ...uleb(off)];
export const ldV = (off = 0): Code => [...V128_LOAD, 3, ...uleb(off)];
export const stV = (off = 0): Code => [...V128_STORE, 3, ...uleb(off)];
/** local += v (i32). */
export const inc = (l: number, v: number): Code => [...get(l), ...i32(v), I32_ADD, ...set(l)];
/** while (cond) body; cond leaves an i32 on the stack. */
export const whileLoop = (cond: Code, body: Code): Code => [BLOCK, VOID, LOOP, VOID, ...cond, 0x45 /* i32.eqz */, BR_IF, 1, ...body, BR, 0, END, END];
export const ifThen = (cond: Code, body: Code): Code => [...cond, IF, VOID, ...body, END];
/** a + 8 < b and a < b on byte offsets. */
export const pairFits = (a: number, b: number): Code => [...get(a), ...i32(8), I32_ADD, ...get(b), I32_LT_U];
export const below = (a: number, b: number): Code => [...get(a), ...get(b), I32_LT_U];

/**
 * Over byte offsets j = from, from+8, … < end: two lanes while two fit, then one scalar; `vec(j)` and
 * `scalar(j)` each do the work at offset j (the value of local j).
 */
export function lanes(j: number, end: number, vec: Code, scalar: Code): Code {
  return [...whileLoop(pairFits(j, end), [...vec, ...inc(j, 16)]), ...ifThen(below(j, end), scalar)];
}

