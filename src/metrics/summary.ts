/**
 * summary.json (schemaVersion 1): the stable, documented result of a simulation. See docs/outputs.md.
 * No timestamps or machine facts here, so the same seed gives a byte-identical file.
 */
import type { PoolTable } from '../data/pool.js';
import { traceInMemory, type SimConfig, type SimResult } from '../sim/engine.js';
import type { RewardTable } from '../sim/reward.js';
import type { ProtocolBlock } from './protocol.js';
import { meanSd, meanSdCi, type MeanSd, type MeanSdCi } from './stats.js';
import { delayText } from '../sim/feedback.js';
import { windowStatic as eventWindowStatic, type WindowStatic } from '../sim/eventReference.js';
import { buildScenario, DEFAULT_EVENT_WINDOW, eventList, type ScenarioCellInput, type ScenarioSummary } from './scenario.js';

const SUMMARY_SCHEMA_VERSION = 1;

export interface PolicySummary {
  name: string;
  params: Record<string, number>;
  finalRegret: MeanSdCi;
  reward: MeanSd;
  accuracy: MeanSd;
  energyWh: MeanSd;
  /** Total dollar cost of the chosen pairs per run (NaN/null without a cost column). */
  costUsd: MeanSd;
  costNorm: MeanSd;
  latencyS: MeanSd;
  /** Relative difference to the random policy's mean, in percent (null when random was not run). */
  vsRandom: { regretPct: number | null; accuracyPct: number | null; energyWhPct: number | null };
  /** Share of all picks (over every run) per model id. */
  selection: Record<string, number>;
  misses: number;
  perRun: { seed: number; finalRegret: number; reward: number; accuracy: number; energyWh: number }[];
}

export interface Summary {
  schemaVersion: number;
  dataset: { name: string; queries: number; models: number; tasks: string[]; sha256: string };
  lambda: number;
  runs: number;
  seed: number;
  semantics: string;
  /** `energyBasis: 'per-query'` only when the table has no token counts (energy is then normalised per query). */
  reward: { cost: string; expression: string | null; energyBasis?: 'per-query' };
  contexts: { layout: string; features: string[]; d: number };
  maxLatency: number | null;
  oracle: { mode: string; totalReward: number; meanReward: number };
  policies: PolicySummary[];
  /** The train/test protocol (schemaVersion 2, docs/outputs.md); absent for the online protocol. */
  protocol?: ProtocolBlock;
  /** Budget adherence, post-event regret and feedback counts (docs/model.md §11); only when a scenario is used. */
  scenario?: ScenarioSummary;
}

interface SummaryInput {
  table: PoolTable;
  sha256: string;
  config: SimConfig;
  rewards: RewardTable;
  result: SimResult;
  layout: string;
  features: string[];
  d: number;
}

function pct(x: number, ref: number): number | null {
  if (!Number.isFinite(x) || !Number.isFinite(ref) || ref === 0) return null;
  return (100 * (x - ref)) / ref;
}

export function buildSummary(inp: SummaryInput): Summary {
  const { table: t, config: cfg, result: res } = inp;
  const Q = t.nQueries;
  const pol = res.policyNames.map((name, p) => {
    const runs = res.metrics[p];
    const sel = new Float64Array(t.nModels);
    let misses = 0;
    for (const r of runs) {
      for (let m = 0; m < t.nModels; m++) sel[m] += r.selection[m];
      misses += r.misses;
    }
    // keyed by model id: no prototype, so an id such as __proto__ is an ordinary key
    const selection: Record<string, number> = Object.create(null);
    for (let m = 0; m < t.nModels; m++) if (sel[m] > 0) selection[t.models[m].id] = sel[m] / (Q * runs.length);
    return {
      name,
      params: { ...cfg.policies[p].params },
      finalRegret: meanSdCi(runs.map((r) => r.finalRegret)),
      reward: meanSd(runs.map((r) => r.meanReward)),
      accuracy: meanSd(runs.map((r) => r.accuracy)),
      energyWh: meanSd(runs.map((r) => r.energyWh)),
      costUsd: meanSd(runs.map((r) => r.costUsd)),
      costNorm: meanSd(runs.map((r) => r.costNorm)),
      latencyS: meanSd(runs.map((r) => r.latencyS)),
      vsRandom: { regretPct: null, accuracyPct: null, energyWhPct: null },
      selection,
      misses,
      perRun: runs.map((r) => ({
        seed: r.seed,
        finalRegret: r.finalRegret,
        reward: r.meanReward,
        accuracy: r.accuracy,
        energyWh: r.energyWh,
      })),
    } satisfies PolicySummary as PolicySummary;
  });
  const rnd = pol.find((p) => p.name === 'random');
  if (rnd) {
    for (const p of pol) {
      p.vsRandom = {
        regretPct: pct(p.finalRegret.mean, rnd.finalRegret.mean),
        accuracyPct: pct(p.accuracy.mean, rnd.accuracy.mean),
        energyWhPct: pct(p.energyWh.mean, rnd.energyWh.mean),
      };
    }
  }
  let nOracle = 0;
  for (let q = 0; q < Q; q++) if (!Number.isNaN(inp.rewards.oracle[q])) nOracle++;
  const out: Summary = {
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    dataset: { name: t.name, queries: Q, models: t.nModels, tasks: [...t.tasks], sha256: inp.sha256 },
    lambda: inp.rewards.lambda,
    runs: cfg.runs,
    seed: cfg.seed,
    semantics: cfg.semantics,
    // the field appears only when the per-query rule applies, so other summaries stay as they were
    reward: { cost: inp.rewards.cost, expression: inp.rewards.expression, ...(inp.rewards.energyBasis === 'per-query' ? { energyBasis: 'per-query' as const } : {}) },
    contexts: { layout: inp.layout, features: inp.features, d: inp.d },
    maxLatency: cfg.maxLatency ?? null,
    oracle: { mode: cfg.oracle, totalReward: res.oracleTotal, meanReward: nOracle ? res.oracleTotal / nOracle : Number.NaN },
    policies: pol,
  };
  if (res.scenario || cfg.scenario) out.scenario = simulateScenario(t, cfg, res, inp.rewards);
  return out;
}

/** The scenario section of a simulation: one cell per policy at the run's λ. */
function simulateScenario(t: PoolTable, cfg: SimConfig, res: SimResult, rw: RewardTable): ScenarioSummary {
  const lambda = rw.lambda;
  const sc = cfg.scenario ?? {};
  const Q = t.nQueries;
  // per-step regret in the trace's order (policy, run, step): from the trace, or recorded without one
  const regret = traceInMemory(res.steps)?.regret ?? res.stepRegret ?? null;
  const cells: ScenarioCellInput[] = res.policyNames.map((label, p) => {
    const runs = res.metrics[p];
    return {
      lambda,
      label,
      accuracy: runs.map((r) => r.accuracy),
      budgetTraces: res.scenario?.budgetTrace?.[p] ?? [],
      stepRegret: regret ? runs.map((_, ri) => regret.subarray((p * runs.length + ri) * Q, (p * runs.length + ri + 1) * Q)) : null,
      feedback: res.scenario?.feedback?.[p] ?? [],
    };
  });
  const events = eventList({ pool: { events: cfg.events }, drift: sc.drift?.events });
  const feedback = sc.feedback ? { delay: delayText(sc.feedback.delay), rate: sc.feedback.rate } : null;
  let windowStatic: Map<number, WindowStatic[][]> | undefined;
  if (events.length && regret) {
    const windows = events.map((e) => ({ from: e.step, to: Math.min(Q, e.step + DEFAULT_EVENT_WINDOW) }));
    const runs = cfg.runList ?? Array.from({ length: cfg.runs }, (_, r) => r);
    const ref = { seed: cfg.seed, oracle: cfg.oracle, initialModels: cfg.initialModels, events: cfg.events, drift: sc.drift ?? null, maxLatency: cfg.maxLatency };
    windowStatic = new Map([[lambda, eventWindowStatic(t, rw, ref, runs, windows)]]);
  }
  return buildScenario(t, { budget: sc.budget ?? null, events, window: DEFAULT_EVENT_WINDOW, feedback, cells, windowStatic });
}

/**
 * JSON with NaN/±Infinity written as null, two-space indent, trailing newline. JSON.stringify itself writes
 * non-finite numbers as null; a replacer function would be called on every value (slow on wide tables).
 */
export function toJson(x: unknown): string {
  return JSON.stringify(x, null, 2) + '\n';
}
