/**
 * One run configuration: the settings of a simulation, each defined once with its constraint. The experiment
 * YAML and baseline schemas are built from the same field definitions; flags, YAML, baselines and library
 * requests are turned into a `RunConfig` by adapters (app/runConfig.ts) that name what the user wrote.
 */
import { z } from 'zod';
import { decisionRules, type DecisionRules, type Semantics } from '../core/semantics.js';
import type { OracleMode } from './engine.js';
import { atMost, MAX_ARMS, MAX_RUNS } from './limits.js';

/** Each setting's definition, shared by every schema that holds it. */
export const runFields = {
  data: z.string().min(1),
  queries: z.string(),
  models: z.string(),
  policies: z.array(z.string().min(1)).min(1).max(MAX_ARMS, atMost(MAX_ARMS)),
  /** `policy.param=value` overrides (flags and baselines); YAML arms give numbers per arm instead. */
  params: z.array(z.string()),
  lambda: z.number().min(0).max(1),
  runs: z.number().int().min(1).max(MAX_RUNS, atMost(MAX_RUNS)),
  seed: z.number().int().min(0),
  semantics: z.enum(['paper', 'repo']),
  oracle: z.enum(['full', 'pool']),
  feature: z.enum(['task', 'cluster', 'complexity']),
  binning: z.enum(['thresholds', 'equal-width']),
  cost: z.enum(['energy', 'usd', 'latency']),
  reward: z.string(),
  maxLatency: z.number().positive(),
};

/** A resolved simulation: every setting present, defaults those of `greenserv simulate`. */
export const runConfigSchema = z
  .object({
    data: runFields.data.default('greenserv-pool'),
    queries: runFields.queries.optional(),
    models: runFields.models.optional(),
    /** Absent: every registered policy the table supports (as `simulate` without --policies). */
    policies: runFields.policies.optional(),
    params: runFields.params.default([]),
    lambda: runFields.lambda.default(0.5),
    runs: runFields.runs.default(5),
    seed: runFields.seed.default(40),
    semantics: runFields.semantics.default('paper'),
    oracle: runFields.oracle.optional(),
    features: z.array(runFields.feature).default(['task', 'cluster', 'complexity']),
    binning: runFields.binning.default('thresholds'),
    cost: runFields.cost.default('energy'),
    reward: runFields.reward.optional(),
    maxLatency: runFields.maxLatency.nullable().default(null),
  })
  .strict();

export type RunConfig = z.output<typeof runConfigSchema>;
export type RunConfigInput = z.input<typeof runConfigSchema>;

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
