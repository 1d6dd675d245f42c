import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import { dm, dros, ips, snips, switchDr } from '../../../src/metrics/ope/estimators.js';
import { bootstrapMany } from '../../../src/metrics/ope/bootstrap.js';
import { evaluateTarget, parseEstimators } from '../../../src/metrics/ope/evaluate.js';
import { tuneDrosLambda } from '../../../src/metrics/ope/tuning.js';
import { log, qhat, target } from './example.js';

// The hand-computed example of estimators.test.ts.

describe('evaluating one target with several estimators', () => {
  it('rows hold each estimate with paired intervals; diagnostics from the weights', () => {
    const r = evaluateTarget(log, target, { estimators: ['ips', 'snips', 'dm', 'switch-dr', 'dros'], qhat, switchTau: 3, seed: 4, resamples: 100, group: Int32Array.from([0, 1, 0]), nGroups: 2 });
    expect(r.rows.map((x) => x.estimator)).toEqual(['ips', 'snips', 'dm', 'switch-dr', 'dros']);
    // IPS 2, SNIPS 1, DM 0.3, Switch-DR(τ = 3) 1.7/3, as computed by hand in estimators.test.ts
    [2, 1, 0.3, 1.7 / 3].forEach((v, k) => expect(r.rows[k].value).toBeCloseTo(v, 12));
    const tuned = tuneDrosLambda(log, target, qhat).best;
    expect(r.rows[4].param).toBe(tuned);
    expect(r.rows[4].value).toBeCloseTo(dros(log, target, qhat, tuned).value, 12);
    expect(r.rows[3].param).toBe(3);
    const cis = bootstrapMany([ips(log, target), snips(log, target), dm(log, target, qhat), switchDr(log, target, qhat, 3), dros(log, target, qhat, tuned)], { seed: 4, resamples: 100 });
    r.rows.forEach((row, k) => {
      expect(row.lo).toBe(cis[k].lo);
      expect(row.hi).toBe(cis[k].hi);
      expect(row.sd).toBe(cis[k].sd);
    });
    // weights [2, 4, 0]: ESS 1.8, max 4; support 2/3 (see estimators.test.ts)
    expect(r.diagnostics.ess).toBeCloseTo(1.8, 12);
    expect(r.diagnostics.maxWeight).toBe(4);
    expect(r.diagnostics.supportShare).toBeCloseTo(2 / 3, 12);
    expect(r.diagnostics.n).toBe(3);
  });

  it('same seed, same result; a target that is not a distribution is refused', () => {
    const o = { estimators: ['ips', 'dr'] as const, qhat, seed: 1, resamples: 50 };
    expect(evaluateTarget(log, target, o)).toEqual(evaluateTarget(log, target, o));
    expect(() => evaluateTarget(log, Float64Array.from([1, 1, 0, 1, 0, 1]), o)).toThrow(/sum to 2/);
    expect(() => evaluateTarget(log, target, { estimators: ['dr'], seed: 1 })).toThrow(/reward model/);
  });

  it('parses --estimators lists', () => {
    expect(parseEstimators('dm,ips, SNIPS ,dr,switch-dr,dros,ips')).toEqual(['dm', 'ips', 'snips', 'dr', 'switch-dr', 'dros']);
    expect(() => parseEstimators('ips,magic')).toThrow(UsageError);
    expect(() => parseEstimators('ips,magic')).toThrow(/unknown estimator 'magic'/);
    expect(() => parseEstimators(' , ')).toThrow(/no estimator/);
  });
});
