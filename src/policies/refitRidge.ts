/**
 * Per-arm ridge state whose evidence can be re-weighted (discounted or windowed, docs/model.md §11.3): the data
 * part G_m = Σ w_k x_k x_kᵀ and b_m = Σ w_k r_k x_k are kept, and A_m⁻¹ = (reg·I + G_m)⁻¹ and θ_m are refitted
 * exactly (Cholesky) after each change, since a scaled G is not a rank-one update.
 */
import { ArgMax } from './argmax.js';
import { addOuterSparse, invertSPD, invertWorkSize, matVec, quadFormSparse } from './linalg.js';
import type { ContextSet } from '../features/context.js';

export class RefitRidge {
  readonly d: number;
  readonly dd: number;
  readonly G: Float64Array;
  readonly b: Float64Array;
  readonly Ainv: Float64Array;
  readonly theta: Float64Array;
  private readonly A: Float64Array;
  private readonly work: Float64Array;

  constructor(
    nModels: number,
    d: number,
    readonly reg: number,
  ) {
    this.d = d;
    this.dd = d * d;
    this.G = new Float64Array(nModels * this.dd);
    this.b = new Float64Array(nModels * d);
    this.Ainv = new Float64Array(nModels * this.dd);
    this.theta = new Float64Array(nModels * d);
    this.A = new Float64Array(this.dd);
    this.work = new Float64Array(invertWorkSize(d));
    for (let m = 0; m < nModels; m++) this.reset(m);
  }

  reset(m: number): void {
    const { d, dd } = this;
    this.G.fill(0, m * dd, (m + 1) * dd);
    this.b.fill(0, m * d, (m + 1) * d);
    this.refit(m);
  }

  /** G_m ← γ·G_m, b_m ← γ·b_m. */
  scale(m: number, gamma: number): void {
    const { d, dd } = this;
    for (let i = m * dd; i < (m + 1) * dd; i++) this.G[i] *= gamma;
    for (let i = m * d; i < (m + 1) * d; i++) this.b[i] *= gamma;
  }

  /** G_m += s·xxᵀ, b_m += s·r·x for query q's context (s = −1 removes an observation). */
  add(m: number, ctx: ContextSet, q: number, r: number, s: number): void {
    const lo = ctx.ptr[q];
    const hi = ctx.ptr[q + 1];
    addOuterSparse(this.G, m * this.dd, this.d, ctx.idx, ctx.val, lo, hi, s);
    for (let k = lo; k < hi; k++) this.b[m * this.d + ctx.idx[k]] += s * r * ctx.val[k];
  }

  /** A_m⁻¹ = (reg·I + G_m)⁻¹ and θ_m = A_m⁻¹ b_m. */
  refit(m: number): void {
    const { d, dd, A } = this;
    for (let i = 0; i < dd; i++) A[i] = this.G[m * dd + i];
    for (let i = 0; i < d; i++) A[i * d + i] += this.reg;
    // reg > 0 keeps A positive definite; a failure could only come from round-off after many removals
    if (!invertSPD(A, 0, d, this.Ainv, m * dd, this.work)) throw new Error('ridge matrix lost positive definiteness');
    matVec(this.Ainv, m * dd, d, this.b, m * d, this.theta, m * d);
  }

  /** θ_mᵀx for query q. */
  mean(m: number, ctx: ContextSet, q: number): number {
    let mean = 0;
    for (let k = ctx.ptr[q]; k < ctx.ptr[q + 1]; k++) mean += this.theta[m * this.d + ctx.idx[k]] * ctx.val[k];
    return mean;
  }

  /** xᵀA_m⁻¹x for query q (≥ 0). */
  variance(m: number, ctx: ContextSet, q: number): number {
    const v = quadFormSparse(this.Ainv, m * this.dd, this.d, ctx.idx, ctx.val, ctx.ptr[q], ctx.ptr[q + 1]);
    return v > 0 ? v : 0;
  }

  /** θ_mᵀx + α·sqrt(xᵀA_m⁻¹x) for query q (docs/model.md §5.3). */
  ucb(m: number, ctx: ContextSet, q: number, alpha: number): number {
    return this.mean(m, ctx, q) + alpha * Math.sqrt(this.variance(m, ctx, q));
  }

  /** The UCB argmax over arms[0..n). */
  pick(am: ArgMax, ctx: ContextSet, q: number, arms: Int32Array, n: number, alpha: number): number {
    am.reset();
    for (let i = 0; i < n; i++) am.offer(arms[i], this.ucb(arms[i], ctx, q, alpha));
    return am.result();
  }
}
