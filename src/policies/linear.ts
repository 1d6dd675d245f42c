/**
 * Shared per-arm ridge state for the linear policies: A⁻¹ kept by Sherman–Morrison rank-one updates,
 * with A itself kept too so the inverse is refreshed exactly (Cholesky) every `REFRESH_EVERY` updates of an arm.
 * That bounds round-off drift however long a run is.
 */
import type { Policy, PolicyEnv } from './policy.js';
import { DenseKernel } from './denseKernel.js';
import { patternRows } from '../features/context.js';
import { addOuterSparse, denseQuadUpper, invertSPD, invertWorkSize, isDenseRow, matVec, setScaledIdentity, shermanMorrisonSparse, solveSparse } from './linalg.js';

/** Exact refresh period of A⁻¹ (docs/model.md §5.6); a power of two (update() masks with it). */
const REFRESH_EVERY = 256;

export class RidgeArms {
  /** Whether linear policies made from now on use the WebAssembly kernels (false: the scalar loops, same numbers). */
  static accelerate = true;
  readonly d: number;
  readonly dd: number;
  /** A_m (per arm d×d). */
  readonly A: Float64Array;
  /** A_m⁻¹ (per arm d×d). */
  readonly Ainv: Float64Array;
  /** b_m (per arm d). */
  readonly b: Float64Array;
  /** θ_m = A_m⁻¹ b_m (per arm d). */
  readonly theta: Float64Array;
  readonly updates: Float64Array;
  /** Bumped whenever an arm's state changes; invalidates that arm's cached per-pattern values. */
  readonly version: Int32Array;
  /** The kernels, holding A, A⁻¹ and θ (docs/model.md §5.6), or null. */
  readonly kernel: DenseKernel | null;
  private readonly u: Float64Array;
  private readonly work: Float64Array;

  constructor(
    nModels: number,
    d: number,
    /** A starts at prior·I. */
    readonly prior: number,
    /** Keep A, A⁻¹ and θ in the kernels' memory (without WebAssembly SIMD, or for d < 8, the scalar loops run). */
    accelerate = false,
  ) {
    this.d = d;
    this.dd = d * d;
    this.kernel = accelerate ? DenseKernel.create(nModels, d) : null;
    this.A = this.kernel ? this.kernel.A : new Float64Array(nModels * this.dd);
    this.Ainv = this.kernel ? this.kernel.Ainv : new Float64Array(nModels * this.dd);
    this.b = this.kernel ? this.kernel.b : new Float64Array(nModels * d);
    this.theta = this.kernel ? this.kernel.theta : new Float64Array(nModels * d);
    this.updates = new Float64Array(nModels);
    this.version = new Int32Array(nModels);
    this.u = new Float64Array(d);
    this.work = new Float64Array(invertWorkSize(d));
    for (let m = 0; m < nModels; m++) this.reset(m);
  }

  /** A = prior·I, b = 0 (docs/model.md §5.2–5.4 initial state). */
  reset(m: number): void {
    const { d, dd } = this;
    setScaledIdentity(this.A, m * dd, d, this.prior);
    setScaledIdentity(this.Ainv, m * dd, d, 1 / this.prior);
    this.b.fill(0, m * d, (m + 1) * d);
    this.theta.fill(0, m * d, (m + 1) * d);
    this.updates[m] = 0;
    this.version[m]++;
  }

  /**
   * A += s·x xᵀ, b += s·r·x, θ = A⁻¹b. θ moves by the recursive least-squares step
   * θ ← θ + s·(r − xᵀθ)·A_old⁻¹x / (1 + s·xᵀA_old⁻¹x), O(d) instead of O(d²); the periodic exact refresh
   * recomputes both A⁻¹ and θ from A and b.
   */
  update(m: number, idx: Int32Array, val: Float64Array, lo: number, hi: number, r: number, s: number): void {
    const kernel = this.kernel;
    if (kernel !== null) {
      if (isDenseRow(idx, lo, hi, this.d)) this.updateDense(kernel, m, val, lo, r, s);
      else this.updateSparse(kernel, m, idx, val, lo, hi, r, s);
      return;
    }
    const { d, dd, theta, u } = this;
    const off = m * dd;
    const to = m * d;
    addOuterSparse(this.A, off, d, idx, val, lo, hi, s);
    let pred = 0;
    for (let k = lo; k < hi; k++) {
      this.b[to + idx[k]] += s * r * val[k];
      pred += theta[to + idx[k]] * val[k];
    }
    this.updates[m] += 1;
    this.version[m]++;
    // REFRESH_EVERY is a power of two, so the mask is the remainder without a floating-point modulo
    if ((this.updates[m] & (REFRESH_EVERY - 1)) === 0 && invertSPD(this.A, off, d, this.Ainv, off, this.work)) {
      matVec(this.Ainv, off, d, this.b, to, theta, to);
      return;
    }
    const denom = shermanMorrisonSparse(this.Ainv, off, d, idx, val, lo, hi, s, u);
    const g = (s * (r - pred)) / denom;
    for (let i = 0; i < d; i++) theta[to + i] += g * u[i];
  }

  /** update() for a sparse row with the rank-one update in the kernel: the same operations, the same bits. */
  private updateSparse(k: DenseKernel, m: number, idx: Int32Array, val: Float64Array, lo: number, hi: number, r: number, s: number): void {
    const { d, dd, theta } = this;
    const off = m * dd;
    const to = m * d;
    const n = hi - lo;
    const small = n >= 1 && n <= 4;
    this.updates[m] += 1;
    this.version[m]++;
    const refresh = (this.updates[m] & (REFRESH_EVERY - 1)) === 0;
    // the paper's one-hot layout between refreshes: the whole update in one kernel call
    if (small && !refresh) {
      k.step(off, to, idx, val, lo, n, true, s, r, 0);
      return;
    }
    addOuterSparse(this.A, off, d, idx, val, lo, hi, s);
    let pred = 0;
    for (let j = lo; j < hi; j++) {
      this.b[to + idx[j]] += s * r * val[j];
      pred += theta[to + idx[j]] * val[j];
    }
    if (refresh && invertSPD(this.A, off, d, this.Ainv, off, this.work)) {
      matVec(this.Ainv, off, d, this.b, to, theta, to);
      return;
    }
    if (small) {
      k.step(off, to, idx, val, lo, n, false, s, r, pred);
      return;
    }
    const u = k.u;
    const q = solveSparse(this.Ainv, off, d, idx, val, lo, hi, u);
    this.rankOne(k, off, s, q);
    const g = (s * (r - pred)) / (1 + s * q);
    for (let i = 0; i < d; i++) theta[to + i] += g * u[i];
  }

  /** A⁻¹ −= c·uuᵀ, c = s/(1 + s·q), u in the kernel; where some c·u_i is 0, the variant that skips as the scalar loop does. */
  private rankOne(k: DenseKernel, off: number, s: number, q: number): void {
    const { d } = this;
    const { u, cu } = k;
    const c = s / (1 + s * q);
    let skip = false;
    for (let i = 0; i < d; i++) {
      const ci = c * u[i];
      cu[i] = ci;
      if (ci === 0) skip = true;
    }
    if (skip) k.rank1Skip(off);
    else k.rank1(off);
  }

  /** update() for a dense row through the kernels: the same operations in the same order, so the same bits. */
  private updateDense(k: DenseKernel, m: number, val: Float64Array, lo: number, r: number, s: number): void {
    const { d, dd, theta, b } = this;
    const off = m * dd;
    const to = m * d;
    k.load(val, lo);
    k.outer(off, s);
    let pred = 0;
    for (let i = 0; i < d; i++) {
      b[to + i] += s * r * val[lo + i];
      pred += theta[to + i] * val[lo + i];
    }
    this.updates[m] += 1;
    this.version[m]++;
    if ((this.updates[m] & (REFRESH_EVERY - 1)) === 0 && invertSPD(this.A, off, d, this.Ainv, off, this.work)) {
      matVec(this.Ainv, off, d, b, to, theta, to);
      return;
    }
    k.matVec(off);
    const u = k.u;
    let q = 0;
    for (let i = 0; i < d; i++) q += val[lo + i] * u[i];
    this.rankOne(k, off, s, q);
    const g = (s * (r - pred)) / (1 + s * q);
    for (let i = 0; i < d; i++) theta[to + i] += g * u[i];
  }

  /** Recompute A⁻¹ and θ exactly from A and b. */
  refresh(m: number): void {
    const { d, dd } = this;
    this.version[m]++;
    if (invertSPD(this.A, m * dd, d, this.Ainv, m * dd, this.work)) matVec(this.Ainv, m * dd, d, this.b, m * d, this.theta, m * d);
  }
}

/**
 * θ_mᵀx, xᵀA_m⁻¹x and sqrt(κ·xᵀA_m⁻¹x) per (arm, context pattern), recomputed only after the arm changed
 * (docs/model.md §5.6). With one-hot contexts a step then touches O(nnz²) numbers for the one updated arm
 * instead of for every arm. Staleness is a per-arm generation counter (RidgeArms.version) against a stamp
 * per slot, so an update invalidates an arm's slots in O(1).
 */
export class PatternCache {
  readonly mean: Float64Array;
  readonly variance: Float64Array;
  /** sqrt(κ·variance): the exploration width, computed once per fresh slot instead of per read. */
  readonly sd: Float64Array;
  /** RidgeArms.version of the arm when each slot was filled (−1: never). */
  readonly stamp: Int32Array;
  /** Patterns per arm (slot of arm m, pattern p: m·P + p). */
  readonly P: number;
  private readonly pattern: Int32Array | null;
  /** The row holding each pattern's context (see patternRows). */
  private readonly rows: Int32Array | null;
  /** Every context is dense in index order 0..d−1: the quadratic form runs without index indirection. */
  private readonly dense: boolean;

  constructor(
    private readonly st: RidgeArms,
    nModels: number,
    private readonly ctx: { d?: number; ptr: Int32Array; idx: Int32Array; val: Float64Array; pattern?: Int32Array; nPatterns?: number },
    private readonly kappa = 1,
    /** False for a policy that scores by θᵀx alone (linear ε-greedy): xᵀA⁻¹x is then never computed. */
    private readonly width = true,
    /** Every context is dense (computed from the contexts when not given). */
    dense?: boolean,
  ) {
    this.pattern = ctx.pattern ?? null;
    // without patterns each arm has one slot, refilled per query: P = 1 and pattern 0 (see freshen)
    this.P = this.pattern !== null ? (ctx.nPatterns ?? 0) : 1;
    this.rows = this.pattern !== null ? patternRows(this.pattern, this.P) : null;
    const n = this.pattern ? nModels * this.P : nModels;
    this.mean = new Float64Array(n);
    this.variance = new Float64Array(n);
    this.sd = new Float64Array(n);
    this.stamp = new Int32Array(n).fill(-1);
    this.dense = dense ?? allDense(ctx.ptr, ctx.idx, st.d);
  }

  /** Slot holding arm m's values for query q (fresh on return). */
  slot(m: number, q: number): number {
    const pattern = this.pattern;
    if (pattern !== null) {
      const k = m * this.P + pattern[q];
      if (this.stamp[k] === this.st.version[m]) return k;
      this.fill(k, m, this.rows![pattern[q]]);
      this.stamp[k] = this.st.version[m];
      return k;
    }
    this.fill(m, m, q);
    return m;
  }

  /** The context row to read for query q: its pattern's row (see patternRows), or its own without patterns. */
  rowOf(q: number): number {
    return this.rows !== null ? this.rows[this.pattern![q]] : q;
  }

  /**
   * Make query q's slots fresh for the n arms given and return its pattern: arm m's values are then at
   * m·P + pattern. Only stale slots are refilled; the pattern's row is read once, and a row of up to four
   * non-zeros (the paper's one-hot layout: bias, task, cluster, complexity) is scored by fill()'s general loop
   * unrolled, the same terms in the same order. Without patterns every arm's one slot is refilled for q and
   * the pattern is 0.
   */
  freshen(q: number, arms: Int32Array, n: number): number {
    const pattern = this.pattern;
    if (pattern === null) {
      for (let i = 0; i < n; i++) this.fill(arms[i], arms[i], q);
      return 0;
    }
    const pq = pattern[q];
    const r = this.rows![pq];
    const { stamp, P } = this;
    const st = this.st;
    const version = st.version;
    const { ptr, idx, val } = this.ctx;
    const lo = ptr[r];
    const nnz = ptr[r + 1] - lo;
    if (this.dense || nnz > 4 || nnz === 0) {
      for (let i = 0; i < n; i++) {
        const m = arms[i];
        const k = m * P + pq;
        if (stamp[k] !== version[m]) {
          this.fill(k, m, r);
          stamp[k] = version[m];
        }
      }
      return pq;
    }
    const { d, dd, theta, Ainv } = st;
    const { mean: means, variance, sd, kappa, width } = this;
    // fewer than four non-zeros are padded with zero values at the first index. Every padded term is ±0; mean
    // and quad start at +0, so they are never −0 and adding ±0 leaves them as they are, and where a padded term
    // turns a row's t from −0 to +0, that t reaches quad as ±0 too: the same bits as the unpadded sums
    const i0 = idx[lo];
    const i1 = nnz > 1 ? idx[lo + 1] : i0;
    const i2 = nnz > 2 ? idx[lo + 2] : i0;
    const i3 = nnz > 3 ? idx[lo + 3] : i0;
    const v0 = val[lo];
    const v1 = nnz > 1 ? val[lo + 1] : 0;
    const v2 = nnz > 2 ? val[lo + 2] : 0;
    const v3 = nnz > 3 ? val[lo + 3] : 0;
    for (let i = 0; i < n; i++) {
      const m = arms[i];
      const k = m * P + pq;
      const ver = version[m];
      if (stamp[k] === ver) continue;
      stamp[k] = ver;
      const to = m * d;
      let mean = 0;
      mean += theta[to + i0] * v0;
      mean += theta[to + i1] * v1;
      mean += theta[to + i2] * v2;
      mean += theta[to + i3] * v3;
      means[k] = mean;
      if (!width) continue;
      const ao = m * dd;
      const r0 = ao + i0 * d;
      const r1 = ao + i1 * d;
      const r2 = ao + i2 * d;
      let quad = 0;
      let t = 0.5 * v0 * Ainv[r0 + i0];
      t += v1 * Ainv[r0 + i1];
      t += v2 * Ainv[r0 + i2];
      t += v3 * Ainv[r0 + i3];
      quad += 2 * v0 * t;
      t = 0.5 * v1 * Ainv[r1 + i1];
      t += v2 * Ainv[r1 + i2];
      t += v3 * Ainv[r1 + i3];
      quad += 2 * v1 * t;
      t = 0.5 * v2 * Ainv[r2 + i2];
      t += v3 * Ainv[r2 + i3];
      quad += 2 * v2 * t;
      quad += 2 * v3 * (0.5 * v3 * Ainv[ao + i3 * d + i3]);
      const v = quad > 0 ? quad : 0;
      variance[k] = v;
      sd[k] = Math.sqrt(kappa * v);
    }
    return pq;
  }

  /** Slot k of arm m from context row r. */
  private fill(k: number, m: number, r: number): void {
    const { d, dd, theta, Ainv } = this.st;
    const { idx, val } = this.ctx;
    const lo = this.ctx.ptr[r];
    const hi = this.ctx.ptr[r + 1];
    const to = m * d;
    const ao = m * dd;
    let mean = 0;
    let quad = 0;
    if (!this.width) {
      for (let a = lo; a < hi; a++) mean += theta[to + idx[a]] * val[a];
      this.mean[k] = mean;
      return;
    }
    const kernel = this.st.kernel;
    if (this.dense && kernel !== null) {
      kernel.load(val, lo);
      quad = kernel.quad(ao, to);
      mean = kernel.mean;
    } else if (this.dense) {
      for (let a = 0; a < d; a++) mean += theta[to + a] * val[lo + a];
      quad = denseQuadUpper(Ainv, ao, d, val, lo);
    } else {
      // xᵀA⁻¹x over one triangle: A⁻¹ is exactly symmetric (every update writes one value per pair), so each
      // off-diagonal pair counts twice. Rows of up to four non-zeros take freshen()'s unrolled copy of this loop.
      for (let a = lo; a < hi; a++) {
        const va = val[a];
        const row = ao + idx[a] * d;
        mean += theta[to + idx[a]] * va;
        let t = 0.5 * va * Ainv[row + idx[a]];
        for (let b = a + 1; b < hi; b++) t += val[b] * Ainv[row + idx[b]];
        quad += 2 * va * t;
      }
    }
    const v = quad > 0 ? quad : 0;
    this.mean[k] = mean;
    this.variance[k] = v;
    this.sd[k] = Math.sqrt(this.kappa * v);
  }
}

/** Every row of a context set is 0..d−1 in order (dense contexts, docs/model.md §4). */
function allDense(ptr: Int32Array, idx: Int32Array, d: number): boolean {
  const Q = ptr.length - 1;
  if (Q <= 0) return false;
  for (let q = 0; q < Q; q++) if (!isDenseRow(idx, ptr[q], ptr[q + 1], d)) return false;
  return true;
}

/**
 * What the linear policies share: per-arm ridge state fed each reward with a weight (1, or 1/σ² for
 * Thompson sampling), the per-pattern score cache (κ scales its width: σ² or 1 for Thompson sampling), and a fresh state for a joining arm (docs/model.md §6: the
 * reference's linear ε-greedy never registered it). Each subclass scores the arms in its own loop after
 * PatternCache.freshen().
 */
export abstract class LinearPolicy implements Policy {
  abstract readonly name: string;
  protected readonly st: RidgeArms;
  protected readonly cache: PatternCache;

  constructor(
    protected readonly env: PolicyEnv,
    prior: number,
    private readonly weight: number,
    kappa = 1,
    width = true,
  ) {
    const c = env.contexts;
    const dense = allDense(c.ptr, c.idx, c.d);
    this.st = new RidgeArms(env.nModels, c.d, prior, RidgeArms.accelerate);
    this.cache = new PatternCache(this.st, env.nModels, c, kappa, width, dense);
  }

  update(q: number, arm: number, reward: number): void {
    const c = this.env.contexts;
    const r = this.cache.rowOf(q);
    this.st.update(arm, c.idx, c.val, c.ptr[r], c.ptr[r + 1], reward, this.weight);
  }

  abstract select(q: number, arms: Int32Array, n: number): number;

  /** A joining arm starts from the prior. */
  addArm(m: number): void {
    this.st.reset(m);
  }

  removeArm(_m: number): void {}

  /** The kernel goes back for the next run's policy (see DenseKernel.release). */
  dispose(): void {
    this.st.kernel?.release();
  }

  /** The ridge state (for tests). */
  state(): RidgeArms {
    return this.st;
  }
}
