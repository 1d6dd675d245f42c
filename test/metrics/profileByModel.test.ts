import { describe, expect, it } from 'vitest';
import { makePoolTable } from '../../src/data/pool.js';
import { buildProfile, quantile } from '../../src/metrics/profile.js';
import { meanSdCi } from '../../src/metrics/stats.js';
import { Rng } from '../../src/core/rng.js';

/** A random table: missing cells, NaN accuracy and energy, graded accuracy, latency, 3 tasks. */
function randomTable(seed: number, Q: number, M: number) {
  const rng = new Rng(seed);
  const n = Q * M;
  const accuracy = Float64Array.from({ length: n }, () => (rng.next() < 0.1 ? Number.NaN : rng.next() < 0.5 ? Math.round(rng.next()) : rng.next()));
  const energyJ = Float64Array.from({ length: n }, () => (rng.next() < 0.05 ? Number.NaN : 1 + rng.next() * 100));
  const latencyS = Float64Array.from({ length: n }, () => (rng.next() < 0.05 ? Number.NaN : rng.next() * 3));
  const present = Uint8Array.from({ length: n }, (_, i) => (Number.isNaN(accuracy[i]) && rng.next() < 0.5 ? 0 : 1));
  const estimated = Uint8Array.from({ length: n }, () => (rng.next() < 0.2 ? 1 : 0));
  const tasks = ['a', 'b', 'c'];
  const t = makePoolTable({
    name: 'random',
    queryIds: Array.from({ length: Q }, (_, q) => `q${q}`),
    queryTasks: Array.from({ length: Q }, () => tasks[Math.floor(rng.next() * 3)]),
    models: Array.from({ length: M }, (_, m) => ({ id: `m${m}`, name: `m${m}`, paramsB: m + 1 })),
    accuracy,
    energyJ,
    latencyS,
    present,
  });
  return { t, estimated };
}

/** The per-model figures straight from their definitions: each model's present cells in query order. */
function bruteForce(t: ReturnType<typeof randomTable>['t'], estimated: Uint8Array, m: number, task: number | null) {
  const cells: number[] = [];
  for (let q = 0; q < t.nQueries; q++) {
    const i = q * t.nModels + m;
    if (t.present[i] && (task === null || t.queryTask[q] === task)) cells.push(i);
  }
  const acc = cells.map((i) => t.accuracy[i]).filter((a) => !Number.isNaN(a));
  const en = cells.map((i) => t.energyJ[i]).filter(Number.isFinite);
  const lat = cells.map((i) => (t.latencyS as Float64Array)[i]).filter(Number.isFinite);
  const ci = acc.length ? meanSdCi(acc) : null;
  let s = 0;
  for (const e of en) s += e;
  return {
    n: cells.length,
    accuracy: ci ? [ci.mean, ci.ci95[0], ci.ci95[1]] : null,
    energyJ: en.length ? s / en.length : null,
    p95: lat.length ? quantile(lat, 0.95) : null,
    estimated: cells.filter((i) => estimated[i]).length,
  };
}

describe('buildProfile, one model at a time', () => {
  for (const [seed, Q, M] of [
    [1, 40, 7],
    [2, 13, 60],
    [3, 1, 5],
  ]) {
    it(`gives each model's and task's figures from its own cells (seed ${seed}, ${Q} × ${M})`, async () => {
      const { t, estimated } = randomTable(seed, Q, M);
      const p = await buildProfile(t, { lambda: 0.5, estimated });
      let missing = 0;
      for (let i = 0; i < Q * M; i++) missing += t.present[i] ? 0 : 1;
      expect(p.dataset.missingCells).toBe(missing);
      for (let m = 0; m < M; m++) {
        const got = p.models[m];
        const want = bruteForce(t, estimated, m, null);
        expect(got.id).toBe(`m${m}`);
        expect(got.n).toBe(want.n);
        expect(got.accuracy.mean === null ? null : [got.accuracy.mean, ...got.accuracy.ci95!]).toEqual(want.accuracy);
        expect(got.energyJ).toBe(want.energyJ);
        expect(got.latencyS.p95).toBe(want.p95);
        expect(got.estimatedEnergyCells).toBe(want.estimated);
        t.tasks.forEach((name, k) => {
          const w = bruteForce(t, estimated, m, k);
          const g = got.tasks[name];
          if (w.n === 0) return expect(g).toBeUndefined();
          expect(g.n).toBe(w.n);
          expect(g.accuracy.mean === null ? null : [g.accuracy.mean, ...g.accuracy.ci95!]).toEqual(w.accuracy);
          expect(g.energyJ).toBe(w.energyJ);
          expect(g.latencyS.p95).toBe(w.p95);
        });
      }
    });
  }
});
