/** Text in the charts reads on their white background: WCAG AA contrast (4.5:1) for every drawn text. */
import { describe, expect, it } from 'vitest';
import type { CellCurves } from '../../src/metrics/experiment.js';
import { buildProfile } from '../../src/metrics/profile.js';
import { cumulativeRegretSpec, movingAverageSpec } from '../../src/report/chartsTime.js';
import { POLICY_COLOURS, SPARE_COLOURS, policyColours, textColour } from '../../src/report/palette.js';
import { heatmapChartSpec, paretoChartSpec, simpleParetoSvg } from '../../src/report/profileCharts.js';
import { profileReportSection } from '../../src/report/profile.js';
import { renderChart } from '../../src/report/render.js';
import { randomTable } from '../helpers/table.js';

/** WCAG 2 relative luminance of a #rgb or #rrggbb colour or a named black/white. */
function luminance(colour: string): number {
  const named: Record<string, string> = { black: '#000000', white: '#ffffff' };
  let h = named[colour] ?? colour;
  if (/^#[0-9a-f]{3}$/i.test(h)) h = `#${[...h.slice(1)].map((c) => c + c).join('')}`;
  if (!/^#[0-9a-f]{6}$/i.test(h)) throw new Error(`colour ${colour}`);
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16) / 255).map((v) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

const contrast = (a: string, b: string): number => {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
};

/** Every <text> of an SVG with its fill (the SVG default is black) and whether it is drawn faded. */
function texts(svg: string): { text: string; fill: string; faded: boolean }[] {
  return [...svg.matchAll(/<text([^>]*)>([^<]*)<\/text>/g)].map((m) => ({
    text: m[2],
    fill: /\sfill="([^"]+)"/.exec(m[1])?.[1] ?? '#000000',
    faded: /\s(fill-)?opacity="0?\.\d+"/.test(m[1]),
  }));
}

function expectReadable(svg: string): void {
  const t = texts(svg);
  expect(t.length).toBeGreaterThan(0);
  for (const x of t) {
    expect(x.faded, x.text).toBe(false);
    expect(contrast(x.fill, '#ffffff'), `${x.text} in ${x.fill}`).toBeGreaterThanOrEqual(4.5);
  }
}

describe('text contrast', () => {
  it('the contrast formula gives the WCAG reference values', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 6);
    expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
  });

  it('textColour reaches 4.5:1 for every policy and spare colour, keeps dark ones, and keeps the hue', () => {
    for (const c of [...Object.values(POLICY_COLOURS), ...SPARE_COLOURS]) expect(contrast(textColour(c), '#ffffff'), c).toBeGreaterThanOrEqual(4.5);
    expect(textColour('#332288')).toBe('#332288');
    // sand stays yellowish: red and green above blue
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(textColour('#ddcc77').slice(i, i + 2), 16));
    expect(r > b && g > b).toBe(true);
  });

  it('the line-end labels of the regret charts, one per shipped policy', async () => {
    const names = Object.keys(POLICY_COLOURS).filter((p) => p !== 'accuracy');
    const Q = 50;
    const curves: CellCurves[] = names.map((label, i) => ({
      lambda: 0.5,
      label,
      meanCum: Float64Array.from({ length: Q }, (_, s) => (s * (i + 1)) / 10),
      ciLo: new Float64Array(Q),
      ciHi: Float64Array.from({ length: Q }, (_, s) => (s * (i + 1)) / 10),
      movingAvg: new Float64Array(Q).fill(0.1 * i),
    }));
    const colours = policyColours(names.map((label) => ({ label })));
    for (const spec of [cumulativeRegretSpec({ title: 't', curves, Q, colours, events: [] }), movingAverageSpec({ title: 't', curves, Q, window: 10, colours, events: [] })]) {
      const { svg } = await renderChart(spec, 1, 't');
      // every policy is named at its line's end
      for (const n of names) expect(texts(svg).some((t) => t.text === n), n).toBe(true);
      expectReadable(svg);
    }
  });

  it('the model labels of the profile scatter, rendered and built in', async () => {
    const p = await buildProfile(randomTable(3, 40, 6), { lambda: 0.5, cost: 'energy' });
    expect(p.models.some((m) => !m.pareto)).toBe(true);
    expectReadable((await renderChart(paretoChartSpec(p), 1, 't')).svg);
    expectReadable(simpleParetoSvg(p));
  });
});

/** Fill of each cell and of its text in a rendered heatmap panel, matched by the marks' aria labels (task; model). */
function cellPairs(svg: string): { key: string; cell: string; text: string }[] {
  const out: { key: string; cell: string; text: string }[] = [];
  for (const panel of [0, 1]) {
    const part = (layer: number): string => svg.split(`concat_${panel}_layer_${layer}_marks`)[1].split('role-mark')[0];
    const key = (label: string): string => label.split('; ').slice(0, 2).join('; ');
    const cells = new Map([...part(0).matchAll(/aria-label="([^"]*)"[^>]*fill="rgb\((\d+), (\d+), (\d+)\)"/g)].map((m) => [key(m[1]), `#${[m[2], m[3], m[4]].map((v) => Number(v).toString(16).padStart(2, '0')).join('')}`]));
    for (const m of part(1).matchAll(/<text aria-label="([^"]*)"[^>]*fill="([a-z]+)">[^<]+</g)) out.push({ key: `${panel}: ${key(m[1])}`, cell: cells.get(key(m[1]))!, text: m[2] });
  }
  return out;
}

describe('heatmap cell text', () => {
  it('reads on its cell at every accuracy and energy (black or white, whichever the cell needs)', async () => {
    // 12 models on a range of accuracies and energies, so both panels run from light to dark
    const p = await buildProfile(randomTable(5, 200, 12), { lambda: 0.5, cost: 'energy' });
    const pairs = cellPairs((await renderChart(heatmapChartSpec(p), 1, 't')).svg);
    expect(pairs.length).toBe(2 * p.models.length * p.dataset.tasks.length);
    expect(pairs.some((x) => x.text === 'white')).toBe(true);
    for (const x of pairs) expect(contrast(x.text, x.cell), `${x.key}: ${x.text} on ${x.cell}`).toBeGreaterThanOrEqual(4.5);
  });
});

describe('shaded per-task tables (no rendered heatmap)', () => {
  it('every shaded cell keeps 4.5:1 between its text and its background', async () => {
    const p = await buildProfile(randomTable(5, 200, 12), { lambda: 0.5, cost: 'energy' });
    const cells = [...profileReportSection(p).matchAll(/style="background:rgb\((\d+),(\d+),(\d+)\);color:([a-z]+)"/g)];
    expect(cells.length).toBe(2 * p.models.length * p.dataset.tasks.length);
    expect(cells.some((c) => c[4] === 'white')).toBe(true);
    for (const c of cells) {
      const bg = `#${[c[1], c[2], c[3]].map((v) => Number(v).toString(16).padStart(2, '0')).join('')}`;
      expect(contrast(c[4], bg), `${c[4]} on ${bg}`).toBeGreaterThanOrEqual(4.5);
    }
  });
});
