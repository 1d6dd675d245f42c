import { ArgMax } from './argmax.js';
import { LinearPolicy } from './linear.js';
import type { PolicyEnv, PolicyFactory } from './policy.js';

type LinearEpsilonGreedyParams = { epsilon: number; decay: number; minEpsilon: number; ridge: number };

/**
 * Linear (contextual) ε-greedy, disjoint per arm (docs/model.md §5.2): ridge θ_m = (λ_I + Σxxᵀ)⁻¹ Σ r x
 * (A is positive definite, so the reference's pinv equals the inverse); explore with probability ε,
 * else argmax θ_mᵀx with uniform tie-breaking; ε decays per update.
 */
class LinearEpsilonGreedy extends LinearPolicy {
  readonly name = 'linear-epsilon-greedy';
  private eps: number;
  private readonly am: ArgMax;

  constructor(
    env: PolicyEnv,
    private readonly p: LinearEpsilonGreedyParams,
  ) {
    // scores are θᵀx only, so the cache skips the exploration width
    super(env, p.ridge, 1, 1, false);
    this.eps = p.epsilon;
    this.am = new ArgMax(true, env.rng);
  }

  select(q: number, arms: Int32Array, n: number): number {
    const { rng } = this.env;
    if (rng.next() < this.eps) return arms[rng.int(n)];
    const { am, cache } = this;
    const mean = cache.mean;
    am.reset();
    const pq = cache.freshen(q, arms, n);
    const P = cache.P;
    for (let i = 0; i < n; i++) {
      const m = arms[i];
      const k = m * P + pq;
      am.offer(m, mean[k]);
    }
    return am.result();
  }

  /** ε/n + (1 − ε)/|ties| when m is among the tied best predictions, else ε/n (docs/model.md §9). */
  propensity(q: number, arms: Int32Array, n: number, m: number): number {
    const { cache } = this;
    let best = -Infinity;
    let ties = 0;
    for (let i = 0; i < n; i++) {
      const v = cache.mean[cache.slot(arms[i], q)];
      if (v > best) {
        best = v;
        ties = 1;
      } else if (v === best) ties++;
    }
    const greedy = cache.mean[cache.slot(m, q)] === best ? 1 / ties : 0;
    return this.eps / n + (1 - this.eps) * greedy;
  }

  override update(q: number, arm: number, reward: number): void {
    super.update(q, arm, reward);
    this.eps = Math.max(this.p.minEpsilon, this.eps * this.p.decay);
  }
}

export const linearEpsilonGreedyFactory: PolicyFactory<LinearEpsilonGreedyParams> = {
  name: 'linear-epsilon-greedy',
  description: 'contextual ε-greedy over per-model ridge regressions (docs/model.md §5.2)',
  contextual: true,
  params: [
    { name: 'epsilon', default: 1.0, min: 0, max: 1, description: 'initial exploration rate ε0' },
    { name: 'decay', default: 0.985, min: 0, max: 1, description: 'multiplicative decay δ per update' },
    { name: 'minEpsilon', default: 0.01, min: 0, max: 1, description: 'floor ε_min' },
    { name: 'ridge', default: 0.25, positive: true, description: 'ridge regulariser λ_ (A starts at λ_·I)' },
  ],
  rewardIndependent: false,
  hindsight: false,
  create: (env, p) => new LinearEpsilonGreedy(env, p),
};
