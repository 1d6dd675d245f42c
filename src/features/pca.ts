/**
 * Principal components of a set of dense rows (docs/features.md, "Text embedding"): the sample covariance
 * (m×m; m = pcaFrom, 256 to 1,024 in runs) is eigen-decomposed exactly (src/features/eigen.ts), so the result is the PCA itself —
 * components ordered by the variance they explain, each with its largest entry positive — with nothing
 * random in it.
 */
import { symmetricEigen } from './eigen.js';
import { covKernel } from './pcaKernel.js';

export interface Pca {
  /** Input width. */
  m: number;
  /** Output width. */
  k: number;
  mean: Float64Array;
  /** k×m row-major: component c is basis[c·m .. (c+1)·m). */
  basis: Float64Array;
  /** Variance along each component (the covariance's eigenvalues), descending. */
  variance: Float64Array;
}

/**
 * Upper triangle (b ≥ a) of Σ_q x_q x_qᵀ over the n centred rows, accumulated into C. Each entry is summed
 * over q in order; four rows go through per pass over C and two rows of C share the loads of x.
 */
function accumulateCovariance(rows: Float64Array, n: number, m: number, mean: Float64Array, C: Float64Array): void {
  const X = new Float64Array(4 * m);
  for (let q0 = 0; q0 < n; q0 += 4) {
    const nb = Math.min(4, n - q0);
    X.fill(0);
    for (let r = 0; r < nb; r++) for (let j = 0; j < m; j++) X[r * m + j] = rows[(q0 + r) * m + j] - mean[j];
    // rows past n stay 0 and add nothing: x·0 = ±0 leaves every finite sum as it is
    const m2 = 2 * m;
    const m3 = 3 * m;
    let a = 0;
    for (; a + 1 < m; a += 2) {
      const p0 = X[a], p1 = X[m + a], p2 = X[m2 + a], p3 = X[m3 + a];
      const s0 = X[a + 1], s1 = X[m + a + 1], s2 = X[m2 + a + 1], s3 = X[m3 + a + 1];
      const ra = a * m;
      const rs = ra + m;
      C[ra + a] = C[ra + a] + p0 * p0 + p1 * p1 + p2 * p2 + p3 * p3;
      for (let b = a + 1; b < m; b++) {
        const x0 = X[b], x1 = X[m + b], x2 = X[m2 + b], x3 = X[m3 + b];
        C[ra + b] = C[ra + b] + p0 * x0 + p1 * x1 + p2 * x2 + p3 * x3;
        C[rs + b] = C[rs + b] + s0 * x0 + s1 * x1 + s2 * x2 + s3 * x3;
      }
    }
    if (a < m) {
      const ra = a * m;
      C[ra + a] = C[ra + a] + X[a] * X[a] + X[m + a] * X[m + a] + X[m2 + a] * X[m2 + a] + X[m3 + a] * X[m3 + a];
    }
  }
}

/**
 * Fit the top k principal components of n rows of width m (row-major): mean, covariance
 * C = Σ (x − x̄)(x − x̄)ᵀ / n, and its k leading eigenvectors.
 */
export function fitPca(rows: Float64Array, n: number, m: number, k: number): Pca {
  if (!(Number.isInteger(k) && k >= 1 && k <= m)) throw new RangeError(`PCA: k must be in [1, ${m}], got ${k}`);
  const mean = new Float64Array(m);
  for (let q = 0; q < n; q++) for (let j = 0; j < m; j++) mean[j] += rows[q * m + j];
  if (n > 0) for (let j = 0; j < m; j++) mean[j] /= n;
  const C = new Float64Array(m * m);
  const kern = covKernel(m);
  if (kern) {
    // the same sums in WebAssembly SIMD (pcaKernel.ts), over a copy padded to an even width
    const { mp, X } = kern;
    for (let q0 = 0; q0 < n; q0 += 4) {
      X.fill(0);
      for (let r = 0; r < 4 && q0 + r < n; r++) for (let j = 0; j < m; j++) X[r * mp + j] = rows[(q0 + r) * m + j] - mean[j];
      kern.run();
    }
    for (let a = 0; a < m; a++) for (let b = a; b < m; b++) C[a * m + b] = kern.C[a * mp + b];
  } else accumulateCovariance(rows, n, m, mean, C);
  for (let a = 0; a < m; a++) {
    for (let b = a; b < m; b++) {
      C[a * m + b] /= Math.max(1, n);
      C[b * m + a] = C[a * m + b];
    }
  }
  const { values, vectors } = symmetricEigen(C, m, k);
  return { m, k, mean, basis: vectors, variance: values };
}
