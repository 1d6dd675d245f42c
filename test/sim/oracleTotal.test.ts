/**
 * summary.oracle.totalReward is the reference regret is measured against: under the latency filter the best
 * feasible model per query (docs/model.md §3, §5.7), so oracle total − a policy's total reward = its final
 * regret. The expected totals are recomputed here by brute force from the table.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/app/simulate.js';
import { runExperiment } from '../../src/app/experiment.js';
import { loadGreenservPool } from '../../src/data/builtin/greenserv-pool.js';
import type { PoolTable } from '../../src/data/pool.js';
import { buildRewards } from '../../src/sim/reward.js';

/** Σ_q max reward over the models whose mean latency on q's task is ≤ s (every model when none is), and the number of queries with a present cell. */
async function feasibleOracle(t: PoolTable, lambda: number, s: number): Promise<{ total: number; n: number }> {
  const rw = await buildRewards(t, { lambda });
  const M = t.nModels;
  const lat = t.latencyS!;
  const mean = new Map<string, number>();
  for (const task of t.tasks) {
    for (let m = 0; m < M; m++) {
      let sum = 0;
      let n = 0;
      for (let q = 0; q < t.nQueries; q++) {
        const i = q * M + m;
        if (t.tasks[t.queryTask[q]] === task && t.present[i] && !Number.isNaN(lat[i])) {
          sum += lat[i];
          n++;
        }
      }
      mean.set(`${task}/${m}`, n ? sum / n : Infinity);
    }
  }
  let total = 0;
  let n = 0;
  for (let q = 0; q < t.nQueries; q++) {
    const task = t.tasks[t.queryTask[q]];
    const ok = Array.from({ length: M }, (_, m) => mean.get(`${task}/${m}`)! <= s);
    const anyOk = ok.some((x) => x);
    let best = -Infinity;
    for (let m = 0; m < M; m++) if (t.present[q * M + m] && (!anyOk || ok[m])) best = Math.max(best, rw.rewards[q * M + m]);
    if (best > -Infinity) {
      total += best;
      n++;
    }
  }
  return { total, n };
}

describe('oracle total under --max-latency', () => {
  it('simulate: is the best feasible model per query, and oracle total − total reward = final regret', async () => {
    const t = loadGreenservPool();
    const want = await feasibleOracle(t, 0.4, 2.5);
    const s = await simulate({ policies: ['random', 'linucb', 'oracle'], runs: 2, seed: 3, lambda: 0.4, maxLatency: 2.5 });
    expect(s.oracle.totalReward).toBeCloseTo(want.total, 8);
    expect(s.oracle.meanReward).toBeCloseTo(want.total / want.n, 12);
    const Q = s.dataset.queries;
    for (const p of s.policies) for (const r of p.perRun) expect(r.finalRegret + r.reward * Q).toBeCloseTo(s.oracle.totalReward, 8);
    expect(s.policies[2].finalRegret.mean).toBe(0);
  });

  it('experiment run: oracleTotal with maxLatency is the same feasible total', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-oracle-'));
    writeFileSync(join(dir, 'lat.yaml'), 'name: lat\nruns: 2\nseed: 3\nlambdas: [0.4]\nmaxLatency: 2.5\narms:\n  - policy: linucb\n  - policy: random\n');
    const { summary } = await runExperiment(join(dir, 'lat.yaml'), { out: join(dir, 'out'), charts: false });
    const want = await feasibleOracle(loadGreenservPool(), 0.4, 2.5);
    expect(summary.oracleTotal[0]).toBeCloseTo(want.total, 8);
    const Q = summary.dataset.queries;
    for (const c of summary.cells) expect(c.finalRegret.mean + c.reward.mean * Q).toBeCloseTo(want.total, 8);
  });

  it('oracle: full under pool events ranges over every feasible model, not the pool of the moment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-oracle-'));
    const pool = 'pool:\n  exclude: [phi-4-mini-4b]\n  events:\n    - {step: 800, remove: [llama-3.1-8b], add: [phi-4-mini-4b]}\n';
    writeFileSync(join(dir, 'ev.yaml'), `name: ev\nruns: 2\nseed: 3\nlambdas: [0.4]\nmaxLatency: 2.5\noracle: full\narms:\n  - policy: linucb\n  - policy: random\n${pool}`);
    const { summary } = await runExperiment(join(dir, 'ev.yaml'), { out: join(dir, 'out'), charts: false });
    const want = await feasibleOracle(loadGreenservPool(), 0.4, 2.5);
    expect(summary.oracleTotal[0]).toBeCloseTo(want.total, 8);
    const Q = summary.dataset.queries;
    for (const c of summary.cells) for (const r of c.perRun) expect(r.finalRegret + r.reward * Q).toBeCloseTo(want.total, 8);
  });
});
