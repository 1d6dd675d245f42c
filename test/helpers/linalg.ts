/** Independent dense reference computations for tests (Gauss–Jordan with partial pivoting). */
export function inverse(A: number[][]): number[][] {
  const n = A.length;
  const M = A.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    const piv = M[c][c];
    for (let j = 0; j < 2 * n; j++) M[c][j] /= piv;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r][c];
      if (f === 0) continue;
      for (let j = 0; j < 2 * n; j++) M[r][j] -= f * M[c][j];
    }
  }
  return M.map((row) => row.slice(n));
}

export function matVec(A: number[][], v: number[]): number[] {
  return A.map((row) => row.reduce((s, a, j) => s + a * v[j], 0));
}

/** Ridge solution θ = (reg·I + Σ s·xxᵀ)⁻¹ Σ s·r·x from dense rows. */
export function ridge(xs: number[][], rs: number[], reg: number, s = 1): { A: number[][]; Ainv: number[][]; theta: number[] } {
  const d = xs[0]?.length ?? 0;
  const A = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? reg : 0)));
  const b = new Array(d).fill(0);
  xs.forEach((x, k) => {
    for (let i = 0; i < d; i++) {
      b[i] += s * rs[k] * x[i];
      for (let j = 0; j < d; j++) A[i][j] += s * x[i] * x[j];
    }
  });
  const Ainv = inverse(A);
  return { A, Ainv, theta: matVec(Ainv, b) };
}

export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m / (scale || 1);
}
