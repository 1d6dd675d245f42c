import { ArgMax } from './argmax.js';
import { LinearPolicy } from './linear.js';
import type { PolicyEnv, PolicyFactory } from './policy.js';

type LinUCBParams = { alpha: number; reg: number };

/**
 * Disjoint LinUCB (docs/model.md §5.3): UCB_m = θ_mᵀx + α·sqrt(xᵀ A_m⁻¹ x), A_m = reg·I + Σ xxᵀ.
 * Ties (env.rules.ties): the first maximum wins, or exact ties are broken uniformly with the policy's RNG.
 */
export class LinUCB extends LinearPolicy {
  readonly name: string = 'linucb';
  private readonly am: ArgMax;
  private readonly alpha: number;
  private readonly uniformTies: boolean;

  constructor(env: PolicyEnv, p: LinUCBParams) {
    super(env, p.reg, 1);
    this.uniformTies = env.rules.ties === 'uniform';
    this.am = new ArgMax(this.uniformTies, env.rng);
    this.alpha = p.alpha;
  }

  select(q: number, arms: Int32Array, n: number): number {
    const { alpha, am, cache } = this;
    const { mean, sd } = cache;
    const pq = cache.freshen(q, arms, n);
    const P = cache.P;
    if (!this.uniformTies) {
      // ArgMax's 'first' rule in locals: the same comparisons, without a field write per arm
      let best = -Infinity;
      let arm = -1;
      for (let i = 0; i < n; i++) {
        const m = arms[i];
        const k = m * P + pq;
        const v = mean[k] + alpha * sd[k];
        if (v > best || arm < 0) {
          best = v;
          arm = m;
        }
      }
      return arm;
    }
    am.reset();
    for (let i = 0; i < n; i++) {
      const m = arms[i];
      const k = m * P + pq;
      am.offer(m, mean[k] + alpha * sd[k]);
    }
    return am.result();
  }
}

export const linucbFactory: PolicyFactory<LinUCBParams> = {
  name: 'linucb',
  description: 'disjoint LinUCB (docs/model.md §5.3; "GreenServ (C)" in the paper)',
  contextual: true,
  params: [
    { name: 'alpha', default: 0.1, min: 0, description: 'exploration weight α' },
    { name: 'reg', default: 0.05, positive: true, description: 'regularisation (A starts at reg·I)' },
  ],
  rewardIndependent: false,
  hindsight: false,
  create: (env, p) => new LinUCB(env, p),
};
