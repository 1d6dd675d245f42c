import { describe, expect, it } from 'vitest';
import { buildRewards } from '../../src/sim/reward.js';
import { randomTable } from '../helpers/table.js';

describe('reward table (spec §2)', () => {
  const t = randomTable(5, 60, 4, { missing: 0.1 });

  it('equals clip((1−λ)·acc + λ·(1 − e), 0, 1) with per-task min–max energy per token; misses score 0', async () => {
    for (const lambda of [0, 0.3, 1]) {
      const rw = await buildRewards(t, { lambda });
      for (let q = 0; q < t.nQueries; q++) {
        const task = t.tasks[t.queryTask[q]];
        // independent bounds: min/max over present cells of this task
        let lo = Infinity;
        let hi = -Infinity;
        for (let p = 0; p < t.nQueries; p++) {
          if (t.tasks[t.queryTask[p]] !== task) continue;
          for (let m = 0; m < t.nModels; m++) {
            const i = p * t.nModels + m;
            if (!t.present[i]) continue;
            const e = t.energyJ[i] / (t.inputTokens[i] + t.outputTokens[i]);
            lo = Math.min(lo, e);
            hi = Math.max(hi, e);
          }
        }
        let best = -Infinity;
        for (let m = 0; m < t.nModels; m++) {
          const i = q * t.nModels + m;
          if (!t.present[i]) {
            expect(rw.rewards[i]).toBe(0);
            continue;
          }
          const e = (t.energyJ[i] / (t.inputTokens[i] + t.outputTokens[i]) - lo) / (hi - lo);
          const r = Math.min(1, Math.max(0, (1 - lambda) * t.accuracy[i] + lambda * (1 - e)));
          expect(rw.rewards[i]).toBeCloseTo(r, 12);
          best = Math.max(best, r);
        }
        if (best > -Infinity) expect(rw.oracle[q]).toBeCloseTo(best, 12);
        else expect(rw.oracle[q]).toBeNaN();
      }
    }
  });

  it('substitutes 0.5 for an undefined energy term (zero tokens)', async () => {
    const u = randomTable(6, 10, 2);
    u.inputTokens[0] = 0;
    u.outputTokens[0] = 0;
    const rw = await buildRewards(u, { lambda: 1 });
    expect(rw.rewards[0]).toBe(0.5);
  });

  it('a custom expression equal to the built-in formula gives the same table', async () => {
    const a = await buildRewards(t, { lambda: 0.4 });
    const b = await buildRewards(t, { lambda: 0.4, expression: 'min(1, max(0, (1 - lambda) * accuracy + lambda * (1 - energy_norm)))' });
    for (let i = 0; i < a.rewards.length; i++) expect(b.rewards[i]).toBeCloseTo(a.rewards[i], 12);
  });

  it('a custom expression can use the raw metrics', async () => {
    const b = await buildRewards(t, { lambda: 0.5, expression: 'accuracy - 0.001 * energy_j / tokens + latency_s * 0' });
    const i = t.present.indexOf(1);
    expect(b.rewards[i]).toBeCloseTo(t.accuracy[i] - (0.001 * t.energyJ[i]) / (t.inputTokens[i] + t.outputTokens[i]), 12);
  });

  it('rejects unknown names, unknown functions, assignments and non-finite results', async () => {
    await expect(buildRewards(t, { lambda: 0.5, expression: 'acuracy * 2' })).rejects.toThrow(/unknown name 'acuracy'.*allowed: variables accuracy/);
    await expect(buildRewards(t, { lambda: 0.5, expression: 'frobnicate(accuracy)' })).rejects.toThrow(/function 'frobnicate' is not allowed/);
    await expect(buildRewards(t, { lambda: 0.5, expression: 'x = 1' })).rejects.toThrow(/assignments/);
    await expect(buildRewards(t, { lambda: 0.5, expression: 'accuracy / 0 * 0 + 1 / (accuracy - accuracy)' })).rejects.toThrow(/non-finite/);
    await expect(buildRewards(t, { lambda: 0.5, expression: 'cost_usd' })).rejects.toThrow(/non-finite value \(NaN\)/);
    await expect(buildRewards(t, { lambda: 0.5, expression: '(((' })).rejects.toThrow(/cannot parse/);
  });

  it('rejects λ outside [0, 1] and a dollar cost the table does not have', async () => {
    await expect(buildRewards(t, { lambda: 1.5 })).rejects.toThrow(/λ must be in \[0, 1\]/);
    await expect(buildRewards(t, { lambda: 0.5, cost: 'usd' })).rejects.toThrow(/no cost_usd/);
  });
});
