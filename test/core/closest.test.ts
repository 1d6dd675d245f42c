/** The "did you mean" suggestion (core/errors.ts closest) against the plain definition: every candidate's distance. */
import { describe, expect, it } from 'vitest';
import { closest, MAX_SUGGESTED_LENGTH } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';

/** Optimal string alignment distance by its recurrence, written out independently. */
function osa(a: string, b: string): number {
  const d = (i: number, j: number): number => memo[i][j];
  const memo: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    memo.push([]);
    for (let j = 0; j <= b.length; j++) {
      if (i === 0 || j === 0) {
        memo[i].push(i + j);
        continue;
      }
      let v = Math.min(d(i - 1, j) + 1, d(i, j - 1) + 1, d(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d(i - 2, j - 2) + 1);
      memo[i].push(v);
    }
  }
  return memo[a.length][b.length];
}

/** The first candidate of least distance (a prefix of length ≥ 2 counts as 1), if within the limit. */
function reference(word: string, candidates: string[]): string | null {
  const w = word.toLowerCase();
  const dist = candidates.map((c) => (c.toLowerCase().startsWith(w) && w.length >= 2 ? 1 : osa(w, c.toLowerCase())));
  const least = Math.min(...dist);
  const limit = Math.max(1, Math.min(3, Math.floor(w.length * 0.4)));
  return least <= limit ? candidates[dist.indexOf(least)] : null;
}

describe('closest', () => {
  it('agrees with the distance to every candidate on random words of mixed lengths', () => {
    const rng = new Rng(11);
    const word = (): string => Array.from({ length: 1 + Math.floor(rng.next() * 12) }, () => 'abcdE'[Math.floor(rng.next() * 5)]).join('');
    for (let t = 0; t < 2000; t++) {
      const candidates = Array.from({ length: 1 + Math.floor(rng.next() * 6) }, word);
      const w = rng.next() < 0.3 ? candidates[0].slice(0, 1 + Math.floor(rng.next() * candidates[0].length)) : word();
      expect(closest(w, candidates), `${w} in ${candidates.join(',')}`).toBe(reference(w, candidates));
    }
  });

  it('a megabyte-long word gets no suggestion, and candidates of its length still count', () => {
    const long = 'x'.repeat(1 << 20);
    expect(closest(long, ['linucb', 'thompson', 'random'])).toBeNull();
    // one edit away, but beyond MAX_SUGGESTED_LENGTH: not compared at all
    expect(closest(long, ['linucb', `${long.slice(1)}y`])).toBeNull();
    const atLimit = 'a'.repeat(MAX_SUGGESTED_LENGTH);
    expect(closest(atLimit, [`${atLimit.slice(1)}b`])).toBe(`${atLimit.slice(1)}b`);
    expect(closest('linucbb', ['linucb', 'x'.repeat(1 << 20)])).toBe('linucb');
  });
});
