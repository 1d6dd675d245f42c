import type { Policy, PolicyEnv, PolicyFactory } from './policy.js';

type SoftmaxParams = { temperature: number; decay: number; minTemperature: number; initial: number };

/**
 * Boltzmann exploration (docs/model.md §11.6), non-contextual: P(m) ∝ exp(μ_m/τ) over the allowed models,
 * μ_m the mean reward (`initial` while untried), τ = max(τ_min, τ₀·δ^N) after N feedbacks. One uniform draw
 * per step walks the cumulative weights in pool order.
 */
class Softmax implements Policy {
  readonly name = 'softmax';
  private readonly n: Float64Array;
  private readonly sum: Float64Array;
  private readonly w: Float64Array;
  private tau: number;

  constructor(
    private readonly env: PolicyEnv,
    private readonly p: SoftmaxParams,
  ) {
    this.n = new Float64Array(env.nModels);
    this.sum = new Float64Array(env.nModels);
    this.w = new Float64Array(env.nModels);
    // the floor holds from the first decision (a τ₀ below it would otherwise be used once)
    this.tau = Math.max(p.minTemperature, p.temperature);
  }

  private mean(m: number): number {
    return this.n[m] > 0 ? this.sum[m] / this.n[m] : this.p.initial;
  }

  /** Selection probabilities of arms[0..na) written to out (for tests and select). */
  probabilities(arms: Int32Array, na: number, out: Float64Array): void {
    // subtract the largest exponent so exp never overflows at small τ
    let top = -Infinity;
    for (let i = 0; i < na; i++) top = Math.max(top, this.mean(arms[i]) / this.tau);
    let z = 0;
    for (let i = 0; i < na; i++) {
      const e = Math.exp(this.mean(arms[i]) / this.tau - top);
      out[i] = e;
      z += e;
    }
    for (let i = 0; i < na; i++) out[i] /= z;
  }

  select(_q: number, arms: Int32Array, na: number): number {
    const w = this.w;
    this.probabilities(arms, na, w);
    const u = this.env.rng.next();
    let acc = 0;
    for (let i = 0; i < na - 1; i++) {
      acc += w[i];
      if (u < acc) return arms[i];
    }
    return arms[na - 1];
  }

  /** exp(μ_m/τ)/Σ exp(μ_j/τ) over the allowed models (docs/model.md §9): exact, as `select` draws from it. */
  propensity(_q: number, arms: Int32Array, na: number, m: number): number {
    const w = this.w;
    this.probabilities(arms, na, w);
    for (let i = 0; i < na; i++) if (arms[i] === m) return w[i];
    return 0;
  }

  update(_q: number, arm: number, reward: number): void {
    this.n[arm] += 1;
    this.sum[arm] += reward;
    this.tau = Math.max(this.p.minTemperature, this.tau * this.p.decay);
  }

  addArm(m: number): void {
    this.n[m] = 0;
    this.sum[m] = 0;
  }

  removeArm(_m: number): void {}

  /** Current temperature (for tests). */
  temperature(): number {
    return this.tau;
  }
}

export const softmaxFactory: PolicyFactory<SoftmaxParams> = {
  name: 'softmax',
  description: 'Boltzmann (softmax) exploration with a decaying temperature (docs/model.md §11.6)',
  contextual: false,
  params: [
    { name: 'temperature', default: 0.1, positive: true, description: 'initial temperature τ₀' },
    { name: 'decay', default: 0.999, min: 0, max: 1, description: 'multiplicative decay δ of τ per feedback' },
    { name: 'minTemperature', default: 0.01, positive: true, description: 'floor τ_min' },
    { name: 'initial', default: 1, description: 'mean assumed for an untried model (optimistic by default)' },
  ],
  rewardIndependent: false,
  hindsight: false,
  create: (env, p) => new Softmax(env, p),
};
