import { ArgMax } from './argmax.js';
import type { Policy, PolicyEnv, PolicyFactory } from './policy.js';

export type Ucb1Params = { c: number };

/**
 * UCB1 (docs/model.md §10.6), non-contextual: an untried model first, else the largest
 * mean_m + c·sqrt(2·ln N / n_m), N = feedback received so far. Ties follow env.rules.ties.
 */
class Ucb1 implements Policy {
  readonly name = 'ucb1';
  private readonly n: Float64Array;
  private readonly sum: Float64Array;
  private total = 0;
  private readonly am: ArgMax;

  constructor(
    env: PolicyEnv,
    private readonly p: Ucb1Params,
  ) {
    this.n = new Float64Array(env.nModels);
    this.sum = new Float64Array(env.nModels);
    this.am = new ArgMax(env.rules.ties === 'uniform', env.rng);
  }

  /** The index of model m (Infinity while untried). */
  score(m: number): number {
    const n = this.n[m];
    if (n === 0) return Infinity;
    return this.sum[m] / n + this.p.c * Math.sqrt((2 * Math.log(Math.max(this.total, 1))) / n);
  }

  select(_q: number, arms: Int32Array, na: number): number {
    const am = this.am;
    am.reset();
    for (let i = 0; i < na; i++) am.offer(arms[i], this.score(arms[i]));
    return am.result();
  }

  update(_q: number, arm: number, reward: number): void {
    this.n[arm] += 1;
    this.sum[arm] += reward;
    this.total += 1;
  }

  addArm(m: number): void {
    this.n[m] = 0;
    this.sum[m] = 0;
  }

  removeArm(_m: number): void {}
}

export const ucb1Factory: PolicyFactory<Ucb1Params> = {
  name: 'ucb1',
  description: 'non-contextual UCB1 (docs/model.md §10.6)',
  contextual: false,
  params: [{ name: 'c', default: 1, min: 0, description: 'exploration weight c on sqrt(2 ln N / n)' }],
  rewardIndependent: false,
  hindsight: false,
  create: (env, p) => new Ucb1(env, p),
};
