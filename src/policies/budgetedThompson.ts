import { BudgetedRidgePolicy, COST_REG, DUAL_PARAMS, DualCost, needBudget, type DualParams } from './budgeted.js';
import type { PolicyEnv, PolicyFactory } from './policy.js';
import { RefitRidge } from './refitRidge.js';

type BudgetedThompsonParams = { sigma: number; priorVariance: number } & DualParams;

/**
 * Lagrangian Thompson sampling under a budget (docs/model.md §11.1): score_m = s_m − μ·κ̂_m(x), with s_m drawn
 * from the Gaussian posterior of §5.4 and κ̂_m a ridge prediction of the model's cost signal.
 */
class BudgetedThompson extends BudgetedRidgePolicy {
  readonly name = 'budgeted-thompson';
  private readonly covScale: number;

  constructor(env: PolicyEnv, p: BudgetedThompsonParams) {
    needBudget('budgeted-thompson', env);
    // B = I/v + Σ xxᵀ/σ², f = Σ r x/σ²: ridge with prior 1/v and weight 1/σ² (§5.4)
    super(env, new RefitRidge(env.nModels, env.contexts.d, 1 / p.priorVariance), new DualCost(env, p, COST_REG), 1 / (p.sigma * p.sigma));
    this.covScale = env.rules.thompsonCovariance === 'sigma2' ? p.sigma * p.sigma : 1;
  }

  protected score(m: number, q: number): number {
    const { st, env } = this;
    return st.mean(m, env.contexts, q) + Math.sqrt(this.covScale * st.variance(m, env.contexts, q)) * env.rng.normal();
  }
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
  budget: true,
  create: (env, p) => new BudgetedThompson(env, p),
};
