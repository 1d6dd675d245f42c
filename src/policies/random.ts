import { ArmSet, uniformArm, type Policy, type PolicyEnv, type PolicyFactory } from './policy.js';

/** Uniform choice among the current (feasible) arms (spec §4.5). Seeded per run (the reference never reseeds it, §9.12). */
class RandomPolicy implements Policy {
  readonly name = 'random';
  private readonly set: ArmSet;
  constructor(private readonly env: PolicyEnv) {
    this.set = new ArmSet(env.nModels, env.initialArms);
  }
  select(q: number): number {
    return uniformArm(this.set, this.env.feasible, q, this.env.nModels, this.env.rng);
  }
  update(): void {}
  addArm(m: number): void {
    this.set.add(m);
  }
  removeArm(m: number): void {
    this.set.remove(m);
  }
  arms(): readonly number[] {
    return this.set.list;
  }
}

export const randomFactory: PolicyFactory = {
  name: 'random',
  description: 'uniformly random model from the current pool',
  contextual: false,
  params: [],
  create: (env) => new RandomPolicy(env),
};
