import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { embedContexts, embedTexts, fitEmbedder } from '../../src/features/embed.js';
import { symmetricEigen } from '../../src/features/eigen.js';
import { fitPca } from '../../src/features/pca.js';
import { kernelOptions, pcaModule } from '../../src/features/pcaKernel.js';

const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
if (!hasNumpy) console.warn('numpy reference skipped: python3 with numpy is not available (the direct checks still run)');

/**
 * numpy's PCA of the same rows: eigh of the covariance Xcᵀ·Xc / n, largest first, each component's entry of
 * largest magnitude made positive (as fitPca does).
 */
function numpyPca(rows: Float64Array, n: number, m: number, k: number): { values: number[]; vectors: number[][] } {
  const py = `import json,sys,numpy as np
d=json.load(sys.stdin);X=np.array(d['x']).reshape(d['n'],d['m']);k=d['k']
Xc=X-X.mean(0);w,V=np.linalg.eigh(Xc.T@Xc/d['n']);o=np.argsort(-w,kind='stable')[:k];w=w[o];V=V[:,o].T
V=V*np.where(V[np.arange(k),np.abs(V).argmax(1)]<0,-1.0,1.0)[:,None]
print(json.dumps({'values':w.tolist(),'vectors':V.tolist()}))`;
  const r = spawnSync('python3', ['-c', py], { input: JSON.stringify({ x: Array.from(rows), n, m, k }), encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`numpy reference failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { values: number[]; vectors: number[][] };
}

/** n rows of width m with a decaying, well-separated spectrum along random orthonormal axes, plus an offset. */
function cloud(n: number, m: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  // random orthonormal axes by Gram–Schmidt
  const axes: number[][] = [];
  while (axes.length < m) {
    const v = Array.from({ length: m }, () => rng.normal());
    for (const a of axes) {
      const d = a.reduce((s, x, j) => s + x * v[j], 0);
      a.forEach((x, j) => (v[j] -= d * x));
    }
    const norm = Math.hypot(...v);
    axes.push(v.map((x) => x / norm));
  }
  const rows = new Float64Array(n * m);
  for (let q = 0; q < n; q++) {
    for (let c = 0; c < m; c++) {
      const z = rng.normal() * 2 * 0.8 ** c;
      for (let j = 0; j < m; j++) rows[q * m + j] += z * axes[c][j];
    }
    for (let j = 0; j < m; j++) rows[q * m + j] += 0.3 * j;
  }
  return rows;
}

/** The covariance Σ (x − x̄)(x − x̄)ᵀ / n, computed directly. */
function covariance(rows: Float64Array, n: number, m: number): number[][] {
  const mean = Array.from({ length: m }, (_, j) => Array.from({ length: n }, (_, q) => rows[q * m + j]).reduce((s, x) => s + x, 0) / n);
  const C = Array.from({ length: m }, () => new Array<number>(m).fill(0));
  for (let q = 0; q < n; q++) for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) C[a][b] += ((rows[q * m + a] - mean[a]) * (rows[q * m + b] - mean[b])) / n;
  return C;
}

describe('symmetric eigen-decomposition', () => {
  it('gives C v = λ v with orthonormal v, eigenvalues descending and summing to the trace (direct check)', () => {
    const rng = new Rng(5);
    for (const m of [1, 2, 3, 17, 60]) {
      const B = Array.from({ length: m }, () => Array.from({ length: m }, () => rng.normal()));
      const A = Array.from({ length: m }, (_, i) => Array.from({ length: m }, (_, j) => B[i].reduce((s, x, t) => s + x * B[j][t], 0)));
      const { values, vectors } = symmetricEigen(Float64Array.from(A.flat()), m);
      const scale = Math.max(...values.map(Math.abs));
      for (let c = 0; c < m; c++) {
        const v = Array.from(vectors.subarray(c * m, (c + 1) * m));
        for (let i = 0; i < m; i++) expect(Math.abs(A[i].reduce((s, x, j) => s + x * v[j], 0) - values[c] * v[i])).toBeLessThan(1e-12 * scale);
        for (let d = 0; d <= c; d++) expect(v.reduce((s, x, j) => s + x * vectors[d * m + j], 0)).toBeCloseTo(c === d ? 1 : 0, 12);
        if (c > 0) expect(values[c]).toBeLessThanOrEqual(values[c - 1]);
        // sign: the entry of largest magnitude is positive
        expect(v.reduce((b, x) => (Math.abs(x) > Math.abs(b) ? x : b), 0)).toBeGreaterThan(0);
      }
      expect(values.reduce((s, x) => s + x, 0)).toBeCloseTo(A.reduce((s, r, i) => s + r[i], 0), 9);
    }
  });

  it('converges on a covariance of rank 2 (3 rows, m = 256), the rest of its eigenvalues at rounding level', () => {
    const rng = new Rng(7);
    const m = 256;
    const rows = Float64Array.from({ length: 3 * m }, () => rng.normal());
    const C = covariance(rows, 3, m);
    const { values, vectors } = symmetricEigen(Float64Array.from(C.flat()), m, 4);
    for (let c = 0; c < 2; c++) {
      const v = Array.from(vectors.subarray(c * m, (c + 1) * m));
      for (let i = 0; i < m; i++) expect(Math.abs(C[i].reduce((s, x, j) => s + x * v[j], 0) - values[c] * v[i])).toBeLessThan(1e-12 * values[0]);
    }
    expect(Math.abs(values[2])).toBeLessThan(1e-13 * values[0]);
    expect(Math.abs(values[3])).toBeLessThan(1e-13 * values[0]);
    for (let c = 0; c < 4; c++) expect(Math.hypot(...vectors.subarray(c * m, (c + 1) * m))).toBeCloseTo(1, 12);
  });

  it('handles a zero matrix, a diagonal one and a repeated eigenvalue', () => {
    const z = symmetricEigen(new Float64Array(9), 3);
    expect(Array.from(z.values)).toEqual([0, 0, 0]);
    const d = symmetricEigen(Float64Array.from([1, 0, 0, 0, 3, 0, 0, 0, 2]), 3);
    expect(Array.from(d.values)).toEqual([3, 2, 1]);
    expect(Array.from(d.vectors)).toEqual([0, 1, 0, 0, 0, 1, 1, 0, 0]);
    // eigenvalue 2 twice (the plane spanned by e1 + e2 and e3), eigenvalue 0 once (e1 − e2)
    const r = symmetricEigen(Float64Array.from([1, 1, 0, 1, 1, 0, 0, 0, 2]), 3, 2);
    expect(r.values[0]).toBeCloseTo(2, 14);
    expect(r.values[1]).toBeCloseTo(2, 14);
    for (let c = 0; c < 2; c++) expect(r.vectors[c * 3] - r.vectors[c * 3 + 1]).toBeCloseTo(0, 14);
  });

  it('converges at any scale: squares of 1e-200 underflow and of 1e200 overflow in the rotations', () => {
    // [[2,1,0],[1,2,1],[0,1,2]]·c: eigenvalues (2 + √2)c, 2c, (2 − √2)c with eigenvectors (1, √2, 1)/2,
    // (1, 0, −1)/√2, (−1, √2, −1)/2 (hand computation; signed so the largest entry is positive, the middle
    // one's two largest entries tie, so it is compared up to sign)
    const s2 = Math.SQRT2;
    const want = [[0.5, s2 / 2, 0.5], [s2 / 2, 0, -s2 / 2], [-0.5, s2 / 2, -0.5]];
    for (const c of [1, 1e-200, 1e-300, 1e200, 1e300]) {
      const r = symmetricEigen(Float64Array.from([2, 1, 0, 1, 2, 1, 0, 1, 2].map((x) => x * c)), 3);
      [2 + s2, 2, 2 - s2].forEach((l, i) => expect(Math.abs(r.values[i] / c - l)).toBeLessThan(1e-14));
      for (let i = 0; i < 3; i++) {
        const sign = i === 1 ? Math.sign(r.vectors[3]) : 1;
        for (let j = 0; j < 3; j++) expect(sign * r.vectors[i * 3 + j]).toBeCloseTo(want[i][j], 14);
      }
    }
  });
});

describe('PCA', () => {
  it('finds the principal axes of a 2-D cloud (checked against the closed-form eigenvectors)', () => {
    const rng = new Rng(11);
    const n = 2000;
    const rows = new Float64Array(n * 2);
    for (let q = 0; q < n; q++) {
      const a = 3 * rng.normal();
      const b = rng.normal();
      rows[2 * q] = 5 + a * Math.cos(0.5) - b * Math.sin(0.5);
      rows[2 * q + 1] = -2 + a * Math.sin(0.5) + b * Math.cos(0.5);
    }
    const [[sxx, sxy], [, syy]] = covariance(rows, n, 2);
    const tr = sxx + syy, det = sxx * syy - sxy * sxy;
    const l1 = tr / 2 + Math.sqrt((tr * tr) / 4 - det);
    const l2 = tr / 2 - Math.sqrt((tr * tr) / 4 - det);
    const p = fitPca(rows, n, 2, 2);
    expect(p.variance[0]).toBeCloseTo(l1, 12);
    expect(p.variance[1]).toBeCloseTo(l2, 12);
    const v1 = [sxy, l1 - sxx];
    const n1 = Math.hypot(...v1);
    expect(Math.abs(p.basis[0] * v1[0] + p.basis[1] * v1[1]) / n1).toBeCloseTo(1, 12);
    expect(p.basis[0] * p.basis[2] + p.basis[1] * p.basis[3]).toBeCloseTo(0, 14);
  });

  it('matches a direct computation: mean, C v = λ v against the covariance summed here, captured variance', () => {
    const n = 300, m = 24, k = 8;
    const rows = cloud(n, m, 3);
    const p = fitPca(rows, n, m, k);
    const C = covariance(rows, n, m);
    for (let j = 0; j < m; j++) expect(p.mean[j]).toBeCloseTo(Array.from({ length: n }, (_, q) => rows[q * m + j]).reduce((s, x) => s + x, 0) / n, 12);
    for (let c = 0; c < k; c++) {
      const v = Array.from(p.basis.subarray(c * m, (c + 1) * m));
      for (let i = 0; i < m; i++) expect(C[i].reduce((s, x, j) => s + x * v[j], 0)).toBeCloseTo(p.variance[c] * v[i], 11);
    }
    // the variance of the data along each component is its eigenvalue
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let q = 0; q < n; q++) {
        let z = 0;
        for (let j = 0; j < m; j++) z += (rows[q * m + j] - p.mean[j]) * p.basis[c * m + j];
        s += (z * z) / n;
      }
      expect(s).toBeCloseTo(p.variance[c], 11);
    }
  });

  it.skipIf(!hasNumpy)('matches numpy (eigh of the covariance): variances, sign-normalised components, principal subspace', () => {
    const n = 400, m = 40, k = 12;
    const rows = cloud(n, m, 8);
    const p = fitPca(rows, n, m, k);
    const ref = numpyPca(rows, n, m, k);
    const top = ref.values[0];
    ref.values.forEach((l, c) => expect(Math.abs(p.variance[c] - l)).toBeLessThan(1e-12 * top));
    // the spectrum decays by 0.8² per component, so single components are well defined
    ref.vectors.forEach((v, c) => v.forEach((x, j) => expect(Math.abs(p.basis[c * m + j] - x)).toBeLessThan(1e-9)));
  });

  it.skipIf(!hasNumpy)('matches numpy on embed rows (clustered spectrum): variances and the principal subspace', () => {
    // real-looking rows: the unit random projections of hashed TF-IDF text vectors, as `reduce: 'pca'` fits them
    const rng = new Rng(21);
    const words = 'the a of river town farmer apples council taxes robot walk students exams team final storm coast prices engine fuel doctor court music piano garden ocean ship bridge steel bread'.split(' ');
    const texts = Array.from({ length: 300 }, () => Array.from({ length: 8 + rng.int(30) }, () => words[rng.int(words.length)]).join(' '));
    const m = 96, k = 16;
    const rows = embedTexts(fitEmbedder(texts, { dim: m, seed: 2 }), texts);
    const p = fitPca(rows, texts.length, m, k);
    const ref = numpyPca(rows, texts.length, m, k);
    ref.values.forEach((l, c) => expect(Math.abs(p.variance[c] - l)).toBeLessThan(1e-12 * ref.values[0]));
    // subspace: ‖P − P_ref‖ for the projectors onto the top k, through the k×k overlap (cosines of the principal angles)
    const overlap = ref.vectors.map((u) => Array.from({ length: k }, (_, c) => u.reduce((s, x, j) => s + x * p.basis[c * m + j], 0)));
    const sumSq = overlap.flat().reduce((s, x) => s + x * x, 0);
    expect(k - sumSq).toBeLessThan(1e-10);
  });

  it('embed with reduce=pca: deterministic for a seed (bit for bit), unit rows, near-duplicates close', () => {
    const rng = new Rng(9);
    const vocab = 'river town farmer apples council taxes robot walk students exams team final storm coast prices march engine fuel'.split(' ');
    const T = Array.from({ length: 60 }, () => Array.from({ length: 6 + rng.int(20) }, () => vocab[rng.int(vocab.length)]).join(' '));
    const near = [...T, `${T[0]} again`];
    const opts = { reduce: 'pca' as const, dim: 8, pcaFrom: 64, seed: 2 };
    const a = embedContexts(near, { ...opts, train: T.map((_, q) => q) });
    const b = embedContexts(near, { ...opts, train: T.map((_, q) => q) });
    expect(Buffer.from(b.val.buffer).equals(Buffer.from(a.val.buffer))).toBe(true);
    expect(embedContexts(near, { ...opts, seed: 3, train: T.map((_, q) => q) }).val).not.toEqual(a.val);
    const m = embedTexts(fitEmbedder(T, opts), near);
    for (let q = 0; q < near.length; q++) expect(Math.hypot(...m.subarray(q * 8, q * 8 + 8))).toBeCloseTo(1, 12);
    const dot = (x: number, y: number): number => m.subarray(x * 8, x * 8 + 8).reduce((s, v, j) => s + v * m[y * 8 + j], 0);
    const cNear = dot(0, 60);
    expect(cNear).toBeGreaterThan(0.9);
    expect(Array.from({ length: 59 }, (_, k) => dot(0, k + 1)).filter((c) => c >= cNear).length).toBeLessThan(3);
    expect(() => fitEmbedder(T, { reduce: 'pca', dim: 64, pcaFrom: 32 })).toThrow(/pcaFrom/);
  });
});

describe('PCA kernels (WebAssembly SIMD)', () => {
  const same = (a: Float64Array, b: Float64Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  /** f() with the scalar loops, then with the kernels. */
  const both = <T>(f: () => T): [T, T] => {
    kernelOptions.portable = true;
    try {
      const a = f();
      kernelOptions.portable = false;
      return [a, f()];
    } finally {
      kernelOptions.portable = false;
    }
  };

  it('is available here (Node 20 has WebAssembly SIMD), so the comparisons below compare two paths', () => {
    expect(pcaModule()).not.toBeNull();
  });

  it('covariance: the same bits as the scalar loop, for odd widths and row counts not a multiple of 4', () => {
    for (const [n, m] of [[1, 4], [7, 5], [10, 33], [203, 40]]) {
      const rows = cloud(n, m, n + m);
      const [a, b] = both(() => fitPca(rows, n, m, Math.min(6, m)));
      expect(same(a.variance, b.variance)).toBe(true);
      expect(same(a.basis, b.basis)).toBe(true);
    }
  });

  it('projection: embed contexts are the same bits either way (odd dim, an odd last block, empty texts)', () => {
    const rng = new Rng(4);
    const vocab = 'river town farmer apples council taxes robot walk students exams team final storm coast prices march engine fuel'.split(' ');
    const T = [...Array.from({ length: 61 }, () => Array.from({ length: 4 + rng.int(20) }, () => vocab[rng.int(vocab.length)]).join(' ')), '', '...'];
    for (const opts of [{ dim: 8 }, { dim: 13, pcaFrom: 41 }, { dim: 5, pcaFrom: 16, train: T.map((_, q) => q).filter((q) => q % 3) }]) {
      const [a, b] = both(() => embedContexts(T, { reduce: 'pca', seed: 1, ...opts }));
      expect(same(a.val, b.val)).toBe(true);
    }
  });
});
