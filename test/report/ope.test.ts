import { describe, expect, it } from 'vitest';
import type { OpeSummary } from '../../src/metrics/ope/summary.js';
import { opeSummaryJson } from '../../src/metrics/ope/summary.js';
import { opeChartSpec, opeEstimatesCsv, opeReportHtml, opeTable } from '../../src/report/ope.js';
import { opeSummaryOf } from '../helpers/opeSummary.js';
import { renderChart } from '../../src/report/render.js';

const est = (metric: 'reward' | 'accuracy', estimator: string, value: number, param: number | null = null) => ({ metric, estimator, value, lo: value - 0.1, hi: value + 0.1, sd: 0.05, param }) as OpeSummary['policies'][number]['estimates'][number];

/** The panel of estimates: the whole chart, or its first panel when the differences from the logged mean stand beside it. */
const estimatesPanel = <T>(spec: unknown): T => ((spec as { hconcat?: unknown[] }).hconcat?.[0] ?? spec) as T;

const summary = opeSummaryOf(['reward', 'accuracy'], ['ips', 'switch-dr'], [
  { name: 'random', params: {}, method: 'distribution', unbiased: true, diagnostics: { n: 10, ess: 9.5, maxWeight: 2, meanWeight: 1, supportShare: 1 }, kept: null, truth: { reward: 0.6, accuracy: 0.5 }, estimates: [est('reward', 'ips', 0.61), { ...est('reward', 'switch-dr', 0.62, Number.POSITIVE_INFINITY), vsLogged: { value: 0.02, lo: -0.01, hi: 0.05 } }, est('accuracy', 'ips', 0.55), est('accuracy', 'switch-dr', 0.5, 3)] },
  { name: 'linucb', params: { alpha: 0.1 }, method: 'replay', unbiased: false, diagnostics: null, kept: 4, truth: { reward: 0.7, accuracy: 0.6 }, estimates: [est('reward', 'replay', 0.65), est('accuracy', 'replay', 0.58)] },
]);

describe('ope outputs', () => {
  it('estimates.csv: one row per policy, metric and estimator, with ∞ as inf and the true value', () => {
    const lines = opeEstimatesCsv(summary).trim().split('\n');
    expect(lines).toHaveLength(1 + 6);
    expect(lines[0]).toBe('policy,method,metric,estimator,value,lo,hi,sd,param,true_value,n,ess,max_weight,support_share,kept,vs_logged,vs_logged_lo,vs_logged_hi');
    // the difference from the logged mean in the last three columns (empty for an estimate without one)
    expect(lines[2]).toBe('random,distribution,reward,switch-dr,0.62,0.52,0.72,0.05,inf,0.6,10,9.5,2,1,,0.02,-0.01,0.05');
    // replay: no weights, so no diagnostics; n is the log's, then the kept count
    expect(lines[5]).toBe('linucb,replay,reward,replay,0.65,0.55,0.75,0.05,,0.7,10,,,,4,,,');
  });

  it('the table and the chart flag replay on non-uniform logs; the chart marks true values', () => {
    const t = opeTable(summary);
    expect(t).toContain('replay (biased)');
    expect(t).toMatch(/random\s+ips\s+0\.6100\s+\[0\.5100, 0\.7100\]\s+0\.5500/);
    expect(t).toMatch(/^\s+switch-dr\s+0\.6200\s+\[0\.5200, 0\.7200\]\s+\+0\.0200 \[-0\.0100, \+0\.0500\]\s+0\.5000/m);
    const spec = estimatesPanel<{ data: { values: { policy: string; estimator: string; truth: number }[] } }>(opeChartSpec(summary));
    expect(spec.data.values.map((v) => `${v.policy}/${v.estimator}/${v.truth}`)).toEqual(['random/ips/0.6', 'random/switch-dr/0.6', 'linucb/replay (biased)/0.7']);
    expect(opeReportHtml(summary, '<svg width="10"></svg>')).toContain('(biased: logs not uniform)');
  });

  it('the table fits a terminal: energy, accuracy, ESS / kept, the true value, the difference, then the reward interval give way; the reward and the flags stay', () => {
    const energy = (p: OpeSummary['policies'][number]) => [...p.estimates, { ...p.estimates[0], metric: 'energy_j' as const, value: 151.9 }];
    const wide: OpeSummary = { ...summary, policies: summary.policies.map((p) => ({ ...p, name: p.name === 'linucb' ? 'linear-epsilon-greedy' : p.name, estimates: energy(p) })) };
    expect(opeTable(wide)).toMatch(/^policy +estimator +reward +95% CI +vs logged \[95% CI\] +accuracy +J\/decision +true reward +ESS \/ kept +flags$/m);
    expect(opeTable(wide, 120)).toMatch(/^policy +estimator +reward +95% CI +vs logged \[95% CI\] +true reward +flags$/m);
    const eighty = opeTable(wide, 90);
    expect(eighty).toMatch(/^policy +estimator +reward +95% CI +flags$/m);
    expect(eighty).toMatch(/^ +switch-dr +0\.6200 +\[0\.5200, 0\.7200\] +! ESS$/m);
    // long names: the reward's interval gives way last (the verdict lines under the table give the difference)
    const narrow = opeTable(wide, 79);
    for (const line of narrow.split('\n')) expect(line.length, line).toBeLessThanOrEqual(79);
    expect(narrow).toMatch(/^policy +estimator +reward +95% CI +flags$/m);
    const tiny = opeTable(wide, 60);
    for (const line of tiny.split('\n')) expect(line.length, line).toBeLessThanOrEqual(60);
    expect(tiny).toMatch(/^policy +estimator +reward +flags$/m);
    // 10 decisions: every ESS (and the 4 kept) is below 100
    expect(tiny).toMatch(/^linear-epsilon-greedy +replay \(biased\) +0\.6500 +! ESS$/m);
  });

  it('the chart: one axis for every policy, each estimator in one colour whatever was run, the true value under the estimates', () => {
    type Spec = { resolve?: { scale?: { x?: string } }; spec: { layer: { mark: { type: string }; encoding: { x: { field: string }; color?: { scale: { domain: string[]; range: string[] } } } }[] } };
    const a = estimatesPanel<Spec>(opeChartSpec(summary));
    // a shared x scale: the same value sits at the same place in every policy's row
    expect(a.resolve?.scale?.x ?? 'shared').toBe('shared');
    const layers = a.spec.layer;
    const truth = layers.findIndex((l) => l.encoding.x.field === 'truth');
    const points = layers.findIndex((l) => l.mark.type === 'point');
    expect(truth).toBeGreaterThanOrEqual(0);
    expect(truth).toBeLessThan(points);
    const colours = (sp: Spec): Map<string, string> => {
      const c = sp.spec.layer[points].encoding.color!.scale;
      return new Map(c.domain.map((d, i) => [d, c.range[i]]));
    };
    // another run with more estimators (in another order) and an unbiased replay
    const b = estimatesPanel<Spec>(opeChartSpec({
      ...summary,
      estimators: ['dm', 'dr', 'switch-dr', 'ips'],
      policies: [{ ...summary.policies[0], estimates: ['dm', 'dr', 'switch-dr', 'ips'].map((e, i) => est('reward', e, 0.6 + i / 100)) }, { ...summary.policies[1], unbiased: true }],
    }));
    const [ca, cb] = [colours(a), colours(b)];
    for (const e of ['ips', 'switch-dr']) expect(cb.get(e), e).toBe(ca.get(e));
    const all = [...new Set([...ca.values(), ...cb.values()])];
    // every estimator its own colour: switch-dr, ips, dm, dr, replay, replay (biased)
    expect(new Set([...ca.keys(), ...cb.keys()]).size).toBe(6);
    expect(all.length).toBe(6);
  });

  it('summary.json writes ∞ as "inf" and NaN as null', () => {
    const j = JSON.parse(opeSummaryJson({ ...summary, lambda: Number.NaN }));
    expect(j.lambda).toBeNull();
    expect(j.policies[0].estimates[1].param).toBe('inf');
  });

  it('the chart: beside the estimates, each estimate minus the observed mean with its paired interval, 0 and the true difference marked', async () => {
    const vs = (value: number, lo: number, hi: number) => ({ value, lo, hi });
    const withObs: OpeSummary = {
      ...summary,
      observed: { reward: 0.6, accuracy: 0.5 },
      policies: [
        { ...summary.policies[0], estimates: [{ ...est('reward', 'ips', 0.61), vsLogged: vs(0.01, -0.03, 0.04) }, { ...est('reward', 'switch-dr', 0.62), vsLogged: vs(0.02, Number.NaN, 0.05) }, est('accuracy', 'ips', 0.55)] },
        { ...summary.policies[1], estimates: [{ ...est('reward', 'replay', 0.65), vsLogged: vs(0.05, 0.01, 0.09) }] },
      ],
    };
    type Layer = { mark: { type: string; strokeDash?: number[] }; transform?: unknown[]; encoding: { x?: { field?: string; datum?: number; title?: string; axis?: { values: number[] } } } };
    type Panel = { data: { values: Record<string, unknown>[] }; facet: { row: { field: string; sort: string[]; header: { labels?: boolean } } }; spec: { width: number; layer: Layer[] } };
    const spec = opeChartSpec(withObs) as unknown as { hconcat: [Panel, Panel]; title: { text: string; subtitle: string[] } };
    expect(spec.hconcat).toHaveLength(2);
    const [left, right] = spec.hconcat;
    // the same rows in the same order: policy, then estimator, as the estimates' panel
    expect(right.data.values.map((v) => `${v.policy}/${v.estimator}`)).toEqual(left.data.values.map((v) => `${v.policy}/${v.estimator}`));
    expect(right.facet.row.sort).toEqual(left.facet.row.sort);
    expect(right.facet.row.header.labels).toBe(false);
    // the values of vsLogged; a missing bound is the value (as in the estimates' panel); truth − observed
    expect(right.data.values).toEqual([
      { policy: 'random', estimator: 'ips', diff: 0.01, lo: -0.03, hi: 0.04, truth: 0.6 - 0.6 },
      { policy: 'random', estimator: 'switch-dr', diff: 0.02, lo: 0.02, hi: 0.05, truth: 0.6 - 0.6 },
      { policy: 'linucb', estimator: 'replay (biased)', diff: 0.05, lo: 0.01, hi: 0.09, truth: 0.7 - 0.6 },
    ]);
    const layers = right.spec.layer;
    // 0 as the grey dashed rule, the true difference in black, then the interval and the point of each difference
    expect(layers.filter((l) => l.mark.strokeDash).map((l) => l.encoding.x?.datum)).toEqual([0]);
    expect(layers.map((l) => `${l.mark.type}:${l.encoding.x?.field ?? l.encoding.x?.datum ?? ''}`)).toEqual(['text:', 'rule:0', 'rule:truth', 'rule:lo', 'point:diff']);
    const axis = layers[4].encoding.x!;
    expect(axis.title).toBe('estimate − observed reward (paired 95% interval)');
    expect(axis.axis!.values).toContain(0);
    expect(spec.title.subtitle.join(' · ')).toContain('right: estimate − observed mean, paired 95% interval (0: no change)');
    // drawn: both axis titles, and 0 labelled
    const { svg } = await renderChart(opeChartSpec(withObs), 1, 't');
    expect(svg).toContain('estimate − observed reward (paired 95% interval)');
    expect(svg).toContain('estimated reward');
    expect(svg).toMatch(/>0<\/text>/);
    // report.html says what the right panel is
    expect(opeReportHtml(withObs, svg)).toContain('Right: the estimate minus the observed mean reward, with its paired 95% interval');

    // a summary without vsLogged (written before it): the estimates alone, as before
    const old: OpeSummary = { ...withObs, policies: withObs.policies.map((p) => ({ ...p, estimates: p.estimates.map(({ vsLogged: _, ...e }) => e) })) };
    const single = opeChartSpec(old) as unknown as { hconcat?: unknown; spec: { width: number } };
    expect(single.hconcat).toBeUndefined();
    expect(single.spec.width).toBe(460);
    expect(opeReportHtml(old, '<svg></svg>')).not.toContain('Right:');
  });
});
