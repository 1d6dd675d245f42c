import { ArgMax } from './argmax.js';
import type { Policy, PolicyEnv, PolicyFactory } from './policy.js';

type EpsilonGreedyParams = { epsilon: number; decay: number; minEpsilon: number };

/**
 * Non-contextual ε-greedy with per-update decay (docs/model.md §5.1): explore with probability ε, else an untried arm,
 * else the best empirical mean (uniform among exact ties); ε ← max(ε_min, ε·δ) after each update.
 */
class EpsilonGreedy implements Policy {
  readonly name = 'epsilon-greedy';
  private readonly n: Float64Array;
  private readonly sum: Float64Array;
  /** sum/n, kept at each update so a step compares stored means instead of dividing per arm. */
  private readonly mean: Float64Array;
  /** Models never tried (n = 0); at 0 a step skips the scan for untried arms. */
  private untried: number;
  private eps: number;
  private readonly am: ArgMax;

  constructor(
    private readonly env: PolicyEnv,
    private readonly p: EpsilonGreedyParams,
  ) {
    this.n = new Float64Array(env.nModels);
    this.sum = new Float64Array(env.nModels);
    this.mean = new Float64Array(env.nModels);
    this.untried = env.nModels;
    this.eps = p.epsilon;
    this.am = new ArgMax(true, env.rng);
  }

  select(_q: number, arms: Int32Array, na: number): number {
    const { rng } = this.env;
    if (rng.next() < this.eps) return arms[rng.int(na)];
    // untried arms first, uniformly
    if (this.untried > 0) {
      let untried = 0;
      for (let i = 0; i < na; i++) if (this.n[arms[i]] === 0) untried++;
      if (untried > 0) {
        let k = rng.int(untried);
        for (let i = 0; i < na; i++) if (this.n[arms[i]] === 0 && k-- === 0) return arms[i];
      }
    }
    const { am, mean } = this;
    am.reset();
    for (let i = 0; i < na; i++) am.offer(arms[i], mean[arms[i]]);
    return am.result();
  }

  /** ε/n + (1 − ε)·[m in the greedy set]/|set|: the untried arms if any, else the tied best means (docs/model.md §9). */
  propensity(_q: number, arms: Int32Array, na: number, m: number): number {
    let untried = 0;
    for (let i = 0; i < na; i++) if (this.n[arms[i]] === 0) untried++;
    let greedy: number;
    if (untried > 0) greedy = this.n[m] === 0 ? 1 / untried : 0;
    else {
      let best = -Infinity;
      let ties = 0;
      for (let i = 0; i < na; i++) {
        const v = this.sum[arms[i]] / this.n[arms[i]];
        if (v > best) {
          best = v;
          ties = 1;
        } else if (v === best) ties++;
      }
      greedy = this.sum[m] / this.n[m] === best ? 1 / ties : 0;
    }
    return this.eps / na + (1 - this.eps) * greedy;
  }

  update(_q: number, arm: number, reward: number): void {
    if (this.n[arm] === 0) this.untried--;
    this.n[arm] += 1;
    this.sum[arm] += reward;
    this.mean[arm] = this.sum[arm] / this.n[arm];
    this.eps = Math.max(this.p.minEpsilon, this.eps * this.p.decay);
  }

  addArm(m: number): void {
    if (this.n[m] !== 0) this.untried++;
    this.n[m] = 0;
    this.sum[m] = 0;
    this.mean[m] = 0;
  }

  removeArm(_m: number): void {}

  /** Current exploration rate (for tests). */
  epsilon(): number {
    return this.eps;
  }
}

export const epsilonGreedyFactory: PolicyFactory<EpsilonGreedyParams> = {
  name: 'epsilon-greedy',
  description: 'non-contextual ε-greedy with decaying ε (docs/model.md §5.1)',
  contextual: false,
  params: [
    { name: 'epsilon', default: 1.0, min: 0, max: 1, description: 'initial exploration rate ε0' },
    { name: 'decay', default: 0.98, min: 0, max: 1, description: 'multiplicative decay δ per update' },
    { name: 'minEpsilon', default: 0.01, min: 0, max: 1, description: 'floor ε_min' },
  ],
  rewardIndependent: false,
  hindsight: false,
  create: (env, p) => new EpsilonGreedy(env, p),
};
