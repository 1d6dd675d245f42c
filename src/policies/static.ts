import { UsageError } from '../core/errors.js';
import { needHindsight, StatelessPolicy, type PolicyEnv, type PolicyFactory } from './policy.js';

type NoParams = Record<string, never>;

/**
 * A static baseline: a fixed ranking of models; it always picks the best-ranked allowed model (so it still
 * answers after its model is removed, or under a latency filter). Spec §4.5.
 */
export class StaticPolicy extends StatelessPolicy {
  /** Position of each model in the ranking. */
  private readonly rank: Int32Array;
  private readonly inPool: Uint8Array;
  private poolSize = 0;
  /** Best-ranked model in the pool. */
  private top = -1;

  constructor(
    readonly name: string,
    env: PolicyEnv,
    private readonly ranking: readonly number[],
  ) {
    super();
    this.rank = new Int32Array(ranking.length);
    ranking.forEach((m, i) => (this.rank[m] = i));
    this.inPool = new Uint8Array(env.nModels);
    for (const m of env.initialArms) this.addArm(m);
  }

  select(_q: number, arms: Int32Array, n: number): number {
    // the allowed arms are a subset of the pool: as many as the pool means all of it
    if (n === this.poolSize) return this.top;
    let best = arms[0];
    for (let i = 1; i < n; i++) if (this.rank[arms[i]] < this.rank[best]) best = arms[i];
    return best;
  }

  /** Deterministic: 1 for the model `select` returns, 0 otherwise (docs/model.md §9). */
  propensity(q: number, arms: Int32Array, n: number, m: number): number {
    return this.select(q, arms, n) === m ? 1 : 0;
  }

  override addArm(m: number): void {
    if (this.inPool[m]) return;
    this.inPool[m] = 1;
    this.poolSize++;
    if (this.top < 0 || this.rank[m] < this.rank[this.top]) this.top = m;
  }

  override removeArm(m: number): void {
    if (!this.inPool[m]) return;
    this.inPool[m] = 0;
    this.poolSize--;
    if (m === this.top) this.top = this.ranking.find((x) => this.inPool[x] === 1) ?? -1;
  }
}

/** Indices sorted by key descending; ties keep table order. */
export function rankBy(n: number, key: (m: number) => number): number[] {
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
    return new StaticPolicy('largest', env, rankBy(env.nModels, (m) => env.models[m].paramsB));
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
    return new StaticPolicy('smallest', env, rankBy(env.nModels, (m) => -env.models[m].paramsB));
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
    return new StaticPolicy('most-accurate', env, rankBy(env.nModels, (m) => meanAccuracy[m]));
  },
};

export const bestStaticFactory: PolicyFactory<NoParams> = {
  name: 'best-static',
  description: 'always the model with the best mean reward in hindsight (docs/model.md §5.5: the reference never reports it)',
  contextual: false,
  params: [],
  rewardIndependent: false,
  hindsight: true,
  create(env, _p, h) {
    const { meanReward, staticReward } = needHindsight('best-static', h);
    // over all queries (a missing cell scores 0): the mean over present cells favours a model measured on few
    const key = staticReward ?? meanReward;
    return new StaticPolicy('best-static', env, rankBy(env.nModels, (m) => key[m]));
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
      return new StaticPolicy(`static:${modelId}`, env, ranking);
    },
  };
}
