import { describe, expect, it } from 'vitest';
import { interleavedRatio, median, throughputRatios, timedRate } from '../../src/sim/throughput.js';

/** A slice source that replays a fixed series of rates and logs which side ran. */
function series(rates: number[], side: string, log: string[]): () => number {
  let i = 0;
  return () => {
    log.push(side);
    return rates[i++];
  };
}

describe('throughput: timed slices on a fake clock', () => {
  it('rate = operations / elapsed seconds, stopping at the first batch past the slice', () => {
    let now = 1000;
    let ops = 0;
    // 2 µs per operation
    const step = (n: number): void => {
      ops += n;
      now += n * 0.002;
    };
    const rate = timedRate(step, 1000, 5, () => now);
    // batches of 1000 take 2 ms: 3 batches (6 ms) are the first to reach 5 ms
    expect(ops).toBe(3000);
    expect(rate).toBeCloseTo(3000 / 0.006, 6);
  });
});

describe('throughput: interleaved slices and the median ratio', () => {
  it('alternates reference-first and policy-first slices', () => {
    const log: string[] = [];
    interleavedRatio(series([1, 1, 1, 1], 'P', log), series([1, 1, 1, 1], 'R', log), 4);
    expect(log.join('')).toBe('RPPRRPPR');
  });

  it('slices slowed down on one side only do not move the median ratio', () => {
    const log: string[] = [];
    // true ratio 0.3; slice 1 has a busy policy side, slice 2 a busy reference side, slice 4 a busy policy side
    const policy = [30, 6, 30, 30, 9];
    const reference = [100, 100, 20, 100, 100];
    const r = interleavedRatio(series(policy, 'P', log), series(reference, 'R', log), 5);
    expect(Array.from(r.ratios)).toEqual([0.3, 0.06, 1.5, 0.3, 0.09]);
    expect(r.ratio).toBe(0.3);
    expect(r.policyRate).toBe(30);
    expect(r.referenceRate).toBe(100);
    // what a ratio of totals would have said
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    expect(sum(policy) / sum(reference)).toBeCloseTo(0.25, 12);
  });

  it('median of odd and even counts', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median(Float64Array.of(-1, 10))).toBe(4.5);
  });

  it('a real measurement gives one finite positive ratio per policy', () => {
    const r = throughputRatios(['epsilon-greedy', 'linucb'], 25, 5);
    for (const p of ['epsilon-greedy', 'linucb']) {
      expect(r.ratio[p]).toBeGreaterThan(0);
      expect(Number.isFinite(r.ratio[p])).toBe(true);
      expect(r.decisions[p]).toBeGreaterThan(0);
    }
    expect(r.reference).toBeGreaterThan(0);
  });
});
