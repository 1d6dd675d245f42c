/**
 * The engine's action set: the pool (add/remove events, pool order) and the latency feasibility mask (§5.7). Per
 * query it fills one reused buffer with the allowed arms: pool ∩ feasible, or the whole pool when no pool
 * arm is feasible (so a policy always answers).
 */
import { UsageError } from '../core/errors.js';
import { valueAt } from '../data/columns.js';
import type { PoolTable } from '../data/pool.js';
import { ArmSet } from '../policies/policy.js';

export class ActionSet {
  readonly pool: ArmSet;
  /** Allowed arms of the last `allowed` call (the pool itself when there is no feasibility mask). */
  readonly buf: Int32Array;

  constructor(
    private readonly nModels: number,
    initial: readonly number[],
    private readonly feasible: Uint8Array | null,
  ) {
    this.pool = new ArmSet(nModels, initial);
    this.buf = new Int32Array(nModels);
    this.sync();
  }

  /** Without a mask the buffer mirrors the pool, so `allowed` copies nothing per step. */
  private sync(): void {
    if (this.feasible) return;
    const list = this.pool.list;
    for (let i = 0; i < list.length; i++) this.buf[i] = list[i];
  }

  /** True when m was not in the pool (the policy must then reset its state for m). */
  add(m: number): boolean {
    const added = this.pool.add(m);
    if (added) this.sync();
    return added;
  }

  remove(m: number): boolean {
    const removed = this.pool.remove(m);
    if (removed) this.sync();
    return removed;
  }

  get size(): number {
    return this.pool.list.length;
  }

  /** Fill `buf` with the arms allowed for query q; returns their count. */
  allowed(q: number): number {
    const list = this.pool.list;
    const feasible = this.feasible;
    if (!feasible) return list.length;
    const base = q * this.nModels;
    let n = 0;
    for (let i = 0; i < list.length; i++) if (feasible[base + list[i]]) this.buf[n++] = list[i];
    if (n > 0) return n;
    for (let i = 0; i < list.length; i++) this.buf[i] = list[i];
    return list.length;
  }
}

/**
 * The regret oracle's value for query q (docs/model.md §3, §5.7): the best present reward among the models in
 * the pool (every model when `inPool` is null), restricted to the feasible ones when any is; NaN when none.
 */
export function bestReward(q: number, M: number, reward: (i: number) => number, present: Uint8Array, inPool: Uint8Array | null, feasible: Uint8Array | null): number {
  const base = q * M;
  let useFeasible = false;
  if (feasible && inPool) {
    for (let m = 0; m < M; m++) {
      if (inPool[m] && feasible[base + m]) {
        useFeasible = true;
        break;
      }
    }
  }
  let best = -Infinity;
  for (let m = 0; m < M; m++) {
    const i = base + m;
    if (!present[i] || (inPool !== null && !inPool[m])) continue;
    if (useFeasible && !feasible![i]) continue;
    const r = reward(i);
    if (r > best) best = r;
  }
  return best === -Infinity ? Number.NaN : best;
}

/**
 * Σ_q of the oracle over every model of the table (docs/model.md §3), under the latency filter over the
 * feasible ones (§5.7; all of them for a query with none): the reference of regret without pool events.
 * Queries without a present cell add nothing. Summed in query order.
 */
export function oracleTotal(rw: { rewards: ArrayLike<number>; oracle: Float64Array }, present: Uint8Array, M: number, feasible: Uint8Array | null): number {
  const Q = rw.oracle.length;
  const all = feasible ? new Uint8Array(M).fill(1) : null;
  const at = (i: number): number => rw.rewards[i];
  let total = 0;
  for (let q = 0; q < Q; q++) {
    const best = all ? bestReward(q, M, at, present, all, feasible) : rw.oracle[q];
    if (!Number.isNaN(best)) total += best;
  }
  return total;
}

/**
 * Feasibility under a latency bound: a model is feasible for a query when its mean latency on that query's
 * task (its profile, as the offline profiling stage would give) is within the bound.
 */
export function latencyFeasibility(t: PoolTable, maxLatency: number): { feasible: Uint8Array; infeasibleQueries: number } {
  const M = t.nModels;
  const T = t.tasks.length;
  const sum = new Float64Array(T * M);
  const cnt = new Float64Array(T * M);
  for (let q = 0; q < t.nQueries; q++) {
    const k = t.queryTask[q];
    for (let m = 0; m < M; m++) {
      const i = q * M + m;
      const l = valueAt(t.latencyS, i);
      if (t.present[i] && !Number.isNaN(l)) {
        sum[k * M + m] += l;
        cnt[k * M + m]++;
      }
    }
  }
  let any = false;
  for (let i = 0; i < T * M; i++) if (cnt[i] > 0) any = true;
  if (!any) throw new UsageError('maximum latency: the dataset has no latency values');
  const feasible = new Uint8Array(t.nQueries * M);
  let infeasibleQueries = 0;
  for (let q = 0; q < t.nQueries; q++) {
    const k = t.queryTask[q];
    let n = 0;
    for (let m = 0; m < M; m++) {
      const c = cnt[k * M + m];
      const ok = c > 0 && sum[k * M + m] / c <= maxLatency ? 1 : 0;
      feasible[q * M + m] = ok;
      n += ok;
    }
    if (n === 0) infeasibleQueries++;
  }
  return { feasible, infeasibleQueries };
}
