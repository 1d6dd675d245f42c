import { ArgMax } from './argmax.js';
import { PoolPolicy, anyFeasible, isFeasible, uniformArm, type PolicyEnv, type PolicyFactory } from './policy.js';

/**
 * Non-contextual ε-greedy with per-update decay (spec §4.1): explore with probability ε, else an untried arm,
 * else the best empirical mean (uniform among exact ties); ε ← max(ε_min, ε·δ) after each update.
 */
class EpsilonGreedy extends PoolPolicy {
  readonly name = 'epsilon-greedy';
  private readonly n: Float64Array;
  private readonly sum: Float64Array;
  private eps: number;
  private readonly am: ArgMax;

  constructor(
    env: PolicyEnv,
    private readonly p: Record<string, number>,
  ) {
    super(env);
    this.n = new Float64Array(env.nModels);
    this.sum = new Float64Array(env.nModels);
    this.eps = p.epsilon;
    this.am = new ArgMax(true, env.rng);
  }

  select(q: number): number {
    const { rng, feasible } = this.env;
    const M = this.env.nModels;
    if (rng.next() < this.eps) return uniformArm(this.set, feasible, q, M, rng);
    const useFeasible = anyFeasible(this.set, feasible, q, M);
    // untried arms first, uniformly
    let untried = 0;
    for (const m of this.set.list) {
      if (useFeasible && !isFeasible(feasible, q, M, m)) continue;
      if (this.n[m] === 0) untried++;
    }
    if (untried > 0) {
      let k = rng.int(untried);
      for (const m of this.set.list) {
        if (useFeasible && !isFeasible(feasible, q, M, m)) continue;
        if (this.n[m] === 0 && k-- === 0) return m;
      }
    }
    this.am.reset();
    for (const m of this.set.list) {
      if (useFeasible && !isFeasible(feasible, q, M, m)) continue;
      this.am.offer(m, this.sum[m] / this.n[m]);
    }
    return this.am.result();
  }

  update(_q: number, arm: number, reward: number): void {
    this.n[arm] += 1;
    this.sum[arm] += reward;
    this.eps = Math.max(this.p.minEpsilon, this.eps * this.p.decay);
  }

  protected override resetArm(m: number): void {
    this.n[m] = 0;
    this.sum[m] = 0;
  }

  /** Current exploration rate (for tests). */
  epsilon(): number {
    return this.eps;
  }
}

export const epsilonGreedyFactory: PolicyFactory = {
  name: 'epsilon-greedy',
  description: 'non-contextual ε-greedy with decaying ε (spec §4.1)',
  contextual: false,
  params: [
    { name: 'epsilon', default: 1.0, min: 0, max: 1, description: 'initial exploration rate ε0' },
    { name: 'decay', default: 0.98, min: 0, max: 1, description: 'multiplicative decay δ per update' },
    { name: 'minEpsilon', default: 0.01, min: 0, max: 1, description: 'floor ε_min' },
  ],
  create: (env, p) => new EpsilonGreedy(env, p),
};
