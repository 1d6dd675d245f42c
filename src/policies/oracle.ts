import { ArgMax } from './argmax.js';
import { ArmSet, anyFeasible, isFeasible, type Policy, type PolicyEnv, type PolicyFactory } from './policy.js';

/** Hindsight oracle: the best reward among the current (feasible) arms for each query. Its regret against a pool oracle is 0. */
class OraclePolicy implements Policy {
  readonly name = 'oracle';
  private readonly set: ArmSet;
  private readonly am: ArgMax;
  constructor(private readonly env: PolicyEnv) {
    this.set = new ArmSet(env.nModels, env.initialArms);
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
  addArm(m: number): void {
    this.set.add(m);
  }
  removeArm(m: number): void {
    this.set.remove(m);
  }
  arms(): readonly number[] {
    return this.set.list;
  }
}

export const oracleFactory: PolicyFactory = {
  name: 'oracle',
  description: 'best model per query in hindsight (upper bound)',
  contextual: false,
  params: [],
  create: (env) => new OraclePolicy(env),
};
