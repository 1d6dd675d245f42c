/**
 * The engine's action set: the pool (add/remove events, pool order) and the latency feasibility mask. Per
 * query it fills one reused buffer with the allowed arms: pool ∩ feasible, or the whole pool when no pool
 * arm is feasible (so a policy always answers).
 */
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
