/**
 * The direct method's reward model: one ridge regression per model on the context vectors of the rows
 * where that model was logged. The intercept is not penalised (fit on centred data), so with no context
 * features the prediction is the model's mean logged reward.
 */
import { invertSPD, invertWorkSize, matVec } from '../../policies/linalg.js';

export const DEFAULT_RIDGE_LAMBDA = 1;

export interface RidgeModel {
  M: number;
  d: number;
  /** M×d coefficients. */
  theta: Float64Array;
  intercept: Float64Array;
  /** Logged rows per model. */
  count: Int32Array;
}

/**
 * Fit θ_m = (X̃_mᵀX̃_m + λI)⁻¹ X̃_mᵀ r̃_m on the centred rows of model m, intercept r̄_m − x̄_mᵀθ_m.
 * A model never logged predicts the mean reward over all rows.
 */
export function fitRidge(X: Float64Array, d: number, action: Int32Array, reward: Float64Array, M: number, lambda = DEFAULT_RIDGE_LAMBDA, n = action.length): RidgeModel {
  if (!(lambda > 0) || !Number.isFinite(lambda)) throw new RangeError(`ridge λ must be a positive number, got ${lambda}`);
  if (X.length < n * d) throw new Error(`context matrix has ${X.length} entries, expected n×d = ${n * d}`);
  const count = new Int32Array(M);
  const xbar = new Float64Array(M * d);
  const rbar = new Float64Array(M);
  let rall = 0;
  for (let i = 0; i < n; i++) {
    const m = action[i];
    count[m]++;
    rbar[m] += reward[i];
    rall += reward[i];
    for (let j = 0; j < d; j++) xbar[m * d + j] += X[i * d + j];
  }
  rall = n > 0 ? rall / n : 0;
  for (let m = 0; m < M; m++) {
    if (count[m] === 0) continue;
    rbar[m] /= count[m];
    for (let j = 0; j < d; j++) xbar[m * d + j] /= count[m];
  }
  // Per-model Gram matrices of centred contexts and cross-products with centred rewards.
  const A = new Float64Array(M * d * d);
  const b = new Float64Array(M * d);
  const xc = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const m = action[i];
    const off = m * d * d;
    const rc = reward[i] - rbar[m];
    for (let j = 0; j < d; j++) xc[j] = X[i * d + j] - xbar[m * d + j];
    for (let j = 0; j < d; j++) {
      const v = xc[j];
      if (v === 0) continue;
      b[m * d + j] += v * rc;
      const row = off + j * d;
      for (let k = 0; k < d; k++) A[row + k] += v * xc[k];
    }
  }
  const theta = new Float64Array(M * d);
  const intercept = new Float64Array(M);
  const inv = new Float64Array(d * d);
  const work = new Float64Array(invertWorkSize(d));
  for (let m = 0; m < M; m++) {
    if (count[m] === 0) {
      intercept[m] = rall;
      continue;
    }
    const off = m * d * d;
    for (let j = 0; j < d; j++) A[off + j * d + j] += lambda;
    if (d > 0) {
      if (!invertSPD(A, off, d, inv, 0, work)) throw new Error(`ridge system for model ${m} is not positive definite`);
      matVec(inv, 0, d, b, m * d, theta, m * d);
    }
    let s = rbar[m];
    for (let j = 0; j < d; j++) s -= xbar[m * d + j] * theta[m * d + j];
    intercept[m] = s;
  }
  return { M, d, theta, intercept, count };
}

/** q̂(x_i, m) for every row and model, as an n×M matrix. */
export function predictRidge(model: RidgeModel, X: Float64Array, n: number, out = new Float64Array(n * model.M)): Float64Array {
  const { M, d, theta, intercept } = model;
  for (let i = 0; i < n; i++) {
    for (let m = 0; m < M; m++) {
      let s = intercept[m];
      for (let j = 0; j < d; j++) s += theta[m * d + j] * X[i * d + j];
      out[i * M + m] = s;
    }
  }
  return out;
}
