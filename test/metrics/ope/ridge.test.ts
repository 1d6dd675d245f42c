import { describe, expect, it } from 'vitest';
import { fitRidge, predictRidge } from '../../../src/metrics/ope/ridge.js';

describe('ridge reward model', () => {
  it('one feature: slope Sxy/(Sxx+λ), unpenalised intercept', () => {
    // model 0 logged at x = 0, 1, 2 with r = 1, 2, 6: x̄ = 1, r̄ = 3, Sxx = 2, Sxy = (−1)(−2) + 0 + 1·3 = 5
    // λ = 0.5: θ = 5/2.5 = 2, intercept = 3 − 1·2 = 1
    const X = Float64Array.from([0, 1, 2, 5]);
    const action = Int32Array.from([0, 0, 0, 1]);
    const reward = Float64Array.from([1, 2, 6, 4]);
    const m = fitRidge(X, 1, action, reward, 3, 0.5);
    expect(m.theta[0]).toBeCloseTo(2, 12);
    expect(m.intercept[0]).toBeCloseTo(1, 12);
    // model 1 has one row: centred data is all zero → θ = 0, intercept = its reward
    expect(m.theta[1]).toBe(0);
    expect(m.intercept[1]).toBe(4);
    // model 2 was never logged: mean reward of all rows (1+2+6+4)/4
    expect(m.intercept[2]).toBeCloseTo(13 / 4, 12);
    expect(Array.from(m.count)).toEqual([3, 1, 0]);
    const q = predictRidge(m, Float64Array.from([3]), 1);
    expect(q[0]).toBeCloseTo(1 + 2 * 3, 12);
    expect(q[1]).toBe(4);
    expect(q[2]).toBeCloseTo(3.25, 12);
  });

  it('recovers noiseless linear rewards in two features as λ → 0', () => {
    // r = 0.5 + 2 x0 − 3 x1 for model 0 and 1 − x0 for model 1, on a grid
    const n = 40;
    const X = new Float64Array(n * 2);
    const action = new Int32Array(n);
    const reward = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const x0 = (i % 5) / 4;
      const x1 = Math.floor(i / 5) / 7;
      X[2 * i] = x0;
      X[2 * i + 1] = x1;
      action[i] = i % 2;
      reward[i] = action[i] === 0 ? 0.5 + 2 * x0 - 3 * x1 : 1 - x0;
    }
    const m = fitRidge(X, 2, action, reward, 2, 1e-9);
    expect(m.theta[0]).toBeCloseTo(2, 6);
    expect(m.theta[1]).toBeCloseTo(-3, 6);
    expect(m.intercept[0]).toBeCloseTo(0.5, 6);
    expect(m.theta[2]).toBeCloseTo(-1, 6);
    expect(m.theta[3]).toBeCloseTo(0, 6);
    expect(m.intercept[1]).toBeCloseTo(1, 6);
  });

  it('with no features predicts each model mean', () => {
    const m = fitRidge(new Float64Array(0), 0, Int32Array.from([0, 1, 0]), Float64Array.from([1, 0.5, 0]), 2);
    expect(Array.from(predictRidge(m, new Float64Array(0), 2))).toEqual([0.5, 0.5, 0.5, 0.5]);
  });

  it('refuses a non-positive λ', () => {
    expect(() => fitRidge(new Float64Array(0), 0, new Int32Array(0), new Float64Array(0), 1, 0)).toThrow(RangeError);
  });
});
