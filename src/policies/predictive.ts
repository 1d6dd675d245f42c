import { ArgMax } from './argmax.js';
import type { Params, PolicyEnv, PolicyFactory, TrainData } from './policy.js';
import { StatelessPolicy } from './policy.js';
import { predictSparse } from './ridge.js';
import { allFolds, CV_FOLDS, crossValidatePenalty, foldSums, needTrain, rewardOf, type RidgeFit, shared, sharedCache, solveSums, wholeParam } from './supervised.js';

/** The penalty and fit per train part and parameters, shared by the runs of a replay. */
const FITTED = sharedCache<{ reg: number; fit: RidgeFit }>();

export { CV_FOLDS, CV_GRID } from './supervised.js';

type PredictiveParams = { reg: number; target: number; se: number };

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
  private readonly lambda: number;
  /** θ for model m, target k at (m·K + k)·d; intercepts at m·K + k. */
  private readonly fit: RidgeFit;
  /** The penalty used (chosen or given). */
  readonly reg: number;

  constructor(
    private readonly env: PolicyEnv,
    p: PredictiveParams,
    t: TrainData,
  ) {
    super();
    // under a custom --reward, accuracy and cost combined by r_λ would be another objective than the one scored
    const target = t.customReward ? 1 : wholeParam('predictive', 'target', p.target);
    const M = env.nModels;
    const ys = target === 0 ? [t.accuracy, t.cost] : [t.rewards];
    this.K = ys.length;
    this.lambda = t.lambda;
    this.am = new ArgMax(env.rules.ties === 'uniform', env.rng);
    const fitted = shared(FITTED, env.contexts, t, `${p.reg},${target},${p.se}`, () => {
      const d = env.contexts.d;
      const folds = p.reg > 0 || t.queries.length < 2 * CV_FOLDS ? 1 : CV_FOLDS;
      const sums = foldSums(env.contexts, M, t, ys, folds);
      const solve = (x: typeof sums[0], reg: number): RidgeFit => solveSums(x, M, this.K, d, reg);
      const reg = p.reg > 0 ? p.reg : folds === 1 ? 1 : crossValidatePenalty(t, M, sums, solve, (f, q, m) => this.scoreWith(f, q, m), p.se);
      return { reg, fit: solve(allFolds(sums), reg) };
    });
    this.reg = fitted.reg;
    this.fit = fitted.fit;
  }

  fitted(): Params {
    return { reg: this.reg };
  }

  private scoreWith(fit: RidgeFit, q: number, m: number): number {
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
    { name: 'target', default: 0, min: 0, max: 1, integer: true, description: '0: regress accuracy and cost, combine at λ; 1: regress the reward (always under a custom --reward)' },
    { name: 'se', default: 0, min: 0, description: 'with reg 0: take the strongest penalty within se standard errors of the best held-out reward (1: the one-standard-error rule, closer to the train-best model)' },
  ],
  rewardIndependent: false,
  hindsight: false,
  train: true,
  create: (env, p, _h, t) => new Predictive(env, p, needTrain('predictive', t)),
};
