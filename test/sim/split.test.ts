import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { stratifiedSplit } from '../../src/sim/split.js';

/** Task sizes 1, 2, 7, 40 and 101, interleaved. */
function tasks(): { queryTask: Int32Array; sizes: number[] } {
  const sizes = [1, 2, 7, 40, 101];
  const list: number[] = [];
  sizes.forEach((n, k) => {
    for (let i = 0; i < n; i++) list.push(k);
  });
  // interleave deterministically so tasks are not contiguous
  const order = list.map((k, i) => ({ k, key: (i * 7919) % list.length })).sort((a, b) => a.key - b.key);
  return { queryTask: Int32Array.from(order.map((x) => x.k)), sizes };
}

describe('stratified train/test split', () => {
  it('each task keeps round(f · n) train queries, counted by brute force', () => {
    const { queryTask, sizes } = tasks();
    for (const f of [0.1, 0.25, 0.5, 0.8]) {
      for (const seed of [0, 1, 99]) {
        const { train, test } = stratifiedSplit(queryTask, sizes.length, f, seed);
        expect(train.length + test.length).toBe(queryTask.length);
        const seen = new Set<number>([...train, ...test]);
        expect(seen.size).toBe(queryTask.length);
        for (let k = 0; k < sizes.length; k++) {
          let n = 0;
          for (const q of train) if (queryTask[q] === k) n++;
          expect(n).toBe(Math.round(f * sizes[k]));
        }
        for (let i = 1; i < train.length; i++) expect(train[i]).toBeGreaterThan(train[i - 1]);
        for (let i = 1; i < test.length; i++) expect(test[i]).toBeGreaterThan(test[i - 1]);
      }
    }
  });

  it('is deterministic per (seed, split index), and splits differ', () => {
    const { queryTask } = tasks();
    const a = stratifiedSplit(queryTask, 5, 0.5, 40, 0);
    const b = stratifiedSplit(queryTask, 5, 0.5, 40, 0);
    expect([...a.train]).toEqual([...b.train]);
    const c = stratifiedSplit(queryTask, 5, 0.5, 40, 1);
    const d = stratifiedSplit(queryTask, 5, 0.5, 41, 0);
    expect([...c.train]).not.toEqual([...a.train]);
    expect([...d.train]).not.toEqual([...a.train]);
  });

  it('every query of a task lands in train about f of the time over many splits', () => {
    const queryTask = new Int32Array(20);
    const hits = new Float64Array(20);
    const S = 400;
    for (let s = 0; s < S; s++) for (const q of stratifiedSplit(queryTask, 1, 0.3, 7, s).train) hits[q]++;
    for (const h of hits) expect(Math.abs(h / S - 0.3)).toBeLessThan(0.1);
  });

  it('refuses fractions outside (0, 1) and empty parts', () => {
    const { queryTask } = tasks();
    for (const f of [0, 1, -0.2, 1.5, Number.NaN]) expect(() => stratifiedSplit(queryTask, 5, f, 0)).toThrow(UsageError);
    expect(() => stratifiedSplit(Int32Array.from([0, 1]), 2, 0.2, 0)).toThrow(/train part empty/);
    expect(() => stratifiedSplit(Int32Array.from([0, 1]), 2, 0.9, 0)).toThrow(/test part empty/);
  });

  it('says why a part is empty: the rounding is per task, so one query per task defeats every fraction, 0.5 too', () => {
    // 30 tasks of 1 query: round(0.5 × 1) = 1 puts every query in train; round(0.4 × 1) = 0 none
    const single = Int32Array.from({ length: 30 }, (_, q) => q);
    expect(() => stratifiedSplit(single, 30, 0.5, 0)).toThrow(/test part empty: .*all of the 30 queries \(30 tasks, the largest with 1\); with one query per task no fraction splits it/);
    expect(() => stratifiedSplit(single, 30, 0.4, 0)).toThrow(/train part empty: .*none of the 30 queries/);
    // 3 tasks of 3: round(0.1 × 3) = 0 in each, so a larger fraction helps; round(0.9 × 3) = 3, a smaller one
    const three = Int32Array.from({ length: 9 }, (_, q) => q % 3);
    expect(() => stratifiedSplit(three, 3, 0.1, 0)).toThrow(/train part empty: .*\(3 tasks, the largest with 3\); choose a larger fraction$/);
    expect(() => stratifiedSplit(three, 3, 0.9, 0)).toThrow(/test part empty: .*choose a smaller fraction$/);
    expect(() => stratifiedSplit(Int32Array.from([0]), 1, 0.5, 0)).toThrow(/all of the 1 query \(1 task, the largest with 1\); a split needs at least 2 queries$/);
  });
});
