import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ROUTERBENCH_SOURCE } from '../../src/app/evaluate.js';
import { loadRouterbench } from '../../src/app/routerbenchSource.js';
import { cachedPath, parseHfUri } from '../../src/data/hub.js';
import { FamilyMapper, remapTasks } from '../../src/data/families.js';
import { makePoolTable, type PoolTable } from '../../src/data/pool.js';
import { aiqPaper, aiqRouterbenchCode, nonDecreasingHull, routeLlmMetrics } from '../../src/metrics/aiq.js';
import { evaluateSweep, isFullZeroShot } from '../../src/metrics/routerbench.js';
import { PUBLISHED_TABLE1, ROUTERBENCH_0SHOT } from '../../src/metrics/routerbenchPublished.js';
import { buildRewards } from '../../src/sim/reward.js';
import { resolvePolicies } from '../../src/policies/registry.js';
import { DEFAULT_LAMBDAS, lambdaFree, parseLambdaGrid, runSweep, sweepIndex, type SweepResult } from '../../src/sim/sweep.js';
import { tinyRouterTable } from '../helpers/table.js';

const RB = resolve(__dirname, '../../../shared/data/routerbench');
const haveRb = existsSync(resolve(RB, 'arc_challenge_test.csv'));
if (!haveRb) console.warn(`skipping RouterBench real-data tests: ${RB} not found (shared reference data is absent)`);
const DIST_SWEEP = resolve(__dirname, '../../dist/src/sim/sweep.js');
// the full 0-shot pickle, only when a previous `--routerbench` run cached it (tests never download)
const FULL = cachedPath(parseHfUri(DEFAULT_ROUTERBENCH_SOURCE));
const haveFull = existsSync(FULL);
if (!haveFull) console.warn(`skipping the full RouterBench 0-shot check: ${FULL} is not cached`);

const tiny = tinyRouterTable;

describe('reward cost scale (RewardOptions.costScale)', () => {
  it('linear is the default and leaves rewards unchanged', async () => {
    const t = tiny();
    const a = await buildRewards(t, { lambda: 0.4, cost: 'usd' });
    const b = await buildRewards(t, { lambda: 0.4, cost: 'usd', costScale: 'linear' });
    expect(Array.from(b.rewards)).toEqual(Array.from(a.rewards));
    expect(a.costScale).toBe('linear');
    // family fb costs 2…8: the 4-dollar cell normalises to (4 − 2)/(8 − 2)
    expect(a.costNorm[5]).toBeCloseTo(1 / 3, 15);
  });

  it('log normalises log(cost) per task: e = (log v − log lo)/(log hi − log lo)', async () => {
    const t = tiny();
    const rw = await buildRewards(t, { lambda: 0.5, cost: 'usd', costScale: 'log' });
    expect(rw.costScale).toBe('log');
    expect(rw.costNorm[5]).toBeCloseTo(Math.log(4 / 2) / Math.log(8 / 2), 15);
    expect(rw.costNorm[4]).toBe(0);
    expect(rw.costNorm[7]).toBe(1);
    // reward = (1 − λ)·quality + λ·(1 − e)
    expect(rw.rewards[5]).toBeCloseTo(0.5 * 0 + 0.5 * (1 - 0.5), 15);
  });

  it('log treats costs ≤ 0 as the task’s smallest positive cost and rejects unknown scales', async () => {
    const t = tiny();
    t.costUsd![0] = 0;
    const rw = await buildRewards(t, { lambda: 1, cost: 'usd', costScale: 'log' });
    // family fa: costs {0, 3, 1, 3} → floor 1 → the zero-cost cell normalises like the 1-dollar one
    expect(rw.costNorm[0]).toBe(0);
    expect(rw.costNorm[2]).toBe(0);
    expect(rw.costNorm[1]).toBe(1);
    await expect(buildRewards(t, { lambda: 1, cost: 'usd', costScale: 'cubic' as never })).rejects.toThrow(/linear or log/);
  });
});

describe('λ grid', () => {
  it('defaults to 0, 0.1, …, 1 and parses lists', () => {
    expect(DEFAULT_LAMBDAS).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    expect(parseLambdaGrid('0, 0.5,1')).toEqual([0, 0.5, 1]);
    expect(() => parseLambdaGrid('0,1.5')).toThrow(/not a number in \[0, 1\]/);
    expect(() => parseLambdaGrid('0,0')).toThrow(/repeats/);
    expect(() => parseLambdaGrid(' , ')).toThrow(/no value/);
  });
});

describe('evaluateSweep on a hand-made sweep', () => {
  const t = tiny();
  // one policy, 2 λ, 1 run; slots: fa, fb, all
  const s: SweepResult = {
    lambdas: [0, 1],
    policyNames: ['p'],
    params: [{}],
    tasks: ['fa', 'fb'],
    runs: 1,
    runSeeds: [40],
    taskQueries: [2, 2, 4],
    cost: Float64Array.from([3, 6, 4.5, 1, 2, 1.5]),
    quality: Float64Array.from([1, 0.5, 0.75, 0.5, 0, 0.25]),
    misses: new Float64Array(6),
    d: 3,
  };

  it('scores points, baselines and accuracy as defined', () => {
    const { summary, curves } = evaluateSweep(t, s, { aiqMode: 'paper' });
    const fa = summary.dataset.families.find((f) => f.name === 'fa')!;
    // single models on fa: cheap (1, 0.5), dear (3, 1)
    expect(fa).toMatchObject({ costMin: 1, costMax: 3, cheapestModel: 'cheap', bestModel: 'dear', queries: 2 });
    const m = summary.baselines.models;
    expect(m[0].points.fa).toEqual({ cost: 1, quality: 0.5 });
    expect(m[1].points.fb).toEqual({ cost: 6, quality: 0.5 });
    expect(m[0].points.all).toEqual({ cost: 1.5, quality: 0.25 });
    // policy hull on fa: (1, 0.5) → (3, 1) spans the range: AIQ = mean of the line = 0.75
    const p = summary.policies[0];
    expect(p.aiq.byFamily.fa).toBeCloseTo(0.75, 15);
    // fb: points (2, 0) and (6, 0.5); models cheap (2, 0), dear (6, 0.5): same line → 0.25
    expect(p.aiq.byFamily.fb).toBeCloseTo(0.25, 15);
    expect(p.aiq.mean).toBeCloseTo(0.5, 15);
    expect(summary.baselines.zeroRouter.aiq.byFamily.fa).toBeCloseTo(0.75, 15);
    // peak / average over λ of the all-prompts accuracy: 0.75 at λ = 0, 0.25 at λ = 1
    expect(p.peakAccuracy).toBe(0.75);
    expect(p.peakLambda).toBe(0);
    expect(p.avgAccuracy).toBe(0.5);
    // the policy lies on the weak–strong line: CPT(50%) = 50%, APGR = ½
    expect(p.cpt50.byFamily.fa).toBeCloseTo(50, 12);
    expect(p.apgr.byFamily.fa).toBeCloseTo(0.5, 12);
    // oracle: fa prompt 1 → dear (3, 1), prompt 2 → cheap (1, 1); fb prompt 1 → cheap (2, 0), prompt 2 → dear (8, 1)
    expect(summary.baselines.oracle.points.fa).toEqual({ cost: 2, quality: 1 });
    expect(summary.baselines.oracle.points.fb).toEqual({ cost: 5, quality: 0.5 });
    expect(summary.baselines.oracle.aiq.byFamily.fa!).toBeGreaterThanOrEqual(p.aiq.byFamily.fa!);
    // the oracle point alone: 1 from c = 2 to 3 → 0.5
    expect(summary.baselines.oracle.pointAiq.byFamily.fa).toBeCloseTo(0.5, 15);
    expect(curves.map((c) => c.family)).toEqual(['fa', 'fb']);
    expect(p.points.filter((x) => x.family === 'all')).toEqual([
      { lambda: 0, family: 'all', cost: 4.5, quality: 0.75 },
      { lambda: 1, family: 'all', cost: 1.5, quality: 0.25 },
    ]);
    expect(summary.published.comparable).toBe(false);
    expect(summary.published.note).toMatch(/subset \(4 of 36,497 prompts/);
    expect(summary.schemaVersion).toBe(1);
  });

  it('the family mean of CPT is undefined when one family never reaches the target', () => {
    // fb: the policy stays at quality 0 ((2, 0) and (6, 0)); with the weak model (2, 0) its hull is flat at 0,
    // so PGR = 0 everywhere: CPT(50%) and CPT(80%) are never reached on fb, while fa (on the weak–strong line)
    // reaches 50% at x = 0.5 and 80% at x = 0.8. A mean over fa alone (50) would read as a router that reaches
    // 50% of the gap at half the cost gap on average, which it does not on fb.
    const never: SweepResult = { ...s, quality: Float64Array.from([1, 0, 0.5, 0.5, 0, 0.25]) };
    const p = evaluateSweep(t, never, { aiqMode: 'paper' }).summary.policies[0];
    expect(p.cpt50.byFamily.fa).toBeCloseTo(50, 12);
    expect(p.cpt50.byFamily.fb).toBeNull();
    expect(p.cpt50.mean).toBeNull();
    expect(p.cpt80.byFamily.fa).toBeCloseTo(80, 12);
    expect(p.cpt80.mean).toBeNull();
    // APGR is defined on both (0.5 on fa, 0 on fb): its mean is over both
    expect(p.apgr.byFamily.fb).toBeCloseTo(0, 15);
    expect(p.apgr.mean).toBeCloseTo(0.25, 12);
  });

  it('a family whose cheapest model is also its best has no CPT and is left out of the mean', () => {
    // fb: cheap scores 1 on both prompts at cost 2, dear 0.5 at cost 6: no quality gap, CPT undefined there
    const flat = tinyRouterTable([0, 1, 1, 1, 1, 0, 1, 1], 'flat');
    const p = evaluateSweep(flat, s, { aiqMode: 'paper' }).summary.policies[0];
    expect(p.cpt50.byFamily.fb).toBeNull();
    expect(p.apgr.byFamily.fb).toBeNull();
    expect(p.cpt50.mean).toBeCloseTo(50, 12);
    expect(p.apgr.mean).toBeCloseTo(0.5, 12);
  });

  it('routerbench-code mode divides by the largest compared cost instead of the range', () => {
    const { summary, curves } = evaluateSweep(t, s, { aiqMode: 'routerbench-code' });
    const fa = curves.find((c) => c.family === 'fa')!;
    expect(summary.policies[0].aiq.byFamily.fa).toBeCloseTo(aiqRouterbenchCode(nonDecreasingHull([{ cost: 1, quality: 0.5 }, { cost: 3, quality: 1 }]), fa.ctx.maxCost), 15);
    expect(fa.ctx.maxCost).toBe(3);
  });

  it('recognises the full 0-shot set by its size and models', () => {
    const Q = ROUTERBENCH_0SHOT.prompts;
    const M = ROUTERBENCH_0SHOT.models.length;
    const full = makePoolTable({
      name: 'routerbench_0shot.pkl',
      queryIds: Array.from({ length: Q }, (_, q) => `q${q}`),
      queryTasks: new Array(Q).fill('mmlu'),
      models: ROUTERBENCH_0SHOT.models.map((id) => ({ id, name: id, paramsB: Number.NaN })),
      accuracy: new Float64Array(Q * M).fill(1),
      costUsd: new Float64Array(Q * M).fill(0.001),
    });
    expect(isFullZeroShot(full)).toBe(true);
    expect(isFullZeroShot(tiny())).toBe(false);
    expect(PUBLISHED_TABLE1.map((r) => [r.policy, r.aiq])).toEqual([
      ['linear-epsilon-greedy', 0.637],
      ['thompson', 0.624],
      ['linucb', 0.607],
    ]);
  });
});

describe('runSweep', () => {
  const t = remapTasks(
    makePoolTable({
      name: 'gen',
      queryIds: Array.from({ length: 300 }, (_, q) => `q${q}`),
      queryTasks: Array.from({ length: 300 }, (_, q) => (q % 3 === 0 ? 'mmlu-x' : q % 3 === 1 ? 'hellaswag' : 'gsm8k')),
      models: ['m0', 'm1', 'm2'].map((id) => ({ id, name: id, paramsB: Number.NaN })),
      accuracy: Float64Array.from({ length: 900 }, (_, i) => ((i * 7919) % 13 < 4 + 3 * (i % 3) ? 1 : 0)),
      costUsd: Float64Array.from({ length: 900 }, (_, i) => 0.001 * (1 + 4 * (i % 3)) * (1 + ((i * 31) % 7) / 10)),
    }),
    new FamilyMapper(),
  ).table;
  const opts = { policies: ['linucb', 'random'], params: [], lambdas: [0, 0.5, 1], runs: 2, seed: 40, semantics: 'paper' as const, features: ['task' as const] };

  it('is deterministic per seed; the seed changes the result; the all-prompts slot is the weighted family mean', async () => {
    const a = await runSweep(t, opts);
    const b = await runSweep(t, opts);
    expect(Array.from(a.quality)).toEqual(Array.from(b.quality));
    expect(Array.from(a.cost)).toEqual(Array.from(b.cost));
    const c = await runSweep(t, { ...opts, seed: 41 });
    expect(Array.from(c.quality)).not.toEqual(Array.from(a.quality));
    expect(a.runSeeds).toEqual([40, 41]);
    const T = a.tasks.length;
    for (let l = 0; l < 3; l++) {
      for (let p = 0; p < 2; p++) {
        for (let r = 0; r < 2; r++) {
          let c0 = 0;
          let q0 = 0;
          for (let k = 0; k < T; k++) {
            c0 += a.cost[sweepIndex(a, l, p, r, k)] * a.taskQueries[k];
            q0 += a.quality[sweepIndex(a, l, p, r, k)] * a.taskQueries[k];
          }
          expect(a.cost[sweepIndex(a, l, p, r, T)]).toBeCloseTo(c0 / 300, 15);
          expect(a.quality[sweepIndex(a, l, p, r, T)]).toBeCloseTo(q0 / 300, 15);
        }
      }
    }
    // random ignores the reward, so every λ sees the same picks (it is simulated once and copied) …
    for (let l = 1; l < 3; l++) expect(a.quality[sweepIndex(a, l, 1, 0, T)]).toBe(a.quality[sweepIndex(a, 0, 1, 0, T)]);
    // … which is what simulating it at that λ gives
    const only = await runSweep(t, { ...opts, lambdas: [0.5] });
    for (let r = 0; r < 2; r++) {
      for (let k = 0; k <= T; k++) {
        expect(only.quality[sweepIndex(only, 0, 1, r, k)]).toBe(a.quality[sweepIndex(a, 1, 1, r, k)]);
        expect(only.cost[sweepIndex(only, 0, 1, r, k)]).toBe(a.cost[sweepIndex(a, 1, 1, r, k)]);
        expect(only.quality[sweepIndex(only, 0, 0, r, k)]).toBe(a.quality[sweepIndex(a, 1, 0, r, k)]);
      }
    }
    expect(lambdaFree(resolvePolicies(['random'], [], t.models)[0])).toBe(true);
    expect(lambdaFree(resolvePolicies(['static:m1'], [], t.models)[0])).toBe(true);
    expect(lambdaFree(resolvePolicies(['best-static'], [], t.models)[0])).toBe(false);
    expect(lambdaFree(resolvePolicies(['linucb'], [], t.models)[0])).toBe(false);
    // λ = 1 rewards only cheapness: LinUCB ends up cheaper than at λ = 0
    expect(a.cost[sweepIndex(a, 2, 0, 0, T)]).toBeLessThan(a.cost[sweepIndex(a, 0, 0, 0, T)]);
  });

  it.skipIf(!existsSync(DIST_SWEEP))('gives identical results on worker threads (compiled build)', async () => {
    const dist = (await import(DIST_SWEEP)) as typeof import('../../src/sim/sweep.js');
    const one = await dist.runSweep(t, { ...opts, jobs: 1 });
    const two = await dist.runSweep(t, { ...opts, jobs: 2 });
    expect(Array.from(two.quality)).toEqual(Array.from(one.quality));
    expect(Array.from(two.cost)).toEqual(Array.from(one.cost));
  });

  it('rejects a table without costs and bad settings', async () => {
    const noCost = makePoolTable({ name: 'x', queryIds: ['a'], queryTasks: ['t'], models: [{ id: 'm', name: 'm', paramsB: 1 }], accuracy: Float64Array.from([1]) });
    await expect(runSweep(noCost, opts)).rejects.toThrow(/no cost column/);
    await expect(runSweep(t, { ...opts, lambdas: [] })).rejects.toThrow(/empty/);
    await expect(runSweep(t, { ...opts, runs: 0 })).rejects.toThrow(/runs must be/);
    await expect(runSweep(t, { ...opts, policies: ['nope'] })).rejects.toThrow(/unknown policy 'nope'/);
  });
});

/** Raw RouterBench CSV rows merged by sample_id, read independently of the loaders. */
function rawRows(): { evalName: string; q: Map<string, number>; c: Map<string, number> }[] {
  const byId = new Map<string, { evalName: string; q: Map<string, number>; c: Map<string, number> }>();
  for (const f of ['arc_challenge_train.csv', 'arc_challenge_test.csv', 'winograde_train.csv', 'winograde_test.csv']) {
    const rows = parse(readFileSync(resolve(RB, f)), { columns: true }) as Record<string, string>[];
    for (const r of rows) {
      let e = byId.get(r.sample_id);
      if (!e) byId.set(r.sample_id, (e = { evalName: r.eval_name, q: new Map(), c: new Map() }));
      for (const model of ROUTERBENCH_0SHOT.models) {
        if (r[model] === '' || r[model] === undefined) continue;
        e.q.set(model, Number(r[model]));
        e.c.set(model, Number(r[`${model}|total_cost`]));
      }
    }
  }
  return [...byId.values()].filter((e) => e.q.size > 0);
}

/** Zero router value at c by brute force: best single model or chord between two models at or below c. */
function envelope(pts: { cost: number; quality: number }[], c: number): number {
  let v = 0;
  for (const a of pts) {
    if (a.cost <= c) v = Math.max(v, a.quality);
    for (const b of pts) {
      if (a.cost <= c && c <= b.cost && b.cost > a.cost) v = Math.max(v, a.quality + ((b.quality - a.quality) * (c - a.cost)) / (b.cost - a.cost));
    }
  }
  return v;
}

describe.skipIf(!haveRb)('real RouterBench rows (ARC-Challenge, Winogrande)', async () => {
  const { table: raw, files } = haveRb ? await loadRouterbench(RB, { warn: () => {} }) : { table: null as unknown as PoolTable, files: [] };
  const table = haveRb ? remapTasks(raw, new FamilyMapper()).table : raw;
  const policies = ['linear-epsilon-greedy', 'linucb', 'thompson', 'random'];
  const sweep = haveRb ? await runSweep(table, { policies, params: [], lambdas: [0, 0.25, 0.5, 0.75, 1], runs: 2, seed: 40, semantics: 'paper', features: ['task'] }) : null;

  it('reads the four split files, skipping the aggregate CSVs', () => {
    expect(files.map((f) => f.slice(f.lastIndexOf('/') + 1))).toEqual(['arc_challenge_test.csv', 'arc_challenge_train.csv', 'winograde_test.csv', 'winograde_train.csv']);
    expect(table.nQueries).toBe(1470 + 1267);
    expect(table.tasks.slice().sort()).toEqual(['arc-challenge', 'winogrande']);
  });

  it('single-model points, the zero router and the oracle point equal values computed from the raw CSV', () => {
    const { summary } = evaluateSweep(table, sweep!, { aiqMode: 'paper' });
    const rows = rawRows();
    const fam = (e: string): string => (e === 'winograde' ? 'winogrande' : e);
    for (const f of ['arc-challenge', 'winogrande']) {
      const rs = rows.filter((r) => fam(r.evalName) === f);
      const pts = ROUTERBENCH_0SHOT.models.map((model) => {
        const have = rs.filter((r) => r.q.has(model));
        return { model, cost: have.reduce((s, r) => s + r.c.get(model)!, 0) / have.length, quality: have.reduce((s, r) => s + r.q.get(model)!, 0) / have.length };
      });
      for (const p of pts) {
        const ours = summary.baselines.models.find((m) => m.id === p.model)!.points[f];
        expect(ours.cost).toBeCloseTo(p.cost, 12);
        expect(ours.quality).toBeCloseTo(p.quality, 12);
      }
      // zero router AIQ: the envelope is linear between model costs, so trapezoids over them are exact
      const lo = Math.min(...pts.map((p) => p.cost));
      const hi = Math.max(...pts.map((p) => p.cost));
      const xs = [...new Set(pts.map((p) => p.cost))].sort((a, b) => a - b);
      let area = 0;
      for (let i = 1; i < xs.length; i++) area += ((envelope(pts, xs[i - 1]) + envelope(pts, xs[i])) / 2) * (xs[i] - xs[i - 1]);
      expect(summary.baselines.zeroRouter.aiq.byFamily[f]).toBeCloseTo(area / (hi - lo), 12);
      // oracle point: best quality per prompt, cheapest among ties
      let oc = 0;
      let oq = 0;
      for (const r of rs) {
        let bq = -1;
        let bc = Infinity;
        for (const [model, q] of r.q) {
          const c = r.c.get(model)!;
          if (q > bq || (q === bq && c < bc)) {
            bq = q;
            bc = c;
          }
        }
        oc += bc;
        oq += bq;
      }
      expect(summary.baselines.oracle.points[f].cost).toBeCloseTo(oc / rs.length, 12);
      expect(summary.baselines.oracle.points[f].quality).toBeCloseTo(oq / rs.length, 12);
      // weak/strong of RouteLLM's metrics: cheapest and best single model
      const info = summary.dataset.families.find((x) => x.name === f)!;
      expect(info.cheapestModel).toBe(pts.reduce((a, b) => (b.cost < a.cost ? b : a)).model);
      expect(info.bestModel).toBe(pts.reduce((a, b) => (b.quality > a.quality ? b : a)).model);
      const z = routeLlmMetrics(
        summary.baselines.zeroRouter.hull[f],
        pts.find((p) => p.model === info.cheapestModel)!,
        pts.find((p) => p.model === info.bestModel)!,
      );
      expect(summary.baselines.zeroRouter.apgr.byFamily[f]).toBeCloseTo(z.apgr!, 12);
    }
  });

  it('oracle AIQ ≥ every policy’s AIQ ≥ 0 in both AIQ modes, per family and on average', () => {
    for (const mode of ['paper', 'routerbench-code'] as const) {
      const { summary } = evaluateSweep(table, sweep!, { aiqMode: mode });
      const o = summary.baselines.oracle.aiq;
      expect(o.mean!).toBeLessThanOrEqual(1);
      for (const p of [...summary.policies, { name: 'zero', aiq: summary.baselines.zeroRouter.aiq }, ...summary.baselines.models]) {
        expect(p.aiq.mean!).toBeGreaterThanOrEqual(0);
        expect(o.mean!).toBeGreaterThanOrEqual(p.aiq.mean! - 1e-12);
        for (const f of table.tasks) expect(o.byFamily[f]!).toBeGreaterThanOrEqual(p.aiq.byFamily[f]! - 1e-12);
      }
      // learned policies beat random on this data
      const rnd = summary.policies.find((p) => p.name === 'random')!;
      for (const name of ['linear-epsilon-greedy', 'linucb', 'thompson']) expect(summary.policies.find((p) => p.name === name)!.aiq.mean!).toBeGreaterThan(rnd.aiq.mean!);
      // policy AIQ equals the AIQ of its own run-mean points
      const p = summary.policies[0];
      const f = table.tasks[0];
      const info = summary.dataset.families.find((x) => x.name === f)!;
      if (mode === 'paper') {
        const hull = nonDecreasingHull(p.points.filter((x) => x.family === f));
        expect(p.aiq.byFamily[f]).toBeCloseTo(aiqPaper(hull, info.costMin, info.costMax), 15);
      }
    }
  });

  it('is deterministic per seed', async () => {
    const again = await runSweep(table, { policies, params: [], lambdas: [0, 0.25, 0.5, 0.75, 1], runs: 2, seed: 40, semantics: 'paper', features: ['task'] });
    const a = evaluateSweep(table, sweep!, { aiqMode: 'paper' }).summary;
    const b = evaluateSweep(table, again, { aiqMode: 'paper' }).summary;
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });
});

describe.skipIf(!haveFull)('full RouterBench 0-shot set (cached)', () => {
  it('is recognised as the published set and matches the published per-model mean quality and cost', async () => {
    const { table } = await loadRouterbench(FULL, { warn: () => {} });
    expect(isFullZeroShot(table)).toBe(true);
    const fam = remapTasks(table, new FamilyMapper()).table;
    const sweep = await runSweep(fam, { policies: ['random'], params: [], lambdas: [0], runs: 1, seed: 40, semantics: 'paper', features: ['task'] });
    const { summary } = evaluateSweep(fam, sweep, { aiqMode: 'paper' });
    expect(summary.published.comparable).toBe(true);
    const rows = parse(readFileSync(resolve(RB, 'routerbench_0shot_per_model_mean_quality_cost.csv')), { columns: true }) as Record<string, string>[];
    for (const r of rows) {
      const m = summary.baselines.models.find((x) => x.id === r.model)!;
      expect(Math.abs(m.points.all.quality - Number(r.mean_quality_4dp_second_source))).toBeLessThan(6e-5);
      expect(Math.abs(m.points.all.cost - Number(r.mean_cost_usd_second_source))).toBeLessThan(1e-6);
    }
  });
});
