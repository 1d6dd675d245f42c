import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { linucbFactory } from '../../src/policies/linucb.js';
import type { TrainData } from '../../src/policies/policy.js';
import { CV_FOLDS, CV_GRID } from '../../src/policies/supervised.js';
import { WarmLinUCB, warmLinucbFactory } from '../../src/policies/warmLinucb.js';
import { contextsFromRows, makeEnv } from '../helpers/env.js';
import { maxRelDiff, ridge } from '../helpers/linalg.js';
import { gaussianRows, makeTrain, replayOnline } from '../helpers/train.js';

const M = 3;
const all = Int32Array.from({ length: M }, (_, m) => m);
const rng = new Rng(21);
const X = gaussianRows(300, 4, () => rng.next());
const ctx = contextsFromRows(X);
const trainQ = Array.from({ length: 120 }, (_, q) => q);
const t = makeTrain(300, M, trainQ, (q, m) => (X[q][1 + m] > 0 ? 0.8 : 0.3), (q, m) => 0.3 * m + 0.01 * (q % 5), 0.25, (q, m) => (q + 2 * m) % 13 === 0);
const reward = (q: number, m: number): number => ((q * 7 + m * 3) % 10) / 10;

/** The train rows of model m, scaled by √s so that (√s x)(√s x)ᵀ = s·xxᵀ and (√s r)(√s x) = s·r·x. */
function trainRows(tt: TrainData, m: number, s: number): { xs: number[][]; rs: number[] } {
  const qs = Array.from(tt.queries).filter((q) => tt.present[q * M + m]);
  return { xs: qs.map((q) => X[q].map((v) => v * Math.sqrt(s))), rs: qs.map((q) => tt.rewards[q * M + m] * Math.sqrt(s)) };
}

describe('warm-linucb', () => {
  it('A, A⁻¹ and θ equal reg·I + discount·(train part) + the online updates, solved directly; picks the UCB argmax', () => {
    const p = new WarmLinUCB(makeEnv(ctx, M), { alpha: 0.2, reg: 0.05, discount: 0.3, se: 0 }, t);
    const online = replayOnline(p, Array.from({ length: 180 }, (_, i) => 120 + i), M, X, reward);
    const st = p.state();
    const d = 5;
    const refs = [0, 1, 2].map((m) => {
      const w = trainRows(t, m, 0.3);
      return ridge([...w.xs, ...online[m].xs], [...w.rs, ...online[m].rs], 0.05);
    });
    for (let m = 0; m < M; m++) {
      expect(maxRelDiff(st.A.subarray(m * d * d, (m + 1) * d * d), refs[m].A.flat())).toBeLessThan(1e-12);
      expect(maxRelDiff(st.Ainv.subarray(m * d * d, (m + 1) * d * d), refs[m].Ainv.flat())).toBeLessThan(1e-9);
      expect(maxRelDiff(st.theta.subarray(m * d, (m + 1) * d), refs[m].theta)).toBeLessThan(1e-9);
    }
    for (const q of [130, 200, 299]) {
      const ucb = refs.map((r) => {
        const mean = r.theta.reduce((s, v, i) => s + v * X[q][i], 0);
        let v = 0;
        for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) v += X[q][i] * r.Ainv[i][j] * X[q][j];
        return mean + 0.2 * Math.sqrt(v);
      });
      expect(p.select(q, all, M)).toBe(ucb.indexOf(Math.max(...ucb)));
    }
  });

  it('a model that leaves and rejoins starts from its train part again', () => {
    const p = new WarmLinUCB(makeEnv(ctx, M), { alpha: 0.1, reg: 0.05, discount: 1, se: 0 }, t);
    const before = p.state().theta.slice(5, 10);
    for (let q = 120; q < 160; q++) p.update(q, 1, 1);
    p.removeArm(1);
    p.addArm(1);
    expect(maxRelDiff(p.state().theta.subarray(5, 10), before)).toBeLessThan(1e-12);
  });

  it('discount 0 is plain LinUCB, pick for pick', () => {
    const run = (warm: boolean): number[] => {
      const p = warm
        ? warmLinucbFactory.create(makeEnv(ctx, M, 4), { alpha: 0.1, reg: 0.05, discount: 0, se: 0 }, undefined, t)
        : linucbFactory.create(makeEnv(ctx, M, 4), { alpha: 0.1, reg: 0.05 });
      return Array.from({ length: 180 }, (_, i) => {
        const m = p.select(120 + i, all, M);
        p.update(120 + i, m, reward(120 + i, m));
        return m;
      });
    };
    expect(run(true)).toEqual(run(false));
  });

  it('the warm start changes the early picks and is deterministic for a seed', () => {
    const run = (discount: number): number[] => {
      const p = warmLinucbFactory.create(makeEnv(ctx, M, 8), { alpha: 0.1, reg: 0.05, discount, se: 0 }, undefined, t);
      return Array.from({ length: 60 }, (_, i) => p.select(120 + i, all, M));
    };
    expect(run(1)).toEqual(run(1));
    expect(run(1)).not.toEqual(run(0));
  });

  it('reg 0: reg = discount × the penalty a brute-force 5-fold cross-validation of the train ridge fit picks', () => {
    const n = t.queries.length;
    let best = -Infinity;
    let rho = NaN;
    // held-out reward per train query and candidate, for the se rule below
    const perQuery: number[][] = [];
    for (const g of CV_GRID) {
      let got = 0;
      const r = new Array<number>(n).fill(0);
      perQuery.push(r);
      for (let f = 0; f < CV_FOLDS; f++) {
        const fitQ = Array.from(t.queries).filter((_, i) => i % CV_FOLDS !== f);
        const thetas = [0, 1, 2].map((m) => {
          const qs = fitQ.filter((q) => t.present[q * M + m]);
          return ridge(qs.map((q) => X[q]), qs.map((q) => t.rewards[q * M + m]), g * n).theta;
        });
        t.queries.forEach((q, i) => {
          if (i % CV_FOLDS !== f) return;
          let top = -Infinity;
          for (let m = 0; m < M; m++) {
            if (!t.present[q * M + m]) continue;
            const s = thetas[m].reduce((a, th, j) => a + th * X[q][j], 0);
            if (s > top) ((top = s), (r[i] = t.rewards[q * M + m]));
          }
          got += r[i];
        });
      }
      if (got >= best - 1e-9) ((best = got), (rho = g * n));
    }
    const p = new WarmLinUCB(makeEnv(ctx, M), { alpha: 0.1, reg: 0, discount: 0.5, se: 0 }, t);
    expect(p.reg).toBeCloseTo(0.5 * rho, 9);
    // se = 1: the strongest candidate within one standard error of the best (paired per train query)
    const b = CV_GRID.indexOf(rho / n);
    let rho1 = rho;
    for (let k = CV_GRID.length - 1; k > b; k--) {
      const diff = perQuery[b].map((x, i) => x - perQuery[k][i]);
      const mean = diff.reduce((x, y) => x + y, 0) / n;
      const sd = Math.sqrt(diff.reduce((x, y) => x + (y - mean) ** 2, 0) / (n - 1));
      if (mean <= sd / Math.sqrt(n) + 1e-12) {
        rho1 = CV_GRID[k] * n;
        break;
      }
    }
    expect(new WarmLinUCB(makeEnv(ctx, M), { alpha: 0.1, reg: 0, discount: 0.5, se: 1 }, t).reg).toBeCloseTo(0.5 * rho1, 9);
    // the state starts at that regularisation plus the discounted train part
    const ref = ridge(trainRows(t, 1, 0.5).xs, trainRows(t, 1, 0.5).rs, p.reg);
    expect(maxRelDiff(p.state().theta.subarray(5, 10), ref.theta)).toBeLessThan(1e-9);
  });

  it('a second policy on the same train part copies the warm start, bit for bit what a fresh computation gives', () => {
    const dense = contextsFromRows(gaussianRows(300, 20, () => rng.next()));
    const make = (): WarmLinUCB => new WarmLinUCB(makeEnv(dense, M), { alpha: 0.1, reg: 0.05, discount: 0.7, se: 0 }, t);
    const first = make().state();
    const copied = make().state();
    // another train part object: nothing to copy from, so it computes
    const fresh = new WarmLinUCB(makeEnv(dense, M), { alpha: 0.1, reg: 0.05, discount: 0.7, se: 0 }, { ...t }).state();
    const hex = (a: Float64Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
    for (const st of [copied, fresh]) {
      expect(hex(st.A)).toBe(hex(first.A));
      expect(hex(st.Ainv)).toBe(hex(first.Ainv));
      expect(hex(st.b)).toBe(hex(first.b));
      expect(hex(st.theta)).toBe(hex(first.theta));
    }
    expect(first.A).not.toBe(copied.A);
  });
});
