import { ArgMax } from './argmax.js';
import type { Policy, PolicyEnv, PolicyFactory } from './policy.js';
import { RefitRidge } from './refitRidge.js';

type DiscountedLinUCBParams = { alpha: number; reg: number; gamma: number };

/**
 * Discounted LinUCB (docs/model.md §11.3): each model's evidence decays by γ at each of its own updates, so
 * A_m = reg·I + Σ_k γ^(n−k) x_k x_kᵀ and b_m = Σ_k γ^(n−k) r_k x_k, and a model whose behaviour drifted is
 * re-learned within about 1/(1−γ) of its pulls. Score as LinUCB (§5.3).
 */
class DiscountedLinUCB implements Policy {
  readonly name = 'discounted-linucb';
  private readonly st: RefitRidge;
  private readonly am: ArgMax;

  constructor(
    private readonly env: PolicyEnv,
    private readonly p: DiscountedLinUCBParams,
  ) {
    this.st = new RefitRidge(env.nModels, env.contexts.d, p.reg);
    this.am = new ArgMax(env.rules.ties === 'uniform', env.rng);
  }

  select(q: number, arms: Int32Array, n: number): number {
    return this.st.pick(this.am, this.env.contexts, q, arms, n, this.p.alpha);
  }

  update(q: number, arm: number, reward: number): void {
    this.st.scale(arm, this.p.gamma);
    this.st.add(arm, this.env.contexts, q, reward, 1);
    this.st.refit(arm);
  }

  addArm(m: number): void {
    this.st.reset(m);
  }

  removeArm(_m: number): void {}

  /** The ridge state (for tests). */
  state(): RefitRidge {
    return this.st;
  }
}

export const discountedLinucbFactory: PolicyFactory<DiscountedLinUCBParams> = {
  name: 'discounted-linucb',
  description: 'LinUCB that discounts old evidence by γ per update, for drifting models (docs/model.md §11.3)',
  contextual: true,
  params: [
    { name: 'alpha', default: 0.1, min: 0, description: 'exploration weight α' },
    { name: 'reg', default: 0.05, positive: true, description: 'regularisation (A = reg·I + discounted Σ xxᵀ)' },
    { name: 'gamma', default: 0.995, positive: true, max: 1, description: 'discount γ per update of a model (1 = plain LinUCB)' },
  ],
  rewardIndependent: false,
  hindsight: false,
  create: (env, p) => new DiscountedLinUCB(env, p),
};
