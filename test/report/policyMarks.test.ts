/**
 * Policies differ by more than colour (WCAG 1.4.1): by marker shape in scatters and by dash pattern in line
 * charts without end labels, and the legend shows the same shape or dash beside each name. Read from the
 * scene Vega renders (the SVG's marks), not from the spec.
 */
import { describe, expect, it } from 'vitest';
import type { TopLevelSpec } from 'vega-lite';
import type { ScenarioSummary } from '../../src/metrics/scenario.js';
import type { EvaluateSummary, FamilyCurves } from '../../src/metrics/routerbench.js';
import { accuracyEnergySpec } from '../../src/report/chartsSpread.js';
import { scenarioCharts } from '../../src/report/chartsScenario.js';
import { familyChartSpec, policyLabel } from '../../src/report/evaluateCharts.js';
import { policyMarks } from '../../src/report/marks.js';
import { contrastOnWhite, POLICY_COLOURS, policyColours } from '../../src/report/palette.js';

interface Item {
  datum?: Record<string, unknown>;
  shape?: string;
  strokeDash?: number[];
  stroke?: string;
  fill?: string;
  items?: Mark[];
}
interface Mark {
  marktype: string;
  role: string;
  items: Item[];
}

/** Every mark of the rendered scene, nested groups included. */
async function scene(spec: TopLevelSpec): Promise<Mark[]> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(vl.compile(spec, { logger: vega.logger(vega.Error) }).spec), { renderer: 'none' });
  await view.runAsync();
  const out: Mark[] = [];
  const walk = (m: Mark): void => {
    out.push(m);
    for (const it of m.items ?? []) for (const c of it.items ?? []) walk(c);
  };
  walk((view.scenegraph() as unknown as { root: Mark }).root);
  view.finalize();
  return out;
}

const dashOf = (d: number[] | undefined): string => (d && d.length ? d.join(',') : 'solid');

/** Per legend entry (its label): the symbol's shape and dash, and its colour. */
function legendSymbols(marks: Mark[]): { label: string; shape: string; dash: string; colour: string }[] {
  return marks
    .filter((m) => m.role === 'legend-symbol')
    .flatMap((m) => m.items)
    .map((it) => ({ label: String(it.datum?.value), shape: it.shape ?? 'circle', dash: dashOf(it.strokeDash), colour: String(it.fill && it.fill !== 'transparent' ? it.fill : it.stroke) }));
}

/** Every pair of labels has different values. */
function expectDistinct(of: Map<string, string>, what: string): void {
  const seen = new Map<string, string>();
  for (const [label, v] of of) {
    expect(seen.get(v), `${label} and ${seen.get(v)} share the ${what} ${v}`).toBeUndefined();
    seen.set(v, label);
  }
}

const shipped = Object.keys(POLICY_COLOURS).filter((p) => p !== 'accuracy' && p !== 'oracle');

describe('policies differ by shape or dash, in the plot and in the legend', () => {
  it('accuracy vs energy: one shape per policy, all different, the same shape in the legend', async () => {
    // simulate's default nine policies, spread out so none is nested in another
    const policies = shipped.map((label, i) => ({ label, wh: 50 + 60 * i, acc: 0.3 + 0.04 * i }));
    const spec = accuracyEnergySpec({ title: 't', Q: 100, models: [], policies, colours: policyColours(policies) });
    const marks = await scene(spec);
    const plotted = new Map<string, Set<string>>();
    for (const m of marks.filter((x) => x.marktype === 'symbol' && x.role === 'mark')) {
      for (const it of m.items) {
        const l = it.datum?.label;
        if (typeof l === 'string') plotted.set(l, (plotted.get(l) ?? new Set()).add(it.shape ?? 'circle'));
      }
    }
    expect([...plotted.keys()].sort()).toEqual([...shipped].sort());
    for (const [l, s] of plotted) expect(s.size, l).toBe(1);
    const shapes = new Map([...plotted].map(([l, s]) => [l, [...s][0]]));
    expectDistinct(shapes, 'shape');
    const legend = legendSymbols(marks);
    expect(legend.map((x) => x.label).sort()).toEqual([...shipped].sort());
    for (const x of legend) expect(x.shape, x.label).toBe(shapes.get(x.label));
  });

  it('evaluate cost–quality: hulls differ by dash and dots by shape, each shown in a legend', async () => {
    const names = ['linear-epsilon-greedy', 'linucb', 'thompson', 'random', 'epsilon-greedy'];
    const h = (k: number) => [
      { cost: 0.0001 * (k + 1), quality: 0.5 + 0.02 * k },
      { cost: 0.001 * (k + 1), quality: 0.6 + 0.05 * k },
    ];
    const c = {
      family: 'f',
      models: [{ id: 'm0', point: { cost: 0.0001, quality: 0.5 } }, { id: 'm1', point: { cost: 0.005, quality: 0.9 } }],
      zeroRouter: [{ cost: 0.0001, quality: 0.5 }, { cost: 0.005, quality: 0.9 }],
      oracleFrontier: [{ cost: 0.0001, quality: 0.7 }, { cost: 0.0002, quality: 0.99 }],
      oraclePoint: { cost: 0.0002, quality: 0.99 },
      policies: names.map((name, k) => ({ name, hull: h(k), points: h(k).map((p, i) => ({ lambda: i, ...p })) })),
      ctx: { cMin: 0.0001, cMax: 0.005 },
    } as unknown as FamilyCurves;
    const s = { dataset: { families: [{ name: 'f', queries: 100 }] }, reward: { cost: 'usd' } } as unknown as EvaluateSummary;
    const marks = await scene(familyChartSpec(c, s));
    const labels = names.map(policyLabel);
    const dashes = new Map<string, string>();
    const shapes = new Map<string, string>();
    for (const m of marks) {
      const first = m.items[0];
      const series = first?.datum?.series;
      if (typeof series !== 'string' || !labels.includes(series)) continue;
      if (m.marktype === 'line') dashes.set(series, dashOf(first.strokeDash));
      if (m.marktype === 'symbol' && m.role === 'mark') for (const it of m.items) shapes.set(String(it.datum?.series), it.shape ?? 'circle');
    }
    expect([...dashes.keys()].sort()).toEqual([...labels].sort());
    expect([...shapes.keys()].sort()).toEqual([...labels].sort());
    expectDistinct(dashes, 'dash');
    expectDistinct(shapes, 'shape');
    const legend = legendSymbols(marks);
    for (const l of labels) {
      const entries = legend.filter((x) => x.label === l);
      expect(entries.map((x) => x.dash), `legend dash of ${l}`).toContain(dashes.get(l));
      expect(entries.map((x) => x.shape), `legend shape of ${l}`).toContain(shapes.get(l));
    }
    // the zero router keeps its own dash, unlike any policy's
    const zero = marks.find((m) => m.marktype === 'line' && m.items[0]?.datum?.series === 'zero router');
    expect([...dashes.values()]).not.toContain(dashOf(zero?.items[0].strokeDash));
  });

  it('budget adherence: one dash per policy, the same dash in the legend', async () => {
    const labels = ['budgeted-linucb', 'linucb', 'thompson', 'largest'];
    const budget = {
      kind: 'energy',
      limit: 0.05,
      unit: 'Wh per query',
      reference: null,
      cells: [],
      curves: labels.map((label, k) => ({ lambda: 0, label, steps: [25, 50, 75], running: [0.08 - 0.01 * k, 0.06, 0.05 + 0.005 * k] })),
    } as unknown as NonNullable<ScenarioSummary['budget']>;
    const colours = policyColours(labels.map((label) => ({ label, policy: label.replace('budgeted-', '') })));
    const spec = scenarioCharts({ budget, events: null } as ScenarioSummary, [0], colours, 2, 75)[0].spec;
    const marks = await scene(spec);
    const dashes = new Map<string, string>();
    for (const m of marks.filter((x) => x.marktype === 'line')) {
      const l = m.items[0]?.datum?.label;
      if (typeof l === 'string') dashes.set(l, dashOf(m.items[0].strokeDash));
    }
    expect([...dashes.keys()].sort()).toEqual([...labels].sort());
    expectDistinct(dashes, 'dash');
    for (const x of legendSymbols(marks)) expect(x.dash, x.label).toBe(dashes.get(x.label));
  });
});

describe('marks per policy', () => {
  it('the shipped policies keep one shape and dash whatever else a chart shows, each pair different', () => {
    const all = policyMarks(policyColours(shipped.map((label) => ({ label }))));
    const few = policyMarks(policyColours(['random', 'linucb'].map((label) => ({ label }))));
    expect(few.get('random')).toEqual(all.get('random'));
    expect(few.get('linucb')).toEqual(all.get('linucb'));
    expectDistinct(new Map([...all].map(([l, m]) => [l, m.shape])), 'shape');
    expectDistinct(new Map([...all].map(([l, m]) => [l, m.dash.join(',')])), 'dash');
  });

  it('lines of every policy and spare colour reach 3:1 against white', async () => {
    const { lineColour, SPARE_COLOURS } = await import('../../src/report/palette.js');
    for (const c of [...Object.values(POLICY_COLOURS), ...SPARE_COLOURS]) expect(contrastOnWhite(lineColour(c)), c).toBeGreaterThanOrEqual(3);
    // the three pale ones (sky, sand, teal) are darkened, the others kept
    expect(['#88ccee', '#ddcc77', '#44aa99'].map((c) => lineColour(c) !== c)).toEqual([true, true, true]);
    expect(lineColour('#882255')).toBe('#882255');
  });
});
