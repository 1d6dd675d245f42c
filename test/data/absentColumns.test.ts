/**
 * Metrics a table does not have are not allocated once per column: absent latency and token columns share
 * one all-NaN array; energy, which `energy estimate` fills in place, keeps its own. The table, its hash and
 * what reads it are the same as with a separate NaN array per column.
 */
import { describe, expect, it } from 'vitest';
import { makePoolTable, tableSha256 } from '../../src/data/pool.js';

const base = () => ({
  name: 't',
  queryIds: ['a', 'b', 'c'],
  queryTasks: ['mmlu', 'gsm8k', 'mmlu'],
  models: [0, 1].map((m) => ({ id: `m${m}`, name: `m${m}`, paramsB: m + 1 })),
  accuracy: Float64Array.from([1, 0, 0, 1, 1, 1]),
});

describe('absent metric columns', () => {
  it('latency and tokens share one NaN array; energy has its own', () => {
    const t = makePoolTable(base());
    expect(t.latencyS.buffer).toBe(t.inputTokens.buffer);
    expect(t.outputTokens.buffer).toBe(t.latencyS.buffer);
    expect(t.energyJ.buffer).not.toBe(t.latencyS.buffer);
    for (const a of [t.latencyS, t.inputTokens, t.outputTokens, t.energyJ]) expect(Array.from(a).every(Number.isNaN)).toBe(true);
    // filling energy in place (as energy estimate does) leaves the other columns absent
    t.energyJ[0] = 5;
    expect(Number.isNaN(t.latencyS[0])).toBe(true);
  });

  it('the hash equals that of a table with a separate NaN array per column', () => {
    const nan = () => new Float64Array(6).fill(Number.NaN);
    const own = makePoolTable({ ...base(), latencyS: nan(), inputTokens: nan(), outputTokens: nan() });
    expect(own.latencyS.buffer).not.toBe(own.inputTokens.buffer);
    expect(tableSha256(makePoolTable(base()))).toBe(tableSha256(own));
  });

  it('given columns are kept as given', () => {
    const lat = Float64Array.from([1, 2, 3, 4, 5, 6]);
    const t = makePoolTable({ ...base(), latencyS: lat });
    expect(t.latencyS).toBe(lat);
    expect(t.inputTokens.buffer).toBe(t.outputTokens.buffer);
  });
});
