import { ArgMax } from './argmax.js';
import type { PolicyEnv, PolicyFactory, TrainData } from './policy.js';
import { StatelessPolicy } from './policy.js';
import { predictSparse, RidgeNormal } from './ridge.js';
import { fillMissing, needTrain, rewardOf, usable, wholeParam } from './supervised.js';

export type PredictiveParams = { reg: number; target: number };

/**
 * Per-model ridge regressors fitted once on the train part (docs/model.md §5.10): accuracy and normalised cost
 * (target 0), combined into r_λ at the train λ, or the reward itself (target 1, for a custom --reward). Picks
 * the best predicted reward; it does not learn from the test stream.
 */
export class Predictive extends StatelessPolicy {
  readonly name = 'predictive';
  private readonly am: ArgMax;
  /** Targets per model: 2 (accuracy, cost) or 1 (reward). */
  private readonly K: number;
  /** θ for model m, target k at (m·K + k)·d; intercepts at m·K + k. */
  private readonly theta: Float64Array;
  private readonly beta: Float64Array;
  private readonly lambda: number;

  constructor(
    private readonly env: PolicyEnv,
    p: PredictiveParams,
    t: TrainData,
  ) {
    super();
    const target = wholeParam('predictive', 'target', p.target);
    const M = env.nModels;
    const c = env.contexts;
    const d = c.d;
    const ys = target === 0 ? [t.accuracy, t.cost] : [t.rewards];
    const K = ys.length;
    this.K = K;
    this.lambda = t.lambda;
    this.theta = new Float64Array(M * K * d);
    this.beta = new Float64Array(M * K).fill(NaN);
    this.am = new ArgMax(env.rules.ties === 'uniform', env.rng);
    const rowOk = (q: number, m: number): boolean => ys.every((y) => usable(t, y, q, m, M));
    let full = true;
    for (const q of t.queries) for (let m = 0; m < M && full; m++) full = rowOk(q, m);
    const ybuf = new Float64Array(M * K);
    if (full) {
      // Every model has every train row: one Gram matrix serves all M·K targets.
      const fit = new RidgeNormal(d, M * K);
      for (const q of t.queries) {
        for (let m = 0; m < M; m++) for (let k = 0; k < K; k++) ybuf[m * K + k] = ys[k][q * M + m];
        fit.addSparse(c.idx, c.val, c.ptr[q], c.ptr[q + 1], ybuf, 0);
      }
      fit.solve(p.reg, this.theta, 0, this.beta, 0);
    } else {
      for (let m = 0; m < M; m++) {
        const fit = new RidgeNormal(d, K);
        for (const q of t.queries) {
          if (!rowOk(q, m)) continue;
          for (let k = 0; k < K; k++) ybuf[k] = ys[k][q * M + m];
          fit.addSparse(c.idx, c.val, c.ptr[q], c.ptr[q + 1], ybuf, 0);
        }
        fit.solve(p.reg, this.theta, m * K * d, this.beta, m * K);
      }
    }
    // A model without train rows predicts, per target, the mean intercept of the others (θ stays 0).
    for (let k = 0; k < K; k++) {
      const col = new Float64Array(M);
      for (let m = 0; m < M; m++) col[m] = this.beta[m * K + k];
      fillMissing(col);
      for (let m = 0; m < M; m++) this.beta[m * K + k] = col[m];
    }
  }

  /** Predicted reward of model m for query q. */
  score(q: number, m: number): number {
    const { K, theta, beta } = this;
    const c = this.env.contexts;
    const d = c.d;
    const lo = c.ptr[q];
    const hi = c.ptr[q + 1];
    const first = predictSparse(theta, m * K * d, beta[m * K], c.idx, c.val, lo, hi);
    if (K === 1) return first;
    return rewardOf(this.lambda, first, predictSparse(theta, (m * K + 1) * d, beta[m * K + 1], c.idx, c.val, lo, hi));
  }

  select(q: number, arms: Int32Array, n: number): number {
    const { am } = this;
    am.reset();
    for (let i = 0; i < n; i++) am.offer(arms[i], this.score(q, arms[i]));
    return am.result();
  }
}

export const predictiveFactory: PolicyFactory<PredictiveParams> = {
  name: 'predictive',
  description: 'per-model ridge regressors of accuracy and cost fitted on the train part; best predicted reward (docs/model.md §5.10)',
  contextual: true,
  params: [
    { name: 'reg', default: 1, positive: true, description: 'ridge penalty λ on the coefficients (the intercept is not penalised)' },
    { name: 'target', default: 0, min: 0, max: 1, description: '0: regress accuracy and cost, combine at λ; 1: regress the reward (custom --reward)' },
  ],
  rewardIndependent: false,
  hindsight: false,
  train: true,
  create: (env, p, _h, t) => new Predictive(env, p, needTrain('predictive', t)),
};
