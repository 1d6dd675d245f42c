/**
 * Data-driven choice of Switch-DR's τ and DRos's λ: the grid value minimising an estimate of the mean
 * squared error, (V̂_θ − V̂_DR)² + s²_θ / n. DR is unbiased when the propensities are right, so its distance
 * to V̂_θ stands in for θ's bias; s²_θ is the sample variance of θ's contributions.
 */
import { dr, dros, importanceWeights, switchDr, type Estimate, type LoggedBandit } from './estimators.js';

interface TuneRow {
  param: number;
  value: number;
  mse: number;
}

interface TuneResult {
  best: number;
  rows: TuneRow[];
}

/** DRos λ grid: 0 (DM) to ∞ (DR) in decades. */
const DROS_LAMBDA_GRID: readonly number[] = [0, 0.01, 0.1, 1, 10, 100, 1000, 10000, Number.POSITIVE_INFINITY];
/** Switch-DR τ candidates: 0, the weights' quantiles at these levels, and ∞. */
const TAU_QUANTILES = [0.5, 0.75, 0.9, 0.95, 0.99];

function sampleVariance(c: Float64Array, mean: number): number {
  const n = c.length;
  if (n < 2) return 0;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (c[i] - mean) ** 2;
  return ss / (n - 1);
}

function tune(grid: readonly number[], run: (p: number) => Estimate, ref: number, n: number): TuneResult {
  const rows = grid.map((param) => {
    const e = run(param);
    return { param, value: e.value, mse: (e.value - ref) ** 2 + sampleVariance(e.contrib, e.value) / n };
  });
  // Ties go to the larger parameter (closer to DR, less bias).
  let best = rows[0];
  for (const r of rows) if (r.mse <= best.mse) best = r;
  return { best: best.param, rows };
}

function sortedGrid(grid: readonly number[]): number[] {
  if (grid.length === 0) throw new RangeError('empty tuning grid');
  return [...new Set(grid)].sort((a, b) => a - b);
}

export function tuneDrosLambda(d: LoggedBandit, target: Float64Array, qhat: Float64Array, grid: readonly number[] = DROS_LAMBDA_GRID): TuneResult {
  const ref = dr(d, target, qhat).value;
  return tune(sortedGrid(grid), (l) => dros(d, target, qhat, l), ref, d.n);
}

/** Default τ grid of a log: 0, quantiles of the positive importance weights, ∞. */
export function switchTauGrid(d: LoggedBandit, target: Float64Array): number[] {
  const w = importanceWeights(d, target).filter((x) => x > 0).sort();
  const grid = [0, Number.POSITIVE_INFINITY];
  for (const q of TAU_QUANTILES) if (w.length > 0) grid.push(w[Math.min(w.length - 1, Math.floor(q * w.length))]);
  return sortedGrid(grid);
}

export function tuneSwitchTau(d: LoggedBandit, target: Float64Array, qhat: Float64Array, grid: readonly number[] = switchTauGrid(d, target)): TuneResult {
  const ref = dr(d, target, qhat).value;
  return tune(sortedGrid(grid), (t) => switchDr(d, target, qhat, t), ref, d.n);
}
