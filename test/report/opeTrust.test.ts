/** The observed row, the flags and the notes of the ope table, report.html and chart (docs/ope.md, "Trusting an estimate"). */
import { describe, expect, it } from 'vitest';
import type { OpeSummary } from '../../src/metrics/ope/summary.js';
import { opeChartSpec, opeNotes, opeReportHtml, opeTable } from '../../src/report/ope.js';
import { expectAccessibleStructure } from '../helpers/html.js';
import { opeSummaryOf } from '../helpers/opeSummary.js';

type Policy = OpeSummary['policies'][number];
const est = (metric: 'reward' | 'accuracy' | 'energy_j', estimator: string, value: number, lo = value - 0.1, hi = value + 0.1) => ({ metric, estimator, value, lo, hi, sd: 0.05, param: null }) as Policy['estimates'][number];
const diag = (ess: number, supportShare: number) => ({ n: 1000, ess, maxWeight: 5, meanWeight: 1, supportShare });

/** A 1,000-decision log: random is trusted; best-static has ESS 21, support 0.95 and an IPS interval up to 1.19. */
function summary(): OpeSummary {
  const s = opeSummaryOf(['reward', 'accuracy', 'energy_j'], ['dm', 'ips'], [
    { name: 'random', params: {}, method: 'distribution', unbiased: true, diagnostics: diag(400, 1), kept: null, truth: null, estimates: [est('reward', 'dm', 0.6), est('reward', 'ips', 0.61), est('energy_j', 'dm', 300), est('energy_j', 'ips', 310)] },
    { name: 'best-static', params: {}, method: 'distribution', unbiased: true, diagnostics: diag(21, 0.95), kept: null, truth: null, estimates: [est('reward', 'dm', 0.75), est('reward', 'ips', 0.79, 0.48, 1.19)] },
  ]);
  return { ...s, logs: { ...s.logs, decisions: 1000 }, table: null, observed: { reward: 0.7327, accuracy: 0.5637, energy_j: 204 }, trust: { minEss: 100, minSupport: 0.99, rewardRange: [0, 1] } };
}

describe('the logging policy as the reference', () => {
  it('first row of the table: its observed means and all the decisions, no interval, no flags', () => {
    const lines = opeTable(summary()).split('\n');
    expect(lines[0]).toMatch(/^policy +estimator +reward +95% CI +vs logged \[95% CI\] +accuracy +J\/decision +ESS \/ kept +flags$/);
    expect(lines[2]).toMatch(/^logged policy +observed +0\.7327 +0\.5637 +204\.0 +1000$/);
    expect(opeNotes(summary())).toMatch(/^observed: the logging policy's own mean over the 1000 logged decisions, measured, not estimated/m);
  });

  it('units: means per decision, the energy in joules per decision', () => {
    expect(opeNotes(summary())).toContain('reward, accuracy and J/decision are means per decision, not totals (J/decision: joules; a total over the log is 1000 × it).');
  });

  it('report.html: the observed row and the chart\'s dashed rule at the observed reward', () => {
    const html = opeReportHtml(summary(), '<svg></svg>');
    expectAccessibleStructure(html);
    expect(html).toMatch(/<tr><td><b>logged policy<\/b><\/td><td style="text-align:left"><b>observed<\/b><\/td><td><b>0\.7327<\/b><\/td>/);
    type Layer = { mark: { type: string; strokeDash?: number[] }; encoding: { x: { datum?: number } } };
    const layers = (opeChartSpec(summary()) as unknown as { spec: { layer: Layer[] } }).spec.layer;
    expect(layers.filter((l) => l.mark.strokeDash).map((l) => l.encoding.x.datum)).toEqual([0.7327]);
  });

  it('a summary written before the observed means has no observed row and no dashed rule', () => {
    const old = { ...summary(), observed: undefined };
    expect(opeTable(old)).not.toContain('logged policy');
    const layers = (opeChartSpec(old) as unknown as { spec: { layer: { mark: { strokeDash?: number[] } }[] } }).spec.layer;
    expect(layers.some((l) => l.mark.strokeDash)).toBe(false);
  });
});

describe('flags', () => {
  it('every row of a flagged policy, plus CI on the estimate whose interval leaves [0, 1]; none on a trusted one', () => {
    const t = opeTable(summary());
    expect(t).toMatch(/^random +dm +0\.6000 +\[0\.5000, 0\.7000\] +– +300\.0 +400$/m);
    // dm weighs no decision: a low ESS is not its flag, low support is
    expect(t).toMatch(/^best-static +dm +0\.7500 +\[0\.6500, 0\.8500\] .* 21 +! sup$/m);
    expect(t).toMatch(/^ +ips +0\.7900 +\[0\.4800, 1\.1900\] .* ! ESS sup CI$/m);
  });

  it('the notes name each flagged policy with its figure and the criterion', () => {
    const notes = opeNotes(summary());
    expect(notes).toContain('! ESS: best-static 21 of 1000 decisions: effective sample size (Kish, (Σw)²/Σw²; replay: decisions kept) below 100.');
    expect(notes).toContain("! sup: best-static 95% of the target's choices are models logged for that task (below 99%)");
    expect(notes).toContain('! CI: best-static ips: the 95% interval reaches outside the reward range [0, 1]');
    expect(notes).not.toMatch(/random/);
    expect(notes).toContain("dm: its interval holds the reward model fixed, so it is too narrow.");
  });

  it('the flags stored in summary.json are the ones shown; with none, a line says so', () => {
    const s = summary();
    const stored: OpeSummary = { ...s, policies: s.policies.map((p) => ({ ...p, flags: [], estimates: p.estimates.map((e) => ({ ...e, flags: [] })) })) };
    expect(opeTable(stored)).not.toContain('!');
    expect(opeNotes(stored)).toContain('No estimate flagged: every ESS ≥ 100, support ≥ 99%, every interval within the reward range.');
  });

  it('a logged reward: the range is the log\'s own', () => {
    const s: OpeSummary = { ...summary(), rewardSource: 'logged', trust: { minEss: 100, minSupport: 0.99, rewardRange: [0.18, 0.9963] } };
    expect(opeNotes(s)).toContain('the 95% interval reaches outside the range of the logged rewards [0.18, 0.9963]');
  });

  it('report.html: the flags beside the interval, the flagged notes in red', () => {
    const html = opeReportHtml(summary(), '<svg></svg>');
    expect(html).toContain('<td>[0.4800, 1.1900]</td><td style="white-space:nowrap"></td><td style="text-align:left;white-space:nowrap;color:#b00000;font-weight:bold">! ESS sup CI</td>');
    expect(html).toContain('<li style="color:#b00000"><b>! ESS: best-static 21 of 1000 decisions');
    expect(html).toMatch(/<th scope="col">J\/decision<\/th>/);
  });

  it('report.html: the estimates and the diagnostics as two stacked tables, each with the row labels, every row in both', () => {
    const s = summary();
    const html = opeReportHtml(s, '<svg></svg>');
    const tables = [...html.matchAll(/<table>([\s\S]*?)<\/table>/g)].map((m) => m[1]);
    expect(tables).toHaveLength(2);
    const heads = tables.map((t) => [...t.split('</tr>')[0].matchAll(/<th[^>]*>([^<]*)<\/th>/g)].map((m) => m[1]));
    expect(heads[0]).toEqual(['policy', 'estimator', 'reward', '95% CI', 'vs logged [95% CI]', 'flags']);
    expect(heads[1].slice(0, 2)).toEqual(['policy', 'estimator']);
    expect(heads[1]).toContain('ESS / kept');
    // one row per reward estimate, and the observed row, in the same order in both
    const labels = tables.map((t) => [...t.matchAll(/<tr><td>(?:<b>)?([^<]*)(?:<\/b>)?<\/td><td style="text-align:left">(?:<b>)?([^<]*)/g)].map((m) => `${m[1]}/${m[2]}`));
    const n = s.policies.reduce((k, p) => k + p.estimates.filter((e) => e.metric === 'reward').length, 0);
    expect(labels[0]).toHaveLength(n + 1);
    expect(labels[1]).toEqual(labels[0]);
  });

  it('fits 79 columns: the flags stay', () => {
    const narrow = opeTable(summary(), 79) + '\n' + opeNotes(summary(), 79);
    for (const line of narrow.split('\n')) expect(line.length, line).toBeLessThanOrEqual(79);
    expect(narrow).toMatch(/! ESS sup CI$/m);
  });
});
