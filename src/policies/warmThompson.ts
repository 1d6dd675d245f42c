import { Thompson } from './thompson.js';
import type { PolicyEnv, PolicyFactory, TrainData } from './policy.js';
import { needTrain } from './supervised.js';
import { type WarmPrior, warmPrior } from './warmStart.js';

type WarmThompsonParams = { sigma: number; priorVariance: number; discount: number };

/**
 * Linear Thompson sampling (docs/model.md §5.4) whose precision B_m and f_m start from the train part weighted
 * by `discount` (docs/model.md §5.11): B_m = I/v + discount·Σ x xᵀ/σ², f_m = discount·Σ r x/σ², then online,
 * selecting as Thompson sampling does.
 */
export class WarmThompson extends Thompson {
  override readonly name: string = 'warm-thompson';
  private readonly prior: WarmPrior;

  constructor(env: PolicyEnv, p: WarmThompsonParams, t: TrainData) {
    super(env, { sigma: p.sigma, priorVariance: p.priorVariance });
    // train observations weigh 1/σ² each, as the online ones do, times the discount
    const w = 1 / (p.sigma * p.sigma);
    this.prior = warmPrior(env, t, p.discount * w);
    for (let m = 0; m < env.nModels; m++) this.prior.apply(this.st, m);
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
