import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { denseContexts, withPatterns } from '../../src/features/context.js';
import { epsilonGreedyFactory } from '../../src/policies/epsilonGreedy.js';
import { linearEpsilonGreedyFactory } from '../../src/policies/linearEpsilonGreedy.js';
import type { Policy } from '../../src/policies/policy.js';
import { addOuterSparse, denseQuadUpper, invertSPD, invertWorkSize, isDenseRow, shermanMorrisonSparse, solveSparse } from '../../src/policies/linalg.js';
import { PatternCache, RidgeArms } from '../../src/policies/linear.js';
import { contextsFromRows, makeEnv } from '../helpers/env.js';

/** A random symmetric block (exactly symmetric, as A⁻¹ is kept). */
function symmetric(rng: Rng, d: number): Float64Array {
  const M = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const v = rng.normal() + (i === j ? d : 0);
      M[i * d + j] = v;
      M[j * d + i] = v;
    }
  }
  return M;
}

/** The documented order of xᵀMx over one triangle (docs/model.md §5.6), written out literally. */
function triangleQuad(M: Float64Array, d: number, x: Float64Array): number {
  let quad = 0;
  for (let a = 0; a < d; a++) {
    let t = 0.5 * x[a] * M[a * d + a];
    for (let b = a + 1; b < d; b++) t += x[b] * M[a * d + b];
    quad += 2 * x[a] * t;
  }
  return quad;
}

/** Sherman–Morrison as first written: u accumulated column by column, then the upper triangle mirrored. */
function literalShermanMorrison(Ainv: Float64Array, d: number, x: Float64Array, s: number): Float64Array {
  const u = new Float64Array(d);
  for (let k = 0; k < d; k++) for (let i = 0; i < d; i++) u[i] += x[k] * Ainv[k * d + i];
  let q = 0;
  for (let k = 0; k < d; k++) q += x[k] * u[k];
  const c = s / (1 + s * q);
  for (let i = 0; i < d; i++) {
    const ci = c * u[i];
    if (ci === 0) continue;
    Ainv[i * d + i] -= ci * u[i];
    for (let j = i + 1; j < d; j++) {
      const v = Ainv[i * d + j] - ci * u[j];
      Ainv[i * d + j] = v;
      Ainv[j * d + i] = v;
    }
  }
  return u;
}

/** The Cholesky inverse as first written: every forward solve from row 0, the backward solve down columns of L. */
function literalInvertSPD(A: Float64Array, d: number): Float64Array | null {
  const L = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    let s = A[j * d + j];
    for (let k = 0; k < j; k++) s -= L[j * d + k] * L[j * d + k];
    if (!(s > 0)) return null;
    const ljj = Math.sqrt(s);
    L[j * d + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      let t = A[i * d + j];
      for (let k = 0; k < j; k++) t -= L[i * d + k] * L[j * d + k];
      L[i * d + j] = t / ljj;
    }
  }
  const out = new Float64Array(d * d);
  const y = new Float64Array(d);
  for (let c = 0; c < d; c++) {
    for (let i = 0; i < d; i++) {
      let s = i === c ? 1 : 0;
      for (let k = 0; k < i; k++) s -= L[i * d + k] * y[k];
      y[i] = s / L[i * d + i];
    }
    for (let i = d - 1; i >= 0; i--) {
      let s = y[i];
      for (let k = i + 1; k < d; k++) s -= L[k * d + i] * y[k];
      y[i] = s / L[i * d + i];
    }
    for (let i = 0; i < d; i++) out[i * d + c] = y[i];
  }
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const m = 0.5 * (out[i * d + j] + out[j * d + i]);
      out[i * d + j] = m;
      out[j * d + i] = m;
    }
  }
  return out;
}

describe('dense fast paths are bit-identical to the sparse arithmetic', () => {
  it('the Cholesky inverse (solves from row c, Lᵀ read by rows) equals the literal column-order one bit for bit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 1e6 }), (d, seed) => {
        const rng = new Rng(seed);
        // reg·I + Σ xxᵀ with some exactly-zero coordinates, as one-hot and dense ridge states are
        const A = new Float64Array(d * d);
        for (let i = 0; i < d; i++) A[i * d + i] = 0.05;
        for (let n = 0; n < 2 * d; n++) {
          const x = Float64Array.from({ length: d }, () => (rng.next() < 0.3 ? 0 : rng.normal()));
          for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) A[i * d + j] += x[i] * x[j];
        }
        const out = new Float64Array(d * d + 3);
        expect(invertSPD(A, 0, d, out, 3, new Float64Array(invertWorkSize(d)))).toBe(true);
        const ref = literalInvertSPD(A, d)!;
        expect(Buffer.from(out.slice(3).buffer).equals(Buffer.from(ref.buffer))).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('xᵀMx with interleaved rows equals the one-row-at-a-time triangle sum exactly, for every width', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 0, max: 1e6 }), (d, seed) => {
        const rng = new Rng(seed);
        const M = symmetric(rng, d);
        const x = Float64Array.from({ length: d }, () => rng.normal());
        // offset inside a larger array, as per-arm blocks are stored
        const big = new Float64Array(3 * d * d);
        big.set(M, d * d);
        const val = new Float64Array(d + 5);
        val.set(x, 5);
        expect(denseQuadUpper(big, d * d, d, val, 5)).toBe(triangleQuad(M, d, x));
      }),
      { numRuns: 150 },
    );
  });

  it('Sherman–Morrison on a dense row gives the same A⁻¹ and u, bit for bit, as the column-order original', () => {
    for (const d of [1, 3, 4, 7, 12, 33, 64]) {
      const rng = new Rng(d);
      const A1 = symmetric(rng, d);
      const A2 = Float64Array.from(A1);
      for (let n = 0; n < 20; n++) {
        const x = Float64Array.from({ length: d }, () => rng.normal());
        const idx = Int32Array.from({ length: d }, (_, k) => k);
        const u = new Float64Array(d);
        const denom = shermanMorrisonSparse(A1, 0, d, idx, x, 0, d, 0.7, u);
        const uRef = literalShermanMorrison(A2, d, x, 0.7);
        expect(Array.from(A1)).toEqual(Array.from(A2));
        expect(Array.from(u)).toEqual(Array.from(uRef));
        let q = 0;
        for (let k = 0; k < d; k++) q += x[k] * uRef[k];
        expect(denom).toBe(1 + 0.7 * q);
      }
    }
  });

  it('A += s·xxᵀ on a dense row equals the element-wise products exactly', () => {
    const d = 9;
    const rng = new Rng(4);
    const A = Float64Array.from({ length: d * d }, () => rng.normal());
    const ref = Float64Array.from(A);
    const x = Float64Array.from({ length: d }, () => rng.normal());
    addOuterSparse(A, 0, d, Int32Array.from({ length: d }, (_, k) => k), x, 0, d, 0.3);
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) ref[a * d + b] += 0.3 * x[a] * x[b];
    expect(Array.from(A)).toEqual(Array.from(ref));
  });

  it('a row is dense only when its indices are exactly 0..d−1 in order', () => {
    expect(isDenseRow(Int32Array.from([0, 1, 2]), 0, 3, 3)).toBe(true);
    expect(isDenseRow(Int32Array.from([9, 0, 1, 2]), 1, 4, 3)).toBe(true);
    // a permutation holds the same indices but sums in another order
    expect(isDenseRow(Int32Array.from([0, 2, 1]), 0, 3, 3)).toBe(false);
    expect(isDenseRow(Int32Array.from([0, 1]), 0, 2, 3)).toBe(false);
  });

  it('the score cache on dense contexts equals θᵀx and the triangle form, and sd = sqrt(κ·variance)', () => {
    const d = 21;
    const Q = 30;
    const rng = new Rng(8);
    const ctx = denseContexts(Float64Array.from({ length: Q * (d - 1) }, () => rng.normal()), Q, d - 1);
    const st = new RidgeArms(2, d, 0.5);
    const cache = new PatternCache(st, 2, ctx, 0.0625);
    for (let n = 0; n < 300; n++) {
      const q = rng.int(Q);
      st.update(n % 2, ctx.idx, ctx.val, ctx.ptr[q], ctx.ptr[q + 1], rng.next(), 1);
    }
    for (let m = 0; m < 2; m++) {
      const block = st.Ainv.subarray(m * d * d, (m + 1) * d * d);
      for (let q = 0; q < Q; q++) {
        const x = ctx.val.subarray(ctx.ptr[q], ctx.ptr[q + 1]);
        let mean = 0;
        for (let a = 0; a < d; a++) mean += st.theta[m * d + a] * x[a];
        const quad = Math.max(0, triangleQuad(block, d, x));
        const k = cache.slot(m, q);
        expect(cache.mean[k]).toBe(mean);
        expect(cache.variance[k]).toBe(quad);
        expect(cache.sd[k]).toBe(Math.sqrt(0.0625 * quad));
      }
    }
  });
});

/** The documented score of arm m for the sparse row [lo, hi): θᵀx in row order, xᵀA⁻¹x over one triangle (docs/model.md §5.6). */
function literalScore(st: RidgeArms, ctx: { idx: Int32Array; val: Float64Array }, m: number, lo: number, hi: number): { mean: number; quad: number } {
  const d = st.d;
  const off = m * d * d;
  let mean = 0;
  let quad = 0;
  for (let a = lo; a < hi; a++) {
    mean += st.theta[m * d + ctx.idx[a]] * ctx.val[a];
    let t = 0.5 * ctx.val[a] * st.Ainv[off + ctx.idx[a] * d + ctx.idx[a]];
    for (let b = a + 1; b < hi; b++) t += ctx.val[b] * st.Ainv[off + ctx.idx[a] * d + ctx.idx[b]];
    quad += 2 * ctx.val[a] * t;
  }
  return { mean, quad };
}

describe('sparse one-hot rows (the unrolled paths and the general loop)', () => {
  /** Rows of 1–6 non-zeros at increasing indices, values ±1 or real-valued. */
  function sparseRows(rng: Rng, d: number, Q: number) {
    const ptr = new Int32Array(Q + 1);
    const idx: number[] = [];
    const val: number[] = [];
    for (let q = 0; q < Q; q++) {
      const nnz = 1 + (q % 6);
      const cols = new Set<number>();
      while (cols.size < nnz) cols.add(rng.int(d));
      for (const c of [...cols].sort((a, b) => a - b)) {
        idx.push(c);
        val.push(q % 2 ? 1 : rng.normal());
      }
      ptr[q + 1] = idx.length;
    }
    return { d, nQueries: Q, ptr, idx: Int32Array.from(idx), val: Float64Array.from(val), names: [] as string[] };
  }

  it('A⁻¹x is each u_i summed in row order from 0, and the score cache is θᵀx and the sparse triangle form, bit for bit', () => {
    const d = 12;
    const Q = 60;
    const rng = new Rng(21);
    const ctx = sparseRows(rng, d, Q);
    const st = new RidgeArms(3, d, 0.5);
    const cache = new PatternCache(st, 3, ctx, 0.25);
    for (let n = 0; n < 400; n++) {
      const q = rng.int(Q);
      st.update(n % 3, ctx.idx, ctx.val, ctx.ptr[q], ctx.ptr[q + 1], rng.next(), 1);
    }
    for (let m = 0; m < 3; m++) {
      const off = m * d * d;
      for (let q = 0; q < Q; q++) {
        const lo = ctx.ptr[q];
        const hi = ctx.ptr[q + 1];
        // literal: u_i = ((0 + v_0·A[i_0,i]) + v_1·A[i_1,i]) + …
        const want = new Float64Array(d);
        for (let k = lo; k < hi; k++) for (let i = 0; i < d; i++) want[i] += ctx.val[k] * st.Ainv[off + ctx.idx[k] * d + i];
        let wq = 0;
        for (let k = lo; k < hi; k++) wq += ctx.val[k] * want[ctx.idx[k]];
        const u = new Float64Array(d);
        expect(solveSparse(st.Ainv, off, d, ctx.idx, ctx.val, lo, hi, u)).toBe(wq);
        expect(Array.from(u)).toEqual(Array.from(want));
        // literal: θᵀx in row order; xᵀA⁻¹x over one triangle of the non-zeros
        const { mean, quad } = literalScore(st, ctx, m, lo, hi);
        const k = cache.slot(m, q);
        expect(cache.mean[k]).toBe(mean);
        expect(cache.variance[k]).toBe(Math.max(0, quad));
      }
    }
  });

  it('A⁻¹x of an empty row is 0, whatever the neighbouring row holds', () => {
    const d = 6;
    const Ainv = Float64Array.from({ length: d * d }, (_, i) => 1 + i);
    // row 0 is empty (ptr 0..0); row 1 has two non-zeros that must not be read for it
    const idx = Int32Array.from([2, 4]);
    const val = Float64Array.from([3, 5]);
    const u = new Float64Array(d).fill(9);
    expect(solveSparse(Ainv, 0, d, idx, val, 0, 0, u)).toBe(0);
    expect(Array.from(u)).toEqual(new Array(d).fill(0));
  });

  it('freshen() refills only stale slots of a pattern, as the literal θᵀx, triangle form and sqrt(κ·variance), with and without the width', () => {
    const d = 12;
    const Q = 60;
    const rng = new Rng(22);
    const ctx = withPatterns(sparseRows(rng, d, Q));
    const M = 3;
    const st = new RidgeArms(M, d, 0.5);
    const kappa = 0.3;
    const cache = new PatternCache(st, M, ctx, kappa);
    const meanOnly = new PatternCache(st, M, ctx, 1, false);
    const arms = Int32Array.from([2, 0, 1]);
    let four = 0;
    let padded = 0;
    for (let n = 0; n < 600; n++) {
      const q = rng.int(Q);
      st.update(n % M, ctx.idx, ctx.val, ctx.ptr[q], ctx.ptr[q + 1], rng.next(), 1);
      const p = rng.int(Q);
      // a subset of the arms: the others' slots stay stale
      const na = 1 + (n % M);
      const before = Float64Array.from(cache.mean);
      const pq = cache.freshen(p, arms, na);
      expect(pq).toBe(ctx.pattern![p]);
      expect(meanOnly.freshen(p, arms, na)).toBe(pq);
      const lo = ctx.ptr[p];
      const hi = ctx.ptr[p + 1];
      if (hi - lo === 4) four++;
      if (hi - lo < 4) padded++;
      for (let m = 0; m < M; m++) {
        const k = m * cache.P + pq;
        if (!arms.subarray(0, na).includes(m)) {
          expect(cache.mean[k]).toBe(before[k]);
          continue;
        }
        const { mean, quad } = literalScore(st, ctx, m, lo, hi);
        expect(cache.stamp[k]).toBe(st.version[m]);
        expect(cache.mean[k]).toBe(mean);
        expect(cache.variance[k]).toBe(Math.max(0, quad));
        expect(cache.sd[k]).toBe(Math.sqrt(kappa * Math.max(0, quad)));
        expect(meanOnly.mean[k]).toBe(mean);
      }
    }
    // rows of 1–3 non-zeros take the four-non-zero form padded with zeros, 5–6 the general loop
    expect(four).toBeGreaterThan(50);
    expect(padded).toBeGreaterThan(150);
    // without patterns each arm's one slot (P = 1, pattern 0) is refilled for the query
    const plain = sparseRows(rng, d, Q);
    const noPatterns = new PatternCache(st, M, plain, kappa);
    expect(noPatterns.P).toBe(1);
    for (const q of [0, 7, 31]) {
      expect(noPatterns.freshen(q, arms, M)).toBe(0);
      for (let m = 0; m < M; m++) {
        const { mean, quad } = literalScore(st, plain, m, plain.ptr[q], plain.ptr[q + 1]);
        expect(noPatterns.mean[m]).toBe(mean);
        expect(noPatterns.sd[m]).toBe(Math.sqrt(kappa * Math.max(0, quad)));
      }
    }
  });
});

describe('ε-greedy with stored means', () => {
  /** The rule of docs/model.md §5.1 written directly: explore, else an untried arm, else the best sum/n. */
  function reference(rng: Rng, p: { epsilon: number; decay: number; minEpsilon: number }, M: number) {
    const n = new Float64Array(M);
    const sum = new Float64Array(M);
    let eps = p.epsilon;
    return {
      select(arms: Int32Array, na: number): number {
        if (rng.next() < eps) return arms[rng.int(na)];
        const untried = Array.from(arms.subarray(0, na)).filter((m) => n[m] === 0);
        if (untried.length) return untried[rng.int(untried.length)];
        let best = -Infinity;
        let arm = -1;
        let ties = 0;
        for (let i = 0; i < na; i++) {
          const s = sum[arms[i]] / n[arms[i]];
          if (s > best || arm < 0) [best, arm, ties] = [s, arms[i], 1];
          else if (s === best && rng.int(++ties) === 0) arm = arms[i];
        }
        return arm;
      },
      update(m: number, r: number): void {
        n[m]++;
        sum[m] += r;
        eps = Math.max(p.minEpsilon, eps * p.decay);
      },
      add(m: number): void {
        n[m] = 0;
        sum[m] = 0;
      },
    };
  }

  it('makes the same choices as the direct rule, through arm subsets, ties and an arm that rejoins', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), (seed) => {
        const M = 5;
        const params = { epsilon: 0.5, decay: 0.9, minEpsilon: 0.05 };
        const env = makeEnv(contextsFromRows([[1]]), M, seed);
        const pol = epsilonGreedyFactory.create(env, params);
        const ref = reference(new Rng(seed), params, M);
        // both draw from equal streams: the env's RNG is Rng(seed) in makeEnv
        const data = new Rng(seed ^ 0x5bd1e995);
        for (let s = 0; s < 400; s++) {
          if (s === 200) {
            pol.addArm(2);
            ref.add(2);
          }
          const na = 2 + data.int(M - 1);
          const arms = Int32Array.from({ length: M }, (_, i) => i).subarray(0, na);
          const a = pol.select(0, arms, na);
          expect(a).toBe(ref.select(arms, na));
          // coarse rewards make exact ties between means common
          const r = data.int(3) / 2;
          pol.update(0, a, r);
          ref.update(a, r);
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe('linear ε-greedy scores by θᵀx alone', () => {
  it('when greedy it picks argmax θ_mᵀx computed directly from the ridge state, on one-hot and real-valued rows', () => {
    for (const binary of [true, false]) {
      const rng = new Rng(binary ? 2 : 3);
      const Q = 40;
      const rows = Array.from({ length: Q }, () => {
        const x = new Array(12).fill(0);
        for (const i of [0, 1 + rng.int(5), 6 + rng.int(3), 9 + rng.int(3)]) x[i] = binary ? 1 : 0.5 + rng.next();
        return x;
      });
      const ctx = contextsFromRows(rows);
      const M = 6;
      const pol = linearEpsilonGreedyFactory.create(makeEnv(ctx, M, 4), { epsilon: 0, decay: 1, minEpsilon: 0, ridge: 0.25 }) as Policy & { state(): RidgeArms };
      const arms = Int32Array.from({ length: M }, (_, m) => m);
      let checked = 0;
      for (let n = 0; n < 600; n++) {
        const q = rng.int(Q);
        const chosen = pol.select(q, arms, M);
        const th = pol.state().theta;
        const scores = Array.from({ length: M }, (_, m) => rows[q].reduce((s, v, i) => s + th[m * 12 + i] * v, 0));
        const best = Math.max(...scores);
        // exact ties (untrained arms) are broken at random; otherwise the maximum must win
        if (scores.filter((v) => Math.abs(v - best) < 1e-12).length === 1) {
          expect(chosen).toBe(scores.indexOf(best));
          checked++;
        }
        pol.update(q, chosen, rng.next() * (1 + (chosen % 3)));
      }
      expect(checked).toBeGreaterThan(300);
    }
  });
});
