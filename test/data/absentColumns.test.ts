/**
 * Metrics a table does not have are not allocated: absent latency and token columns are null; energy, which
 * `energy estimate` fills in place, gets an all-NaN array. The table's hash is that of a table holding an
 * all-NaN array per absent column, so it does not depend on how absent columns are stored.
 */
import { describe, expect, it } from 'vitest';
import { energyPerToken, makePoolTable, tableSha256 } from '../../src/data/pool.js';

const base = () => ({
  name: 't',
  queryIds: ['a', 'b', 'c'],
  queryTasks: ['mmlu', 'gsm8k', 'mmlu'],
  models: [0, 1].map((m) => ({ id: `m${m}`, name: `m${m}`, paramsB: m + 1 })),
  accuracy: Float64Array.from([1, 0, 0, 1, 1, 1]),
});

describe('absent metric columns', () => {
  it('latency and tokens are null; energy is an all-NaN array of its own', () => {
    const t = makePoolTable(base());
    expect(t.latencyS).toBeNull();
    expect(t.inputTokens).toBeNull();
    expect(t.outputTokens).toBeNull();
    expect(t.costUsd).toBeNull();
    expect(t.energyJ).toHaveLength(6);
    expect(Array.from(t.energyJ).every(Number.isNaN)).toBe(true);
    // without tokens there is no energy per token
    t.energyJ[0] = 5;
    expect(Number.isNaN(energyPerToken(t, 0))).toBe(true);
  });

  it('the hash equals that of a table with an all-NaN array per absent column', () => {
    const nan = () => new Float64Array(6).fill(Number.NaN);
    const own = makePoolTable({ ...base(), latencyS: nan(), inputTokens: nan(), outputTokens: nan() });
    expect(own.latencyS).not.toBeNull();
    expect(tableSha256(makePoolTable(base()))).toBe(tableSha256(own));
  });

  it('given columns are kept as given', () => {
    const lat = Float64Array.from([1, 2, 3, 4, 5, 6]);
    const t = makePoolTable({ ...base(), latencyS: lat });
    expect(t.latencyS).toBe(lat);
    expect(t.inputTokens).toBeNull();
  });
});
