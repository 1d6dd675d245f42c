/**
 * The direct method's reward model: one ridge regression per model on the context vectors of the rows
 * where that model was logged. The intercept is not penalised (fit on centred data), so with no context
 * features the prediction is the model's mean logged reward.
 */
import { RIDGE_NOT_PD, RidgeNormal } from '../../policies/ridge.js';

export const DEFAULT_RIDGE_LAMBDA = 1;

/** The centred normal equations lost positive definiteness: context values too far apart for double precision. */
export class RidgeFitError extends Error {
  constructor(readonly model: number) {
    super(`the reward model of model ${model} cannot be fitted`);
    this.name = 'RidgeFitError';
  }
}

interface RidgeModel {
  M: number;
  d: number;
  /** M×d coefficients. */
  theta: Float64Array;
  intercept: Float64Array;
  /** Logged rows per model. */
  count: Int32Array;
}

/**
 * Fit θ_m = (X̃_mᵀX̃_m + λI)⁻¹ X̃_mᵀ r̃_m on the centred rows of model m, intercept r̄_m − x̄_mᵀθ_m
 * (the shared normal-equations fit, policies/ridge.ts). A model never logged predicts the mean reward over all rows.
 */
export function fitRidge(X: Float64Array, d: number, action: Int32Array, reward: Float64Array, M: number, lambda = DEFAULT_RIDGE_LAMBDA, n = action.length): RidgeModel {
  if (!(lambda > 0) || !Number.isFinite(lambda)) throw new RangeError(`ridge λ must be a positive number, got ${lambda}`);
  if (X.length < n * d) throw new Error(`context matrix has ${X.length} entries, expected n×d = ${n * d}`);
  const fits = Array.from({ length: M }, () => new RidgeNormal(d));
  const count = new Int32Array(M);
  let rall = 0;
  for (let i = 0; i < n; i++) {
    const m = action[i];
    count[m]++;
    rall += reward[i];
    fits[m].addDense(X, i * d, reward, i);
  }
  rall = n > 0 ? rall / n : 0;
  const theta = new Float64Array(M * d);
  const intercept = new Float64Array(M);
  for (let m = 0; m < M; m++) {
    let solved: boolean;
    try {
      solved = fits[m].solve(lambda, theta, m * d, intercept, m);
    } catch (e) {
      // centring subtracts two huge sums: with raw timestamps or the like nothing is left of the variance
      if (e instanceof Error && e.message === RIDGE_NOT_PD) throw new RidgeFitError(m);
      throw e;
    }
    if (!solved) intercept[m] = rall;
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
