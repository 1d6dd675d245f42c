import { ArgMax } from './argmax.js';
import { LinearPolicy } from './linear.js';
import { anyFeasible, isFeasible, type PolicyEnv, type PolicyFactory } from './policy.js';

/**
 * Disjoint LinUCB (spec §4.3): UCB_m = θ_mᵀx + α·sqrt(xᵀ A_m⁻¹ x), A_m = reg·I + Σ xxᵀ.
 * repo semantics: first maximum wins; paper semantics: exact ties broken uniformly with the policy's RNG.
 */
class LinUCB extends LinearPolicy {
  readonly name = 'linucb';
  private readonly am: ArgMax;
  private readonly alpha: number;

  constructor(
    env: PolicyEnv,
    p: Record<string, number>,
  ) {
    super(env, p.reg, 1);
    this.am = new ArgMax(env.semantics === 'paper', env.rng);
    this.alpha = p.alpha;
  }

  select(q: number): number {
    const { feasible } = this.env;
    const M = this.env.nModels;
    const useFeasible = feasible !== null && anyFeasible(this.set, feasible, q, M);
    const { alpha, am, cache } = this;
    am.reset();
    const list = this.set.list;
    for (let i = 0; i < list.length; i++) {
      const m = list[i];
      if (useFeasible && !isFeasible(feasible, q, M, m)) continue;
      const k = cache.slot(m, q);
      am.offer(m, cache.mean[k] + alpha * Math.sqrt(cache.variance[k]));
    }
    return am.result();
  }
}

export const linucbFactory: PolicyFactory = {
  name: 'linucb',
  description: 'disjoint LinUCB (spec §4.3; "GreenServ (C)" in the paper)',
  contextual: true,
  params: [
    { name: 'alpha', default: 0.1, min: 0, description: 'exploration weight α' },
    { name: 'reg', default: 0.05, positive: true, description: 'regularisation (A starts at reg·I)' },
  ],
  create: (env, p) => new LinUCB(env, p),
};
