/** The terminal comparison table: its cost column follows the reward's cost (--cost), and the scenario tables under it. */
import { describe, expect, it } from 'vitest';
import type { Summary } from '../../src/metrics/summary.js';
import type { ScenarioSummary } from '../../src/metrics/scenario.js';
import { budgetTable, eventsTable, feedbackTable, fitColumns, poolEventLines, renderTableFit, scenarioTables, summaryTable, wrapAt, wrapItems, wrapList } from '../../src/report/terminalTable.js';

const ms = (mean: number) => ({ mean, sd: 0 });
function policy(name: string, energyWh: number, costUsd: number, latencyS: number) {
  return { name, finalRegret: ms(100), accuracy: ms(0.5), energyWh: ms(energyWh), costUsd: ms(costUsd), latencyS: ms(latencyS), reward: ms(0.7), vsRandom: { regretPct: 0, accuracyPct: 0, energyWhPct: name === 'random' ? 0 : -50 } };
}
function summary(cost: string): Summary {
  return {
    dataset: { name: 't', queries: 10, models: 2 },
    lambda: 0.5,
    runs: 1,
    seed: 1,
    semantics: 'paper',
    contexts: { d: 3 },
    oracle: { totalReward: 1 },
    reward: { cost, expression: null },
    policies: [policy('a', 2, 0.004, 1.5), policy('random', 4, 0.002, 3)],
  } as unknown as Summary;
}
const row = (out: string, name: string): string[] => out.split('\n').find((l) => l.startsWith(`${name} `))!.trim().split(/\s{2,}/);

describe('summaryTable', () => {
  it('shows the cost the reward prices: energy by default, dollars or latency when asked', () => {
    const e = summaryTable(summary('energy'));
    expect(e).toMatch(/energy Wh/);
    expect(row(e, 'a')[3]).toBe('2.0');
    const u = summaryTable(summary('usd'));
    expect(u).toMatch(/cost \$/);
    // a: 0.004 against random's 0.002 is +100 %
    expect(row(u, 'a')).toEqual(['a', '100.0 ± 0.0', '0.5000', '0.00400', '0.7000', '+0.0%', '+0.0%', '+100.0%']);
    const l = summaryTable(summary('latency'));
    expect(l).toMatch(/latency s/);
    expect(l).not.toMatch(/energy Wh/);
    // 1.5 s against 3 s is −50 %
    expect(row(l, 'a').slice(3)).toEqual(['1.500', '0.7000', '+0.0%', '+0.0%', '-50.0%']);
  });

  it('counts in the head line: one query and one model in the singular, more in the plural', () => {
    const one = { ...summary('energy'), dataset: { name: 't', queries: 1, models: 1 } } as Summary;
    expect(summaryTable(one).split('\n')[0]).toMatch(/^t: 1 query × 1 model · λ = 0\.5 · 1 run · /);
    expect(summaryTable(summary('energy')).split('\n')[0]).toMatch(/^t: 10 queries × 2 models · /);
  });

  it('names the model of each fixed-model baseline under the table, with shares when it changed mid-stream', () => {
    const s = summary('energy');
    const sel = (name: string, selection: Record<string, number>) => ({ ...policy(name, 1, 0, 0), selection });
    s.policies = [sel('best-static', { m1: 1 }), sel('largest', { m2: 0.75, m3: 0.25 }), sel('linucb', { m1: 0.5, m2: 0.5 }), sel('random', { m1: 0.5, m2: 0.5 })] as never;
    const out = summaryTable(s);
    expect(out.split('\n').filter((l) => l.startsWith('fixed models:'))).toEqual(['fixed models: best-static m1 · largest m2 75 %, m3 25 %']);
    // at 40 columns the line breaks between baselines
    const narrow = summaryTable(s, 40).split('\n');
    const at = narrow.findIndex((l) => l.startsWith('fixed models:'));
    expect(narrow.slice(at, at + 2)).toEqual(['fixed models: best-static m1', 'largest m2 75 %, m3 25 %']);
    // none among the policies: no line
    expect(summaryTable(summary('energy'))).not.toMatch(/fixed models/);
  });

  it('the budget table: final statistic, overshoot, accuracy and share of runs within 5 %', () => {
    const b = { kind: 'energy', limit: 0.05, unit: 'Wh per query', cells: [{ lambda: 0, label: 'x', final: ms(0.0525), overshoot: ms(0.05), accuracy: ms(0.6), within5pct: 0.6 }] };
    const out = budgetTable(b as never);
    expect(out.split('\n')[0]).toBe('Budget: energy 0.05 Wh per query');
    expect(row(out, 'x')).toEqual(['x', '0.0525', '+5.0%', '0.6000', '60 %']);
    // a summary without references (an older file) has no hindsight lines
    expect(out).not.toMatch(/hindsight/);
  });
});

const msd = (mean: number, sd: number) => ({ mean, sd });
/** The lines of `out` from the one that starts with `from` up to the next blank line after its table. */
function block(out: string, from: string): string {
  const lines = out.split('\n');
  const i = lines.findIndex((l) => l.startsWith(from));
  expect(i, from).toBeGreaterThanOrEqual(0);
  const rule = lines.findIndex((l, j) => j > i && l.startsWith('─'));
  const end = lines.findIndex((l, j) => j > rule && l === '');
  return lines.slice(i, end < 0 ? undefined : end).join('\n');
}
/** The cells of the table row whose first non-λ cell is `label` (cells are separated by two or more spaces). */
const cells = (out: string, label: string, lambda?: number): string[] =>
  out
    .split('\n')
    .map((l) => l.trim().split(/\s{2,}/))
    .find((c) => (lambda === undefined ? c[0] === label : c[0] === String(lambda) && c[1] === label))!;

describe('budget references', () => {
  const budget = (kind: string, reference: unknown) => ({ kind, limit: 0.05, unit: kind === 'latency' ? 's (p95)' : 'Wh per query', reference, cells: [], curves: [] }) as never;

  it('the best single model and the best two-model mixture that meet the budget, as summary.json holds them', () => {
    const out = budgetTable(budget('energy', { bestStatic: { model: 'phi', accuracy: 0.58361, value: 0.04702 }, bestMixture: { a: 'phi', b: 'gemma', weightB: 0.0312, accuracy: 0.58644, value: 0.05 } }));
    expect(out).toContain('In hindsight, over the whole stream:\n');
    expect(out).toContain('  best single model within the budget: phi, accuracy 0.5836 at 0.0470 Wh per query\n');
    expect(out).toContain('  best two-model mixture within it: phi + 3 % gemma, accuracy 0.5864\n');
    // on a narrow terminal an item wraps under itself, never back to the margin
    const narrow = budgetTable(budget('energy', { bestStatic: { model: 'phi-4-mini-4b', accuracy: 0.58361, value: 0.04702 }, bestMixture: null }), 50).split('\n');
    const at = narrow.findIndex((l) => l.startsWith('  best single model'));
    expect(narrow[at + 1]).toMatch(/^ {4}\S/);
    for (const l of narrow.slice(at, at + 3)) expect(l.length).toBeLessThanOrEqual(50);
  });

  it('a mixture no better than the single model reads "alone"; a weight below 0.5 % keeps a decimal; none is said', () => {
    const alone = budgetTable(budget('energy', { bestStatic: { model: 'phi', accuracy: 0.5, value: 0.04 }, bestMixture: { a: 'phi', b: 'phi', weightB: 0, accuracy: 0.5, value: 0.04 } }));
    expect(alone).toContain('best two-model mixture within it: phi alone, accuracy 0.5000');
    const small = budgetTable(budget('energy', { bestStatic: null, bestMixture: { a: 'a', b: 'b', weightB: 0.004, accuracy: 0.3, value: 0.05 } }));
    expect(small).toContain('best single model within the budget: none\n');
    expect(small).toContain('a + 0.4 % b, accuracy 0.3000');
    const none = budgetTable(budget('energy', { bestStatic: null, bestMixture: null }));
    expect(none).toContain('best two-model mixture within it: none');
    // a latency budget is on the p95, which a mixture's mean does not give: no mixture is computed
    const lat = budgetTable(budget('latency', { bestStatic: { model: 'tiny', accuracy: 0.25, value: 1.75 }, bestMixture: null }));
    expect(lat).toContain('best single model within the budget: tiny, accuracy 0.2500 at 1.7500 s (p95)');
    expect(lat).toContain('best two-model mixture: none for a p95 budget (not a mean)');
  });
});

/** Two events, two λ; the second event's window runs past the end of a 1,000-step stream. */
function events(): NonNullable<ScenarioSummary['events']> {
  return {
    window: 300,
    list: [
      { step: 400, what: 'phi: accuracy −0.3' },
      { step: 800, what: '−llama +gemma' },
    ],
    cells: [
      { lambda: 0.5, label: 'linucb', event: 0, regretAfter: msd(83.64, 4.22), excessAfter: msd(-3.88, 5.18) },
      { lambda: 0.5, label: 'discounted', event: 0, regretAfter: msd(79.0, 3.7), excessAfter: msd(12.04, 0.55) },
      { lambda: 1, label: 'linucb', event: 0, regretAfter: msd(10.7, 2.4), excessAfter: msd(5.5, 2.4) },
      { lambda: 1, label: 'discounted', event: 0, regretAfter: msd(23.0, 3.8), excessAfter: msd(0, 0) },
      { lambda: 0.5, label: 'linucb', event: 1, regretAfter: msd(68.25, 5.94) },
      { lambda: 0.5, label: 'discounted', event: 1, regretAfter: msd(75.6, 1.2), excessAfter: msd(11.3, 0.5) },
      { lambda: 1, label: 'linucb', event: 1, regretAfter: msd(6.1, 0.2), excessAfter: msd(2.5, 0.3) },
      { lambda: 1, label: 'discounted', event: 1, regretAfter: msd(6.2, 2.7), excessAfter: msd(2.6, 2.8) },
    ],
    bestStatic: [
      { lambda: 0.5, event: 0, model: 'gemma', regret: msd(87.48, 1.73) },
      { lambda: 1, event: 0, model: 'llama-1b', regret: msd(5.2, 0.1) },
      { lambda: 0.5, event: 1, model: 'qwen', regret: msd(64.3, 1.7) },
      { lambda: 1, event: 1, model: 'llama-1b', regret: msd(3.6, 0.1) },
    ],
    curves: [],
  };
}

describe('eventsTable', () => {
  it('one block per event: its step and change, the best fixed model per λ, and per cell the window regret and excess', () => {
    const out = eventsTable(events(), Infinity, 1000);
    expect(out.split('\n').slice(0, 2)).toEqual([
      'Events: regret summed over the 300 steps from each event, mean ± sd over runs',
      "excess: that regret minus the regret of the window's best fixed model in hindsight",
    ]);
    const e1 = block(out, 'event 1 ');
    expect(e1.split('\n').slice(0, 3)).toEqual(['event 1 at step 400 — phi: accuracy −0.3', '  best fixed model at λ = 0.5: gemma, regret 87.5 ± 1.7', '  best fixed model at λ = 1: llama-1b, regret 5.2 ± 0.1']);
    expect(cells(e1, 'linucb', 0.5)).toEqual(['0.5', 'linucb', '83.6 ± 4.2', '-3.9 ± 5.2']);
    expect(cells(e1, 'discounted', 0.5)).toEqual(['0.5', 'discounted', '79.0 ± 3.7', '+12.0 ± 0.6']);
    expect(cells(e1, 'discounted', 1)).toEqual(['1', 'discounted', '23.0 ± 3.8', '+0.0 ± 0.0']);
    // event 2 starts at 800 of 1,000 steps: its window holds 200 steps; a cell without a reference shows '–'
    const e2 = block(out, 'event 2 ');
    expect(e2.split('\n')[0]).toBe("event 2 at step 800 — −llama +gemma (window cut to 200 steps by the stream's end)");
    expect(e2).toContain('  best fixed model at λ = 0.5: qwen, regret 64.3 ± 1.7');
    expect(cells(e2, 'linucb', 0.5)).toEqual(['0.5', 'linucb', '68.3 ± 5.9', '–']);
    // each block lists its own event's cells only
    expect(e1).not.toContain('68.3');
    expect(e2).not.toContain('83.6');
  });

  it('a single λ has no λ column and no λ in the best-model line; without references there is no excess column', () => {
    const e = events();
    e.cells = e.cells.filter((c) => c.lambda === 0.5).map(({ excessAfter: _x, ...c }) => c);
    e.bestStatic = undefined;
    const out = eventsTable(e);
    expect(out).not.toMatch(/excess|best fixed|λ|window cut/);
    expect(cells(block(out, 'event 1 '), 'linucb')).toEqual(['linucb', '83.6 ± 4.2']);
    const one = events();
    one.cells = one.cells.filter((c) => c.lambda === 1);
    one.bestStatic = one.bestStatic!.filter((b) => b.lambda === 1);
    const o1 = eventsTable(one);
    expect(o1).toContain('  best fixed model: llama-1b, regret 5.2 ± 0.1\n');
    expect(cells(block(o1, 'event 1 '), 'linucb')).toEqual(['linucb', '10.7 ± 2.4', '+5.5 ± 2.4']);
  });
});

describe('feedbackTable', () => {
  it('labels delivered per cell and their share of the decisions (delivered + unlabelled)', () => {
    const f = {
      delay: 'geometric:50',
      rate: 0.3,
      cells: [
        { lambda: 0.5, label: 'linucb', delivered: msd(728.6, 28.3), unlabelled: msd(1771.4, 28.3) },
        { lambda: 0.5, label: 'random', delivered: msd(300, 0), unlabelled: msd(700, 0) },
      ],
    };
    const out = feedbackTable(f);
    expect(out.split('\n')[0]).toBe('Feedback: delay geometric:50, rate 0.3; labels per run, mean ± sd over runs');
    // 728.6 / 2500 = 29.144 %
    expect(cells(out, 'linucb')).toEqual(['linucb', '728.6 ± 28.3', '29.1 %', '1771.4 ± 28.3']);
    expect(cells(out, 'random')).toEqual(['random', '300.0 ± 0.0', '30.0 %', '700.0 ± 0.0']);
  });
});

describe('scenarioTables', () => {
  const sc = (): ScenarioSummary =>
    ({
      budget: { kind: 'energy', limit: 0.05, unit: 'Wh per query', reference: { bestStatic: null, bestMixture: null }, cells: [{ lambda: 0.5, label: 'linucb', final: ms(0.06), overshoot: ms(0.2), accuracy: ms(0.6), within5pct: 0 }], curves: [] },
      events: { ...events(), list: [{ step: 400, what: `${Array.from({ length: 12 }, (_, i) => `−model-number-${i}`).join(' ')} +a-model-with-a-long-name` }, events().list[1]] },
      feedback: { delay: '20', rate: 1, cells: [{ lambda: 0.5, label: 'linucb', delivered: msd(980, 0), unlabelled: msd(20, 0) }] },
    }) as ScenarioSummary;

  it('budget, events and feedback in that order, each after a blank line; nothing without a scenario', () => {
    const out = scenarioTables(sc(), Infinity, 1000);
    expect(out.startsWith('\nBudget: ')).toBe(true);
    const at = ['\nBudget: ', '\n\nEvents: ', '\n\nFeedback: '].map((h) => out.indexOf(h));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(scenarioTables(undefined)).toBe('');
    expect(scenarioTables({ budget: null, events: null })).toBe('');
    expect(scenarioTables({ ...sc(), budget: null, feedback: undefined })).not.toMatch(/Budget|Feedback/);
  });

  it("under drift the budget's hindsight references are captioned as on the table as loaded, as in report.html", () => {
    // sc() lists two events: the first a pool change; as the second is one too, nothing drifts
    const caption = (poolEvents: number) => /In hindsight, [^:]*:/.exec(scenarioTables(sc(), Infinity, 1000, poolEvents))![0];
    expect(caption(2)).toBe('In hindsight, over the whole stream:');
    expect(caption(1)).toBe('In hindsight, over the table as loaded (before the drift):');
    expect(caption(0)).toBe('In hindsight, over the table as loaded (before the drift):');
  });

  it('fits a 100-column terminal: long event labels wrap at spaces', () => {
    const out = scenarioTables(sc(), 100, 1000);
    for (const l of out.split('\n')) expect(l.length, l).toBeLessThanOrEqual(100);
    expect(out).toContain('+a-model-with-a-long-name');
  });

  it('summaryTable shows them under the results table', () => {
    const s = { ...summary('energy'), scenario: sc() } as Summary;
    const out = summaryTable(s);
    expect(out.indexOf('\nBudget: ')).toBeGreaterThan(out.indexOf('\nrandom '));
    expect(out).toContain('\nEvents: ');
    expect(out).toContain('\nFeedback: ');
    // the summary's stream has 10 queries: both windows are cut
    expect(out).toContain('window cut to 0 steps');
  });

  it('pool events of an experiment without event windows: what changed and how to have the regret measured', () => {
    expect(poolEventLines([{ step: 1000, remove: ['llama'], add: ['gemma'] }])).toBe(
      'Events:\nevent 1 at step 1000 — −llama +gemma\n(regret after each event not measured: set eventWindow: in the experiment to have it)\n',
    );
  });
});

describe('line wrapping and column fitting', () => {
  it('lays out a table of 200,000 rows (column widths and the widest line were spread calls, beyond the stack)', () => {
    const rows = Array.from({ length: 200_000 }, (_, i) => [`model-${i}`, String(i % 7)]);
    const out = renderTableFit(['model', 'n'], rows, [false, true], 80, []);
    const lines = out.split('\n');
    expect(lines[0]).toBe('model         n');
    expect(lines[lines.length - 1]).toBe('model-199999  2'); // 199,999 mod 7
  });

  it('never breaks between a number and its % sign', () => {
    expect(wrapAt('given for 30 % of queries', ' ', 12)).toBe('given for\n30 % of\nqueries');
    expect(wrapItems('share 12.5 % · rate 30 %', 10)).toBe('share\n12.5 %\nrate 30 %');
    // a % that follows no number is an ordinary word
    expect(wrapAt('a b % c', ' ', 3)).toBe('a b\n% c');
  });

  it('wrapItems breaks each line of a text on its own: items first, then the words of an item still too wide', () => {
    // by hand: 'ab · cd · ef' is 12 wide, so it breaks at its second separator (dropped); the second line is
    // one sentence of 13, broken between words
    expect(wrapItems('ab · cd · ef\none two three', 9)).toBe('ab · cd\nef\none two\nthree');
    // a line that fits is left alone, and the break after it stays where it was
    expect(wrapItems('ab · cd\nef', 9)).toBe('ab · cd\nef');
  });

  it('wrapList breaks a list between items and keeps the separator\'s mark at the end of a broken line', () => {
    expect(wrapList('mmlu (500), gsm8k (500), hellaswag (500)', ', ', 26)).toBe('mmlu (500), gsm8k (500),\nhellaswag (500)');
    expect(wrapList('a, b', ', ', Infinity)).toBe('a, b');
    // an item wider than the width breaks between its words
    expect(wrapList('x, a long item here', ', ', 8)).toBe('x,\na long\nitem\nhere');
  });

  it('fitColumns leaves out columns in the order given until the layout fits', () => {
    const render = (keep: boolean[]): string => ['aaaa', 'bbbb', 'cccc'].filter((_, j) => keep[j]).join(' ');
    expect(fitColumns(3, Infinity, [1, 2], render)).toBe('aaaa bbbb cccc');
    expect(fitColumns(3, 10, [1, 2], render)).toBe('aaaa cccc');
    expect(fitColumns(3, 4, [[1, 2]], render)).toBe('aaaa');
  });

  it('renderTableFit names the columns it left out under the table, and nothing when all fit', () => {
    const headers = ['policy', 'regret', 'cost $', 'AIQ'];
    const rows = [['knn', '131.0', '0.459', '0.8638']];
    const right = [false, true, true, true];
    // every column: 'policy  regret  cost $     AIQ' is 31 wide
    const all = renderTableFit(headers, rows, right, Infinity, [3, 2]);
    expect(all.split('\n')).toHaveLength(3);
    expect(all).not.toMatch(/left out/);
    // at 20 columns AIQ, then cost $ give way ('policy  regret' is 14 wide), and the note names them in the table's order
    const narrow = renderTableFit(headers, rows, right, 20, [3, 2]);
    expect(narrow.split('\n').slice(0, 3)).toEqual(['policy  regret', '──────  ──────', 'knn      131.0']);
    expect(narrow.split('\n').slice(3).join(' ')).toBe('(left out to fit the terminal: cost $, AIQ)');
    for (const line of narrow.split('\n')) expect(line.length, line).toBeLessThanOrEqual(20);
  });
});
