import { describe, expect, it } from 'vitest';
import { checkTarget, dm, dr, dros, estimate, importanceWeights, ips, oneHot, snips, switchDr } from '../../../src/metrics/ope/estimators.js';
import { bootstrapCi, bootstrapMany, quantileSorted } from '../../../src/metrics/ope/bootstrap.js';
import { supportShare, weightDiagnostics } from '../../../src/metrics/ope/diagnostics.js';
import { Rng } from '../../../src/core/rng.js';
import { log, qhat, target } from './example.js';

// The shared example (./example.ts): weights w = [2, 4, 0].

describe('estimators on a hand-computed example', () => {
  it('importance weights', () => {
    expect(Array.from(importanceWeights(log, target))).toEqual([2, 4, 0]);
  });

  it('IPS = (2·1 + 4·1 + 0·0.5)/3 = 2', () => {
    const e = ips(log, target);
    expect(e.value).toBeCloseTo(2, 12);
    expect(Array.from(e.contrib)).toEqual([2, 4, 0]);
    expect(e.norm).toBeNull();
  });

  it('SNIPS = (2 + 4 + 0)/(2 + 4 + 0) = 1', () => {
    const e = snips(log, target);
    expect(e.value).toBeCloseTo(1, 12);
    expect(Array.from(e.norm!)).toEqual([2, 4, 0]);
  });

  it('DM = (q̂(x0,0) + q̂(x1,1) + q̂(x2,1))/3 = (0.6 + 0.2 + 0.1)/3 = 0.3', () => {
    expect(dm(log, target, qhat).value).toBeCloseTo(0.3, 12);
  });

  it('DR = (0.6 + 2(1−0.6) + 0.2 + 4(1−0.2) + 0.1)/3 = 4.9/3', () => {
    const e = dr(log, target, qhat);
    expect(Array.from(e.contrib).map((x) => +x.toFixed(12))).toEqual([1.4, 3.4, 0.1]);
    expect(e.value).toBeCloseTo(4.9 / 3, 12);
  });

  it('Switch-DR with τ = 3 drops the correction where w = 4: (1.4 + 0.2 + 0.1)/3', () => {
    expect(switchDr(log, target, qhat, 3).value).toBeCloseTo(1.7 / 3, 12);
    // τ above every weight is DR, τ = 0 is DM
    expect(switchDr(log, target, qhat, 4).value).toBeCloseTo(4.9 / 3, 12);
    expect(switchDr(log, target, qhat, 0).value).toBeCloseTo(0.3, 12);
  });

  it('DRos with λ = 4: weights 4·2/(4+4) = 1 and 4·4/(16+4) = 0.8', () => {
    // (0.6 + 1·0.4) + (0.2 + 0.8·0.8) + 0.1 = 1.0 + 0.84 + 0.1 = 1.94
    expect(dros(log, target, qhat, 4).value).toBeCloseTo(1.94 / 3, 12);
    expect(dros(log, target, qhat, 0).value).toBeCloseTo(0.3, 12);
    expect(dros(log, target, qhat, Infinity).value).toBeCloseTo(4.9 / 3, 12);
  });

  it('a stochastic target mixes the reward model over models', () => {
    // π(·|x0) = (0.5, 0.5), π(·|x1) = (0.25, 0.75), π(·|x2) = (1, 0)
    const pi = Float64Array.from([0.5, 0.5, 0.25, 0.75, 1, 0]);
    // DM: 0.5·0.6+0.5·0.3 = 0.45; 0.25·0.4+0.75·0.2 = 0.25; 0.7 → 1.4/3
    expect(dm(log, pi, qhat).value).toBeCloseTo(1.4 / 3, 12);
    // w = [0.5/0.5, 0.75/0.25, 1/0.8] = [1, 3, 1.25]; IPS = (1 + 3 + 0.625)/3
    expect(ips(log, pi).value).toBeCloseTo(4.625 / 3, 12);
    expect(snips(log, pi).value).toBeCloseTo(4.625 / 5.25, 12);
    // DR: 0.45 + 1·0.4, 0.25 + 3·0.8, 0.7 + 1.25·(0.5−0.7) = 0.85 + 2.65 + 0.45
    expect(dr(log, pi, qhat).value).toBeCloseTo(3.95 / 3, 12);
  });

  it('dispatches by name and refuses missing parameters', () => {
    expect(estimate('dr', log, target, { qhat }).value).toBeCloseTo(4.9 / 3, 12);
    expect(estimate('switch-dr', log, target, { qhat, switchTau: 3 }).value).toBeCloseTo(1.7 / 3, 12);
    expect(() => estimate('dm', log, target)).toThrow(/reward model/);
    expect(() => estimate('dros', log, target, { qhat })).toThrow(/λ/);
    expect(() => oneHot([0, 2], 2)).toThrow(/model index/);
    expect(() => ips(log, new Float64Array(5))).toThrow(/n×M/);
  });

  it('checks that a target is a distribution per decision', () => {
    expect(checkTarget(target, 3, 2)).toBeNull();
    expect(checkTarget(Float64Array.from([0.5, 0.5, 0.25, 0.5, 1, 0]), 3, 2)).toMatch(/decision 1 sum to 0\.75,/);
    expect(checkTarget(Float64Array.from([1.5, -0.5, 0, 1, 1, 0]), 3, 2)).toMatch(/1\.5 for model 0 at decision 0/);
    expect(checkTarget(Float64Array.from([NaN, 1, 0, 1, 1, 0]), 3, 2)).toMatch(/NaN/);
    expect(checkTarget(new Float64Array(4), 3, 2)).toMatch(/n×M/);
  });

  it('SNIPS is NaN when the target puts no weight on any logged choice', () => {
    expect(snips(log, oneHot([1, 0, 1], 2)).value).toBeNaN();
  });
});

describe('diagnostics', () => {
  it('ESS = (Σw)²/Σw² and max weight', () => {
    // w = [2, 4, 0]: (6)²/(4 + 16) = 1.8
    const d = weightDiagnostics(Float64Array.from([2, 4, 0]));
    expect(d.ess).toBeCloseTo(1.8, 12);
    expect(d.maxWeight).toBe(4);
    expect(weightDiagnostics(new Float64Array(3)).ess).toBe(0);
    // equal weights: ESS = n
    expect(weightDiagnostics(Float64Array.from([3, 3, 3, 3])).ess).toBeCloseTo(4, 12);
  });

  it('ESS stays finite when the squares of finite weights overflow (it does not depend on their scale)', () => {
    // a propensity of 1e-300 gives weight 1e300, whose square is beyond a double: ESS is still ≈ 1
    const d = weightDiagnostics(Float64Array.from([1e300, 1, 1]));
    expect(d.ess).toBeCloseTo(1, 12);
    expect(d.maxWeight).toBe(1e300);
    expect(weightDiagnostics(Float64Array.from([1e200, 1e200, 0])).ess).toBeCloseTo(2, 12);
    expect(weightDiagnostics(Float64Array.from([1e160, 2e160, 0])).ess).toBeCloseTo(1.8, 12);
  });

  it('support share counts target mass on models logged in the same group', () => {
    // groups [0, 1, 0]: group 0 logged model 0 only, group 1 logged model 1 only.
    // target (0, 1, 1): row 0 supported, row 1 supported, row 2 (model 1 in group 0) not → 2/3
    const g = Int32Array.from([0, 1, 0]);
    expect(supportShare(log, target, g, 2)).toBeCloseTo(2 / 3, 12);
    // one group: both models were logged somewhere → 1
    expect(supportShare(log, target, null)).toBe(1);
    // stochastic target (0.5,0.5),(0.25,0.75),(1,0) in groups → 0.5 + 0.75 + 1 = 2.25 / 3
    expect(supportShare(log, Float64Array.from([0.5, 0.5, 0.25, 0.75, 1, 0]), g, 2)).toBeCloseTo(0.75, 12);
  });
});

describe('bootstrap', () => {
  it('is seeded and reproducible, and matches a direct resampling', () => {
    const e = ips(log, target);
    const a = bootstrapCi(e, { seed: 7, resamples: 50 });
    expect(bootstrapCi(e, { seed: 7, resamples: 50 })).toEqual(a);
    // independent recomputation with the same random stream
    const rng = new Rng(7);
    const vals: number[] = [];
    for (let b = 0; b < 50; b++) {
      let s = 0;
      // index = ⌊u·n/2³²⌋ for a 32-bit draw u
      for (let j = 0; j < 3; j++) s += e.contrib[Math.floor((rng.nextU32() * 3) / 2 ** 32)];
      vals.push(s / 3);
    }
    vals.sort((x, y) => x - y);
    expect(a.lo).toBeCloseTo(quantileSorted(vals, 0.025), 12);
    expect(a.hi).toBeCloseTo(quantileSorted(vals, 0.975), 12);
    const m = vals.reduce((x, y) => x + y, 0) / 50;
    expect(a.sd).toBeCloseTo(Math.sqrt(vals.reduce((s, v) => s + (v - m) ** 2, 0) / 49), 12);
  });

  it('resamples ratios for self-normalised estimates and drops zero denominators', () => {
    const e = snips(log, target);
    const a = bootstrapCi(e, { seed: 3, resamples: 200 });
    // every resample is a ratio of weighted rewards with rewards 1 and weight only on rewards 1 → exactly 1
    expect(a.lo).toBe(1);
    expect(a.hi).toBe(1);
    expect(a.resamples).toBeLessThan(200); // resamples drawing only row 2 have Σw = 0
    expect(a.resamples).toBeGreaterThan(180);
  });

  it('several estimates share one resampling stream', () => {
    const a = ips(log, target);
    const b = snips(log, target);
    const both = bootstrapMany([a, b], { seed: 9, resamples: 100 });
    expect(both[0]).toEqual(bootstrapCi(a, { seed: 9, resamples: 100 }));
    expect(both[1]).toEqual(bootstrapCi(b, { seed: 9, resamples: 100 }));
    expect(() => bootstrapMany([a, ips({ ...log, n: 2 }, oneHot([0, 1], 2))], { seed: 1 })).toThrow(/different decisions/);
  });

  it('quantiles interpolate between order statistics', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4], 0)).toBe(1);
    expect(quantileSorted([1, 2, 3, 4], 1)).toBe(4);
    expect(quantileSorted([10, 20], 0.25)).toBe(12.5);
  });

  it('refuses bad options', () => {
    const e = ips(log, target);
    expect(() => bootstrapCi(e, { seed: 1, resamples: 0 })).toThrow(RangeError);
    expect(() => bootstrapCi(e, { seed: 1, level: 1 })).toThrow(RangeError);
  });
});
