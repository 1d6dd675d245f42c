// A policy plugin for greenserv: Boltzmann (softmax) exploration over each model's mean reward.
//
//   npx greenserv simulate --policy-module examples/policies/softmax.mjs --policies softmax-example,linucb
//   npx greenserv simulate --policy-module examples/policies/softmax.mjs --policies softmax-example,random \
//       --param softmax-example.temperature=0.02
//
// A plugin module exports a policy factory (or an array of them) as its default export. The factory's
// `create(env, params)` gets the policy's environment — contexts, model descriptions and its own seeded
// random generator `env.rng` — and the parameters, parsed and checked against `params`. The policy sees
// only the models it may choose from and the reward of the model it chose. Draw randomness from `env.rng`
// only: then the same seed gives byte-identical results, in any number of worker threads.

/** P(model m) ∝ exp(mean_m / temperature) over the allowed models; a model never tried counts `initial`. */
class Softmax {
  name = 'softmax-example';

  constructor(env, params) {
    this.rng = env.rng;
    this.temperature = params.temperature;
    this.initial = params.initial;
    this.count = new Float64Array(env.nModels);
    this.sum = new Float64Array(env.nModels);
    // one reusable buffer: no allocation per decision
    this.weight = new Float64Array(env.nModels);
  }

  mean(m) {
    return this.count[m] === 0 ? this.initial : this.sum[m] / this.count[m];
  }

  select(_q, arms, n) {
    // subtract the largest mean so exp() cannot overflow at small temperatures
    let best = -Infinity;
    for (let i = 0; i < n; i++) best = Math.max(best, this.mean(arms[i]));
    let total = 0;
    for (let i = 0; i < n; i++) {
      this.weight[i] = Math.exp((this.mean(arms[i]) - best) / this.temperature);
      total += this.weight[i];
    }
    let u = this.rng.next() * total;
    for (let i = 0; i < n; i++) {
      u -= this.weight[i];
      if (u < 0) return arms[i];
    }
    return arms[n - 1];
  }

  // exact probability of choosing m in the current state, for routing logs (simulate --log)
  propensity(_q, arms, n, m) {
    let best = -Infinity;
    for (let i = 0; i < n; i++) best = Math.max(best, this.mean(arms[i]));
    let total = 0;
    for (let i = 0; i < n; i++) total += Math.exp((this.mean(arms[i]) - best) / this.temperature);
    return Math.exp((this.mean(m) - best) / this.temperature) / total;
  }

  update(_q, arm, reward) {
    this.count[arm] += 1;
    this.sum[arm] += reward;
  }

  addArm(m) {
    this.count[m] = 0;
    this.sum[m] = 0;
  }

  removeArm() {}
}

export default {
  name: 'softmax-example',
  description: 'Boltzmann exploration over mean rewards (examples/policies/softmax.mjs)',
  contextual: false,
  rewardIndependent: false,
  hindsight: false,
  params: [
    { name: 'temperature', default: 0.05, positive: true, description: 'softmax temperature τ (smaller: greedier)' },
    { name: 'initial', default: 1, min: 0, max: 1, description: 'mean reward assumed for a model not yet tried' },
  ],
  create: (env, params) => new Softmax(env, params),
};
