import { ArgMax } from './argmax.js';
import { LinearPolicy } from './linear.js';
import type { PolicyEnv, PolicyFactory, TrainData } from './policy.js';
import { needTrain } from './supervised.js';
import { type WarmPrior, warmPrior } from './warmStart.js';

export type WarmThompsonParams = { sigma: number; priorVariance: number; discount: number };

/**
 * Linear Thompson sampling (docs/model.md §5.4) whose precision B_m and f_m start from the train part weighted
 * by `discount` (docs/model.md §5.11): B_m = I/v + discount·Σ x xᵀ/σ², f_m = discount·Σ r x/σ², then online.
 */
export class WarmThompson extends LinearPolicy {
  readonly name = 'warm-thompson';
  private readonly am: ArgMax;
  private readonly prior: WarmPrior;

  constructor(env: PolicyEnv, p: WarmThompsonParams, t: TrainData) {
    const w = 1 / (p.sigma * p.sigma);
    // the cache keeps sqrt(κ·xᵀB⁻¹x) per slot, κ = covScale
    const covScale = env.rules.thompsonCovariance === 'sigma2' ? p.sigma * p.sigma : 1;
    super(env, 1 / p.priorVariance, w, covScale);
    this.am = new ArgMax(env.rules.ties === 'uniform', env.rng);
    this.prior = warmPrior(env, t, p.discount * w);
    for (let m = 0; m < env.nModels; m++) this.prior.apply(this.st, m);
  }

  select(q: number, arms: Int32Array, n: number): number {
    const { rng } = this.env;
    const { am, cache } = this;
    const { mean, sd } = cache;
    am.reset();
    const pq = cache.freshen(q, arms, n);
    const P = cache.P;
    for (let i = 0; i < n; i++) {
      const m = arms[i];
      am.offer(m, mean[m * P + pq] + sd[m * P + pq] * rng.normal());
    }
    return am.result();
  }

  /** A joining model starts from its train part again. */
  override addArm(m: number): void {
    super.addArm(m);
    this.prior.apply(this.st, m);
  }
}

export const warmThompsonFactory: PolicyFactory<WarmThompsonParams> = {
  name: 'warm-thompson',
  description: 'linear Thompson sampling started from the train part (discounted), then learning online (docs/model.md §5.11)',
  contextual: true,
  params: [
    { name: 'sigma', default: 0.25, positive: true, description: 'reward noise σ' },
    { name: 'priorVariance', default: 2, positive: true, description: 'prior variance v (B starts at I/v before the train part)' },
    { name: 'discount', default: 1, min: 0, description: 'weight of each train observation in the prior (0: plain Thompson sampling)' },
  ],
  rewardIndependent: false,
  hindsight: false,
  train: true,
  create: (env, p, _h, t) => new WarmThompson(env, p, needTrain('warm-thompson', t)),
};
