/**
 * WebAssembly SIMD kernels for the PCA of `embed` (docs/features.md, "Text embedding"), two lanes of f64 at
 * a time: the covariance's update by four centred rows, and the projection of two rows onto the components.
 *
 * Every result is bit-identical to the scalar loops they replace (pca.ts `accumulateCovariance`, embed.ts
 * `projectBlock`): WebAssembly never fuses a multiply and an add, and the two lanes are two neighbouring
 * output entries, each summed in the scalar loop's order. Where WebAssembly SIMD is missing (or `portable`
 * is set, for tests) the scalar loops run instead.
 */

import { compileModule, instantiate, name, section, sleb, uleb } from '../core/wasm.js';
import { BLOCK, BR, BR_IF, END, F64X2_ADD, F64X2_MUL, F64X2_SPLAT, F64_LOAD, I32, I32_ADD, I32_CONST, I32_EQZ, I32_LT_U, LOOP, V128, V128_CONST, V128_LOAD, V128_STORE, VOID, get, set, tee, type Code } from '../core/wasmOps.js';

const i32 = (v: number): Code => [I32_CONST, ...sleb(v)];
/** local += v, or += local `by`. */
const inc = (l: number, v: number): Code => [...get(l), ...i32(v), I32_ADD, ...set(l)];
const incBy = (l: number, by: number): Code => [...get(l), ...get(by), I32_ADD, ...set(l)];
const below = (a: number, b: number): Code => [...get(a), ...get(b), I32_LT_U];
/** while (cond) body; cond leaves an i32 on the stack. */
const whileLoop = (cond: Code, body: Code): Code => [BLOCK, VOID, LOOP, VOID, ...cond, I32_EQZ, BR_IF, 1, ...body, BR, 0, END, END];
/** v128 load/store at the address on the stack plus `off` (alignment hint 8 bytes). */
const ldV = (off = 0): Code => [...V128_LOAD, 3, ...uleb(off)];
const stV = (off = 0): Code => [...V128_STORE, 3, ...uleb(off)];
/** f64x2.splat of the f64 at address `base` + `at` (two locals). */
const splatAt = (base: number, at: number): Code => [...get(base), ...get(at), I32_ADD, F64_LOAD, 3, 0, ...F64X2_SPLAT];
const zeroV = (l: number): Code => [...V128_CONST, ...new Array<number>(16).fill(0), ...set(l)];
/** acc = acc + a·b (v128 locals): the scalar `z += a * b`, one rounding each. */
const mulAdd = (acc: number, a: Code, b: Code): Code => [...get(acc), ...a, ...b, ...F64X2_MUL, ...F64X2_ADD, ...set(acc)];

// proj2(bt, kpB, x, y, mB, ox, oy): for the rows x and y (m f64 each, mB = 8m bytes) and bt, the k×m basis
// transposed to m rows of kp (a multiple of 8) f64, kpB = 8·kp bytes apart: ox[c] = Σ_j bt[j][c]·x[j] and
// oy likewise, each summed over j in order from 0, eight components (four vectors) per pass.
const P = { BT: 0, KPB: 1, X: 2, Y: 3, MB: 4, OX: 5, OY: 6, C: 7, J: 8, AT: 9, ACC: 10, XV: 18, YV: 19, B: 20 };
const PROJ2 = [
  2, 3, I32, 11, V128, // locals: c, j, at; acc ×8, xv, yv, b
  ...i32(0), ...set(P.C),
  ...whileLoop(below(P.C, P.KPB), [
    ...[0, 1, 2, 3, 4, 5, 6, 7].flatMap((g) => zeroV(P.ACC + g)),
    ...i32(0), ...set(P.J),
    ...get(P.BT), ...get(P.C), I32_ADD, ...set(P.AT),
    ...whileLoop(below(P.J, P.MB), [
      ...splatAt(P.X, P.J), ...set(P.XV),
      ...splatAt(P.Y, P.J), ...set(P.YV),
      ...[0, 1, 2, 3].flatMap((g) => [
        ...mulAdd(P.ACC + g, [...get(P.AT), ...ldV(16 * g), ...tee(P.B)], get(P.XV)),
        ...mulAdd(P.ACC + 4 + g, get(P.B), get(P.YV)),
      ]),
      ...inc(P.J, 8),
      ...incBy(P.AT, P.KPB),
    ]),
    ...[0, 1, 2, 3].flatMap((g) => [...get(P.OX), ...get(P.C), I32_ADD, ...get(P.ACC + g), ...stV(16 * g)]),
    ...[0, 1, 2, 3].flatMap((g) => [...get(P.OY), ...get(P.C), I32_ADD, ...get(P.ACC + 4 + g), ...stV(16 * g)]),
    ...inc(P.C, 64),
  ]),
  END,
];

// cov4(c, x, sB, mB): C (rows sB bytes apart) += the outer products of the four rows at x (sB bytes apart,
// m f64 each, m even, mB = 8m): for each pair of rows a, a+1 of C and b = a, a+2, … < m,
// C[a][b, b+1] = (((C + x0[a]·x0[b..]) + x1[a]·x1[b..]) + x2[a]·x2[b..]) + x3[a]·x3[b..], and row a+1 alike.
// Only b ≥ a is read back (row a+1 also gets its entry at b = a, below the diagonal, which is never used).
const V = { C: 0, X: 1, SB: 2, MB: 3, A: 4, B: 5, CA: 6, XR: 7, P: 10, S: 14, T: 18 };
/** Address of row r of x (r = 0 is the parameter itself). */
const xRow = (r: number): number => (r === 0 ? V.X : V.XR + r - 1);
/** value on the stack + Σ_r w_r·t_r, in order r = 0…3. */
const fourTerms = (w: number): Code => [0, 1, 2, 3].flatMap((r) => [...get(w + r), ...get(V.T + r), ...F64X2_MUL, ...F64X2_ADD]);
const COV4 = [
  2, 6, I32, 12, V128, // locals: a, b, ca (address of C[a]), x1, x2, x3; p ×4 (x_r[a]), s ×4 (x_r[a+1]), t ×4 (x_r[b..])
  ...[1, 2, 3].flatMap((r) => [...get(xRow(r - 1)), ...get(V.SB), I32_ADD, ...set(xRow(r))]),
  ...i32(0), ...set(V.A),
  ...get(V.C), ...set(V.CA),
  ...whileLoop(below(V.A, V.MB), [
    ...[0, 1, 2, 3].flatMap((r) => [
      ...splatAt(xRow(r), V.A), ...set(V.P + r),
      ...get(xRow(r)), ...get(V.A), I32_ADD, F64_LOAD, 3, 8, ...F64X2_SPLAT, ...set(V.S + r),
    ]),
    ...get(V.A), ...set(V.B),
    ...whileLoop(below(V.B, V.MB), [
      ...[0, 1, 2, 3].flatMap((r) => [...get(xRow(r)), ...get(V.B), I32_ADD, ...ldV(0), ...set(V.T + r)]),
      // row a, then row a+1 (sB bytes further)
      ...get(V.CA), ...get(V.B), I32_ADD,
      ...get(V.CA), ...get(V.B), I32_ADD, ...ldV(0), ...fourTerms(V.P), ...stV(0),
      ...get(V.CA), ...get(V.B), I32_ADD, ...get(V.SB), I32_ADD,
      ...get(V.CA), ...get(V.B), I32_ADD, ...get(V.SB), I32_ADD, ...ldV(0), ...fourTerms(V.S), ...stV(0),
      ...inc(V.B, 16),
    ]),
    ...inc(V.A, 16),
    ...incBy(V.CA, V.SB),
    ...incBy(V.CA, V.SB),
  ]),
  END,
];

const MODULE_BYTES = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, [2, 0x60, 7, ...new Array<number>(7).fill(I32), 0, 0x60, 4, ...new Array<number>(4).fill(I32), 0]),
  ...section(2, [1, ...name('env'), ...name('mem'), 0x02, 0x00, 1]),
  ...section(3, [2, 0, 1]),
  ...section(7, [2, ...name('proj2'), 0x00, 0, ...name('cov4'), 0x00, 1]),
  ...section(10, [2, ...uleb(PROJ2.length), ...PROJ2, ...uleb(COV4.length), ...COV4]),
]);

/** Tests set `portable` to run the scalar loops where SIMD is available, to compare the two. */
export const kernelOptions = { portable: false };

/** The compiled module, or null where WebAssembly SIMD is missing or `kernelOptions.portable` is set. */
export function pcaModule(): object | null {
  return kernelOptions.portable ? null : compileModule(MODULE_BYTES);
}

/** Projection of rows onto a k×m basis, two rows per call (see PROJ2). */
export interface ProjKernel {
  /** Scratch for two rows of m values. */
  readonly x: Float64Array;
  readonly y: Float64Array;
  /** Their k (padded to kp) projections. */
  readonly ox: Float64Array;
  readonly oy: Float64Array;
  run(): void;
}

/** A projection kernel for `basis` (k×m row-major), or null without SIMD. */
export function projKernel(basis: Float64Array, m: number, k: number): ProjKernel | null {
  const mod = pcaModule();
  if (!mod) return null;
  const kp = Math.ceil(k / 8) * 8;
  const btAt = 0;
  const xAt = btAt + m * kp * 8;
  const yAt = xAt + m * 8;
  const oxAt = yAt + m * 8;
  const oyAt = oxAt + kp * 8;
  const mem = instantiate(mod, oyAt + kp * 8);
  const proj2 = mem.exports.proj2 as (bt: number, kpB: number, x: number, y: number, mB: number, ox: number, oy: number) => void;
  // the basis transposed, its padding columns zero
  const bt = new Float64Array(mem.buffer, btAt, m * kp);
  for (let c = 0; c < k; c++) for (let j = 0; j < m; j++) bt[j * kp + c] = basis[c * m + j];
  return {
    x: new Float64Array(mem.buffer, xAt, m),
    y: new Float64Array(mem.buffer, yAt, m),
    ox: new Float64Array(mem.buffer, oxAt, kp),
    oy: new Float64Array(mem.buffer, oyAt, kp),
    run: () => proj2(btAt, kp * 8, xAt, yAt, m * 8, oxAt, oyAt),
  };
}

/** Covariance accumulation by four rows per call (see COV4), over an m×m matrix padded to an even width. */
interface CovKernel {
  /** Padded width (m rounded up to even): C and the rows are this many values apart. */
  readonly mp: number;
  /** mp×mp, upper triangle accumulated. */
  readonly C: Float64Array;
  /** Four rows of mp values (entries past m stay 0). */
  readonly X: Float64Array;
  run(): void;
}

/** A covariance kernel for width m, or null without SIMD. */
export function covKernel(m: number): CovKernel | null {
  const mod = pcaModule();
  if (!mod) return null;
  const mp = m + (m & 1);
  const cAt = 0;
  const xAt = mp * mp * 8;
  const mem = instantiate(mod, xAt + 4 * mp * 8);
  const cov4 = mem.exports.cov4 as (c: number, x: number, sB: number, mB: number) => void;
  return {
    mp,
    C: new Float64Array(mem.buffer, cAt, mp * mp),
    X: new Float64Array(mem.buffer, xAt, 4 * mp),
    run: () => cov4(cAt, xAt, mp * 8, mp * 8),
  };
}
