/**
 * What the budgeted (primal–dual) policies share, docs/model.md §11.1: the dual variable μ updated from each
 * cost signal κ (the chosen model's cost over the budget) by projected gradient against the paced target ρ
 * (the budget left per query left), and a per-model ridge model of κ from the context, fed by the same signal.
 */
import { UsageError } from '../core/errors.js';
import type { BudgetSpec, PolicyEnv } from './policy.js';
import { RefitRidge } from './refitRidge.js';

export type DualParams = { eta: number; muMax: number };

/** Ridge regularisation of the cost model when the policy has no `reg` of its own (Thompson sampling). */
export const COST_REG = 0.05;

export const DUAL_PARAMS = [
  { name: 'eta', default: 0.005, positive: true, description: 'dual step size η: μ ← clip(μ + η·(κ − ρ), 0, μ_max)' },
  { name: 'muMax', default: 20, positive: true, description: 'upper bound μ_max of the dual variable' },
];

/** The run's budget, which a budgeted policy cannot work without. */
export function needBudget(name: string, env: PolicyEnv): BudgetSpec {
  if (!env.budget) throw new UsageError(`policy '${name}' needs a budget: add --budget energy=<Wh per query> (or usd=, latency=), or budget: in the experiment`);
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
  /** The stream's length: the budget is T·1 in κ units. */
  private readonly T: number;

  constructor(
    env: PolicyEnv,
    private readonly p: DualParams,
    reg: number,
  ) {
    this.cost = new RefitRidge(env.nModels, env.contexts.d, reg);
    this.T = env.contexts.nQueries;
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
