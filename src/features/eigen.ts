/**
 * Leading eigenpairs of a dense symmetric matrix, for the PCA of `embed` (docs/features.md, "Text
 * embedding"): Householder reduction to tridiagonal form, implicit symmetric QR steps with a Wilkinson shift
 * on the tridiagonal (Golub & Van Loan, Matrix Computations, §8.3), then the wanted eigenvectors rebuilt from
 * the recorded rotations and reflections. O(m³) in the width m, nothing random; only +, −, ×, ÷ and √ are
 * used, so results are the same bits on every platform.
 */

const EPS = 2 ** -52;

interface SymEigen {
  /** The k largest eigenvalues, descending. */
  values: Float64Array;
  /** k×m row-major: eigenvector c (unit length) is vectors[c·m .. (c+1)·m), in the order of `values`. */
  vectors: Float64Array;
}

/**
 * Householder vector of row j right of its diagonal, x = A[j, j+1..]: stores v = x − α e₁ in place of x and
 * returns β = 2 / vᵀv; e[j] gets α, the new T[j, j+1]. When x's tail below x₀ has a norm under `tiny` (ε·‖A‖,
 * rounding of the whole matrix), the tail is zeroed and H = I (β = 0): a rank-deficient matrix would
 * otherwise shrink that tail step by step towards underflow, where vᵀv becomes 0.
 */
function reflector(A: Float64Array, m: number, j: number, e: Float64Array, tiny: number): number {
  const row = j * m;
  let tail = 0;
  for (let c = j + 2; c < m; c++) tail += A[row + c] * A[row + c];
  const x0 = A[row + j + 1];
  if (tail <= tiny * tiny) {
    for (let c = j + 2; c < m; c++) A[row + c] = 0;
    e[j] = x0;
    return 0;
  }
  const norm = Math.sqrt(x0 * x0 + tail);
  // α of opposite sign to x₀, so x₀ − α does not cancel
  const alpha = x0 > 0 ? -norm : norm;
  const v0 = x0 - alpha;
  A[row + j + 1] = v0;
  e[j] = alpha;
  return 2 / (v0 * v0 + tail);
}

/**
 * Reduce the symmetric m×m matrix A (row-major, overwritten) to tridiagonal T = Qᵀ A Q with Q = H₀ ⋯ H_{m−3},
 * H_j = I − β_j v_j v_jᵀ. Returns the diagonal d, off-diagonal e (e[i] = T[i, i+1]) and β; v_j is left in
 * row j of A right of the diagonal. Step j updates the trailing block A₂₂ ← A₂₂ − v wᵀ − w vᵀ with
 * w = p − (β/2)(pᵀv) v, p = β A₂₂ v; the next step's p is summed in the same pass over the block.
 */
function tridiagonalise(A: Float64Array, m: number): { d: Float64Array; e: Float64Array; beta: Float64Array } {
  const d = new Float64Array(m);
  const e = new Float64Array(Math.max(0, m - 1));
  const beta = new Float64Array(m);
  let p = new Float64Array(m);
  let pNext = new Float64Array(m);
  let haveP = false;
  // ‖A‖_F, scaled by the largest entry so that the squares cannot overflow or underflow
  let big = 0;
  for (let i = 0; i < m * m; i++) big = Math.max(big, Math.abs(A[i]));
  let ss = 0;
  if (big > 0) for (let i = 0; i < m * m; i++) ss += (A[i] / big) * (A[i] / big);
  const tiny = EPS * big * Math.sqrt(ss);
  let b = m > 2 ? reflector(A, m, 0, e, tiny) : 0;
  for (let j = 0; j + 2 < m; j++) {
    beta[j] = b;
    const row = j * m;
    const last = j + 3 >= m;
    if (b === 0) {
      haveP = false;
      if (!last) b = reflector(A, m, j + 1, e, tiny);
      continue;
    }
    if (!haveP) {
      for (let r = j + 1; r < m; r++) {
        const ar = r * m;
        let s = 0;
        for (let c = j + 1; c < m; c++) s += A[ar + c] * A[row + c];
        p[r] = b * s;
      }
    }
    let pv = 0;
    for (let r = j + 1; r < m; r++) pv += p[r] * A[row + r];
    const K = (b / 2) * pv;
    for (let r = j + 1; r < m; r++) p[r] -= K * A[row + r];
    // p now holds w; both halves of the block get the same sum, so A stays exactly symmetric (column j+1
    // below row j+1 is not needed again and is left as it is)
    const r1 = (j + 1) * m;
    {
      const vr = A[row + j + 1];
      const wr = p[j + 1];
      for (let c = j + 1; c < m; c++) A[r1 + c] -= vr * p[c] + wr * A[row + c];
    }
    const bNext = last ? 0 : reflector(A, m, j + 1, e, tiny);
    for (let r = j + 2; r < m; r++) {
      const ar = r * m;
      const vr = A[row + r];
      const wr = p[r];
      if (bNext === 0) {
        for (let c = j + 2; c < m; c++) A[ar + c] -= vr * p[c] + wr * A[row + c];
        continue;
      }
      let s = 0;
      for (let c = j + 2; c < m; c++) {
        const a = A[ar + c] - (vr * p[c] + wr * A[row + c]);
        A[ar + c] = a;
        s += a * A[r1 + c];
      }
      pNext[r] = bNext * s;
    }
    haveP = bNext !== 0;
    const t = p;
    p = pNext;
    pNext = t;
    b = bNext;
  }
  for (let i = 0; i < m; i++) d[i] = A[i * m + i];
  if (m >= 2) e[m - 2] = A[(m - 2) * m + m - 1];
  return { d, e, beta };
}

/** Plane rotations of a QR sweep, in order: rotation t acts on coordinates at[t], at[t]+1 with (cos[t], sin[t]). */
class Rotations {
  at = new Int32Array(1024);
  cos = new Float64Array(1024);
  sin = new Float64Array(1024);
  n = 0;

  push(k: number, c: number, s: number): void {
    if (this.n === this.at.length) {
      const grow = <T extends Int32Array | Float64Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(2 * a.length);
        b.set(a);
        return b;
      };
      this.at = grow(this.at);
      this.cos = grow(this.cos);
      this.sin = grow(this.sin);
    }
    this.at[this.n] = k;
    this.cos[this.n] = c;
    this.sin[this.n] = s;
    this.n++;
  }
}

/**
 * Diagonalise the tridiagonal (d, e) in place by implicit QR steps with a Wilkinson shift, each a chase of the
 * bulge by plane rotations P = [[c, −s], [s, c]] (T ← Pᵀ T P); the eigenvectors of T are the columns of the
 * product of the P in order, which `rot` records.
 */
function tridiagonalQr(d: Float64Array, e: Float64Array, m: number, rot: Rotations): void {
  // ‖T‖∞: an off-diagonal below ε‖T‖ is rounding, whatever its neighbours (a rank-deficient matrix has
  // many eigenvalues at rounding level, where the relative test alone would not let them deflate)
  let norm = 0;
  for (let i = 0; i < m; i++) norm = Math.max(norm, Math.abs(d[i]) + (i > 0 ? Math.abs(e[i - 1]) : 0) + (i < m - 1 ? Math.abs(e[i]) : 0));
  const floor = EPS * norm;
  let steps = 0;
  let hi = m - 1;
  while (hi > 0) {
    // deflate: an off-diagonal below rounding of its neighbours is zero
    for (let i = 0; i < hi; i++) if (Math.abs(e[i]) <= Math.max(floor, EPS * (Math.abs(d[i]) + Math.abs(d[i + 1])))) e[i] = 0;
    while (hi > 0 && e[hi - 1] === 0) hi--;
    if (hi === 0) break;
    let lo = hi - 1;
    while (lo > 0 && e[lo - 1] !== 0) lo--;
    if (++steps > 60 * m) throw new Error(`symmetric eigen-decomposition did not converge (m = ${m})`);
    // Wilkinson shift: the eigenvalue of the trailing 2×2 block nearer d[hi]
    const delta = (d[hi - 1] - d[hi]) / 2;
    const e2 = e[hi - 1] * e[hi - 1];
    const root = Math.sqrt(delta * delta + e2);
    const den = delta >= 0 ? delta + root : delta - root;
    const mu = den === 0 ? d[hi] : d[hi] - e2 / den;
    let x = d[lo] - mu;
    let z = e[lo];
    for (let k = lo; k < hi; k++) {
      const r = Math.sqrt(x * x + z * z);
      const c = r === 0 ? 1 : x / r;
      const s = r === 0 ? 0 : z / r;
      if (k > lo) e[k - 1] = r;
      // the 2×2 block [[dk, ek], [ek, dk1]] → Pᵀ·block·P
      const dk = d[k];
      const dk1 = d[k + 1];
      const ek = e[k];
      const cs2 = 2 * c * s * ek;
      d[k] = c * c * dk + cs2 + s * s * dk1;
      d[k + 1] = s * s * dk + c * c * dk1 - cs2;
      e[k] = c * s * (dk1 - dk) + (c * c - s * s) * ek;
      if (k + 1 < hi) {
        // the rotation moves part of e[k+1] into the bulge at (k, k+2)
        x = e[k];
        z = s * e[k + 1];
        e[k + 1] *= c;
      }
      rot.push(k, c, s);
    }
  }
}

/**
 * The k largest eigenvalues of the symmetric m×m matrix A (row-major; A is overwritten) and their unit
 * eigenvectors, sign-normalised so that each one's entry of largest magnitude (the first, on a tie) is
 * positive. Equal eigenvalues keep the order the QR steps leave them in, which depends only on A.
 */
export function symmetricEigen(A: Float64Array, m: number, k = m): SymEigen {
  if (!(Number.isInteger(k) && k >= 0 && k <= m)) throw new RangeError(`symmetricEigen: k must be in [0, ${m}], got ${k}`);
  // squares in the rotations underflow (or overflow) when the entries are far from 1, and the QR steps then stop
  // making progress: such a matrix is scaled by a power of two, which is exact and leaves the eigenvectors'
  // bits as they are; matrices within 2^±100 are not touched
  let big = 0;
  for (let i = 0; i < m * m; i++) big = Math.max(big, Math.abs(A[i]));
  const exp = big > 0 && (big < 2 ** -100 || big > 2 ** 100) ? Math.round(Math.log2(big)) : 0;
  if (exp !== 0) {
    const f = 2 ** -exp;
    for (let i = 0; i < m * m; i++) A[i] *= f;
  }
  const { d, e, beta } = tridiagonalise(A, m);
  const rot = new Rotations();
  tridiagonalQr(d, e, m, rot);
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => d[b] - d[a] || a - b).slice(0, k);
  const values = Float64Array.from(order, (i) => (exp !== 0 ? d[i] * 2 ** exp : d[i]));
  const vectors = new Float64Array(k * m);
  // eigenvectors of A: Q · P₁ ⋯ P_N · e_i for the chosen i — the rotations, last first, then the reflections
  // H_{m−3} … H₀, applied from the left to those columns only (cheaper than rotating all m), in blocks of
  // columns narrow enough to stay in cache while every rotation and reflection passes over them
  const W = Math.min(32, Math.max(1, k));
  const U = new Float64Array(m * W);
  const acc = new Float64Array(W);
  for (let c0 = 0; c0 < k; c0 += W) {
    const w = Math.min(W, k - c0);
    U.fill(0);
    for (let c = 0; c < w; c++) U[order[c0 + c] * W + c] = 1;
    for (let t = rot.n - 1; t >= 0; t--) {
      const a = rot.at[t] * W;
      const b2 = a + W;
      const c = rot.cos[t];
      const s = rot.sin[t];
      for (let col = 0; col < w; col++) {
        const x = U[a + col];
        const y = U[b2 + col];
        U[a + col] = c * x - s * y;
        U[b2 + col] = s * x + c * y;
      }
    }
    for (let j = m - 3; j >= 0; j--) {
      const bj = beta[j];
      if (bj === 0) continue;
      const row = j * m;
      // H U = U − β v (vᵀ U), v = A[j, j+1..] (zero elsewhere)
      acc.fill(0);
      for (let r = j + 1; r < m; r++) {
        const vr = A[row + r];
        const uo = r * W;
        for (let col = 0; col < w; col++) acc[col] += vr * U[uo + col];
      }
      for (let r = j + 1; r < m; r++) {
        const f = bj * A[row + r];
        const uo = r * W;
        for (let col = 0; col < w; col++) U[uo + col] -= f * acc[col];
      }
    }
    for (let c = 0; c < w; c++) {
      let big = 0;
      for (let r = 1; r < m; r++) if (Math.abs(U[r * W + c]) > Math.abs(U[big * W + c])) big = r;
      const sign = U[big * W + c] < 0 ? -1 : 1;
      const o = (c0 + c) * m;
      for (let r = 0; r < m; r++) vectors[o + r] = sign * U[r * W + c];
    }
  }
  return { values, vectors };
}
