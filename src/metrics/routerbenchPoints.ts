/**
 * The analytic operating points RouterBench scores routers against, read off the table: each single model's
 * and the hindsight oracle's mean cost and quality per task over present cells.
 */
import type { PoolTable } from '../data/pool.js';

export interface ModelPoint {
  cost: number;
  quality: number;
}

/** Mean cost and quality per model and task over present cells; slot T is all prompts. */
export function modelPoints(t: PoolTable): ModelPoint[][] {
  const T = t.tasks.length;
  const M = t.nModels;
  const cost = t.costUsd!;
  const sc = new Float64Array((T + 1) * M);
  const sa = new Float64Array((T + 1) * M);
  const n = new Float64Array((T + 1) * M);
  for (let q = 0; q < t.nQueries; q++) {
    const k = t.queryTask[q];
    for (let m = 0; m < M; m++) {
      const i = q * M + m;
      if (!t.present[i] || !Number.isFinite(cost[i]) || !Number.isFinite(t.accuracy[i])) continue;
      for (const kk of [k, T]) {
        sc[kk * M + m] += cost[i];
        sa[kk * M + m] += t.accuracy[i];
        n[kk * M + m]++;
      }
    }
  }
  return Array.from({ length: M }, (_, m) =>
    Array.from({ length: T + 1 }, (_, k) => {
      const c = n[k * M + m];
      return c ? { cost: sc[k * M + m] / c, quality: sa[k * M + m] / c } : { cost: Number.NaN, quality: Number.NaN };
    }),
  );
}

/** Per prompt: best quality, cheapest among ties (RouterBench's oracle); mean per task, slot T all prompts. */
export function oraclePoints(t: PoolTable): ModelPoint[] {
  const T = t.tasks.length;
  const M = t.nModels;
  const cost = t.costUsd!;
  const sc = new Float64Array(T + 1);
  const sa = new Float64Array(T + 1);
  const n = new Float64Array(T + 1);
  for (let q = 0; q < t.nQueries; q++) {
    let bq = -Infinity;
    let bc = Infinity;
    for (let m = 0; m < M; m++) {
      const i = q * M + m;
      if (!t.present[i] || !Number.isFinite(cost[i]) || !Number.isFinite(t.accuracy[i])) continue;
      const a = t.accuracy[i];
      if (a > bq || (a === bq && cost[i] < bc)) {
        bq = a;
        bc = cost[i];
      }
    }
    if (bq === -Infinity) continue;
    for (const k of [t.queryTask[q], T]) {
      sc[k] += bc;
      sa[k] += bq;
      n[k]++;
    }
  }
  return Array.from({ length: T + 1 }, (_, k) => (n[k] ? { cost: sc[k] / n[k], quality: sa[k] / n[k] } : { cost: Number.NaN, quality: Number.NaN }));
}
