import { describe, expect, it } from 'vitest';
import type { ScenarioSummary } from '../../src/metrics/scenario.js';
import { scenarioCharts } from '../../src/report/chartsScenario.js';
import { figureTable } from '../../src/report/html.js';
import { budgetTable, eventsTable } from '../../src/report/terminalTable.js';
import { budgetUnit } from '../../src/sim/budget.js';

type Budget = NonNullable<ScenarioSummary['budget']>;
type Events = NonNullable<ScenarioSummary['events']>;

const ms = (mean: number, sd: number) => ({ mean, sd });

/** Two λ values, so the figure at one λ must leave the other's cells and the λ column out. */
function budget(): Budget {
  const cell = (lambda: number, label: string, final: number, acc: number, within: number) => ({ lambda, label, final: ms(final, 0), overshoot: ms(final / 0.05 - 1, 0), accuracy: ms(acc, 0), within5pct: within });
  return {
    kind: 'energy',
    limit: 0.05,
    unit: 'Wh per query',
    reference: { bestStatic: { model: 'phi-4-mini-4b', accuracy: 0.5836, value: 0.04699 }, bestMixture: { a: 'phi-4-mini-4b', b: 'gemma-3-12b', weightB: 0.0283, accuracy: 0.58636, value: 0.05 } },
    cells: [cell(0, 'budgeted-linucb', 0.050078, 0.63213, 1), cell(0, 'a<b>', 0.12216, 0.65026, 0), cell(0.5, 'linucb', 0.2, 0.7, 0.5)],
    curves: [0, 0.5].map((lambda) => ({ lambda, label: 'budgeted-linucb', steps: [25, 50], running: [0.08, 0.05] })),
  } as unknown as Budget;
}

const figures = (sc: Partial<ScenarioSummary>, lambdas: number[], Q = 50) => scenarioCharts({ budget: null, events: null, ...sc } as ScenarioSummary, lambdas, new Map(), 3, Q);

describe('the budget figure in report.html', () => {
  it('a short caption, and its numbers in tables with units: the cells of the terminal budget table', () => {
    const b = budget();
    const fig = figures({ budget: b }, [0, 0.5]).find((c) => c.name === 'budget-adherence-lambda-0')!;
    expect(fig.title).toBe('Budget adherence (λ = 0)');
    const [cells, refs] = fig.tables!;
    expect(cells.caption).toBe('Budget: energy 0.05 Wh per query; mean over 3 runs');
    expect(cells.headers).toEqual(['policy', 'final mean (Wh per query)', 'overshoot of the budget', 'accuracy', 'runs within 5 % of it']);
    // 0.050078 / 0.05 − 1 = +0.16 %, 0.12216 / 0.05 − 1 = +144.3 %; the λ = 0.5 cell stays out
    expect(cells.rows).toEqual([
      ['budgeted-linucb', '0.0501', '+0.2%', '0.6321', '100 %'],
      ['a<b>', '0.1222', '+144.3%', '0.6503', '0 %'],
    ]);
    expect(refs.caption).toBe('In hindsight, over the whole stream');
    expect(refs.headers).toEqual(['reference', 'model', 'accuracy', 'mean (Wh per query)']);
    expect(refs.rows).toEqual([
      ['best single model within the budget', 'phi-4-mini-4b', '0.5836', '0.0470'],
      ['best two-model mixture within it', 'phi-4-mini-4b + 3 % gemma-3-12b', '0.5864', '0.0500'],
    ]);
    // the terminal prints the same cells
    const term = budgetTable(b);
    for (const r of cells.rows) expect(term).toMatch(new RegExp(`^ +0 +${r.map((c) => c.replace(/[+<>]/g, '\\$&')).join(' +')}$`, 'm'));
    expect(term).toContain('best single model within the budget: phi-4-mini-4b, accuracy 0.5836 at 0.0470 Wh per query');
    expect(term).toContain('best two-model mixture within it: phi-4-mini-4b + 3 % gemma-3-12b, accuracy 0.5864');
  });

  it('renders as an escaped HTML table with its caption and headers', () => {
    const [cells, refs] = figures({ budget: budget() }, [0])[0].tables!;
    const html = figureTable(cells);
    expect(html).toMatch(/^<div class="wide"><table class="figtable"><caption>Budget: energy 0\.05 Wh per query; mean over 3 runs<\/caption><tr><th>policy<\/th><th>final mean \(Wh per query\)<\/th>/);
    expect(html).toContain('<tr><td>a&lt;b&gt;</td><td>0.1222</td><td>+144.3%</td><td>0.6503</td><td>0 %</td></tr>');
    expect(html).not.toContain('<b>');
    // the model column is text: left-aligned, may wrap
    expect(figureTable(refs)).toContain('<td>best two-model mixture within it</td><td class="text">phi-4-mini-4b + 3 % gemma-3-12b</td><td>0.5864</td>');
  });

  it('a latency budget: p95 in the headers, no mixture', () => {
    const b = { ...budget(), kind: 'latency', limit: 2, unit: budgetUnit('latency'), reference: { bestStatic: { model: 'tiny', accuracy: 0.25, value: 1.75 }, bestMixture: null } } as Budget;
    const [cells, refs] = figures({ budget: b }, [0])[0].tables!;
    expect(cells.headers[1]).toBe('final p95 (s)');
    expect(refs.headers[3]).toBe('p95 (s)');
    expect(refs.rows[1]).toEqual(['best two-model mixture', 'none for a p95 budget (not a mean)', '–', '–']);
  });
});

describe('the event figure in report.html', () => {
  it('per policy the regret in the window and its excess, then the best fixed model: the terminal events table cells', () => {
    const e = {
      window: 500,
      list: [{ step: 1250, what: 'm: accuracy −0.3' }],
      cells: [
        { lambda: 0.5, label: 'linucb', event: 0, regretAfter: ms(82.31, 1.52), excessAfter: ms(-5.84, 1.61) },
        { lambda: 0.5, label: 'ucb1', event: 0, regretAfter: ms(111.8, 3.5), excessAfter: ms(23.66, 2.7) },
        { lambda: 0, label: 'linucb', event: 0, regretAfter: ms(1, 1), excessAfter: ms(1, 1) },
      ],
      curves: [],
      bestStatic: [
        { lambda: 0.5, event: 0, model: 'qwen2.5-3b', regret: ms(88.14, 1.93) },
        { lambda: 0, event: 0, model: 'x', regret: ms(2, 0) },
      ],
    } as unknown as Events;
    const fig = figures({ events: e }, [0.5], 2000).find((c) => c.name === 'event-1-regret')!;
    expect(fig.title).toBe('Regret around step 1250, m: accuracy −0.3 (λ = 0.5)');
    const [t] = fig.tables!;
    expect(t.caption).toBe('Regret summed over the 500 steps from step 1250, mean ± sd over 3 runs');
    expect(t.headers).toEqual(['policy', 'regret in window', 'excess over the best fixed model']);
    expect(t.rows).toEqual([
      ['linucb', '82.3 ± 1.5', '-5.8 ± 1.6'],
      ['ucb1', '111.8 ± 3.5', '+23.7 ± 2.7'],
    ]);
    expect(t.refRows).toEqual([['qwen2.5-3b (best fixed model in hindsight)', '88.1 ± 1.9', '']]);
    const term = eventsTable(e);
    expect(term).toMatch(/^0\.5 +linucb +82\.3 ± 1\.5 +-5\.8 ± 1\.6$/m);
    expect(term).toMatch(/^0\.5 +ucb1 +111\.8 ± 3\.5 +\+23\.7 ± 2\.7$/m);
    expect(term).toContain('best fixed model at λ = 0.5: qwen2.5-3b, regret 88.1 ± 1.9');
    expect(figureTable(t)).toContain('<tr class="ref"><td>qwen2.5-3b (best fixed model in hindsight)</td><td>88.1 ± 1.9</td><td></td></tr>');
    // a window the stream cuts says so
    expect(figures({ events: e }, [0.5], 1500)[0].tables![0].caption).toContain("(window cut to 250 steps by the stream's end)");
  });
});
