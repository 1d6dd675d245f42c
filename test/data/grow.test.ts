import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GrowF64, GrowI32, resizable } from '../../src/data/grow.js';

/** Elements that fit in the first 64 MiB reservation. */
const F64_RESERVED = (64 * 2 ** 20) / 8;
const I32_RESERVED = (64 * 2 ** 20) / 4;

const sameF64 = (a: ArrayLike<number>, b: number[]): boolean => a.length === b.length && b.every((x, i) => Object.is(a[i], x));

describe('GrowF64', () => {
  type Op = { kind: 'push'; v: number } | { kind: 'reserve'; vs: number[] } | { kind: 'ensure'; extra: number };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    { weight: 6, arbitrary: fc.double().map((v) => ({ kind: 'push' as const, v })) },
    { weight: 2, arbitrary: fc.array(fc.double(), { maxLength: 3000 }).map((vs) => ({ kind: 'reserve' as const, vs })) },
    { weight: 1, arbitrary: fc.nat({ max: 5000 }).map((extra) => ({ kind: 'ensure' as const, extra })) },
  );

  it('push / reserve / ensure keep every value (vs a plain array)', () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 1, 3, 4096), fc.array(opArb, { maxLength: 300 }), (cap, ops) => {
        const g = new GrowF64(cap);
        const ref: number[] = [];
        for (const op of ops) {
          if (op.kind === 'push') {
            g.push(op.v);
            ref.push(op.v);
          } else if (op.kind === 'reserve') {
            const at = g.reserve(op.vs.length);
            expect(at).toBe(ref.length);
            op.vs.forEach((v, i) => (g.a[at + i] = v));
            ref.push(...op.vs);
          } else {
            g.ensure(ref.length + op.extra);
            expect(g.a.length).toBeGreaterThanOrEqual(ref.length + op.extra);
          }
          expect(g.n).toBe(ref.length);
        }
        expect(sameF64(g.toArray(), ref)).toBe(true);
        expect(sameF64(g.a.subarray(0, g.n), ref)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('pushes past the 64 MiB reservation move the data intact', () => {
    const g = new GrowF64();
    const total = F64_RESERVED + 1000;
    for (let i = 0; i < total; i++) g.push(i * 0.5 - 7);
    expect(g.n).toBe(total);
    const out = g.toArray();
    expect(out.length).toBe(total);
    let bad = -1;
    for (let i = 0; i < total; i++) {
      if (out[i] !== i * 0.5 - 7) {
        bad = i;
        break;
      }
    }
    expect(bad).toBe(-1);
  });

  it('reserve beyond the reservation, then keep pushing', () => {
    const g = new GrowF64(16);
    for (let i = 0; i < 100; i++) g.push(-i);
    const k = F64_RESERVED + 5;
    const at = g.reserve(k);
    expect(at).toBe(100);
    expect(g.a.length).toBeGreaterThanOrEqual(100 + k);
    g.a[at] = 1.25;
    g.a[at + k - 1] = 2.5;
    g.push(Math.PI);
    expect(g.n).toBe(100 + k + 1);
    for (let i = 0; i < 100; i++) expect(g.a[i]).toBe(-i);
    expect(g.a[at]).toBe(1.25);
    expect(g.a[at + k - 1]).toBe(2.5);
    expect(g.a[g.n - 1]).toBe(Math.PI);
  });

  it('toArray is a fixed-size copy of exactly n values', () => {
    const g = new GrowF64(2);
    const ref = [1.5, -0, NaN, Infinity, 3];
    for (const v of ref) g.push(v);
    const out = g.toArray();
    expect(out).toBeInstanceOf(Float64Array);
    expect(out.length).toBe(5);
    expect(out.buffer.byteLength).toBe(5 * 8);
    expect((out.buffer as ArrayBuffer).resizable).toBe(false);
    expect(sameF64(out, ref)).toBe(true);
    out[0] = 99;
    expect(g.a[0]).toBe(1.5);
    g.push(7);
    expect(out.length).toBe(5);
  });

  it('release empties it and frees the buffer; it can be reused', () => {
    const g = new GrowF64();
    for (let i = 0; i < 10_000; i++) g.push(i);
    g.release();
    expect(g.n).toBe(0);
    expect(g.toArray().length).toBe(0);
    expect(g.a.buffer.byteLength).toBe(0);
    g.push(4);
    g.push(5);
    expect(Array.from(g.toArray())).toEqual([4, 5]);
  });
});

describe('GrowI32', () => {
  it('pushes and ensures keep every value (vs a plain array)', () => {
    const op = fc.oneof(
      { weight: 8, arbitrary: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map((v) => ({ v, extra: -1 })) },
      { weight: 1, arbitrary: fc.nat({ max: 5000 }).map((extra) => ({ v: 0, extra })) },
    );
    fc.assert(
      fc.property(fc.constantFrom(0, 1, 5, 1024), fc.array(op, { maxLength: 3000 }), (cap, ops) => {
        const g = new GrowI32(cap);
        const ref: number[] = [];
        for (const o of ops) {
          if (o.extra < 0) {
            g.push(o.v);
            ref.push(o.v);
          } else {
            g.ensure(ref.length + o.extra);
            expect(g.a.length).toBeGreaterThanOrEqual(ref.length + o.extra);
          }
        }
        expect(g.n).toBe(ref.length);
        expect(Array.from(g.toArray())).toEqual(ref);
      }),
      { numRuns: 150 },
    );
  });

  it('ensure to 20M elements (beyond 64 MiB) moves the data, then push', () => {
    const g = new GrowI32();
    const m = 5000;
    for (let i = 0; i < m; i++) g.push(i * 7919 - 123456);
    const before = g.a.buffer;
    expect(20_000_000).toBeGreaterThan(I32_RESERVED);
    g.ensure(20_000_000);
    expect(g.a.buffer).not.toBe(before); // the move path ran
    expect(g.a.length).toBeGreaterThanOrEqual(20_000_000);
    expect(g.n).toBe(m);
    g.push(-1);
    g.push(2 ** 31 - 1);
    const out = g.toArray();
    expect(out.length).toBe(m + 2);
    for (let i = 0; i < m; i++) expect(out[i]).toBe(i * 7919 - 123456);
    expect(out[m]).toBe(-1);
    expect(out[m + 1]).toBe(2 ** 31 - 1);
    // Growing again past the new size still works.
    g.ensure(21_000_000);
    expect(g.a[m + 1]).toBe(2 ** 31 - 1);
    expect(g.a[0]).toBe(-123456);
  });

  it('pushes past the 64 MiB reservation move the data intact', () => {
    const g = new GrowI32();
    const total = I32_RESERVED + 777;
    for (let i = 0; i < total; i++) g.push((i * 2654435761) | 0);
    const out = g.toArray();
    expect(out.length).toBe(total);
    let bad = -1;
    for (let i = 0; i < total; i++) {
      if (out[i] !== ((i * 2654435761) | 0)) {
        bad = i;
        break;
      }
    }
    expect(bad).toBe(-1);
    g.release();
    expect(g.n).toBe(0);
    expect(g.a.buffer.byteLength).toBe(0);
  });

  it('toArray is a fixed-size copy of exactly n values', () => {
    const g = new GrowI32(1);
    for (const v of [3, -4, 5]) g.push(v);
    const out = g.toArray();
    expect(out).toBeInstanceOf(Int32Array);
    expect(Array.from(out)).toEqual([3, -4, 5]);
    expect(out.buffer.byteLength).toBe(12);
    expect((out.buffer as ArrayBuffer).resizable).toBe(false);
    out[1] = 0;
    expect(g.a[1]).toBe(-4);
  });

  it('release empties it; push afterwards works', () => {
    const g = new GrowI32();
    for (let i = 0; i < 3000; i++) g.push(i);
    g.release();
    expect(g.n).toBe(0);
    expect(g.toArray().length).toBe(0);
    expect(g.a.buffer.byteLength).toBe(0);
    g.push(9);
    expect(Array.from(g.toArray())).toEqual([9]);
  });
});

describe('resizable', () => {
  it('asks for less address space when the reservation is refused', () => {
    // 2^53 bytes is more than V8 will reserve: the request is quartered until it is accepted.
    const b = resizable(16, 2 ** 53);
    expect(b.resizable).toBe(true);
    expect(b.byteLength).toBe(16);
    expect(b.maxByteLength).toBeGreaterThanOrEqual(16);
    expect(b.maxByteLength).toBeLessThan(2 ** 53);
    b.resize(1024);
    expect(new Uint8Array(b).length).toBe(1024);
    expect(resizable(8, 8).maxByteLength).toBe(8);
  });
});
