import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  aiq,
  aiqPaper,
  aiqRouterbenchCode,
  costToReach,
  hindsightFrontier,
  hullAt,
  hullIntegral,
  nonDecreasingHull,
  routeLlmMetrics,
  type CostQuality,
} from '../../src/metrics/aiq.js';

const P = (cost: number, quality: number): CostQuality => ({ cost, quality });
// costs on a micro-dollar grid and qualities on a 1e-6 grid: real data, not subnormal doubles whose products underflow
const arbCost = (max: number): fc.Arbitrary<number> => fc.integer({ min: 0, max: max * 1e6 }).map((x) => x / 1e6);
const arbQuality = fc.integer({ min: 0, max: 1e6 }).map((x) => x / 1e6);

describe('non-decreasing convex hull (RouterBench §3)', () => {
  it('keeps the upper concave boundary from the cheapest to the best point', () => {
    expect(nonDecreasingHull([P(1, 0.2), P(2, 0.5), P(3, 0.6), P(4, 0.55)])).toEqual([P(1, 0.2), P(2, 0.5), P(3, 0.6)]);
    // (1, 0.4) lies below the chord (0,0)→(2,1): a mixture of the two does better
    expect(nonDecreasingHull([P(0, 0), P(1, 0.4), P(2, 1)])).toEqual([P(0, 0), P(2, 1)]);
    // collinear middle point is not a vertex
    expect(nonDecreasingHull([P(2, 1), P(0, 0), P(1, 0.5)])).toEqual([P(0, 0), P(2, 1)]);
    // equal costs: the better point; equal best quality: the cheaper point ends the hull
    expect(nonDecreasingHull([P(1, 0.3), P(1, 0.6), P(2, 0.7)])).toEqual([P(1, 0.6), P(2, 0.7)]);
    expect(nonDecreasingHull([P(1, 0.5), P(3, 0.9), P(2, 0.9)])).toEqual([P(1, 0.5), P(2, 0.9)]);
    // a single point, nothing, non-finite values ignored
    expect(nonDecreasingHull([P(1, 0.5)])).toEqual([P(1, 0.5)]);
    expect(nonDecreasingHull([])).toEqual([]);
    expect(nonDecreasingHull([P(Number.NaN, 1), P(1, Number.NaN), P(2, 0.4)])).toEqual([P(2, 0.4)]);
    // the cheapest point starts the hull even when it is poor
    expect(nonDecreasingHull([P(0.5, 0.1), P(1, 0.8), P(2, 0.85)])).toEqual([P(0.5, 0.1), P(1, 0.8), P(2, 0.85)]);
  });

  it('hullAt: 0 left of the first vertex, linear between vertices, flat right of the last', () => {
    const h = [P(1, 0.2), P(3, 0.6)];
    expect(hullAt(h, 0.5)).toBe(0);
    expect(hullAt(h, 1)).toBe(0.2);
    expect(hullAt(h, 2)).toBeCloseTo(0.4, 15);
    expect(hullAt(h, 10)).toBe(0.6);
    expect(hullIntegral(h, 0, 4)).toBeCloseTo(1.4, 15);
    expect(hullIntegral(h, 2, 2.5)).toBeCloseTo(0.225, 15);
  });

  it('is monotone and concave, contains its vertices from the input and lies on or above every point (property)', () => {
    const pt = fc.record({ cost: arbCost(10), quality: arbQuality });
    fc.assert(
      fc.property(fc.array(pt, { minLength: 1, maxLength: 60 }), (pts) => {
        const h = nonDecreasingHull(pts);
        expect(h.length).toBeGreaterThan(0);
        for (const v of h) expect(pts.some((p) => p.cost === v.cost && p.quality === v.quality)).toBe(true);
        for (let i = 1; i < h.length; i++) {
          expect(h[i].cost).toBeGreaterThan(h[i - 1].cost);
          expect(h[i].quality).toBeGreaterThan(h[i - 1].quality);
        }
        for (let i = 2; i < h.length; i++) {
          const s1 = (h[i - 1].quality - h[i - 2].quality) / (h[i - 1].cost - h[i - 2].cost);
          const s2 = (h[i].quality - h[i - 1].quality) / (h[i].cost - h[i - 1].cost);
          expect(s2).toBeLessThan(s1 * (1 + 1e-9) + 1e-12);
        }
        const minCost = Math.min(...pts.map((p) => p.cost));
        expect(h[0].cost).toBe(minCost);
        for (const p of pts) expect(hullAt(h, p.cost)).toBeGreaterThanOrEqual(p.quality - 1e-12);
      }),
      { numRuns: 300 },
    );
  });

  it('handles 200,000 points (a quadratic hull would exceed the test timeout; speed is in the benchmark)', () => {
    const pts: CostQuality[] = [];
    let s = 1;
    const rnd = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 200_000; i++) {
      const c = rnd();
      pts.push(P(c, Math.sqrt(c) * (0.8 + 0.2 * rnd())));
    }
    const h = nonDecreasingHull(pts);
    expect(h.length).toBeGreaterThan(2);
    for (let i = 1; i < h.length; i++) {
      expect(h[i].cost).toBeGreaterThan(h[i - 1].cost);
      expect(h[i].quality).toBeGreaterThanOrEqual(h[i - 1].quality);
    }
  });
});

describe('AIQ', () => {
  it('paper mode: area over [c_min, c_max] divided by the range, 0 left of the router, flat right of it (hand-computed)', () => {
    const h = [P(1, 0.2), P(3, 0.6)];
    // [0,1): 0; [1,3]: (0.2 + 0.6)/2·2 = 0.8; [3,4]: 0.6 → 1.4 / 4
    expect(aiqPaper(h, 0, 4)).toBeCloseTo(0.35, 15);
    // range inside the hull: value 0.4 at c = 2 → (0.4 + 0.6)/2 over [2, 3]
    expect(aiqPaper(h, 2, 3)).toBeCloseTo(0.5, 15);
    // hull reaching past c_max is cut there: [1, 3] of (1,0.2)→(5,1.0) is (0.2 + 0.6)/2·2 = 0.8, over a range of 3
    expect(aiqPaper([P(1, 0.2), P(5, 1)], 0, 3)).toBeCloseTo(0.8 / 3, 15);
    // points cheaper than c_min only count from c_min on
    expect(aiqPaper([P(0, 0.2), P(2, 0.6)], 1, 2)).toBeCloseTo(0.5, 15);
    // zero-width range: the hull's value there
    expect(aiqPaper(h, 2, 2)).toBeCloseTo(0.4, 15);
    expect(aiqPaper([], 0, 1)).toBeNaN();
  });

  it("routerbench-code mode: trapezoid from the first hull point, flat to the compared routers' largest cost, divided by it", () => {
    const h = [P(2, 0.5), P(4, 0.7)];
    // (0.5 + 0.7)/2·2 = 1.2 plus 0.7·(5 − 4) = 0.7 → 1.9 / 5; nothing counted on [0, 2)
    expect(aiqRouterbenchCode(h, 5)).toBeCloseTo(0.38, 15);
    // the paper's definition over [1, 5] differs: 1.9 / 4
    expect(aiqPaper(h, 1, 5)).toBeCloseTo(0.475, 15);
    expect(aiq(h, 'routerbench-code', { cMin: 1, cMax: 5, maxCost: 5 })).toBeCloseTo(0.38, 15);
    expect(aiq(h, 'paper', { cMin: 1, cMax: 5, maxCost: 5 })).toBeCloseTo(0.475, 15);
    // a single point: flat from its cost
    expect(aiqRouterbenchCode([P(1, 0.8)], 4)).toBeCloseTo(0.6, 15);
    expect(aiqRouterbenchCode(h, 0)).toBeNaN();
  });

  it('lies in [0, 1] for qualities in [0, 1] and non-negative costs, in both modes (property)', () => {
    const pt = fc.record({ cost: arbCost(5), quality: arbQuality });
    fc.assert(
      fc.property(fc.array(pt, { minLength: 1, maxLength: 30 }), arbCost(5), arbCost(5), (pts, a, b) => {
        const h = nonDecreasingHull(pts);
        const lo = Math.min(a, b);
        const hi = Math.max(a, b);
        const p = aiqPaper(h, lo, hi);
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThanOrEqual(1 + 1e-12);
        const maxCost = Math.max(hi, h[h.length - 1].cost);
        if (maxCost > 0) {
          const c = aiqRouterbenchCode(h, maxCost);
          expect(c).toBeGreaterThanOrEqual(0);
          expect(c).toBeLessThanOrEqual(1 + 1e-12);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('hindsight frontier (oracle)', () => {
  it('equals the hand-computed frontier and ends at the per-prompt oracle point', () => {
    // prompt 0: m0 (1, 0), m1 (3, 1); prompt 1: m0 (1, 1), m1 (3, 1)
    const cost = [1, 3, 1, 3];
    const quality = [0, 1, 1, 1];
    const f = hindsightFrontier([0, 1], 2, cost, quality, [1, 1, 1, 1]);
    expect(f).toEqual([P(1, 0.5), P(2, 1)]);
    // steeper segments first: prompt 0 gains 1 per $1, prompt 1 gains 1 per $3
    const g = hindsightFrontier([0, 1], 2, [1, 2, 1, 4], [0, 1, 0, 1], [1, 1, 1, 1]);
    expect(g.map((v) => [v.cost, v.quality])).toEqual([
      [1, 0],
      [1.5, 0.5],
      [3, 1],
    ]);
    // missing cells are not choices
    const m = hindsightFrontier([0, 1], 2, [1, 3, 1, 3], [0, 1, 1, 1], [1, 0, 1, 1]);
    expect(m).toEqual([P(1, 0.5)]);
  });

  it('bounds every router: oracle AIQ ≥ any router AIQ and ≥ the zero router, in both modes (property)', () => {
    const arb = fc
      .record({
        Q: fc.integer({ min: 1, max: 12 }),
        M: fc.integer({ min: 1, max: 4 }),
        seed: fc.integer({ min: 1, max: 2 ** 30 }),
        binary: fc.boolean(),
        routers: fc.integer({ min: 1, max: 3 }),
        points: fc.integer({ min: 1, max: 5 }),
      })
      .map((o) => {
        let s = o.seed;
        const rnd = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
        const n = o.Q * o.M;
        const cost = Array.from({ length: n }, () => 0.001 + rnd());
        const quality = Array.from({ length: n }, () => (o.binary ? (rnd() < 0.5 ? 1 : 0) : rnd()));
        // each router: a few operating points, each a per-prompt choice (deterministic or mixed)
        const routers = Array.from({ length: o.routers }, () =>
          Array.from({ length: o.points }, () => {
            let c = 0;
            let a = 0;
            for (let q = 0; q < o.Q; q++) {
              const m1 = Math.floor(rnd() * o.M);
              const m2 = Math.floor(rnd() * o.M);
              const w = rnd() < 0.5 ? 1 : rnd();
              c += w * cost[q * o.M + m1] + (1 - w) * cost[q * o.M + m2];
              a += w * quality[q * o.M + m1] + (1 - w) * quality[q * o.M + m2];
            }
            return P(c / o.Q, a / o.Q);
          }),
        );
        const models = Array.from({ length: o.M }, (_, m) => {
          let c = 0;
          let a = 0;
          for (let q = 0; q < o.Q; q++) {
            c += cost[q * o.M + m];
            a += quality[q * o.M + m];
          }
          return P(c / o.Q, a / o.Q);
        });
        return { ...o, cost, quality, routers, models };
      });
    fc.assert(
      fc.property(arb, (x) => {
        const rows = Array.from({ length: x.Q }, (_, q) => q);
        const frontier = hindsightFrontier(rows, x.M, x.cost, x.quality, new Array(x.Q * x.M).fill(1));
        const zero = nonDecreasingHull(x.models);
        const hulls = x.routers.map((r) => nonDecreasingHull(r));
        const cMin = Math.min(...x.models.map((m) => m.cost));
        const cMax = Math.max(...x.models.map((m) => m.cost));
        const maxCost = Math.max(...[frontier, zero, ...hulls].map((h) => h[h.length - 1].cost));
        const ctx = { cMin, cMax, maxCost };
        for (const mode of ['paper', 'routerbench-code'] as const) {
          const o = aiq(frontier, mode, ctx);
          for (const h of [zero, ...hulls]) expect(o).toBeGreaterThanOrEqual(aiq(h, mode, ctx) - 1e-9);
        }
        // the frontier ends at the per-prompt oracle (best quality, cheapest among ties)
        let oc = 0;
        let oq = 0;
        for (let q = 0; q < x.Q; q++) {
          let bq = -1;
          let bc = Infinity;
          for (let m = 0; m < x.M; m++) {
            const a = x.quality[q * x.M + m];
            const c = x.cost[q * x.M + m];
            if (a > bq || (a === bq && c < bc)) {
              bq = a;
              bc = c;
            }
          }
          oc += bc;
          oq += bq;
        }
        const end = frontier[frontier.length - 1];
        expect(end.cost).toBeCloseTo(oc / x.Q, 9);
        expect(end.quality).toBeCloseTo(oq / x.Q, 9);
      }),
      { numRuns: 300 },
    );
  });
});

describe("RouteLLM's CPT and APGR on cost", () => {
  const weak = P(1, 0.2);
  const strong = P(3, 0.6);

  it('hand-computed: a router point at (2, 0.5)', () => {
    const m = routeLlmMetrics([P(2, 0.5)], weak, strong);
    // 50% of the gap = quality 0.4, reached at cost 1 + (0.2/0.3)·1 = 5/3, i.e. a third of the cost gap
    expect(m.cpt50).toBeCloseTo(100 / 3, 12);
    // 80% = 0.52 is never reached
    expect(m.cpt80).toBeNull();
    // ∫₁³ R = (0.2 + 0.5)/2 + 0.5 = 0.85; mean 0.425 → (0.425 − 0.2)/0.4
    expect(m.apgr).toBeCloseTo(0.5625, 12);
  });

  it('mixing the weak and the strong model recovers the gap linearly: CPT(x%) = x%, APGR = ½', () => {
    const m = routeLlmMetrics([strong], weak, strong);
    expect(m.cpt50).toBeCloseTo(50, 12);
    expect(m.cpt80).toBeCloseTo(80, 12);
    expect(m.apgr).toBeCloseTo(0.5, 12);
    expect(routeLlmMetrics([strong], weak, P(3, 0.2))).toEqual({ cpt50: null, cpt80: null, apgr: null });
    expect(costToReach([P(1, 0.5)], 0.4)).toBe(1);
  });
});
