/**
 * The policy interface. The engine owns the action set: per query it hands a policy the models in the pool
 * and feasible for that query; the policy picks one and is told only that model's reward (partial feedback,
 * docs/model.md §5). A learning policy's environment holds no reward data at all; hindsight baselines get theirs
 * through their factory.
 */
import type { MetricColumn, ModelInfo } from '../data/pool.js';
import type { Rng } from '../core/rng.js';
import type { ContextSet } from '../features/context.js';
import type { DecisionRules } from '../core/semantics.js';

export type { Semantics } from '../core/semantics.js';

/** What every policy may see: contexts, model descriptions, its own RNG and the decision rules of the run. */
export interface PolicyEnv {
  contexts: ContextSet;
  models: ModelInfo[];
  nModels: number;
  /** Model indices in the pool at the start, in pool order (later changes come as addArm/removeArm). */
  initialArms: readonly number[];
  /** The policy's own RNG, seeded by the caller. */
  rng: Rng;
  /**
   * Steps of the stream the policy will see (T of docs/model.md §11.1, §11.8). Not `contexts.nQueries`: under a
   * train/test split the contexts also hold the train rows.
   */
  horizon: number;
  /** Tie rule and Thompson covariance, resolved from the run's semantics (docs/model.md §6). */
  rules: DecisionRules;
  /** The run's budget (`--budget`), or absent; budgeted policies need it (docs/model.md §11.1). */
  budget?: BudgetSpec | null;
}

/**
 * A budget on the average over the stream: energy in Wh per query, dollars per query, or the p95 latency in
 * seconds. Policies learn against it through `updateCost`, a signal whose stream mean must stay ≤ 1
 * (docs/model.md §11.1).
 */
export interface BudgetSpec {
  kind: 'energy' | 'usd' | 'latency';
  limit: number;
}

/** Hindsight data over the whole table: only factories with `hindsight: true` receive it. */
export interface HindsightData {
  /** Q×M reward table (float32 or float64, as the run's reward table) and presence mask. */
  rewards: MetricColumn;
  present: Uint8Array;
  /**
   * Under drift (docs/model.md §11.2): the reward of cell i at the current step, the value the engine scores
   * the choice with and takes its oracle from; valid during `select`. Absent without drift (then `rewards[i]`).
   */
  reward?: (i: number) => number;
  /**
   * Per-model means over present cells (static baselines rank models with them): over the table, or under
   * drift over the run's stream, each query at the step it is served.
   */
  meanReward: Float64Array;
  meanAccuracy: Float64Array;
  /**
   * Per-model reward per query over all queries (of the table, or of the run's stream under drift), a missing
   * cell scoring 0 as the engine scores it; best-static ranks by it. Absent: meanReward is used.
   */
  staticReward?: Float64Array;
}

/**
 * The train part of a train/test split (full information on the train queries only): supervised and
 * warm-started routers fit on it; only factories with `train: true` receive it. Arrays are Q×M row-major over
 * the whole table, but only rows listed in `queries` may be read.
 */
export interface TrainData {
  /** Train query indices (rows of `env.contexts`), in table order. */
  queries: Int32Array;
  /** Reward at the run's λ (docs/model.md §2); NaN where absent. */
  rewards: Float64Array;
  /** Accuracy in [0, 1]; NaN where absent. */
  accuracy: Float64Array;
  /** The reward's normalised cost term (energy, usd or latency, in [0, 1]); NaN where absent. */
  cost: MetricColumn;
  present: Uint8Array;
  lambda: number;
  /** The reward is a user expression (--reward), not r_λ of accuracy and cost (docs/model.md §2.3). */
  customReward?: boolean;
}

export interface Policy {
  readonly name: string;
  /**
   * Pick a model for query q among `arms[0..n)`: the engine's allowed arms (pool ∩ feasible, or the whole
   * pool when none is feasible), in pool order. `arms` is a reused buffer, valid during the call only.
   */
  select(q: number, arms: Int32Array, n: number): number;
  /** Feedback for the chosen model only. */
  update(q: number, arm: number, reward: number): void;
  /**
   * Under a budget: the chosen model's cost signal (its cost over the budget, docs/model.md §11.1), told right
   * after the choice for every decision, since a meter needs no label. Policies without a budget omit it.
   */
  updateCost?(q: number, arm: number, cost: number): void;
  /** A model (re)joins the pool: its state starts fresh. */
  addArm(m: number): void;
  /** A model leaves the pool. */
  removeArm(m: number): void;
  /**
   * Probability that `select(q, arms, n)` picks model m in the policy's current state (before `update`), for
   * routing logs (docs/model.md §9). Exact where it has a closed form; a policy
   * that can only estimate it draws from `mc`, an RNG its caller owns, never from its own. Optional.
   */
  propensity?(q: number, arms: Int32Array, n: number, m: number, mc: Rng): number;
  /**
   * The run is over and the policy will not be called again: it may hand resources back for reuse (the linear
   * policies' WebAssembly kernels). Optional; the engine calls it after a run's last step.
   */
  dispose?(): void;
  /**
   * Settings a router fitted on the train part (e.g. a cross-validated penalty, or k, where the parameter
   * was left at 0), reported in summary.json so the choice can be checked. Optional; called after a run.
   */
  fitted?(): Params;
}

export interface ParamSpec {
  name: string;
  default: number;
  min?: number;
  max?: number;
  /** Exclusive lower bound (e.g. variances must be > 0). */
  positive?: boolean;
  /** Only whole numbers (a neighbour count, a window length, a 0/1 switch). */
  integer?: boolean;
  description: string;
}

export type Params = Record<string, number>;

export interface PolicyFactory<P extends Params = Params> {
  name: string;
  description: string;
  contextual: boolean;
  /** Parsing, validation and help of the parameters; `create` receives them as the typed object P. */
  params: ParamSpec[];
  /** Picks never depend on the reward (so a λ sweep simulates the policy once). */
  rewardIndependent: boolean;
  /** The factory needs `HindsightData` (baselines); learning policies never get it. */
  hindsight: boolean;
  /** The factory needs `TrainData` (supervised and warm-started routers; only under a train/test split). */
  train?: boolean;
  /** The policy needs the run's budget (`env.budget`); a run without one is refused before it starts. */
  budget?: boolean;
  create(env: PolicyEnv, params: P, hindsight?: HindsightData, train?: TrainData): Policy;
}

/** The hindsight data a baseline factory was promised (a caller bug when absent). */
export function needHindsight(name: string, h: HindsightData | undefined): HindsightData {
  if (!h) throw new Error(`policy '${name}' needs hindsight data`);
  return h;
}

/** Default parameters of a factory as its typed object. */
export function defaultParams<P extends Params>(f: PolicyFactory<P>): P {
  const out: Params = {};
  for (const p of f.params) out[p.name] = p.default;
  return out as P;
}

/** Ordered set of active arms with O(1) membership; keeps pool order (additions go last, docs/model.md §7 X4). */
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

/** A policy without per-arm state: pool notifications are no-ops. */
export abstract class StatelessPolicy implements Policy {
  abstract readonly name: string;
  abstract select(q: number, arms: Int32Array, n: number): number;
  update(_q: number, _arm: number, _reward: number): void {}
  addArm(_m: number): void {}
  removeArm(_m: number): void {}
}
