/**
 * The Pareto chart's 95% CI bars stop at accuracy 0 and 1: a t-interval over a few queries reaches far past
 * them, and its bar ran out of the 400-px plot (a chart 1,340 px tall for a table of three queries a model).
 */
import { describe, expect, it } from 'vitest';
import { makePoolTable } from '../../src/data/pool.js';
import { buildProfile } from '../../src/metrics/profile.js';
import { paretoChartSpec } from '../../src/report/profileCharts.js';
import { renderChart } from '../../src/report/render.js';

describe('Pareto chart CI bars', () => {
  it('are cut at 0 and 1, and the chart keeps its size', async () => {
    // three queries; a: 1,1,0 (mean 2/3), b: 1,1,1, c: 0,0,1 (mean 1/3); a and c have sd 0.577 over n = 3
    const t = makePoolTable({
      name: 'few',
      queryIds: ['q0', 'q1', 'q2'],
      queryTasks: ['x', 'x', 'x'],
      models: ['a', 'b', 'c'].map((id) => ({ id, name: id, paramsB: 1 })),
      accuracy: Float64Array.from([1, 1, 0, 1, 1, 0, 0, 1, 1]),
      energyJ: Float64Array.from([1, 5, 2, 1, 5, 2, 1, 5, 2]),
      present: new Uint8Array(9).fill(1),
    });
    const p = await buildProfile(t, { lambda: 0.5 });
    // t(0.975, 2) = 4.3027: half-width 4.3027 × 0.57735 / √3 = 1.4342, so [-0.77, 2.10] for a and [-1.10, 1.77] for c
    const a = p.models.find((m) => m.id === 'a')!;
    expect(a.accuracy.ci95![0]).toBeCloseTo(2 / 3 - 1.4342, 3);
    expect(a.accuracy.ci95![1]).toBeCloseTo(2 / 3 + 1.4342, 3);
    const spec = paretoChartSpec(p) as unknown as { data: { values: { id: string; lo: number; hi: number }[] } };
    const bar = (id: string): [number, number] => {
      const v = spec.data.values.find((x) => x.id === id)!;
      return [v.lo, v.hi];
    };
    expect(bar('a')).toEqual([0, 1]);
    expect(bar('c')).toEqual([0, 1]);
    // b answered all three: no spread, the bar is its point
    expect(bar('b')).toEqual([1, 1]);
    const { svg } = await renderChart(paretoChartSpec(p), 1, 't');
    // 400-px plot, title and axes: under 520 px (the bars out of the plot made it 1,340)
    const height = Number(/^<svg[^>]*\sheight="([\d.]+)"/.exec(svg)![1]);
    expect(height).toBeLessThan(520);
  });
});
