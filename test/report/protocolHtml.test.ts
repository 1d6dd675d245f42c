/** The protocol section of report.html: every column the terminal shows, as HTML tables. */
import { describe, expect, it } from 'vitest';
import type { ProtocolPolicyRow, SweepProtocolBlock } from '../../src/metrics/protocol.js';
import { gapByLambdaTable, protocolTable } from '../../src/report/protocol.js';
import { gapByLambdaHtml, protocolSectionHtml, protocolTableHtml } from '../../src/report/protocolHtml.js';

const row = (name: string, gap: number | null, aiq = false): ProtocolPolicyRow => ({
  name,
  testRegret: { mean: 200 * (1 - (gap ?? 0)), sd: 3, ci95: [0, 0] },
  gapClosed: gap === null ? null : { mean: gap, ci95: [gap - 0.5, gap + 0.5], over: 'runs', n: 2 },
  accuracy: 0.65,
  energyWh: Number.NaN,
  costUsd: 0.0616,
  costNorm: 0.3,
  ...(aiq ? { aiq: { policy: 0.7189, zeroRouter: 0.806, ratio: 0.7189 / 0.806 } } : {}),
});

const NAMES = ['linear-epsilon-greedy', 'linucb', 'thompson', 'random', 'warm-thompson'];
const LAMBDAS = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];
/** An evaluate-shaped block: 11 λ, long names, large negative gaps, and λ = 1 where the baseline's regret is 0. */
const block: SweepProtocolBlock = {
  kind: 'split',
  fraction: 0.5,
  splits: 1,
  train: null,
  trainQueries: 190,
  testQueries: 190,
  baseline: 'train-best-static',
  hindsight: ['best-static', 'oracle'],
  lambda: 0.5,
  policies: [...NAMES.map((n, i) => row(n, -0.3 - i, true)), row('train-best-static', 0, true)],
  byLambda: LAMBDAS.map((lambda) => ({ lambda, policies: [...NAMES.map((n, i) => row(n, lambda === 1 ? null : -1.2 - i - lambda)), row('train-best-static', lambda === 1 ? null : 0)] })),
};

const cells = (html: string, tag: 'th' | 'td'): string[] => [...html.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]);
/** The header cells of a terminal table (its first line, split on runs of two spaces). */
const termHeaders = (text: string, from: RegExp): string[] => {
  const lines = text.split('\n');
  return lines[lines.findIndex((l) => from.test(l))].trim().split(/ {2,}/);
};

describe('protocol section of report.html', () => {
  it('the gap-by-λ grid: every λ column of the terminal table, λ = 1 included, as two stacked tables that fit 800 px', () => {
    const html = gapByLambdaHtml(block);
    const terminal = gapByLambdaTable(block.byLambda, block.baseline);
    // one table per group of at most 6 λ (11 → 6 + 5), each with the policy column
    const tables = html.split('</table>').slice(0, -1);
    expect(tables).toHaveLength(2);
    expect(cells(tables[0], 'th')).toEqual(['gap closed', ...LAMBDAS.slice(0, 6).map((l) => `λ=${l}`)]);
    expect(cells(tables[1], 'th')).toEqual(['gap closed', ...LAMBDAS.slice(6).map((l) => `λ=${l}`)]);
    // together they are the terminal table's columns, in its order
    expect(['gap closed', ...tables.flatMap((t) => cells(t, 'th').slice(1))]).toEqual(termHeaders(terminal, /^gap closed/));
    // a 110-character terminal table (what report.html held before) loses the last columns
    expect(termHeaders(gapByLambdaTable(block.byLambda, block.baseline, 110), /^gap closed/)).not.toContain('λ=1');
    // linucb's row in each: −1.2 − 1 − λ per λ in percent, and – at λ = 1
    const tr = tables.map((t) => t.split('\n').find((l) => l.includes('<td>linucb</td>'))!);
    expect([...cells(tr[0], 'td'), ...cells(tr[1], 'td').slice(1)]).toEqual(['linucb', ...LAMBDAS.map((l) => (l === 1 ? '–' : `${(100 * (-2.2 - l)).toFixed(1)}%`))]);
    expect(cells(tr[1], 'td')[0]).toBe('linucb');
    expect(html).not.toContain('train-best-static');
    // a grid of 6 λ or fewer stays one table
    expect(gapByLambdaHtml({ ...block, byLambda: block.byLambda.slice(0, 6) }).match(/<table>/g)).toHaveLength(1);
  });

  it('the protocol table keeps the AIQ columns and marks hindsight baselines', () => {
    const html = protocolTableHtml(block);
    expect(cells(html, 'th')).toEqual(termHeaders(protocolTable(block), /^policy/));
    expect(cells(html, 'th')).toEqual(['policy', 'test regret', 'gap closed [95% CI]', 'accuracy', 'cost $', 'AIQ', 'AIQ / zero router']);
    const tr = html.split('\n').find((l) => l.includes('<td>linucb</td>'))!;
    // gap −1.3 ± 0.5, test regret 200 · (1 + 1.3), AIQ ratio 0.7189 / 0.806
    expect(cells(tr, 'td')).toEqual(['linucb', '460.0 ± 3.0', '-130.0% [-180.0%, -80.0%]', '0.6500', '0.0616', '0.7189', (0.7189 / 0.806).toFixed(3)]);
    expect(html).toContain('zero router AIQ on the test points: 0.8060');
    expect(html).toContain('(one split: the CI says nothing');
  });

  it('the section: heading at the table λ, both tables, the figure and the note; – explained', () => {
    const html = protocolSectionHtml(block, { figure: '<figure id="gap-closed"></figure>', note: 'below: the test stream' });
    expect(html).toMatch(/<h2>Train\/test protocol \(λ = 0\.5\)<\/h2>/);
    // the protocol table, then the gap-by-λ grid in two
    expect(html.match(/<table>/g)).toHaveLength(3);
    expect(html.indexOf('λ=1')).toBeGreaterThan(html.indexOf('AIQ / zero router'));
    expect(html).toContain('<figure id="gap-closed">');
    expect(html).toContain('<p class="note">below: the test stream</p>');
    expect(html).toContain("train-best-static's regret is 0 in some run");
    // one λ: no second table, and nothing to explain when every gap is defined
    const one = protocolSectionHtml({ ...block, byLambda: [block.byLambda[5]] });
    expect(one.match(/<table>/g)).toHaveLength(1);
    expect(one).not.toContain('nothing to close');
  });
});
