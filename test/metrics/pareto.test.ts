import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dominates, paretoFront, type ParetoPoint } from '../../src/metrics/pareto.js';

describe('paretoFront', () => {
  it('finds the front and names the dominators', () => {
    const pts: ParetoPoint[] = [
      { id: 'cheap', accuracy: 0.3, energy: 10 },
      { id: 'mid', accuracy: 0.6, energy: 50 },
      { id: 'bad', accuracy: 0.5, energy: 60 },
      { id: 'best', accuracy: 0.8, energy: 200 },
      { id: 'worst', accuracy: 0.2, energy: 300 },
    ];
    const r = paretoFront(pts);
    expect(r.front).toEqual(['cheap', 'mid', 'best']);
    expect(r.dominated).toEqual([
      { id: 'bad', by: ['mid'] },
      { id: 'worst', by: ['cheap', 'mid', 'best'] },
    ]);
    expect(r.unranked).toEqual([]);
  });

  it('keeps exact ties on the front and leaves NaN points unranked', () => {
    const r = paretoFront([
      { id: 'a', accuracy: 0.5, energy: 1 },
      { id: 'b', accuracy: 0.5, energy: 1 },
      { id: 'c', accuracy: Number.NaN, energy: 1 },
      { id: 'd', accuracy: 0.4, energy: Number.POSITIVE_INFINITY },
    ]);
    expect(r.front).toEqual(['a', 'b']);
    expect(r.unranked).toEqual(['c', 'd']);
  });

  it('equal accuracy: the cheaper dominates; equal energy: the more accurate dominates', () => {
    expect(paretoFront([{ id: 'x', accuracy: 0.5, energy: 2 }, { id: 'y', accuracy: 0.5, energy: 1 }]).front).toEqual(['y']);
    expect(paretoFront([{ id: 'x', accuracy: 0.4, energy: 1 }, { id: 'y', accuracy: 0.5, energy: 1 }]).front).toEqual(['y']);
  });

  const point = fc.record({
    accuracy: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 0.5, 1)),
    energy: fc.oneof(fc.double({ min: 0.001, max: 1e4, noNaN: true }), fc.constantFrom(1, 10)),
  });
  const points = fc.array(point, { maxLength: 40 }).map((ps) => ps.map((p, i) => ({ id: `m${i}`, ...p })));

  it('invariants: the front is non-dominated, every other point is dominated by front members it names', () => {
    fc.assert(
      fc.property(points, (ps) => {
        const r = paretoFront(ps);
        const byId = new Map(ps.map((p) => [p.id, p]));
        // partition
        expect(new Set([...r.front, ...r.dominated.map((d) => d.id), ...r.unranked]).size).toBe(ps.length);
        expect(r.front.length + r.dominated.length + r.unranked.length).toBe(ps.length);
        for (const id of r.front) for (const q of ps) expect(dominates(q, byId.get(id)!)).toBe(false);
        const front = new Set(r.front);
        for (const d of r.dominated) {
          expect(d.by.length).toBeGreaterThan(0);
          for (const b of d.by) {
            expect(front.has(b)).toBe(true);
            expect(dominates(byId.get(b)!, byId.get(d.id)!)).toBe(true);
          }
          // every dominating front member is named
          const all = r.front.filter((f) => dominates(byId.get(f)!, byId.get(d.id)!));
          expect(d.by).toEqual(all);
        }
        // along the front, energy rises and accuracy does not fall
        for (let i = 1; i < r.front.length; i++) {
          const a = byId.get(r.front[i - 1])!;
          const b = byId.get(r.front[i])!;
          expect(b.energy).toBeGreaterThanOrEqual(a.energy);
          if (b.energy > a.energy) expect(b.accuracy).toBeGreaterThan(a.accuracy);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('is independent of input order (as a set)', () => {
    fc.assert(
      fc.property(points, fc.nat(), (ps, seed) => {
        const shuffled = [...ps].sort((x, y) => ((x.id.length * 7919 + seed) % 13) - ((y.id.length * 7919 + seed) % 13) || x.id.localeCompare(y.id));
        expect(new Set(paretoFront(shuffled).front)).toEqual(new Set(paretoFront(ps).front));
      }),
      { numRuns: 100 },
    );
  });

  it('matches the all-pairs definition exactly, orders and exact ties included', () => {
    // the definition checked pair by pair: front cheapest first (ties: more accurate, then input order),
    // dominated points in input order naming their dominators in front order
    const brute = (ps: ParetoPoint[]): { front: string[]; dominated: { id: string; by: string[] }[] } => {
      const idx = ps.map((_, i) => i).filter((i) => Number.isFinite(ps[i].accuracy) && Number.isFinite(ps[i].energy));
      const front = idx.filter((i) => !idx.some((o) => dominates(ps[o], ps[i])));
      front.sort((x, y) => ps[x].energy - ps[y].energy || ps[y].accuracy - ps[x].accuracy || x - y);
      const dominated = idx.filter((i) => !front.includes(i)).map((i) => ({ id: ps[i].id, by: front.filter((f) => dominates(ps[f], ps[i])).map((f) => ps[f].id) }));
      return { front: front.map((i) => ps[i].id), dominated };
    };
    // few distinct values, so that equal costs, equal accuracies and exact ties are common
    const coarse = fc.record({
      accuracy: fc.oneof(fc.constantFrom(0, 0.25, 0.5, 1, -0, Number.NaN), fc.double({ min: 0, max: 1, noNaN: true })),
      energy: fc.oneof(fc.constantFrom(0, -0, 1, 2, 3, Number.POSITIVE_INFINITY), fc.double({ min: 0, max: 5, noNaN: true })),
    });
    fc.assert(
      fc.property(fc.array(coarse, { maxLength: 80 }), (raw) => {
        const ps = raw.map((p, i) => ({ id: `m${i}`, ...p }));
        const r = paretoFront(ps);
        expect({ front: r.front, dominated: r.dominated }).toEqual(brute(ps));
      }),
      { numRuns: 500 },
    );
  });
});
