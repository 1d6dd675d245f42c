/**
 * Ridge regression by the normal equations (docs/model.md §5.8), for rows that are sparse (CSR contexts) or
 * dense, and for several targets sharing one design. The intercept is not penalised: the sums are kept
 * uncentred (O(nnz²) per row, so one-hot rows stay cheap) and centred at solve time,
 *
 *     G = Σ w x xᵀ − (Σ w x)(Σ w x)ᵀ / W + λI,   c_t = Σ w y_t x − (Σ w x)(Σ w y_t) / W,
 *     θ_t = G⁻¹ c_t,   β_t = ȳ_t − x̄ᵀθ_t.
 *
 * Used by the `predictive` router and by the off-policy direct method (metrics/ope/ridge.ts).
 */
import { invertSPD, invertWorkSize, matVec } from './linalg.js';

/** What a normal-equations solve throws when the system lost positive definiteness. */
export const RIDGE_NOT_PD = 'ridge system is not positive definite';

export class RidgeNormal {
  /** Total row weight W. */
  weight = 0;
  /** Rows added. */
  rows = 0;
  private readonly sx: Float64Array;
  private readonly sxx: Float64Array;
  private readonly sy: Float64Array;
  private readonly sxy: Float64Array;

  constructor(
    readonly d: number,
    /** Number of targets fitted on the same rows. */
    readonly k = 1,
  ) {
    this.sx = new Float64Array(d);
    this.sxx = new Float64Array(d * d);
    this.sy = new Float64Array(k);
    this.sxy = new Float64Array(k * d);
  }

  /** Add a sparse row x = idx/val[lo..hi) with targets y[yOff + t·yStride], t < k, and weight w. */
  addSparse(idx: Int32Array, val: Float64Array, lo: number, hi: number, y: ArrayLike<number>, yOff: number, yStride = 1, w = 1): void {
    const { d, k, sx, sxx, sy, sxy } = this;
    this.weight += w;
    this.rows++;
    for (let a = lo; a < hi; a++) {
      const wa = w * val[a];
      const ia = idx[a];
      sx[ia] += wa;
      const row = ia * d;
      for (let b = lo; b < hi; b++) sxx[row + idx[b]] += wa * val[b];
    }
    for (let t = 0; t < k; t++) {
      const yt = y[yOff + t * yStride];
      sy[t] += w * yt;
      const o = t * d;
      for (let a = lo; a < hi; a++) sxy[o + idx[a]] += w * yt * val[a];
    }
  }

  /** Add a dense row X[xOff .. xOff + d) with targets y[yOff + t·yStride], t < k, and weight w. */
  addDense(X: ArrayLike<number>, xOff: number, y: ArrayLike<number>, yOff: number, yStride = 1, w = 1): void {
    const { d, k, sx, sxx, sy, sxy } = this;
    this.weight += w;
    this.rows++;
    for (let a = 0; a < d; a++) {
      const wa = w * X[xOff + a];
      if (wa === 0) continue;
      sx[a] += wa;
      const row = a * d;
      for (let b = 0; b < d; b++) sxx[row + b] += wa * X[xOff + b];
    }
    for (let t = 0; t < k; t++) {
      const yt = y[yOff + t * yStride];
      sy[t] += w * yt;
      const o = t * d;
      for (let a = 0; a < d; a++) sxy[o + a] += w * yt * X[xOff + a];
    }
  }

  /** These sums with `other`'s added (sign 1) or taken out (sign −1), as a new accumulator (for cross-validation). */
  plus(other: RidgeNormal, sign: 1 | -1 = 1): RidgeNormal {
    const out = new RidgeNormal(this.d, this.k);
    out.weight = this.weight + sign * other.weight;
    out.rows = this.rows + sign * other.rows;
    const pairs: [Float64Array, Float64Array, Float64Array][] = [
      [out.sx, this.sx, other.sx],
      [out.sxx, this.sxx, other.sxx],
      [out.sy, this.sy, other.sy],
      [out.sxy, this.sxy, other.sxy],
    ];
    for (const [o, a, b] of pairs) for (let i = 0; i < o.length; i++) o[i] = a[i] + sign * b[i];
    return out;
  }

  /**
   * Solve for every target: θ_t into theta[t·d ..], β_t into intercept[t]. Returns false (outputs untouched)
   * when no row was added. With `centre` false the intercept is 0 and θ = (Σ w x xᵀ + λI)⁻¹ Σ w y x.
   */
  solve(lambda: number, theta: Float64Array, thetaOff: number, intercept: Float64Array, interceptOff: number, centre = true): boolean {
    if (!(lambda > 0) || !Number.isFinite(lambda)) throw new RangeError(`ridge λ must be a positive number, got ${lambda}`);
    const { d, k, sxx, sxy } = this;
    const W = this.weight;
    if (this.rows <= 0 || !(W > 0)) return false;
    // uncentred (every coefficient penalised, no intercept): the form of the linear policies' A = λI + Σ xxᵀ
    const sx = centre ? this.sx : new Float64Array(d);
    const sy = centre ? this.sy : new Float64Array(k);
    const G = new Float64Array(d * d);
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < d; b++) G[a * d + b] = sxx[a * d + b] - (sx[a] * sx[b]) / W;
      G[a * d + a] += lambda;
    }
    const inv = new Float64Array(d * d);
    if (d > 0 && !invertSPD(G, 0, d, inv, 0, new Float64Array(invertWorkSize(d)))) throw new Error(RIDGE_NOT_PD);
    const c = new Float64Array(d);
    for (let t = 0; t < k; t++) {
      const ybar = sy[t] / W;
      for (let a = 0; a < d; a++) c[a] = sxy[t * d + a] - sx[a] * ybar;
      const to = thetaOff + t * d;
      if (d > 0) matVec(inv, 0, d, c, 0, theta, to);
      let s = ybar;
      for (let a = 0; a < d; a++) s -= (sx[a] / W) * theta[to + a];
      intercept[interceptOff + t] = s;
    }
    return true;
  }
}

/** β + θᵀx for a sparse row. */
export function predictSparse(theta: Float64Array, off: number, intercept: number, idx: Int32Array, val: Float64Array, lo: number, hi: number): number {
  let s = intercept;
  for (let a = lo; a < hi; a++) s += theta[off + idx[a]] * val[a];
  return s;
}
