/** What the routers trained on the train part of a split share (knn, predictive, warm-linucb, warm-thompson). */
import { SettingError, UsageError } from '../core/errors.js';
import type { ContextSet } from '../features/context.js';
import type { TrainData } from './policy.js';
import { RidgeNormal } from './ridge.js';

/** Folds of the penalty cross-validations; a train part under twice this uses the policy's fixed penalty. */
export const CV_FOLDS = 5;
/** Penalties tried, as multiples of the number of train queries; the largest leaves little but the means. */
export const CV_GRID = [1e-4, 1e-3, 1e-2, 0.1, 1, 10, 1000];

/** The train data a `train: true` factory needs: without a train/test split the policy cannot run. */
export function needTrain(name: string, t: TrainData | undefined): TrainData {
  if (!t) throw new SettingError((n) => `policy '${name}' is trained on the train part of a split: run it with ${n('split')} <fraction> or ${n('train')} <source>`);
  return t;
}

/** A parameter that must be a whole number (parameters are numbers on the command line). */
export function wholeParam(policy: string, name: string, v: number): number {
  if (!Number.isInteger(v)) throw new UsageError(`parameter ${policy}.${name} must be a whole number, got ${v}`);
  return v;
}

/** Cell (q, m) of the train part is usable for a target: present and finite. */
export function usable(t: TrainData, target: ArrayLike<number>, q: number, m: number, M: number): boolean {
  const k = q * M + m;
  return t.present[k] === 1 && Number.isFinite(target[k]);
}

/** Per-model mean of a target over the usable train cells (NaN for a model with none). */
export function trainMeans(t: TrainData, target: ArrayLike<number>, M: number): Float64Array {
  const sum = new Float64Array(M);
  const n = new Float64Array(M);
  for (const q of t.queries) {
    for (let m = 0; m < M; m++) {
      if (!usable(t, target, q, m, M)) continue;
      sum[m] += target[q * M + m];
      n[m]++;
    }
  }
  for (let m = 0; m < M; m++) sum[m] = n[m] > 0 ? sum[m] / n[m] : NaN;
  return sum;
}

/** Fill NaN entries with the mean of the finite ones (0 when none): a model the train part never saw. */
export function fillMissing(v: Float64Array): Float64Array {
  let s = 0;
  let n = 0;
  for (const x of v) if (Number.isFinite(x)) ((s += x), n++);
  const mean = n > 0 ? s / n : 0;
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) v[i] = mean;
  return v;
}

const clip01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);

/** r_λ from an accuracy and a normalised cost term (docs/model.md §2.1), each clipped to [0, 1] first. */
export function rewardOf(lambda: number, acc: number, cost: number): number {
  return clip01((1 - lambda) * clip01(acc) + lambda * (1 - clip01(cost)));
}

/** Ridge coefficients of M models × K targets: θ of (m, k) at (m·K + k)·d, intercepts at m·K + k. */
export interface RidgeFit {
  theta: Float64Array;
  beta: Float64Array;
}

/**
 * Normal-equation sums of the targets ys (each Q×M) per fold (train row i in fold i mod folds): one accumulator
 * for all M·K targets when every model has every train row (one Gram matrix serves them all), else one per model
 * over the rows where all its targets are usable.
 */
export function foldSums(c: ContextSet, M: number, t: TrainData, ys: readonly ArrayLike<number>[], folds: number): RidgeNormal[][] {
  const K = ys.length;
  const rowOk = (q: number, m: number): boolean => ys.every((y) => usable(t, y, q, m, M));
  let full = true;
  for (const q of t.queries) for (let m = 0; m < M && full; m++) full = rowOk(q, m);
  const ybuf = new Float64Array(M * K);
  const out = Array.from({ length: folds }, () => (full ? [new RidgeNormal(c.d, M * K)] : Array.from({ length: M }, () => new RidgeNormal(c.d, K))));
  t.queries.forEach((q, i) => {
    const acc = out[i % folds];
    const lo = c.ptr[q];
    const hi = c.ptr[q + 1];
    if (full) {
      for (let m = 0; m < M; m++) for (let k = 0; k < K; k++) ybuf[m * K + k] = ys[k][q * M + m];
      acc[0].addSparse(c.idx, c.val, lo, hi, ybuf, 0);
      return;
    }
    for (let m = 0; m < M; m++) {
      if (!rowOk(q, m)) continue;
      for (let k = 0; k < K; k++) ybuf[k] = ys[k][q * M + m];
      acc[m].addSparse(c.idx, c.val, lo, hi, ybuf, 0);
    }
  });
  return out;
}

/** The sums of every fold together, and without fold f. */
export const allFolds = (sums: RidgeNormal[][]): RidgeNormal[] => sums.slice(1).reduce((a, s) => a.map((x, m) => x.plus(s[m])), sums[0]);
const withoutFold = (total: RidgeNormal[], sums: RidgeNormal[][], f: number): RidgeNormal[] => total.map((x, m) => x.plus(sums[f][m], -1));

/**
 * Solve fold sums (as foldSums lays them out) at a penalty. A model without rows gets θ = 0 and, per target,
 * the mean intercept of the others (0 when uncentred).
 */
export function solveSums(sums: RidgeNormal[], M: number, K: number, d: number, reg: number, centre = true): RidgeFit {
  const theta = new Float64Array(M * K * d);
  const beta = new Float64Array(M * K).fill(NaN);
  if (sums.length === 1) sums[0].solve(reg, theta, 0, beta, 0, centre);
  else for (let m = 0; m < M; m++) sums[m].solve(reg, theta, m * K * d, beta, m * K, centre);
  for (let k = 0; k < K; k++) {
    const col = new Float64Array(M);
    for (let m = 0; m < M; m++) col[m] = beta[m * K + k];
    fillMissing(col);
    for (let m = 0; m < M; m++) beta[m * K + k] = col[m];
  }
  return { theta, beta };
}

/**
 * The one-standard-error test of the tuning searches: a candidate whose held-out rewards per query are `cand`
 * is as good as the best (`best`) when the mean of the paired differences best − cand is at most `se` standard
 * errors of that mean (docs/model.md §5.9–5.10).
 */
export function withinStandardErrors(best: Float64Array, cand: Float64Array, se: number): boolean {
  const n = best.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += best[i] - cand[i];
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (best[i] - cand[i] - mean) ** 2;
  const bound = se * Math.sqrt(ss / Math.max(1, n - 1) / n);
  // a single non-zero difference puts the mean exactly at one standard error: rounding must not decide that
  return mean <= bound + 1e-10 * bound;
}

/**
 * The penalty (from CV_GRID × train size) whose fit picks the models with the most train reward on the held-out
 * folds; `score(fit, q, m)` is the prediction a fit makes. On a tie the stronger penalty wins. With `se` > 0,
 * the strongest penalty whose held-out reward is within `se` standard errors of that best one's, the standard
 * error of their mean difference per train query (docs/model.md §5.10).
 */
export function crossValidatePenalty(
  t: TrainData,
  M: number,
  sums: RidgeNormal[][],
  solve: (s: RidgeNormal[], reg: number) => RidgeFit,
  score: (fit: RidgeFit, q: number, m: number) => number,
  se = 0,
): number {
  const folds = sums.length;
  const n = t.queries.length;
  const total = allFolds(sums);
  // the held-out reward of each train query under each candidate
  const got = CV_GRID.map((g) => {
    const r = new Float64Array(n);
    for (let f = 0; f < folds; f++) {
      const fit = solve(withoutFold(total, sums, f), g * n);
      for (let i = f; i < n; i += folds) {
        const q = t.queries[i];
        let top = -Infinity;
        for (let m = 0; m < M; m++) {
          if (!usable(t, t.rewards, q, m, M)) continue;
          const s = score(fit, q, m);
          if (s > top) ((top = s), (r[i] = t.rewards[q * M + m]));
        }
      }
    }
    return r;
  });
  let b = 0;
  let best = -Infinity;
  got.forEach((r, k) => {
    // summed in fold order, as the search has always added them
    let sum = 0;
    for (let f = 0; f < folds; f++) for (let i = f; i < n; i += folds) sum += r[i];
    if (sum >= best) ((best = sum), (b = k));
  });
  if (se > 0) for (let k = CV_GRID.length - 1; k > b; k--) if (withinStandardErrors(got[b], got[k], se)) return CV_GRID[k] * n;
  return CV_GRID[b] * n;
}

type SharedCache<T> = WeakMap<TrainData, { contexts: ContextSet; byKey: Map<string, T> }>;

/** A cache of what a router fits on a train part, for `shared`. */
export function sharedCache<T>(): SharedCache<T> {
  return new WeakMap();
}

/**
 * What a router fits on a train part, made once per train part, contexts and parameter key and shared by the
 * runs of a replay: a fit is a pure function of them (the runs differ only in query order and RNG), and the
 * fit is most of such a router's cost. Callers must not mutate the shared value.
 */
export function shared<T>(cache: SharedCache<T>, contexts: ContextSet, t: TrainData, key: string, make: () => T): T {
  let e = cache.get(t);
  if (!e || e.contexts !== contexts) {
    e = { contexts, byKey: new Map() };
    cache.set(t, e);
  }
  let v = e.byKey.get(key);
  if (v === undefined) {
    v = make();
    e.byKey.set(key, v);
  }
  return v;
}
