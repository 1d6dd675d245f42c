/**
 * Shared per-arm ridge state for the linear policies: A⁻¹ kept by Sherman–Morrison rank-one updates,
 * with A itself kept too so the inverse is refreshed exactly (Cholesky) every `refreshEvery` updates of an arm.
 * That bounds round-off drift however long a run is.
 */
import { addOuterSparse, invertSPD, invertWorkSize, matVec, setScaledIdentity, shermanMorrisonSparse } from './linalg.js';

export const REFRESH_EVERY = 256;

export class RidgeArms {
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
  private readonly u: Float64Array;
  private readonly work: Float64Array;

  constructor(
    nModels: number,
    d: number,
    private readonly prior: number,
  ) {
    this.d = d;
    this.dd = d * d;
    this.A = new Float64Array(nModels * this.dd);
    this.Ainv = new Float64Array(nModels * this.dd);
    this.b = new Float64Array(nModels * d);
    this.theta = new Float64Array(nModels * d);
    this.updates = new Float64Array(nModels);
    this.u = new Float64Array(d);
    this.work = new Float64Array(invertWorkSize(d));
    for (let m = 0; m < nModels; m++) this.reset(m);
  }

  /** A = prior·I, b = 0 (spec §4.2–4.4 initial state). */
  reset(m: number): void {
    const { d, dd } = this;
    setScaledIdentity(this.A, m * dd, d, this.prior);
    setScaledIdentity(this.Ainv, m * dd, d, 1 / this.prior);
    this.b.fill(0, m * d, (m + 1) * d);
    this.theta.fill(0, m * d, (m + 1) * d);
    this.updates[m] = 0;
  }

  /** A += s·x xᵀ, b += s·r·x, then θ = A⁻¹ b. */
  update(m: number, idx: Int32Array, val: Float64Array, lo: number, hi: number, r: number, s: number): void {
    const { d, dd } = this;
    const off = m * dd;
    addOuterSparse(this.A, off, d, idx, val, lo, hi, s);
    for (let k = lo; k < hi; k++) this.b[m * d + idx[k]] += s * r * val[k];
    this.updates[m] += 1;
    if (this.updates[m] % REFRESH_EVERY === 0) {
      if (!invertSPD(this.A, off, d, this.Ainv, off, this.work)) {
        shermanMorrisonSparse(this.Ainv, off, d, idx, val, lo, hi, s, this.u);
      }
    } else {
      shermanMorrisonSparse(this.Ainv, off, d, idx, val, lo, hi, s, this.u);
    }
    matVec(this.Ainv, off, d, this.b, m * d, this.theta, m * d);
  }
}
