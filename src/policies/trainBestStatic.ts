import type { PolicyFactory, TrainData } from './policy.js';
import { rankBy, StaticPolicy } from './static.js';

type NoParams = Record<string, never>;

/**
 * Per-model reward per train query, a missing cell counting 0 as the engine scores it when chosen (NaN for a
 * model without any present cell): a mean over present cells would favour a model measured on few queries.
 */
export function trainMeanReward(train: TrainData, nModels: number): Float64Array {
  const sum = new Float64Array(nModels);
  const cnt = new Float64Array(nModels);
  for (const q of train.queries) {
    const base = q * nModels;
    for (let m = 0; m < nModels; m++) {
      const r = train.rewards[base + m];
      if (!train.present[base + m] || Number.isNaN(r)) continue;
      sum[m] += r;
      cnt[m]++;
    }
  }
  const out = new Float64Array(nModels);
  for (let m = 0; m < nModels; m++) out[m] = cnt[m] ? sum[m] / train.queries.length : Number.NaN;
  return out;
}

/**
 * `train-best-static`: always the model with the best mean reward on the train part (docs/model.md §13), the
 * static router one could honestly deploy; the protocol's gap closed is measured against it.
 */
export const trainBestStaticFactory: PolicyFactory<NoParams> = {
  name: 'train-best-static',
  description: 'always the model with the best mean reward on the train part (needs --split or --train)',
  contextual: false,
  params: [],
  rewardIndependent: false,
  hindsight: false,
  train: true,
  create(env, _p, _h, train) {
    if (!train) throw new Error("policy 'train-best-static' needs train data");
    const mean = trainMeanReward(train, env.nModels);
    return new StaticPolicy('train-best-static', env, rankBy(env.nModels, (m) => mean[m]));
  },
};
