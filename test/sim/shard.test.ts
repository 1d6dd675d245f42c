/** Shard assignment (cost-balanced, deterministic), the `i/n` flag and the merge coverage check. */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { userErrorText } from '../../src/cli/errors.js';
import { assignShards, checkCellCoverage, parseShard, shardCells, shardLoads } from '../../src/sim/shard.js';
import { thrown } from '../helpers/errors.js';

/** Smallest possible heaviest shard, by trying every assignment (small inputs only). */
function optimalMakespan(w: number[], n: number): number {
  let best = Infinity;
  const load = new Array<number>(n).fill(0);
  const go = (i: number): void => {
    if (i === w.length) {
      best = Math.min(best, Math.max(...load));
      return;
    }
    for (let s = 0; s < n; s++) {
      load[s] += w[i];
      if (load[s] < best) go(i + 1);
      load[s] -= w[i];
    }
  };
  go(0);
  return best;
}

describe('parseShard', () => {
  it('reads i/n counted from 0', () => {
    expect(parseShard('0/1')).toEqual({ index: 0, count: 1 });
    expect(parseShard(' 6 / 7 ')).toEqual({ index: 6, count: 7 });
  });
  it.each(['1/1', '7/7', '-1/3', '1', 'a/b', '0/0', '1/2/3', '0/10001', ''])('refuses %j naming the field (the command words it as the flag)', (raw) => {
    expect(() => parseShard(raw)).toThrow(UsageError);
    expect(() => parseShard(raw)).toThrow(/^shard: /);
    expect(userErrorText(thrown(() => parseShard(raw)))).toMatch(/^--shard: /);
  });
});

describe('assignShards', () => {
  it('puts every cell in exactly one shard, whatever the count', () => {
    const w = [5, 1, 1, 9, 3, 3, 2, 8, 1, 1, 4, 6];
    for (const n of [1, 2, 3, 7, 13]) {
      const all = Array.from({ length: n }, (_, i) => shardCells(w, { index: i, count: n })).flat().sort((a, b) => a - b);
      expect(all).toEqual(w.map((_, i) => i));
    }
  });

  it('balances within 4/3 of the best split (checked by exhaustive search)', () => {
    let seed = 12345;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let trial = 0; trial < 30; trial++) {
      const w = Array.from({ length: 4 + (trial % 5) }, () => 1 + Math.floor(next() * 20));
      for (const n of [2, 3]) {
        const worst = Math.max(...shardLoads(w, n));
        expect(worst).toBeLessThanOrEqual((4 / 3) * optimalMakespan(w, n) + 1e-9);
      }
    }
  });

  it('gives heavy cells their own shards before filling with light ones', () => {
    // heaviest first, each to the lighter shard (ties to the lower index): 0→0, 3→1, 1→0, 2→1, 4→0, 5→1
    expect(Array.from(assignShards([10, 1, 1, 10, 1, 1], 2))).toEqual([0, 0, 1, 1, 0, 1]);
  });

  it('is the same on every call (no randomness, no machine input)', () => {
    const w = Array.from({ length: 200 }, (_, i) => ((i * 37) % 11) + 1);
    expect(Array.from(assignShards(w, 7))).toEqual(Array.from(assignShards(w, 7)));
  });
});

describe('checkCellCoverage', () => {
  it('accepts every cell once', () => {
    expect(checkCellCoverage(['a', 'b'], new Map([['a', ['s0']], ['b', ['s1']]]), (k) => k)).toBeNull();
  });
  it('lists missing, duplicate and foreign cells by label', () => {
    const msg = checkCellCoverage(['a', 'b', 'c'], new Map([['a', ['s0', 's1']], ['z', ['s1']]]), (k) => `cell ${k}`);
    expect(msg).toBe('2 cells are missing: cell b, cell c; 1 cell is in more than one shard: cell a (in s0 and s1); 1 cell is not part of this run: cell z');
  });
});
