import { ArgMax } from './argmax.js';
import { PoolPolicy, anyFeasible, isFeasible, type PolicyEnv, type PolicyFactory } from './policy.js';

/** Hindsight oracle: the best reward among the current (feasible) arms for each query. Its regret against a pool oracle is 0. */
class OraclePolicy extends PoolPolicy {
  readonly name = 'oracle';
  private readonly am: ArgMax;
  constructor(env: PolicyEnv) {
    super(env);
    this.am = new ArgMax(false, env.rng);
  }
  select(q: number): number {
    const { rewards, present, feasible } = this.env;
    const M = this.env.nModels;
    const base = q * M;
    const useFeasible = anyFeasible(this.set, feasible, q, M);
    this.am.reset();
    for (const m of this.set.list) {
      if (useFeasible && !isFeasible(feasible, q, M, m)) continue;
      this.am.offer(m, present[base + m] ? rewards[base + m] : -Infinity);
    }
    return this.am.result();
  }
  update(): void {}
}

export const oracleFactory: PolicyFactory = {
  name: 'oracle',
  description: 'best model per query in hindsight (upper bound)',
  contextual: false,
  params: [],
  create: (env) => new OraclePolicy(env),
};
