/** Every rendered chart is one named image for screen readers: role img, aria-label and an SVG title saying what it shows. */
import { describe, expect, it } from 'vitest';
import type { CellCurves } from '../../src/metrics/experiment.js';
import { buildProfile } from '../../src/metrics/profile.js';
import { cumulativeRegretSpec } from '../../src/report/chartsTime.js';
import { heatmapChartSpec, paretoChartSpec } from '../../src/report/profileCharts.js';
import { renderChart } from '../../src/report/render.js';
import { randomTable } from '../helpers/table.js';

/** The root element's role and label, and the text of its first child when that is a <title>. */
function rootName(svg: string): { role?: string; label?: string; title?: string } {
  const root = /^<svg\b[^>]*>/.exec(svg)![0];
  return {
    role: /\srole="([^"]*)"/.exec(root)?.[1],
    label: /\saria-label="([^"]*)"/.exec(root)?.[1],
    title: new RegExp(`^${root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}<title>([^<]*)</title>`).exec(svg)?.[1],
  };
}

describe('chart text alternatives', () => {
  const Q = 20;
  const curve: CellCurves = { lambda: 0.5, label: 'linucb', meanCum: new Float64Array(Q).fill(1), ciLo: new Float64Array(Q), ciHi: new Float64Array(Q).fill(2), movingAvg: new Float64Array(Q) };

  it('a plain title names the chart, escaped; the PNG still renders', async () => {
    const spec = cumulativeRegretSpec({ title: 'Cumulative regret <λ = 0.5> & "runs"', curves: [curve], Q, colours: new Map([['linucb', '#882255']]), events: [] });
    const { svg, png } = await renderChart(spec, 1, 't');
    const n = rootName(svg);
    expect(n.role).toBe('img');
    expect(n.label).toBe('Cumulative regret &lt;λ = 0.5&gt; &amp; &quot;runs&quot;');
    expect(n.title).toBe(n.label);
    expect(png.length).toBeGreaterThan(1000);
  });

  it('a title with a subtitle (profile charts) names both', async () => {
    const p = await buildProfile(randomTable(3, 20, 4), { lambda: 0.5, cost: 'energy' });
    for (const spec of [paretoChartSpec(p), heatmapChartSpec(p)]) {
      const n = rootName((await renderChart(spec, 1, 't')).svg);
      expect(n.role).toBe('img');
      expect(n.label).toMatch(/^(Accuracy vs|Per-task accuracy and) /);
      expect(n.label).toContain(`. ${p.dataset.name} · `);
      expect(n.title).toBe(n.label);
    }
  });
});
