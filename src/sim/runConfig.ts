/**
 * One run configuration: the settings of a simulation, each defined once with its constraint and default.
 * The simulate flags, the experiment YAML, the baseline files and library requests all take their run
 * settings from `runSettingsShape`, so a new setting is one entry there (plus its flag in cli/simulate.ts);
 * the adapters (app/runConfig.ts, cli/runFlags.ts) name what the user wrote in their errors.
 */
import { z } from 'zod';
import { decisionRules, type DecisionRules, type Semantics } from '../core/semantics.js';
import type { OracleMode } from './engine.js';
import { atMost, MAX_ARMS, MAX_RUNS } from './limits.js';
import { MAX_DENSE_DIM } from '../features/contextsFor.js';
import { scenarioFields } from './scenarioConfig.js';

const unit = 'must be in [0, 1]';

/** Each setting's definition, shared by every schema that holds it. */
export const runFields = {
  data: z.string().min(1),
  queries: z.string(),
  models: z.string(),
  policies: z.array(z.string().min(1)).min(1, 'no policy given').max(MAX_ARMS, atMost(MAX_ARMS)),
  /** `policy.param=value` overrides (flags and baselines); YAML arms give numbers per arm instead. */
  params: z.array(z.string()),
  lambda: z.number().min(0, unit).max(1, unit),
  // the bound before the integer check, so that 1e20 (not a safe integer) is told the bound
  runs: z.number().min(1, 'must be an integer ≥ 1').max(MAX_RUNS, atMost(MAX_RUNS)).int('must be an integer ≥ 1'),
  // the bound before the integer check too: past 2⁵³ − 1 a number is no longer a safe integer, and is told the bound
  seed: z.number().min(0, 'must be an integer ≥ 0').max(Number.MAX_SAFE_INTEGER, `must be an integer ≤ ${Number.MAX_SAFE_INTEGER} (2⁵³ − 1)`).int('must be an integer ≥ 0'),
  semantics: z.enum(['paper', 'repo']),
  oracle: z.enum(['full', 'pool']),
  /** embed and embedding replace the one-hot blocks and are given alone (features/contextsFor.ts). */
  feature: z.enum(['task', 'cluster', 'complexity', 'embed', 'embedding']),
  binning: z.enum(['thresholds', 'equal-width']),
  cost: z.enum(['energy', 'usd', 'latency']),
  reward: z.string(),
  maxLatency: z.number().positive('must be > 0 seconds'),
};

/**
 * The run settings every way of describing a run shares (simulate flags, experiment YAML, baselines,
 * library requests), with the defaults of `greenserv simulate`. Add a new setting here.
 */
export const runSettingsShape = {
  runs: runFields.runs.default(5),
  seed: runFields.seed.default(40),
  semantics: runFields.semantics.default('paper'),
  oracle: runFields.oracle.optional().describe('default: repo → full, paper → pool'),
  features: z.array(runFields.feature).default(['task', 'cluster', 'complexity']),
  binning: runFields.binning.default('thresholds'),
  cost: runFields.cost.default('energy'),
  reward: runFields.reward.optional().describe('custom reward expression (see README)'),
  maxLatency: runFields.maxLatency.nullable().default(null).describe('only route to models whose mean latency on the task is within this bound (seconds)'),
  split: z.number().gt(0, 'must be a fraction strictly between 0 and 1').lt(1, 'must be a fraction strictly between 0 and 1').optional().describe('train share of a seeded train/test split stratified by task; scored on the test part (docs/model.md §13)'),
  splits: z.number().min(1, 'must be an integer ≥ 1').max(MAX_RUNS, atMost(MAX_RUNS)).int('must be an integer ≥ 1').default(1).describe('train/test splits, each with its own draw (with split)'),
  train: z.string().min(1).optional().describe('separate training table with the same models; the data is then the test stream (docs/model.md §13)'),
  embedDim: z.number().min(1, 'must be an integer ≥ 1').max(MAX_DENSE_DIM, atMost(MAX_DENSE_DIM)).int('must be an integer ≥ 1').default(64).describe('dimension of the embed contexts (docs/features.md)'),
  budget: scenarioFields.budget.optional().describe('energy=<Wh per query>, usd=<dollars per query> or latency=<p95 seconds> (docs/model.md §11.1)'),
  drift: scenarioFields.drift.optional().describe('drift events: a model’s accuracy shifts or its costs scale from a step on (docs/model.md §11.2)'),
  feedbackDelay: scenarioFields.feedbackDelay.optional().describe('steps before a reward is seen: <n>, uniform:<a>-<b> or geometric:<mean> (docs/model.md §11.5)'),
  feedbackRate: scenarioFields.feedbackRate.optional().describe('share of decisions that ever get a reward, in (0, 1] (docs/model.md §11.5)'),
};

export const runSettingsSchema = z.object(runSettingsShape).strict();
export type RunSettings = z.output<typeof runSettingsSchema>;

/** A resolved simulation: where the data is, which policies at which λ, and the run settings. */
export const runConfigSchema = z
  .object({
    data: runFields.data.default('greenserv-pool'),
    queries: runFields.queries.optional(),
    models: runFields.models.optional(),
    /** Absent: every registered policy the table supports (as `simulate` without --policies). */
    policies: runFields.policies.optional(),
    params: runFields.params.default([]),
    lambda: runFields.lambda.default(0.5),
    ...runSettingsShape,
  })
  .strict();

export type RunConfig = z.output<typeof runConfigSchema>;
export type RunConfigInput = z.input<typeof runConfigSchema>;

/** The settings whose value differs from the default, beyond `known` (so records of default runs keep their bytes). */
export function changedRunSettings(o: RunSettings, known: readonly string[]): Record<string, unknown> {
  const defaults = runSettingsSchema.parse({}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(runSettingsShape)) {
    if (known.includes(k)) continue;
    const v = (o as unknown as Record<string, unknown>)[k];
    if (v !== undefined && JSON.stringify(v) !== JSON.stringify(defaults[k])) out[k] = v;
  }
  return out;
}

/** What a `semantics` choice means for a run, decided in one place. */
export interface ResolvedSemantics {
  semantics: 'paper' | 'repo';
  /** Context vector layout: repo d = 11, paper d = 12 (docs/model.md §4). */
  layout: Semantics;
  /** Tie rule and Thompson covariance scale of the policies. */
  rules: DecisionRules;
  /** Regret oracle: full table for repo (docs/model.md §6), current pool for paper, unless set. */
  oracle: OracleMode;
}

export function resolveSemantics(semantics: 'paper' | 'repo', oracle?: OracleMode): ResolvedSemantics {
  return { semantics, layout: semantics, rules: decisionRules(semantics), oracle: oracle ?? (semantics === 'repo' ? 'full' : 'pool') };
}
