import { UsageError } from '../core/errors.js';
import { needHindsight, StatelessPolicy, type PolicyEnv, type PolicyFactory } from './policy.js';

type NoParams = Record<string, never>;

/**
 * A static baseline: a fixed ranking of models; it always picks the best-ranked allowed model (so it still
 * answers after its model is removed, or under a latency filter). Spec §4.5.
 */
class StaticPolicy extends StatelessPolicy {
  /** Position of each model in the ranking. */
  private readonly rank: Int32Array;
  constructor(
    readonly name: string,
    ranking: readonly number[],
  ) {
    super();
    this.rank = new Int32Array(ranking.length);
    ranking.forEach((m, i) => (this.rank[m] = i));
  }
  select(_q: number, arms: Int32Array, n: number): number {
    let best = arms[0];
    for (let i = 1; i < n; i++) if (this.rank[arms[i]] < this.rank[best]) best = arms[i];
    return best;
  }
}

/** Indices sorted by key descending; ties keep table order. */
function rankBy(n: number, key: (m: number) => number): number[] {
  const idx = Array.from({ length: n }, (_, m) => m);
  return idx.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    const va = Number.isNaN(ka) ? -Infinity : ka;
    const vb = Number.isNaN(kb) ? -Infinity : kb;
    return vb - va || a - b;
  });
}

function requireParams(env: PolicyEnv, what: string): void {
  if (env.models.every((m) => Number.isNaN(m.paramsB))) {
    throw new UsageError(`policy '${what}' needs model parameter counts; the dataset has none (give a models file with params_b)`);
  }
}

export const largestFactory: PolicyFactory<NoParams> = {
  name: 'largest',
  description: 'always the model with the most parameters',
  contextual: false,
  params: [],
  rewardIndependent: true,
  hindsight: false,
  create(env) {
    requireParams(env, 'largest');
    return new StaticPolicy('largest', rankBy(env.nModels, (m) => env.models[m].paramsB));
  },
};

export const smallestFactory: PolicyFactory<NoParams> = {
  name: 'smallest',
  description: 'always the model with the fewest parameters',
  contextual: false,
  params: [],
  rewardIndependent: true,
  hindsight: false,
  create(env) {
    requireParams(env, 'smallest');
    return new StaticPolicy('smallest', rankBy(env.nModels, (m) => -env.models[m].paramsB));
  },
};

export const mostAccurateFactory: PolicyFactory<NoParams> = {
  name: 'most-accurate',
  description: 'always the model with the highest mean accuracy over the table',
  contextual: false,
  params: [],
  // ranked by accuracy, whatever the reward's weights
  rewardIndependent: true,
  hindsight: true,
  create(env, _p, h) {
    const { meanAccuracy } = needHindsight('most-accurate', h);
    return new StaticPolicy('most-accurate', rankBy(env.nModels, (m) => meanAccuracy[m]));
  },
};

export const bestStaticFactory: PolicyFactory<NoParams> = {
  name: 'best-static',
  description: 'always the model with the best mean reward in hindsight (spec §4.5: the reference never reports it)',
  contextual: false,
  params: [],
  rewardIndependent: false,
  hindsight: true,
  create(env, _p, h) {
    const { meanReward } = needHindsight('best-static', h);
    return new StaticPolicy('best-static', rankBy(env.nModels, (m) => meanReward[m]));
  },
};

/** `static:<model>`: always that model (then the rest in table order if it leaves the pool). */
export function staticModelFactory(modelIndex: number, modelId: string): PolicyFactory<NoParams> {
  return {
    name: `static:${modelId}`,
    description: `always ${modelId}`,
    contextual: false,
    params: [],
    rewardIndependent: true,
    hindsight: false,
    create(env) {
      const ranking = [modelIndex, ...Array.from({ length: env.nModels }, (_, m) => m).filter((m) => m !== modelIndex)];
      return new StaticPolicy(`static:${modelId}`, ranking);
    },
  };
}
