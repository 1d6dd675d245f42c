import type { ModelInfo } from '../../src/data/pool.js';
import { Rng } from '../../src/core/rng.js';
import type { ContextSet } from '../../src/features/context.js';
import type { HindsightData, PolicyEnv, Semantics } from '../../src/policies/policy.js';
import { decisionRules } from '../../src/core/semantics.js';

/** Contexts from dense rows (every entry stored, zeros included) for policy unit tests. */
export function contextsFromRows(rows: number[][]): ContextSet {
  const d = rows[0].length;
  const ptr = new Int32Array(rows.length + 1);
  const idx: number[] = [];
  const val: number[] = [];
  rows.forEach((r, q) => {
    r.forEach((v, j) => {
      if (v !== 0) {
        idx.push(j);
        val.push(v);
      }
    });
    ptr[q + 1] = idx.length;
  });
  return { d, nQueries: rows.length, ptr, idx: Int32Array.from(idx), val: Float64Array.from(val), names: rows[0].map((_, j) => `x${j}`) };
}

export function makeEnv(contexts: ContextSet, nModels: number, seed = 1, semantics: Semantics = 'paper'): PolicyEnv {
  const models: ModelInfo[] = Array.from({ length: nModels }, (_, m) => ({ id: `m${m}`, name: `m${m}`, paramsB: m + 1 }));
  return { contexts, models, nModels, initialArms: models.map((_, m) => m), rng: new Rng(seed), horizon: contexts.nQueries, rules: decisionRules(semantics) };
}

/** Hindsight data over a fully present table (baselines only). */
export function makeHindsight(rewards: Float64Array, nModels: number): HindsightData {
  return { rewards, present: new Uint8Array(rewards.length).fill(1), meanReward: new Float64Array(nModels), meanAccuracy: new Float64Array(nModels) };
}

/** Every arm of an 8-model pool, for select(). */
export const ALL_EIGHT = Int32Array.from({ length: 8 }, (_, m) => m);

/** n context rows [1, one-hot of 3 groups, uniform], seeded: an intercept, a category and a numeric feature. */
export function mixedRows(n: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const x = [1, 0, 0, 0, 0];
    x[1 + rng.int(3)] = 1;
    x[4] = rng.next();
    return x;
  });
}
