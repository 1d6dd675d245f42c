import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { withPatterns, type ContextSet } from '../../src/features/context.js';
import { Knn, KNN_MAX_CELLS, knnFactory } from '../../src/policies/knn.js';
import { KNN_CV_QUERIES, KNN_K_GRID } from '../../src/policies/knnTune.js';
import { DEFAULT_POLICIES, POLICY_NAMES, resolvePolicies } from '../../src/policies/registry.js';
import type { TrainData } from '../../src/policies/policy.js';
import { contextsFromRows, makeEnv } from '../helpers/env.js';
import { gaussianRows, makeTrain } from '../helpers/train.js';

const withBias = (c: ContextSet): ContextSet => ({ ...c, names: ['bias', ...c.names.slice(1)] });

/** Brute force: cosine over the non-bias slots, every train row sorted, the k best plus ties, weighted mean reward. */
function bruteForce(X: number[][], t: TrainData, M: number, q: number, k: number, distance: boolean): number[] {
  const cos = (a: number[], b: number[]): number => {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let j = 1; j < a.length; j++) {
      ab += a[j] * b[j];
      aa += a[j] * a[j];
      bb += b[j] * b[j];
    }
    return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
  };
  const sims = Array.from(t.queries, (tq) => ({ tq, s: cos(X[q], X[tq]) })).sort((a, b) => b.s - a.s);
  const kth = sims[Math.min(k, sims.length) - 1].s;
  const near = sims.filter((x) => x.s >= kth - 1e-9);
  return Array.from({ length: M }, (_, m) => {
    let sw = 0;
    let sr = 0;
    for (const { tq, s } of near) {
      if (!t.present[tq * M + m]) continue;
      const w = distance ? 1 / Math.max(1 - s, 1e-6) : 1;
      sw += w;
      sr += w * t.rewards[tq * M + m];
    }
    if (sw > 0) return sr / sw;
    // no neighbour has this model: its mean train reward
    let s = 0;
    let n = 0;
    for (const tq of t.queries) if (t.present[tq * M + m]) ((s += t.rewards[tq * M + m]), n++);
    return s / n;
  });
}

describe('knn', () => {
  const rng = new Rng(11);
  const X = gaussianRows(260, 6, () => rng.next());
  const M = 4;
  const train = Array.from({ length: 160 }, (_, i) => i);
  // accuracy depends on the direction of the context, so neighbours carry signal; some cells are absent
  const t = makeTrain(260, M, train, (q, m) => (X[q][1 + m] > 0 ? 0.9 : 0.2), (q, m) => ((q * 3 + m) % 7) / 7, 0.3, (q, m) => (q + m) % 11 === 0);
  const ctx = withBias(contextsFromRows(X));
  const all = Int32Array.from({ length: M }, (_, m) => m);

  for (const [k, weighting] of [
    [1, 0],
    [7, 0],
    [7, 1],
    [160, 0],
    [500, 1],
  ] as const) {
    it(`k = ${k}, weighting ${weighting}: predictions equal a brute-force search; picks their argmax`, () => {
      const p = new Knn(makeEnv(ctx, M), { k, weighting, se: 0 }, t);
      for (let q = 160; q < 260; q++) {
        const ref = bruteForce(X, t, M, q, k, weighting === 1);
        const got = Array.from(p.predict(q));
        for (let m = 0; m < M; m++) expect(got[m]).toBeCloseTo(ref[m], 5);
        expect(p.select(q, all, M)).toBe(ref.indexOf(Math.max(...ref)));
      }
      // a train query asked for (computed on its own, itself among its neighbours)
      for (const q of [0, 77, 159]) {
        const ref = bruteForce(X, t, M, q, k, weighting === 1);
        const got = Array.from(p.predict(q));
        for (let m = 0; m < M; m++) expect(got[m]).toBeCloseTo(ref[m], 5);
      }
    });
  }

  it('a test part that is not a multiple of four (the last kernel pass is partly empty)', () => {
    const t2 = makeTrain(260, M, Array.from({ length: 161 }, (_, i) => i), (q, m) => (X[q][1 + m] > 0 ? 0.9 : 0.2), () => 0, 0);
    const p = new Knn(makeEnv(ctx, M), { k: 5, weighting: 0, se: 0 }, t2);
    for (let q = 161; q < 260; q++) {
      const ref = bruteForce(X, t2, M, q, 5, false);
      const got = Array.from(p.predict(q));
      for (let m = 0; m < M; m++) expect(got[m]).toBeCloseTo(ref[m], 5);
    }
  });

  it('one-hot contexts: the neighbours tied with the k-th all count (the mean over the identical train contexts)', () => {
    const rows = Array.from({ length: 120 }, (_, q) => [1, q % 3 === 0 ? 1 : 0, q % 3 === 1 ? 1 : 0, q % 3 === 2 ? 1 : 0]);
    const oh = withPatterns(withBias(contextsFromRows(rows)));
    const tt = makeTrain(120, 2, Array.from({ length: 60 }, (_, i) => i), (q, m) => ((q * 7 + m * 5) % 10) / 10, () => 0, 0);
    const p = new Knn(makeEnv(oh, 2), { k: 1, weighting: 0, se: 0 }, tt);
    for (let q = 60; q < 120; q++) {
      for (let m = 0; m < 2; m++) {
        const same = tt.queries.filter((x) => x % 3 === q % 3);
        const mean = same.reduce((s, x) => s + tt.rewards[x * 2 + m], 0) / same.length;
        expect(p.predict(q)[m]).toBeCloseTo(mean, 12);
      }
    }
  });

  it('bias-only contexts: every train query is a neighbour, so it picks the best mean train reward', () => {
    const rows = Array.from({ length: 50 }, () => [1]);
    const c = withBias(contextsFromRows(rows));
    const tt = makeTrain(50, 3, Array.from({ length: 25 }, (_, i) => i), (q, m) => (m === 1 ? 0.6 : 0.5) + ((q % 5) - 2) / 10, () => 0.5, 0.5);
    const p = knnFactory.create(makeEnv(c, 3), { k: 3, weighting: 0, se: 0 }, undefined, tt);
    for (let q = 25; q < 50; q++) expect(p.select(q, Int32Array.from([0, 1, 2]), 3)).toBe(1);
    // restricted to the allowed models
    expect(p.select(30, Int32Array.from([0, 2]), 2)).toBe(0);
  });

  it('is deterministic for a seed', () => {
    const picks = (): number[] => {
      const p = knnFactory.create(makeEnv(ctx, M, 5), { k: 5, weighting: 1, se: 0 }, undefined, t);
      return Array.from({ length: 100 }, (_, i) => p.select(160 + i, all, M));
    };
    expect(picks()).toEqual(picks());
  });

  it('refuses a fractional k and a run without a train part, as usage errors', () => {
    expect(() => knnFactory.create(makeEnv(ctx, M), { k: 2.5, weighting: 0, se: 0 }, undefined, t)).toThrow(UsageError);
    expect(() => knnFactory.create(makeEnv(ctx, M), { k: 2, weighting: 0, se: 0 })).toThrow(/run it with split <fraction> or train <source>/);
  });

  it('refuses a train matrix over its limit before allocating it', () => {
    const d = Math.floor(KNN_MAX_CELLS / 100) + 2;
    const n = 101;
    const big: ContextSet = { d, nQueries: n, ptr: Int32Array.from({ length: n + 1 }, (_, i) => i), idx: new Int32Array(n), val: new Float64Array(n).fill(1), names: ['bias'] };
    const tt = makeTrain(n, 1, Array.from({ length: n }, (_, i) => i), () => 1, () => 0, 0);
    expect(() => new Knn(makeEnv(big, 1), { k: 1, weighting: 0, se: 0 }, tt)).toThrow(/over the exact search's limit/);
  });
});

describe('knn with k = 0: k chosen by leave-one-out on the train part', () => {
  /** Brute force: for each held-out train query, the tie-aware neighbours among the other train queries. */
  function bruteChoice(X: number[][], t: TrainData, M: number, se = 0): number {
    const n = t.queries.length;
    const grid = KNN_K_GRID.filter((k) => k < n - 1);
    const H = Math.min(n, KNN_CV_QUERIES);
    const gains = new Array(grid.length + 1).fill(0);
    // per candidate, each held-out query's reward
    const got: number[][] = Array.from({ length: grid.length + 1 }, () => []);
    for (let h = 0; h < H; h++) {
      const i = Math.floor((h * n) / H);
      const q = t.queries[i];
      const others: TrainData = { ...t, queries: t.queries.filter((_, j) => j !== i) };
      const pick = (pred: number[]): number => {
        let best = -Infinity;
        let got = 0;
        for (let m = 0; m < M; m++) if (t.present[q * M + m] && pred[m] > best) ((best = pred[m]), (got = t.rewards[q * M + m]));
        return got;
      };
      [...grid, n].forEach((k, g) => {
        const r = pick(bruteForce(X, others, M, q, k, false));
        gains[g] += r;
        got[g].push(r);
      });
    }
    let best = 0;
    for (let g = 1; g < gains.length; g++) if (gains[g] >= gains[best] - 1e-9) best = g;
    // the one-standard-error rule: the largest candidate within se standard errors of the paired differences
    for (let g = grid.length; se > 0 && g > best; g--) {
      const d = got[best].map((r, h) => r - got[g][h]);
      const mean = d.reduce((a, b) => a + b, 0) / H;
      const sd = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / (H - 1));
      if (mean <= se * (sd / Math.sqrt(H)) + 1e-12) return g < grid.length ? grid[g] : n;
    }
    return best < grid.length ? grid[best] : n;
  }

  it('picks the k a brute-force leave-one-out picks: a small k where the context predicts the best model, all train queries where it does not', () => {
    const r = new Rng(17);
    const Xs = gaussianRows(240, 4, () => r.next());
    const c = withBias(contextsFromRows(Xs));
    const trainQ = Array.from({ length: 240 }, (_, q) => q);
    // signal: model m is right where coordinate m is largest
    const signal = makeTrain(240, 3, trainQ, (q, m) => (Xs[q].slice(1, 4).indexOf(Math.max(...Xs[q].slice(1, 4))) === m ? 1 : 0), () => 0, 0);
    // noise: model 1 is slightly better on average, nothing depends on the context
    const noise = makeTrain(240, 3, trainQ, (q, m) => (m === 1 ? 0.55 : 0.5) + (((q * 7919 + m * 104729) % 101) / 101 - 0.5) * 0.2, () => 0, 0);
    const kSignal = new Knn(makeEnv(c, 3), { k: 0, weighting: 0, se: 0 }, signal).k;
    const kNoise = new Knn(makeEnv(c, 3), { k: 0, weighting: 0, se: 0 }, noise).k;
    expect(kSignal).toBe(bruteChoice(Xs, signal, 3));
    expect(kNoise).toBe(bruteChoice(Xs, noise, 3));
    expect(kSignal).toBeLessThan(100);
    expect(kNoise).toBe(240);
  });

  it('with se > 0: the largest k whose held-out reward is within se standard errors of the best, as the brute force computes it', () => {
    const r = new Rng(23);
    const Xs = gaussianRows(300, 4, () => r.next());
    const c = withBias(contextsFromRows(Xs));
    const trainQ = Array.from({ length: 300 }, (_, q) => q);
    // a weak signal: model 0 is right a little more often where coordinate 1 is positive
    const weak = makeTrain(300, 2, trainQ, (q, m) => ((((q * 7919 + m * 104729) % 101) / 101 < (m === 0 ? (Xs[q][1] > 0 ? 0.55 : 0.45) : 0.5)) ? 1 : 0), () => 0, 0);
    const k = (se: number): number => new Knn(makeEnv(c, 2), { k: 0, weighting: 0, se }, weak).k;
    for (const se of [0, 1, 2]) expect(k(se), `se ${se}`).toBe(bruteChoice(Xs, weak, 2, se));
    // the rule only ever moves to larger k
    expect(k(1)).toBeGreaterThan(k(0));
    expect(k(2)).toBeGreaterThanOrEqual(k(1));
  });

  it('one-hot contexts (ties past the selected list) agree with the brute force too', () => {
    const rows = Array.from({ length: 300 }, (_, q) => [1, q % 2, q % 3 === 0 ? 1 : 0, q % 5 === 0 ? 1 : 0]);
    const c = withPatterns(withBias(contextsFromRows(rows)));
    const tt = makeTrain(300, 2, Array.from({ length: 300 }, (_, q) => q), (q, m) => ((q % 2 === m ? 0.8 : 0.3) + ((q * 31) % 7) / 70), () => 0, 0);
    expect(new Knn(makeEnv(c, 2), { k: 0, weighting: 0, se: 0 }, tt).k).toBe(bruteChoice(rows, tt, 2));
  });

  it('a model no neighbour has falls back to its mean over the other train queries, never the held-out reward', () => {
    // by hand: six identical contexts, model 0 present everywhere at 0.5, model 1 only on query 0 at 1. Held out,
    // query 0 has no other query with model 1, so every candidate picks model 0 (0.5) and each scores 6 × 0.5:
    // a tie, which the largest (every train query, k = 6) wins. The held-out reward in model 1's fallback made
    // each k score 1 on query 0 and win with k = 3.
    const rows = Array.from({ length: 6 }, () => [1, 1]);
    const c = withBias(contextsFromRows(rows));
    const tt = makeTrain(6, 2, [0, 1, 2, 3, 4, 5], (_q, m) => (m === 0 ? 0.5 : 1), () => 0, 0, (q, m) => m === 1 && q !== 0);
    expect(new Knn(makeEnv(c, 2), { k: 0, weighting: 0, se: 0 }, tt).k).toBe(6);
  });
});

describe('the routers trained on a split in the registry', () => {
  const names = ['knn', 'predictive', 'warm-linucb', 'warm-thompson'];
  it('are named policies with parameters, never run by default', () => {
    for (const n of names) {
      expect(POLICY_NAMES).toContain(n);
      expect(DEFAULT_POLICIES).not.toContain(n);
    }
    const r = resolvePolicies(names, ['knn.k=5', 'warm-linucb.discount=0.5', 'predictive.target=1'], []);
    expect(r.map((x) => [x.name, x.factory.train])).toEqual(names.map((n) => [n, true]));
    expect(r[0].params).toEqual({ k: 5, weighting: 0, se: 0 });
    expect(r[1].params).toEqual({ reg: 0, target: 1, se: 0 });
    expect(r[2].params.discount).toBe(0.5);
    expect(() => resolvePolicies(['knn'], ['knn.weighting=2'], [])).toThrow(/weighting must be ≤ 1/);
  });
});
