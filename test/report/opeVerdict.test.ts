/** The difference cell and the verdict lines of the ope table and report.html (docs/ope.md, "Better than the logging policy?"). */
import { describe, expect, it } from 'vitest';
import type { OpeSummary } from '../../src/metrics/ope/summary.js';
import { opeNotes, opeReportHtml } from '../../src/report/ope.js';
import { diffCell, signed, verdictLine, verdictLines } from '../../src/report/opeVerdict.js';
import { opeSummaryOf } from '../helpers/opeSummary.js';

type Policy = OpeSummary['policies'][number];
const est = (estimator: string, lo: number, hi: number) => ({ metric: 'reward', estimator, value: 0.7, lo: 0.6, hi: 0.8, sd: 0.05, param: null, vsLogged: { value: (lo + hi) / 2, lo, hi } }) as Policy['estimates'][number];
const pol = (name: string, estimates: Policy['estimates'], verdict: Policy['verdict'], extra: Partial<Policy> = {}): Policy => ({ name, params: {}, method: 'distribution', unbiased: true, diagnostics: { n: 10, ess: 500, maxWeight: 2, meanWeight: 1, supportShare: 1 }, kept: null, truth: null, estimates, flags: [], verdict, ...extra });

const better = pol('best-static', [est('dm', 0.1, 0.2), est('ips', 0.01, 0.3), est('dr', 0.02, 0.1)], { result: 'better', estimators: ['ips', 'dr'] });
const mixed = pol('random', [est('ips', -0.02, 0.1), est('dr', 0.02, 0.1)], { result: 'indistinguishable', estimators: ['ips', 'dr'] });
const flagged = pol('most-accurate', [est('ips', -0.3, -0.1)], { result: 'no-evidence', estimators: [] }, { flags: ['low-ess'] });
const biased = pol('linucb', [est('replay', -0.3, -0.1)], { result: 'no-evidence', estimators: [] }, { method: 'replay', unbiased: false, diagnostics: null, kept: 300 });
const dmOnly = pol('oracle', [est('dm', 0.1, 0.2)], { result: 'no-evidence', estimators: [] });

describe('difference cells', () => {
  it('signed to 4 decimals; a figure that rounds to 0 has no sign', () => {
    expect(signed(0.01234)).toBe('+0.0123');
    expect(signed(-0.004)).toBe('-0.0040');
    expect(signed(-1e-9)).toBe('0.0000');
    expect(signed(1e-9)).toBe('0.0000');
    expect(signed(Number.NaN)).toBe('–');
    expect(diffCell(est('dr', -0.0124, 0.045))).toBe('+0.0163 [-0.0124, +0.0450]');
    expect(diffCell({ ...est('dr', 0, 0), vsLogged: undefined })).toBe('');
  });
});

describe('verdict lines', () => {
  it('one per target: the figure (dr when it counts) and what every estimate of the evidence says', () => {
    expect(verdictLine(better)).toBe('best-static: better than the logging policy at 95% (dr +0.0600 [+0.0200, +0.1000]; every interval of ips and dr above 0).');
    expect(verdictLine(mixed)).toBe('random: not distinguishable from the logging policy at 95% (dr +0.0600 [+0.0200, +0.1000]; the intervals disagree: ips includes 0; dr above 0).');
    // intervals on both sides of 0, grouped; and every one including 0
    const split = pol('q', [est('ips', -0.02, 0.1), est('snips', -0.05, -0.01), est('dr', -0.04, -0.02), est('dros', 0.01, 0.02)], { result: 'indistinguishable', estimators: ['ips', 'snips', 'dr', 'dros'] });
    expect(verdictLine(split)).toBe('q: not distinguishable from the logging policy at 95% (dr -0.0300 [-0.0400, -0.0200]; the intervals disagree: ips includes 0; dros above 0; snips and dr below 0).');
    const straddle = pol('r', [est('ips', -0.02, 0.1), est('dr', -0.01, 0.01)], { result: 'indistinguishable', estimators: ['ips', 'dr'] });
    expect(verdictLine(straddle)).toBe('r: not distinguishable from the logging policy at 95% (dr 0.0000 [-0.0100, +0.0100]; every interval of ips and dr includes 0).');
    expect(verdictLine(pol('p', [est('ips', -0.3, -0.1)], { result: 'worse', estimators: ['ips'] }))).toBe('p: worse than the logging policy at 95% (ips -0.2000 [-0.3000, -0.1000]: its interval below 0).');
  });

  it('no evidence, with the reason: flags, biased replay, dm alone', () => {
    expect(verdictLine(flagged)).toBe('most-accurate: no evidence either way: its estimates are flagged (low-ess), so their differences are not evidence.');
    expect(verdictLine(biased)).toBe('linucb: no evidence either way: replay on logs that are not uniformly random is biased.');
    expect(verdictLine(dmOnly)).toMatch(/^oracle: no evidence either way: dm alone/);
  });

  it('under the table before the trust notes, and in report.html; none for a summary written before verdicts', () => {
    const s = { ...opeSummaryOf(['reward'], ['dm', 'ips', 'dr'], [better, mixed, flagged]), observed: { reward: 0.6 } };
    const notes = opeNotes(s).split('\n');
    expect(notes[0]).toMatch(/^Against the logging policy \(reward: estimate − observed, paired 95% interval/);
    expect(notes.slice(1, 4).map((l) => l.split(':')[0])).toEqual(['best-static', 'random', 'most-accurate']);
    expect(notes[5]).toMatch(/^observed: /);
    const html = opeReportHtml(s, '<svg></svg>');
    expect(html).toContain('<h2>Better than the logging policy?</h2>');
    expect(html).toContain('<li>best-static: better than the logging policy at 95%');
    expect(html).toContain('<td style="white-space:nowrap">+0.0600 [+0.0200, +0.1000]</td>');
    const old = { ...s, policies: s.policies.map(({ verdict: _, ...p }) => p) };
    expect(verdictLines(old)).toEqual([]);
    expect(opeReportHtml(old, '<svg></svg>')).not.toContain('Better than the logging policy?');
  });

  it('estimated propensities: a line saying the verdicts inherit their error', () => {
    const s = opeSummaryOf(['reward'], ['ips'], [better]);
    expect(verdictLines({ ...s, logs: { ...s.logs, propensity: 'estimated' } }).at(-1)).toMatch(/^Propensities are estimated/);
    expect(verdictLines(s).at(-1)).not.toMatch(/^Propensities/);
  });
});
