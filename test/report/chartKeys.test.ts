import { describe, expect, it } from 'vitest';
import type { CellSummary, ExperimentSummary } from '../../src/metrics/experiment.js';
import { meanSd, meanSdCi } from '../../src/metrics/stats.js';
import { finalRegretBoxSpec, lambdaSweepSpec } from '../../src/report/chartsSpread.js';
import { experimentReport } from '../../src/report/html.js';

type Spec = any;
const subtitle = (spec: Spec): string => (typeof spec.title === 'string' ? '' : spec.title.subtitle);
const colours = new Map([
  ['a', '#e45756'],
  ['b', '#54a24b'],
]);
const key = { text: 'Final regret per run', subtitle: 'box: quartiles · dots: runs · bar: quartiles equal' };

describe('box plot keys', () => {
  it('name the bar only when one is drawn (a group whose quartiles meet)', () => {
    const spread = [1, 5, 9, 2, 6, 10].map((regret, i) => ({ label: i < 3 ? 'a' : 'b', regret: 100 + regret }));
    const noBar = finalRegretBoxSpec({ title: key, rows: spread, order: ['a', 'b'], colours }) as Spec;
    expect(noBar.layer.some((l: Spec) => l.mark.type === 'tick')).toBe(false);
    expect(subtitle(noBar)).not.toContain('bar');
    expect(subtitle(noBar)).toContain('box: quartiles · dots: runs');
    const flat = [...spread.slice(0, 3), ...[7, 7, 7].map((r) => ({ label: 'b', regret: 100 + r }))];
    const withBar = finalRegretBoxSpec({ title: key, rows: flat, order: ['a', 'b'], colours }) as Spec;
    expect(withBar.layer.some((l: Spec) => l.mark.type === 'tick')).toBe(true);
    expect(subtitle(withBar)).toContain('bar: quartiles equal');
  });

  it('the λ sweep keeps its other notes when the bar note goes', () => {
    const rows = [0.5, 0.6, 0.7].flatMap((acc, i) => [{ lambda: '0', label: 'a', accuracy: acc + i * 0.01, wh: 1 }, { lambda: '1', label: 'a', accuracy: acc - i * 0.02, wh: 2 }]);
    const spec = lambdaSweepSpec({ title: { text: 't', subtitle: 'bar: quartiles equal' }, field: 'accuracy', axisTitle: 'accuracy', rows, labels: ['a'], colours }) as Spec;
    expect(subtitle(spec)).toBe('y axis does not start at 0');
  });
});

function cell(label: string, regret: number[]): CellSummary {
  return { lambda: 0.5, label, policy: label, params: {}, features: [], finalRegret: meanSdCi(regret), reward: meanSd([0.7]), accuracy: meanSd([0.6]), energyWh: meanSd([150]), costNorm: meanSd([0.1]), latencyS: meanSd([0.1]), selection: {}, perRun: regret.map((r, run) => ({ run, seed: run, finalRegret: r, reward: 0.7, accuracy: 0.6, energyWh: 150 })) };
}

function summary(significant: boolean[]): ExperimentSummary {
  const labels = ['a', 'b', 'c'].slice(0, significant.length === 1 ? 2 : 3);
  return {
    schemaVersion: 1, kind: 'experiment', name: 's', title: 'S', dataset: { name: 'd', queries: 10, models: 2, sha256: 'a'.repeat(64) },
    semantics: 'repo', oracle: 'full', runs: 2, seed: 1, lambdas: [0.5], oracleTotal: [1], events: [],
    cells: labels.map((l) => cell(l, [1, 2])),
    significance: significant.map((s, i) => ({ lambda: 0.5, a: 'a', b: labels[i + 1] ?? 'c', u: 1, p: 0.01, pAdjusted: 0.01, significant: s, method: 'exact' as const })),
    models: [], comparison: null,
  };
}

describe('the significance line', () => {
  it.each([
    [[false], 'the pair does not differ'],
    [[true], 'the pair differs'],
    [[true, false, false], '1 of 3 pairs differs'],
    [[true, true, false], '2 of 3 pairs differ'],
  ])('%j → %s', (sig, text) => {
    expect(experimentReport({ summary: summary(sig), charts: [], configText: '', manifest: {} })).toContain(`α = 0.05): ${text}</summary>`);
  });
});
