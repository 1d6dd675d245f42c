/** readSimulateSummary: the perRun count it expects, with and without the train/test protocol's splits. */
import { describe, expect, it } from 'vitest';
import { readSimulateSummary } from '../../src/report/simulateSummary.js';

const stat = (mean: number) => ({ mean, sd: 1, ci95: [mean - 1, mean + 1] });
const row = (name: string, regret: number) => ({
  name,
  testRegret: stat(regret),
  gapClosed: { mean: 0.1, ci95: [0, 0.2], over: 'splits', n: 3 },
  accuracy: 0.6,
  energyWh: 10,
  costUsd: null,
  costNorm: 0.2,
});

/** A simulate summary of two policies whose perRun lists `n` runs each; `splits` adds a protocol block. */
function summary(runs: number, n: number, splits?: number): Record<string, unknown> {
  const policy = (name: string) => ({
    name,
    params: {},
    finalRegret: stat(50),
    reward: { mean: 0.7, sd: 0 },
    accuracy: { mean: 0.6, sd: 0 },
    energyWh: { mean: 10, sd: 0 },
    costNorm: { mean: 0.2, sd: 0 },
    latencyS: { mean: null, sd: null },
    selection: { a: 1 },
    perRun: Array.from({ length: n }, (_, i) => ({ seed: 40 + i, finalRegret: 50 + i, reward: 0.7, accuracy: 0.6, energyWh: 10 })),
  });
  return {
    dataset: { name: 'd', queries: 100, models: 2, sha256: 'a'.repeat(64) },
    lambda: 0.5,
    runs,
    seed: 40,
    semantics: 'paper',
    contexts: { features: ['task'] },
    oracle: { mode: 'full', totalReward: 80 },
    policies: [policy('linucb'), policy('train-best-static')],
    ...(splits === undefined
      ? {}
      : {
          protocol: {
            kind: 'split',
            fraction: 0.5,
            splits,
            train: null,
            trainQueries: 100,
            testQueries: 100,
            baseline: 'train-best-static',
            hindsight: ['best-static', 'oracle', 'most-accurate'],
            policies: [row('linucb', 45), row('train-best-static', 50)],
          },
        }),
  };
}

const read = (s: unknown) => readSimulateSummary(JSON.stringify(s), 'D/summary.json');

describe('readSimulateSummary', () => {
  it('under --splits k, perRun lists runs × k entries (every split\'s runs) and is accepted', () => {
    const s = read(summary(2, 10, 5));
    expect(s.policies[0].perRun).toHaveLength(10);
    expect(s.protocol?.splits).toBe(5);
    expect(s.protocol?.policies.map((p) => p.name)).toEqual(['linucb', 'train-best-static']);
    // one split: perRun is the runs themselves
    expect(read(summary(2, 2, 1)).policies[1].perRun).toHaveLength(2);
  });

  it('still refuses a perRun count that is not runs × splits, naming both', () => {
    expect(() => read(summary(2, 9, 5))).toThrow("D/summary.json: field 'policies.0.perRun': 9 runs, 'runs' × 'protocol.splits' says 2 × 5 = 10");
    expect(() => read(summary(2, 2, 5))).toThrow(/'policies\.0\.perRun': 2 runs, 'runs' × 'protocol\.splits' says 2 × 5 = 10/);
    // without a protocol block there are no splits: perRun must be the runs
    expect(() => read(summary(2, 10))).toThrow("D/summary.json: field 'policies.0.perRun': 10 runs, 'runs' says 2");
    expect(read(summary(3, 3)).runs).toBe(3);
  });

  it("keeps what the report's protocol footnotes say: the trained routers' fitted settings and the static model chosen", async () => {
    const raw = summary(2, 10, 5);
    const rows = (raw.protocol as { policies: Record<string, unknown>[] }).policies;
    rows[0].fitted = { reg: [10, 10, 100, 10, 1] };
    rows[1].chose = { b: 0.6, a: 0.4 };
    const s = read(raw);
    expect(s.protocol?.policies[0].fitted).toEqual({ reg: [10, 10, 100, 10, 1] });
    expect(s.protocol?.policies[1].chose).toEqual({ b: 0.6, a: 0.4 });
    // report.html says them, as the terminal does (they were dropped by the reader, so the page had neither)
    const { protocolTableHtml } = await import('../../src/report/protocolHtml.js');
    const html = protocolTableHtml({ ...s.protocol!, byLambda: [] } as never);
    expect(html).toContain('fitted on the train part, per split: linucb reg 10, 10, 100, 10, 1');
    expect(html).toContain("deploy train-best-static (b 60.0% of the test decisions, a 40.0%)");
  });

  it('refuses a protocol block that does not fit the rest of the summary', () => {
    const other = summary(2, 6, 3);
    (other.protocol as { policies: unknown[] }).policies = [row('linucb', 45)];
    expect(() => read(other)).toThrow(/field 'protocol\.policies': its rows \(linucb\) are not the policies of 'policies'/);
    const size = summary(2, 6, 3);
    (size.protocol as { testQueries: number }).testQueries = 99;
    expect(() => read(size)).toThrow(/field 'protocol\.testQueries': 99, 'dataset\.queries' \(the test stream\) says 100/);
    const bad = summary(2, 6, 3);
    (bad.protocol as { splits: number }).splits = 0;
    expect(() => read(bad)).toThrow(/not a simulate summary: field 'protocol\.splits'/);
  });
});
