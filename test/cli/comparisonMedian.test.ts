/**
 * The published-figures summary of a long sweep (more than 40 comparisons) prints per metric the median and the
 * largest absolute gap. With an even count the median is the mean of the two middle values, as the README's
 * X3 row states it.
 */
import { describe, expect, it } from 'vitest';
import { experimentTable } from '../../src/cli/experiment.js';
import type { ExperimentSummary } from '../../src/metrics/experiment.js';

function summaryWithGaps(gaps: number[]): ExperimentSummary {
  const rows = gaps.map((g, i) => ({ lambda: i / 100, label: 'linucb', metric: 'energyWh', ours: 100 + g, published: 100, gapPct: g }));
  return {
    name: 'sweep', title: 'sweep', dataset: { name: 'pool' }, runs: 5, seed: 40, semantics: 'repo', lambdas: [0, 1], cells: [],
    comparison: { source: 'test', semantics: 'repo', rows },
  } as unknown as ExperimentSummary;
}

/** The median and max cells of the metric's row, e.g. ['1.3%', '4.0%']. */
function medianAndMax(text: string): string[] {
  const row = text.split('\n').find((l) => l.startsWith('energyWh'));
  expect(row).toBeDefined();
  return row!.trim().split(/\s+/).slice(2);
}

describe('median |gap| of the published-figures summary', () => {
  it('averages the two middle gaps of an even count (44 values, middle pair 1.2 and 1.4 → 1.3 %)', () => {
    // 21 small gaps, the middle pair −1.2 / 1.4 (absolute values sort them 22nd and 23rd), 21 large ones
    const gaps = [...Array.from({ length: 21 }, (_, i) => 0.1 + i * 0.01), -1.2, 1.4, ...Array.from({ length: 21 }, (_, i) => 3 + i * 0.05)];
    const abs = gaps.map(Math.abs).sort((a, b) => a - b);
    const brute = (abs[21] + abs[22]) / 2; // by hand: (1.2 + 1.4) / 2
    expect(brute).toBeCloseTo(1.3, 12);
    expect(medianAndMax(experimentTable(summaryWithGaps(gaps)))).toEqual(['1.3%', '4.0%']);
  });

  it('takes the middle gap of an odd count', () => {
    const gaps = Array.from({ length: 41 }, (_, i) => (i % 2 ? -1 : 1) * (i + 1) * 0.1);
    expect(medianAndMax(experimentTable(summaryWithGaps(gaps)))).toEqual(['2.1%', '4.1%']);
  });
});
