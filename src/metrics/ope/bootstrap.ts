/** Percentile bootstrap over logged decisions, seeded with the project's Rng. */
import { Rng } from '../../core/rng.js';
import type { Estimate } from './estimators.js';

export const DEFAULT_BOOTSTRAP_RESAMPLES = 1000;

interface BootstrapOptions {
  /** Resamples B (default 1000). */
  resamples?: number;
  seed: number;
  /** Two-sided coverage of the interval (default 0.95). */
  level?: number;
  /**
   * Per-decision values (length n) whose plain mean every estimate is compared with on the same resample:
   * each then also gets the percentile interval of estimate − mean (docs/ope.md, "Better than the logging policy?").
   */
  reference?: Float64Array;
}

interface BootstrapCi {
  lo: number;
  hi: number;
  /** Standard deviation of the resampled estimates. */
  sd: number;
  resamples: number;
  /** With `reference`: the percentile interval of the paired differences (same resamples, same drops). */
  diff?: { lo: number; hi: number };
}

/**
 * Resample the n decisions with replacement B times, recompute the estimate from the stored contributions
 * (a ratio of sums when self-normalised), and take the (1−level)/2 and (1+level)/2 quantiles
 * (linear interpolation between order statistics). Resamples with a zero denominator are dropped.
 */
export function bootstrapCi(est: Estimate, opts: BootstrapOptions): BootstrapCi {
  return bootstrapMany([est], opts)[0];
}

/**
 * Bootstrap several estimates of the same n decisions with one shared stream of resampled indices, so
 * their intervals are paired and the draws are paid for once.
 */
export function bootstrapMany(ests: readonly Estimate[], opts: BootstrapOptions): BootstrapCi[] {
  const B = opts.resamples ?? DEFAULT_BOOTSTRAP_RESAMPLES;
  const level = opts.level ?? 0.95;
  if (!Number.isInteger(B) || B < 1) throw new RangeError(`bootstrap resamples must be a positive integer, got ${B}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`bootstrap level must be in (0, 1), got ${level}`);
  const E = ests.length;
  if (E === 0) return [];
  const n = ests[0].contrib.length;
  for (const e of ests) if (e.contrib.length !== n || (e.norm !== null && e.norm.length !== n)) throw new Error('bootstrapped estimates cover different decisions');
  const ref = opts.reference ?? null;
  if (ref !== null && ref.length !== n) throw new Error(`reference has ${ref.length} values, expected n = ${n}`);
  if (n === 0) return ests.map(() => ({ lo: Number.NaN, hi: Number.NaN, sd: Number.NaN, resamples: 0, ...(ref ? { diff: { lo: Number.NaN, hi: Number.NaN } } : {}) }));
  const rng = new Rng(opts.seed);
  // One 32-bit draw per index (multiply-shift); the bias, below n/2³², is negligible for any log size.
  const scale = n / 4294967296;
  const idx = new Int32Array(n);
  const vals = ests.map(() => new Float64Array(B));
  const diffs = ref ? ests.map(() => new Float64Array(B)) : null;
  const kept = new Int32Array(E);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < n; j++) idx[j] = Math.floor(rng.nextU32() * scale);
    // the reference's mean on this very resample: no draw of its own, so the stream (and every interval) is unchanged
    let rm = 0;
    if (ref) {
      for (let j = 0; j < n; j++) rm += ref[idx[j]];
      rm /= n;
    }
    for (let k = 0; k < E; k++) {
      const { contrib: c, norm: w } = ests[k];
      let sc = 0;
      if (w === null) {
        for (let j = 0; j < n; j++) sc += c[idx[j]];
        if (diffs) diffs[k][kept[k]] = sc / n - rm;
        vals[k][kept[k]++] = sc / n;
      } else {
        let sw = 0;
        for (let j = 0; j < n; j++) {
          const i = idx[j];
          sc += c[i];
          sw += w[i];
        }
        if (sw > 0) {
          if (diffs) diffs[k][kept[k]] = sc / sw - rm;
          vals[k][kept[k]++] = sc / sw;
        }
      }
    }
  }
  return vals.map((v, k) => {
    const ci = summarise(v.subarray(0, kept[k]).sort(), level);
    if (!diffs) return ci;
    const d = summarise(diffs[k].subarray(0, kept[k]).sort(), level);
    return { ...ci, diff: { lo: d.lo, hi: d.hi } };
  });
}

function summarise(v: Float64Array, level: number): BootstrapCi {
  const k = v.length;
  if (k === 0) return { lo: Number.NaN, hi: Number.NaN, sd: Number.NaN, resamples: 0 };
  let m = 0;
  for (let i = 0; i < k; i++) m += v[i];
  m /= k;
  let ss = 0;
  for (let i = 0; i < k; i++) ss += (v[i] - m) ** 2;
  const a = (1 - level) / 2;
  return { lo: quantileSorted(v, a), hi: quantileSorted(v, 1 - a), sd: k > 1 ? Math.sqrt(ss / (k - 1)) : 0, resamples: k };
}

/** Quantile of sorted values, interpolating linearly between order statistics (position q·(k−1)). */
export function quantileSorted(v: ArrayLike<number>, q: number): number {
  const k = v.length;
  if (k === 0) return Number.NaN;
  const h = q * (k - 1);
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, k - 1);
  return v[lo] + (h - lo) * (v[hi] - v[lo]);
}
