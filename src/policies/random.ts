import { PoolPolicy, uniformArm, type PolicyEnv, type PolicyFactory } from './policy.js';

/** Uniform choice among the current (feasible) arms (spec §4.5). Seeded per run (the reference never reseeds it, §9.12). */
class RandomPolicy extends PoolPolicy {
  readonly name = 'random';
  constructor(env: PolicyEnv) {
    super(env);
  }
  select(q: number): number {
    return uniformArm(this.set, this.env.feasible, q, this.env.nModels, this.env.rng);
  }
  update(): void {}
}

export const randomFactory: PolicyFactory = {
  name: 'random',
  description: 'uniformly random model from the current pool',
  contextual: false,
  params: [],
  create: (env) => new RandomPolicy(env),
};
