import { ArgMax } from './argmax.js';
import type { Policy, PolicyEnv, PolicyFactory } from './policy.js';

type Ucb1Params = { c: number };

/**
 * UCB1 (docs/model.md §11.6), non-contextual: an untried model first, else the largest
 * mean_m + c·sqrt(2·ln N / n_m), N = feedback received so far. Ties follow env.rules.ties.
 */
class Ucb1 implements Policy {
  readonly name = 'ucb1';
  private readonly n: Float64Array;
  private readonly sum: Float64Array;
  private total = 0;
  private readonly am: ArgMax;
  private readonly uniformTies: boolean;

  constructor(
    env: PolicyEnv,
    private readonly p: Ucb1Params,
  ) {
    this.n = new Float64Array(env.nModels);
    this.sum = new Float64Array(env.nModels);
    this.uniformTies = env.rules.ties === 'uniform';
    this.am = new ArgMax(this.uniformTies, env.rng);
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

  /** 1/|G| for m among the models G tied at the largest index, else 0; the first of G under `first` ties (docs/model.md §9). */
  propensity(_q: number, arms: Int32Array, na: number, m: number): number {
    let best = -Infinity;
    let ties = 0;
    let first = -1;
    for (let i = 0; i < na; i++) {
      const v = this.score(arms[i]);
      if (v > best || first < 0) {
        best = v;
        ties = 1;
        first = arms[i];
      } else if (v === best) ties++;
    }
    if (this.score(m) !== best) return 0;
    return this.uniformTies ? 1 / ties : m === first ? 1 : 0;
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
  description: 'non-contextual UCB1 (docs/model.md §11.6)',
  contextual: false,
  params: [{ name: 'c', default: 1, min: 0, description: 'exploration weight c on sqrt(2 ln N / n)' }],
  rewardIndependent: false,
  hindsight: false,
  create: (env, p) => new Ucb1(env, p),
};
