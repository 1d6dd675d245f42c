/**
 * WebAssembly SIMD kernels for the linear policies (docs/model.md §5.6), two lanes of f64 at a time: for
 * dense contexts the triangle form xᵀA⁻¹x with θᵀx, A⁻¹x and A += s·xxᵀ; for every context the symmetric
 * rank-one update of A⁻¹; for a sparse row of up to four non-zeros the whole update in one call (sparseStep.ts).
 *
 * Every result is bit-identical to the scalar loops of linalg.ts. WebAssembly never fuses a multiply and an
 * add, and the lanes are chosen so that no sum changes its order: because A⁻¹ is exactly symmetric, row a of
 * the upper triangle equals column a of the lower one, so two neighbouring rows' running sums t_a, t_a+1 sit
 * in one vector and take their next terms from one contiguous load of a lower-triangle row. Each t_a still
 * adds x_b·A⁻¹_ab in increasing b, as the scalar loop does.
 */

import { compileModule, instantiate, name, section, uleb } from '../core/wasm.js';
import { END, F64, F64X2_ADD, F64X2_EQ, F64X2_MUL, F64X2_SPLAT, F64X2_SUB, F64_ADD, F64_EQ, F64_MUL, F64_NE, F64_SUB, I32, I32_ADD, I32_LT_U, I32_MUL, I32_SHL, SELECT, V128, V128_BITSELECT, V128_CONST, get, set, type Code } from '../core/wasmOps.js';
import { below, f64, i32, inc, ifThen, lanes, ldF, ldV, pairFits, stF, stV, whileLoop } from './kernelCode.js';
import { SPARSE_STEP_TYPE, sparseStepBody } from './sparseStep.js';

// quad(m, x, t, d, th) → xᵀMx over one triangle, M the d×d block at byte address m, t scratch of d + 1 values;
// θᵀx (th: θ at a byte address) is left in t[d]. Rows run in blocks of 4, then 2, then 1.
const Q = { M: 0, X: 1, T: 2, D: 3, TH: 4, DB: 5, B: 6, A: 7, R: 8, XB: 12, S: 16, MEAN: 17, VB: 18 };
/** One block of r rows starting at row b (byte offset B): their terms for every a < b, then their own corner. */
function quadRows(r: number): Code {
  const out: Code = [];
  for (let i = 0; i < r; i++) {
    out.push(...get(Q.X), ...get(Q.B), I32_ADD, ...ldF(8 * i), ...set(Q.XB + i));
    out.push(...get(Q.XB + i), ...F64X2_SPLAT, ...set(Q.VB + i));
    if (i === 0) out.push(...get(Q.M), ...get(Q.B), ...get(Q.D), I32_MUL, I32_ADD, ...set(Q.R));
    else out.push(...get(Q.R + i - 1), ...get(Q.DB), I32_ADD, ...set(Q.R + i));
  }
  // b is even, so a < b runs in whole pairs: t_a += x_b·M_ba, += x_{b+1}·M_{b+1,a}, … in row order
  const vec: Code = [...get(Q.T), ...get(Q.A), I32_ADD, ...get(Q.T), ...get(Q.A), I32_ADD, ...ldV()];
  for (let i = 0; i < r; i++) vec.push(...get(Q.VB + i), ...get(Q.R + i), ...get(Q.A), I32_ADD, ...ldV(), ...F64X2_MUL, ...F64X2_ADD);
  vec.push(...stV(), ...inc(Q.A, 16));
  out.push(...i32(0), ...set(Q.A), ...whileLoop(below(Q.A, Q.B), vec));
  // corner: t_{b+j} = ½x_{b+j}·M_{b+j,b+j} + Σ_{i>j} x_{b+i}·M_{b+i,b+j}
  for (let j = 0; j < r; j++) {
    out.push(...get(Q.T), ...get(Q.B), I32_ADD);
    out.push(...f64(0.5), ...get(Q.XB + j), F64_MUL, ...get(Q.R + j), ...get(Q.B), I32_ADD, ...ldF(8 * j), F64_MUL);
    for (let i = j + 1; i < r; i++) out.push(...get(Q.XB + i), ...get(Q.R + i), ...get(Q.B), I32_ADD, ...ldF(8 * j), F64_MUL, F64_ADD);
    out.push(...stF(8 * j));
  }
  out.push(...inc(Q.B, 8 * r));
  return out;
}
/** B + 8·(r − 1) < DB: r more rows fit. */
const rowsFit = (r: number): Code => [...get(Q.B), ...i32(8 * (r - 1)), I32_ADD, ...get(Q.DB), I32_LT_U];
const QUAD: Code = [
  3, 7, I32, 6, F64, 4, V128, // locals (see Q): DB B A R0–R3, XB0–XB3 S MEAN, VB0–VB3
  ...get(Q.D), ...i32(3), I32_SHL, ...set(Q.DB),
  ...i32(0), ...set(Q.B),
  ...whileLoop(rowsFit(4), quadRows(4)),
  ...ifThen(rowsFit(2), quadRows(2)),
  ...ifThen(rowsFit(1), quadRows(1)),
  // Σ_a 2·x_a·t_a and Σ_a θ_a·x_a, each in increasing a
  ...f64(0), ...set(Q.S),
  ...f64(0), ...set(Q.MEAN),
  ...i32(0), ...set(Q.A),
  ...whileLoop(below(Q.A, Q.DB), [
    ...get(Q.S),
    ...f64(2), ...get(Q.X), ...get(Q.A), I32_ADD, ...ldF(), F64_MUL, ...get(Q.T), ...get(Q.A), I32_ADD, ...ldF(), F64_MUL,
    F64_ADD, ...set(Q.S),
    ...get(Q.MEAN),
    ...get(Q.TH), ...get(Q.A), I32_ADD, ...ldF(), ...get(Q.X), ...get(Q.A), I32_ADD, ...ldF(), F64_MUL,
    F64_ADD, ...set(Q.MEAN),
    ...inc(Q.A, 8),
  ]),
  ...get(Q.T), ...get(Q.DB), I32_ADD, ...get(Q.MEAN), ...stF(),
  ...get(Q.S),
  END,
];

// matvec(m, x, u, d): u_i = Σ_k x_k·M_ki in increasing k (= M_ik: a row of the symmetric block), two k per pass.
const V = { M: 0, X: 1, U: 2, D: 3, DB: 4, K: 5, J: 6, R0: 7, R1: 8, XK: 9, XK1: 10, VK: 11, VK1: 12 };
const uAt = (): Code => [...get(V.U), ...get(V.J), I32_ADD];
const MATVEC: Code = [
  3, 5, I32, 2, F64, 2, V128,
  ...get(V.D), ...i32(3), I32_SHL, ...set(V.DB),
  ...i32(0), ...set(V.J),
  ...whileLoop(below(V.J, V.DB), [...uAt(), ...f64(0), ...stF(), ...inc(V.J, 8)]),
  ...i32(0), ...set(V.K),
  ...get(V.M), ...set(V.R0),
  ...whileLoop(pairFits(V.K, V.DB), [
    ...get(V.X), ...get(V.K), I32_ADD, ...ldF(), ...set(V.XK),
    ...get(V.X), ...get(V.K), I32_ADD, ...ldF(8), ...set(V.XK1),
    ...get(V.XK), ...F64X2_SPLAT, ...set(V.VK),
    ...get(V.XK1), ...F64X2_SPLAT, ...set(V.VK1),
    ...get(V.R0), ...get(V.DB), I32_ADD, ...set(V.R1),
    ...i32(0), ...set(V.J),
    ...lanes(V.J, V.DB,
      [...uAt(), ...uAt(), ...ldV(), ...get(V.VK), ...get(V.R0), ...get(V.J), I32_ADD, ...ldV(), ...F64X2_MUL, ...F64X2_ADD,
        ...get(V.VK1), ...get(V.R1), ...get(V.J), I32_ADD, ...ldV(), ...F64X2_MUL, ...F64X2_ADD, ...stV()],
      [...uAt(), ...uAt(), ...ldF(), ...get(V.XK), ...get(V.R0), ...get(V.J), I32_ADD, ...ldF(), F64_MUL, F64_ADD,
        ...get(V.XK1), ...get(V.R1), ...get(V.J), I32_ADD, ...ldF(), F64_MUL, F64_ADD, ...stF()]),
    ...get(V.R1), ...get(V.DB), I32_ADD, ...set(V.R0),
    ...inc(V.K, 16),
  ]),
  ...ifThen(below(V.K, V.DB), [
    ...get(V.X), ...get(V.K), I32_ADD, ...ldF(), ...set(V.XK),
    ...get(V.XK), ...F64X2_SPLAT, ...set(V.VK),
    ...i32(0), ...set(V.J),
    ...lanes(V.J, V.DB,
      [...uAt(), ...uAt(), ...ldV(), ...get(V.VK), ...get(V.R0), ...get(V.J), I32_ADD, ...ldV(), ...F64X2_MUL, ...F64X2_ADD, ...stV()],
      [...uAt(), ...uAt(), ...ldF(), ...get(V.XK), ...get(V.R0), ...get(V.J), I32_ADD, ...ldF(), F64_MUL, F64_ADD, ...stF()]),
  ]),
  END,
];

// rank1(m, u, cu, d): M_rj ← M_rj − cu_min(r,j)·u_max(r,j) with cu = c·u: the value linalg's loop writes to both
// M_rj and M_jr (products commute exactly), so the block stays exactly symmetric.
// rank1skip(m, u, cu, d): the same where the scalar loop (linalg.rankOneSym) does not skip: an entry keeps its
// value when cu_min(r,j) is 0, the rows that loop leaves out. Used when some c·u_i is 0 (u has exact zeros while
// A⁻¹ is still sparse), so the kernels' result is the scalar loop's in every case.
const K = { M: 0, U: 1, CU: 2, D: 3, DB: 4, RB: 5, J: 6, ROW: 7, UR: 8, CUR: 9, OF: 10, CJ: 11, VUR: 12, VCUR: 13, OLD: 14, CUV: 15, ZERO: 16 };
const kRowAt = (): Code => [...get(K.ROW), ...get(K.J), I32_ADD];
/** j < r: M_rj − cu_j·u_r. */
const lowerVec: Code = [...kRowAt(), ...kRowAt(), ...ldV(), ...get(K.CU), ...get(K.J), I32_ADD, ...ldV(), ...get(K.VUR), ...F64X2_MUL, ...F64X2_SUB, ...stV()];
const lowerOne: Code = [...kRowAt(), ...kRowAt(), ...ldF(), ...get(K.CU), ...get(K.J), I32_ADD, ...ldF(), ...get(K.UR), F64_MUL, F64_SUB, ...stF()];
/** The same where cu_j ≠ 0, else M_rj as it was. */
const lowerVecSkip: Code = [
  ...kRowAt(), ...ldV(), ...set(K.OLD), ...get(K.CU), ...get(K.J), I32_ADD, ...ldV(), ...set(K.CUV),
  ...kRowAt(), ...get(K.OLD), ...get(K.OLD), ...get(K.CUV), ...get(K.VUR), ...F64X2_MUL, ...F64X2_SUB,
  ...get(K.CUV), ...get(K.ZERO), ...F64X2_EQ, ...V128_BITSELECT, ...stV(),
];
const lowerOneSkip: Code = [
  ...kRowAt(), ...ldF(), ...set(K.OF), ...get(K.CU), ...get(K.J), I32_ADD, ...ldF(), ...set(K.CJ),
  ...kRowAt(), ...get(K.OF), ...get(K.OF), ...get(K.CJ), ...get(K.UR), F64_MUL, F64_SUB,
  ...get(K.CJ), ...f64(0), F64_EQ, SELECT, ...stF(),
];
/** j ≥ r: M_rj − cu_r·u_j. */
const upper: Code = [
  ...get(K.RB), ...set(K.J),
  ...lanes(K.J, K.DB,
    [...kRowAt(), ...kRowAt(), ...ldV(), ...get(K.VCUR), ...get(K.U), ...get(K.J), I32_ADD, ...ldV(), ...F64X2_MUL, ...F64X2_SUB, ...stV()],
    [...kRowAt(), ...kRowAt(), ...ldF(), ...get(K.CUR), ...get(K.U), ...get(K.J), I32_ADD, ...ldF(), F64_MUL, F64_SUB, ...stF()]),
];
function rank1Body(skip: boolean): Code {
  return [
    3, 4, I32, 4, F64, 5, V128,
    ...get(K.D), ...i32(3), I32_SHL, ...set(K.DB),
    ...(skip ? [...V128_CONST, ...new Array<number>(16).fill(0), ...set(K.ZERO)] : []),
    ...i32(0), ...set(K.RB),
    ...get(K.M), ...set(K.ROW),
    ...whileLoop(below(K.RB, K.DB), [
      ...get(K.U), ...get(K.RB), I32_ADD, ...ldF(), ...set(K.UR),
      ...get(K.CU), ...get(K.RB), I32_ADD, ...ldF(), ...set(K.CUR),
      ...get(K.UR), ...F64X2_SPLAT, ...set(K.VUR),
      ...get(K.CUR), ...F64X2_SPLAT, ...set(K.VCUR),
      ...i32(0), ...set(K.J),
      ...(skip ? lanes(K.J, K.RB, lowerVecSkip, lowerOneSkip) : lanes(K.J, K.RB, lowerVec, lowerOne)),
      // with skipping, the whole part j ≥ r is left as it was when cu_r is 0
      ...(skip ? ifThen([...get(K.CUR), ...f64(0), F64_NE], upper) : upper),
      ...get(K.ROW), ...get(K.DB), I32_ADD, ...set(K.ROW),
      ...inc(K.RB, 8),
    ]),
    END,
  ];
}
const RANK1 = rank1Body(false);
const RANK1_SKIP = rank1Body(true);

// outer(m, x, s, d): M_ab ← M_ab + (s·x_a)·x_b.
const O = { M: 0, X: 1, S: 2, D: 3, DB: 4, AB: 5, J: 6, ROW: 7, VA: 8, VVA: 9 };
const oRowAt = (): Code => [...get(O.ROW), ...get(O.J), I32_ADD];
const OUTER: Code = [
  3, 4, I32, 1, F64, 1, V128,
  ...get(O.D), ...i32(3), I32_SHL, ...set(O.DB),
  ...i32(0), ...set(O.AB),
  ...get(O.M), ...set(O.ROW),
  ...whileLoop(below(O.AB, O.DB), [
    ...get(O.S), ...get(O.X), ...get(O.AB), I32_ADD, ...ldF(), F64_MUL, ...set(O.VA),
    ...get(O.VA), ...F64X2_SPLAT, ...set(O.VVA),
    ...i32(0), ...set(O.J),
    ...lanes(O.J, O.DB,
      [...oRowAt(), ...oRowAt(), ...ldV(), ...get(O.VVA), ...get(O.X), ...get(O.J), I32_ADD, ...ldV(), ...F64X2_MUL, ...F64X2_ADD, ...stV()],
      [...oRowAt(), ...oRowAt(), ...ldF(), ...get(O.VA), ...get(O.X), ...get(O.J), I32_ADD, ...ldF(), F64_MUL, F64_ADD, ...stF()]),
    ...get(O.ROW), ...get(O.DB), I32_ADD, ...set(O.ROW),
    ...inc(O.AB, 8),
  ]),
  END,
];

const body = (code: Code): number[] => [...uleb(code.length), ...code];

const MODULE_BYTES = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  // types: 0 quad (i32 ×5) → f64; 1 (i32 ×4) → (); 2 outer (i32, i32, f64, i32) → (); 3 step (sparseStep.ts)
  ...section(1, [4, 0x60, 5, I32, I32, I32, I32, I32, 1, F64, 0x60, 4, I32, I32, I32, I32, 0, 0x60, 4, I32, I32, F64, I32, 0, ...SPARSE_STEP_TYPE]),
  ...section(2, [1, ...name('env'), ...name('mem'), 0x02, 0x00, 1]),
  ...section(3, [6, 0, 1, 1, 2, 3, 1]),
  ...section(7, [6, ...name('quad'), 0x00, 0, ...name('matvec'), 0x00, 1, ...name('rank1'), 0x00, 2, ...name('outer'), 0x00, 3, ...name('step'), 0x00, 4, ...name('rank1skip'), 0x00, 5]),
  // step calls rank1 (function 2) or rank1skip (function 5)
  ...section(10, [6, ...body(QUAD), ...body(MATVEC), ...body(RANK1), ...body(OUTER), ...body(sparseStepBody(2, 5)), ...body(RANK1_SKIP)]),
]);

/** Narrowest context that takes the kernels (below it a call costs more than the loop it replaces). */
const DENSE_KERNEL_MIN_D = 8;
/** Largest memory a kernel allocates; beyond it the scalar loops run. */
const MAX_BYTES = 1 << 30;

/** Released kernels by shape (models × d), handed out again by DenseKernel.create(). */
const FREE = new Map<string, DenseKernel[]>();
/** Memory held by released kernels, at most MAX_FREE_BYTES. */
let freeBytes = 0;
const MAX_FREE_BYTES = 64 << 20;

/**
 * Per-arm d×d blocks A⁻¹ and A and the vectors the kernels read, all in one WebAssembly memory. Block offsets
 * are in elements, as RidgeArms keeps them.
 *
 * A kernel a finished run releases is reused by the next one of the same shape: the functions of one instance
 * stay the same, so the call sites that reach them keep one target and V8 calls into WebAssembly directly.
 * A new instance per run (the engine makes a policy per run) left them with a new target each time, on V8's
 * generic path (docs/model.md §5.6).
 */
export class DenseKernel {
  readonly Ainv: Float64Array;
  readonly A: Float64Array;
  /** Per-arm θ (d values per arm). */
  readonly theta: Float64Array;
  /** Per-arm b (d values per arm). */
  readonly b: Float64Array;
  /** θᵀx of the last quad() call. */
  mean = 0;
  /** The context row the kernels read (loaded by load()). */
  readonly x: Float64Array;
  /** A⁻¹x after matVec(). */
  readonly u: Float64Array;
  /** c·u, filled by the caller before rank1(). */
  readonly cu: Float64Array;
  private readonly aBase: number;
  private readonly thAt: number;
  private readonly t: Float64Array;
  private readonly bAt: number;
  private readonly xAt: number;
  private readonly tAt: number;
  private readonly uAt: number;
  private readonly cuAt: number;
  private readonly fQuad: (m: number, x: number, t: number, d: number, th: number) => number;
  private readonly fMatVec: (m: number, x: number, u: number, d: number) => void;
  private readonly fRank1: (m: number, u: number, cu: number, d: number) => void;
  private readonly fOuter: (m: number, x: number, s: number, d: number) => void;
  private readonly fStep: (m: number, am: number, bb: number, th: number, u: number, cu: number, d: number, e0: number, e1: number, e2: number, e3: number, n: number, pre: number, v0: number, v1: number, v2: number, v3: number, s: number, r: number, pred: number) => void;
  private readonly fRank1Skip: (m: number, u: number, cu: number, d: number) => void;
  /** Which row x holds (its array and offset), so a decision copies it once. */
  private xVal: Float64Array | null = null;
  private xLo = -1;
  private readonly bytes: Uint8Array;
  private readonly shape: string;
  private released = false;

  private constructor(
    mod: object,
    nModels: number,
    readonly d: number,
  ) {
    const block = nModels * d * d * 8;
    const bytes = 2 * block + (2 * nModels * d + 4 * d + 2) * 8;
    const memory = instantiate(mod, bytes);
    const ex = memory.exports;
    this.fQuad = ex.quad as DenseKernel['fQuad'];
    this.fMatVec = ex.matvec as DenseKernel['fMatVec'];
    this.fRank1 = ex.rank1 as DenseKernel['fRank1'];
    this.fOuter = ex.outer as DenseKernel['fOuter'];
    this.fStep = ex.step as DenseKernel['fStep'];
    this.fRank1Skip = ex.rank1skip as DenseKernel['fRank1Skip'];
    this.aBase = block;
    this.thAt = 2 * block;
    this.xAt = this.thAt + nModels * d * 8;
    this.tAt = this.xAt + d * 8;
    this.uAt = this.tAt + (d + 2) * 8;
    this.cuAt = this.uAt + d * 8;
    this.bAt = this.cuAt + d * 8;
    const buf = memory.buffer;
    this.bytes = new Uint8Array(buf);
    this.shape = shapeKey(nModels, d);
    this.Ainv = new Float64Array(buf, 0, nModels * d * d);
    this.A = new Float64Array(buf, this.aBase, nModels * d * d);
    this.theta = new Float64Array(buf, this.thAt, nModels * d);
    this.t = new Float64Array(buf, this.tAt, d + 1);
    this.b = new Float64Array(buf, this.bAt, nModels * d);
    this.x = new Float64Array(buf, this.xAt, d);
    this.u = new Float64Array(buf, this.uAt, d);
    this.cu = new Float64Array(buf, this.cuAt, d);
  }

  /** A kernel for nModels blocks of d×d, or null (no WebAssembly SIMD, d too small, or too large a memory). */
  static create(nModels: number, d: number): DenseKernel | null {
    if (d < DENSE_KERNEL_MIN_D || (2 * nModels * d * d + 2 * nModels * d + 4 * d + 2) * 8 > MAX_BYTES) return null;
    const reuse = FREE.get(shapeKey(nModels, d))?.pop();
    if (reuse !== undefined) {
      freeBytes -= reuse.bytes.length;
      reuse.released = false;
      // as a new instance's memory: zeros everywhere
      reuse.bytes.fill(0);
      reuse.xVal = null;
      reuse.xLo = -1;
      reuse.mean = 0;
      return reuse;
    }
    const mod = compileModule(MODULE_BYTES);
    if (mod === null) return null;
    try {
      return new DenseKernel(mod, nModels, d);
    } catch {
      // the address space for another memory was refused: the scalar loops give the same numbers
      return null;
    }
  }

  /**
   * Hand the kernel to a later create() of the same shape; its owner must not use it (or its arrays) again.
   * Released kernels are kept up to 64 MiB in all; beyond that this one is left to the garbage collector.
   */
  release(): void {
    if (this.released || freeBytes + this.bytes.length > MAX_FREE_BYTES) return;
    this.released = true;
    freeBytes += this.bytes.length;
    let list = FREE.get(this.shape);
    if (list === undefined) FREE.set(this.shape, (list = []));
    list.push(this);
  }

  /** Make x the dense row val[lo..lo+d) (a no-op when it already is). */
  load(val: Float64Array, lo: number): void {
    if (val === this.xVal && lo === this.xLo) return;
    const { x, d } = this;
    for (let i = 0; i < d; i++) x[i] = val[lo + i];
    this.xVal = val;
    this.xLo = lo;
  }

  /**
   * xᵀA⁻¹x over one triangle for the block at element offset off (linalg.denseQuadUpper's value); θᵀx for the θ
   * at element offset to is left in `mean` (summed in index order, as the scalar loop does).
   */
  quad(off: number, to: number): number {
    const q = this.fQuad(off * 8, this.xAt, this.tAt, this.d, this.thAt + to * 8);
    this.mean = this.t[this.d];
    return q;
  }

  /** u = A⁻¹x for the block at off. */
  matVec(off: number): void {
    this.fMatVec(off * 8, this.xAt, this.uAt, this.d);
  }

  /** A⁻¹ ← A⁻¹ − cu·uᵀ on both triangles, written symmetrically (cu filled by the caller). */
  rank1(off: number): void {
    this.fRank1(off * 8, this.uAt, this.cuAt, this.d);
  }

  /**
   * The ridge update for a sparse row of 1–4 non-zeros idx/val[lo..lo+n), the arm's blocks at element offset off and
   * its vectors at to (sparseStep.ts): with `pre`, A += s·xxᵀ, b += s·r·x and pred = θᵀx first (else pred as given);
   * then u = A⁻¹x, A⁻¹ −= c·uuᵀ, θ += g·u.
   */
  step(off: number, to: number, idx: Int32Array, val: Float64Array, lo: number, n: number, pre: boolean, s: number, r: number, pred: number): void {
    const e0 = idx[lo] * 8;
    const e1 = n > 1 ? idx[lo + 1] * 8 : e0;
    const e2 = n > 2 ? idx[lo + 2] * 8 : e0;
    const e3 = n > 3 ? idx[lo + 3] * 8 : e0;
    const m = off * 8;
    this.fStep(m, this.aBase + m, this.bAt + to * 8, this.thAt + to * 8, this.uAt, this.cuAt, this.d, e0, e1, e2, e3, n, pre ? 1 : 0,
      val[lo], n > 1 ? val[lo + 1] : 0, n > 2 ? val[lo + 2] : 0, n > 3 ? val[lo + 3] : 0, s, r, pred);
  }

  /** rank1 where linalg.rankOneSym skips: entries whose c·u_min(i,j) is 0 keep their value. */
  rank1Skip(off: number): void {
    this.fRank1Skip(off * 8, this.uAt, this.cuAt, this.d);
  }

  /** A += s·x xᵀ for the block of A at off. */
  outer(off: number, s: number): void {
    this.fOuter(this.aBase + off * 8, this.xAt, s, this.d);
  }
}

function shapeKey(nModels: number, d: number): string {
  return `${nModels}x${d}`;
}
