import { ArgMax } from './argmax.js';
import { needHindsight, StatelessPolicy, type HindsightData, type PolicyFactory } from './policy.js';
import type { Rng } from '../core/rng.js';

/**
 * Hindsight oracle: the best reward among the allowed arms for each query, under drift the reward at the current
 * step (docs/model.md §11.2). Its regret against a pool oracle is 0.
 */
class OraclePolicy extends StatelessPolicy {
  readonly name = 'oracle';
  private readonly am: ArgMax;
  constructor(
    rng: Rng,
    private readonly M: number,
    private readonly h: HindsightData,
  ) {
    super();
    this.am = new ArgMax(false, rng);
  }
  select(q: number, arms: Int32Array, n: number): number {
    const { rewards, present, reward } = this.h;
    const base = q * this.M;
    this.am.reset();
    for (let i = 0; i < n; i++) {
      const m = arms[i];
      const k = base + m;
      this.am.offer(m, present[k] ? (reward ? reward(k) : rewards[k]) : -Infinity);
    }
    return this.am.result();
  }
}

export const oracleFactory: PolicyFactory<Record<string, never>> = {
  name: 'oracle',
  description: 'best model per query in hindsight (upper bound)',
  contextual: false,
  params: [],
  rewardIndependent: false,
  hindsight: true,
  create: (env, _p, h) => new OraclePolicy(env.rng, env.nModels, needHindsight('oracle', h)),
};
