/**
 * Offline replay engine with partial feedback (docs/model.md §5): per run, one shuffled query order shared by
 * every policy; a policy picks a model, is told only that model's stored reward, and the step regret is
 * oracle − obtained.
 */
import { SettingError, UsageError } from '../core/errors.js';
import type { PoolTable } from '../data/pool.js';
import { Rng } from '../core/rng.js';
import type { MetricColumn } from '../data/columns.js';
import type { ContextSet } from '../features/context.js';
import type { BudgetSpec, HindsightData, Policy, PolicyEnv, Semantics, TrainData } from '../policies/policy.js';
import type { ResolvedPolicy } from '../policies/registry.js';
import { ActionSet, bestReward, latencyFeasibility, oracleTotal } from './actions.js';
import { Spool } from '../core/spool.js';
import { MetricsRecorder, type Recorder, type RunMetrics, type RunStart } from './recorders.js';
import { StepsRecorder, SpooledSteps, type StepTrace } from './stepRecorders.js';
import type { RewardTable } from './reward.js';
import { decisionRules, type DecisionRules } from '../core/semantics.js';
import { budgetMissing } from '../policies/budgeted.js';
import { guardedCreate } from '../policies/pluginGuard.js';
import { hasScenario, ScenarioRun, type ScenarioConfig, type ScenarioResult } from './scenario.js';
import { streamMeans, type DriftCursor } from './drift.js';
import { cutName, nameList } from '../core/escape.js';

/** Oracle over the full table (the reference, docs/model.md §6) or over the models in the pool at each step. */
export type OracleMode = 'full' | 'pool';

/** Models leaving or joining the pool just before step `step` (0-based) of every run (docs/model.md §7 X4). */
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
  /**
   * Spool the step trace to a temporary file, one policy-run at a time, when it has more rows than this
   * (simulate's step file); undefined: always in memory. Not under a scenario or pool events, whose summaries
   * read the trace.
   */
  stepsSpoolRows?: number;
  /**
   * Spool into this directory, which the caller made and removes (a replay on a worker thread: the main
   * thread's removes it on a signal); default a new one of its own.
   */
  stepsSpoolDir?: string;
  /** Further observers of every policy-run (e.g. the sweep's per-task tallies). */
  recorders?: Recorder[];
  /** Run indices to execute (default 0..runs−1): lets runs be spread over workers with identical results. */
  runList?: number[];
  /**
   * The train part of a train/test split (docs/model.md §13), handed to factories with `train: true`. Its rows
   * follow the table's rows in the contexts: the table is the test stream, contexts rows ≥ t.nQueries are train.
   */
  train?: TrainData;
  /** Budget, drift and delayed/sampled feedback (docs/model.md §11); absent: the plain replay. */
  scenario?: ScenarioConfig;
}

export { type RunMetrics } from './recorders.js';
export { SpooledSteps, STEPS_SPOOL_ROWS, traceInMemory, type StepTrace } from './stepRecorders.js';

export interface SimResult {
  policyNames: string[];
  /** [policy][run] */
  metrics: RunMetrics[][];
  runSeeds: number[];
  /** Σ_q oracle reward over the full table, feasible models only under the latency filter (docs/model.md §3, §5.7): final regret + total reward without pool events. */
  oracleTotal: number;
  steps: StepTrace | SpooledSteps | null;
  /** Queries for which no model was feasible under the latency filter (policies then choose among all arms). */
  infeasibleQueries: number;
  /** Only when a scenario is configured. */
  scenario?: ScenarioResult;
  /** Per-step regret in the step trace's order, when recorded without a trace (RegretRecorder). */
  stepRegret?: Float64Array;
}

export interface Progress {
  (done: number, total: number, label: string, metrics: RunMetrics): void;
}

/** Seed of run r (the reference uses base seed + r, docs/model.md §7). */
export function runSeed(seed: number, r: number): number {
  // reduced first: near 2⁵³ the sum seed + r is not exact, and two runs could share a seed
  return ((seed % 2 ** 32) + r) >>> 0;
}

/** Stable 32-bit hash of a policy name: a policy's RNG stream does not depend on which other policies run. */
export function nameKey(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * Per-model hindsight means over present cells, and each model's reward per query over all queries with a
 * missing cell scoring 0 as the engine scores it (best-static ranks by that: the best fixed model).
 */
export function modelStats(t: PoolTable, rw: RewardTable): { meanReward: Float64Array; meanAccuracy: Float64Array; staticReward: Float64Array } {
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
  const staticReward = sr.map((x, m) => (nr[m] ? x / t.nQueries : Number.NaN));
  return { meanReward, meanAccuracy, staticReward };
}

function modelIdx(t: PoolTable, id: string, where: string): number {
  const m = t.models.findIndex((x) => x.id === id);
  if (m < 0) throw new UsageError(`${where}: unknown model '${cutName(id)}'; models: ${nameList(t.models.map((x) => x.id))}`);
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
  hindsight: HindsightData | null;
  feasible: Uint8Array | null;
  initial: number[];
  events: PoolEvent[];
  evRemove: number[][];
  evAdd: number[][];
  fullLookup: boolean;
  oracleAll: Uint8Array | null;
  order: Int32Array;
  /** Pool oracle per query for the pool after k events (filled on first use; null: computed per step). */
  segOracle: (Float64Array | undefined)[] | null;
  metrics: MetricsRecorder;
  steps: StepsRecorder | null;
  extra: Recorder[];
  scenario: ScenarioRun | null;
  /** Under drift, the hindsight data of the current run (its stream means), made by its first baseline. */
  runHindsight?: { ri: number; data: HindsightData };
}

/**
 * Hindsight data for the baselines, built only when a policy asks for it. Under drift the current reward is
 * the cursor's (advanced before each choice) and the means are per run (`runHindsight`).
 */
function hindsightData(t: PoolTable, rw: RewardTable, drift: DriftCursor | null): HindsightData {
  const { meanReward, meanAccuracy, staticReward } = modelStats(t, rw);
  const h: HindsightData = { rewards: rw.rewards, present: t.present, meanReward, meanAccuracy, staticReward };
  if (drift) h.reward = (i) => drift.reward(i);
  return h;
}

/** The hindsight data of run `ri`: under drift with the means of that run's stream (docs/model.md §11.2). */
function runHindsight(st: ReplayState, ri: number): HindsightData {
  const h = st.hindsight!;
  const plan = st.cfg.scenario?.drift;
  if (!h.reward || !plan) return h;
  if (st.runHindsight?.ri !== ri) st.runHindsight = { ri, data: { ...h, ...streamMeans(st.t, plan, st.order) } };
  return st.runHindsight.data;
}

/** The replay as a sequence of policy-runs; yields after each one. */
function* replay(t: PoolTable, contexts: ContextSet, rw: RewardTable, cfg: SimConfig, progress?: Progress): Generator<void, SimResult, void> {
  if (!(Number.isInteger(cfg.runs) && cfg.runs >= 1)) throw new UsageError(`runs must be an integer ≥ 1, got ${cfg.runs}`);
  // contexts may hold train rows after the table's (a split); without train data they must match exactly
  if (cfg.train ? contexts.nQueries < t.nQueries : contexts.nQueries !== t.nQueries) throw new Error('contexts and table disagree on the number of queries');
  for (const p of cfg.policies) {
    if (p.factory.train && !cfg.train) throw new SettingError((n) => `policy '${p.name}' is trained on a train part: give ${n('split')} <fraction> or ${n('train')} <source>`);
    if (p.factory.budget && !cfg.scenario?.budget) throw new UsageError(budgetMissing(p.name));
  }
  const Q = t.nQueries;
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
  const oracleSum = oracleTotal(rw, t.present, t.nModels, feasible);

  const scenario = hasScenario(cfg.scenario) ? new ScenarioRun(t, cfg.scenario, P) : null;
  const hindsight = cfg.policies.some((p) => p.factory.hindsight) ? hindsightData(t, rw, scenario?.drift ?? null) : null;
  // under drift the recorders read the served cells' drifted metrics
  const mt = scenario ? scenario.metricsTable : t;
  const metrics = new MetricsRecorder(mt, scenario?.costNorm ? { ...rw, costNorm: scenario.costNorm } : rw, P, scenario === null);
  const spool = cfg.stepsSpoolRows !== undefined && !scenario && events.length === 0 && P * R * Q > cfg.stepsSpoolRows ? (cfg.stepsSpoolDir !== undefined ? Spool.into(cfg.stepsSpoolDir) : new Spool()) : null;
  const steps = cfg.recordSteps ? new StepsRecorder(mt, P, R, spool) : null;
  for (const r of cfg.recorders ?? []) r.bindTable?.(mt);
  const fullLookup = cfg.oracle === 'full' && feasible === null;
  // the full oracle ranges over every model, not the pool, also under the latency filter (docs/model.md §3)
  const oracleAll = cfg.oracle === 'full' && feasible !== null ? new Uint8Array(t.nModels).fill(1) : null;
  const runSeeds: number[] = [];
  const order = new Int32Array(Q);
  const total = P * R;
  let done = 0;
  // every policy-run sees the same pool after k events, so its oracle is computed once, not per step
  const segOracle = !fullLookup && (events.length + 1) * Q <= MAX_CACHED_ORACLES ? [] : null;
  const st: ReplayState = { t, contexts, rw, cfg, hindsight, feasible, initial, events, evRemove, evAdd, fullLookup, oracleAll, order, segOracle, metrics, steps, extra: cfg.recorders ?? [], scenario };
  try {
    for (let ri = 0; ri < R; ri++) {
      const r = runList[ri];
      const seedR = runSeed(cfg.seed, r);
      runSeeds.push(seedR);
      for (let q = 0; q < Q; q++) order[q] = q;
      Rng.derive(seedR, 0).shuffle(order);
      for (let p = 0; p < P; p++) {
        policyRun(st, { p, ri, r, seed: seedR });
        done++;
        progress?.(done, total, cfg.policies[p].name, metrics.last());
        yield;
      }
    }
  } catch (e) {
    // a replay that fails leaves no spool behind (a directory given by the caller is its to remove)
    spool?.dispose();
    throw e;
  }
  const out: SimResult = { policyNames: cfg.policies.map((p) => p.name), metrics: metrics.metrics, runSeeds, oracleTotal: oracleSum, steps: steps ? steps.trace : null, infeasibleQueries };
  if (scenario) out.scenario = scenario.result;
  return out;
}

/**
 * The policy of run seed `seed`: its environment (its own RNG stream, derived from the seed and its name) and,
 * by what its factory declares, the hindsight data or the train part. The engine's runs and an experiment's
 * up-front check (ExperimentContext.createArm) make their policies here, so both make the same one.
 */
export function makePolicy(
  rp: ResolvedPolicy,
  o: { contexts: ContextSet; t: PoolTable; initialArms: readonly number[]; seed: number; rules: DecisionRules; budget?: BudgetSpec | null; hindsight?: HindsightData; train?: TrainData },
): Policy {
  const env: PolicyEnv = { contexts: o.contexts, models: o.t.models, nModels: o.t.nModels, initialArms: o.initialArms, rng: Rng.derive(o.seed, 1, nameKey(rp.name)), horizon: o.t.nQueries, rules: o.rules };
  if (o.budget !== undefined) env.budget = o.budget;
  const hs = o.hindsight;
  return guardedCreate(rp.factory, env.nModels, () => (rp.factory.train ? rp.factory.create(env, rp.params, hs, o.train) : hs ? rp.factory.create(env, rp.params, hs) : rp.factory.create(env, rp.params)));
}

/** One policy over one run's query order: the hot loop. It only makes decisions; recorders keep the rest. */
function policyRun(st: ReplayState, run: RunStart): void {
  const { t, contexts, cfg, feasible, initial, events, evRemove, evAdd, fullLookup, order, metrics, steps, extra, scenario: sc } = st;
  const { rewards, oracle: fullOracle } = st.rw;
  const present = t.present;
  const Q = t.nQueries;
  const M = t.nModels;
  const hasEvents = events.length > 0;
  const rp = cfg.policies[run.p];
  // learning policies see no reward data; hindsight baselines get it from their factory
  // the stream is the table's Q steps; under a split the contexts hold train rows after them
  const policy = makePolicy(rp, {
    contexts,
    t,
    initialArms: initial,
    seed: run.seed,
    rules: decisionRules(cfg.semantics),
    ...(sc ? { budget: cfg.scenario!.budget ?? null } : {}),
    hindsight: rp.factory.hindsight ? runHindsight(st, run.ri) : undefined,
    train: cfg.train,
  });
  const acts = new ActionSet(M, initial, feasible);
  const inPool = acts.pool.member;
  const oracleMask = st.oracleAll ?? inPool;
  const nExtra = extra.length;
  const deciders = extra.filter((r) => r.decision !== undefined);
  const nDec = deciders.length;
  metrics.begin(run);
  steps?.begin(run);
  for (let k = 0; k < nExtra; k++) extra[k].begin(run);
  sc?.begin(run.p, run.seed);
  const drift = sc ? sc.drift : null;
  // made once: a closure per oracle call would allocate per step
  const rewardAt = (i: number): number => rewards[i];
  let ev = 0;
  // drift moves the oracle with time: it is then computed per step
  let oracle = fullLookup ? fullOracle : drift ? null : segmentOracle(st, 0, oracleMask);
  if (!hasEvents && sc === null && feasible === null && steps === null && nExtra === 0 && oracle !== null) {
    plainRun(policy, rp.name, order, acts.allowed(0), acts.buf, inPool, present, rewards, oracle, M, metrics);
    metrics.end();
    if (policy.fitted) metrics.last().fitted = policy.fitted();
    policy.dispose?.();
    return;
  }
  for (let s = 0; s < Q; s++) {
    if (hasEvents && ev < events.length && events[ev].step === s) {
      while (ev < events.length && events[ev].step === s) {
        for (const m of evRemove[ev]) if (acts.remove(m)) policy.removeArm(m);
        for (const m of evAdd[ev]) {
          if (!acts.add(m)) continue;
          policy.addArm(m);
          if (sc) sc.added(m);
        }
        if (acts.size === 0) throw new UsageError(`pool event at step ${s} leaves no model in the pool`);
        ev++;
      }
      if (cfg.oracle !== 'full' && !drift) oracle = segmentOracle(st, ev, inPool);
    }
    if (sc) sc.before(s, policy);
    const q = order[s];
    const na = acts.allowed(q);
    const m = policy.select(q, acts.buf, na);
    if (inPool[m] !== 1) throw new Error(`policy '${rp.name}' chose ${m}, which is not an allowed model`);
    for (let k = 0; k < nDec; k++) deciders[k].decision!(q, acts.buf, na, m, policy);
    const i = q * M + m;
    const has = present[i] === 1;
    // scenario hooks (docs/model.md §11): drifted reward and oracle, queued feedback, the budget's cost channel
    const rew = has ? (drift ? drift.reward(i) : rewards[i]) : 0;
    if (sc) sc.after(s, q, m, i, has, rew, policy);
    else policy.update(q, m, rew);
    const best = drift ? drift.oracle(q, M, present, fullLookup ? null : oracleMask, feasible) : oracle !== null ? oracle[q] : bestReward(q, M, rewardAt, present, oracleMask, feasible);
    const regret = Number.isNaN(best) ? 0 : best - rew;
    metrics.step(s, q, m, has, rew, regret);
    if (steps) steps.step(s, q, m, has, rew, regret);
    for (let k = 0; k < nExtra; k++) extra[k].step(s, q, m, has, rew, regret);
  }
  sc?.end();
  metrics.end();
  // what a trained router chose on the train part, for summary.json
  if (policy.fitted) metrics.last().fitted = policy.fitted();
  steps?.end();
  for (let k = 0; k < nExtra; k++) extra[k].end();
  policy.dispose?.();
}

/**
 * policyRun's loop for the common case (a fixed pool, no feasibility mask, no scenario, only the metrics
 * recorder, a cached oracle): the same steps without the checks for what is absent.
 */
function plainRun(policy: Policy, name: string, order: Int32Array, na: number, arms: Int32Array, inPool: Uint8Array, present: Uint8Array, rewards: MetricColumn, oracle: Float64Array, M: number, metrics: MetricsRecorder): void {
  const Q = order.length;
  for (let s = 0; s < Q; s++) {
    const q = order[s];
    const m = policy.select(q, arms, na);
    if (inPool[m] !== 1) throw new Error(`policy '${name}' chose ${m}, which is not an allowed model`);
    const i = q * M + m;
    const has = present[i] === 1;
    const rew = has ? rewards[i] : 0;
    policy.update(q, m, rew);
    const best = oracle[q];
    metrics.step(s, q, m, has, rew, Number.isNaN(best) ? 0 : best - rew);
  }
}

/** Cap on cached pool-oracle values ((events + 1) × queries); beyond it the oracle is computed per step. */
const MAX_CACHED_ORACLES = 1 << 24;

/** The pool oracle of every query for the pool after `seg` events, or null when it is not cached. */
function segmentOracle(st: ReplayState, seg: number, inPool: Uint8Array): Float64Array | null {
  const cache = st.segOracle;
  if (cache === null) return null;
  let o = cache[seg];
  if (o === undefined) {
    const { t, feasible } = st;
    if (feasible === null && inPool.every((x) => x === 1)) {
      // every model in the pool and no mask: the pool oracle is the full one, already in the reward table
      o = st.rw.oracle;
    } else {
      o = new Float64Array(t.nQueries);
      const rewards = st.rw.rewards;
      const rewardAt = (i: number): number => rewards[i];
      for (let q = 0; q < t.nQueries; q++) o[q] = bestReward(q, t.nModels, rewardAt, t.present, inPool, feasible);
    }
    cache[seg] = o;
  }
  return o;
}
