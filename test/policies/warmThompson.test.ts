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

  it('propensity: the Monte-Carlo estimate of P(model m scores highest) under its warm posterior, against a numerical integral', () => {
    const sigma = 0.5;
    const p = new WarmThompson(makeEnv(ctx, M, 9), { sigma, priorVariance: 2, discount: 0.2 }, t);
    replayOnline(p, testQ.slice(0, 20), M, X, reward);
    const q = testQ[30];
    const x = X[q];
    const d = x.length;
    const st = p.state();
    const kappa = makeEnv(ctx, M).rules.thompsonCovariance === 'sigma2' ? sigma * sigma : 1;
    // score of model m ~ N(θ_mᵀx, κ·xᵀB_m⁻¹x) (docs/model.md §5.4), from the state directly
    const mu = [0, 1, 2].map((m) => x.reduce((a, v, i) => a + v * st.theta[m * d + i], 0));
    const sd = [0, 1, 2].map((m) => Math.sqrt(kappa * x.reduce((a, v, i) => a + v * x.reduce((b, w, j) => b + st.Ainv[m * d * d + i * d + j] * w, 0), 0)));
    // P(m highest) = ∫ φ_m(s) Π_{k≠m} Φ_k(s) ds on a fine grid, each Φ_k a cumulative sum of its density
    const lo = Math.min(...mu.map((u, m) => u - 9 * sd[m]));
    const hi = Math.max(...mu.map((u, m) => u + 9 * sd[m]));
    const G = 40000;
    const h = (hi - lo) / G;
    const dens = mu.map((u, m) => Array.from({ length: G + 1 }, (_, i) => Math.exp(-0.5 * ((lo + i * h - u) / sd[m]) ** 2) / (sd[m] * Math.sqrt(2 * Math.PI))));
    const cdf = dens.map((f) => {
      let c = 0;
      return f.map((v, i) => (c += i === 0 ? 0 : 0.5 * h * (f[i - 1] + v)));
    });
    const exact = [0, 1, 2].map((m) => dens[m].reduce((a, v, i) => a + h * v * [0, 1, 2].filter((k) => k !== m).reduce((b, k) => b * cdf[k][i], 1), 0));
    expect(exact.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
    p.select(q, all, M);
    for (let m = 0; m < M; m++) {
      // 16 estimates of (wins + 1)/(K + 1), K = 256, from independent generators: their mean is within five
      // standard errors (and the one counted draw) of the integral
      const R = 16;
      let sum = 0;
      for (let r = 0; r < R; r++) sum += p.propensity!(q, all, M, m, new Rng(100 + 16 * m + r));
      expect(Math.abs(sum / R - exact[m])).toBeLessThan(5 * Math.sqrt((exact[m] * (1 - exact[m])) / (256 * R)) + 1 / 257);
    }
  });
});
