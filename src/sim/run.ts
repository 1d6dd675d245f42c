/** One simulation from an in-memory table: contexts → reward table → replay → summary. No file access. */
import { tableSha256, type PoolTable } from '../data/pool.js';
import { encodeContexts, type ComplexityBinning, type FeatureName } from '../features/context.js';
import { applyFeatures, type ApplyReport } from '../features/pipeline.js';
import type { Semantics } from '../policies/policy.js';
import { resolvePolicies } from '../policies/registry.js';
import { simulateAsync, type PoolEvent, type Progress, type SimResult, type SimConfig } from './engine.js';
import { resolveSemantics, type RunSettings } from './runConfig.js';
import { buildRewards, type RewardTable } from './reward.js';
import type { RewardSource } from './rewardExpression.js';

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
  };

export interface PreparedRun {
  config: SimConfig;
  rewards: RewardTable;
  result: SimResult;
  sha256: string;
  layout: Semantics;
  features: FeatureName[];
  d: number;
  /** What was computed from query text (null when the table already had its features). */
  textFeatures: ApplyReport | null;
}

export async function runSimulation(table: PoolTable, o: SimulateOptions, progress?: Progress): Promise<PreparedRun> {
  const policies = resolvePolicies(o.policies, o.params, table.models);
  // the dataset hash is of the table as loaded, before derived features are filled in
  const sha256 = tableSha256(table);
  const features = fillTextFeatures(table, o.textFeatures, o.binning);
  const rewards = await buildRewards(table, { lambda: o.lambda, cost: o.cost, expression: o.reward, expressionSource: o.rewardSource });
  const sem = resolveSemantics(o.semantics, o.oracle);
  const contexts = encodeContexts(table, { layout: sem.layout, features: o.features, binning: o.binning });
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
  };
  // yields between policy-runs: a live display keeps drawing and Ctrl-C is handled promptly
  const result = await simulateAsync(table, contexts, rewards, config, progress);
  return { config, rewards, result, sha256, layout: sem.layout, features: o.features, d: contexts.d, textFeatures: features };
}

/** Fill missing cluster/complexity (and tasks, with a model) from query text; null when nothing was computed. */
export function fillTextFeatures(table: PoolTable, opts: SimulateOptions['textFeatures'], binning?: ComplexityBinning): ApplyReport | null {
  if (opts === false || !table.queryText) return null;
  const missing = table.cluster.every((c) => c === -1) || table.complexity.some((c) => Number.isNaN(c));
  if (!missing && !opts?.taskModel) return null;
  const r = applyFeatures(table, { k: opts?.k ?? 3, seed: opts?.seed ?? 0, binning, taskModel: opts?.taskModel ?? null });
  return r.computed ? r : null;
}
