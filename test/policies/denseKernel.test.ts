import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { denseContexts, withPatterns } from '../../src/features/context.js';
import { DenseKernel } from '../../src/policies/denseKernel.js';
import { addOuterSparse, denseQuadUpper, rankOneSym, shermanMorrisonSparse } from '../../src/policies/linalg.js';
import { linucbFactory } from '../../src/policies/linucb.js';
import { PatternCache, RidgeArms } from '../../src/policies/linear.js';
import { linearEpsilonGreedyFactory } from '../../src/policies/linearEpsilonGreedy.js';
import { thompsonFactory } from '../../src/policies/thompson.js';
import { oneHotContexts } from '../../src/sim/workloads.js';
import { makeEnv } from '../helpers/env.js';

/** A random exactly symmetric block, positive definite enough for Sherman–Morrison. */
function symmetricInto(M: Float64Array, off: number, rng: Rng, d: number): void {
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const v = rng.normal() + (i === j ? d : 0);
      M[off + i * d + j] = v;
      M[off + j * d + i] = v;
    }
  }
}

/** Dense contexts: a bias and d − 1 seeded Gaussian features. */
function denseRows(seed: number, Q: number, features: number) {
  const rng = new Rng(seed);
  return denseContexts(Float64Array.from({ length: Q * features }, () => rng.normal() / 6), Q, features);
}

/**
 * Sparse rows of 1 to 6 non-zeros (ascending distinct indices, values away from 1) at an odd d = 13: rows of up
 * to four take the one-call kernel step (the padded non-zeros and the scalar tail of its lanes), wider rows the
 * general path, and early updates the scalar rank-one fallback (u has exact zeros while A⁻¹ is still diagonal).
 */
function mixedSparse(seed: number, Q: number) {
  const rng = new Rng(seed);
  const d = 13;
  const ptr = new Int32Array(Q + 1);
  const idx: number[] = [];
  const val: number[] = [];
  for (let q = 0; q < Q; q++) {
    const n = 1 + rng.int(q % 5 === 4 ? 6 : 4);
    const pick = new Set<number>([0]);
    while (pick.size < n) pick.add(1 + rng.int(d - 1));
    for (const i of [...pick].sort((a, b) => a - b)) {
      idx.push(i);
      val.push(i === 0 ? 1 : 0.25 + rng.next());
    }
    ptr[q + 1] = idx.length;
  }
  return withPatterns({ d, nQueries: Q, ptr, idx: Int32Array.from(idx), val: Float64Array.from(val), names: [] });
}

const bits = (a: ArrayLike<number>): string => Buffer.from(Float64Array.from(a).buffer).toString('hex');

describe('dense WebAssembly kernels', () => {
  const probe = DenseKernel.create(2, 16);

  it('is available on Node 20 (WebAssembly SIMD), so the dense paths below are the kernels', () => {
    expect(probe).not.toBeNull();
  });

  it('the triangle form equals the scalar loop bit for bit, for even and odd widths and any block', () => {
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 70 }), fc.integer({ min: 0, max: 1e6 }), (d, seed) => {
        const rng = new Rng(seed);
        const k = DenseKernel.create(3, d)!;
        const off = 2 * d * d;
        symmetricInto(k.Ainv, off, rng, d);
        const val = Float64Array.from({ length: d + 3 }, () => rng.normal());
        k.load(val, 3);
        const to = 2 * d;
        for (let i = 0; i < d; i++) k.theta[to + i] = rng.normal();
        expect(bits([k.quad(off, to)])).toBe(bits([denseQuadUpper(k.Ainv, off, d, val, 3)]));
        let mean = 0;
        for (let i = 0; i < d; i++) mean += k.theta[to + i] * val[3 + i];
        expect(k.mean).toBe(mean);
      }),
      { numRuns: 120 },
    );
  });

  it('rank1skip equals the scalar rank-one loop bit for bit where it skips rows: signed zeros and non-finite u', () => {
    // entries whose c·u_min(i,j) is 0 keep their value in the scalar loop; rank1 would write old − (±0) (−0 − −0
    // is +0) or old − 0·∞ (NaN) there
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 40 }), fc.integer({ min: 0, max: 1e6 }), (d, seed) => {
        const rng = new Rng(seed);
        const k = DenseKernel.create(2, d)!;
        const off = d * d;
        symmetricInto(k.Ainv, off, rng, d);
        for (let i = 0; i < d; i++) {
          for (let j = i; j < d; j++) {
            if (rng.next() < 0.3) k.Ainv[off + i * d + j] = k.Ainv[off + j * d + i] = -0;
          }
        }
        const c = rng.normal();
        for (let i = 0; i < d; i++) {
          const x = rng.next();
          k.u[i] = x < 0.2 ? 0 : x < 0.4 ? -0 : x < 0.45 ? -Infinity : rng.normal();
          k.cu[i] = c * k.u[i];
        }
        const want = Float64Array.from(k.Ainv);
        rankOneSym(want, off, d, k.u, c);
        k.rank1Skip(off);
        expect(bits(k.Ainv)).toBe(bits(want));
      }),
      { numRuns: 150 },
    );
  });

  it('A⁻¹x, the rank-one update and A += s·xxᵀ equal linalg.ts bit for bit over a chain of updates', () => {
    for (const d of [8, 9, 12, 16, 17, 33, 64, 65]) {
      const rng = new Rng(d);
      const k = DenseKernel.create(2, d)!;
      const off = d * d;
      symmetricInto(k.Ainv, off, rng, d);
      symmetricInto(k.A, off, rng, d);
      const Ainv = Float64Array.from(k.Ainv);
      const A = Float64Array.from(k.A);
      const idx = Int32Array.from({ length: d }, (_, i) => i);
      const u = new Float64Array(d);
      for (let n = 0; n < 25; n++) {
        const x = Float64Array.from({ length: d }, () => rng.normal() / Math.sqrt(d));
        const s = 0.25 + rng.next();
        // scalar reference
        const denom = shermanMorrisonSparse(Ainv, off, d, idx, x, 0, d, s, u);
        addOuterSparse(A, off, d, idx, x, 0, d, s);
        // kernels, as RidgeArms drives them
        k.load(x, 0);
        k.outer(off, s);
        k.matVec(off);
        let q = 0;
        for (let i = 0; i < d; i++) q += x[i] * k.u[i];
        const c = s / (1 + s * q);
        for (let i = 0; i < d; i++) k.cu[i] = c * k.u[i];
        k.rank1(off);
        expect(bits(k.u)).toBe(bits(u));
        expect(1 + s * q).toBe(denom);
        expect(bits(k.Ainv)).toBe(bits(Ainv));
        expect(bits(k.A)).toBe(bits(A));
      }
    }
  });

  it.each([
    ['dense d = 33', () => denseRows(5, 50, 32)],
    ['one-hot d = 12', () => oneHotContexts(new Rng(5), 50)],
    ['sparse rows of 1–6 non-zeros, d = 13', () => mixedSparse(5, 50)],
  ])('ridge state and score cache with and without the kernels agree bit for bit through exact refreshes (%s)', (_, make) => {
    const ctx = make();
    const d = ctx.d;
    const Q = ctx.nQueries;
    const rng = new Rng(11);
    const fast = new RidgeArms(3, d, 0.5, true);
    const slow = new RidgeArms(3, d, 0.5, false);
    expect(fast.kernel).not.toBeNull();
    expect(slow.kernel).toBeNull();
    const cf = new PatternCache(fast, 3, ctx, 0.3);
    const cs = new PatternCache(slow, 3, ctx, 0.3);
    // 600 updates per arm cross two refreshes (every 256)
    for (let n = 0; n < 1800; n++) {
      const q = rng.int(Q);
      const m = n % 3;
      const r = rng.next();
      fast.update(m, ctx.idx, ctx.val, ctx.ptr[q], ctx.ptr[q + 1], r, 1.5);
      slow.update(m, ctx.idx, ctx.val, ctx.ptr[q], ctx.ptr[q + 1], r, 1.5);
      if (n % 97 === 0) {
        const q2 = rng.int(Q);
        for (let a = 0; a < 3; a++) {
          const kf = cf.slot(a, q2);
          const ks = cs.slot(a, q2);
          expect(bits([cf.mean[kf], cf.variance[kf], cf.sd[kf]])).toBe(bits([cs.mean[ks], cs.variance[ks], cs.sd[ks]]));
        }
      }
    }
    expect(bits(fast.Ainv)).toBe(bits(slow.Ainv));
    expect(bits(fast.A)).toBe(bits(slow.A));
    expect(bits(fast.theta)).toBe(bits(slow.theta));
    expect(bits(fast.b)).toBe(bits(slow.b));
  });

  it.each([
    ['dense d = 40', () => denseRows(3, 300, 39)],
    ['one-hot d = 12', () => oneHotContexts(new Rng(3), 300)],
    ['sparse rows of 1–6 non-zeros, d = 13', () => mixedSparse(3, 300)],
  ])('LinUCB, Thompson sampling and linear ε-greedy make the same choices with and without the kernels (%s)', (_, make) => {
    const ctx = make();
    const Q = ctx.nQueries;
    const M = 5;
    const rng = new Rng(3);
    const rewards = Float64Array.from({ length: Q * M }, () => rng.next());
    for (const f of [linucbFactory, thompsonFactory, linearEpsilonGreedyFactory] as const) {
      const picks: number[][] = [];
      for (const accelerate of [true, false]) {
        const prev = RidgeArms.accelerate;
        RidgeArms.accelerate = accelerate;
        try {
          const params = Object.fromEntries(f.params.map((p) => [p.name, p.default]));
          const pol = f.create(makeEnv(ctx, M, 9), params as never);
          const arms = Int32Array.from({ length: M }, (_, m) => m);
          const out: number[] = [];
          for (let s = 0; s < 2000; s++) {
            const q = s % Q;
            const m = pol.select(q, arms, M);
            pol.update(q, m, rewards[q * M + m]);
            out.push(m);
          }
          picks.push(out);
        } finally {
          RidgeArms.accelerate = prev;
        }
      }
      expect(picks[0]).toEqual(picks[1]);
    }
  });

  it('a released kernel is handed to the next create() of its shape, as zeroed as a new one, and only once', () => {
    // a shape no other test uses, so kernels released elsewhere in this worker do not interfere
    const a = DenseKernel.create(3, 29)!;
    const b = DenseKernel.create(3, 29)!;
    expect(a).not.toBe(b);
    a.A.fill(7);
    a.Ainv.fill(-3);
    a.theta.fill(1);
    a.u.fill(2);
    a.cu.fill(5);
    a.release();
    a.release();
    const again = DenseKernel.create(3, 29)!;
    expect(again).toBe(a);
    for (const arr of [again.A, again.Ainv, again.theta, again.u, again.cu, again.x]) expect(arr.every((v) => v === 0)).toBe(true);
    // released twice, handed out once: the next create() is another kernel
    expect(DenseKernel.create(3, 29)).not.toBe(a);
    // another shape does not take it
    again.release();
    expect(DenseKernel.create(4, 29)).not.toBe(a);
  });

  it.each([
    ['dense d = 40', () => denseRows(4, 300, 39)],
    ['one-hot d = 12', () => oneHotContexts(new Rng(4), 300)],
  ])('policies on a reused kernel make the same choices and end in the same state bits as on a new one (%s)', (_, make) => {
    const ctx = make();
    const Q = ctx.nQueries;
    const M = 5;
    const rng = new Rng(8);
    const rewards = Float64Array.from({ length: Q * M }, () => rng.next());
    const arms = Int32Array.from({ length: M }, (_, m) => m);
    for (const f of [linucbFactory, thompsonFactory, linearEpsilonGreedyFactory] as const) {
      const params = Object.fromEntries(f.params.map((p) => [p.name, p.default])) as never;
      const run = () => {
        const pol = f.create(makeEnv(ctx, M, 9), params);
        const out: number[] = [];
        for (let s = 0; s < 1500; s++) {
          const q = (s * 7) % Q;
          const m = pol.select(q, arms, M);
          pol.update(q, m, rewards[q * M + m]);
          out.push(m);
        }
        const st = (pol as unknown as { state(): RidgeArms }).state();
        return { pol, st, out, state: bits([...st.A, ...st.Ainv, ...st.theta, ...st.b]) };
      };
      const first = run();
      expect(first.st.kernel).not.toBeNull();
      first.pol.dispose!();
      const second = run();
      // the second policy runs on the first one's kernel, left in its final state
      expect(second.st.kernel).toBe(first.st.kernel);
      const prev = RidgeArms.accelerate;
      RidgeArms.accelerate = false;
      try {
        const scalar = run();
        expect(second.out).toEqual(scalar.out);
        expect(second.state).toBe(scalar.state);
      } finally {
        RidgeArms.accelerate = prev;
      }
      second.pol.dispose!();
    }
  });
});
