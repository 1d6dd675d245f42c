/**
 * Adapters from what a user wrote to one `RunConfig` (sim/runConfig.ts), and from a `RunConfig` to the
 * simulation. Flags are adapted in cli/simulateOptions.ts; errors name the field, flag or baseline key.
 */
import type { z } from 'zod';
import { UsageError } from '../core/errors.js';
import { kindOf } from '../core/shape.js';
import { checkTable } from './arguments.js';
import type { PoolTable } from '../data/pool.js';
import type { SimulateOptions } from '../sim/run.js';
import { runConfigSchema, type RunConfig, type RunConfigInput } from '../sim/runConfig.js';
import { DEFAULT_POLICIES, TRAINED_DEFAULT_POLICIES, withOverrides } from '../policies/registry.js';

/** A library request (or options) checked against its schema: the first problem is a UsageError naming its field. */
export function checkRequest<S extends z.ZodType>(schema: S, value: unknown, root = '(request)'): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const i = r.error.issues[0];
  throw new UsageError(`${i.path.map(String).join('.') || root}: ${i.message}`);
}

/** A library request: validated against the one schema, problems named by field (`lambda: …`). */
export function runConfigFromRequest(req: RunConfigInput): RunConfig {
  return checkRequest(runConfigSchema, req);
}

/**
 * A baseline's `config` (already validated by the baseline schema): its paths are resolved by the caller,
 * what-if `--param` overrides follow the recorded ones.
 */
export function runConfigFromBaseline(c: RunConfigInput & { data: string }, extraParams: readonly string[]): RunConfig {
  return runConfigSchema.parse({ ...c, params: withOverrides(c.params ?? [], extraParams) });
}

/** The simulation a configuration asks for, on a loaded table (the default policies depend on the table). */
export function simulateOptions(rc: RunConfig, table: PoolTable): SimulateOptions {
  // every run setting passes through as it is; only where the data comes from stays behind
  const { data: _data, queries: _queries, models: _models, policies, ...run } = rc;
  return { ...run, policies: policies ?? defaultPolicies(table, run.split !== undefined || run.train !== undefined).policies };
}

/**
 * The policies `simulate` runs when none are named: every registered one, less the size baselines when the
 * table has no parameter counts (`dropped` says which were left out); under the train/test protocol also the
 * routers trained on the train part.
 */
export function defaultPolicies(table: PoolTable, protocol = false): { policies: string[]; dropped: string[] } {
  checkTable(table, 'table');
  if (typeof protocol !== 'boolean') throw new UsageError(`protocol: Invalid input: expected boolean, received ${kindOf(protocol)}`);
  const policies = [...DEFAULT_POLICIES, ...(protocol ? TRAINED_DEFAULT_POLICIES : [])];
  if (!table.models.every((m) => Number.isNaN(m.paramsB))) return { policies, dropped: [] };
  const dropped = ['largest', 'smallest'];
  return { policies: policies.filter((p) => !dropped.includes(p)), dropped };
}

/** Whether any present cell has a latency (a latency bound needs some): the reward's own check. */
export { hasLatency as tableHasLatency } from '../sim/reward.js';
