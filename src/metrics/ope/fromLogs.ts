/** Glue between a loaded routing log (src/data/logs.ts) and the estimators. */
import { logContexts, type LogTable } from '../../data/logs.js';
import type { LoggedBandit } from './estimators.js';
import { DEFAULT_RIDGE_LAMBDA, fitRidge, predictRidge } from './ridge.js';

/** Folds of the cross-fitted reward model that `greenserv ope` uses (docs/ope.md, "Reward model"). */
const DEFAULT_REWARD_FOLDS = 5;

/** The log's decisions with a per-decision reward (a metric column, or a reward computed from several). */
export function loggedBandit(log: LogTable, reward: Float64Array): LoggedBandit {
  if (reward.length !== log.n) throw new Error(`reward has ${reward.length} values for ${log.n} decisions`);
  return { n: log.n, M: log.models.length, action: log.model, propensity: log.propensity, reward };
}

/** The direct method's q̂ (n×M) for a log: per-model ridge on one-hot task and `ctx_*` features. */
export function logRewardModel(log: LogTable, reward: Float64Array, lambda = DEFAULT_RIDGE_LAMBDA): Float64Array {
  const { X, d } = logContexts(log);
  const model = fitRidge(X, d, log.model, reward, log.models.length, lambda, log.n);
  return predictRidge(model, X, log.n);
}

/**
 * q̂ by K-fold cross-fitting: decision i (fold i mod K) is predicted by the ridge fitted on the other folds, so
 * a decision's residual r_i − q̂(x_i, a_i) is never shrunk by having been fitted on. In-sample residuals of a
 * rarely logged model are near 0 and would make DR collapse onto DM (docs/ope.md). K = 1 is `logRewardModel`.
 */
export function crossFitRewardModel(log: LogTable, reward: Float64Array, folds = DEFAULT_REWARD_FOLDS, lambda = DEFAULT_RIDGE_LAMBDA): Float64Array {
  const K = Math.min(folds, log.n);
  if (!(Number.isInteger(K) && K >= 1)) throw new RangeError(`folds must be a positive integer, got ${folds}`);
  if (K === 1) return logRewardModel(log, reward, lambda);
  const { X, d } = logContexts(log);
  const n = log.n;
  const M = log.models.length;
  const out = new Float64Array(n * M);
  const nTrain = n - Math.ceil(n / K) + 1;
  const Xt = new Float64Array(nTrain * d);
  const at = new Int32Array(nTrain);
  const rt = new Float64Array(nTrain);
  const Xp = new Float64Array(Math.ceil(n / K) * d);
  const pred = new Float64Array(Math.ceil(n / K) * M);
  for (let k = 0; k < K; k++) {
    let t = 0;
    let p = 0;
    for (let i = 0; i < n; i++) {
      if (i % K === k) {
        Xp.set(X.subarray(i * d, i * d + d), p * d);
        p++;
      } else {
        Xt.set(X.subarray(i * d, i * d + d), t * d);
        at[t] = log.model[i];
        rt[t] = reward[i];
        t++;
      }
    }
    const model = fitRidge(Xt, d, at, rt, M, lambda, t);
    predictRidge(model, Xp, p, pred);
    p = 0;
    for (let i = k; i < n; i += K) out.set(pred.subarray(p * M, ++p * M), i * M);
  }
  return out;
}
