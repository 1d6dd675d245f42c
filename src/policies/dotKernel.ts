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

import { compileModule, instantiate, name, section, uleb } from '../core/wasm.js';
import { BLOCK, BR_IF, END, F32X4_ADD, F32X4_EXTRACT, F32X4_MUL, F32_ADD, F32_STORE, I32, I32_ADD, I32_CONST, I32_GE_U, I32_LT_U, I32_SHL, LOCAL_GET, LOCAL_SET, LOCAL_TEE, LOOP, V128, V128_CONST, V128_LOAD, VOID } from '../core/wasmOps.js';

/** Row length padded for the kernel. */
export const padDim = (d: number): number => Math.max(8, Math.ceil(d / 8) * 8);

export interface DotKernel {
  /** n × padDim(d) rows. */
  readonly x: Float32Array;
  /** The query, padDim(d) floats. */
  readonly q: Float32Array;
  /** n dot products, written by run(). */
  readonly out: Float32Array;
  /** Four queries, 4 × padDim(d) floats, for runBatch(). */
  readonly qBatch: Float32Array;
  /** 4 × n dot products (query g's at g·n), written by runBatch(). */
  readonly outBatch: Float32Array;
  readonly simd: boolean;
  run(): void;
  /** The four queries of qBatch at once (the same results as four run() calls, in less memory traffic). */
  runBatch(): void;
}

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

// dots4(x, q0, q1, q2, q3, n, rowBytes, o0, o1, o2, o3): four queries per pass over the rows (each row is read
// once for all four), each summed in exactly the order of dots. Locals: end, j, the x chunk, 8 accumulators.
const P4 = { X: 0, N: 5, RB: 6, E: 11, J: 12, XV: 13 };
const q4 = (g: number): number => 1 + g;
const o4 = (g: number): number => 7 + g;
const acc4 = (g: number, odd: number): number => 14 + 2 * g + odd;
const chunk4 = (odd: number): number[] => [
  LOCAL_GET, P4.X, LOCAL_GET, P4.J, I32_ADD, ...V128_LOAD, 2, 16 * odd, LOCAL_SET, P4.XV,
  ...[0, 1, 2, 3].flatMap((g) => [
    LOCAL_GET, acc4(g, odd),
    LOCAL_GET, P4.XV,
    LOCAL_GET, q4(g), LOCAL_GET, P4.J, I32_ADD, ...V128_LOAD, 2, 16 * odd,
    ...F32X4_MUL, ...F32X4_ADD, LOCAL_SET, acc4(g, odd),
  ]),
];
const store4 = (g: number): number[] => [
  LOCAL_GET, acc4(g, 0), LOCAL_GET, acc4(g, 1), ...F32X4_ADD, LOCAL_SET, acc4(g, 0),
  LOCAL_GET, o4(g), ...lane(acc4(g, 0), 0), ...lane(acc4(g, 0), 1), F32_ADD, ...lane(acc4(g, 0), 2), ...lane(acc4(g, 0), 3), F32_ADD, F32_ADD, F32_STORE, 2, 0,
];
const BODY4 = [
  2, 2, I32, 9, V128, // locals
  LOCAL_GET, o4(0), LOCAL_GET, P4.N, I32_CONST, 2, I32_SHL, I32_ADD, LOCAL_SET, P4.E,
  BLOCK, VOID,
  LOCAL_GET, o4(0), LOCAL_GET, P4.E, I32_GE_U, BR_IF, 0,
  LOOP, VOID,
  ...[0, 1, 2, 3].flatMap((g) => [...zero(acc4(g, 0)), ...zero(acc4(g, 1))]), I32_CONST, 0, LOCAL_SET, P4.J,
  LOOP, VOID,
  ...chunk4(0), ...chunk4(1),
  LOCAL_GET, P4.J, I32_CONST, 32, I32_ADD, LOCAL_TEE, P4.J, LOCAL_GET, P4.RB, I32_LT_U, BR_IF, 0,
  END,
  ...[0, 1, 2, 3].flatMap(store4),
  LOCAL_GET, P4.X, LOCAL_GET, P4.RB, I32_ADD, LOCAL_SET, P4.X,
  ...[1, 2, 3].flatMap((g) => [LOCAL_GET, o4(g), I32_CONST, 4, I32_ADD, LOCAL_SET, o4(g)]),
  LOCAL_GET, o4(0), I32_CONST, 4, I32_ADD, LOCAL_TEE, o4(0), LOCAL_GET, P4.E, I32_LT_U, BR_IF, 0,
  END,
  END,
  END,
];

const MODULE_BYTES = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, [2, 0x60, 5, ...new Array<number>(5).fill(I32), 0, 0x60, 11, ...new Array<number>(11).fill(I32), 0]),
  ...section(2, [1, ...name('env'), ...name('mem'), 0x02, 0x00, 1]),
  ...section(3, [2, 0, 1]),
  ...section(7, [2, ...name('dots'), 0x00, 0, ...name('dots4'), 0x00, 1]),
  ...section(10, [2, ...uleb(BODY.length), ...BODY, ...uleb(BODY4.length), ...BODY4]),
]);

/** A kernel for n rows of padDim(d) floats; `portable` forces the plain loop. */
export function createDotKernel(n: number, d: number, portable = false): DotKernel {
  const D = padDim(d);
  const mod = portable ? null : compileModule(MODULE_BYTES);
  if (mod) {
    const memory = instantiate(mod, (n * D + D + n + 4 * D + 4 * n) * 4);
    const dots = memory.exports.dots as (x: number, q: number, n: number, rowBytes: number, out: number) => void;
    const dots4 = memory.exports.dots4 as (x: number, q0: number, q1: number, q2: number, q3: number, n: number, rowBytes: number, o0: number, o1: number, o2: number, o3: number) => void;
    const qAt = n * D * 4;
    const outAt = qAt + D * 4;
    const qbAt = outAt + n * 4;
    const obAt = qbAt + 4 * D * 4;
    const x = new Float32Array(memory.buffer, 0, n * D);
    const q = new Float32Array(memory.buffer, qAt, D);
    const out = new Float32Array(memory.buffer, outAt, n);
    const qBatch = new Float32Array(memory.buffer, qbAt, 4 * D);
    const outBatch = new Float32Array(memory.buffer, obAt, 4 * n);
    const rb = D * 4;
    const ob = n * 4;
    return {
      x,
      q,
      out,
      qBatch,
      outBatch,
      simd: true,
      run: () => dots(0, qAt, n, rb, outAt),
      runBatch: () => dots4(0, qbAt, qbAt + rb, qbAt + 2 * rb, qbAt + 3 * rb, n, rb, obAt, obAt + ob, obAt + 2 * ob, obAt + 3 * ob),
    };
  }
  const x = new Float32Array(n * D);
  const q = new Float32Array(D);
  const out = new Float32Array(n);
  const qBatch = new Float32Array(4 * D);
  const outBatch = new Float32Array(4 * n);
  const qViews = [0, 1, 2, 3].map((g) => qBatch.subarray(g * D, (g + 1) * D));
  const oViews = [0, 1, 2, 3].map((g) => outBatch.subarray(g * n, (g + 1) * n));
  return {
    x,
    q,
    out,
    qBatch,
    outBatch,
    simd: false,
    run: () => portableDots(x, q, out, n, D),
    runBatch: () => {
      for (let g = 0; g < 4; g++) portableDots(x, qViews[g], oViews[g], n, D);
    },
  };
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
