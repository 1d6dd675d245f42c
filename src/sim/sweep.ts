/**
 * Trade-off sweep: the replay of sim/engine.ts once per λ of a grid, with the dollar cost as the reward's
 * cost term, reduced to one (mean cost per query, mean quality) pair per policy × λ × run × task — the
 * operating points RouterBench scores with AIQ. Pure: no files.
 */
import { UsageError } from '../core/errors.js';
import type { PoolTable } from '../data/pool.js';
import type { ComplexityBinning, ContextSet } from '../features/context.js';
import { contextsFor, type ContextFeature } from '../features/contextsFor.js';
import type { Semantics } from '../policies/policy.js';
import { resolvePolicies, type ResolvedPolicy } from '../policies/registry.js';
import { runSeed, simulate, type OracleMode, type SimConfig } from './engine.js';
import { TaskTallyRecorder } from './recorders.js';
import { buildRewards, costBoundsOf, type CostScale, type RewardTable } from './reward.js';
import { resolveScenario, usesScenario, type ScenarioSettings } from './scenarioConfig.js';
import { headRewards } from './protocol.js';
import type { TrainData } from '../policies/policy.js';
import type { RunMetrics } from './recorders.js';
import { MAX_LAMBDAS } from './limits.js';
import { offThreadScript, runPool, type PoolInit } from './workers.js';

export interface SweepOptions {
  policies: string[];
  params: string[];
  lambdas: number[];
  runs: number;
  seed: number;
  semantics: Semantics;
  features: ContextFeature[];
  binning?: ComplexityBinning;
  /** Dimension of `embed` contexts (default 64). */
  embedDim?: number;
  costScale?: CostScale;
  /** Regret oracle of the replay (default full); it does not affect the operating points. */
  oracle?: OracleMode;
  /** Worker threads over the λ grid (1: in this thread). */
  jobs?: number;
  /** Budget, drift and late or sampled feedback of every replay (docs/model.md §11); the operating points follow them. */
  scenario?: ScenarioSettings;
}

export interface SweepResult {
  lambdas: number[];
  policyNames: string[];
  params: Record<string, number>[];
  /** The table's tasks (eval families); slot `tasks.length` of the last axis is all prompts. */
  tasks: string[];
  runs: number;
  runSeeds: number[];
  /** Prompts per task, then all. */
  taskQueries: number[];
  /**
   * Per λ × policy × run × (task…, all), at index ((l·P + p)·R + r)·(T + 1) + k: mean USD cost per prompt
   * and mean quality of the chosen cells. A chosen cell missing from the table scores quality 0 and costs 0.
   */
  cost: Float64Array;
  quality: Float64Array;
  misses: Float64Array;
  d: number;
}

export function sweepIndex(s: SweepResult, l: number, p: number, r: number, k: number): number {
  return ((l * s.policyNames.length + p) * s.runs + r) * (s.tasks.length + 1) + k;
}

export type SweepProgress = (done: number, total: number, label: string) => void;

export function parseLambdaGrid(raw: string): number[] {
  const parts = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (parts.length === 0) throw new UsageError('--lambdas: no value given');
  if (parts.length > MAX_LAMBDAS) throw new UsageError(`--lambdas: ${parts.length} values, at most ${MAX_LAMBDAS} (see docs/limits.md)`);
  const out = parts.map((s) => {
    const v = Number(s);
    if (!Number.isFinite(v) || v < 0 || v > 1) throw new UsageError(`--lambdas: '${s}' is not a number in [0, 1]`);
    return v;
  });
  if (new Set(out).size !== out.length) throw new UsageError(`--lambdas: '${raw}' repeats a value`);
  return out;
}

/** 0, 0.1, …, 1 without accumulated round-off. */
export const DEFAULT_LAMBDAS: readonly number[] = Array.from({ length: 11 }, (_, i) => i / 10);

/** One λ of the sweep: per policy × run × (task…, all) block of the result arrays. */
export interface LambdaBlock {
  cost: Float64Array;
  quality: Float64Array;
  misses: Float64Array;
  runSeeds: number[];
  /** Per policy × run metrics (protocol sweeps only). */
  metrics?: RunMetrics[][];
}

/** A train/test split of a sweep (docs/model.md §13): rewards come from the stack, train data from its train rows. */
interface SweepSplit {
  stack: PoolTable;
  nTest: number;
  train: (rw: RewardTable) => TrainData;
}

export async function sweepLambda(
  table: PoolTable,
  contexts: ContextSet,
  policies: ResolvedPolicy[],
  o: SweepOptions,
  lambda: number,
  progress?: (done: number, total: number, label: string) => void,
  skip: readonly boolean[] = [],
  split?: SweepSplit,
): Promise<LambdaBlock> {
  const P = policies.length;
  const R = o.runs;
  const T = table.tasks.length;
  const K = T + 1;
  const Q = table.nQueries;
  const taskQueries = countTaskQueries(table);
  // a policy's RNG and the query orders do not depend on which other policies run, so skipping is safe
  const run = policies.map((_, p) => !skip[p]);
  const ran = policies.filter((_, p) => run[p]);
  const tally = new TaskTallyRecorder(table, ran.length);
  const rewardOptions = { lambda, cost: 'usd' as const, costScale: o.costScale };
  const full = await buildRewards(split ? split.stack : table, rewardOptions);
  const rw = split ? headRewards(full, split.nTest, table.nModels) : full;
  // drifted rewards keep the cost bounds the rewards were scored with (the whole stack under a split)
  const scenario = o.scenario && usesScenario(o.scenario) ? await resolveScenario(table, rw, rewardOptions, o.scenario, '', split ? costBoundsOf(split.stack, rewardOptions) : undefined) : undefined;
  const cfg: SimConfig = {
    runs: R,
    seed: o.seed,
    semantics: o.semantics,
    // regret is not reported by the sweep; the full-table oracle is a lookup instead of a per-step scan
    oracle: o.oracle ?? 'full',
    policies: ran,
    recorders: [tally],
    ...(split ? { train: split.train(full) } : {}),
    ...(scenario ? { scenario } : {}),
  };
  const res = ran.length
    ? simulate(table, contexts, rw, cfg, progress)
    : { runSeeds: Array.from({ length: R }, (_, r) => runSeed(o.seed, r)) };
  const cost = new Float64Array(P * R * K);
  const quality = new Float64Array(P * R * K);
  const misses = new Float64Array(P * R * K);
  for (let p = 0, j = 0; p < P; p++) {
    if (!run[p]) continue;
    const runs = tally.sums[j++];
    if (runs.length !== R) throw new Error(`sweep: expected ${R} runs of '${policies[p].name}', saw ${runs.length}`);
    for (let r = 0; r < R; r++) {
      const sums = runs[r];
      let tc = 0;
      let ta = 0;
      let tm = 0;
      const at = (p * R + r) * K;
      for (let k = 0; k < T; k++) {
        tc += sums[3 * k];
        ta += sums[3 * k + 1];
        tm += sums[3 * k + 2];
        const nk = taskQueries[k];
        cost[at + k] = nk ? sums[3 * k] / nk : Number.NaN;
        quality[at + k] = nk ? sums[3 * k + 1] / nk : Number.NaN;
        misses[at + k] = sums[3 * k + 2];
      }
      cost[at + T] = tc / Q;
      quality[at + T] = ta / Q;
      misses[at + T] = tm;
    }
  }
  if (!split || !('metrics' in res)) return { cost, quality, misses, runSeeds: res.runSeeds };
  return { cost, quality, misses, runSeeds: res.runSeeds, metrics: res.metrics };
}

/** Policies whose picks ignore the reward: their points are the same at every λ, so they are simulated once. */
export function lambdaFree(rp: ResolvedPolicy): boolean {
  return rp.factory.rewardIndependent;
}

function countTaskQueries(table: PoolTable): number[] {
  const T = table.tasks.length;
  const n = new Array<number>(T + 1).fill(0);
  for (let q = 0; q < table.nQueries; q++) n[table.queryTask[q]]++;
  n[T] = table.nQueries;
  return n;
}

/**
 * Run the sweep. With `jobs` > 1 and the compiled pool available, λ values run on worker threads; every
 * λ is computed the same way in either case, so results do not depend on `jobs`.
 */
export async function runSweep(table: PoolTable, o: SweepOptions, progress?: SweepProgress): Promise<SweepResult> {
  if (!table.costUsd) throw new UsageError(`dataset '${table.name}' has no cost column; the sweep trades quality against USD cost`);
  if (o.lambdas.length === 0) throw new UsageError('the λ grid is empty');
  for (const l of o.lambdas) if (!(l >= 0 && l <= 1)) throw new UsageError(`λ must be in [0, 1], got ${l}`);
  if (!(Number.isInteger(o.runs) && o.runs >= 1)) throw new UsageError(`runs must be an integer ≥ 1, got ${o.runs}`);
  const policies = resolvePolicies(o.policies, o.params, table.models);
  const contexts = contextsFor(table, { layout: o.semantics, features: o.features, binning: o.binning, embedDim: o.embedDim, embedSeed: o.seed });
  const L = o.lambdas.length;
  const P = policies.length;
  const R = o.runs;
  const K = table.tasks.length + 1;
  const block = P * R * K;
  const cost = new Float64Array(L * block);
  const quality = new Float64Array(L * block);
  const misses = new Float64Array(L * block);
  let runSeeds: number[] = [];
  const put = (l: number, b: LambdaBlock): void => {
    cost.set(b.cost, l * block);
    quality.set(b.quality, l * block);
    misses.set(b.misses, l * block);
    runSeeds = b.runSeeds;
  };
  const free = policies.map(lambdaFree);
  const jobs = Math.min(o.jobs ?? 1, L);
  const script = offThreadScript(jobs > 1);
  if (script) {
    // prompt texts are not needed to replay (unless embedded) and would be copied to every worker
    const init: SweepInit = { kind: 'sweep', table: o.features.includes('embed') ? table : { ...table, queryText: null }, options: { ...o, jobs: 1 } };
    let done = 0;
    await runPool<number, LambdaBlock>(script, init, o.lambdas.map((_, l) => l), jobs, (l, b) => {
      put(l, b);
      progress?.(++done, L, `λ=${o.lambdas[l]}`);
    });
  } else {
    for (let l = 0; l < L; l++) {
      const sub = progress ? (done: number, total: number, label: string) => progress(l * total + done, L * total, `λ=${o.lambdas[l]} ${label}`) : undefined;
      put(l, await sweepLambda(table, contexts, policies, o, o.lambdas[l], sub, l > 0 ? free : []));
    }
  }
  // λ-free policies ran at the first λ only
  const RK = R * K;
  for (let l = 1; l < L; l++) {
    for (let p = 0; p < P; p++) {
      if (!free[p]) continue;
      const from = p * RK;
      const to = l * block + p * RK;
      cost.copyWithin(to, from, from + RK);
      quality.copyWithin(to, from, from + RK);
      misses.copyWithin(to, from, from + RK);
    }
  }
  return {
    lambdas: [...o.lambdas],
    policyNames: policies.map((p) => p.name),
    params: policies.map((p) => ({ ...p.params })),
    tasks: [...table.tasks],
    runs: R,
    runSeeds,
    taskQueries: countTaskQueries(table),
    cost,
    quality,
    misses,
    d: contexts.d,
  };
}

/** The worker pool's init message for a sweep. */
export interface SweepInit extends PoolInit {
  kind: 'sweep';
  table: PoolTable;
  options: SweepOptions;
}

/** A worker's λ runner: the table's policies and contexts built once, then one block per λ index. */
export function sweepTasks(table: PoolTable, options: SweepOptions): (l: number) => Promise<LambdaBlock> {
  const policies = resolvePolicies(options.policies, options.params, table.models);
  const free = policies.map(lambdaFree);
  const contexts = contextsFor(table, { layout: options.semantics, features: options.features, binning: options.binning, embedDim: options.embedDim, embedSeed: options.seed });
  return (l) => sweepLambda(table, contexts, policies, options, options.lambdas[l], undefined, l > 0 ? free : []);
}

/** A SweepResult from one block per λ (every policy run at every λ). */
export function sweepResultOf(table: PoolTable, policies: ResolvedPolicy[], o: SweepOptions, blocks: readonly LambdaBlock[], d: number): SweepResult {
  const block = policies.length * o.runs * (table.tasks.length + 1);
  const cost = new Float64Array(blocks.length * block);
  const quality = new Float64Array(blocks.length * block);
  const misses = new Float64Array(blocks.length * block);
  blocks.forEach((b, l) => {
    cost.set(b.cost, l * block);
    quality.set(b.quality, l * block);
    misses.set(b.misses, l * block);
  });
  return {
    lambdas: [...o.lambdas],
    policyNames: policies.map((p) => p.name),
    params: policies.map((p) => ({ ...p.params })),
    tasks: [...table.tasks],
    runs: o.runs,
    runSeeds: blocks[blocks.length - 1]?.runSeeds ?? [],
    taskQueries: countTaskQueries(table),
    cost,
    quality,
    misses,
    d,
  };
}
