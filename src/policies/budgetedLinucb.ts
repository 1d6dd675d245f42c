import { ArgMax } from './argmax.js';
import { DUAL_PARAMS, DualCost, needBudget, type DualParams } from './budgeted.js';
import type { Policy, PolicyEnv, PolicyFactory } from './policy.js';
import { RefitRidge } from './refitRidge.js';

export type BudgetedLinUCBParams = { alpha: number; reg: number } & DualParams;

/**
 * Lagrangian LinUCB under a budget (docs/model.md §11.1): score_m = UCB_m(x) − μ·κ̂_m(x), with UCB_m as in §5.3,
 * κ̂_m a ridge prediction of the model's cost signal and μ the dual variable.
 */
class BudgetedLinUCB implements Policy {
  readonly name = 'budgeted-linucb';
  private readonly st: RefitRidge;
  readonly dual: DualCost;
  private readonly am: ArgMax;

  constructor(
    private readonly env: PolicyEnv,
    private readonly p: BudgetedLinUCBParams,
  ) {
    needBudget(this.name, env);
    this.st = new RefitRidge(env.nModels, env.contexts.d, p.reg);
    this.dual = new DualCost(env, p, p.reg);
    this.am = new ArgMax(env.rules.ties === 'uniform', env.rng);
  }

  select(q: number, arms: Int32Array, n: number): number {
    const { am, st, dual, env } = this;
    am.reset();
    for (let i = 0; i < n; i++) {
      const m = arms[i];
      am.offer(m, st.ucb(m, env.contexts, q, this.p.alpha) - dual.penalty(env, q, m));
    }
    return am.result();
  }

  update(q: number, arm: number, reward: number): void {
    this.st.add(arm, this.env.contexts, q, reward, 1);
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

  state(): RefitRidge {
    return this.st;
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
  create: (env, p) => new BudgetedLinUCB(env, p),
};
