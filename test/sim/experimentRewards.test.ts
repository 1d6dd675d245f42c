/**
 * An experiment holds the reward tables of one λ at a time: asking for another λ drops the previous one's
 * (a λ asked for again is rebuilt to the same values), and the summary's per-model reward sums, made one λ
 * at a time, equal the sums over the full tables.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExperimentContext } from '../../src/sim/experiment.js';
import { parseExperiment } from '../../src/sim/experimentConfig.js';
import { loadTable } from '../../src/data/load.js';
import { rewardDigest } from '../../src/metrics/experiment.js';

describe('experiment reward tables per λ', () => {
  it('keeps only the latest λ and rebuilds an earlier one to the same values', async () => {
    const cfg = parseExperiment(readFileSync(resolve(__dirname, '../../experiments/x3-lambda-sweep.yaml'), 'utf8'), 'x3-lambda-sweep');
    const table = await loadTable(cfg.dataset);
    const ctx = new ExperimentContext(table, cfg);
    const p0 = ctx.rewardTable(0);
    expect(ctx.rewardTable(0)).toBe(p0); // cached while λ 0 is in use
    const first = await p0;
    const r1 = await ctx.rewardTable(1);
    expect(r1.lambda).toBe(cfg.lambdas[1]);
    const again = ctx.rewardTable(0);
    expect(again).not.toBe(p0); // dropped when λ 1 was asked for
    const rebuilt = await again;
    expect(Array.from(rebuilt.rewards)).toEqual(Array.from(first.rewards));

    // per-model sums over present cells and the oracle total, computed independently
    const d = rewardDigest(table, rebuilt);
    const M = table.nModels;
    for (let m = 0; m < M; m++) {
      let s = 0;
      for (let q = 0; q < table.nQueries; q++) if (table.present[q * M + m]) s += rebuilt.rewards[q * M + m];
      expect(d.modelSum[m]).toBe(s);
    }
    expect(d.oracleTotal).toBeCloseTo(Array.from(rebuilt.oracle).reduce((a, b) => a + (Number.isNaN(b) ? 0 : b), 0), 9);
  });
});
