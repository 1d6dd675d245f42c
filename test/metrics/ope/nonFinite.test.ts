/**
 * Estimates that are not finite: summary.json writes them null (never a number or "inf"), each such estimate
 * carries a note telling overflow from an undefined estimate, and only a parameter set to ∞ is "inf".
 */
import { describe, expect, it } from 'vitest';
import { nonFiniteNote } from '../../../src/metrics/ope/evaluate.js';
import { evaluateTarget } from '../../../src/metrics/ope/evaluate.js';
import type { LoggedBandit } from '../../../src/metrics/ope/estimators.js';
import { opeSummaryJson, type OpeSummary } from '../../../src/metrics/ope/summary.js';
import { rebuildOpeReport } from '../../../src/report/opeReport.js';

const finite = { value: 1, lo: 0, hi: 2, sd: 0.5 };
const contrib = (xs: number[]) => ({ value: 0, contrib: Float64Array.from(xs), norm: null });

describe('nonFiniteNote', () => {
  it('none when every number is finite', () => {
    expect(nonFiniteNote(finite, contrib([1, 2]))).toBeUndefined();
  });

  it('overflow: an infinite number, or a contribution that is not finite', () => {
    expect(nonFiniteNote({ ...finite, sd: Number.POSITIVE_INFINITY }, contrib([1e300, 1]))).toMatch(/^sd overflowed/);
    expect(nonFiniteNote({ ...finite, value: Number.NaN, hi: Number.NEGATIVE_INFINITY }, contrib([1]))).toMatch(/^value, hi overflowed/);
    expect(nonFiniteNote({ ...finite, value: Number.NaN }, contrib([Number.POSITIVE_INFINITY, 1]))).toMatch(/^value overflowed/);
  });

  it('undefined: NaN from finite contributions (no decision carries weight)', () => {
    const snips = { value: Number.NaN, contrib: Float64Array.from([0, 0]), norm: Float64Array.from([0, 0]) };
    expect(nonFiniteNote({ value: Number.NaN, lo: Number.NaN, hi: Number.NaN, sd: Number.NaN }, snips)).toMatch(/^value, lo, hi, sd undefined \(no logged decision carries weight/);
  });
});

describe('evaluateTarget on weights near the top of the double range', () => {
  // one decision with propensity 1e-300 and reward 1e6: IPS is finite (≈ 3e305) but its bootstrap sd squares it
  const d: LoggedBandit = { n: 3, M: 2, action: Int32Array.from([0, 1, 0]), propensity: Float64Array.from([1e-300, 0.5, 0.5]), reward: Float64Array.from([1e6, 0.5, 0.25]) };
  const target = Float64Array.from([1, 0, 1, 0, 1, 0]);

  it('keeps what is finite and notes what overflowed', () => {
    const r = evaluateTarget(d, target, { estimators: ['ips', 'snips'], seed: 1, resamples: 50 });
    const ips = r.rows[0];
    expect(ips.value).toBeCloseTo((1e6 * 1e300 + 0.25 * 2) / 3, -290);
    expect(Number.isFinite(ips.sd)).toBe(false);
    expect(ips.note).toMatch(/^sd overflowed/);
    // SNIPS stays within the rewards' range: finite, no note
    expect(Number.isFinite(r.rows[1].value)).toBe(true);
    expect(r.rows[1].note).toBeUndefined();
  });
});

function summary(estimates: OpeSummary['policies'][number]['estimates'], name = 'random'): OpeSummary {
  return {
    kind: 'ope',
    schemaVersion: 1,
    logs: { file: 'log.csv', decisions: 3, models: ['a', 'inf'], tasks: ['all'], propensity: 'logged', uniform: false },
    table: null,
    lambda: Number.NaN,
    rewardSource: 'logged',
    metrics: ['reward'],
    estimators: ['ips', 'switch-dr'],
    seed: 1,
    bootstrap: 50,
    level: 0.95,
    policies: [{ name, params: {}, method: 'distribution', unbiased: true, diagnostics: { n: 3, ess: Number.NaN, maxWeight: Number.POSITIVE_INFINITY, meanWeight: 1, supportShare: 1 }, kept: null, truth: null, estimates }],
  };
}

describe('summary.json', () => {
  const s = summary(
    [
      { metric: 'reward', estimator: 'ips', value: Number.POSITIVE_INFINITY, lo: Number.NEGATIVE_INFINITY, hi: Number.NaN, sd: Number.POSITIVE_INFINITY, param: null, note: 'value, lo, hi, sd overflowed (…)' },
      { metric: 'reward', estimator: 'switch-dr', value: 0.5, lo: 0.25, hi: 0.75, sd: 0.1, param: Number.POSITIVE_INFINITY },
    ],
    'inf',
  );
  const json = opeSummaryJson(s);
  const doc = JSON.parse(json) as { policies: { name: string; diagnostics: Record<string, unknown>; estimates: Record<string, unknown>[] }[]; logs: { models: string[] } };

  it('writes every non-finite number as null, a parameter of ∞ as "inf", and nothing else as "inf"', () => {
    const [ips, sw] = doc.policies[0].estimates;
    expect(ips).toMatchObject({ value: null, lo: null, hi: null, sd: null, param: null, note: 'value, lo, hi, sd overflowed (…)' });
    expect(sw).toMatchObject({ value: 0.5, param: 'inf' });
    expect(sw).not.toHaveProperty('note');
    expect(doc.policies[0].diagnostics).toMatchObject({ ess: null, maxWeight: null, meanWeight: 1 });
    // the only "inf" values: the parameter, and names that happen to be "inf"
    expect(json.match(/"inf"/g)!.length).toBe(3);
    expect(doc.policies[0].name).toBe('inf');
    expect(doc.logs.models).toEqual(['a', 'inf']);
  });

  it('greenserv report reads it back (the note passes, a name "inf" stays a name)', async () => {
    const files = new Map<string, string | Uint8Array>();
    await rebuildOpeReport(doc, 'summary.json', { write: (n, d) => void files.set(n, d) });
    const html = String(files.get('report.html'));
    expect(html).toContain('<td>inf</td>');
    expect(html).not.toMatch(/Infinity/);
  });
});
