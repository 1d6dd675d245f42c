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
  const q = solveSparse(Ainv, off, d, idx, val, lo, hi, u);
  rankOneSym(Ainv, off, d, u, s / (1 + s * q));
  // u still holds A_old⁻¹x; callers use it with the returned 1 + s·xᵀA_old⁻¹x
  return 1 + s * q;
}

/** u = A⁻¹x for a symmetric A⁻¹ and sparse x (idx/val[lo..hi)); returns xᵀA⁻¹x. */
export function solveSparse(Ainv: Float64Array, off: number, d: number, idx: Int32Array, val: Float64Array, lo: number, hi: number, u: Float64Array): number {
  // u = A⁻¹x, each u_i summed over k in context order. A dense x reads row i of the symmetric A⁻¹ per u_i
  // (contiguous, and several u_i side by side); a sparse x adds val_k times row idx_k.
  let q = 0;
  if (isDenseRow(idx, lo, hi, d)) {
    denseMatVec(Ainv, off, d, val, lo, u);
  } else if (hi - lo <= 4 && hi > lo) {
    // the paper's one-hot layout: the four rows in one pass, each u_i still summed in context order from 0. Fewer
    // non-zeros (the reference layout's zero-coded complexity bin) are padded with zero values: u_i starts at +0
    // and so is never −0, and adding a ±0 term leaves it as it is
    const n = hi - lo;
    const r0 = off + idx[lo] * d;
    const r1 = n > 1 ? off + idx[lo + 1] * d : r0;
    const r2 = n > 2 ? off + idx[lo + 2] * d : r0;
    const r3 = n > 3 ? off + idx[lo + 3] * d : r0;
    const v0 = val[lo];
    const v1 = n > 1 ? val[lo + 1] : 0;
    const v2 = n > 2 ? val[lo + 2] : 0;
    const v3 = n > 3 ? val[lo + 3] : 0;
    for (let i = 0; i < d; i++) {
      let t = 0;
      t += v0 * Ainv[r0 + i];
      t += v1 * Ainv[r1 + i];
      t += v2 * Ainv[r2 + i];
      t += v3 * Ainv[r3 + i];
      u[i] = t;
    }
  } else {
    // few non-zeros: accumulate whole rows of A⁻¹ (contiguous), the same sums in the same order
    u.fill(0, 0, d);
    for (let k = lo; k < hi; k++) {
      const row = off + idx[k] * d;
      const v = val[k];
      for (let i = 0; i < d; i++) u[i] += v * Ainv[row + i];
    }
  }
  for (let k = lo; k < hi; k++) q += val[k] * u[idx[k]];
  return q;
}

/**
 * Ainv ← Ainv − c·u uᵀ. Symmetric update: each off-diagonal pair gets one value, so A⁻¹ stays exactly symmetric
 * and half the products are saved.
 */
export function rankOneSym(Ainv: Float64Array, off: number, d: number, u: Float64Array, c: number): void {
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
}

/** True when idx[lo..hi) is exactly 0, 1, …, d−1 (a dense row); O(d) against the O(d²) it saves. */
export function isDenseRow(idx: Int32Array, lo: number, hi: number, d: number): boolean {
  if (hi - lo !== d) return false;
  for (let k = 0; k < d; k++) if (idx[lo + k] !== k) return false;
  return true;
}

/**
 * u = M x for a symmetric block M and a dense x = val[lo..lo+d). Four rows run side by side: each u_i is a
 * dependent chain of additions, and interleaving independent chains keeps the floating-point unit busy
 * without changing any sum.
 */
function denseMatVec(M: Float64Array, off: number, d: number, val: Float64Array, lo: number, u: Float64Array): void {
  let i = 0;
  for (; i + 3 < d; i += 4) {
    const r0 = off + i * d;
    const r1 = r0 + d;
    const r2 = r1 + d;
    const r3 = r2 + d;
    let t0 = 0;
    let t1 = 0;
    let t2 = 0;
    let t3 = 0;
    for (let k = 0; k < d; k++) {
      const x = val[lo + k];
      t0 += x * M[r0 + k];
      t1 += x * M[r1 + k];
      t2 += x * M[r2 + k];
      t3 += x * M[r3 + k];
    }
    u[i] = t0;
    u[i + 1] = t1;
    u[i + 2] = t2;
    u[i + 3] = t3;
  }
  for (; i < d; i++) {
    const row = off + i * d;
    let t = 0;
    for (let k = 0; k < d; k++) t += val[lo + k] * M[row + k];
    u[i] = t;
  }
}

/**
 * xᵀA⁻¹x over one triangle of a symmetric block for a dense x = val[lo..lo+d): the terms and their order are
 * those of the sparse loop in PatternCache.slot (row a: ½x_aA_aa + Σ_{b>a} x_bA_ab, then 2x_a·that), so both
 * give bit-identical results. Four rows run side by side, as in denseMatVec.
 */
export function denseQuadUpper(M: Float64Array, off: number, d: number, val: Float64Array, lo: number): number {
  let quad = 0;
  let a = 0;
  for (; a + 3 < d; a += 4) {
    const v0 = val[lo + a];
    const v1 = val[lo + a + 1];
    const v2 = val[lo + a + 2];
    const v3 = val[lo + a + 3];
    const r0 = off + a * d;
    const r1 = r0 + d;
    const r2 = r1 + d;
    const r3 = r2 + d;
    // the triangle's corner: each row starts at its diagonal
    let t0 = 0.5 * v0 * M[r0 + a];
    t0 += v1 * M[r0 + a + 1];
    t0 += v2 * M[r0 + a + 2];
    t0 += v3 * M[r0 + a + 3];
    let t1 = 0.5 * v1 * M[r1 + a + 1];
    t1 += v2 * M[r1 + a + 2];
    t1 += v3 * M[r1 + a + 3];
    let t2 = 0.5 * v2 * M[r2 + a + 2];
    t2 += v3 * M[r2 + a + 3];
    let t3 = 0.5 * v3 * M[r3 + a + 3];
    for (let b = a + 4; b < d; b++) {
      const x = val[lo + b];
      t0 += x * M[r0 + b];
      t1 += x * M[r1 + b];
      t2 += x * M[r2 + b];
      t3 += x * M[r3 + b];
    }
    quad += 2 * v0 * t0;
    quad += 2 * v1 * t1;
    quad += 2 * v2 * t2;
    quad += 2 * v3 * t3;
  }
  for (; a < d; a++) {
    const va = val[lo + a];
    const row = off + a * d;
    let t = 0.5 * va * M[row + a];
    for (let b = a + 1; b < d; b++) t += val[lo + b] * M[row + b];
    quad += 2 * va * t;
  }
  return quad;
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
  if (isDenseRow(idx, lo, hi, d)) {
    // the same products, written row by row without index indirection
    for (let a = 0; a < d; a++) {
      const row = off + a * d;
      const va = s * val[lo + a];
      for (let b = 0; b < d; b++) A[row + b] += va * val[lo + b];
    }
    return;
  }
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
  // work holds L (d×d), then Lᵀ (d×d, so the backward solve reads rows), then a column buffer (d)
  const L = work;
  const dd = d * d;
  for (let i = 0; i < dd; i++) L[i] = 0;
  let finite = true;
  for (let j = 0; j < d; j++) {
    let s = A[offA + j * d + j];
    for (let k = 0; k < j; k++) s -= L[j * d + k] * L[j * d + k];
    if (!(s > 0)) return false;
    const ljj = Math.sqrt(s);
    L[j * d + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      let t = A[offA + i * d + j];
      for (let k = 0; k < j; k++) t -= L[i * d + k] * L[j * d + k];
      const v = t / ljj;
      L[i * d + j] = v;
      if (!Number.isFinite(v)) finite = false;
    }
  }
  for (let i = 0; i < d; i++) for (let k = i; k < d; k++) work[dd + i * d + k] = L[k * d + i];
  const col = 2 * dd;
  for (let c = 0; c < d; c++) {
    // solve L y = e_c, then Lᵀ z = y; z is column c of A⁻¹. With a finite L, y_i is exactly +0 above row c and
    // the terms k < c subtract only zeros, which leave 1 or +0 as they are: the solve starts at row c.
    const from = finite ? c : 0;
    for (let i = 0; i < from; i++) work[col + i] = 0;
    for (let i = from; i < d; i++) {
      let s = i === c ? 1 : 0;
      const ri = i * d;
      for (let k = from; k < i; k++) s -= L[ri + k] * work[col + k];
      work[col + i] = s / L[ri + i];
    }
    for (let i = d - 1; i >= 0; i--) {
      let s = work[col + i];
      const ri = dd + i * d;
      for (let k = i + 1; k < d; k++) s -= work[ri + k] * work[col + k];
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
  return 2 * d * d + d;
}
