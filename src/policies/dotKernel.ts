/**
 * Dot products of one float32 vector with every row of a float32 matrix, for knn's exact search
 * (docs/model.md §5.9). A small WebAssembly SIMD function does the work (4 lanes, two accumulators); a
 * plain loop that rounds exactly as the SIMD code does (Math.fround after each float32 operation, the same
 * summation order) is the fallback, so both give bit-identical results.
 *
 * Layout: rows are padded to a multiple of 8 floats with zeros. Per row the sum is
 *   a0 = Σ_{j ≡ 0..3 mod 8} q_j·x_j (lane-wise),  a1 = Σ_{j ≡ 4..7 mod 8} q_j·x_j (lane-wise),
 *   s = a0 + a1 (lane-wise),  dot = (s_0 + s_1) + (s_2 + s_3).
 */

/** Row length padded for the kernel. */
export const padDim = (d: number): number => Math.max(8, Math.ceil(d / 8) * 8);

export interface DotKernel {
  /** n × padDim(d) rows. */
  readonly x: Float32Array;
  /** The query, padDim(d) floats. */
  readonly q: Float32Array;
  /** n dot products, written by run(). */
  readonly out: Float32Array;
  readonly simd: boolean;
  run(): void;
}

// WebAssembly opcodes used below (core and the 0xfd SIMD prefix).
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const LOCAL_TEE = 0x22;
const I32_CONST = 0x41;
const I32_ADD = 0x6a;
const I32_SHL = 0x74;
const I32_LT_U = 0x49;
const I32_GE_U = 0x4f;
const F32_ADD = 0x92;
const F32_STORE = 0x38;
const BLOCK = 0x02;
const LOOP = 0x03;
const VOID = 0x40;
const BR_IF = 0x0d;
const END = 0x0b;
const V128_LOAD = [0xfd, 0x00];
const V128_CONST = [0xfd, 0x0c];
const F32X4_EXTRACT = [0xfd, 0x1f];
const F32X4_ADD = [0xfd, 0xe4, 0x01];
const F32X4_MUL = [0xfd, 0xe6, 0x01];
const I32 = 0x7f;
const V128 = 0x7b;

// dots(x, q, n, rowBytes, out): byte offsets into the imported memory. Locals: end, j, a0, a1.
const [X, Q, N, RB, OUT, E, J, A0, A1] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const lane = (a: number, l: number): number[] => [LOCAL_GET, a, ...F32X4_EXTRACT, l];
const mulAdd = (acc: number, off: number): number[] => [
  LOCAL_GET, acc,
  LOCAL_GET, X, LOCAL_GET, J, I32_ADD, ...V128_LOAD, 2, off,
  LOCAL_GET, Q, LOCAL_GET, J, I32_ADD, ...V128_LOAD, 2, off,
  ...F32X4_MUL, ...F32X4_ADD, LOCAL_SET, acc,
];
const zero = (a: number): number[] => [...V128_CONST, ...new Array<number>(16).fill(0), LOCAL_SET, a];
const BODY = [
  2, 2, I32, 2, V128, // locals
  LOCAL_GET, OUT, LOCAL_GET, N, I32_CONST, 2, I32_SHL, I32_ADD, LOCAL_SET, E,
  BLOCK, VOID,
  LOCAL_GET, OUT, LOCAL_GET, E, I32_GE_U, BR_IF, 0,
  LOOP, VOID,
  ...zero(A0), ...zero(A1), I32_CONST, 0, LOCAL_SET, J,
  LOOP, VOID,
  ...mulAdd(A0, 0), ...mulAdd(A1, 16),
  LOCAL_GET, J, I32_CONST, 32, I32_ADD, LOCAL_TEE, J, LOCAL_GET, RB, I32_LT_U, BR_IF, 0,
  END,
  LOCAL_GET, A0, LOCAL_GET, A1, ...F32X4_ADD, LOCAL_SET, A0,
  LOCAL_GET, OUT, ...lane(A0, 0), ...lane(A0, 1), F32_ADD, ...lane(A0, 2), ...lane(A0, 3), F32_ADD, F32_ADD, F32_STORE, 2, 0,
  LOCAL_GET, X, LOCAL_GET, RB, I32_ADD, LOCAL_SET, X,
  LOCAL_GET, OUT, I32_CONST, 4, I32_ADD, LOCAL_TEE, OUT, LOCAL_GET, E, I32_LT_U, BR_IF, 0,
  END,
  END,
  END,
];

const section = (id: number, content: number[]): number[] => [id, ...uleb(content.length), ...content];
function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}
const name = (s: string): number[] => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];

const MODULE_BYTES = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, [1, 0x60, 5, I32, I32, I32, I32, I32, 0]),
  ...section(2, [1, ...name('env'), ...name('mem'), 0x02, 0x00, 1]),
  ...section(3, [1, 0]),
  ...section(7, [1, ...name('dots'), 0x00, 0]),
  ...section(10, [1, ...uleb(BODY.length), ...BODY]),
]);

/** The part of the WebAssembly API used here (the project's type libraries do not declare it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (mod: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (desc: { initial: number }) => { buffer: ArrayBuffer };
}
const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

let compiled: object | null | undefined;
function simdModule(): object | null {
  if (compiled === undefined) compiled = wasm && wasm.validate(MODULE_BYTES) ? new wasm.Module(MODULE_BYTES) : null;
  return compiled;
}

const PAGE = 65536;

/** A kernel for n rows of padDim(d) floats; `portable` forces the plain loop. */
export function createDotKernel(n: number, d: number, portable = false): DotKernel {
  const D = padDim(d);
  const mod = portable ? null : simdModule();
  if (mod && wasm) {
    const bytes = (n * D + D + n) * 4;
    const memory = new wasm.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE)) });
    const inst = new wasm.Instance(mod, { env: { mem: memory } });
    const dots = inst.exports.dots as (x: number, q: number, n: number, rowBytes: number, out: number) => void;
    const x = new Float32Array(memory.buffer, 0, n * D);
    const q = new Float32Array(memory.buffer, n * D * 4, D);
    const out = new Float32Array(memory.buffer, (n * D + D) * 4, n);
    return { x, q, out, simd: true, run: () => dots(0, n * D * 4, n, D * 4, (n * D + D) * 4) };
  }
  const x = new Float32Array(n * D);
  const q = new Float32Array(D);
  const out = new Float32Array(n);
  return { x, q, out, simd: false, run: () => portableDots(x, q, out, n, D) };
}

const f = Math.fround;

/** The SIMD function's arithmetic, one float32 rounding per operation. */
function portableDots(x: Float32Array, q: Float32Array, out: Float32Array, n: number, D: number): void {
  for (let i = 0; i < n; i++) {
    const o = i * D;
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
    for (let j = 0; j < D; j += 8) {
      a0 = f(a0 + f(x[o + j] * q[j]));
      a1 = f(a1 + f(x[o + j + 1] * q[j + 1]));
      a2 = f(a2 + f(x[o + j + 2] * q[j + 2]));
      a3 = f(a3 + f(x[o + j + 3] * q[j + 3]));
      b0 = f(b0 + f(x[o + j + 4] * q[j + 4]));
      b1 = f(b1 + f(x[o + j + 5] * q[j + 5]));
      b2 = f(b2 + f(x[o + j + 6] * q[j + 6]));
      b3 = f(b3 + f(x[o + j + 7] * q[j + 7]));
    }
    out[i] = f(f(f(a0 + b0) + f(a1 + b1)) + f(f(a2 + b2) + f(a3 + b3)));
  }
}
