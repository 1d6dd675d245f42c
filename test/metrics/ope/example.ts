/**
 * The hand-computed example the estimator tests share: three logged decisions over two models.
 *   i  a  p     r   target  q̂(x,0) q̂(x,1)
 *   0  0  0.5   1   0       0.6     0.3
 *   1  1  0.25  1   1       0.4     0.2
 *   2  0  0.8   0.5 1       0.7     0.1
 * Weights w = π(a_i|x_i)/p_i = [1/0.5, 1/0.25, 0/0.8] = [2, 4, 0]; DR contributions [1.4, 3.4, 0.1].
 */
import { oneHot, type LoggedBandit } from '../../../src/metrics/ope/estimators.js';

export const log: LoggedBandit = {
  n: 3,
  M: 2,
  action: Int32Array.from([0, 1, 0]),
  propensity: Float64Array.from([0.5, 0.25, 0.8]),
  reward: Float64Array.from([1, 1, 0.5]),
};
export const target = oneHot([0, 1, 1], 2);
export const qhat = Float64Array.from([0.6, 0.3, 0.4, 0.2, 0.7, 0.1]);
