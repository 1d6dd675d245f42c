import { BudgetedRidgePolicy, DUAL_PARAMS, DualCost, needBudget, type DualParams } from './budgeted.js';
import type { PolicyEnv, PolicyFactory } from './policy.js';
import { RefitRidge } from './refitRidge.js';

type BudgetedLinUCBParams = { alpha: number; reg: number } & DualParams;

/**
 * Lagrangian LinUCB under a budget (docs/model.md §11.1): score_m = UCB_m(x) − μ·κ̂_m(x), with UCB_m as in §5.3,
 * κ̂_m a ridge prediction of the model's cost signal and μ the dual variable.
 */
class BudgetedLinUCB extends BudgetedRidgePolicy {
  readonly name = 'budgeted-linucb';

  constructor(
    env: PolicyEnv,
    private readonly p: BudgetedLinUCBParams,
  ) {
    needBudget('budgeted-linucb', env);
    super(env, new RefitRidge(env.nModels, env.contexts.d, p.reg), new DualCost(env, p, p.reg), 1);
  }

  protected score(m: number, q: number): number {
    return this.st.ucb(m, this.env.contexts, q, this.p.alpha);
  }
}

export const budgetedLinucbFactory: PolicyFactory<BudgetedLinUCBParams> = {
  name: 'budgeted-linucb',
  description: 'LinUCB with a Lagrangian price on the budgeted cost, needs --budget (docs/model.md §11.1)',
  contextual: true,
  params: [
    { name: 'alpha', default: 0.1, min: 0, description: 'exploration weight α' },
    { name: 'reg', default: 0.05, positive: true, description: 'regularisation of the reward and cost ridges' },
    ...DUAL_PARAMS,
  ],
  rewardIndependent: false,
  hindsight: false,
  budget: true,
  create: (env, p) => new BudgetedLinUCB(env, p),
};
