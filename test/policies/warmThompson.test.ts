import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import type { TrainData } from '../../src/policies/policy.js';
import { thompsonFactory } from '../../src/policies/thompson.js';
import { WarmThompson, warmThompsonFactory } from '../../src/policies/warmThompson.js';
import { contextsFromRows, makeEnv } from '../helpers/env.js';
import { maxRelDiff, ridge } from '../helpers/linalg.js';
import { gaussianRows, makeTrain, replayOnline } from '../helpers/train.js';

const M = 3;
const all = Int32Array.from({ length: M }, (_, m) => m);
const rng = new Rng(5);
const X = gaussianRows(260, 4, () => rng.next());
const ctx = contextsFromRows(X);
const trainQ = Array.from({ length: 100 }, (_, q) => 2 * q);
const testQ = Array.from({ length: 100 }, (_, q) => 2 * q + 1);
const t = makeTrain(260, M, trainQ, (q, m) => (X[q][1 + m] > 0.2 ? 0.9 : 0.1), (_q, m) => 0.2 * m, 0.5, (q, m) => (q * 3 + m) % 17 === 0);
const reward = (q: number, m: number): number => ((q * 5 + m) % 8) / 8;

function scaled(xs: number[][], rs: number[], s: number): { xs: number[][]; rs: number[] } {
  return { xs: xs.map((x) => x.map((v) => v * Math.sqrt(s))), rs: rs.map((r) => r * Math.sqrt(s)) };
}
function trainOf(tt: TrainData, m: number): { xs: number[][]; rs: number[] } {
  const qs = Array.from(tt.queries).filter((q) => tt.present[q * M + m]);
  return { xs: qs.map((q) => X[q]), rs: qs.map((q) => tt.rewards[q * M + m]) };
}

describe('warm-thompson', () => {
  it('precision and mean equal I/v + discount·Σxxᵀ/σ² (train) + Σxxᵀ/σ² (online), solved directly', () => {
    const sigma = 0.5;
    const v = 2;
    const g = 0.4;
    const p = new WarmThompson(makeEnv(ctx, M), { sigma, priorVariance: v, discount: g }, t);
    const online = replayOnline(p, testQ, M, X, reward);
    const st = p.state();
    const d = 5;
    for (let m = 0; m < M; m++) {
      const a = scaled(trainOf(t, m).xs, trainOf(t, m).rs, g / sigma ** 2);
      const b = scaled(online[m].xs, online[m].rs, 1 / sigma ** 2);
      const ref = ridge([...a.xs, ...b.xs], [...a.rs, ...b.rs], 1 / v);
      expect(maxRelDiff(st.A.subarray(m * d * d, (m + 1) * d * d), ref.A.flat())).toBeLessThan(1e-12);
      expect(maxRelDiff(st.Ainv.subarray(m * d * d, (m + 1) * d * d), ref.Ainv.flat())).toBeLessThan(1e-9);
      expect(maxRelDiff(st.theta.subarray(m * d, (m + 1) * d), ref.theta)).toBeLessThan(1e-9);
    }
  });

  it('discount 0 is plain Thompson sampling, draw for draw', () => {
    const run = (warm: boolean): number[] => {
      const p = warm
        ? warmThompsonFactory.create(makeEnv(ctx, M, 6), { sigma: 0.25, priorVariance: 2, discount: 0 }, undefined, t)
        : thompsonFactory.create(makeEnv(ctx, M, 6), { sigma: 0.25, priorVariance: 2 });
      return testQ.map((q) => {
        const m = p.select(q, all, M);
        p.update(q, m, reward(q, m));
        return m;
      });
    };
    expect(run(true)).toEqual(run(false));
  });

  it('with a strong train part it follows the train-best model; deterministic for a seed', () => {
    const run = (seed: number): number[] => {
      const p = warmThompsonFactory.create(makeEnv(ctx, M, seed), { sigma: 0.25, priorVariance: 2, discount: 1 }, undefined, t);
      return testQ.map((q) => p.select(q, all, M));
    };
    expect(run(3)).toEqual(run(3));
    // model m is accurate where x_{1+m} > 0.2 and cheaper for small m: the greedy choice from the train fit
    const greedy = (q: number): number => {
      const r = [0, 1, 2].map((m) => {
        const a = trainOf(t, m);
        const ref = ridge(a.xs, a.rs, 0.5 * 0.0625);
        return ref.theta.reduce((s, th, i) => s + th * X[q][i], 0);
      });
      return r.indexOf(Math.max(...r));
    };
    const picks = run(3);
    const agree = testQ.filter((q, i) => picks[i] === greedy(q)).length;
    expect(agree).toBeGreaterThan(70);
  });
});
