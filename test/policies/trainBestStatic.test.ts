import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { decisionRules } from '../../src/core/semantics.js';
import { encodeContexts } from '../../src/features/context.js';
import type { TrainData } from '../../src/policies/policy.js';
import { trainBestStaticFactory, trainMeanReward } from '../../src/policies/trainBestStatic.js';
import { randomTable } from '../helpers/table.js';

describe('train-best-static', () => {
  it('picks the model with the best reward per train row, an absent cell counting 0 as it scores when chosen', () => {
    const t = randomTable(5, 6, 3);
    const ctx = encodeContexts(t, { layout: 'paper', features: ['task'] });
    // rows 0..2 are train; on them model 2 is best, on the other rows model 0 would be
    const R = [0.1, 0.2, 0.9, 0.3, 0.1, 0.5, 0.2, 0.8, Number.NaN, 0.9, 0.1, 0.1, 0.9, 0.1, 0.1, 0.9, 0.1, 0.1];
    const present = Uint8Array.from(R, (r) => (Number.isNaN(r) ? 0 : 1));
    const train: TrainData = { queries: Int32Array.from([0, 1, 2]), rewards: Float64Array.from(R), accuracy: Float64Array.from(R), cost: new Float64Array(18), present, lambda: 0.5 };
    // by hand: model 0 (0.1+0.3+0.2)/3 = 0.2, model 1 (0.2+0.1+0.8)/3 ≈ 0.367, model 2 (0.9+0.5+0)/3 ≈ 0.467
    const mean = trainMeanReward(train, 3);
    expect(mean[0]).toBeCloseTo(0.2, 12);
    expect(mean[1]).toBeCloseTo(1.1 / 3, 12);
    expect(mean[2]).toBeCloseTo(1.4 / 3, 12);
    const env = { contexts: ctx, models: t.models, nModels: 3, initialArms: [0, 1, 2], rng: new Rng(1), horizon: ctx.nQueries, rules: decisionRules('paper') };
    const p = trainBestStaticFactory.create(env, {}, undefined, train);
    const all = Int32Array.from([0, 1, 2]);
    for (let q = 3; q < 6; q++) expect(p.select(q, all, 3)).toBe(2);
    // when the best model is not allowed, the next by train mean
    expect(p.select(4, Int32Array.from([0, 1]), 2)).toBe(1);
    p.removeArm(2);
    expect(p.select(4, Int32Array.from([0, 1]), 2)).toBe(1);
  });
});
