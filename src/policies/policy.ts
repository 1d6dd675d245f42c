/**
 * The policy interface. A policy sees a query's context, picks one model among the arms currently in the
 * pool (and feasible for the query), and is told only that model's reward (partial feedback, spec §0).
 */
import type { ModelInfo } from '../data/pool.js';
import type { Rng } from '../core/rng.js';
import type { ContextSet } from '../features/context.js';

export type Semantics = 'repo' | 'paper';

export interface PolicyEnv {
  contexts: ContextSet;
  models: ModelInfo[];
  nModels: number;
  /** Model indices in the pool at the start. */
  initialArms: readonly number[];
  /** Q×M feasibility (1 = allowed) from the latency filter, or null for no filter. */
  feasible: Uint8Array | null;
  /** The policy's own RNG, seeded by the caller. */
  rng: Rng;
  semantics: Semantics;
  /** Q×M reward table and presence mask: only hindsight baselines (oracle) read them. */
  rewards: Float64Array;
  present: Uint8Array;
  /** Per-model hindsight statistics over the whole table (static baselines rank models with them). */
  modelStats: { meanReward: Float64Array; meanAccuracy: Float64Array };
}

export interface Policy {
  readonly name: string;
  /** Pick a model index for query q. */
  select(q: number): number;
  /** Feedback for the chosen model only. */
  update(q: number, arm: number, reward: number): void;
  /** Put a model (back) into the pool with fresh state. */
  addArm(m: number): void;
  /** Take a model out of the pool; its state is dropped. */
  removeArm(m: number): void;
  /** Model indices currently in the pool, in pool order. */
  arms(): readonly number[];
}

export interface ParamSpec {
  name: string;
  default: number;
  min?: number;
  max?: number;
  /** Exclusive lower bound (e.g. variances must be > 0). */
  positive?: boolean;
  description: string;
}

export interface PolicyFactory {
  name: string;
  description: string;
  contextual: boolean;
  params: ParamSpec[];
  create(env: PolicyEnv, params: Record<string, number>): Policy;
}

/** Ordered set of active arms with O(1) membership; keeps pool order (additions go last, spec §5 X4). */
export class ArmSet {
  readonly list: number[] = [];
  readonly member: Uint8Array;

  constructor(nModels: number, initial: readonly number[]) {
    this.member = new Uint8Array(nModels);
    for (const m of initial) this.add(m);
  }

  add(m: number): boolean {
    if (this.member[m]) return false;
    this.member[m] = 1;
    this.list.push(m);
    return true;
  }

  remove(m: number): boolean {
    if (!this.member[m]) return false;
    this.member[m] = 0;
    this.list.splice(this.list.indexOf(m), 1);
    return true;
  }
}

/**
 * What every policy shares: the pool of arms, in pool order, with add/remove. A policy with per-arm
 * state resets it in `resetArm` when a model (re)joins.
 */
export abstract class PoolPolicy implements Policy {
  abstract readonly name: string;
  protected readonly set: ArmSet;

  constructor(protected readonly env: PolicyEnv) {
    this.set = new ArmSet(env.nModels, env.initialArms);
  }

  abstract select(q: number): number;
  abstract update(q: number, arm: number, reward: number): void;

  /** Fresh state for a model joining the pool. */
  protected resetArm(_m: number): void {}

  addArm(m: number): void {
    if (this.set.add(m)) this.resetArm(m);
  }

  removeArm(m: number): void {
    this.set.remove(m);
  }

  arms(): readonly number[] {
    return this.set.list;
  }
}

/**
 * Uniform choice among the arms feasible for q (all arms when none is feasible, so a policy always answers).
 */
export function uniformArm(arms: ArmSet, feasible: Uint8Array | null, q: number, M: number, rng: Rng): number {
  const list = arms.list;
  if (!feasible) return list[rng.int(list.length)];
  const base = q * M;
  let n = 0;
  for (let i = 0; i < list.length; i++) if (feasible[base + list[i]]) n++;
  if (n === 0) return list[rng.int(list.length)];
  let k = rng.int(n);
  for (let i = 0; i < list.length; i++) {
    if (feasible[base + list[i]] && k-- === 0) return list[i];
  }
  return list[0];
}

/** True when arm m may be chosen for q. */
export function isFeasible(feasible: Uint8Array | null, q: number, M: number, m: number): boolean {
  return feasible === null || feasible[q * M + m] === 1;
}

/** True when at least one active arm is feasible for q (otherwise policies fall back to every arm). */
export function anyFeasible(arms: ArmSet, feasible: Uint8Array | null, q: number, M: number): boolean {
  if (!feasible) return true;
  const base = q * M;
  for (const m of arms.list) if (feasible[base + m]) return true;
  return false;
}
