import { describe, it, expect } from 'vitest';
import { toJson } from '../../src/metrics/summary.js';
import { Rng } from '../../src/core/rng.js';

/** What toJson wrote before: a replacer turning non-finite numbers into null. */
const withReplacer = (x: unknown): string =>
  JSON.stringify(x, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n';

const NUMBERS = [0, -0, 1, -1.5, 1e-300, 1e300, Number.NaN, Infinity, -Infinity, Number.MAX_VALUE, Number.MIN_VALUE, 0.1 + 0.2];

function value(rng: Rng, depth: number): unknown {
  const u = rng.next();
  if (depth > 3 || u < 0.4) return NUMBERS[Math.floor(rng.next() * NUMBERS.length)];
  if (u < 0.5) return [null, undefined, true, 'a"\\b\u2028', ''][Math.floor(rng.next() * 5)];
  if (u < 0.6) return Float64Array.from([Number.NaN, 1.25, Infinity]);
  if (u < 0.65) return { toJSON: () => [Number.NaN, 2] };
  if (u < 0.8) return Array.from({ length: Math.floor(rng.next() * 4) }, () => value(rng, depth + 1));
  const o: Record<string, unknown> = {};
  for (let k = 0; k < 4; k++) o[`k${k}`] = value(rng, depth + 1);
  return o;
}

describe('toJson', () => {
  it('writes the same bytes as the replacer it replaces, on random nested values', () => {
    const rng = new Rng(7);
    for (let i = 0; i < 500; i++) {
      const x = value(rng, 0);
      expect(toJson(x)).toBe(withReplacer(x));
    }
  });
});
