import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { heapKth, kthLargest } from '../../src/policies/kthLargest.js';

/** The k-th largest by sorting a copy (−∞ when there are at most k values). */
function sorted(v: Float32Array, lo: number, hi: number, k: number): number {
  if (hi - lo <= k) return -Infinity;
  return Array.from(v.subarray(lo, hi)).sort((a, b) => b - a)[k - 1];
}

describe('k-th largest similarity', () => {
  it('equals the sorted order statistic, with ties, clustered values, round-off past ±1 and any k', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 1, max: 3000 }), fc.constantFrom(1, 3, 17, 100, 1000, 2999), fc.constantFrom('spread', 'clustered', 'coarse'), (seed, n, k, shape) => {
        const rng = new Rng(seed);
        const lo = rng.int(5);
        const v = new Float32Array(lo + n + 3).fill(7);
        for (let i = lo; i < lo + n; i++) {
          // clustered: most values in one narrow band, so one histogram bin holds many; coarse: exact ties
          const x = shape === 'spread' ? 2.0000004 * rng.next() - 1.0000002 : shape === 'clustered' ? 0.3 + 1e-4 * rng.next() : Math.round(8 * rng.next()) / 8 - 0.5;
          v[i] = x;
        }
        const heap = new Float64Array(k);
        expect(kthLargest(v, lo, lo + n, k, heap)).toBe(sorted(v, lo, lo + n, k));
      }),
      { numRuns: 300 },
    );
  });

  it('with a NaN among the values it gives what the heap gives', () => {
    const rng = new Rng(2);
    const v = Float32Array.from({ length: 2000 }, () => 2 * rng.next() - 1);
    v[700] = NaN;
    expect(kthLargest(v, 0, 2000, 100, new Float64Array(100))).toBe(heapKth(v, 0, 2000, 100, new Float64Array(100)));
  });
});
