/**
 * Offline replay engine with partial feedback (spec §0, §5): per run, one shuffled query order shared by
 * every policy; a policy picks a model, is told only that model's stored reward, and the step regret is
 * oracle − obtained.
 */
import { UsageError } from '../core/errors.js';
import type { PoolTable } from '../data/pool.js';
import { Rng } from '../core/rng.js';
import type { ContextSet } from '../features/context.js';
import type { Policy, PolicyEnv, Semantics } from '../policies/policy.js';
import type { ResolvedPolicy } from '../policies/registry.js';
import type { RewardTable } from './reward.js';

/** Oracle over the full table (the reference, spec §9.17) or over the models in the pool at each step. */
export type OracleMode = 'full' | 'pool';

/** Models leaving or joining the pool just before step `step` (0-based) of every run (spec §5 X4). */
export interface PoolEvent {
  step: number;
  remove?: string[];
  add?: string[];
}

export interface SimConfig {
  runs: number;
  seed: number;
  semantics: Semantics;
  oracle: OracleMode;
  policies: ResolvedPolicy[];
  /** Model ids in the pool at the start (default: every model of the table). */
  initialModels?: string[];
  events?: PoolEvent[];
  /** Latency feasibility filter in seconds (paper §4.1), or null. */
  maxLatency?: number | null;
  recordSteps?: boolean;
  /** Run indices to execute (default 0..runs−1): lets runs be spread over workers with identical results. */
  runList?: number[];
}

export interface RunMetrics {
  run: number;
  seed: number;
  finalRegret: number;
  totalReward: number;
  meanReward: number;
  /** Mean accuracy of the chosen pairs (present cells only). */
  accuracy: number;
  /** Σ energy (J) of the chosen pairs / 3600; NaN when the table has no energy. */
  energyWh: number;
  /** Σ dollar cost of the chosen pairs; NaN when the table has no cost. */
  costUsd: number;
  /** Mean normalised cost term of the chosen pairs. */
  costNorm: number;
  latencyS: number;
  /** Chosen count per model index. */
  selection: Float64Array;
  /** Steps whose chosen pair was missing from the table (reward 0). */
  misses: number;
}

/** Per-step trace in columns; row i = (policy, run, step) in that nesting order. */
export interface StepTrace {
  length: number;
  policy: Int32Array;
  run: Int32Array;
  step: Int32Array;
  query: Int32Array;
  model: Int32Array;
  reward: Float64Array;
  regret: Float64Array;
  cumRegret: Float64Array;
  accuracy: Float64Array;
  energyJ: Float64Array;
}

export interface SimResult {
  policyNames: string[];
  /** [policy][run] */
  metrics: RunMetrics[][];
  runSeeds: number[];
  /** Σ_q oracle reward over the full table (spec §2 identity: final regret + total reward of a full-oracle run). */
  oracleTotal: number;
  steps: StepTrace | null;
  /** Queries for which no model was feasible under the latency filter (policies then choose among all arms). */
  infeasibleQueries: number;
}

export interface Progress {
  (done: number, total: number, label: string, metrics: RunMetrics): void;
}

/** Seed of run r (the reference uses base seed + r, spec §5). */
export function runSeed(seed: number, r: number): number {
  return (seed + r) >>> 0;
}

/** Stable 32-bit hash of a policy name: a policy's RNG stream does not depend on which other policies run. */
export function nameKey(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Per-model hindsight means over present cells (static baselines rank by them). */
export function modelStats(t: PoolTable, rw: RewardTable): { meanReward: Float64Array; meanAccuracy: Float64Array } {
  const M = t.nModels;
  const sr = new Float64Array(M);
  const sa = new Float64Array(M);
  const nr = new Float64Array(M);
  const na = new Float64Array(M);
  for (let q = 0; q < t.nQueries; q++) {
    for (let m = 0; m < M; m++) {
      const i = q * M + m;
      if (!t.present[i]) continue;
      sr[m] += rw.rewards[i];
      nr[m]++;
      if (!Number.isNaN(t.accuracy[i])) {
        sa[m] += t.accuracy[i];
        na[m]++;
      }
    }
  }
  const meanReward = new Float64Array(M);
  const meanAccuracy = new Float64Array(M);
  for (let m = 0; m < M; m++) {
    meanReward[m] = nr[m] ? sr[m] / nr[m] : Number.NaN;
    meanAccuracy[m] = na[m] ? sa[m] / na[m] : Number.NaN;
  }
  return { meanReward, meanAccuracy };
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
      const l = t.latencyS[i];
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

function modelIdx(t: PoolTable, id: string, where: string): number {
  const m = t.models.findIndex((x) => x.id === id);
  if (m < 0) throw new UsageError(`${where}: unknown model '${id}'; models: ${t.models.map((x) => x.id).join(', ')}`);
  return m;
}

export function simulate(t: PoolTable, contexts: ContextSet, rw: RewardTable, cfg: SimConfig, progress?: Progress): SimResult {
  const it = replay(t, contexts, rw, cfg, progress);
  for (let r = it.next(); ; r = it.next()) if (r.done) return r.value;
}

/**
 * `simulate` that hands the event loop back (at most every `sliceMs`, between policy-runs) so a live display
 * can redraw and a signal be handled while it runs. Same work in the same order, so identical results.
 */
export async function simulateAsync(t: PoolTable, contexts: ContextSet, rw: RewardTable, cfg: SimConfig, progress?: Progress, sliceMs = 40): Promise<SimResult> {
  const it = replay(t, contexts, rw, cfg, progress);
  let last = performance.now();
  for (let r = it.next(); ; r = it.next()) {
    if (r.done) return r.value;
    if (performance.now() - last >= sliceMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      last = performance.now();
    }
  }
}

/** What every policy-run of a replay shares (arrays are reused across policy-runs). */
interface ReplayState {
  t: PoolTable;
  contexts: ContextSet;
  rw: RewardTable;
  cfg: SimConfig;
  stats: ReturnType<typeof modelStats>;
  feasible: Uint8Array | null;
  initial: number[];
  events: PoolEvent[];
  evRemove: number[][];
  evAdd: number[][];
  fullLookup: boolean;
  order: Int32Array;
  inPool: Uint8Array;
  steps: StepTrace | null;
  R: number;
}

/** The replay as a sequence of policy-runs; yields after each one. */
function* replay(t: PoolTable, contexts: ContextSet, rw: RewardTable, cfg: SimConfig, progress?: Progress): Generator<void, SimResult, void> {
  if (!(Number.isInteger(cfg.runs) && cfg.runs >= 1)) throw new UsageError(`runs must be an integer ≥ 1, got ${cfg.runs}`);
  if (contexts.nQueries !== t.nQueries) throw new Error('contexts and table disagree on the number of queries');
  const Q = t.nQueries;
  const M = t.nModels;
  const P = cfg.policies.length;
  const runList = cfg.runList ?? Array.from({ length: cfg.runs }, (_, r) => r);
  for (const r of runList) if (!(Number.isInteger(r) && r >= 0)) throw new Error(`bad run index ${r}`);
  const R = runList.length;
  const initial = cfg.initialModels ? cfg.initialModels.map((id) => modelIdx(t, id, 'initial pool')) : t.models.map((_, m) => m);
  if (initial.length === 0) throw new UsageError('the initial pool is empty');
  const events = [...(cfg.events ?? [])].sort((a, b) => a.step - b.step);
  const evRemove = events.map((e) => (e.remove ?? []).map((id) => modelIdx(t, id, `pool event at step ${e.step}`)));
  const evAdd = events.map((e) => (e.add ?? []).map((id) => modelIdx(t, id, `pool event at step ${e.step}`)));
  for (const e of events) {
    if (!(Number.isInteger(e.step) && e.step >= 0 && e.step < Q)) throw new UsageError(`pool event step ${e.step} is outside 0..${Q - 1}`);
  }

  let feasible: Uint8Array | null = null;
  let infeasibleQueries = 0;
  if (cfg.maxLatency !== undefined && cfg.maxLatency !== null) {
    if (!(cfg.maxLatency > 0)) throw new UsageError(`maximum latency must be > 0 seconds, got ${cfg.maxLatency}`);
    ({ feasible, infeasibleQueries } = latencyFeasibility(t, cfg.maxLatency));
  }
  const stats = modelStats(t, rw);
  const fullOracle = rw.oracle;
  let oracleTotal = 0;
  for (let q = 0; q < Q; q++) if (!Number.isNaN(fullOracle[q])) oracleTotal += fullOracle[q];

  const steps: StepTrace | null = cfg.recordSteps
    ? {
        length: P * R * Q,
        policy: new Int32Array(P * R * Q),
        run: new Int32Array(P * R * Q),
        step: new Int32Array(P * R * Q),
        query: new Int32Array(P * R * Q),
        model: new Int32Array(P * R * Q),
        reward: new Float64Array(P * R * Q),
        regret: new Float64Array(P * R * Q),
        cumRegret: new Float64Array(P * R * Q),
        accuracy: new Float64Array(P * R * Q),
        energyJ: new Float64Array(P * R * Q),
      }
    : null;

  const metrics: RunMetrics[][] = cfg.policies.map(() => []);
  const fullLookup = cfg.oracle === 'full' && feasible === null;
  const runSeeds: number[] = [];
  const order = new Int32Array(Q);
  const inPool = new Uint8Array(M);
  const total = P * R;
  let done = 0;
  const st: ReplayState = { t, contexts, rw, cfg, stats, feasible, initial, events, evRemove, evAdd, fullLookup, order, inPool, steps, R };
  for (let ri = 0; ri < R; ri++) {
    const r = runList[ri];
    const seedR = runSeed(cfg.seed, r);
    runSeeds.push(seedR);
    for (let q = 0; q < Q; q++) order[q] = q;
    Rng.derive(seedR, 0).shuffle(order);
    for (let p = 0; p < P; p++) {
      metrics[p].push(policyRun(st, p, ri, r, seedR));
      done++;
      progress?.(done, total, cfg.policies[p].name, metrics[p][metrics[p].length - 1]);
      yield;
    }
  }
  return { policyNames: cfg.policies.map((p) => p.name), metrics, runSeeds, oracleTotal, steps, infeasibleQueries };
}

/** One policy over one run's query order: the hot loop (table columns read from locals). */
function policyRun(st: ReplayState, p: number, ri: number, r: number, seedR: number): RunMetrics {
  const { t, contexts, cfg, stats, feasible, initial, events, evRemove, evAdd, fullLookup, order, inPool, steps, R } = st;
  const { rewards, oracle: fullOracle, costNorm } = st.rw;
  const { present, accuracy, energyJ, latencyS, costUsd } = t;
  const Q = t.nQueries;
  const M = t.nModels;
  const hasEvents = events.length > 0;
  const rp = cfg.policies[p];
  const env: PolicyEnv = {
    contexts,
    models: t.models,
    nModels: M,
    initialArms: initial,
    feasible,
    rng: Rng.derive(seedR, 1, nameKey(rp.name)),
    semantics: cfg.semantics,
    rewards,
    present: t.present,
    modelStats: stats,
  };
  const policy: Policy = rp.factory.create(env, rp.params);
  inPool.fill(0);
  for (const m of initial) inPool[m] = 1;
  let ev = 0;
  let cum = 0;
  let sumReward = 0;
  let sumAcc = 0;
  let nAcc = 0;
  let sumE = 0;
  let nE = 0;
  let sumUsd = 0;
  let nUsd = 0;
  let sumCost = 0;
  let sumLat = 0;
  let nLat = 0;
  let misses = 0;
  const selection = new Float64Array(M);
  const base = steps ? (p * R + ri) * Q : 0;
  for (let s = 0; s < Q; s++) {
    while (hasEvents && ev < events.length && events[ev].step === s) {
      for (const m of evRemove[ev]) {
        policy.removeArm(m);
        inPool[m] = 0;
      }
      for (const m of evAdd[ev]) {
        policy.addArm(m);
        inPool[m] = 1;
      }
      if (policy.arms().length === 0) throw new UsageError(`pool event at step ${s} leaves no model in the pool`);
      ev++;
    }
    const q = order[s];
    const m = policy.select(q);
    const i = q * M + m;
    const has = present[i] === 1;
    const rew = has ? rewards[i] : 0;
    policy.update(q, m, rew);
    const best = fullLookup ? fullOracle[q] : poolOracle(q, M, rewards, present, inPool, feasible);
    const regret = Number.isNaN(best) ? 0 : best - rew;
    cum += regret;
    sumReward += rew;
    selection[m]++;
    if (!has) misses++;
    const acc = has ? accuracy[i] : Number.NaN;
    const e = has ? energyJ[i] : Number.NaN;
    if (!Number.isNaN(acc)) {
      sumAcc += acc;
      nAcc++;
    }
    if (!Number.isNaN(e)) {
      sumE += e;
      nE++;
    }
    if (has && costUsd !== null && !Number.isNaN(costUsd[i])) {
      sumUsd += costUsd[i];
      nUsd++;
    }
    if (has) sumCost += costNorm[i];
    const lat = has ? latencyS[i] : Number.NaN;
    if (!Number.isNaN(lat)) {
      sumLat += lat;
      nLat++;
    }
    if (steps) {
      const j = base + s;
      steps.policy[j] = p;
      steps.run[j] = r;
      steps.step[j] = s;
      steps.query[j] = q;
      steps.model[j] = m;
      steps.reward[j] = rew;
      steps.regret[j] = regret;
      steps.cumRegret[j] = cum;
      steps.accuracy[j] = acc;
      steps.energyJ[j] = e;
    }
  }
  const chosenPresent = Q - misses;
  return {
    run: r,
    seed: seedR,
    finalRegret: cum,
    totalReward: sumReward,
    meanReward: sumReward / Q,
    accuracy: nAcc ? sumAcc / nAcc : Number.NaN,
    energyWh: nE ? sumE / 3600 : Number.NaN,
    costUsd: nUsd ? sumUsd : Number.NaN,
    costNorm: chosenPresent ? sumCost / chosenPresent : Number.NaN,
    latencyS: nLat ? sumLat / nLat : Number.NaN,
    selection,
    misses,
  };
}

/** Best present reward among models in the pool (and feasible, when any is); NaN when there is none. */
function poolOracle(q: number, M: number, rewards: Float64Array, present: Uint8Array, inPool: Uint8Array, feasible: Uint8Array | null): number {
  const base = q * M;
  let useFeasible = false;
  if (feasible) {
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
    if (!inPool[m] || !present[i]) continue;
    if (useFeasible && !feasible![i]) continue;
    if (rewards[i] > best) best = rewards[i];
  }
  return best === -Infinity ? Number.NaN : best;
}
