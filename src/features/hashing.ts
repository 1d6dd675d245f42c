/**
 * Hashed sparse text features: FNV-1a steps over code points, finished with a murmur3 mixer so the low
 * bits used as bucket index are well spread.
 */

/** Sparse vector: distinct indices (in no particular order) and their values. */
export interface SparseVec {
  idx: Int32Array;
  val: Float64Array;
}

export const FNV_OFFSET = 0x811c9dc5;

export function fnvStep(h: number, code: number): number {
  return Math.imul(h ^ code, 0x01000193);
}

/** murmur3 fmix32. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Combine two hashes into one (ordered). */
export function combine(a: number, b: number): number {
  return mix32((Math.imul(a, 0x9e3779b1) ^ b) >>> 0);
}

/** Accumulates counts into a reusable dense scratch array and emits a sparse vector. */
export class SparseAccumulator {
  readonly dim: number;
  private readonly mask: number;
  private readonly dense: Float64Array;
  private touched: Int32Array;
  private nTouched = 0;

  /** dim must be a power of two. */
  constructor(dim: number) {
    if (dim <= 0 || (dim & (dim - 1)) !== 0) throw new Error(`hash dimension must be a power of two, got ${dim}`);
    this.dim = dim;
    this.mask = dim - 1;
    this.dense = new Float64Array(dim);
    this.touched = new Int32Array(256);
  }

  /** Add `v` to the bucket of hash `h`. */
  add(h: number, v = 1): void {
    const i = h & this.mask;
    if (this.dense[i] === 0) {
      if (this.nTouched === this.touched.length) {
        const t = new Int32Array(this.touched.length * 2);
        t.set(this.touched);
        this.touched = t;
      }
      this.touched[this.nTouched++] = i;
    }
    this.dense[i] += v;
    // a bucket that returns to exactly 0 stays in `touched`; finish() drops zeros
  }

  /** Visit each non-zero bucket in first-touched order with its accumulated value, and reset. */
  drain(visit: (index: number, value: number) => void): void {
    for (let j = 0; j < this.nTouched; j++) {
      const i = this.touched[j];
      const c = this.dense[i];
      if (c === 0) continue;
      this.dense[i] = 0;
      visit(i, c);
    }
    this.nTouched = 0;
  }

  /**
   * Emit the accumulated vector (indices in first-touched order) with `tf` applied to each value, scaled
   * to unit L2 norm unless `normalize` is false (all-zero stays all-zero), and reset the accumulator.
   */
  finish(tf: (c: number) => number = (c) => c, normalize = true): SparseVec {
    const idx = new Int32Array(this.nTouched);
    const val = new Float64Array(this.nTouched);
    let m = 0;
    for (let j = 0; j < this.nTouched; j++) {
      const i = this.touched[j];
      const c = this.dense[i];
      if (c === 0) continue;
      this.dense[i] = 0;
      idx[m] = i;
      val[m] = tf(c);
      m++;
    }
    this.nTouched = 0;
    const out = m === idx.length ? { idx, val } : { idx: idx.subarray(0, m), val: val.subarray(0, m) };
    if (normalize) normalizeInPlace(out);
    return out;
  }
}

function normalizeInPlace(v: SparseVec): void {
  let s = 0;
  for (let j = 0; j < v.val.length; j++) s += v.val[j] * v.val[j];
  if (s > 0) {
    const r = 1 / Math.sqrt(s);
    for (let j = 0; j < v.val.length; j++) v.val[j] *= r;
  }
}

/** Sublinear term frequency 1 + ln(c). */
export function logTf(c: number): number {
  return c > 0 ? 1 + Math.log(c) : 0;
}
