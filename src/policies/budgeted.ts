/**
 * What the budgeted (primal–dual) policies share, docs/model.md §11.1: the dual variable μ updated from each
 * cost signal κ (the chosen model's cost over the budget) by projected gradient against the paced target ρ
 * (the budget left per query left), and a per-model ridge model of κ from the context, fed by the same signal.
 */
import { UsageError } from '../core/errors.js';
import { ArgMax } from './argmax.js';
import type { BudgetSpec, Policy, PolicyEnv } from './policy.js';
import { RefitRidge } from './refitRidge.js';

export type DualParams = { eta: number; muMax: number };

/** Ridge regularisation of the cost model when the policy has no `reg` of its own (Thompson sampling). */
export const COST_REG = 0.05;

export const DUAL_PARAMS = [
  { name: 'eta', default: 0.005, positive: true, description: 'dual step size η: μ ← clip(μ + η·(κ − ρ), 0, μ_max)' },
  { name: 'muMax', default: 20, positive: true, description: 'upper bound μ_max of the dual variable' },
];

/** Why a run without a budget cannot have policy `name`. */
export function budgetMissing(name: string): string {
  return `policy '${name}' needs a budget: add --budget energy=<Wh per query> (or usd=, latency=), or budget: in the experiment`;
}

/** The run's budget, which a budgeted policy cannot work without. */
export function needBudget(name: string, env: PolicyEnv): BudgetSpec {
  if (!env.budget) throw new UsageError(budgetMissing(name));
  return env.budget;
}

/** μ and the cost model. */
export class DualCost {
  /** The dual variable μ ≥ 0. */
  mu = 0;
  readonly cost: RefitRidge;
  /** Σκ so far and decisions so far. */
  private spent = 0;
  private n = 0;
  /** The stream's length T (docs/model.md §11.1): the budget is T·1 in κ units. */
  private readonly T: number;

  constructor(
    env: PolicyEnv,
    private readonly p: DualParams,
    reg: number,
  ) {
    this.cost = new RefitRidge(env.nModels, env.contexts.d, reg);
    this.T = env.horizon;
  }

  /** ρ = (T − Σκ)/(T − n): what is left per decision left, in [0, 2] (1 when on track). */
  target(): number {
    const left = this.T - this.n;
    if (left <= 0) return 1;
    const r = (this.T - this.spent) / left;
    return r < 0 ? 0 : r > 2 ? 2 : r;
  }

  /** μ ← clip(μ + η·(κ − ρ), 0, μ_max); the cost model of `arm` learns κ. */
  observe(env: PolicyEnv, q: number, arm: number, kappa: number): void {
    const mu = this.mu + this.p.eta * (kappa - this.target());
    this.spent += kappa;
    this.n++;
    this.mu = mu < 0 ? 0 : mu > this.p.muMax ? this.p.muMax : mu;
    this.cost.add(arm, env.contexts, q, kappa, 1);
    this.cost.refit(arm);
  }

  /** μ·max(0, predicted κ) of model m for query q: the price subtracted from its score. */
  penalty(env: PolicyEnv, q: number, m: number): number {
    const c = this.cost.mean(m, env.contexts, q);
    return this.mu * (c > 0 ? c : 0);
  }
}

/**
 * What the two Lagrangian routers share (docs/model.md §11.1): a reward ridge refitted per update with weight
 * `w`, the cost ridge and dual price, and the tie rule; subclasses give the score before the price.
 */
export abstract class BudgetedRidgePolicy implements Policy {
  abstract readonly name: string;
  protected readonly am: ArgMax;

  constructor(
    protected readonly env: PolicyEnv,
    protected readonly st: RefitRidge,
    readonly dual: DualCost,
    private readonly w: number,
  ) {
    this.am = new ArgMax(env.rules.ties === 'uniform', env.rng);
  }

  /** The model's score before the price on its cost. */
  protected abstract score(m: number, q: number): number;

  select(q: number, arms: Int32Array, n: number): number {
    const { am, dual, env } = this;
    am.reset();
    for (let i = 0; i < n; i++) {
      const m = arms[i];
      am.offer(m, this.score(m, q) - dual.penalty(env, q, m));
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

  state(): RefitRidge {
    return this.st;
  }
}
