import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { invertSPD, invertWorkSize, quadFormSparse, setScaledIdentity, shermanMorrisonSparse } from '../../src/policies/linalg.js';
import { PatternCache, RidgeArms } from '../../src/policies/linear.js';
import { Rng } from '../../src/core/rng.js';
import { inverse, maxRelDiff, ridge } from '../helpers/linalg.js';

describe('Sherman–Morrison on sparse vectors', () => {
  it('matches a direct inverse after many random rank-one updates', () => {
    const d = 7;
    const rng = new Rng(3);
    const Ainv = new Float64Array(d * d);
    setScaledIdentity(Ainv, 0, d, 1 / 0.5);
    const A = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 0.5 : 0)));
    const u = new Float64Array(d);
    for (let n = 0; n < 200; n++) {
      const nnz = 1 + rng.int(3);
      const idx = Int32Array.from(new Set(Array.from({ length: nnz }, () => rng.int(d))));
      const val = Float64Array.from(idx, () => rng.normal());
      const s = 0.5 + rng.next();
      shermanMorrisonSparse(Ainv, 0, d, idx, val, 0, idx.length, s, u);
      for (let a = 0; a < idx.length; a++) for (let b = 0; b < idx.length; b++) A[idx[a]][idx[b]] += s * val[a] * val[b];
    }
    expect(maxRelDiff(Ainv, inverse(A).flat())).toBeLessThan(1e-10);
  });

  it('Cholesky inverse times A is the identity; non-SPD input is refused', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 4, maxLength: 4 }), { minLength: 1, maxLength: 12 }), (rows) => {
        const d = 4;
        const A = new Float64Array(d * d);
        for (let i = 0; i < d; i++) A[i * d + i] = 0.1;
        for (const x of rows) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) A[i * d + j] += x[i] * x[j];
        const out = new Float64Array(d * d);
        expect(invertSPD(A, 0, d, out, 0, new Float64Array(invertWorkSize(d)))).toBe(true);
        const dense = Array.from({ length: d }, (_, i) => Array.from(A.subarray(i * d, i * d + d)));
        expect(maxRelDiff(out, inverse(dense).flat())).toBeLessThan(1e-8);
      }),
      { numRuns: 100 },
    );
    const bad = Float64Array.from([1, 2, 2, 1]);
    expect(invertSPD(bad, 0, 2, new Float64Array(4), 0, new Float64Array(invertWorkSize(2)))).toBe(false);
  });

  it('xᵀMx on a sparse x equals the dense quadratic form', () => {
    const d = 5;
    const M = Float64Array.from({ length: d * d }, (_, k) => Math.sin(k + 1));
    const idx = Int32Array.from([0, 3, 4]);
    const val = Float64Array.from([1.5, -2, 0.25]);
    const x = [1.5, 0, 0, -2, 0.25];
    let expected = 0;
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) expected += x[i] * M[i * d + j] * x[j];
    expect(quadFormSparse(M, 0, d, idx, val, 0, 3)).toBeCloseTo(expected, 12);
  });
});

describe('RidgeArms', () => {
  it('keeps A⁻¹ within 1e-9 of a direct inverse and θ equal to the ridge solution over long streams', () => {
    const d = 12;
    const st = new RidgeArms(2, d, 0.05);
    const rng = new Rng(11);
    const xs: number[][] = [];
    const rs: number[] = [];
    for (let n = 0; n < 5000; n++) {
      // one-hot context like the paper's: bias, task, cluster, complexity
      const idx = Int32Array.from([0, 1 + rng.int(5), 6 + rng.int(3), 9 + rng.int(3)]);
      const val = new Float64Array(4).fill(1);
      const r = rng.next();
      st.update(1, idx, val, 0, 4, r, 1);
      const x = new Array(d).fill(0);
      for (const i of idx) x[i] = 1;
      xs.push(x);
      rs.push(r);
    }
    const ref = ridge(xs, rs, 0.05);
    expect(maxRelDiff(st.Ainv.subarray(d * d, 2 * d * d), ref.Ainv.flat())).toBeLessThan(1e-9);
    expect(maxRelDiff(st.theta.subarray(d, 2 * d), ref.theta)).toBeLessThan(1e-9);
    // arm 0 untouched: A⁻¹ = I/reg, θ = 0
    expect(st.Ainv[0]).toBe(20);
    expect(Array.from(st.theta.subarray(0, d)).every((v) => v === 0)).toBe(true);
  });
});

describe('symmetric A⁻¹ and the cached scores', () => {
  it('A⁻¹ stays exactly symmetric and close to a direct inverse through the exact refreshes, and each cached θᵀx and xᵀA⁻¹x equals a direct full computation', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 1, max: 600 }), fc.boolean(), fc.boolean(), (seed, steps, binary, accelerate) => {
        const d = 12;
        const M = 3;
        const rng = new Rng(seed);
        // contexts in the paper's one-hot layout, or with real-valued entries
        const Q = 20;
        const ptr = new Int32Array(Q + 1);
        const idx = new Int32Array(Q * 4);
        const val = new Float64Array(Q * 4);
        for (let q = 0; q < Q; q++) {
          idx.set([0, 1 + rng.int(5), 6 + rng.int(3), 9 + rng.int(3)], q * 4);
          for (let k = 0; k < 4; k++) val[q * 4 + k] = binary ? 1 : rng.normal();
          ptr[q + 1] = (q + 1) * 4;
        }
        const st = new RidgeArms(M, d, 0.05, accelerate);
        const cache = new PatternCache(st, M, { ptr, idx, val, pattern: Int32Array.from({ length: Q }, (_, q) => q), nPatterns: Q });
        // A kept densely here, for the direct inverse
        const A = Array.from({ length: M }, () => Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 0.05 : 0))));
        const s = binary ? 1 : 0.5;
        const step = (m: number) => {
          const q = rng.int(Q);
          st.update(m, idx, val, ptr[q], ptr[q + 1], rng.next(), s);
          for (let a = ptr[q]; a < ptr[q + 1]; a++) for (let b = ptr[q]; b < ptr[q + 1]; b++) A[m][idx[a]][idx[b]] += s * val[a] * val[b];
          // read a few slots as a policy would, so stale and fresh slots mix
          cache.slot(rng.int(M), rng.int(Q));
        };
        for (let n = 0; n < steps; n++) step(rng.int(M));
        // one arm past its second exact refresh (every 256 updates): it ends at a refresh or up to 200 rank-one updates after one
        const heavy = rng.int(M);
        const target = 512 + rng.int(201);
        while (st.updates[heavy] < target) step(heavy);
        expect(Math.floor(st.updates[heavy] / 256)).toBeGreaterThanOrEqual(2);
        for (let m = 0; m < M; m++) {
          const o = m * d * d;
          for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) expect(st.Ainv[o + i * d + j]).toBe(st.Ainv[o + j * d + i]);
          expect(maxRelDiff(st.Ainv.subarray(o, o + d * d), inverse(A[m]).flat())).toBeLessThan(1e-9);
          for (let q = 0; q < Q; q++) {
            const x = new Array(d).fill(0);
            for (let k = ptr[q]; k < ptr[q + 1]; k++) x[idx[k]] += val[k];
            let mean = 0;
            let quad = 0;
            for (let i = 0; i < d; i++) {
              mean += st.theta[m * d + i] * x[i];
              for (let j = 0; j < d; j++) quad += x[i] * st.Ainv[o + i * d + j] * x[j];
            }
            const k = cache.slot(m, q);
            expect(cache.mean[k]).toBeCloseTo(mean, 12);
            expect(Math.abs(cache.variance[k] - Math.max(quad, 0))).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(quad)));
          }
        }
        st.kernel?.release();
      }),
      { numRuns: 60 },
    );
  });
});
