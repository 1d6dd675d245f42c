/** Descriptive statistics across runs. Sums run in array order so results are reproducible bit for bit. */
import jStat from 'jstat';

export interface MeanSd {
  mean: number;
  sd: number;
}

export interface MeanSdCi extends MeanSd {
  /** 95% confidence interval of the mean: mean ± t(0.975, n−1)·sd/√n; [mean, mean] for n = 1. */
  ci95: [number, number];
}

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return xs.length ? s / xs.length : Number.NaN;
}

/** Sample standard deviation (n − 1 denominator, as the reference's pandas std); 0 for n = 1. */
export function sd(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n < 2) return 0;
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < n; i++) s += (xs[i] - m) * (xs[i] - m);
  return Math.sqrt(s / (n - 1));
}

export function meanSd(xs: ArrayLike<number>): MeanSd {
  return { mean: mean(xs), sd: sd(xs) };
}

/** Two-sided 95% Student-t interval (the reference plots ±1.96·sd/√n; with 5 runs t is 2.776). */
export function meanSdCi(xs: ArrayLike<number>): MeanSdCi {
  const m = mean(xs);
  const s = sd(xs);
  const n = xs.length;
  if (n < 2) return { mean: m, sd: s, ci95: [m, m] };
  const h = tCritical95(n - 1) * (s / Math.sqrt(n));
  return { mean: m, sd: s, ci95: [m - h, m + h] };
}

export function tCritical95(dof: number): number {
  return jStat.studentt.inv(0.975, dof);
}

function normalSf(z: number): number {
  return 1 - jStat.normal.cdf(z, 0, 1);
}

interface MannWhitneyResult {
  /** U statistic of the first sample. */
  u1: number;
  /** Two-sided p-value. */
  p: number;
  method: 'exact' | 'asymptotic';
}

/**
 * Two-sided Mann–Whitney U test as the reference computes it (scipy's default, README, published comparison): exact null
 * distribution when the smaller sample has at most 8 values and there are no ties (scipy's `method='auto'` goes
 * asymptotic only when both samples exceed 8); otherwise the normal approximation with tie correction and
 * continuity correction. Identical constant samples give p = 1.
 */
export function mannWhitneyU(x: ArrayLike<number>, y: ArrayLike<number>): MannWhitneyResult {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) throw new Error('Mann–Whitney U needs two non-empty samples');
  const all = [...Array.from(x, (v) => ({ v, g: 0 })), ...Array.from(y, (v) => ({ v, g: 1 }))].sort((a, b) => a.v - b.v);
  const n = n1 + n2;
  const ranks = new Float64Array(n);
  let tieTerm = 0;
  let hasTies = false;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && all[j + 1].v === all[i].v) j++;
    const r = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) ranks[k] = r;
    const t = j - i + 1;
    if (t > 1) {
      hasTies = true;
      tieTerm += t * t * t - t;
    }
    i = j + 1;
  }
  let r1 = 0;
  for (let k = 0; k < n; k++) if (all[k].g === 0) r1 += ranks[k];
  const u1 = r1 - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;
  const u = Math.max(u1, u2);
  if (!hasTies && Math.min(n1, n2) <= 8) {
    // the null distribution of U is the same for (n1, n2) and (n2, n1): the smaller size sizes the table
    const p = Math.min(1, 2 * exactUpperTail(Math.max(n1, n2), Math.min(n1, n2), u));
    return { u1, p, method: 'exact' };
  }
  const mu = (n1 * n2) / 2;
  const s2 = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (!(s2 > 0)) return { u1, p: 1, method: 'asymptotic' };
  const z = (u - mu - 0.5) / Math.sqrt(s2);
  return { u1, p: Math.min(1, Math.max(0, 2 * normalSf(z))), method: 'asymptotic' };
}

/**
 * P(U ≥ u) under H0 without ties: counts of rank arrangements by U (recursive table). Memory is
 * 2·(n2 + 1)·(n1·n2 + 1) numbers, so pass the smaller size as n2; time grows as (n1·n2)², which the
 * equal run counts of the callers (at most 8 each on this path) keep tiny.
 */
function exactUpperTail(n1: number, n2: number, u: number): number {
  const maxU = n1 * n2;
  // f[i][j][k]: arrangements of i and j items with U = k
  let prev: Float64Array[] = [];
  for (let i = 0; i <= n1; i++) {
    const row: Float64Array[] = [];
    for (let j = 0; j <= n2; j++) {
      const f = new Float64Array(maxU + 1);
      if (i === 0 || j === 0) f[0] = 1;
      else {
        const a = prev[j]; // (i−1, j): the largest item is from x, adds j to U
        const b = row[j - 1]; // (i, j−1): the largest is from y
        for (let k = 0; k <= maxU; k++) f[k] = (k >= j ? a[k - j] : 0) + b[k];
      }
      row.push(f);
    }
    prev = row;
  }
  const dist = prev[n2];
  let total = 0;
  let tail = 0;
  for (let k = 0; k <= maxU; k++) {
    total += dist[k];
    if (k >= u) tail += dist[k];
  }
  return tail / total;
}

/**
 * Relative gap below which two final regrets count as the same value in the significance tests. A run sums its
 * steps in its own shuffled order, so a fixed model's regret, the same sum in every run, differs in its last
 * digits (about Q·2⁻⁵³ of it for Q steps); a different choice at a single step moves it far more than this.
 */
export const NEAR_TIE_REL = 1e-9;

/** a and b agree to within `rel` of the larger magnitude (NEAR_TIE_REL: equal but for summation order). */
export function nearlyEqual(a: number, b: number, rel = NEAR_TIE_REL): boolean {
  return Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * x and y with values that agree to within `rel` of their size replaced by one value (the smallest of each run
 * of such values in sorted order), so that equal sums differing only by summation order rank as ties.
 */
export function snapNearTies(x: ArrayLike<number>, y: ArrayLike<number>, rel = NEAR_TIE_REL): [number[], number[]] {
  const out: [number[], number[]] = [Array.from(x), Array.from(y)];
  const all = [...out[0].map((v, i) => ({ v, g: 0, i })), ...out[1].map((v, i) => ({ v, g: 1, i }))].sort((a, b) => a.v - b.v);
  let rep = Number.NaN;
  for (let k = 0; k < all.length; k++) {
    const { v } = all[k];
    if (k === 0 || !nearlyEqual(v, all[k - 1].v, rel)) rep = v;
    out[all[k].g][all[k].i] = rep;
  }
  return out;
}

/** Benjamini–Hochberg adjusted p-values (step-up, monotone, capped at 1), in input order. */
export function benjaminiHochberg(p: readonly number[]): number[] {
  const m = p.length;
  const order = p.map((_, i) => i).sort((a, b) => p[a] - p[b] || a - b);
  const adj = new Array<number>(m);
  let running = 1;
  for (let k = m - 1; k >= 0; k--) {
    const i = order[k];
    running = Math.min(running, (p[i] * m) / (k + 1));
    adj[i] = Math.min(1, running);
  }
  return adj;
}

/** Trailing moving average with a window (min_periods 1, as pandas rolling in the reference). */
export function movingAverage(xs: ArrayLike<number>, window: number, out = new Float64Array(xs.length)): Float64Array {
  let s = 0;
  for (let i = 0; i < xs.length; i++) {
    s += xs[i];
    if (i >= window) s -= xs[i - window];
    out[i] = s / Math.min(i + 1, window);
  }
  return out;
}
