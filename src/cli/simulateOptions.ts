/**
 * The options of `greenserv simulate` as parsed, shared by the declaration (simulate.ts) and the run
 * (simulateRun.ts), and their adapter to the one run configuration.
 */
import { UsageError } from '../core/errors.js';
import { ALL_FEATURES } from '../features/context.js';
import { CONTEXT_FEATURES, DENSE_FEATURES, type ContextFeature } from '../features/contextsFor.js';
import { runConfigSchema, type RunConfig } from '../sim/runConfig.js';
import { parseList } from './parse.js';
import { configFromFlags } from './runFlags.js';
import { parseDriftSpec } from '../sim/scenarioConfig.js';

/** Run-setting flags as commander gives them: one per field of the run configuration (sim/runConfig.ts). */
type RunFlags = { [K in Exclude<keyof RunConfig, 'drift'>]?: string } & { drift?: string[] };

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
  log?: string;
  steps: string;
  report?: boolean;
  json?: boolean;
  progress: boolean;
  ui: boolean;
}

export function parseFeatures(raw: string): ContextFeature[] {
  if (raw.trim() === 'none') return [];
  const list = parseList(raw);
  for (const f of list) {
    if (!(CONTEXT_FEATURES as readonly string[]).includes(f)) {
      throw new UsageError(`--features: unknown feature '${f}'; valid: ${ALL_FEATURES.join(', ')} or none, or embed or embedding alone`);
    }
  }
  // a dense kind replaces the one-hot blocks (docs/features.md)
  if (list.some((f) => (DENSE_FEATURES as readonly string[]).includes(f))) {
    if (list.length !== 1) throw new UsageError(`--features: embed and embedding are given alone, got '${raw}'`);
    return [list[0] as ContextFeature];
  }
  return ALL_FEATURES.filter((f) => list.includes(f));
}

/** The flags as a run configuration; a bad value is reported as the flag the user typed. */
export function runConfigFromFlags(o: SimulateCliOptions): RunConfig {
  return configFromFlags(runConfigSchema, o, { flagFor: { params: 'param' }, parsers: { features: parseFeatures, drift: (raw: string[]) => raw.map((s) => parseDriftSpec(s)) } });
}
