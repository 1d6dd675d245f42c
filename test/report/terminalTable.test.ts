/** The terminal comparison table: its cost column follows the reward's cost (--cost), and the budget table. */
import { describe, expect, it } from 'vitest';
import type { Summary } from '../../src/metrics/summary.js';
import { budgetTable, summaryTable } from '../../src/report/terminalTable.js';

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

  it('the budget table: final statistic, overshoot and share of runs within 5 %', () => {
    const b = { kind: 'energy', limit: 0.05, unit: 'Wh per query', cells: [{ lambda: 0, label: 'x', final: ms(0.0525), overshoot: ms(0.05), accuracy: ms(0.6), within5pct: 0.6 }] };
    const out = budgetTable(b as never);
    expect(out.split('\n')[0]).toBe('Budget: energy 0.05 Wh per query');
    expect(row(out, 'x')).toEqual(['x', '0.0525', '+5.0%', '60 %']);
  });
});
