/**
 * Principal components of a set of dense rows by subspace iteration from a seeded random start: the
 * covariance is m×m (m is a few hundred at most), the top k directions come out orthonormal and ordered
 * by the variance they explain.
 */
import { Rng } from '../core/rng.js';

export interface Pca {
  /** Input width. */
  m: number;
  /** Output width. */
  k: number;
  mean: Float64Array;
  /** k×m row-major: component c is basis[c·m .. (c+1)·m). */
  basis: Float64Array;
  /** Variance along each component, descending. */
  variance: Float64Array;
}

/** Orthonormalise the k columns of the m×k matrix Q in place (modified Gram–Schmidt). */
function orthonormalise(Q: Float64Array, m: number, k: number, rng: Rng): void {
  for (let c = 0; c < k; c++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < c; p++) {
        let d = 0;
        for (let i = 0; i < m; i++) d += Q[i * k + c] * Q[i * k + p];
        for (let i = 0; i < m; i++) Q[i * k + c] -= d * Q[i * k + p];
      }
    }
    let n2 = 0;
    for (let i = 0; i < m; i++) n2 += Q[i * k + c] ** 2;
    if (n2 < 1e-24) {
      // a direction of zero variance: any unit vector orthogonal to the others will do
      for (let i = 0; i < m; i++) Q[i * k + c] = rng.normal();
      c--;
      continue;
    }
    const r = 1 / Math.sqrt(n2);
    for (let i = 0; i < m; i++) Q[i * k + c] *= r;
  }
}

/** Fit k components on n rows of width m (row-major). */
export function fitPca(rows: Float64Array, n: number, m: number, k: number, seed: number, iterations = 40): Pca {
  const mean = new Float64Array(m);
  for (let q = 0; q < n; q++) for (let j = 0; j < m; j++) mean[j] += rows[q * m + j];
  if (n > 0) for (let j = 0; j < m; j++) mean[j] /= n;
  const C = new Float64Array(m * m);
  const x = new Float64Array(m);
  for (let q = 0; q < n; q++) {
    for (let j = 0; j < m; j++) x[j] = rows[q * m + j] - mean[j];
    for (let a = 0; a < m; a++) {
      const xa = x[a];
      if (xa === 0) continue;
      const off = a * m;
      for (let b = a; b < m; b++) C[off + b] += xa * x[b];
    }
  }
  for (let a = 0; a < m; a++) {
    for (let b = a; b < m; b++) {
      C[a * m + b] /= Math.max(1, n);
      C[b * m + a] = C[a * m + b];
    }
  }
  const rng = new Rng(seed);
  let Q = new Float64Array(m * k);
  for (let i = 0; i < Q.length; i++) Q[i] = rng.normal();
  orthonormalise(Q, m, k, rng);
  let Z = new Float64Array(m * k);
  for (let it = 0; it < iterations; it++) {
    Z.fill(0);
    for (let a = 0; a < m; a++) {
      for (let b = 0; b < m; b++) {
        const cab = C[a * m + b];
        if (cab === 0) continue;
        for (let c = 0; c < k; c++) Z[a * k + c] += cab * Q[b * k + c];
      }
    }
    orthonormalise(Z, m, k, rng);
    [Q, Z] = [Z, Q];
  }
  // order by Rayleigh quotient (variance along each direction)
  const variance = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let v = 0;
    for (let a = 0; a < m; a++) {
      let s = 0;
      for (let b = 0; b < m; b++) s += C[a * m + b] * Q[b * k + c];
      v += Q[a * k + c] * s;
    }
    variance[c] = v;
  }
  const order = Array.from({ length: k }, (_, c) => c).sort((a, b) => variance[b] - variance[a] || a - b);
  const basis = new Float64Array(k * m);
  order.forEach((c, r) => {
    for (let i = 0; i < m; i++) basis[r * m + i] = Q[i * k + c];
  });
  return { m, k, mean, basis, variance: Float64Array.from(order.map((c) => variance[c])) };
}
