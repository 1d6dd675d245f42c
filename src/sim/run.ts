/** One simulation from an in-memory table: contexts → reward table → replay → summary. No file access. */
import { tableSha256, type PoolTable } from '../data/pool.js';
import type { ComplexityBinning } from '../features/context.js';
import { contextsFor, type ContextFeature } from '../features/contextsFor.js';
import { applyFeatures, type ApplyReport } from '../features/pipeline.js';
import type { Semantics } from '../policies/policy.js';
import { resolvePolicies } from '../policies/registry.js';
import { SettingError } from '../core/errors.js';
import type { ResolvedPolicy } from '../policies/registry.js';
import { simulateAsync, type OracleMode, type PoolEvent, type Progress, type SimResult, type SimConfig } from './engine.js';
import { checkProtocolSettings, runProtocol, type ProtocolRun, type ProtocolSpec } from './protocol.js';

/** The gap-closed reference of the protocol (docs/model.md §13). */
export const PROTOCOL_BASELINE = 'train-best-static';
import { resolveSemantics, type RunSettings } from './runConfig.js';
import { buildRewards, type RewardTable } from './reward.js';
import { resolveScenario, usesScenario } from './scenarioConfig.js';
import type { RewardSource } from './rewardExpression.js';
import type { Recorder } from './recorders.js';
import { RegretRecorder } from './stepRecorders.js';
import type { ContextSet } from '../features/context.js';

/**
 * A simulation's options: the run settings (sim/runConfig.ts; the four below required, the rest defaulted as
 * there), the policies at one λ, and what only an in-memory caller sets.
 */
export type SimulateOptions = Pick<RunSettings, 'runs' | 'seed' | 'semantics' | 'features'> &
  Partial<RunSettings> & {
    /**
     * Compute clusters and complexity from the query text when the table has text but not those features
     * (docs/features.md); k = 3 clusters, seeded. Default on.
     */
    textFeatures?: { k?: number; seed?: number; taskModel?: import('../features/taskClassifier.js').TaskModel | null } | false;
    policies: string[];
    params: string[];
    lambda: number;
    /** Where `reward` was written, for its messages (default: the setting's name). */
    rewardSource?: RewardSource;
    initialModels?: string[];
    events?: PoolEvent[];
    recordSteps?: boolean;
    /** Spool the step trace past this many rows (SimConfig.stepsSpoolRows); undefined: in memory. */
    stepsSpoolRows?: number;
    /** Further observers of every policy-run (e.g. the log recorder of `simulate --log`). */
    recorders?: Recorder[];
    /** The loaded table `train` names (the protocol's separate training table). */
    trainTable?: PoolTable;
  };

export interface PreparedRun {
  config: SimConfig;
  rewards: RewardTable;
  result: SimResult;
  sha256: string;
  layout: Semantics;
  features: ContextFeature[];
  d: number;
  /** The contexts the policies saw (null under the train/test protocol, where each split has its own). */
  contexts: ContextSet | null;
  /** What was computed from query text (null when the table already had its features). */
  textFeatures: ApplyReport | null;
  /** The train/test protocol's splits (docs/model.md §13); `result` then merges them and `table` is the test stream. */
  protocol?: { spec: ProtocolSpec; run: ProtocolRun; table: PoolTable };
}

/** The protocol a run asks for (`split` or `train`), or null for the online protocol of the paper. */
function protocolOf(o: SimulateOptions): ProtocolSpec | null {
  checkProtocolSettings(o.split, Boolean(o.trainTable), o.splits ?? 1);
  if (o.split !== undefined) return { kind: 'split', fraction: o.split, splits: o.splits ?? 1 };
  if (o.trainTable) return { kind: 'train-table', train: o.trainTable, source: o.train ?? o.trainTable.name };
  return null;
}

/** `stepsSpoolDir`: where a spooled trace goes (SimConfig.stepsSpoolDir; a replay on a worker thread). */
export async function runSimulation(table: PoolTable, o: SimulateOptions, progress?: Progress, stepsSpoolDir?: string): Promise<PreparedRun> {
  const spec = protocolOf(o);
  // the split replays keep no scenario state; experiments run scenarios under a split
  if (spec && usesScenario(o)) throw new SettingError((n) => `${n('budget')}, ${n('drift')}, ${n('feedbackDelay')} and ${n('feedbackRate')} do not combine with ${n('split')} or ${n('train')} in simulate; run an experiment with split: and the scenario fields instead (docs/experiments.md)`);
  const policies = resolvePolicies(o.policies, o.params, table.models);
  // the dataset hash is of the table as loaded, before derived features are filled in
  const sha256 = tableSha256(table);
  const features = fillTextFeatures(table, o.textFeatures, o.binning);
  const rewardOptions = { lambda: o.lambda, cost: o.cost, expression: o.reward, expressionSource: o.rewardSource };
  const rewards = await buildRewards(table, rewardOptions);
  const scenario = await resolveScenario(table, rewards, rewardOptions, o);
  const sem = resolveSemantics(o.semantics, o.oracle);
  if (spec) return runSplitSimulation(table, o, spec, { sha256, features, policies, oracle: sem.oracle }, progress);
  const contexts = contextsFor(table, { layout: sem.layout, features: o.features, binning: o.binning, embedDim: o.embedDim, embedSeed: o.seed });
  const config: SimConfig = {
    runs: o.runs,
    seed: o.seed,
    semantics: sem.semantics,
    oracle: sem.oracle,
    policies,
    initialModels: o.initialModels,
    events: o.events,
    maxLatency: o.maxLatency ?? null,
    recordSteps: o.recordSteps ?? false,
    ...(o.stepsSpoolRows !== undefined ? { stepsSpoolRows: o.stepsSpoolRows } : {}),
    ...(stepsSpoolDir !== undefined ? { stepsSpoolDir } : {}),
  };
  if (scenario) config.scenario = scenario;
  // the regret after a drift event comes from the step trace, or without one from the regret of every step
  const regret = scenario?.drift?.events.length && !config.recordSteps ? new RegretRecorder(policies.length, o.runs, table.nQueries) : null;
  const recorders = [...(o.recorders ?? []), ...(regret ? [regret] : [])];
  if (recorders.length) config.recorders = recorders;
  // yields between policy-runs: a live display keeps drawing and Ctrl-C is handled promptly
  const result = await simulateAsync(table, contexts, rewards, config, progress);
  if (regret) result.stepRegret = regret.regret;
  return { config, rewards, result, sha256, layout: sem.layout, features: o.features, d: contexts.d, contexts, textFeatures: features };
}

/**
 * The train/test protocol: every split replays the test stream (policies with `train: true` fit on the train
 * part; train-best-static, the gap-closed reference, is added when not listed). `result` merges the splits.
 */
async function runSplitSimulation(
  table: PoolTable,
  o: SimulateOptions,
  spec: ProtocolSpec,
  done: { sha256: string; features: ApplyReport | null; policies: ResolvedPolicy[]; oracle: OracleMode },
  progress?: Progress,
): Promise<PreparedRun> {
  const policies = done.policies.some((p) => p.name === PROTOCOL_BASELINE) ? done.policies : [...done.policies, ...resolvePolicies([PROTOCOL_BASELINE], [], table.models)];
  if (spec.kind === 'train-table') fillTextFeatures(spec.train, o.textFeatures, o.binning);
  const run = await runProtocol(
    table,
    {
      protocol: spec,
      policies,
      lambda: o.lambda,
      runs: o.runs,
      seed: o.seed,
      semantics: o.semantics,
      oracle: done.oracle,
      contexts: { layout: o.semantics, features: o.features, binning: o.binning, embedDim: o.embedDim },
      cost: o.cost,
      reward: o.reward,
      rewardSource: o.rewardSource,
      maxLatency: o.maxLatency,
    },
    progress,
  );
  const first = run.splits[0];
  return {
    config: run.config,
    rewards: first.rewards!,
    result: mergeSplitResults(run),
    sha256: done.sha256,
    layout: o.semantics,
    features: o.features,
    d: first.d,
    contexts: null,
    textFeatures: done.features,
    protocol: { spec, run, table: first.test! },
  };
}

/** One SimResult over the splits: policy-runs of split s follow those of split s − 1. */
function mergeSplitResults(run: ProtocolRun): SimResult {
  const first = run.splits[0].result;
  let oracle = 0;
  for (const s of run.splits) oracle += s.result.oracleTotal;
  return {
    policyNames: first.policyNames,
    metrics: first.policyNames.map((_, p) => run.splits.flatMap((s) => s.result.metrics[p])),
    runSeeds: run.splits.flatMap((s) => s.result.runSeeds),
    oracleTotal: oracle / run.splits.length,
    steps: null,
    infeasibleQueries: run.splits.reduce((a, s) => a + s.result.infeasibleQueries, 0),
  };
}

/** Fill missing cluster/complexity (and tasks, with a model) from query text; null when nothing was computed. */
export function fillTextFeatures(table: PoolTable, opts: SimulateOptions['textFeatures'], binning?: ComplexityBinning): ApplyReport | null {
  if (opts === false || !table.queryText) return null;
  const missing = table.cluster.every((c) => c === -1) || table.complexity.some((c) => Number.isNaN(c));
  if (!missing && !opts?.taskModel) return null;
  const r = applyFeatures(table, { k: opts?.k ?? 3, seed: opts?.seed ?? 0, binning, taskModel: opts?.taskModel ?? null });
  return r.computed ? r : null;
}
