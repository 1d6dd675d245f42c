/**
 * Per-(model, task) mean accuracy the replica is built to. The recovered per-task means rest on 136–500 sampled
 * queries each, so their average misses the per-model mean over all 2,500 queries in Fig. 2b (yi-34b: 0.360 against
 * 0.3842). The targets move each recovered value by the least squared shift in units of its standard error that
 * makes the five-task mean equal Fig. 2b: shift_t = D·se_t² / Σ se², D = 5·fig − Σ recovered. The binary tasks are
 * then rounded to whole queries and cnn_dailymail (continuous) absorbs the rounding, so the overall mean is exact.
 */
import { CALIBRATION_TASKS, QUERIES_PER_TASK, taskIndexOf, type ModelCalibration, type PerTask } from './calibration.js';

const CNN = taskIndexOf('cnn_dailymail');

export function accuracyTargets(cal: ModelCalibration): PerTask {
  const K = CALIBRATION_TASKS.length;
  let sum = 0;
  let sumVar = 0;
  for (let k = 0; k < K; k++) {
    sum += cal.accuracy[k];
    sumVar += cal.accuracySe[k] ** 2;
  }
  const gap = K * cal.meanAccuracy - sum;
  const out: [number, number, number, number, number] = [0, 0, 0, 0, 0];
  let binarySum = 0;
  for (let k = 0; k < K; k++) {
    if (k === CNN) continue;
    const shifted = cal.accuracy[k] + (gap * cal.accuracySe[k] ** 2) / sumVar;
    out[k] = Math.round(Math.min(1, Math.max(0, shifted)) * QUERIES_PER_TASK) / QUERIES_PER_TASK;
    binarySum += out[k];
  }
  out[CNN] = K * cal.meanAccuracy - binarySum;
  return out;
}
