import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import type { RidgeArms } from '../../src/policies/linear.js';
import { defaultParams, type Policy, type PolicyFactory } from '../../src/policies/policy.js';
import { epsilonGreedyFactory } from '../../src/policies/epsilonGreedy.js';
import { linearEpsilonGreedyFactory } from '../../src/policies/linearEpsilonGreedy.js';
import { linucbFactory } from '../../src/policies/linucb.js';
import { thompsonFactory } from '../../src/policies/thompson.js';
import { oracleFactory } from '../../src/policies/oracle.js';
import { randomFactory } from '../../src/policies/random.js';
import { resolvePolicies, withOverrides } from '../../src/policies/registry.js';
import { ActionSet } from '../../src/sim/actions.js';
import { contextsFromRows, makeEnv, makeHindsight } from '../helpers/env.js';
import { maxRelDiff, ridge } from '../helpers/linalg.js';

type WithState = Policy & { state(): RidgeArms };

/** Every model allowed (the engine's buffer when the pool is the whole table and no filter applies). */
const ALL = Int32Array.from({ length: 8 }, (_, m) => m);

/** Random one-hot-ish rows with a bias, 6 dimensions. */
function rows(n: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const x = [1, 0, 0, 0, 0, 0];
    x[1 + rng.int(3)] = 1;
    x[4 + rng.int(2)] = rng.next() < 0.5 ? 1 : 0.5;
    return x;
  });
}

/** Feed a policy its own choices with a fixed reward function; return per-arm (x, r) history. */
function drive(p: Policy, X: number[][], reward: (q: number, m: number) => number, M: number): { xs: number[][][]; rs: number[][] } {
  const xs: number[][][] = Array.from({ length: M }, () => []);
  const rs: number[][] = Array.from({ length: M }, () => []);
  X.forEach((x, q) => {
    const m = p.select(q, ALL, M);
    const r = reward(q, m);
    p.update(q, m, r);
    xs[m].push(x);
    rs[m].push(r);
  });
  return { xs, rs };
}

describe('LinUCB', () => {
  it('A⁻¹ and θ after n updates equal a direct solve; the choice is the UCB argmax', () => {
    const X = rows(400, 1);
    const ctx = contextsFromRows(X);
    const p = linucbFactory.create(makeEnv(ctx, 4), { alpha: 0.3, reg: 0.05 }) as WithState;
    const { xs, rs } = drive(p, X, (q, m) => ((q * 7 + m * 3) % 10) / 10, 4);
    const st = p.state();
    const d = 6;
    for (let m = 0; m < 4; m++) {
      if (xs[m].length === 0) continue;
      const ref = ridge(xs[m], rs[m], 0.05);
      expect(maxRelDiff(st.Ainv.subarray(m * d * d, (m + 1) * d * d), ref.Ainv.flat())).toBeLessThan(1e-9);
      expect(maxRelDiff(st.theta.subarray(m * d, (m + 1) * d), ref.theta)).toBeLessThan(1e-9);
    }
    // independent UCB for query 0
    const x = X[0];
    const ucb = [0, 1, 2, 3].map((m) => {
      const ref = xs[m].length ? ridge(xs[m], rs[m], 0.05) : ridge([new Array(d).fill(0)], [0], 0.05);
      const mean = ref.theta.reduce((s, t, i) => s + t * x[i], 0);
      let v = 0;
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) v += x[i] * ref.Ainv[i][j] * x[j];
      return mean + 0.3 * Math.sqrt(v);
    });
    expect(p.select(0, ALL, 4)).toBe(ucb.indexOf(Math.max(...ucb)));
  });

  it('repo semantics takes the first maximum; paper semantics spreads exact ties', () => {
    const X = Array.from({ length: 200 }, () => [1, 0]);
    const ctx = contextsFromRows(X);
    const first = linucbFactory.create(makeEnv(ctx, 3, 1, 'repo'), { alpha: 0.1, reg: 0.05 });
    const seen = new Set<number>();
    for (let q = 0; q < 50; q++) seen.add(first.select(q, ALL, 3));
    expect([...seen]).toEqual([0]);
    const paper = linucbFactory.create(makeEnv(ctx, 3, 1, 'paper'), { alpha: 0.1, reg: 0.05 });
    const counts = [0, 0, 0];
    for (let q = 0; q < 300; q++) counts[paper.select(q, ALL, 3)]++;
    expect(Math.min(...counts)).toBeGreaterThan(60);
  });
});

describe('Thompson sampling', () => {
  it('posterior mean equals the ridge solution (XᵀX + σ²/v·I)⁻¹Xᵀr', () => {
    const X = rows(300, 2);
    const ctx = contextsFromRows(X);
    const sigma = 0.25;
    const v = 2;
    const p = thompsonFactory.create(makeEnv(ctx, 3, 5), { sigma, priorVariance: v }) as WithState;
    const { xs, rs } = drive(p, X, (q, m) => ((q + m) % 4) / 4, 3);
    const st = p.state();
    const d = 6;
    for (let m = 0; m < 3; m++) {
      if (xs[m].length === 0) continue;
      const ref = ridge(xs[m], rs[m], (sigma * sigma) / v);
      expect(maxRelDiff(st.theta.subarray(m * d, (m + 1) * d), ref.theta)).toBeLessThan(1e-9);
    }
  });

  it('chooses with the probability implied by the posterior: P(arm 0) = Φ((μ0−μ1)/√(s0²+s1²))', () => {
    // one-dimensional context x = [1]; arm 0 saw reward 0.6 ten times, arm 1 saw 0.5 ten times
    const n = 10;
    const X = Array.from({ length: 20000 }, () => [1]);
    const ctx = contextsFromRows(X);
    const sigma = 0.25;
    const v = 2;
    for (const semantics of ['paper', 'repo'] as const) {
      const p = thompsonFactory.create(makeEnv(ctx, 2, 9, semantics), { sigma, priorVariance: v });
      for (let k = 0; k < n; k++) {
        p.update(0, 0, 0.6);
        p.update(0, 1, 0.5);
      }
      const prec = 1 / v + n / (sigma * sigma);
      const mu0 = (n * 0.6) / (sigma * sigma) / prec;
      const mu1 = (n * 0.5) / (sigma * sigma) / prec;
      const varEach = (semantics === 'repo' ? sigma * sigma : 1) / prec;
      const z = (mu0 - mu1) / Math.sqrt(2 * varEach);
      const expected = normalCdf(z);
      let c0 = 0;
      const N = 20000;
      for (let q = 0; q < N; q++) if (p.select(q, ALL, 2) === 0) c0++;
      const se = Math.sqrt((expected * (1 - expected)) / N);
      expect(Math.abs(c0 / N - expected)).toBeLessThan(5 * se);
    }
  });
});

describe('linear ε-greedy', () => {
  it('θ equals the ridge solution and ε decays per update', () => {
    const X = rows(300, 4);
    const ctx = contextsFromRows(X);
    const params = defaultParams(linearEpsilonGreedyFactory);
    const p = linearEpsilonGreedyFactory.create(makeEnv(ctx, 3, 6), params) as WithState;
    const { xs, rs } = drive(p, X, (q, m) => ((q * 3 + m) % 5) / 5, 3);
    const d = 6;
    for (let m = 0; m < 3; m++) {
      const ref = ridge(xs[m], rs[m], params.ridge);
      expect(maxRelDiff(p.state().theta.subarray(m * d, (m + 1) * d), ref.theta)).toBeLessThan(1e-9);
    }
  });
});

describe('ε-greedy', () => {
  it('ε = max(ε_min, ε0·δⁿ) after n updates and, once greedy, the best mean is chosen', () => {
    const ctx = contextsFromRows(Array.from({ length: 2000 }, () => [1]));
    const p = epsilonGreedyFactory.create(makeEnv(ctx, 3, 2), { epsilon: 1, decay: 0.98, minEpsilon: 0.01 }) as Policy & { epsilon(): number };
    for (let n = 1; n <= 300; n++) {
      const m = p.select(n, ALL, 3);
      p.update(n, m, m === 2 ? 0.9 : 0.1);
      expect(p.epsilon()).toBeCloseTo(Math.max(0.01, 0.98 ** n), 12);
    }
    const g = epsilonGreedyFactory.create(makeEnv(ctx, 3, 2), { epsilon: 0, decay: 1, minEpsilon: 0 });
    // untried arms come first, then the best mean
    const firstThree = new Set([0, 1, 2].map((q) => {
      const m = g.select(q, ALL, 3);
      g.update(q, m, [0.2, 0.7, 0.4][m]);
      return m;
    }));
    expect(firstThree.size).toBe(3);
    for (let q = 3; q < 20; q++) expect(g.select(q, ALL, 3)).toBe(1);
  });
});

describe('arms come and go', () => {
  it('a policy picks only among the arms it is handed, and an added arm starts fresh', () => {
    const X = rows(600, 8);
    const ctx = contextsFromRows(X);
    const rewards = Float64Array.from({ length: 600 * 4 }, (_, i) => (i % 4) / 4);
    const factories: PolicyFactory[] = [randomFactory, epsilonGreedyFactory, linearEpsilonGreedyFactory, linucbFactory, thompsonFactory, oracleFactory];
    for (const f of factories) {
      const env = makeEnv(ctx, 4, 3, 'paper');
      const p = f.create(env, defaultParams(f), f.hindsight ? makeHindsight(rewards, 4) : undefined);
      const acts = new ActionSet(4, [0, 1, 2], null);
      for (let q = 0; q < 200; q++) {
        const m = p.select(q, acts.buf, acts.allowed(q));
        expect([0, 1, 2]).toContain(m);
        p.update(q, m, 0.5);
      }
      if (acts.remove(1)) p.removeArm(1);
      if (acts.add(3)) p.addArm(3);
      expect([...acts.pool.list]).toEqual([0, 2, 3]);
      const seen = new Set<number>();
      for (let q = 200; q < 600; q++) {
        const m = p.select(q, acts.buf, acts.allowed(q));
        expect(m).not.toBe(1);
        seen.add(m);
        p.update(q, m, m === 3 ? 0.9 : 0.2);
      }
      expect(seen.has(3)).toBe(true);
    }
  });

  it('the action set hands out pool ∩ feasible in pool order, and the whole pool when none is feasible', () => {
    // 3 queries × 4 models; query 2 has no feasible model
    const feasible = Uint8Array.from([1, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0]);
    const acts = new ActionSet(4, [3, 0, 1], feasible);
    expect([...acts.buf.subarray(0, acts.allowed(0))]).toEqual([3, 0]);
    expect([...acts.buf.subarray(0, acts.allowed(1))]).toEqual([1]);
    expect([...acts.buf.subarray(0, acts.allowed(2))]).toEqual([3, 0, 1]);
    acts.remove(3);
    acts.add(2);
    expect([...acts.buf.subarray(0, acts.allowed(0))]).toEqual([0, 2]);
    const open = new ActionSet(4, [2, 0], null);
    expect([...open.buf.subarray(0, open.allowed(1))]).toEqual([2, 0]);
    open.add(1);
    open.remove(2);
    expect([...open.buf.subarray(0, open.allowed(1))]).toEqual([0, 1]);
  });
});

describe('registry', () => {
  const models = [
    { id: 'a', name: 'a', paramsB: 1 },
    { id: 'b', name: 'b', paramsB: 2 },
  ];
  it('applies --param overrides and rejects unknown names with the valid list', () => {
    const [r] = resolvePolicies(['linucb'], ['linucb.alpha=0.2'], models);
    expect(r.params).toEqual({ alpha: 0.2, reg: 0.05 });
    expect(() => resolvePolicies(['nope'], [], models)).toThrow(/valid policies: random, .*thompson/);
    expect(() => resolvePolicies(['linucb'], ['linucb.beta=1'], models)).toThrow(/valid parameters: alpha, reg/);
    expect(() => resolvePolicies(['static:c'], [], models)).toThrow(/models: a, b/);
    expect(() => resolvePolicies(['thompson'], ['thompson.sigma=0'], models)).toThrow(/> 0/);
    expect(() => resolvePolicies(['linucb'], ['linucb.alpha=abc'], models)).toThrow(/not a finite number/);
  });

  it('a misspelt parameter gets a suggestion; a count refuses a fraction; a static:<model> override says it has none, whatever dots the id holds', () => {
    expect(() => resolvePolicies(['softmax'], ['softmax.temprature=1'], models)).toThrow(new UsageError("unknown parameter 'temprature' for policy 'softmax' (did you mean 'temperature'?); valid parameters: temperature, decay, minTemperature, initial"));
    const dotted = [{ id: 'qwen2.5-7b', name: 'q', paramsB: 7 }];
    // was: unknown policy 'static:qwen2' (the id split at its dot)
    // a count: 2.5 ran as 3
    expect(() => resolvePolicies(['cusum-linucb'], ['cusum-linucb.minObs=2.5'], models)).toThrow(new UsageError("parameter override 'cusum-linucb.minObs=2.5': minObs must be a whole number"));
    expect(() => resolvePolicies(['static:qwen2.5-7b'], ['static:qwen2.5-7b.x=1'], dotted)).toThrow(new UsageError("parameter override 'static:qwen2.5-7b.x=1': static:<model> policies have no parameters"));
  });

  it('one parameter given twice is refused (the last used to win silently); a what-if replaces the recorded setting in place', () => {
    expect(() => resolvePolicies(['linucb'], ['linucb.alpha=0.2', 'linucb.reg=1', ' linucb.alpha=0.3'], models)).toThrow(
      new UsageError("parameter linucb.alpha is given twice ('linucb.alpha=0.2' and ' linucb.alpha=0.3'); give it once"),
    );
    // the same name on two policies is two settings
    const [l, t] = resolvePolicies(['linucb', 'discounted-linucb'], ['linucb.reg=2', 'discounted-linucb.reg=3'], models);
    expect([l.params.reg, t.params.reg]).toEqual([2, 3]);
    expect(withOverrides(['linucb.alpha=0.2', 'linucb.reg=1', 'thompson.sigma=0.5'], ['linucb.alpha=0.9'])).toEqual(['linucb.reg=1', 'thompson.sigma=0.5', 'linucb.alpha=0.9']);
    expect(withOverrides(['linucb.alpha=0.2'], [])).toEqual(['linucb.alpha=0.2']);
    const [w] = resolvePolicies(['linucb'], withOverrides(['linucb.alpha=0.2', 'linucb.reg=1'], [' linucb.alpha=0.9']), models);
    expect(w.params).toEqual({ alpha: 0.9, reg: 1 });
  });
});

function normalCdf(z: number): number {
  // Abramowitz–Stegun 7.1.26 on erf, |error| < 1.5e-7
  const t = 1 / (1 + 0.3275911 * (Math.abs(z) / Math.SQRT2));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-(z * z) / 2);
  return z >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}
