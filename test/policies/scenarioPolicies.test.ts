/** Budget, drift and new-model routers (docs/model.md §11) against direct computations. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { UsageError } from '../../src/core/errors.js';
import type { Policy, PolicyEnv } from '../../src/policies/policy.js';
import { budgetedLinucbFactory } from '../../src/policies/budgetedLinucb.js';
import { budgetedThompsonFactory } from '../../src/policies/budgetedThompson.js';
import { discountedLinucbFactory } from '../../src/policies/discountedLinucb.js';
import { slidingWindowLinucbFactory } from '../../src/policies/slidingWindowLinucb.js';
import { cusumLinucbFactory } from '../../src/policies/cusumLinucb.js';
import { softmaxFactory } from '../../src/policies/softmax.js';
import { ucb1Factory } from '../../src/policies/ucb1.js';
import type { RefitRidge } from '../../src/policies/refitRidge.js';
import { builtinFactory, DEFAULT_POLICIES, SCENARIO_FACTORIES } from '../../src/policies/registry.js';
import { decisionStepper } from '../../src/sim/throughput.js';
import { ALL_EIGHT, contextsFromRows, makeEnv, mixedRows } from '../helpers/env.js';
import { inverse, matVec, maxRelDiff } from '../helpers/linalg.js';

const ALL = ALL_EIGHT;
const rows = mixedRows;

/** Weighted ridge: θ = (reg·I + Σ w xxᵀ)⁻¹ Σ w r x, solved densely. */
function wls(xs: number[][], rs: number[], ws: number[], reg: number, d: number): { Ainv: number[][]; theta: number[] } {
  const A = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? reg : 0)));
  const b = new Array(d).fill(0);
  xs.forEach((x, k) => {
    for (let i = 0; i < d; i++) {
      b[i] += ws[k] * rs[k] * x[i];
      for (let j = 0; j < d; j++) A[i][j] += ws[k] * x[i] * x[j];
    }
  });
  const Ainv = inverse(A);
  return { Ainv, theta: matVec(Ainv, b) };
}

function drive(p: Policy, X: number[][], reward: (q: number, m: number) => number, M: number, cost?: (q: number, m: number) => number) {
  const xs: number[][][] = Array.from({ length: M }, () => []);
  const rs: number[][] = Array.from({ length: M }, () => []);
  const cs: number[][] = Array.from({ length: M }, () => []);
  X.forEach((x, q) => {
    const m = p.select(q, ALL, M);
    const r = reward(q, m);
    p.update(q, m, r);
    if (cost) {
      cs[m].push(cost(q, m));
      p.updateCost!(q, m, cost(q, m));
    }
    xs[m].push(x);
    rs[m].push(r);
  });
  return { xs, rs, cs };
}

const budgetEnv = (ctx: ReturnType<typeof contextsFromRows>, M: number, seed = 1): PolicyEnv => ({ ...makeEnv(ctx, M, seed), budget: { kind: 'energy', limit: 0.05 } });

describe('registry', () => {
  it('registers the scenario routers but keeps them out of the default run', () => {
    for (const n of ['budgeted-linucb', 'budgeted-thompson', 'discounted-linucb', 'sliding-window-linucb', 'cusum-linucb', 'hybrid-linucb', 'softmax', 'ucb1']) {
      expect(builtinFactory(n)?.name).toBe(n);
      expect(DEFAULT_POLICIES).not.toContain(n);
    }
  });
});

describe('throughput bench', () => {
  it('measures every scenario router (the budgeted ones get a budget there)', () => {
    // the bench's shape: 4,096 one-hot-ish queries, 16 models
    const X = rows(4096, 9);
    const ctx = contextsFromRows(X);
    const rewards = Float64Array.from({ length: 4096 * 16 }, (_, i) => (i % 7) / 7);
    for (const f of SCENARIO_FACTORIES) expect(() => decisionStepper(f.name, ctx, rewards)(40), f.name).not.toThrow();
  });
});

describe('ucb1', () => {
  it('tries each model once, then picks the largest mean + c·sqrt(2 ln N / n)', () => {
    const X = [[1]];
    const p = ucb1Factory.create(makeEnv(contextsFromRows(X), 3, 1, 'repo'), { c: 0.5 });
    const seen: number[] = [];
    for (let t = 0; t < 3; t++) {
      const m = p.select(0, ALL, 3);
      seen.push(m);
      p.update(0, m, [0.2, 0.6, 0.5][m]);
    }
    expect(seen.sort()).toEqual([0, 1, 2]);
    p.update(0, 1, 0.1); // model 1: mean 0.35 over 2
    const N = 4;
    const score = [0.2 + 0.5 * Math.sqrt((2 * Math.log(N)) / 1), 0.35 + 0.5 * Math.sqrt((2 * Math.log(N)) / 2), 0.5 + 0.5 * Math.sqrt((2 * Math.log(N)) / 1)];
    // the index values themselves, by hand: ln 4 = 1.3862944, sqrt(2·1.3862944/1) = 1.6651092, sqrt(2·1.3862944/2) = 1.1774100
    const byHand = [0.2 + 0.5 * 1.6651092, 0.35 + 0.5 * 1.17741, 0.5 + 0.5 * 1.6651092];
    const indexOf = (p as Policy & { score(m: number): number }).score.bind(p);
    for (let m = 0; m < 3; m++) {
      expect(score[m]).toBeCloseTo(byHand[m], 6);
      expect(indexOf(m)).toBeCloseTo(score[m], 12);
    }
    expect(p.select(0, ALL, 3)).toBe(score.indexOf(Math.max(...score)));
    const pick = score.indexOf(Math.max(...score));
    for (let m = 0; m < 3; m++) expect(p.propensity!(0, ALL, 3, m, new Rng(1))).toBe(m === pick ? 1 : 0);
    // a joining model starts untried, so it is picked next
    p.addArm(1);
    expect(p.select(0, ALL, 3)).toBe(1);
    // paper ties: two untried models share the choice
    const u = ucb1Factory.create(makeEnv(contextsFromRows(X), 3, 1, 'paper'), { c: 0.5 });
    u.update(0, 0, 0.5);
    expect([0, 1, 2].map((m) => u.propensity!(0, ALL, 3, m, new Rng(1)))).toEqual([0, 0.5, 0.5]);
  });
  it('over a stream, every index and every choice follow mean + c·sqrt(2 ln N / n) replayed directly (N the feedback count)', () => {
    const M = 4;
    const c = 0.8;
    const p = ucb1Factory.create(makeEnv(contextsFromRows([[1]]), M, 1, 'repo'), { c }) as Policy & { score(m: number): number };
    const means = [0.45, 0.6, 0.55, 0.3];
    const coin = new Rng(42);
    const n = new Array(M).fill(0);
    const sum = new Array(M).fill(0);
    let N = 0;
    const picks: number[] = [];
    for (let t = 0; t < 120; t++) {
      // the documented index, recomputed from this loop's own counts
      const idx = n.map((nm, m) => (nm === 0 ? Infinity : sum[m] / nm + c * Math.sqrt((2 * Math.log(N)) / nm)));
      for (let m = 0; m < M; m++) {
        if (idx[m] === Infinity) expect(p.score(m)).toBe(Infinity);
        else expect(p.score(m)).toBeCloseTo(idx[m], 12);
      }
      // repo ties: the first of the largest
      let want = 0;
      for (let m = 1; m < M; m++) if (idx[m] > idx[want]) want = m;
      const m = p.select(0, ALL, M);
      expect(m).toBe(want);
      picks.push(m);
      const r = coin.next() < means[m] ? 1 : 0;
      p.update(0, m, r);
      n[m]++;
      sum[m] += r;
      N++;
    }
    // the stream explores: every model is played beyond its first try
    expect(n.every((k) => k > 1)).toBe(true);
    expect(new Set(picks.slice(M)).size).toBe(M);
  });
});

describe('softmax', () => {
  it('τ₀ below the floor starts at the floor, τ = max(τ_min, τ₀·δ^N) at N = 0 too (docs/model.md §11.6)', () => {
    const p = softmaxFactory.create(makeEnv(contextsFromRows([[1]]), 3, 9), { temperature: 0.001, decay: 0.999, minTemperature: 0.01, initial: 1 }) as Policy & { temperature(): number };
    // was 0.001 for the first decision, then 0.01 from the first feedback on
    expect(p.temperature()).toBe(0.01);
    p.update(0, 0, 0.5);
    expect(p.temperature()).toBe(0.01);
  });
  it('probabilities are exp(μ/τ)/Σ, τ decays per feedback, and one uniform draw walks the cumulative weights', () => {
    const env = makeEnv(contextsFromRows([[1]]), 3, 9);
    const p = softmaxFactory.create(env, { temperature: 0.2, decay: 0.5, minTemperature: 0.06, initial: 1 }) as Policy & {
      probabilities(a: Int32Array, n: number, out: Float64Array): void;
      temperature(): number;
    };
    p.update(0, 0, 0.3);
    p.update(0, 1, 0.8);
    p.update(0, 1, 0.4);
    // τ = max(0.06, 0.2·0.5³) = 0.06
    expect(p.temperature()).toBeCloseTo(0.06, 15);
    const out = new Float64Array(3);
    p.probabilities(ALL, 3, out);
    const w = [0.3, 0.6, 1].map((mu) => Math.exp(mu / 0.06));
    const z = w[0] + w[1] + w[2];
    for (let i = 0; i < 3; i++) expect(out[i]).toBeCloseTo(w[i] / z, 12);
    // the logged propensity is the same probability
    for (let m = 0; m < 3; m++) expect((p as Policy).propensity!(0, ALL, 3, m, new Rng(1))).toBeCloseTo(w[m] / z, 12);
    // the same stream as the policy's RNG decides the pick
    const twin = new Rng(9);
    for (let t = 0; t < 20; t++) {
      const u = twin.next();
      const want = u < w[0] / z ? 0 : u < (w[0] + w[1]) / z ? 1 : 2;
      expect(p.select(0, ALL, 3)).toBe(want);
    }
  });
  it('τ follows τ₀·δ^N feedback by feedback down to the floor, and each step draws from the Boltzmann probabilities at that τ', () => {
    const M = 3;
    const p = softmaxFactory.create(makeEnv(contextsFromRows([[1]]), M, 21), { temperature: 0.5, decay: 0.8, minTemperature: 0.05, initial: 0.6 }) as Policy & {
      probabilities(a: Int32Array, n: number, out: Float64Array): void;
      temperature(): number;
    };
    // τ after N feedbacks, by hand: 0.5·0.8^N until it falls under 0.05 (0.5·0.8^11 = 0.0429)
    const tau = [0.5, 0.4, 0.32, 0.256, 0.2048, 0.16384, 0.131072, 0.1048576, 0.08388608, 0.067108864, 0.0536870912, 0.05, 0.05, 0.05, 0.05];
    const n = [0, 0, 0];
    const sum = [0, 0, 0];
    const twin = new Rng(21);
    const out = new Float64Array(M);
    const picked = new Set<number>();
    for (let N = 0; N < tau.length; N++) {
      expect(p.temperature()).toBeCloseTo(tau[N], 14);
      // Boltzmann over the means (`initial` while untried) at this step's τ
      const w = [0, 1, 2].map((m) => Math.exp((n[m] > 0 ? sum[m] / n[m] : 0.6) / tau[N]));
      const z = w[0] + w[1] + w[2];
      p.probabilities(ALL, M, out);
      for (let m = 0; m < M; m++) expect(out[m]).toBeCloseTo(w[m] / z, 12);
      const u = twin.next();
      const want = u < w[0] / z ? 0 : u < (w[0] + w[1]) / z ? 1 : 2;
      const m = p.select(0, ALL, M);
      expect(m).toBe(want);
      picked.add(m);
      const r = [0.4, 0.7, 0.55][m] + 0.1 * Math.sin(N);
      p.update(0, m, r);
      n[m]++;
      sum[m] += r;
    }
    expect(picked.size).toBeGreaterThan(1);
  });
});

describe('discounted-linucb', () => {
  it('θ and A⁻¹ equal a weighted least-squares solve with weights γ^(n−k), and the choice is the UCB argmax', () => {
    const X = rows(300, 2);
    const ctx = contextsFromRows(X);
    const gamma = 0.97;
    const p = discountedLinucbFactory.create(makeEnv(ctx, 3), { alpha: 0.2, reg: 0.1, gamma }) as Policy & { state(): RefitRidge };
    const { xs, rs } = drive(p, X, (q, m) => ((q * 5 + m * 3) % 7) / 7, 3);
    const st = p.state();
    const d = 5;
    const ucb: number[] = [];
    for (let m = 0; m < 3; m++) {
      const n = xs[m].length;
      const ref = wls(xs[m], rs[m], xs[m].map((_, k) => gamma ** (n - 1 - k)), 0.1, d);
      expect(maxRelDiff(st.theta.subarray(m * d, (m + 1) * d), ref.theta)).toBeLessThan(1e-9);
      expect(maxRelDiff(st.Ainv.subarray(m * d * d, (m + 1) * d * d), ref.Ainv.flat())).toBeLessThan(1e-9);
      const x = X[7];
      const v = x.reduce((s, xi, i) => s + xi * x.reduce((t, xj, j) => t + ref.Ainv[i][j] * xj, 0), 0);
      ucb.push(ref.theta.reduce((s, t, i) => s + t * x[i], 0) + 0.2 * Math.sqrt(v));
    }
    expect(p.select(7, ALL, 3)).toBe(ucb.indexOf(Math.max(...ucb)));
  });

  it('γ = 1 is plain ridge over all of a model’s observations', () => {
    const X = rows(100, 3);
    const p = discountedLinucbFactory.create(makeEnv(contextsFromRows(X), 2), { alpha: 0.1, reg: 0.05, gamma: 1 }) as Policy & { state(): RefitRidge };
    const { xs, rs } = drive(p, X, (q, m) => (q % 3) / 3 + m * 0.1, 2);
    for (let m = 0; m < 2; m++) {
      const ref = wls(xs[m], rs[m], xs[m].map(() => 1), 0.05, 5);
      expect(maxRelDiff(p.state().theta.subarray(m * 5, m * 5 + 5), ref.theta)).toBeLessThan(1e-9);
    }
  });
});

describe('cusum-linucb', () => {
  /** The CUSUM recomputed independently: ridge residuals, Welford variance, two one-sided sums, reset on alarm. */
  function replayCusum(X: number[][], seq: { q: number; r: number }[], reg: number, shift: number, minObs: number, T: number) {
    const d = X[0].length;
    let xs: number[][] = [];
    let rs: number[] = [];
    let es: number[] = [];
    let up = 0;
    let down = 0;
    const alarms: number[] = [];
    seq.forEach(({ q, r }, k) => {
      const theta = xs.length ? wls(xs, rs, xs.map(() => 1), reg, d).theta : new Array(d).fill(0);
      const e = r - theta.reduce((a, t, i) => a + t * X[q][i], 0);
      es.push(e);
      const n = es.length;
      if (n >= minObs && n >= 2) {
        const mu = es.reduce((a, b) => a + b, 0) / n;
        const v = Math.max(es.reduce((a, b) => a + (b - mu) ** 2, 0) / (n - 1), 1e-6);
        const h = (v * Math.log(T)) / shift;
        up = Math.max(0, up + e - shift / 2);
        down = Math.max(0, down - e - shift / 2);
        if (up > h || down > h) {
          alarms.push(k);
          xs = [];
          rs = [];
          es = [];
          up = down = 0;
        }
      }
      xs.push(X[q]);
      rs.push(r);
    });
    return { alarms, xs, rs };
  }

  it('alarms where the hand-replayed CUSUM does, and then fits only the evidence since the alarm', () => {
    const X = rows(600, 8);
    const p = cusumLinucbFactory.create(makeEnv(contextsFromRows(X), 1), { alpha: 0.1, reg: 0.1, shift: 0.1, minObs: 10 }) as Policy & { state(): RefitRidge; alarms: Int32Array };
    // one model: noisy rewards whose mean drops by 0.4 at update 300
    const rng = new Rng(3);
    const seq = X.map((x, q) => ({ q, r: 0.6 + 0.2 * x[4] - (q >= 300 ? 0.4 : 0) + 0.1 * (rng.next() - 0.5) }));
    for (const { q, r } of seq) p.update(q, 0, r);
    const ref = replayCusum(X, seq, 0.1, 0.1, 10, 600);
    expect(ref.alarms.length).toBeGreaterThan(0);
    expect(ref.alarms.some((k) => k >= 300 && k < 330)).toBe(true);
    expect(p.alarms[0]).toBe(ref.alarms.length);
    const fit = wls(ref.xs, ref.rs, ref.xs.map(() => 1), 0.1, 5);
    expect(maxRelDiff(p.state().theta.subarray(0, 5), fit.theta)).toBeLessThan(1e-9);
  });

  it('the threshold’s T is the stream length env.horizon, not the contexts’ rows', () => {
    // 600 context rows, of which a stream of 250 (the rest a split's train part): h ∝ ln 250, not ln 600
    const X = rows(600, 5);
    const params = { alpha: 0.1, reg: 0.1, shift: 1, minObs: 5 };
    const ctx = contextsFromRows(X);
    const stream = cusumLinucbFactory.create({ ...makeEnv(ctx, 1), horizon: 250 }, params) as Policy & { threshold(m: number): number; alarms: Int32Array };
    const rowsT = cusumLinucbFactory.create(makeEnv(ctx, 1), params) as Policy & { threshold(m: number): number };
    const rng = new Rng(6);
    for (let q = 0; q < 40; q++) {
      const r = 0.5 + 0.2 * X[q][4] + 0.1 * (rng.next() - 0.5);
      stream.update(q, 0, r);
      rowsT.update(q, 0, r);
    }
    expect(Array.from(stream.alarms)).toEqual([0]);
    expect(stream.threshold(0) / rowsT.threshold(0)).toBeCloseTo(Math.log(250) / Math.log(600), 12);
  });

  it('without a change it behaves as LinUCB: no alarm over a stationary stream', () => {
    const X = rows(500, 9);
    const p = cusumLinucbFactory.create(makeEnv(contextsFromRows(X), 2), { alpha: 0.1, reg: 0.05, shift: 0.1, minObs: 20 }) as Policy & { state(): RefitRidge; alarms: Int32Array };
    const rng = new Rng(4);
    const { xs, rs } = drive(p, X, (q, m) => 0.4 + 0.1 * m + 0.2 * X[q][4] + 0.2 * (rng.next() - 0.5), 2);
    expect(Array.from(p.alarms)).toEqual([0, 0]);
    for (let m = 0; m < 2; m++) {
      const ref = wls(xs[m], rs[m], xs[m].map(() => 1), 0.05, 5);
      expect(maxRelDiff(p.state().theta.subarray(m * 5, m * 5 + 5), ref.theta)).toBeLessThan(1e-9);
    }
  });
});

describe('sliding-window-linucb', () => {
  it('θ and A⁻¹ equal ridge over each model’s last W observations', () => {
    const X = rows(400, 4);
    const W = 17;
    const p = slidingWindowLinucbFactory.create(makeEnv(contextsFromRows(X), 3), { alpha: 0.15, reg: 0.2, window: W }) as Policy & { state(): RefitRidge };
    const { xs, rs } = drive(p, X, (q, m) => ((q * 3 + m) % 11) / 11, 3);
    for (let m = 0; m < 3; m++) {
      const k0 = Math.max(0, xs[m].length - W);
      const ref = wls(xs[m].slice(k0), rs[m].slice(k0), xs[m].slice(k0).map(() => 1), 0.2, 5);
      expect(maxRelDiff(p.state().theta.subarray(m * 5, m * 5 + 5), ref.theta)).toBeLessThan(1e-9);
      expect(maxRelDiff(p.state().Ainv.subarray(m * 25, m * 25 + 25), ref.Ainv.flat())).toBeLessThan(1e-9);
    }
  });

  it('a fractional window is a usage error', () => {
    expect(() => slidingWindowLinucbFactory.create(makeEnv(contextsFromRows([[1]]), 2), { alpha: 0.1, reg: 0.1, window: 2.5 })).toThrow(UsageError);
  });
});

describe('budgeted policies', () => {
  it('the dual variable follows μ ← clip(μ + η·(κ − ρ), 0, μ_max), ρ = budget left per query left, over a hand-computed sequence', () => {
    // T = 10 queries in the stream, so the budget is 10 in κ units; under a split the contexts also hold the
    // train rows (here 15 after the 10 of the stream), which must not count
    const X = Array.from({ length: 10 }, (_, q) => [1, q % 2]);
    const withTrain = contextsFromRows([...X, ...Array.from({ length: 15 }, (_, q) => [1, q % 3 === 0 ? 1 : 0])]);
    const envs = [budgetEnv(contextsFromRows(X), 2), { ...budgetEnv(withTrain, 2), horizon: 10 }];
    for (const [f, env] of [budgetedLinucbFactory, budgetedThompsonFactory].flatMap((f) => envs.map((e) => [f, e] as const))) {
      const params = { ...Object.fromEntries(f.params.map((s) => [s.name, s.default])), eta: 0.5, muMax: 1.2 };
      const p = f.create(env, params as never) as Policy & { dual: { mu: number } };
      const kappas = [2, 1.5, 0.2, 3, 1, 0, 0, 0, 0];
      // by hand: ρ = (10 − spent)/(10 − n) before each step
      const m1 = 0 + 0.5 * (2 - 10 / 10);
      const m2 = m1 + 0.5 * (1.5 - 8 / 9);
      const m3 = m2 + 0.5 * (0.2 - 6.5 / 8);
      const m4 = 1.2; // m3 + 0.5·(3 − 6.3/7) = 1.549 is clipped
      const m5 = 1.2; // 1.2 + 0.5·(1 − 3.3/6) clipped
      const m6 = m5 + 0.5 * (0 - 2.3 / 5);
      const m7 = m6 + 0.5 * (0 - 2.3 / 4);
      const m8 = m7 + 0.5 * (0 - 2.3 / 3);
      const m9 = 0; // m8 − 0.5·2.3/2 < 0 is clipped
      const want = [m1, m2, m3, m4, m5, m6, m7, m8, m9];
      expect(m3).toBeCloseTo(0.4993056, 6);
      kappas.forEach((k, i) => {
        p.updateCost!(i, i % 2, k);
        expect(p.dual.mu).toBeCloseTo(want[i], 12);
      });
    }
  });

  it('ρ is clipped at 2 when spending runs behind the pace and at 0 once the budget is overspent, over hand-computed sequences', () => {
    // T = 10 queries: the budget is 10 in κ units
    const X = Array.from({ length: 10 }, (_, q) => [1, q % 2]);
    const ctx = contextsFromRows(X);
    for (const f of [budgetedLinucbFactory, budgetedThompsonFactory]) {
      const make = (muMax: number) => {
        const params = { ...Object.fromEntries(f.params.map((s) => [s.name, s.default])), eta: 0.5, muMax };
        return f.create(budgetEnv(ctx, 2), params as never) as Policy & { dual: { mu: number } };
      };
      // nothing spent for six decisions: ρ = 10/10, 10/9, …, 10/5 = 2, then 10/4 = 2.5 → 2 and stays clipped
      const low = make(5);
      const kappas = [0, 0, 0, 0, 0, 0, 3, 2.5, 1, 3];
      const want = [
        0, 0, 0, 0, 0, 0, // κ − ρ < 0 throughout: μ stays at its floor 0
        0.5, // ρ = min(2, 10/4):     0 + 0.5·(3 − 2)
        0.75, // ρ = min(2, 7/3):     0.5 + 0.5·(2.5 − 2)
        0.25, // ρ = min(2, 4.5/2):   0.75 + 0.5·(1 − 2)
        0.75, // ρ = min(2, 3.5/1):   0.25 + 0.5·(3 − 2)
      ];
      kappas.forEach((k, i) => {
        low.updateCost!(i, i % 2, k);
        expect(low.dual.mu, `${f.name} step ${i}`).toBeCloseTo(want[i], 12);
      });
      // 12 spent at once: ρ = (10 − 12)/(10 − n) < 0 is clipped to 0
      const high = make(10);
      [12, 0, 1].forEach((k, i) => high.updateCost!(i, 0, k));
      // 0 + 0.5·(12 − 1) = 5.5; 5.5 + 0.5·(0 − 0) = 5.5; 5.5 + 0.5·(1 − 0) = 6
      expect(high.dual.mu, f.name).toBeCloseTo(6, 12);
    }
  });

  it('a negative predicted cost is priced at 0 (max(0, κ̂)): direct ridge solves and a hand-paced μ, where pricing it would change the pick', () => {
    // x = [1, t]: model 1's cost falls from 1 at t = 0 to 0 at t = 1, so its ridge line is negative at t = 3 (query 9)
    const ts = [0, 1, 0, 1, 0, 1, 0, 1, 2, 3];
    const X = ts.map((t) => [1, t]);
    const ctx = contextsFromRows(X);
    const steps = [
      { q: 0, m: 0, r: 1.5, k: 2 },
      { q: 1, m: 0, r: 1.5, k: 2 },
      { q: 0, m: 1, r: 0.1, k: 1 },
      { q: 1, m: 1, r: 0.1, k: 0 },
      { q: 2, m: 1, r: 0.1, k: 1 },
      { q: 3, m: 1, r: 0.1, k: 0 },
    ];
    // μ by hand (η = 0.5, T = 10, no clip reached): ρ = 1, 8/9, 6/8, 5/7, 5/6, 4/5
    const mu = 0.5 * (2 - 1) + 0.5 * (2 - 8 / 9) + 0.5 * (1 - 6 / 8) + 0.5 * (0 - 5 / 7) + 0.5 * (1 - 5 / 6) + 0.5 * (0 - 4 / 5);
    expect(mu).toBeCloseTo(0.506746, 6);
    const xs = [0, 1].map((m) => steps.filter((s) => s.m === m).map((s) => X[s.q]));
    const rs = [0, 1].map((m) => steps.filter((s) => s.m === m).map((s) => s.r));
    const ks = [0, 1].map((m) => steps.filter((s) => s.m === m).map((s) => s.k));
    const x = X[9];
    const dot = (a: number[], b: number[]) => a.reduce((t, v, i) => t + v * b[i], 0);
    const quad = (Ainv: number[][]) => dot(x, matVec(Ainv, x));
    const cases = [
      {
        f: budgetedLinucbFactory,
        params: { alpha: 0.1, reg: 0.1, eta: 0.5, muMax: 5 },
        // UCB from the reward ridge (reg 0.1), cost ridge with the same reg
        base: (m: number) => {
          const r = wls(xs[m], rs[m], xs[m].map(() => 1), 0.1, 2);
          return () => dot(r.theta, x) + 0.1 * Math.sqrt(quad(r.Ainv));
        },
        costReg: 0.1,
      },
      {
        f: budgetedThompsonFactory,
        params: { sigma: 0.2, priorVariance: 2, eta: 0.5, muMax: 5 },
        // posterior B = I/2 + Σ xxᵀ/0.04: a draw mean + sqrt(xᵀB⁻¹x)·z; cost ridge with reg 0.05
        base: (m: number) => {
          const r = wls(xs[m], rs[m], xs[m].map(() => 1 / 0.04), 1 / 2, 2);
          return (z: number) => dot(r.theta, x) + Math.sqrt(quad(r.Ainv)) * z;
        },
        costReg: 0.05,
      },
    ];
    for (const { f, params, base, costReg } of cases) {
      const p = f.create(budgetEnv(ctx, 2, 5), params as never) as Policy & { dual: { mu: number } };
      for (const s of steps) {
        p.update(s.q, s.m, s.r);
        p.updateCost!(s.q, s.m, s.k);
      }
      expect(p.dual.mu, f.name).toBeCloseTo(mu, 12);
      const khat = [0, 1].map((m) => dot(wls(xs[m], ks[m], xs[m].map(() => 1), costReg, 2).theta, x));
      expect(khat[0]).toBeGreaterThan(0);
      expect(khat[1]).toBeLessThan(-0.5);
      if (costReg === 0.1) {
        // by hand: model 0 A = [[2.1, 1], [1, 1.1]], b = [4, 2] → θ = [2.4, 0.2]/1.31, κ̂ = 3/1.31;
        // model 1 A = [[4.1, 2], [2, 2.1]], b = [2, 0] → θ = [4.2, −4]/4.61, κ̂ = −7.8/4.61
        expect(khat[0]).toBeCloseTo(3 / 1.31, 12);
        expect(khat[1]).toBeCloseTo(-7.8 / 4.61, 12);
      }
      const score = [0, 1].map(base);
      const twin = new Rng(5);
      let decisive = 0;
      for (let t = 0; t < 20; t++) {
        const raw = [0, 1].map((m) => score[m](twin.normal()));
        const clipped = raw.map((v, m) => v - mu * Math.max(0, khat[m]));
        const priced = raw.map((v, m) => v - mu * khat[m]);
        const want = clipped[1] > clipped[0] ? 1 : 0;
        if ((priced[1] > priced[0] ? 1 : 0) !== want) decisive++;
        expect(p.select(9, ALL, 2), `${f.name} draw ${t}`).toBe(want);
      }
      // the clip decides the pick (every time for LinUCB, whose score has no draw)
      expect(decisive, f.name).toBeGreaterThan(f === budgetedLinucbFactory ? 19 : 2);
    }
  });

  it('budgeted-linucb picks argmax of UCB − μ·max(0, κ̂) from direct ridge solves and a hand-paced μ', () => {
    const X = rows(200, 7);
    const ctx = contextsFromRows(X);
    const p = budgetedLinucbFactory.create(budgetEnv(ctx, 3), { alpha: 0.2, reg: 0.1, eta: 0.05, muMax: 20 }) as Policy & { dual: { mu: number } };
    const cost = (q: number, m: number) => [0.4, 1.0, 2.2][m] * (0.8 + 0.4 * X[q][4]);
    const { xs, rs, cs } = drive(p, X.slice(0, 150), (q, m) => [0.4, 0.6, 0.9][m] + 0.05 * X[q][1], 3, cost);
    // μ by hand over the whole cost sequence, in step order
    let mu = 0;
    const seq: number[] = [];
    const counters = [0, 0, 0];
    // μ by hand needs the costs in decision order: a twin policy replays the same decisions
    const q2 = budgetedLinucbFactory.create(budgetEnv(ctx, 3), { alpha: 0.2, reg: 0.1, eta: 0.05, muMax: 20 });
    for (let q = 0; q < 150; q++) {
      const m = q2.select(q, ALL, 3);
      q2.update(q, m, [0.4, 0.6, 0.9][m] + 0.05 * X[q][1]);
      q2.updateCost!(q, m, cost(q, m));
      seq.push(cost(q, m));
      counters[m]++;
    }
    let spent = 0;
    seq.forEach((k, n) => {
      const rho = Math.min(2, Math.max(0, (200 - spent) / (200 - n)));
      mu = Math.min(20, Math.max(0, mu + 0.05 * (k - rho)));
      spent += k;
    });
    expect(p.dual.mu).toBeCloseTo(mu, 12);
    expect(counters).toEqual(xs.map((x) => x.length));
    const x = X[160];
    const score = [0, 1, 2].map((m) => {
      const r = wls(xs[m], rs[m], xs[m].map(() => 1), 0.1, 5);
      const c = wls(xs[m], cs[m], xs[m].map(() => 1), 0.1, 5);
      const v = x.reduce((s, xi, i) => s + xi * x.reduce((t, xj, j) => t + r.Ainv[i][j] * xj, 0), 0);
      const chat = c.theta.reduce((s, t, i) => s + t * x[i], 0);
      return r.theta.reduce((s, t, i) => s + t * x[i], 0) + 0.2 * Math.sqrt(v) - mu * Math.max(0, chat);
    });
    expect(p.select(160, ALL, 3)).toBe(score.indexOf(Math.max(...score)));
  });

  it('budgeted-thompson picks argmax of a posterior draw − μ·max(0, κ̂), the draws replayed from a twin RNG', () => {
    const X = rows(200, 8);
    const ctx = contextsFromRows(X);
    const params = { sigma: 0.3, priorVariance: 2, eta: 0.05, muMax: 20 };
    const p = budgetedThompsonFactory.create(budgetEnv(ctx, 3, 17), params) as Policy & { dual: { mu: number } };
    const cost = (q: number, m: number) => [0.5, 1.1, 2.0][m] * (0.7 + 0.6 * X[q][4]);
    const reward = (q: number, m: number) => [0.3, 0.55, 0.8][m] + 0.1 * X[q][2];
    const seq: number[] = [];
    const xs: number[][][] = [[], [], []];
    const rs: number[][] = [[], [], []];
    const cs: number[][] = [[], [], []];
    for (let q = 0; q < 150; q++) {
      const m = p.select(q, ALL, 3);
      p.update(q, m, reward(q, m));
      p.updateCost!(q, m, cost(q, m));
      seq.push(cost(q, m));
      xs[m].push(X[q]);
      rs[m].push(reward(q, m));
      cs[m].push(cost(q, m));
    }
    let mu = 0;
    let spent = 0;
    seq.forEach((k, n) => {
      mu = Math.min(20, Math.max(0, mu + 0.05 * (k - Math.min(2, Math.max(0, (200 - spent) / (200 - n))))));
      spent += k;
    });
    expect(p.dual.mu).toBeCloseTo(mu, 12);
    // the policy's RNG drew one normal per model per choice, in pool order
    const twin = new Rng(17);
    for (let k = 0; k < 150 * 3; k++) twin.normal();
    // posterior: B = I/v + Σ xxᵀ/σ², mean B⁻¹ Σ r x/σ², score variance xᵀB⁻¹x (paper semantics)
    const post = [0, 1, 2].map((m) => wls(xs[m], rs[m], xs[m].map(() => 1 / 0.09), 1 / 2, 5));
    const costModel = [0, 1, 2].map((m) => wls(xs[m], cs[m], xs[m].map(() => 1), 0.05, 5));
    const picks = new Set<number>();
    for (let q = 150; q < 200; q++) {
      const x = X[q];
      const score = [0, 1, 2].map((m) => {
        const v = x.reduce((s2, xi, i) => s2 + xi * x.reduce((t, xj, j) => t + post[m].Ainv[i][j] * xj, 0), 0);
        const draw = post[m].theta.reduce((s2, t, i) => s2 + t * x[i], 0) + Math.sqrt(v) * twin.normal();
        return draw - mu * Math.max(0, costModel[m].theta.reduce((s2, t, i) => s2 + t * x[i], 0));
      });
      const want = score.indexOf(Math.max(...score));
      picks.add(want);
      expect(p.select(q, ALL, 3)).toBe(want);
    }
    // the check covers more than one answer
    expect(picks.size).toBeGreaterThan(1);
  });

  it('without a budget they refuse to start, naming the flag', () => {
    const env = makeEnv(contextsFromRows([[1]]), 2);
    expect(() => budgetedLinucbFactory.create(env, { alpha: 0.1, reg: 0.1, eta: 0.1, muMax: 1 })).toThrow(/--budget energy=/);
    expect(() => budgetedThompsonFactory.create(env, { sigma: 0.1, priorVariance: 1, eta: 0.1, muMax: 1 })).toThrow(UsageError);
  });
});
