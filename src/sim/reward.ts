/**
 * Reward table and oracle (docs/model.md §2–3). Computed once per (table, λ) so the per-step loop is a lookup.
 *   a = clip(acc, 0, 1); e = clip((ept − min_t)/(max_t − min_t), 0, 1); r = clip((1−λ)·a + λ·(1−e), 0, 1)
 * A NaN term (missing value, zero tokens, missing or equal bounds) becomes 0.5 (docs/model.md §2.2).
 * `costScale: 'log'` min–max normalises log(cost) instead, for costs spanning orders of magnitude.
 */
import { UsageError } from '../core/errors.js';
import { energyPerToken, perTaskRange, type PoolTable } from '../data/pool.js';
import { valueAt, type MetricColumn } from '../data/columns.js';
import { clamp, compileRewardExpression, REWARD_VARIABLES, type RewardSource } from './rewardExpression.js';

/** Which per-query cost the reward's cost term normalises: energy per token (docs/model.md §2–3), dollar cost or latency. */
export type CostKind = 'energy' | 'usd' | 'latency';

/**
 * What the energy cost is normalised per: energy per token (docs/model.md §2–3), or, for a table without any token
 * counts, energy per query — otherwise every cost term would be undefined (0.5) and λ would change nothing.
 */
type EnergyBasis = 'per-token' | 'per-query';

/** Internal cost kinds: the energy cost split by its basis. */
type CostSource = Exclude<CostKind, 'energy'> | 'energy-token' | 'energy-query';

/** Scale on which the cost is min–max normalised (default linear, the reference's choice). */
export type CostScale = 'linear' | 'log';

export interface RewardOptions {
  lambda: number;
  cost?: CostKind;
  /**
   * 'log': e = (log v − log lo)/(log hi − log lo) per task. Costs ≤ 0 count as the task's smallest positive
   * cost, since log is undefined there.
   */
  costScale?: CostScale;
  /** A user scalarisation over the pair's metrics (mathjs syntax), replacing the formula above. */
  expression?: string;
  /** Where the expression came from, for messages (default: the setting's name, reward). */
  expressionSource?: RewardSource;
}

export interface RewardTable {
  lambda: number;
  cost: CostKind;
  costScale: CostScale;
  expression: string | null;
  /** For the energy cost: per token, or per query when the table has no token counts; null for other costs. */
  energyBasis: EnergyBasis | null;
  /** Things the user should know about the reward (e.g. a cost term that is constant). */
  warnings: string[];
  /**
   * Q×M rewards; 0 where the cell is missing (a lookup miss scores 0, docs/model.md §2–3). Float32 when the
   * table stores its accuracy and cost in float32 or bytes (src/data/columns.ts), float64 otherwise.
   */
  rewards: MetricColumn;
  /** Q×M normalised cost term e ∈ [0,1] (0.5 where undefined); stored as `rewards`. */
  costNorm: MetricColumn;
  /** Per query: best reward over all present cells (the full-pool oracle, docs/model.md §2–3); NaN if the query has none. */
  oracle: Float64Array;
}

function clip01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

/** Min–max normalisation, clipped; 0.5 when undefined (docs/model.md §2.2). */
function normalise(v: number, lo: number, hi: number): number {
  if (Number.isNaN(v) || Number.isNaN(lo) || Number.isNaN(hi) || !(hi > lo)) return 0.5;
  return clip01((v - lo) / (hi - lo));
}

/** Per token unless no present cell has a token count while some has an energy. */
function energyBasis(t: PoolTable): EnergyBasis {
  let energy = false;
  for (let i = 0; i < t.present.length; i++) {
    if (!t.present[i]) continue;
    if (valueAt(t.inputTokens, i) + valueAt(t.outputTokens, i) > 0) return 'per-token';
    if (Number.isFinite(t.energyJ[i])) energy = true;
  }
  return energy ? 'per-query' : 'per-token';
}

/** Whether accuracy and the cost's columns are all stored narrower than float64 (absent ones count as narrow). */
function narrowInputs(t: PoolTable, source: CostSource): boolean {
  const narrow = (c: ArrayLike<number> | null): boolean => !(c instanceof Float64Array);
  if (!narrow(t.accuracy)) return false;
  if (source === 'energy-token') return narrow(t.energyJ) && narrow(t.inputTokens) && narrow(t.outputTokens);
  if (source === 'energy-query') return narrow(t.energyJ);
  return narrow(source === 'usd' ? t.costUsd : t.latencyS);
}

/** Whether any present cell has a latency (a latency cost, bound or drift needs some). */
export function hasLatency(t: PoolTable): boolean {
  const lat = t.latencyS;
  if (lat) for (let i = 0; i < t.present.length; i++) if (t.present[i] && !Number.isNaN(lat[i])) return true;
  return false;
}

/** Whether any present cell has an energy (RouterBench has none without an energy model). */
export function hasEnergy(t: PoolTable): boolean {
  for (let i = 0; i < t.present.length; i++) if (t.present[i] && Number.isFinite(t.energyJ[i])) return true;
  return false;
}

/** Raw per-cell cost value for the chosen cost kind. */
function rawCost(t: PoolTable, i: number, kind: CostSource): number {
  if (kind === 'energy-token') return energyPerToken(t, i);
  if (kind === 'energy-query') return t.energyJ[i];
  if (kind === 'usd') return t.costUsd ? t.costUsd[i] : Number.NaN;
  return valueAt(t.latencyS, i);
}

/** Per-task smallest positive cost over present cells (Infinity when there is none): the log scale's floor. */
function positiveFloor(t: PoolTable, kind: CostSource): Float64Array {
  return perTaskRange(t, (i) => {
    const v = rawCost(t, i, kind);
    return v > 0 ? v : Number.NaN;
  }).lo;
}

function logCost(v: number, floor: number): number {
  if (Number.isNaN(v)) return Number.NaN;
  if (v > 0) return Math.log(v);
  return Number.isFinite(floor) ? Math.log(floor) : Number.NaN;
}

/** Per-task min/max of a cost kind; energy uses the table's task bounds (given or computed). */
function costBounds(t: PoolTable, kind: CostSource): { lo: Float64Array; hi: Float64Array } {
  const T = t.tasks.length;
  const lo = new Float64Array(T).fill(Infinity);
  const hi = new Float64Array(T).fill(-Infinity);
  if (kind === 'energy-token') {
    t.tasks.forEach((name, k) => {
      const b = t.taskBounds.get(name);
      lo[k] = b ? b.eptMin : Number.NaN;
      hi[k] = b ? b.eptMax : Number.NaN;
    });
    return { lo, hi };
  }
  const r = perTaskRange(t, (i) => rawCost(t, i, kind));
  lo.set(r.lo);
  hi.set(r.hi);
  for (let k = 0; k < T; k++) if (!Number.isFinite(lo[k])) lo[k] = hi[k] = Number.NaN;
  return { lo, hi };
}

/**
 * The per-task bounds a run normalises its cost with (docs/model.md §2.1), on the scale used (logs under
 * `costScale: log`), with the log scale's floor. Fixed for the whole run: drifted tables reuse them (§11.2).
 */
export interface CostBounds {
  lo: Float64Array;
  hi: Float64Array;
  /** Per task smallest positive raw cost (log scale only; null otherwise). */
  floor: Float64Array | null;
}

function costSourceOf(t: PoolTable, opts: RewardOptions): { source: CostSource; basis: EnergyBasis | null } {
  const cost = opts.cost ?? 'energy';
  const basis = cost === 'energy' ? energyBasis(t) : null;
  return { source: cost === 'energy' ? (basis === 'per-query' ? 'energy-query' : 'energy-token') : cost, basis };
}

/** The cost bounds of a table under a run's options. */
export function costBoundsOf(t: PoolTable, opts: RewardOptions): CostBounds {
  const { source } = costSourceOf(t, opts);
  const { lo, hi } = costBounds(t, source);
  if ((opts.costScale ?? 'linear') !== 'log') return { lo, hi, floor: null };
  // monotone transform: the bounds of log v are the logs of the bounds
  const floor = positiveFloor(t, source);
  for (let k = 0; k < lo.length; k++) {
    lo[k] = logCost(lo[k], floor[k]);
    hi[k] = logCost(hi[k], floor[k]);
  }
  return { lo, hi, floor };
}

/** Rewards of a table; `bounds` overrides the table's own cost bounds (a drifted table keeps the run's, §11.2). */
export async function buildRewards(t: PoolTable, opts: RewardOptions, bounds?: CostBounds): Promise<RewardTable> {
  const { lambda } = opts;
  if (!(lambda >= 0 && lambda <= 1)) throw new UsageError(`λ must be in [0, 1], got ${lambda}`);
  const cost = opts.cost ?? 'energy';
  if (cost === 'usd' && !t.costUsd) throw new UsageError(`cost usd: dataset '${t.name}' has no cost_usd column`);
  // without a latency the cost term would be 0.5 everywhere: refused as a missing dollar cost is
  if (cost === 'latency' && !hasLatency(t)) throw new UsageError(`cost latency: dataset '${t.name}' has no latency values`);
  const M = t.nModels;
  const n = t.nQueries * M;
  const costScale = opts.costScale ?? 'linear';
  if (costScale !== 'linear' && costScale !== 'log') throw new UsageError(`cost scale must be linear or log, got '${String(costScale)}'`);
  const { source, basis } = costSourceOf(t, opts);
  // float32 when the columns it is computed from hold no more (src/data/columns.ts): half the memory
  const Column = opts.expression === undefined && narrowInputs(t, source) ? Float32Array : Float64Array;
  const rewards = new Column(n);
  const costNorm = new Column(n);
  const warnings: string[] = [];
  if (cost === 'energy' && lambda > 0 && opts.expression === undefined && !hasEnergy(t)) {
    warnings.push(`'${t.name}' has no energy values: the cost term is 0.5 for every cell, so λ = ${lambda} only scales the accuracy term (add energy_j, or choose the usd or latency cost)`);
  }
  const { lo, hi, floor } = bounds ?? costBoundsOf(t, opts);
  for (let q = 0; q < t.nQueries; q++) {
    const k = t.queryTask[q];
    for (let m = 0; m < M; m++) {
      const i = q * M + m;
      const v = rawCost(t, i, source);
      costNorm[i] = normalise(floor ? logCost(v, floor[k]) : v, lo[k], hi[k]);
    }
  }
  if (opts.expression !== undefined) {
    await evaluateExpression(t, opts.expression, opts.expressionSource ?? {}, lambda, costNorm, rewards);
  } else {
    for (let i = 0; i < n; i++) {
      if (!t.present[i]) continue;
      const acc = t.accuracy[i];
      const a = Number.isNaN(acc) ? 0.5 : clip01(acc);
      rewards[i] = clip01((1 - lambda) * a + lambda * (1 - costNorm[i]));
    }
  }
  const oracle = new Float64Array(t.nQueries);
  for (let q = 0; q < t.nQueries; q++) {
    let best = -Infinity;
    for (let m = 0; m < M; m++) {
      const i = q * M + m;
      if (t.present[i] && rewards[i] > best) best = rewards[i];
    }
    oracle[q] = best === -Infinity ? Number.NaN : best;
  }
  return { lambda, cost, costScale, expression: opts.expression ?? null, energyBasis: basis, warnings, rewards, costNorm, oracle };
}

/** The table's column behind each variable that may be absent, for naming the cause of a NaN. */
const COLUMN_OF: Partial<Record<string, (t: PoolTable) => unknown>> = {
  cost_usd: (t) => t.costUsd,
  latency_s: (t) => t.latencyS,
  tokens: (t) => t.inputTokens ?? t.outputTokens,
};

/** ': x is missing there (…)' for the variables the expression names that are NaN in this cell, or ''. */
function missingInputs(t: PoolTable, expr: string, scope: Record<string, unknown>): string {
  const names = REWARD_VARIABLES.filter((k) => Number.isNaN(scope[k]) && new RegExp(`\\b${k}\\b`).test(expr));
  if (!names.length) return '';
  const absent = names.filter((k) => COLUMN_OF[k]?.(t) === null).map((k) => `the table has no ${k} column`);
  return `: ${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} missing there${absent.length ? ` (${absent.join('; ')})` : ''}`;
}

/**
 * Evaluate a user reward expression (checked against the sandbox whitelist and compiled first) once per
 * present cell.
 */
async function evaluateExpression(t: PoolTable, expr: string, src: RewardSource, lambda: number, costNorm: ArrayLike<number>, out: MetricColumn): Promise<void> {
  const code = await compileRewardExpression(expr, src);
  const where = src.file ? `${src.file}: ${src.field ?? 'reward'}` : (src.option ?? src.field ?? 'reward');
  const M = t.nModels;
  const scope: Record<string, unknown> = { clamp };
  for (let q = 0; q < t.nQueries; q++) {
    for (let m = 0; m < M; m++) {
      const i = q * M + m;
      if (!t.present[i]) continue;
      scope.accuracy = t.accuracy[i];
      scope.energy_norm = costNorm[i];
      scope.energy_j = t.energyJ[i];
      scope.latency_s = valueAt(t.latencyS, i);
      scope.tokens = valueAt(t.inputTokens, i) + valueAt(t.outputTokens, i);
      scope.cost_usd = t.costUsd ? t.costUsd[i] : Number.NaN;
      scope.lambda = lambda;
      let v: unknown;
      try {
        v = code(scope);
      } catch (e) {
        throw new UsageError(`${where} '${expr}' failed for query '${t.queryIds[q]}', model '${t.models[m].id}': ${(e as Error).message}`);
      }
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        const cell = `for query '${t.queryIds[q]}', model '${t.models[m].id}'`;
        if (typeof v === 'boolean') throw new UsageError(`${where} '${expr}' gave ${v}, a true/false value, not a number (write c ? 1 : 0) ${cell}`);
        throw new UsageError(`${where} '${expr}' gave a non-finite value (${String(v)}) ${cell}${missingInputs(t, expr, scope)}`);
      }
      out[i] = v;
    }
  }
}
