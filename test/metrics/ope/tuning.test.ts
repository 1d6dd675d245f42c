import { describe, expect, it } from 'vitest';
import { switchTauGrid, tuneDrosLambda, tuneSwitchTau } from '../../../src/metrics/ope/tuning.js';
import { log, qhat, target } from './example.js';

// The hand-computed example of estimators.test.ts: w = [2, 4, 0], DR contributions [1.4, 3.4, 0.1].
const DR = 4.9 / 3;

describe('tuning the shrinkage of DRos and the switch of Switch-DR', () => {
  it('DRos: MSE estimate = (V̂ − V̂_DR)² + s²/n, by hand', () => {
    const r = tuneDrosLambda(log, target, qhat, [4, 0, Infinity]);
    expect(r.rows.map((x) => x.param)).toEqual([0, 4, Infinity]);
    // λ = 0 (DM): contributions 0.6, 0.2, 0.1, mean 0.3; s² = (0.09 + 0.01 + 0.04)/2 = 0.07
    expect(r.rows[0].mse).toBeCloseTo((0.3 - DR) ** 2 + 0.07 / 3, 12);
    // λ = 4: contributions 1.0, 0.84, 0.1, mean 1.94/3
    const m = 1.94 / 3;
    const s2 = ((1 - m) ** 2 + (0.84 - m) ** 2 + (0.1 - m) ** 2) / 2;
    expect(r.rows[1].mse).toBeCloseTo((m - DR) ** 2 + s2 / 3, 12);
    // λ = ∞ (DR): no bias term; s² of 1.4, 3.4, 0.1
    const s2dr = ((1.4 - DR) ** 2 + (3.4 - DR) ** 2 + (0.1 - DR) ** 2) / 2;
    expect(r.rows[2].mse).toBeCloseTo(s2dr / 3, 12);
    // 1.801, 1.050, 0.921 → DR wins here
    expect(r.best).toBe(Infinity);
  });

  it('Switch-DR: default grid from the weights; MSE estimates by hand', () => {
    expect(switchTauGrid(log, target)).toEqual([0, 4, Infinity]);
    // A rare choice (p = 0.01) makes DR very variable.
    const noisy = { ...log, reward: Float64Array.from([1, 1, 0.5]), propensity: Float64Array.from([0.5, 0.01, 0.8]) };
    // w = [2, 100, 0]; DR contributions 1.4, 0.2 + 100·0.8 = 80.2, 0.1
    const r = tuneSwitchTau(noisy, target, qhat, [2, 100]);
    const dr = (1.4 + 80.2 + 0.1) / 3;
    const sw = (1.4 + 0.2 + 0.1) / 3;
    const s2sw = ((1.4 - sw) ** 2 + (0.2 - sw) ** 2 + (0.1 - sw) ** 2) / 2;
    const s2dr = ((1.4 - dr) ** 2 + (80.2 - dr) ** 2 + (0.1 - dr) ** 2) / 2;
    expect(r.rows[0].mse).toBeCloseTo((sw - dr) ** 2 + s2sw / 3, 9);
    expect(r.rows[1].mse).toBeCloseTo(s2dr / 3, 9);
    // switch: (0.567 − 27.233)² + 0.17 ≈ 711.3; DR: 2104.6/3 ≈ 701.5. With three decisions the distance to
    // DR (itself noisy) outweighs DR's variance, so DR is kept.
    expect(r.rows[0].mse).toBeCloseTo(711.28, 1);
    expect(r.rows[1].mse).toBeCloseTo(701.53, 1);
    expect(r.best).toBe(100);
    expect(() => tuneSwitchTau(log, target, qhat, [])).toThrow(/empty/);
  });
});
