import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { createDotKernel, padDim } from '../../src/policies/dotKernel.js';

describe('dot kernel', () => {
  it('the SIMD function and the portable loop agree bit for bit, and both equal the dot products to float32 precision', () => {
    const rng = new Rng(4);
    for (const d of [1, 7, 8, 33, 64]) {
      const n = 257;
      const D = padDim(d);
      const simd = createDotKernel(n, d);
      const plain = createDotKernel(n, d, true);
      expect(simd.simd).toBe(true);
      expect(plain.simd).toBe(false);
      const x = Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal()));
      const q = Array.from({ length: d }, () => rng.normal());
      for (const k of [simd, plain]) {
        x.forEach((row, i) => row.forEach((v, j) => (k.x[i * D + j] = v)));
        q.forEach((v, j) => (k.q[j] = v));
        k.run();
      }
      expect(Array.from(simd.out)).toEqual(Array.from(plain.out));
      for (let i = 0; i < n; i++) {
        // reference in double precision from the float32-rounded inputs
        const ref = x[i].reduce((s, v, j) => s + Math.fround(v) * Math.fround(q[j]), 0);
        expect(Math.abs(simd.out[i] - ref)).toBeLessThan(1e-5 * (1 + Math.abs(ref)) * Math.sqrt(d));
      }
    }
  });

  it('four queries at once give exactly what four single runs give (SIMD and portable)', () => {
    const rng = new Rng(9);
    for (const d of [3, 16, 65]) {
      const n = 101;
      const D = padDim(d);
      for (const portable of [false, true]) {
        const k = createDotKernel(n, d, portable);
        for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) k.x[i * D + j] = rng.normal();
        const qs = [0, 1, 2, 3].map(() => Array.from({ length: d }, () => rng.normal()));
        qs.forEach((q, g) => q.forEach((v, j) => (k.qBatch[g * D + j] = v)));
        k.runBatch();
        qs.forEach((q, g) => {
          k.q.fill(0);
          q.forEach((v, j) => (k.q[j] = v));
          k.run();
          expect(Array.from(k.outBatch.subarray(g * n, (g + 1) * n))).toEqual(Array.from(k.out));
        });
      }
    }
  });

  it('zero rows give zero', () => {
    const k = createDotKernel(3, 5);
    k.q.fill(1);
    k.run();
    expect(Array.from(k.out)).toEqual([0, 0, 0]);
  });
});
