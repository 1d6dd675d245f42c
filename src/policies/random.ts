import { StatelessPolicy, type PolicyEnv, type PolicyFactory } from './policy.js';

/** Uniform choice among the allowed arms (docs/model.md §5.5). Seeded per run (the reference never reseeds it, §9.12). */
class RandomPolicy extends StatelessPolicy {
  readonly name = 'random';
  constructor(private readonly env: PolicyEnv) {
    super();
  }
  select(_q: number, arms: Int32Array, n: number): number {
    return arms[this.env.rng.int(n)];
  }
  /** 1/n (docs/model.md §9). */
  propensity(_q: number, _arms: Int32Array, n: number): number {
    return 1 / n;
  }
}

export const randomFactory: PolicyFactory<Record<string, never>> = {
  name: 'random',
  description: 'uniformly random model from the current pool',
  contextual: false,
  params: [],
  rewardIndependent: true,
  hindsight: false,
  create: (env) => new RandomPolicy(env),
};
