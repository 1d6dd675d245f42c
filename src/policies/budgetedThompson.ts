import { ArgMax } from './argmax.js';
import { COST_REG, DUAL_PARAMS, DualCost, needBudget, type DualParams } from './budgeted.js';
import type { Policy, PolicyEnv, PolicyFactory } from './policy.js';
import { RefitRidge } from './refitRidge.js';

export type BudgetedThompsonParams = { sigma: number; priorVariance: number } & DualParams;

/**
 * Lagrangian Thompson sampling under a budget (docs/model.md §11.1): score_m = s_m − μ·κ̂_m(x), with s_m drawn
 * from the Gaussian posterior of §5.4 and κ̂_m a ridge prediction of the model's cost signal.
 */
class BudgetedThompson implements Policy {
  readonly name = 'budgeted-thompson';
  private readonly st: RefitRidge;
  readonly dual: DualCost;
  private readonly am: ArgMax;
  private readonly w: number;
  private readonly covScale: number;

  constructor(
    private readonly env: PolicyEnv,
    p: BudgetedThompsonParams,
  ) {
    needBudget(this.name, env);
    // B = I/v + Σ xxᵀ/σ², f = Σ r x/σ²: ridge with prior 1/v and weight 1/σ² (§5.4)
    this.st = new RefitRidge(env.nModels, env.contexts.d, 1 / p.priorVariance);
    this.w = 1 / (p.sigma * p.sigma);
    this.covScale = env.rules.thompsonCovariance === 'sigma2' ? p.sigma * p.sigma : 1;
    this.dual = new DualCost(env, p, COST_REG);
    this.am = new ArgMax(env.rules.ties === 'uniform', env.rng);
  }

  select(q: number, arms: Int32Array, n: number): number {
    const { am, st, dual, env, covScale } = this;
    am.reset();
    for (let i = 0; i < n; i++) {
      const m = arms[i];
      const s = st.mean(m, env.contexts, q) + Math.sqrt(covScale * st.variance(m, env.contexts, q)) * env.rng.normal();
      am.offer(m, s - dual.penalty(env, q, m));
    }
    return am.result();
  }

  update(q: number, arm: number, reward: number): void {
    this.st.add(arm, this.env.contexts, q, reward, this.w);
    this.st.refit(arm);
  }

  updateCost(q: number, arm: number, cost: number): void {
    this.dual.observe(this.env, q, arm, cost);
  }

  addArm(m: number): void {
    this.st.reset(m);
    this.dual.cost.reset(m);
  }

  removeArm(_m: number): void {}
}

export const budgetedThompsonFactory: PolicyFactory<BudgetedThompsonParams> = {
  name: 'budgeted-thompson',
  description: 'Thompson sampling with a Lagrangian price on the budgeted cost, needs --budget (docs/model.md §11.1)',
  contextual: true,
  params: [
    { name: 'sigma', default: 0.25, positive: true, description: 'reward noise σ' },
    { name: 'priorVariance', default: 2, positive: true, description: 'prior variance v (B starts at I/v)' },
    ...DUAL_PARAMS,
  ],
  rewardIndependent: false,
  hindsight: false,
  create: (env, p) => new BudgetedThompson(env, p),
};
