/**
 * Charts of tables with thousands of models: the selection chart keeps 40 rows (the models picked most, then
 * one row for the rest), the scatters name only the models on the front. Before, the selection chart's sort
 * list overflowed Vega's stack from about 1,000 models, and thousands of labels covered the scatters.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { buildProfile } from '../../src/metrics/profile.js';
import { MAX_LABELLED_MODELS, accuracyEnergySpec, paddedDomain } from '../../src/report/chartsSpread.js';
import { MAX_SELECTION_ROWS, selectionSpec } from '../../src/report/chartsTime.js';
import { paretoChartSpec } from '../../src/report/profileCharts.js';
import type { Profile } from '../../src/metrics/profile.js';
import { makePoolTable } from '../../src/data/pool.js';
import { profileReportSection } from '../../src/report/profile.js';
import { tenthFrontTable } from '../helpers/table.js';

type Layer = { data?: { values: Record<string, unknown>[] }; mark: { type: string } | string; encoding?: Record<string, { field?: string }> };

function selectionOf(M: number, windows: number): { models: string[]; share: Float64Array[]; inPool: boolean[][] } {
  const rng = new Rng(5);
  const models = Array.from({ length: M }, (_, m) => `m${m}`);
  const share = Array.from({ length: windows }, () => {
    const w = Float64Array.from({ length: M }, () => rng.next() ** 8);
    const s = w.reduce((a, b) => a + b, 0);
    return w.map((x) => x / s);
  });
  // the last model leaves the pool after the first window
  const inPool = share.map((_, w) => models.map((_, m) => w === 0 || m !== M - 1));
  return { models, share, inPool };
}

describe('the selection chart of many models', () => {
  it('keeps the 39 models picked most and sums the rest into one row, window by window; Vega runs it', async () => {
    const M = 1500;
    const W = 8;
    const { models, share, inPool } = selectionOf(M, W);
    const spec = selectionSpec({ title: 't', sel: { lambda: 0.5, label: 'x', windowStart: Array.from({ length: W }, (_, w) => 25 * w), share }, models, inPool, Q: 25 * W, window: 25, events: [] });
    // brute force: totals over windows, most first (ties in table order)
    const tot = models.map((_, m) => share.reduce((t, row) => t + row[m], 0));
    const ranked = models.map((_, m) => m).sort((a, b) => tot[b] - tot[a] || a - b);
    const kept = ranked.slice(0, MAX_SELECTION_ROWS - 1);
    const cells = ((spec as unknown as { layer: Layer[] }).layer[0].data!.values as { start: number; model: string; rank: number; share: number }[]);
    expect(new Set(cells.map((c) => c.model)).size).toBe(MAX_SELECTION_ROWS);
    for (let w = 0; w < W; w++) {
      const here = cells.filter((c) => c.start === 25 * w);
      kept.forEach((m, r) => expect(here.find((c) => c.rank === r)).toMatchObject({ model: `m${m}`, share: share[w][m] }));
      const other = here.find((c) => c.rank === MAX_SELECTION_ROWS - 1)!;
      expect(other.model).toBe(`other (${(M - kept.length).toLocaleString('en-US')} models)`);
      let rest = 0;
      for (const m of ranked.slice(kept.length)) rest += share[w][m];
      expect(other.share).toBeCloseTo(rest, 12);
    }
    expect((spec as unknown as { height: number }).height).toBe(16 * MAX_SELECTION_ROWS);
    const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
    const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
    await view.runAsync();
    view.finalize();
  });

  it('draws every model, in its own row, up to the limit', () => {
    const { models, share, inPool } = selectionOf(MAX_SELECTION_ROWS, 3);
    const spec = selectionSpec({ title: 't', sel: { lambda: 0.5, label: 'x', windowStart: [0, 25, 50], share }, models, inPool, Q: 75, window: 25, events: [] });
    const layers = (spec as unknown as { layer: Layer[] }).layer;
    const shown = new Set([...layers[0].data!.values, ...layers[1].data!.values].map((c) => c.model));
    expect([...shown].sort()).toEqual([...models].sort());
  });
});

describe('scatters of many models name the front only', () => {
  it('accuracy vs energy: every model named up to the limit, only the front beyond it', () => {
    const labelled = (n: number): string[] => {
      const rng = new Rng(9);
      const models = Array.from({ length: n }, (_, m) => ({ id: `m${m}`, paramsB: null, accuracy: rng.next(), energyWh: 1 + rng.next() * 9, reward: [0], onFront: m % 13 === 0 }));
      const spec = accuracyEnergySpec({ title: 't', Q: 100, models, policies: [], colours: new Map() }) as unknown as { layer: Layer[] };
      const text = spec.layer.find((l) => typeof l.mark === 'object' && l.mark.type === 'text' && l.encoding?.text?.field === 'id')!;
      return text.data!.values.map((v) => v.id as string);
    };
    expect(labelled(MAX_LABELLED_MODELS)).toHaveLength(MAX_LABELLED_MODELS);
    const many = labelled(400);
    expect(many.sort()).toEqual(Array.from({ length: 400 }, (_, m) => m).filter((m) => m % 13 === 0).map((m) => `m${m}`).sort());
  });

  it('profile-models Pareto chart: beyond 40 models the dominated ones carry no label', async () => {
    const M = 300;
    const spec = paretoChartSpec(await buildProfile(tenthFrontTable(M), { lambda: 0.5 })) as unknown as { data: { values: { id: string; label: string }[] } };
    const named = spec.data.values.filter((v) => v.label !== '').map((v) => v.label);
    expect(named.sort()).toEqual(Array.from({ length: 30 }, (_, k) => `m${10 * k}`).sort());
    expect(JSON.stringify(spec)).toContain('models named: the Pareto front (270 others are not; profile.csv has every model)');
  });
});

/** Models the Pareto chart draws one mark each for at most (docs/profile-models.md). */
const MAX_PARETO_MARKS = 1000;

type Cell = { status: string; models: number; e0: number; e1: number; a0: number; a1: number };

/** A profile of M models as paretoChartSpec reads it: cost 1 + m, accuracy as given, `pareto` as given. */
function syntheticProfile(M: number, acc: (m: number) => number, onFront: (m: number) => boolean): Profile {
  const models = Array.from({ length: M }, (_, m) => ({
    id: `m${m}`,
    paramsB: null,
    accuracy: { mean: acc(m), ci95: null },
    energyJ: 1 + m,
    pareto: onFront(m),
    dominatedBy: onFront(m) ? [] : ['m0'],
  }));
  return { dataset: { name: 'synthetic', queries: 1 }, lambda: 0.5, cost: 'energy', models, bestStatic: null } as unknown as Profile;
}

/** The symbols the legend shows for the front and the dominated models (the point layer's shape scale). */
function legendShapes(spec: { layer: Layer[] }): unknown {
  const points = spec.layer.find((l) => typeof l.mark === 'object' && l.mark.type === 'point')!;
  return (points.encoding!.shape as unknown as { scale: { range: string[] } }).scale.range;
}

describe('the accuracy-vs-energy chart of very many models', () => {
  it('200,000 models do not overflow the stack; its axes span the values a loop finds', () => {
    const n = 200_000;
    const models = Array.from({ length: n }, (_, m) => ({ id: `m${m}`, paramsB: null, accuracy: (m % 97) / 97, energyWh: 1 + (m % 89), reward: [0], onFront: m === 0 }));
    const [lo, hi] = paddedDomain(models.map((m) => m.accuracy));
    // accuracies 0 … 96/97, padded by 6 % of their range
    expect(lo).toBeCloseTo(-0.06 * (96 / 97), 12);
    expect(hi).toBeCloseTo((96 / 97) * 1.06, 12);
    const spec = accuracyEnergySpec({ title: 't', Q: 10, models, policies: [], colours: new Map() }) as unknown as { layer: Layer[] };
    expect(spec.layer.length).toBeGreaterThan(0);
  });
});

describe('profile-models Pareto chart of very many models', () => {
  it('beyond 1,000 models draws the front as points and the other models as cells that count them', async () => {
    const M = 3000;
    const p = await buildProfile(tenthFrontTable(M), { lambda: 0.5 });
    const spec = paretoChartSpec(p) as unknown as { data: { values: { id: string }[] }; layer: Layer[]; title: { subtitle: string[] } };
    const front = Array.from({ length: M / 10 }, (_, k) => `m${10 * k}`);
    // one mark per front model, none for the 2,700 dominated ones
    expect(spec.data.values.map((v) => v.id).sort()).toEqual([...front].sort());
    const cells = spec.layer[0].data!.values as Cell[];
    expect(cells.every((c) => c.status === 'dominated')).toBe(true);
    // every dominated model (accuracy 0, energy 1 + m) counted once, in the cell whose energy range holds it
    expect(cells.reduce((s, c) => s + c.models, 0)).toBe(M - M / 10);
    for (const c of cells) {
      let inside = 0;
      for (let m = 0; m < M; m++) if (m % 10 !== 0 && 1 + m >= c.e0 && 1 + m < c.e1) inside++;
      expect(c.models).toBe(inside);
      expect(c.a0).toBeLessThanOrEqual(0);
      expect(c.a1).toBeGreaterThan(0);
    }
    expect(spec.title.subtitle.join(' ')).toContain('the other 2,700 are shaded cells');
    // the dominated models are cells: the legend draws them as a square, not as the triangles of single models
    expect(legendShapes(spec)).toEqual(['circle', 'square']);
    const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
    const view = new vega.View(vega.parse(vl.compile(spec as never, { logger: vega.logger(vega.Error) }).spec), { renderer: 'none' });
    await view.runAsync();
    view.finalize();
  });

  it('up to 1,000 models keeps one mark per model', async () => {
    const spec = paretoChartSpec(await buildProfile(tenthFrontTable(MAX_PARETO_MARKS), { lambda: 0.5 })) as unknown as { data: { values: unknown[] }; layer: Layer[] };
    expect(spec.data.values).toHaveLength(MAX_PARETO_MARKS);
    expect(spec.layer.some((l) => l.data)).toBe(false);
    expect(legendShapes(spec)).toEqual(['circle', 'triangle-down']);
  });

  it('a front of more than 1,000 models is a staircase over cells; 200,000 models do not overflow the stack', () => {
    const M = 200_000;
    // accuracy rising with cost: every model on the front
    const spec = paretoChartSpec(syntheticProfile(M, (m) => m / M, () => true)) as unknown as { data: { values: unknown[] }; layer: Layer[]; title: { subtitle: string[] } };
    expect(spec.data.values).toHaveLength(0);
    expect(spec.title.subtitle.join(' ')).toContain('the front: the dashed staircase; all 200,000 models are shaded cells');
    const cells = spec.layer[0].data!.values as Cell[];
    expect(cells.every((c) => c.status === 'Pareto front')).toBe(true);
    expect(cells.reduce((s, c) => s + c.models, 0)).toBe(M);
    const line = spec.layer.find((l) => typeof l.mark === 'object' && l.mark.type === 'line')!;
    expect(line.data!.values).toHaveLength(M);
  });
});

describe('profile report section of very many models', () => {
  it('shades 210,000 per-task costs without overflowing the stack (the section without rendered charts)', async () => {
    // one model whose three tasks cost 1, 10 and 100 J, copied under 70,000 ids
    const base = (await buildProfile(makePoolTable({ name: 't', queryIds: ['q0', 'q1', 'q2'], queryTasks: ['a', 'b', 'c'], models: [{ id: 'x', name: 'x', paramsB: 1 }], accuracy: Float64Array.from([1, 0, 1]), energyJ: Float64Array.from([1, 10, 100]), present: new Uint8Array(3).fill(1) }), { lambda: 0.5 }));
    const M = 70_000;
    const p = { ...base, models: Array.from({ length: M }, (_, i) => ({ ...base.models[0], id: `m${i}` })) };
    const html = profileReportSection(p, undefined, { pareto: false });
    // log shading from 1 J (white) to 100 J (full orange): the 10-J cells halfway, the 100-J cells full
    expect(html.split('background:rgb(230,85,13)').length - 1).toBe(M);
    expect(html.split('background:rgb(243,170,134)').length - 1).toBe(M);
  });
});
