import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { CV_FOLDS, CV_GRID, Predictive, predictiveFactory } from '../../src/policies/predictive.js';
import { withinStandardErrors } from '../../src/policies/supervised.js';
import type { TrainData } from '../../src/policies/policy.js';
import { contextsFromRows, makeEnv } from '../helpers/env.js';
import { inverse, matVec } from '../helpers/linalg.js';
import { gaussianRows, makeTrain } from '../helpers/train.js';

/** Normal equations on explicitly centred rows: θ = (X̃ᵀX̃ + λI)⁻¹X̃ᵀỹ, intercept ȳ − x̄ᵀθ. */
function ridgeFit(xs: number[][], ys: number[], lambda: number): { theta: number[]; b: number } {
  const d = xs[0].length;
  const n = xs.length;
  const xbar = Array.from({ length: d }, (_, j) => xs.reduce((s, x) => s + x[j], 0) / n);
  const ybar = ys.reduce((s, y) => s + y, 0) / n;
  const G = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? lambda : 0)));
  const c = new Array(d).fill(0);
  xs.forEach((x, r) => {
    for (let i = 0; i < d; i++) {
      c[i] += (x[i] - xbar[i]) * (ys[r] - ybar);
      for (let j = 0; j < d; j++) G[i][j] += (x[i] - xbar[i]) * (x[j] - xbar[j]);
    }
  });
  const theta = matVec(inverse(G), c);
  return { theta, b: ybar - theta.reduce((s, t, j) => s + t * xbar[j], 0) };
}

const clip = (v: number): number => Math.min(1, Math.max(0, v));
const dot = (f: { theta: number[]; b: number }, x: number[]): number => f.b + f.theta.reduce((s, t, j) => s + t * x[j], 0);

function direct(X: number[][], t: TrainData, M: number, reg: number, target: 0 | 1): (q: number, m: number) => number {
  const fits = Array.from({ length: M }, (_, m) => {
    const qs = Array.from(t.queries).filter((q) => t.present[q * M + m]);
    const xs = qs.map((q) => X[q]);
    if (target === 1) return [ridgeFit(xs, qs.map((q) => t.rewards[q * M + m]), reg)];
    return [ridgeFit(xs, qs.map((q) => t.accuracy[q * M + m]), reg), ridgeFit(xs, qs.map((q) => t.cost[q * M + m]), reg)];
  });
  return (q, m) => {
    const f = fits[m];
    if (target === 1) return dot(f[0], X[q]);
    return clip((1 - t.lambda) * clip(dot(f[0], X[q])) + t.lambda * (1 - clip(dot(f[1], X[q]))));
  };
}

describe('the one-standard-error rule (docs/model.md §5.9–5.10)', () => {
  it('a candidate exactly at the bound is within it, whatever the rounding', () => {
    // by hand: one paired difference δ among n gives mean δ/n and sd/√n = sqrt(δ²(n−1)/n/(n−1))/√n = δ/n, equal;
    // these three round the mean up and the bound down
    expect(withinStandardErrors(Float64Array.of(1, 0.5, 0.5), Float64Array.of(0.7, 0.5, 0.5), 1)).toBe(true);
    expect(withinStandardErrors(Float64Array.of(1, 0.5, 0.5, 0.5, 0.5, 0.5), Float64Array.of(0.1, 0.5, 0.5, 0.5, 0.5, 0.5), 1)).toBe(true);
    expect(withinStandardErrors(Float64Array.from({ length: 10 }, (_, i) => (i ? 0.5 : 1)), Float64Array.from({ length: 10 }, (_, i) => (i ? 0.5 : 0.7)), 1)).toBe(true);
    // two equal differences 0.3 of three: mean 0.2 against sqrt(0.03)/√3 = 0.1, outside; inside at se = 3
    expect(withinStandardErrors(Float64Array.of(1, 1, 0.5), Float64Array.of(0.7, 0.7, 0.5), 1)).toBe(false);
    expect(withinStandardErrors(Float64Array.of(1, 1, 0.5), Float64Array.of(0.7, 0.7, 0.5), 3)).toBe(true);
  });
});

describe('predictive', () => {
  const rng = new Rng(3);
  const X = gaussianRows(200, 5, () => rng.next());
  const M = 3;
  const trainQ = Array.from({ length: 200 }, (_, q) => q).filter((q) => q % 2 === 0);
  const acc = (q: number, m: number): number => clip(0.5 + 0.3 * X[q][1 + m] - 0.1 * X[q][4] + 0.05 * Math.sin(q));
  const cost = (q: number, m: number): number => clip(0.2 * m + 0.1 * X[q][5] + 0.3);
  const ctx = contextsFromRows(X);
  const all = Int32Array.from({ length: M }, (_, m) => m);

  const cases: [string, TrainData][] = [
    ['every train cell present (one shared Gram matrix)', makeTrain(200, M, trainQ, acc, cost, 0.4)],
    ['some cells absent (one fit per model)', makeTrain(200, M, trainQ, acc, cost, 0.4, (q, m) => (q * 5 + m) % 9 === 0)],
  ];
  for (const [name, t] of cases) {
    for (const target of [0, 1] as const) {
      it(`${name}, target ${target}: predicted rewards equal a normal-equations solve`, () => {
        const ref = direct(X, t, M, 0.7, target);
        const p = new Predictive(makeEnv(ctx, M), { reg: 0.7, target, se: 0 }, t);
        for (let q = 1; q < 200; q += 2) {
          const r = [0, 1, 2].map((m) => ref(q, m));
          for (let m = 0; m < M; m++) expect(p.score(q, m)).toBeCloseTo(r[m], 9);
          expect(p.select(q, all, M)).toBe(r.indexOf(Math.max(...r)));
        }
      });
    }
  }

  it('under a custom reward it regresses the reward itself, whatever target says (r_λ of accuracy and cost is another objective)', () => {
    const t: TrainData = { ...cases[1][1], customReward: true };
    // a reward whose ranking is not r_λ's: the train rewards are accuracy² here
    t.rewards = t.rewards.map((_, i) => (Number.isNaN(t.accuracy[i]) ? Number.NaN : t.accuracy[i] ** 2));
    const ref = direct(X, t, M, 0.7, 1);
    const p = new Predictive(makeEnv(ctx, M), { reg: 0.7, target: 0, se: 0 }, t);
    for (let q = 1; q < 200; q += 2) for (let m = 0; m < M; m++) expect(p.score(q, m)).toBeCloseTo(ref(q, m), 9);
  });

  it('matches numpy least squares on the same rows when numpy is at hand', async () => {
    const { spawnSync } = await import('node:child_process');
    const t = cases[0][1];
    const xs = Array.from(t.queries, (q) => X[q].slice(1));
    const ys = Array.from(t.queries, (q) => t.accuracy[q * M]);
    const py = `import json,sys,numpy as np
d=json.load(sys.stdin);X=np.array(d['x']);y=np.array(d['y']);lam=d['lam']
Xc=X-X.mean(0);th=np.linalg.solve(Xc.T@Xc+lam*np.eye(X.shape[1]),Xc.T@(y-y.mean()))
print(json.dumps([float(y.mean()-X.mean(0)@th)]+th.tolist()))`;
    const r = spawnSync('python3', ['-c', py], { input: JSON.stringify({ x: xs, y: ys, lam: 0.7 }), encoding: 'utf8' });
    if (r.status !== 0) {
      console.warn('numpy reference skipped: python3 with numpy is not available');
      return;
    }
    const [b, ...theta] = JSON.parse(r.stdout) as number[];
    // accuracy of model 0 at a test row, from the regression alone (target 1 with λ = 0 makes reward = accuracy)
    const t0 = makeTrain(200, M, trainQ, acc, cost, 0);
    const p = new Predictive(makeEnv(ctx, M), { reg: 0.7, target: 1, se: 0 }, t0);
    for (const q of [1, 51, 151]) expect(p.score(q, 0)).toBeCloseTo(b + theta.reduce((s, v, j) => s + v * X[q][1 + j], 0), 9);
  });

  it('penalty 0: the penalty a brute-force 5-fold cross-validation picks, strong where the context is noise; se: within se standard errors', () => {
    const choose = (t: TrainData, se: number): number => {
      const n = t.queries.length;
      // held-out reward of every train query under every candidate, by direct fits without its fold
      const got = CV_GRID.map((g) => {
        const r = new Array<number>(n).fill(0);
        for (let f = 0; f < CV_FOLDS; f++) {
          const fit: TrainData = { ...t, queries: t.queries.filter((_, i) => i % CV_FOLDS !== f) };
          const pred = direct(X, fit, M, g * n, 0);
          t.queries.forEach((q, i) => {
            if (i % CV_FOLDS !== f) return;
            const s = [0, 1, 2].map((m) => pred(q, m));
            r[i] = t.rewards[q * M + s.indexOf(Math.max(...s))];
          });
        }
        return r;
      });
      let best = -Infinity;
      let b = 0;
      got.forEach((r, k) => {
        const total = r.reduce((x, y) => x + y, 0);
        if (total >= best - 1e-9) ((best = total), (b = k));
      });
      // the one-standard-error rule written out: mean paired difference against its standard error
      for (let k = CV_GRID.length - 1; se > 0 && k > b; k--) {
        const diff = got[b].map((x, i) => x - got[k][i]);
        const mean = diff.reduce((x, y) => x + y, 0) / n;
        const sd = Math.sqrt(diff.reduce((x, y) => x + (y - mean) ** 2, 0) / (n - 1));
        if (mean <= se * (sd / Math.sqrt(n)) + 1e-12) return CV_GRID[k] * n;
      }
      return CV_GRID[b] * n;
    };
    const signal = cases[0][1];
    const noisy = (w: number): TrainData => makeTrain(200, M, trainQ, (q, m) => (m === 2 ? 0.6 : 0.5) + w * X[q][1 + m] + 0.3 * Math.sin(q * 12.9898 + m * 78.233), () => 0.5, 0.4);
    const noise = noisy(0);
    let bites = 0;
    for (const t of [signal, noise, noisy(0.05), noisy(0.1), noisy(0.2)]) {
      for (const se of [0, 1, 2]) {
        const p = new Predictive(makeEnv(ctx, M), { reg: 0, target: 0, se }, t);
        expect(p.reg).toBe(choose(t, se));
      }
      // a wider margin never picks a weaker penalty
      const regs = [0, 1, 2].map((se) => new Predictive(makeEnv(ctx, M), { reg: 0, target: 0, se }, t).reg);
      expect(regs[1]).toBeGreaterThanOrEqual(regs[0]);
      expect(regs[2]).toBeGreaterThanOrEqual(regs[1]);
      if (regs[2] > regs[0]) bites++;
    }
    // the weak-signal sets are where the margin changes the choice
    expect(bites).toBeGreaterThan(0);
    expect(new Predictive(makeEnv(ctx, M), { reg: 0, target: 0, se: 0 }, signal).reg).toBeLessThan(100 * 100);
    expect(new Predictive(makeEnv(ctx, M), { reg: 0, target: 0, se: 0 }, noise).reg).toBeGreaterThanOrEqual(10 * 100);
  });

  it('a model with no train rows predicts the mean of the other models', () => {
    const t = makeTrain(200, M, trainQ, () => 0.5, (_q, m) => (m === 0 ? 0.2 : 0.6), 1, (_q, m) => m === 2);
    const p = new Predictive(makeEnv(ctx, M), { reg: 1, target: 0, se: 0 }, t);
    // λ = 1: reward = 1 − cost; models 0 and 1 predict 0.8 and 0.4 everywhere, model 2 their mean
    expect(p.score(1, 0)).toBeCloseTo(0.8, 9);
    expect(p.score(1, 2)).toBeCloseTo(0.6, 9);
  });

  it('is deterministic and needs a train part', () => {
    const t = cases[1][1];
    const picks = (): number[] => {
      const p = predictiveFactory.create(makeEnv(ctx, M, 9), { reg: 1, target: 0, se: 0 }, undefined, t);
      return Array.from({ length: 100 }, (_, i) => p.select(2 * i + 1, all, M));
    };
    expect(picks()).toEqual(picks());
    expect(() => predictiveFactory.create(makeEnv(ctx, M), { reg: 1, target: 0, se: 0 })).toThrow(/train part/);
  });
});
