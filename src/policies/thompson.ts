import { ArgMax } from './argmax.js';
import { LinearPolicy } from './linear.js';
import type { PolicyEnv, PolicyFactory } from './policy.js';
import type { Rng } from '../core/rng.js';

/** Monte-Carlo draws per propensity estimate of Thompson sampling (docs/model.md §9). */
export const THOMPSON_PROPENSITY_SAMPLES = 256;

type ThompsonParams = { sigma: number; priorVariance: number };

/**
 * Linear-Gaussian Thompson sampling, disjoint per arm (docs/model.md §5.4). Precision B_m = I/v + Σ xxᵀ/σ²,
 * f_m = Σ r x/σ², mean μ_m = B_m⁻¹ f_m. Covariance (env.rules.thompsonCovariance): σ²·B_m⁻¹ (the reference's
 * extra σ²) or the proper posterior B_m⁻¹ (docs/model.md §5.4, §6).
 *
 * Only θ̃_mᵀx matters for the choice, and for θ̃_m ~ N(μ_m, Σ_m) that scalar is exactly
 * N(μ_mᵀx, xᵀΣ_m x); drawing it directly is the same distribution at O(nnz²) per arm instead of O(d³).
 */
export class Thompson extends LinearPolicy {
  readonly name: string = 'thompson';
  private readonly am: ArgMax;
  /** Per-arm mean and sd of the score, filled on the first propensity call (logging only). */
  private mcMean = new Float64Array(0);
  private mcSd = new Float64Array(0);

  constructor(env: PolicyEnv, p: ThompsonParams) {
    // B = I/v + Σ xxᵀ/σ², f = Σ r x/σ²: a ridge state with prior 1/v and rewards weighted 1/σ², so θ = B⁻¹f = μ
    // the cache keeps sqrt(κ·xᵀB⁻¹x) per slot, κ = covScale
    const sigma2 = p.sigma * p.sigma;
    const covScale = env.rules.thompsonCovariance === 'sigma2' ? sigma2 : 1;
    super(env, 1 / p.priorVariance, 1 / sigma2, covScale);
    this.am = new ArgMax(env.rules.ties === 'uniform', env.rng);
  }

  select(q: number, arms: Int32Array, n: number): number {
    const { rng } = this.env;
    const { am, cache } = this;
    const { mean, sd } = cache;
    am.reset();
    const pq = cache.freshen(q, arms, n);
    const P = cache.P;
    for (let i = 0; i < n; i++) {
      const m = arms[i];
      const k = m * P + pq;
      am.offer(m, mean[k] + sd[k] * rng.normal());
    }
    return am.result();
  }

  /**
   * Monte-Carlo estimate (docs/model.md §9): K fresh posterior draws from `mc`, plus the draw `select` made, which m
   * won; (wins + 1)/(K + 1) is never 0. Exact ties have probability 0 under continuous draws and are ignored.
   */
  propensity(q: number, arms: Int32Array, n: number, m: number, mc: Rng): number {
    const { cache } = this;
    const K = THOMPSON_PROPENSITY_SAMPLES;
    if (this.mcMean.length < n) {
      this.mcMean = new Float64Array(this.env.nModels);
      this.mcSd = new Float64Array(this.env.nModels);
    }
    const { mcMean, mcSd } = this;
    for (let i = 0; i < n; i++) {
      const j = cache.slot(arms[i], q);
      mcMean[i] = cache.mean[j];
      mcSd[i] = cache.sd[j];
    }
    let wins = 0;
    for (let k = 0; k < K; k++) {
      let best = -Infinity;
      let arm = -1;
      for (let i = 0; i < n; i++) {
        const a = arms[i];
        const v = mcMean[i] + mcSd[i] * mc.normal();
        if (v > best || arm < 0) {
          best = v;
          arm = a;
        }
      }
      if (arm === m) wins++;
    }
    return (wins + 1) / (K + 1);
  }
}

export const thompsonFactory: PolicyFactory<ThompsonParams> = {
  name: 'thompson',
  description: 'linear Thompson sampling with a Gaussian posterior per model (docs/model.md §5.4)',
  contextual: true,
  params: [
    { name: 'sigma', default: 0.25, positive: true, description: 'reward noise σ (paper text: 0.01; experiments: 0.25)' },
    { name: 'priorVariance', default: 2, positive: true, description: 'prior variance v (B starts at I/v)' },
  ],
  rewardIndependent: false,
  hindsight: false,
  create: (env, p) => new Thompson(env, p),
};
