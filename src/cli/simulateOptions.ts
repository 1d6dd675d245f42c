/**
 * The options of `greenserv simulate` as parsed, shared by the declaration (simulate.ts) and the run
 * (simulateRun.ts), and their adapter to the one run configuration.
 */
import { UsageError } from '../core/errors.js';
import { ALL_FEATURES, type FeatureName } from '../features/context.js';
import { MAX_RUNS } from '../sim/limits.js';
import { runConfigSchema, type RunConfig } from '../sim/runConfig.js';
import { parseChoice, parseInteger, parseLambda, parseList, parseNumber } from './parse.js';

export interface SimulateCliOptions {
  policyModule: string[];
  energyModel?: string;
  data: string;
  queries?: string;
  models?: string;
  format?: string;
  bounds?: string;
  offline?: boolean;
  policies?: string;
  lambda: string;
  runs: string;
  seed: string;
  semantics: string;
  oracle?: string;
  features: string;
  binning: string;
  param: string[];
  reward?: string;
  cost: string;
  maxLatency?: string;
  taskModel?: string;
  out?: string;
  force?: boolean;
  steps: string;
  json?: boolean;
  progress: boolean;
  ui: boolean;
}

export function parseFeatures(raw: string): FeatureName[] {
  if (raw.trim() === 'none') return [];
  const list = parseList(raw);
  for (const f of list) {
    if (!(ALL_FEATURES as readonly string[]).includes(f)) {
      throw new UsageError(`--features: unknown feature '${f}'; valid: ${ALL_FEATURES.join(', ')} or none`);
    }
  }
  return ALL_FEATURES.filter((f) => list.includes(f));
}

/** The flags as a run configuration; a bad value is reported as the flag the user typed. */
export function runConfigFromFlags(o: SimulateCliOptions): RunConfig {
  const lambda = parseLambda('--lambda', o.lambda);
  const runs = parseInteger('--runs', o.runs, 1, MAX_RUNS);
  const seed = parseInteger('--seed', o.seed, 0);
  const semantics = parseChoice('--semantics', o.semantics, ['paper', 'repo'] as const);
  const features = parseFeatures(o.features);
  const maxLatency = o.maxLatency !== undefined ? parseNumber('--max-latency', o.maxLatency) : null;
  if (maxLatency !== null && !(maxLatency > 0)) throw new UsageError(`--max-latency must be > 0 seconds, got ${o.maxLatency}`);
  const policies = o.policies !== undefined ? parseList(o.policies) : undefined;
  if (policies?.length === 0) throw new UsageError('--policies: no policy given');
  const oracle = o.oracle !== undefined ? parseChoice('--oracle', o.oracle, ['full', 'pool'] as const) : undefined;
  const binning = parseChoice('--binning', o.binning, ['thresholds', 'equal-width'] as const);
  const cost = parseChoice('--cost', o.cost, ['energy', 'usd', 'latency'] as const);
  return runConfigSchema.parse({ data: o.data, queries: o.queries, models: o.models, policies, params: o.param, lambda, runs, seed, semantics, oracle, features, binning, cost, reward: o.reward, maxLatency });
}
