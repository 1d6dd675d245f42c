/**
 * Charts of tables with thousands of models: the selection chart keeps 40 rows (the models picked most, then
 * one row for the rest), the scatters name only the models on the front. Before, the selection chart's sort
 * list overflowed Vega's stack from about 1,000 models, and thousands of labels covered the scatters.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { buildProfile } from '../../src/metrics/profile.js';
import { MAX_LABELLED_MODELS, accuracyEnergySpec } from '../../src/report/chartsSpread.js';
import { MAX_SELECTION_ROWS, selectionSpec } from '../../src/report/chartsTime.js';
import { paretoChartSpec } from '../../src/report/profileCharts.js';
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
