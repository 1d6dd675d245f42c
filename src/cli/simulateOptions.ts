/**
 * The options of `greenserv simulate` as parsed, shared by the declaration (simulate.ts) and the run
 * (simulateRun.ts), and their adapter to the one run configuration.
 */
import { UsageError } from '../core/errors.js';
import { ALL_FEATURES, type FeatureName } from '../features/context.js';
import { runConfigSchema, type RunConfig } from '../sim/runConfig.js';
import { parseList } from './parse.js';
import { configFromFlags } from './runFlags.js';

/** Run-setting flags as commander gives them: one per field of the run configuration (sim/runConfig.ts). */
type RunFlags = { [K in keyof RunConfig]?: string };

/** What simulate reads besides the run configuration: inputs, outputs and display. */
export interface SimulateCliOptions extends Omit<RunFlags, 'params'> {
  data: string;
  param: string[];
  policyModule: string[];
  energyModel?: string;
  format?: string;
  bounds?: string;
  offline?: boolean;
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
  return configFromFlags(runConfigSchema, o, { flagFor: { params: 'param' }, parsers: { features: parseFeatures } });
}
