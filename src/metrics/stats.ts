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
