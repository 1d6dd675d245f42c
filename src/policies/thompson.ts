import { ArgMax } from './argmax.js';
import { PatternCache, RidgeArms } from './linear.js';
import { PoolPolicy, anyFeasible, isFeasible, type PolicyEnv, type PolicyFactory } from './policy.js';

/**
 * Linear-Gaussian Thompson sampling, disjoint per arm (spec §4.4). Precision B_m = I/v + Σ xxᵀ/σ²,
 * f_m = Σ r x/σ², mean μ_m = B_m⁻¹ f_m. Covariance: repo semantics σ²·B_m⁻¹ (the reference's extra σ²),
 * paper semantics the proper posterior B_m⁻¹ (spec §9.3).
 *
 * Only θ̃_mᵀx matters for the choice, and for θ̃_m ~ N(μ_m, Σ_m) that scalar is exactly
 * N(μ_mᵀx, xᵀΣ_m x); drawing it directly is the same distribution at O(nnz²) per arm instead of O(d³).
 */
class Thompson extends PoolPolicy {
  readonly name = 'thompson';
  private readonly st: RidgeArms;
  private readonly am: ArgMax;
  private readonly s: number;
  private readonly covScale: number;
  private readonly cache: PatternCache;

  constructor(
    env: PolicyEnv,
    p: Record<string, number>,
  ) {
    super(env);
    const sigma2 = p.sigma * p.sigma;
    // B = I/v + Σ xxᵀ/σ²: a ridge state with prior 1/v and updates weighted 1/σ²
    this.st = new RidgeArms(env.nModels, env.contexts.d, 1 / p.priorVariance);
    this.s = 1 / sigma2;
    this.covScale = env.semantics === 'repo' ? sigma2 : 1;
    this.am = new ArgMax(env.semantics === 'paper', env.rng);
    this.cache = new PatternCache(this.st, env.nModels, env.contexts);
  }

  select(q: number): number {
    const { feasible, rng } = this.env;
    const M = this.env.nModels;
    const useFeasible = feasible !== null && anyFeasible(this.set, feasible, q, M);
    const { am, cache, covScale } = this;
    am.reset();
    const list = this.set.list;
    for (let i = 0; i < list.length; i++) {
      const m = list[i];
      if (useFeasible && !isFeasible(feasible, q, M, m)) continue;
      const k = cache.slot(m, q);
      am.offer(m, cache.mean[k] + Math.sqrt(covScale * cache.variance[k]) * rng.normal());
    }
    return am.result();
  }

  update(q: number, arm: number, reward: number): void {
    const c = this.env.contexts;
    // b accumulates s·r·x = f; θ = B⁻¹ f = μ
    this.st.update(arm, c.idx, c.val, c.ptr[q], c.ptr[q + 1], reward, this.s);
  }

  protected override resetArm(m: number): void {
    this.st.reset(m);
  }



  state(): RidgeArms {
    return this.st;
  }
}

export const thompsonFactory: PolicyFactory = {
  name: 'thompson',
  description: 'linear Thompson sampling with a Gaussian posterior per model (spec §4.4)',
  contextual: true,
  params: [
    { name: 'sigma', default: 0.25, positive: true, description: 'reward noise σ (paper text: 0.01; experiments: 0.25)' },
    { name: 'priorVariance', default: 2, positive: true, description: 'prior variance v (B starts at I/v)' },
  ],
  create: (env, p) => new Thompson(env, p),
};
