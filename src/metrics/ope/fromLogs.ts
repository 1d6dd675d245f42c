/** Glue between a loaded routing log (src/data/logs.ts) and the estimators. */
import { logContexts, type LogTable } from '../../data/logs.js';
import type { LoggedBandit } from './estimators.js';
import { DEFAULT_RIDGE_LAMBDA, fitRidge, predictRidge } from './ridge.js';

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
