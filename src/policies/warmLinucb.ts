import { LinUCB } from './linucb.js';
import type { Params, PolicyEnv, PolicyFactory, TrainData } from './policy.js';
import { needTrain } from './supervised.js';
import { type WarmPrior, warmPenalty, warmPrior } from './warmStart.js';

/** The penalty when it cannot be chosen (no or too small a train part): LinUCB's default. */
const FALLBACK_REG = 0.05;

type WarmLinUCBParams = { alpha: number; reg: number; discount: number; se: number };

/**
 * LinUCB (docs/model.md §5.3) whose A_m, b_m start from the train part weighted by `discount`
 * (docs/model.md §5.11), then learn online from the test stream as LinUCB does (its selection, the same bits).
 */
export class WarmLinUCB extends LinUCB {
  override readonly name: string = 'warm-linucb';
  private readonly prior: WarmPrior;

  /** The regularisation used (given, or chosen on the train part when the parameter is 0). */
  readonly reg: number;

  constructor(env: PolicyEnv, p: WarmLinUCBParams, t: TrainData) {
    // A = reg·I + γΣxxᵀ solves the train ridge at penalty reg/γ, so a chosen penalty ρ gives reg = γρ
    const rho = p.reg > 0 || p.discount === 0 ? null : warmPenalty(env, t, p.se);
    const reg = p.reg > 0 ? p.reg : rho === null ? FALLBACK_REG : p.discount * rho;
    super(env, { alpha: p.alpha, reg });
    this.reg = reg;
    this.prior = warmPrior(env, t, p.discount);
    for (let m = 0; m < env.nModels; m++) this.prior.apply(this.st, m);
  }

  fitted(): Params {
    return { reg: this.reg };
  }

  /** A joining model starts from its train part again. */
  override addArm(m: number): void {
    super.addArm(m);
    this.prior.apply(this.st, m);
  }
}

export const warmLinucbFactory: PolicyFactory<WarmLinUCBParams> = {
  name: 'warm-linucb',
  description: 'LinUCB started from the train part (discounted), then learning online (docs/model.md §5.11)',
  contextual: true,
  params: [
    { name: 'alpha', default: 0.1, min: 0, description: 'exploration weight α' },
    { name: 'reg', default: 0, min: 0, description: 'regularisation (A starts at reg·I before the train part); 0: chosen by 5-fold cross-validation on the train part' },
    { name: 'discount', default: 1, min: 0, description: 'weight of each train observation in the prior (0: plain LinUCB)' },
    { name: 'se', default: 0, min: 0, description: 'with reg 0: take the strongest penalty within se standard errors of the best held-out reward (1: the one-standard-error rule)' },
  ],
  rewardIndependent: false,
  hindsight: false,
  train: true,
  create: (env, p, _h, t) => new WarmLinUCB(env, p, needTrain('warm-linucb', t)),
};
