import { UsageError } from '../core/errors.js';
import { PoolPolicy, isFeasible, type PolicyEnv, type PolicyFactory } from './policy.js';

/**
 * A static baseline: a fixed ranking of models; it always picks the best-ranked model that is in the pool
 * and feasible (so it still answers after its model is removed, or under a latency filter). Spec §4.5.
 */
class StaticPolicy extends PoolPolicy {
  constructor(
    readonly name: string,
    env: PolicyEnv,
    private readonly ranking: readonly number[],
  ) {
    super(env);
  }
  select(q: number): number {
    const { member } = this.set;
    const M = this.env.nModels;
    for (const m of this.ranking) if (member[m] && isFeasible(this.env.feasible, q, M, m)) return m;
    for (const m of this.ranking) if (member[m]) return m;
    return this.set.list[0];
  }
  update(): void {}
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

export const largestFactory: PolicyFactory = {
  name: 'largest',
  description: 'always the model with the most parameters',
  contextual: false,
  params: [],
  create(env) {
    requireParams(env, 'largest');
    return new StaticPolicy('largest', env, rankBy(env.nModels, (m) => env.models[m].paramsB));
  },
};

export const smallestFactory: PolicyFactory = {
  name: 'smallest',
  description: 'always the model with the fewest parameters',
  contextual: false,
  params: [],
  create(env) {
    requireParams(env, 'smallest');
    return new StaticPolicy('smallest', env, rankBy(env.nModels, (m) => -env.models[m].paramsB));
  },
};

export const mostAccurateFactory: PolicyFactory = {
  name: 'most-accurate',
  description: 'always the model with the highest mean accuracy over the table',
  contextual: false,
  params: [],
  create: (env) => new StaticPolicy('most-accurate', env, rankBy(env.nModels, (m) => env.modelStats.meanAccuracy[m])),
};

export const bestStaticFactory: PolicyFactory = {
  name: 'best-static',
  description: 'always the model with the best mean reward in hindsight (spec §4.5: the reference never reports it)',
  contextual: false,
  params: [],
  create: (env) => new StaticPolicy('best-static', env, rankBy(env.nModels, (m) => env.modelStats.meanReward[m])),
};

/** `static:<model>`: always that model (then the rest in table order if it leaves the pool). */
export function staticModelFactory(modelIndex: number, modelId: string): PolicyFactory {
  return {
    name: `static:${modelId}`,
    description: `always ${modelId}`,
    contextual: false,
    params: [],
    create(env) {
      const ranking = [modelIndex, ...Array.from({ length: env.nModels }, (_, m) => m).filter((m) => m !== modelIndex)];
      return new StaticPolicy(`static:${modelId}`, env, ranking);
    },
  };
}
