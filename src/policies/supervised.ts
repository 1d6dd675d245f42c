/** What the routers trained on the train part of a split share (knn, predictive, warm-linucb, warm-thompson). */
import { UsageError } from '../core/errors.js';
import type { TrainData } from './policy.js';

/** The train data a `train: true` factory needs: without a train/test split the policy cannot run. */
export function needTrain(name: string, t: TrainData | undefined): TrainData {
  if (!t) throw new UsageError(`policy '${name}' is trained on the train part of a split: run it with --split <fraction> or --train <source>`);
  return t;
}

/** A parameter that must be a whole number (parameters are numbers on the command line). */
export function wholeParam(policy: string, name: string, v: number): number {
  if (!Number.isInteger(v)) throw new UsageError(`parameter ${policy}.${name} must be a whole number, got ${v}`);
  return v;
}

/** Cell (q, m) of the train part is usable for a target: present and finite. */
export function usable(t: TrainData, target: Float64Array, q: number, m: number, M: number): boolean {
  const k = q * M + m;
  return t.present[k] === 1 && Number.isFinite(target[k]);
}

/** Per-model mean of a target over the usable train cells (NaN for a model with none). */
export function trainMeans(t: TrainData, target: Float64Array, M: number): Float64Array {
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
