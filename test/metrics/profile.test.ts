import { describe, expect, it } from 'vitest';
import { makePoolTable } from '../../src/data/pool.js';
import { tenthFrontTable } from '../helpers/table.js';
import { loadTable } from '../../src/data/load.js';
import { buildProfile, quantile } from '../../src/metrics/profile.js';
import { meanSdCi } from '../../src/metrics/stats.js';
import { heatmapChartSpec, paretoChartSpec, profileCsv, profileJson, profileReportSection, profileTerminal } from '../../src/report/profile.js';
import { runSimulation } from '../../src/sim/run.js';

/** 4 queries (2 tasks) × 3 models with hand-checkable numbers. */
function small() {
  const Q = 4;
  const M = 3;
  const acc = [
    // q0 (a)  small, big, mid
    1, 1, 0,
    // q1 (a)
    0, 1, 1,
    // q2 (b)
    1, 1, 0,
    // q3 (b)
    0, 0.5, Number.NaN,
  ];
  const energy = [10, 100, 50, 20, 200, 60, 10, 100, 40, 30, 300, Number.NaN];
  const latency = [0.1, 1, 0.5, 0.2, 2, 0.6, 0.1, 1, 0.4, 0.3, 3, Number.NaN];
  const tin = Array(Q * M).fill(10);
  const tout = Array(Q * M).fill(0);
  const present = new Uint8Array(acc.map((a) => (Number.isNaN(a) ? 0 : 1)));
  return makePoolTable({
    name: 'small',
    queryIds: ['q0', 'q1', 'q2', 'q3'],
    queryTasks: ['a', 'a', 'b', 'b'],
    models: [
      { id: 'small', name: 'Small', paramsB: 1 },
      { id: 'big', name: 'Big', paramsB: 70 },
      { id: 'mid', name: 'Mid', paramsB: 8 },
    ],
    accuracy: Float64Array.from(acc),
    energyJ: Float64Array.from(energy),
    latencyS: Float64Array.from(latency),
    inputTokens: Float64Array.from(tin),
    outputTokens: Float64Array.from(tout),
    present,
  });
}

/** 1 query × M models with accuracy and no energy: none can be placed on the accuracy-vs-energy front. */
function withoutEnergy(M: number) {
  const ids = Array.from({ length: M }, (_, m) => `m${m}`);
  return makePoolTable({
    name: 'noenergy',
    queryIds: ['q0'],
    queryTasks: ['a'],
    models: ids.map((id) => ({ id, name: id, paramsB: Number.NaN })),
    accuracy: Float64Array.from(ids, (_, m) => m % 2),
    present: new Uint8Array(M).fill(1),
  });
}

describe('the per-task heatmap of many models', () => {
  it('a spec Vega can run at 1,500 models: rows placed by a rank field, not a sort list (one nested condition per model)', async () => {
    const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
    const p = await buildProfile(withoutEnergy(1500), { lambda: 0.5 });
    const spec = heatmapChartSpec(p);
    const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
    await view.runAsync();
    // 40 rows: no model is on a front without energy, so the best 40 by mean reward (the odd ones, accuracy 1),
    // ties in table order
    const rows = (view.data('data_0') as { model: string }[]).map((d) => d.model);
    const odd = Array.from({ length: 40 }, (_, k) => `m${2 * k + 1}`);
    expect([...new Set(rows)].sort()).toEqual([...odd].sort());
    expect(JSON.stringify(spec)).toContain('40 of 1,500 models: the Pareto front, then the best by mean reward at λ = 0.5; profile.csv has every model');
    view.finalize();
  });

  it('up to 40 models every model has its row; beyond, the front and then the best by mean reward', async () => {
    const rows = async (M: number): Promise<string[]> => {
      const t = tenthFrontTable(M);
      const p = await buildProfile(t, { lambda: 0.5 });
      const v = (heatmapChartSpec(p) as unknown as { data: { values: { model: string }[] } }).data.values;
      return [...new Set(v.map((x) => x.model))];
    };
    expect((await rows(40)).length).toBe(40);
    const front = Array.from({ length: 30 }, (_, k) => `m${10 * k}`);
    const cheapestRest = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9', 'm11'];
    expect((await rows(300)).sort()).toEqual([...front, ...cheapestRest].sort());
  });
});

describe('the note on models left off the front', () => {
  it('names every model when there are at most 10', async () => {
    const p = await buildProfile(withoutEnergy(3), { lambda: 0.5 });
    expect(p.notes).toContain('no accuracy or energy for: m0, m1, m2 (not ranked on the front)');
  });

  it('names the first 10 and counts the rest (docs/limits.md), as every list in a message does; the JSON keeps them all', async () => {
    const p = await buildProfile(withoutEnergy(12), { lambda: 0.5 });
    expect(p.notes).toContain('no accuracy or energy for: m0, m1, m2, m3, m4, m5, m6, m7, m8, m9 and 2 more (not ranked on the front)');
    expect(p.unranked).toHaveLength(12);
  });
});

describe('buildProfile on a hand-made table', () => {
  it('per model and per task figures', async () => {
    const t = small();
    const p = await buildProfile(t, { lambda: 0.5 });
    expect(p.schemaVersion).toBe(1);
    expect(p.dataset).toMatchObject({ name: 'small', queries: 4, models: 3, tasks: ['a', 'b'], missingCells: 1 });
    const [s, b, m] = p.models;
    expect(s.n).toBe(4);
    expect(s.accuracy.mean).toBeCloseTo(0.5, 12);
    const ci = meanSdCi([1, 0, 1, 0]).ci95;
    expect(s.accuracy.ci95![0]).toBeCloseTo(ci[0], 12);
    expect(s.accuracy.ci95![1]).toBeCloseTo(ci[1], 12);
    expect(s.energyJ).toBeCloseTo(17.5, 12);
    expect(s.energyWh).toBeCloseTo(17.5 / 3600, 15);
    expect(s.totalEnergyWh).toBeCloseTo(70 / 3600, 15);
    expect(s.energyPerTokenJ).toBeCloseTo(1.75, 12);
    expect(s.energyPerCorrectJ).toBeCloseTo(70 / 2, 12);
    expect(s.latencyS.p50).toBeCloseTo(0.15, 12);
    expect(s.latencyS.p95).toBeCloseTo(quantile([0.1, 0.2, 0.1, 0.3], 0.95), 12);
    expect(s.inputTokens).toBe(10);
    expect(s.outputTokens).toBe(0);
    expect(s.tasks.a.accuracy.mean).toBeCloseTo(0.5, 12);
    expect(s.tasks.b.energyJ).toBeCloseTo(20, 12);
    // graded accuracy counts as fractional credit
    expect(b.energyPerCorrectJ).toBeCloseTo(700 / 3.5, 12);
    // the missing cell is skipped, not counted
    expect(m.n).toBe(3);
    expect(m.tasks.b.n).toBe(1);
    expect(m.accuracy.mean).toBeCloseTo(1 / 3, 12);
  });

  it('front, dominators and static baselines', async () => {
    const p = await buildProfile(small(), { lambda: 0.5 });
    // small: 0.5 @ 17.5 J; big: 0.875 @ 175 J; mid: 1/3 @ 50 J → mid dominated by small
    expect(p.pareto).toEqual(['small', 'big']);
    expect(p.dominated).toEqual([{ id: 'mid', by: ['small'] }]);
    expect(p.models.find((x) => x.id === 'mid')!.dominatedBy).toEqual(['small']);
    expect(p.baselines).toMatchObject({ largest: 'big', smallest: 'small', mostAccurate: 'big' });
    // λ = 1: only energy counts, so the cheapest per token wins; λ = 0: accuracy
    expect((await buildProfile(small(), { lambda: 1 })).bestStatic).toBe('small');
    expect((await buildProfile(small(), { lambda: 0 })).bestStatic).toBe('big');
    // task a: mid ties small on accuracy at higher energy
    expect(p.taskPareto.a).toEqual(['small', 'big']);
    expect(p.taskPareto.b).toEqual(['small', 'big']);
  });

  it('writes CSV, JSON, terminal text, chart specs and a self-contained HTML section', async () => {
    const p = await buildProfile(small(), { lambda: 0.5 });
    const json = JSON.parse(profileJson(p));
    expect(json.pareto).toEqual(['small', 'big']);
    expect(json.bestStatic).toBe(p.bestStatic);
    expect(json.models).toHaveLength(3);
    const csv = profileCsv(p).trim().split('\n');
    expect(csv[0].split(',')).toContain('energy_per_correct_j');
    expect(csv).toHaveLength(1 + 3 + 6); // header, one row per model, one per (model, task)
    const term = profileTerminal(p);
    expect(term).toMatch(/Pareto front \(accuracy vs J\/query, cheapest first\): small, big/);
    expect(term).toMatch(/mid is dominated by small/);
    const ps = paretoChartSpec(p) as unknown as { layer: unknown[]; data: { values: { id: string }[] } };
    expect(ps.data.values.map((v) => v.id).sort()).toEqual(['big', 'mid', 'small']);
    expect(JSON.stringify(ps)).toMatch(/Mean energy per query \(J, log scale\)/);
    expect(JSON.stringify(heatmapChartSpec(p))).toMatch(/Mean energy per query \(J\)/);
    const html = profileReportSection(p);
    expect(html).toMatch(/^<section/);
    expect(html).toMatch(/<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(html).not.toMatch(/<script|<link|src="http/);
    expect(html).toMatch(/Best static model at λ = 0.5: <strong>/);
    // a table with a column per task may scroll inside the page (a narrow window), never widen it
    const tables = html.match(/<table/g)?.length ?? 0;
    expect(tables).toBeGreaterThan(0);
    expect(html.match(/<div class="wide"><table class="profile">/g)?.length ?? 0).toBe(tables);
  });
});

describe('buildProfile on the built-in pool', () => {
  it('agrees with the simulator on the static baselines and puts the cheapest model on the front', async () => {
    const t = await loadTable('greenserv-pool');
    const p = await buildProfile(t, { lambda: 0.5 });
    expect(p.models).toHaveLength(16);
    expect(p.pareto.length).toBeGreaterThan(2);
    const cheapest = [...p.models].sort((a, b) => a.energyJ! - b.energyJ!)[0];
    expect(p.pareto[0]).toBe(cheapest.id);
    expect(p.baselines.largest).toBe('yi-34b');
    expect(p.baselines.smallest).toBe('qwen2.5-0.5b');
    // the simulator's best-static policy must pick the same model
    const sim = await runSimulation(t, { policies: ['best-static', 'most-accurate'], params: [], lambda: 0.5, runs: 1, seed: 1, semantics: 'paper', features: [], recordSteps: false });
    const sel = (k: number) => sim.result.metrics[k][0].selection;
    const chosen = (k: number) => t.models[sel(k).findIndex((x: number) => x > 0)].id;
    expect(chosen(0)).toBe(p.bestStatic);
    expect(chosen(1)).toBe(p.baselines.mostAccurate);
    // per-task shares add up: every model has all five tasks
    for (const m of p.models) expect(Object.keys(m.tasks)).toEqual(t.tasks);
    // total energy per model over 2,500 queries matches the per-query mean
    for (const m of p.models) expect(m.totalEnergyWh! * 3600).toBeCloseTo(m.energyJ! * 2500, 6);
  });
});
