/** jsonChunks writes JSON.stringify(x, null, 2) + '\n' in pieces; batched joins strings into pieces. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { batched, jsonChunks } from '../../src/core/chunks.js';
import { buildProfile } from '../../src/metrics/profile.js';
import { tenthFrontTable } from '../helpers/table.js';

const whole = (x: unknown): string => [...jsonChunks(x)].join('');

describe('jsonChunks', () => {
  it('is JSON.stringify(x, null, 2) for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (x) => {
        expect(whole(x)).toBe(JSON.stringify(x, null, 2) + '\n');
      }),
      { numRuns: 500 },
    );
  });

  it('leaves out and nulls members as JSON does, calls toJSON with the key, writes non-finite numbers as null', () => {
    const withKey = { toJSON: (k: string) => `key ${k}` };
    const x = {
      a: undefined,
      b: [undefined, () => 1, Number.NaN, Infinity, -0],
      c: { d: undefined, e: [[], {}, [withKey]], f: new Date(0) },
      __proto__x: { 'a: b': [1, { 'x\ny': 'q"r' }] },
      g: withKey,
      h: [withKey, { deep: { deeper: [1, 2, { z: [] }] } }],
      i: Array(3),
      j: [],
      k: {},
      l: 'line\nbreak',
    };
    Object.defineProperty(x, '__proto__', { value: { p: 1 }, enumerable: true });
    expect(whole(x)).toBe(JSON.stringify(x, null, 2) + '\n');
    for (const y of [[], {}, 1, 'a', null, [1, [2, [3]]], { a: {} }]) expect(whole(y)).toBe(JSON.stringify(y, null, 2) + '\n');
    // long lists, written a few hundred elements at a time: toJSON(index) in one piece of them, holes, undefined
    const long = (n: number): unknown[] => Array.from({ length: n }, (_, i) => (i === 600 ? withKey : i % 7 === 0 ? undefined : i % 3 === 0 ? [i, { s: `${i}` }] : { i, t: [i, [], {}] }));
    const holes: unknown[] = long(700);
    delete holes[300];
    for (const y of [{ a: long(700), b: 1, c: holes }, [long(513), long(256), [undefined]], { z: long(1) }]) expect(whole(y)).toBe(JSON.stringify(y, null, 2) + '\n');
  });

  it('writes a profile as profile.json has it, in pieces of about a megabyte', async () => {
    const p = await buildProfile(tenthFrontTable(5000), { lambda: 0.5 });
    const pieces = [...jsonChunks(p)];
    expect(pieces.join('')).toBe(JSON.stringify(p, null, 2) + '\n');
    expect(pieces.length).toBeGreaterThan(1);
    for (const s of pieces.slice(0, -1)) expect(s.length).toBeGreaterThanOrEqual(1 << 20);
  });
});

describe('batched', () => {
  it('keeps every string, in order, in pieces of at least the size but the last', () => {
    fc.assert(
      fc.property(fc.array(fc.string()), fc.integer({ min: 1, max: 20 }), (parts, size) => {
        const out = [...batched(parts, size)];
        expect(out.join('')).toBe(parts.join(''));
        for (const s of out.slice(0, -1)) expect(s.length).toBeGreaterThanOrEqual(size);
        expect(out.every((s) => s.length > 0)).toBe(true);
      }),
    );
  });
});
