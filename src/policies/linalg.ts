/**
 * Small dense linear algebra on Float64Array, specialised for sparse contexts.
 * Matrices are d×d row-major blocks stored at an offset inside one big array (one block per arm).
 */

/**
 * In-place Sherman–Morrison: Ainv ← (A + s·x xᵀ)⁻¹ given Ainv = A⁻¹ (symmetric). x is sparse (idx/val[lo..hi)).
 * Leaves u = A_old⁻¹x and returns 1 + s·xᵀA_old⁻¹x.
 */
export function shermanMorrisonSparse(
  Ainv: Float64Array,
  off: number,
  d: number,
  idx: Int32Array,
  val: Float64Array,
  lo: number,
  hi: number,
  s: number,
  u: Float64Array,
): number {
  // u = Ainv x (Ainv symmetric, so columns = rows)
  u.fill(0, 0, d);
  let q = 0;
  for (let k = lo; k < hi; k++) {
    const row = off + idx[k] * d;
    const v = val[k];
    for (let i = 0; i < d; i++) u[i] += v * Ainv[row + i];
  }
  for (let k = lo; k < hi; k++) q += val[k] * u[idx[k]];
  const c = s / (1 + s * q);
  // Symmetric update: each off-diagonal pair gets one value, so A⁻¹ stays exactly symmetric and half the
  // products are saved.
  for (let i = 0; i < d; i++) {
    const ci = c * u[i];
    if (ci === 0) continue;
    const row = off + i * d;
    Ainv[row + i] -= ci * u[i];
    for (let j = i + 1; j < d; j++) {
      const v = Ainv[row + j] - ci * u[j];
      Ainv[row + j] = v;
      Ainv[off + j * d + i] = v;
    }
  }
  // u still holds A_old⁻¹x; callers use it with the returned 1 + s·xᵀA_old⁻¹x
  return 1 + s * q;
}

/** xᵀ M x for sparse x and the d×d block of M at off. */
export function quadFormSparse(M: Float64Array, off: number, d: number, idx: Int32Array, val: Float64Array, lo: number, hi: number): number {
  let s = 0;
  for (let a = lo; a < hi; a++) {
    const row = off + idx[a] * d;
    const va = val[a];
    let t = 0;
    for (let b = lo; b < hi; b++) t += val[b] * M[row + idx[b]];
    s += va * t;
  }
  return s;
}

/** A += s·x xᵀ (sparse x), block at off. */
export function addOuterSparse(A: Float64Array, off: number, d: number, idx: Int32Array, val: Float64Array, lo: number, hi: number, s: number): void {
  for (let a = lo; a < hi; a++) {
    const row = off + idx[a] * d;
    const va = s * val[a];
    for (let b = lo; b < hi; b++) A[row + idx[b]] += va * val[b];
  }
}

/** y = M v (block M at offM, vector v at offV) written to out at offOut. */
export function matVec(M: Float64Array, offM: number, d: number, v: Float64Array, offV: number, out: Float64Array, offOut: number): void {
  for (let i = 0; i < d; i++) {
    let s = 0;
    const row = offM + i * d;
    for (let j = 0; j < d; j++) s += M[row + j] * v[offV + j];
    out[offOut + i] = s;
  }
}

/** Set the block at off to c·I. */
export function setScaledIdentity(M: Float64Array, off: number, d: number, c: number): void {
  for (let i = 0; i < d * d; i++) M[off + i] = 0;
  for (let i = 0; i < d; i++) M[off + i * d + i] = c;
}

/**
 * Inverse of a symmetric positive-definite block through Cholesky (A = L Lᵀ), written to out.
 * Returns false (out untouched) when A is not numerically positive definite.
 */
export function invertSPD(A: Float64Array, offA: number, d: number, out: Float64Array, offOut: number, work: Float64Array): boolean {
  // work holds L (d×d) then a column buffer (d)
  const L = work;
  for (let i = 0; i < d * d; i++) L[i] = 0;
  for (let j = 0; j < d; j++) {
    let s = A[offA + j * d + j];
    for (let k = 0; k < j; k++) s -= L[j * d + k] * L[j * d + k];
    if (!(s > 0)) return false;
    const ljj = Math.sqrt(s);
    L[j * d + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      let t = A[offA + i * d + j];
      for (let k = 0; k < j; k++) t -= L[i * d + k] * L[j * d + k];
      L[i * d + j] = t / ljj;
    }
  }
  const col = d * d;
  for (let c = 0; c < d; c++) {
    // solve L y = e_c, then Lᵀ z = y; z is column c of A⁻¹
    for (let i = 0; i < d; i++) {
      let s = i === c ? 1 : 0;
      for (let k = 0; k < i; k++) s -= L[i * d + k] * work[col + k];
      work[col + i] = s / L[i * d + i];
    }
    for (let i = d - 1; i >= 0; i--) {
      let s = work[col + i];
      for (let k = i + 1; k < d; k++) s -= L[k * d + i] * work[col + k];
      work[col + i] = s / L[i * d + i];
    }
    for (let i = 0; i < d; i++) out[offOut + i * d + c] = work[col + i];
  }
  // symmetrise against round-off
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const m = 0.5 * (out[offOut + i * d + j] + out[offOut + j * d + i]);
      out[offOut + i * d + j] = m;
      out[offOut + j * d + i] = m;
    }
  }
  return true;
}

/** Scratch size needed by invertSPD. */
export function invertWorkSize(d: number): number {
  return d * d + d;
}
