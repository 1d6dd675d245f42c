import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { RidgeNormal } from '../../src/policies/ridge.js';
import { contextsFromRows } from '../helpers/env.js';

describe('shared ridge fit', () => {
  const rng = new Rng(8);
  const rows = Array.from({ length: 40 }, () => [1, rng.normal(), rng.next() < 0.5 ? 0 : rng.normal(), rng.normal()]);
  const y = rows.map((x) => [0.3 + x[1] - 2 * x[3] + 0.1 * rng.normal(), x[2] * 0.5]);
  const c = contextsFromRows(rows);

  function fit(k: number, pick: (i: number) => number[], weight: (i: number) => number, sparse: boolean, n = rows.length): { theta: Float64Array; beta: Float64Array } {
    const r = new RidgeNormal(4, k);
    for (let i = 0; i < n; i++) {
      if (sparse) r.addSparse(c.idx, c.val, c.ptr[i], c.ptr[i + 1], pick(i), 0, 1, weight(i));
      else r.addDense(rows[i], 0, pick(i), 0, 1, weight(i));
    }
    const theta = new Float64Array(4 * k);
    const beta = new Float64Array(k);
    expect(r.solve(0.5, theta, 0, beta, 0)).toBe(true);
    return { theta, beta };
  }

  it('sparse and dense rows, and two targets at once or one at a time, give the same fit', () => {
    const both = fit(2, (i) => y[i], () => 1, true);
    const dense = fit(2, (i) => y[i], () => 1, false);
    const first = fit(1, (i) => [y[i][0]], () => 1, true);
    const second = fit(1, (i) => [y[i][1]], () => 1, false);
    for (let j = 0; j < 8; j++) expect(dense.theta[j]).toBeCloseTo(both.theta[j], 12);
    for (let j = 0; j < 4; j++) {
      expect(first.theta[j]).toBeCloseTo(both.theta[j], 12);
      expect(second.theta[j]).toBeCloseTo(both.theta[4 + j], 12);
    }
    expect(first.beta[0]).toBeCloseTo(both.beta[0], 12);
    expect(second.beta[0]).toBeCloseTo(both.beta[1], 12);
  });

  it('a row of weight 2 counts as the row twice', () => {
    const weighted = fit(1, (i) => [y[i % 20][0]], (i) => (i < 5 ? 2 : 1), true, 20);
    const r = new RidgeNormal(4, 1);
    for (let i = 0; i < 20; i++) for (let rep = 0; rep < (i < 5 ? 2 : 1); rep++) r.addSparse(c.idx, c.val, c.ptr[i], c.ptr[i + 1], [y[i][0]], 0);
    const theta = new Float64Array(4);
    const beta = new Float64Array(1);
    r.solve(0.5, theta, 0, beta, 0);
    for (let j = 0; j < 4; j++) expect(weighted.theta[j]).toBeCloseTo(theta[j], 12);
    expect(weighted.beta[0]).toBeCloseTo(beta[0], 12);
  });

  it('no rows: nothing solved; a bad penalty is refused', () => {
    const r = new RidgeNormal(2);
    expect(r.solve(1, new Float64Array(2), 0, new Float64Array(1), 0)).toBe(false);
    expect(() => r.solve(0, new Float64Array(2), 0, new Float64Array(1), 0)).toThrow(RangeError);
  });
});
