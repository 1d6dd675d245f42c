import { ArgMax } from './argmax.js';
import { LinearPolicy } from './linear.js';
import { anyFeasible, isFeasible, uniformArm, type PolicyEnv, type PolicyFactory } from './policy.js';

/**
 * Linear (contextual) ε-greedy, disjoint per arm (spec §4.2): ridge θ_m = (λ_I + Σxxᵀ)⁻¹ Σ r x
 * (A is positive definite, so the reference's pinv equals the inverse); explore with probability ε,
 * else argmax θ_mᵀx with uniform tie-breaking; ε decays per update.
 */
class LinearEpsilonGreedy extends LinearPolicy {
  readonly name = 'linear-epsilon-greedy';
  private eps: number;
  private readonly am: ArgMax;

  constructor(
    env: PolicyEnv,
    private readonly p: Record<string, number>,
  ) {
    super(env, p.ridge, 1);
    this.eps = p.epsilon;
    this.am = new ArgMax(true, env.rng);
  }

  select(q: number): number {
    const { rng, feasible } = this.env;
    const M = this.env.nModels;
    if (rng.next() < this.eps) return uniformArm(this.set, feasible, q, M, rng);
    const useFeasible = feasible !== null && anyFeasible(this.set, feasible, q, M);
    const { am, cache } = this;
    am.reset();
    const list = this.set.list;
    for (let i = 0; i < list.length; i++) {
      const m = list[i];
      if (useFeasible && !isFeasible(feasible, q, M, m)) continue;
      am.offer(m, cache.mean[cache.slot(m, q)]);
    }
    return this.am.result();
  }

  override update(q: number, arm: number, reward: number): void {
    super.update(q, arm, reward);
    this.eps = Math.max(this.p.minEpsilon, this.eps * this.p.decay);
  }
}

export const linearEpsilonGreedyFactory: PolicyFactory = {
  name: 'linear-epsilon-greedy',
  description: 'contextual ε-greedy over per-model ridge regressions (spec §4.2)',
  contextual: true,
  params: [
    { name: 'epsilon', default: 1.0, min: 0, max: 1, description: 'initial exploration rate ε0' },
    { name: 'decay', default: 0.985, min: 0, max: 1, description: 'multiplicative decay δ per update' },
    { name: 'minEpsilon', default: 0.01, min: 0, max: 1, description: 'floor ε_min' },
    { name: 'ridge', default: 0.25, positive: true, description: 'ridge regulariser λ_ (A starts at λ_·I)' },
  ],
  create: (env, p) => new LinearEpsilonGreedy(env, p),
};
