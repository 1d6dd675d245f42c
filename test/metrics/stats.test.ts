import fc from 'fast-check';
import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { benjaminiHochberg, mannWhitneyU, mean, meanSdCi, movingAverage, sd, tCritical95 } from '../../src/metrics/stats.js';
import { pairwiseTests } from '../../src/metrics/experiment.js';

const PUBLISHED = resolve(__dirname, '../../../shared/data/greenserv/published');

describe('descriptive statistics', () => {
  it('sample sd and a Student-t 95% interval', () => {
    const xs = [477.63, 453.35, 470.57, 480.22, 475.73];
    // by hand: mean 471.5, deviations² sum = 6.13²+18.15²+0.93²+8.72²+4.23² = 461.6...
    expect(mean(xs)).toBeCloseTo(471.5, 10);
    const ss = xs.reduce((s, x) => s + (x - 471.5) ** 2, 0);
    expect(sd(xs)).toBeCloseTo(Math.sqrt(ss / 4), 12);
    expect(tCritical95(4)).toBeCloseTo(2.776445, 5);
    const c = meanSdCi(xs);
    expect(c.ci95[1] - c.mean).toBeCloseTo((2.776445 * sd(xs)) / Math.sqrt(5), 4);
    expect(meanSdCi([3]).ci95).toEqual([3, 3]);
  });

  it('moving average with min_periods 1', () => {
    expect(Array.from(movingAverage([1, 2, 3, 4, 5], 2))).toEqual([1, 1.5, 2.5, 3.5, 4.5]);
    fc.assert(
      fc.property(fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 1, maxLength: 80 }), fc.integer({ min: 1, max: 20 }), (xs, w) => {
        const ma = movingAverage(xs, w);
        for (let i = 0; i < xs.length; i++) {
          const win = xs.slice(Math.max(0, i - w + 1), i + 1);
          expect(ma[i]).toBeCloseTo(win.reduce((a, b) => a + b, 0) / win.length, 8);
        }
      }),
    );
  });
});

describe('Mann–Whitney U (scipy default behaviour)', () => {
  it('exact p for fully separated 5 vs 5 samples is 2/252', () => {
    const r = mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
    expect(r.method).toBe('exact');
    expect(r.u1).toBe(0);
    expect(r.p).toBeCloseTo(2 / 252, 12);
  });

  it('exact whenever the smaller sample has at most 8 values and there are no ties, as scipy chooses', () => {
    // scipy.stats.mannwhitneyu(x, y) (1.10, method 'auto': asymptotic only when both samples exceed 8)
    const sep = mannWhitneyU([1, 2, 3, 4, 5, 6, 7, 8], [9, 10, 11, 12, 13, 14, 15, 16]);
    expect(sep.method).toBe('exact');
    expect(sep.p).toBeCloseTo(2 / 12870, 15);
    const eight = mannWhitneyU([1.0, 2.5, 3.1, 7.2, 8.8, 9.9, 11.0, 12.5], [4.0, 5.5, 6.1, 10.2, 13.3, 14.4, 15.0, 16.6]);
    expect(eight.method).toBe('exact');
    expect(eight.u1).toBe(17);
    expect(eight.p).toBeCloseTo(0.13038073038073036, 14);
    const unequal = mannWhitneyU([1, 4, 9], [2, 3, 5, 6, 7, 8, 10, 11, 12, 13]);
    expect(unequal.method).toBe('exact');
    expect(unequal.p).toBeCloseTo(0.2867132867132867, 14);
    expect(mannWhitneyU([2, 3, 5, 6, 7, 8, 10, 11, 12, 13], [1, 4, 9]).p).toBeCloseTo(0.2867132867132867, 14);
    // both above 8: the normal approximation
    expect(mannWhitneyU([1, 2, 3, 4, 5, 6, 7, 8, 9], [10, 11, 12, 13, 14, 15, 16, 17, 18]).method).toBe('asymptotic');
  });

  it('tie-corrected normal approximation reproduces the published 0.00749 and 0.00398', () => {
    // a constant baseline against varying regrets, and two constant baselines (spec §6.2)
    expect(mannWhitneyU([851.2, 851.2, 851.2, 851.2, 851.2], [457, 440, 470, 460, 455]).p).toBeCloseTo(0.00749, 5);
    expect(mannWhitneyU([851.2, 851.2, 851.2, 851.2, 851.2], [1070.9, 1070.9, 1070.9, 1070.9, 1070.9]).p).toBeCloseTo(0.00398, 5);
    expect(mannWhitneyU([5, 5, 5], [5, 5, 5]).p).toBe(1);
  });

  it('exact tail matches brute-force enumeration for small samples', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 1000 }), { minLength: 4, maxLength: 8 }), fc.integer({ min: 1, max: 3 }), (vals, k) => {
        const n1 = Math.min(k, vals.length - 1);
        const x = vals.slice(0, n1);
        const y = vals.slice(n1);
        const r = mannWhitneyU(x, y);
        expect(r.method).toBe('exact');
        // enumerate all assignments of ranks 1..n to group x
        const n = vals.length;
        const U = Math.max(r.u1, n1 * y.length - r.u1);
        let count = 0;
        let total = 0;
        const rec = (start: number, left: number, sum: number): void => {
          if (left === 0) {
            total++;
            const u1 = sum - (n1 * (n1 + 1)) / 2;
            if (u1 >= U) count++;
            return;
          }
          for (let i = start; i <= n; i++) rec(i + 1, left - 1, sum + i);
        };
        rec(1, n1, 0);
        // two-sided p = min(1, 2·P(U1 ≥ max(U1, U2))) under the null (U1 is symmetric)
        expect(r.p).toBeCloseTo(Math.min(1, (2 * count) / total), 10);
      }),
      { numRuns: 60 },
    );
  });
});

describe('pairwise significance of final regret', () => {
  // final regrets of X1 (5 runs, seed 40, repo semantics) as the engine sums them: a fixed model's regret is the
  // same sum in every run, but each run adds its steps in its own shuffled order, so the last digits differ
  const runs = (xs: number[]) => ({ perRun: xs.map((finalRegret) => ({ finalRegret })) });
  const largest = runs([1076.0056780209945, 1076.005678020996, 1076.0056780209936, 1076.0056780209964, 1076.005678020997]);
  const accuracy = runs([856.344991710972, 856.3449917109708, 856.3449917109698, 856.3449917109702, 856.3449917109709]);
  const linucb = runs([398.947556544556, 431.96849722156315, 414.449488436099, 433.98174236309933, 416.08004817424904]);

  it('counts a fixed model’s regrets as ties, as the published p-values do (0.00398, 0.00749)', () => {
    const t = pairwiseTests(0.5, [
      { label: 'largest', ...largest },
      { label: 'accuracy', ...accuracy },
      { label: 'linucb', ...linucb },
    ]);
    const p = (a: string, b: string) => t.find((x) => x.a === a && x.b === b)!;
    expect(p('largest', 'accuracy').method).toBe('asymptotic');
    expect(p('largest', 'accuracy').p).toBeCloseTo(0.00398, 5);
    expect(p('largest', 'linucb').p).toBeCloseTo(0.00749, 5);
    expect(p('accuracy', 'linucb').p).toBeCloseTo(0.00749, 5);
    expect(p('largest', 'accuracy').u).toBe(25);
  });

  it('leaves distinct regrets distinct', () => {
    const [r] = pairwiseTests(0.5, [
      { label: 'a', ...runs([1, 2, 3, 4, 5]) },
      { label: 'b', ...runs([1 + 1e-6, 6, 7, 8, 9]) },
    ]);
    expect(r.method).toBe('exact');
    expect(r.p).toBeCloseTo(mannWhitneyU([1, 2, 3, 4, 5], [1 + 1e-6, 6, 7, 8, 9]).p, 15);
  });
});

describe('Benjamini–Hochberg', () => {
  it('matches a hand-computed example', () => {
    // sorted p: 0.01, 0.02, 0.03, 0.04, 0.05 with m = 5 → 0.05, 0.05, 0.05, 0.05, 0.05
    expect(benjaminiHochberg([0.05, 0.01, 0.03, 0.02, 0.04]).map((v) => +v.toFixed(10))).toEqual([0.05, 0.05, 0.05, 0.05, 0.05]);
    expect(benjaminiHochberg([0.001, 0.2, 0.9]).map((v) => +v.toFixed(10))).toEqual([0.003, 0.3, 0.9]);
  });

  it.skipIf(!existsSync(PUBLISHED))('reproduces the published X1 corrected p-values from the raw ones', () => {
    const rows = readFileSync(resolve(PUBLISHED, 'X1_algorithm_comparison_significance_tests.csv'), 'utf8').trim().split('\n').slice(1);
    const raw = rows.map((r) => Number(r.split(',')[1]));
    const pub = rows.map((r) => Number(r.split(',')[2]));
    const adj = benjaminiHochberg(raw);
    // published values are rounded to 3 significant digits
    adj.forEach((a, i) => expect(Math.abs(a - pub[i]) / pub[i]).toBeLessThan(0.01));
  });
});
if (!existsSync(PUBLISHED)) console.warn('shared data absent: skipping the published BH check');
