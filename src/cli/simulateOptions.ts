/** The options of `greenserv simulate` as parsed, shared by the declaration (simulate.ts) and the run (simulateRun.ts). */
import { UsageError } from '../core/errors.js';
import { ALL_FEATURES, type FeatureName } from '../features/context.js';
import { parseList } from './parse.js';

export interface SimulateCliOptions {
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
