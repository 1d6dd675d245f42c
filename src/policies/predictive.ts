import { ArgMax } from './argmax.js';
import type { PolicyEnv, PolicyFactory, TrainData } from './policy.js';
import { StatelessPolicy } from './policy.js';
import { predictSparse, RidgeNormal } from './ridge.js';
import { fillMissing, needTrain, rewardOf, usable, wholeParam } from './supervised.js';

export type PredictiveParams = { reg: number; target: number };

/** Folds of the penalty's cross-validation; fewer train queries than twice this fit with penalty 1. */
export const CV_FOLDS = 5;
/** Penalties tried, as multiples of the number of train queries; the largest is all but the per-model mean. */
export const CV_GRID = [1e-4, 1e-3, 1e-2, 0.1, 1, 10, 1000];

interface Fit {
  theta: Float64Array;
  beta: Float64Array;
}

/**
 * Per-model ridge regressors fitted once on the train part (docs/model.md §5.10): accuracy and normalised cost
 * (target 0), combined into r_λ at the train λ, or the reward itself (target 1, for a custom --reward). Picks
 * the best predicted reward; it does not learn from the test stream. Penalty 0 (the default) chooses it by
 * cross-validation on the train part, scoring the reward of the models each candidate would have picked.
 */
export class Predictive extends StatelessPolicy {
  readonly name = 'predictive';
  private readonly am: ArgMax;
  /** Targets per model: 2 (accuracy, cost) or 1 (reward). */
  private readonly K: number;
  private readonly M: number;
  private readonly lambda: number;
  /** θ for model m, target k at (m·K + k)·d; intercepts at m·K + k. */
  private readonly fit: Fit;
  /** The penalty used (chosen or given). */
  readonly reg: number;

  constructor(
    private readonly env: PolicyEnv,
    p: PredictiveParams,
    private readonly t: TrainData,
  ) {
    super();
    const target = wholeParam('predictive', 'target', p.target);
    const M = env.nModels;
    this.M = M;
    const ys = target === 0 ? [t.accuracy, t.cost] : [t.rewards];
    this.K = ys.length;
    this.lambda = t.lambda;
    this.am = new ArgMax(env.rules.ties === 'uniform', env.rng);
    const n = t.queries.length;
    const folds = p.reg > 0 || n < 2 * CV_FOLDS ? 1 : CV_FOLDS;
    const sums = this.accumulate(ys, folds);
    const total = sums.slice(1).reduce((a, s) => a.map((x, m) => x.plus(s[m])), sums[0]);
    if (p.reg > 0) this.reg = p.reg;
    else if (folds === 1) this.reg = 1;
    else {
      let best = -Infinity;
      let reg = 1;
      for (const g of CV_GRID) {
        let got = 0;
        for (let f = 0; f < folds; f++) got += this.heldOut(this.solve(total.map((x, m) => x.plus(sums[f][m], -1)), g * n), f, folds);
        // ≥: on a tie the stronger penalty (the simpler model) wins
        if (got >= best) ((best = got), (reg = g * n));
      }
      this.reg = reg;
    }
    this.fit = this.solve(total, this.reg);
  }

  /**
   * Normal-equation sums per fold (train row i is in fold i mod folds): one accumulator for all M·K targets
   * when every model has every train row (one Gram matrix serves them all), else one per model.
   */
  private accumulate(ys: Float64Array[], folds: number): RidgeNormal[][] {
    const { M, K, t } = this;
    const c = this.env.contexts;
    const rowOk = (q: number, m: number): boolean => ys.every((y) => usable(t, y, q, m, M));
    let full = true;
    for (const q of t.queries) for (let m = 0; m < M && full; m++) full = rowOk(q, m);
    const ybuf = new Float64Array(M * K);
    const out = Array.from({ length: folds }, () => (full ? [new RidgeNormal(c.d, M * K)] : Array.from({ length: M }, () => new RidgeNormal(c.d, K))));
    t.queries.forEach((q, i) => {
      const acc = out[i % folds];
      const lo = c.ptr[q];
      const hi = c.ptr[q + 1];
      if (full) {
        for (let m = 0; m < M; m++) for (let k = 0; k < K; k++) ybuf[m * K + k] = ys[k][q * M + m];
        acc[0].addSparse(c.idx, c.val, lo, hi, ybuf, 0);
        return;
      }
      for (let m = 0; m < M; m++) {
        if (!rowOk(q, m)) continue;
        for (let k = 0; k < K; k++) ybuf[k] = ys[k][q * M + m];
        acc[m].addSparse(c.idx, c.val, lo, hi, ybuf, 0);
      }
    });
    return out;
  }

  /** Coefficients for a penalty; a model without rows predicts, per target, the mean intercept of the others. */
  private solve(sums: RidgeNormal[], reg: number): Fit {
    const { M, K } = this;
    const d = this.env.contexts.d;
    const theta = new Float64Array(M * K * d);
    const beta = new Float64Array(M * K).fill(NaN);
    if (sums.length === 1) sums[0].solve(reg, theta, 0, beta, 0);
    else for (let m = 0; m < M; m++) sums[m].solve(reg, theta, m * K * d, beta, m * K);
    for (let k = 0; k < K; k++) {
      const col = new Float64Array(M);
      for (let m = 0; m < M; m++) col[m] = beta[m * K + k];
      fillMissing(col);
      for (let m = 0; m < M; m++) beta[m * K + k] = col[m];
    }
    return { theta, beta };
  }

  /** Total train reward of the models a fit picks on the held-out fold f (among the models each row has). */
  private heldOut(fit: Fit, f: number, folds: number): number {
    const { M, t } = this;
    let total = 0;
    for (let i = f; i < t.queries.length; i += folds) {
      const q = t.queries[i];
      let best = -Infinity;
      let got = 0;
      for (let m = 0; m < M; m++) {
        if (!usable(t, t.rewards, q, m, M)) continue;
        const s = this.scoreWith(fit, q, m);
        if (s > best) ((best = s), (got = t.rewards[q * M + m]));
      }
      total += got;
    }
    return total;
  }

  private scoreWith(fit: Fit, q: number, m: number): number {
    const { K } = this;
    const { theta, beta } = fit;
    const c = this.env.contexts;
    const d = c.d;
    const lo = c.ptr[q];
    const hi = c.ptr[q + 1];
    const first = predictSparse(theta, m * K * d, beta[m * K], c.idx, c.val, lo, hi);
    if (K === 1) return first;
    return rewardOf(this.lambda, first, predictSparse(theta, (m * K + 1) * d, beta[m * K + 1], c.idx, c.val, lo, hi));
  }

  /** Predicted reward of model m for query q. */
  score(q: number, m: number): number {
    return this.scoreWith(this.fit, q, m);
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
    { name: 'reg', default: 0, min: 0, description: 'ridge penalty on the coefficients (the intercept is not penalised); 0: chosen by 5-fold cross-validation on the train part' },
    { name: 'target', default: 0, min: 0, max: 1, description: '0: regress accuracy and cost, combine at λ; 1: regress the reward (custom --reward)' },
  ],
  rewardIndependent: false,
  hindsight: false,
  train: true,
  create: (env, p, _h, t) => new Predictive(env, p, needTrain('predictive', t)),
};
