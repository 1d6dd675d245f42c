/**
 * The regression use case: re-run the configuration recorded in a baseline file and compare its metrics
 * with per-metric tolerances (optionally rewriting the baseline after an intended change).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { ownRecord } from '../sim/recordSchema.js';
import { DataError, keepWhole, SettingError, UsageError } from '../core/errors.js';
import { checkString } from '../core/shape.js';
import { isBuiltinSource, loadTable } from '../data/load.js';
import { compareMetrics, failed, toleranceKeyProblem, type MetricDiff, type Tolerance } from '../metrics/regress.js';
import { writeFileAtomic } from '../core/atomic.js';
import { compileRewardExpression } from '../sim/rewardExpression.js';
import { throughputRatios } from '../sim/throughput.js';
import { runSweep } from '../sim/sweep.js';
import { resolveSourcePath } from '../sim/experimentConfig.js';
import { MAX_ARMS, MAX_BENCH_MS, MAX_CONFIG_BYTES, MAX_LAMBDAS, atMost } from '../sim/limits.js';
import { runFields, runSettingsShape } from '../sim/runConfig.js';
import { checkRequest, runConfigFromBaseline, simulateOptions, tableHasLatency } from './runConfig.js';
import type { PoolTable } from '../data/pool.js';
import { sameModelsProblem } from '../sim/protocol.js';
import { resolvePolicies, withOverrides } from '../policies/registry.js';
import { scenarioProblem, usesScenario } from '../sim/scenarioConfig.js';
import { simulateTable } from './simulate.js';

const feature = runFields.feature;
const simulateConfig = z
  .object({
    command: z.literal('simulate'),
    // the run's own field definitions, so that what the run would refuse is refused here, naming the key
    data: runFields.data,
    queries: runFields.queries.optional(),
    models: runFields.models.optional(),
    policies: runFields.policies,
    params: runFields.params.default([]),
    lambda: runFields.lambda,
    ...runSettingsShape,
  })
  .strict();
const evaluateConfig = z
  .object({
    command: z.literal('evaluate'),
    routerbench: z.string().min(1).describe('RouterBench file or directory (relative to the baseline file)'),
    policies: runFields.policies,
    params: runFields.params.default([]),
    lambdas: z.array(runFields.lambda).min(1).max(MAX_LAMBDAS, atMost(MAX_LAMBDAS)),
    runs: runFields.runs,
    seed: runFields.seed,
    semantics: runFields.semantics.default('paper'),
    features: z.array(feature).default(['task', 'cluster', 'complexity']),
    costScale: z.enum(['linear', 'log']).default('linear'),
    aiqMode: z.enum(['paper', 'routerbench-code']).default('paper'),
  })
  .strict();
const benchConfig = z
  .object({ command: z.literal('bench'), policies: z.array(z.string()).min(1).max(MAX_ARMS, atMost(MAX_ARMS)), minMs: z.number().int().min(50).max(MAX_BENCH_MS, atMost(MAX_BENCH_MS)).default(400) })
  .strict();

/** Per-metric tolerances, as a baseline file and regressOne's options give them. */
const toleranceRecord = ownRecord(z.object({ abs: z.number().min(0).optional(), rel: z.number().min(0).optional() }).strict());

const baselineSchema = z
  .object({
    schemaVersion: z.literal(1),
    name: z.string(),
    description: z.string().optional(),
    /** A path (relative to the baseline file) that must exist, e.g. shared data; absent ⇒ skipped. */
    requires: z.string().optional(),
    config: z.discriminatedUnion('command', [simulateConfig, evaluateConfig, benchConfig]),
    dataset: z.object({ name: z.string(), sha256: z.string() }).optional(),
    tolerance: toleranceRecord.optional(),
    machine: ownRecord(z.union([z.string(), z.number()])).optional(),
    metrics: ownRecord(z.number()),
  })
  .strict();
export type Baseline = z.infer<typeof baselineSchema>;

export interface RegressResult {
  baseline: string;
  name: string;
  status: 'pass' | 'fail' | 'skipped' | 'updated' | 'unchanged';
  reason?: string;
  datasetMismatch?: { baseline: string; now: string };
  diffs: MetricDiff[];
}

export function readBaseline(file: string): Baseline {
  checkString(file, 'file');
  let raw: unknown;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new Error('not a regular file');
    if (st.size > MAX_CONFIG_BYTES) throw new Error(`${st.size} bytes, at most ${MAX_CONFIG_BYTES} (see docs/limits.md)`);
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new DataError(`cannot read baseline: ${(e as Error).message}`, file);
  }
  const r = baselineSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new DataError(`invalid baseline: ${i.path.join('.') || '(top level)'}: ${i.message}`, file, undefined, i.path.join('.'), 'field');
  }
  // a misspelt tolerance key would leave the default tolerance in force without a word
  for (const key of Object.keys(r.data.tolerance ?? {})) {
    const problem = toleranceKeyProblem(key, Object.keys(r.data.metrics));
    if (problem) throw new DataError(`invalid baseline: tolerance.${key}: ${problem}`, file, undefined, `tolerance.${key}`, 'field');
  }
  return r.data;
}

/** Re-run a baseline's configuration; returns its metrics (and the dataset hash where there is one). */
async function measureBaseline(b: Baseline, file: string, extraParams: string[] = [], warn?: (msg: string) => void): Promise<{ metrics: Record<string, number>; dataset?: { name: string; sha256: string }; machine?: Record<string, string | number> }> {
  const c = b.config;
  if (c.command === 'bench') {
    const { reference, decisions, ratio } = baselineField(file, 'config.policies', () => throughputRatios(c.policies, c.minMs));
    const metrics: Record<string, number> = {};
    for (const p of c.policies) metrics[`${p}.throughputRatio`] = ratio[p];
    return { metrics, machine: { node: process.version, referenceOpsPerSecond: Math.round(reference), ...Object.fromEntries(c.policies.map((p) => [`${p}.decisionsPerSecond`, decisions[p]])) } };
  }
  const rel = (p: string | undefined): string | undefined => resolveSourcePath(file, p, isBuiltinSource);
  if (c.command === 'evaluate') {
    const { evaluateDefaults, prepareEvaluation, scoreSweep } = await import('./evaluate.js');
    const source = rel(c.routerbench)!;
    if (!source.startsWith('hf://') && !existsSync(source)) throw new DataError(`file not found: ${source} (relative to the baseline file)`, file, undefined, 'config.routerbench', 'field');
    // the recorded policies and overrides, as for simulate (static:<model> waits for the table's models)
    const named = c.policies.filter((p) => !p.startsWith('static:'));
    baselineField(file, 'config.policies', () => resolvePolicies(named, [], []));
    baselineField(file, 'config.params', () => resolvePolicies(named, c.params, []));
    const p = evaluateDefaults({
      source,
      policies: c.policies,
      params: withOverrides(c.params, extraParams),
      lambdas: c.lambdas,
      runs: c.runs,
      seed: c.seed,
      semantics: c.semantics,
      features: c.features,
      binning: 'thresholds',
      familyRules: [],
      defaultFamilies: true,
      costScale: c.costScale,
      aiqMode: c.aiqMode,
      jobs: 1,
    });
    // evaluateRouterbench's steps (a baseline has no split), so that static:<model> is checked against the
    // loaded table's models as the baseline's field
    const prep = await prepareEvaluation(p, warn);
    baselineField(file, 'config.policies', () => resolvePolicies(c.policies, [], prep.table.models));
    baselineField(file, 'config.params', () => resolvePolicies(c.policies, c.params, prep.table.models));
    const ev = scoreSweep(p, prep, await runSweep(prep.table, prep.sweepOptions));
    const metrics: Record<string, number> = {};
    // an undefined figure (null) is recorded as NaN, which a comparison reports as missing
    const num = (x: number | null): number => (x === null ? Number.NaN : x);
    for (const p of ev.result.summary.policies) {
      metrics[`${p.name}.aiq`] = num(p.aiq.mean);
      for (const [fam, v] of Object.entries(p.aiq.byFamily)) metrics[`${p.name}.${fam}.aiq`] = num(v);
      metrics[`${p.name}.peakAccuracy`] = num(p.peakAccuracy);
      metrics[`${p.name}.avgAccuracy`] = num(p.avgAccuracy);
    }
    return { metrics, dataset: { name: ev.table.name, sha256: ev.sha256 } };
  }
  if (c.reward !== undefined) await compileRewardExpression(c.reward, { file, field: 'config.reward' });
  const { command: _, ...recorded } = c;
  const rc = runConfigFromBaseline({ ...recorded, data: rel(c.data)!, queries: rel(c.queries), models: rel(c.models), train: rel(c.train) }, extraParams);
  // a file the baseline names that is not there is the baseline's problem: name it and the key
  for (const [field, p] of [['data', rc.data], ['queries', rc.queries], ['models', rc.models]] as const) {
    if (p === undefined || p.startsWith('hf://') || (field === 'data' && isBuiltinSource(p)) || existsSync(p)) continue;
    const error = new DataError(`file not found: ${p} (relative to the baseline file)${field === 'data' ? ' and not a built-in dataset: see `greenserv datasets list`' : ''}`, file, undefined, `config.${field}`, 'field');
    throw keepWhole(error, p, '`greenserv datasets list`');
  }
  const table = await loadTable(rc.data, { queries: rc.queries, models: rc.models, warn });
  // the recorded policies and parameter overrides, before any --param of the command line
  baselineField(file, 'config.policies', () => resolvePolicies(c.policies, [], table.models));
  baselineField(file, 'config.params', () => resolvePolicies(c.policies, c.params, table.models));
  // a scenario that does not fit the table is the baseline's problem: name the file and field, as experiments do
  const sp = scenarioProblem(table, c);
  if (sp) throw new DataError(sp.message, file, undefined, ['config', ...sp.path].join('.'), 'field');
  const trainTable = rc.train !== undefined ? await loadBaselineTrain(file, c, rc.train, table, warn) : undefined;
  const { summary: s } = await simulateTable(table, { ...simulateOptions(rc, table), rewardSource: { file, field: 'config.reward' }, ...(trainTable ? { trainTable } : {}) });
  const metrics: Record<string, number> = {};
  for (const p of s.policies) {
    metrics[`${p.name}.finalRegret`] = p.finalRegret.mean;
    metrics[`${p.name}.accuracy`] = p.accuracy.mean;
    metrics[`${p.name}.energyWh`] = p.energyWh.mean;
    metrics[`${p.name}.reward`] = p.reward.mean;
  }
  // a scenario's own figures are guarded too: budget adherence, regret after each event, labels delivered
  const sc = s.scenario;
  for (const c of sc?.budget?.cells ?? []) {
    metrics[`${c.label}.budgetFinal`] = c.final.mean;
    metrics[`${c.label}.overshoot`] = c.overshoot.mean;
  }
  for (const c of sc?.events?.cells ?? []) metrics[`${c.label}.event${c.event}.regretAfter`] = c.regretAfter.mean;
  for (const c of sc?.feedback?.cells ?? []) metrics[`${c.label}.delivered`] = c.delivered.mean;
  return { metrics, dataset: { name: table.name, sha256: s.dataset.sha256 } };
}

/** `run()`, with a refusal of what the baseline recorded (a UsageError) naming the baseline file and `field`. */
function baselineField<T>(file: string, field: string, run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    // the key is named as the location: a message that opens with the setting's own name drops it
    const own = `${field.split('.').pop()}: `;
    throw new DataError(e.message.startsWith(own) ? e.message.slice(own.length) : e.message, file, undefined, field, 'field');
  }
}

/**
 * A simulate baseline's `config.train` (relative to the baseline file), loaded and checked as `simulate --train`
 * checks it: no `split` or scenario beside it, the data's models, the cost column. Problems name the key.
 */
async function loadBaselineTrain(file: string, c: z.infer<typeof simulateConfig>, train: string, table: PoolTable, warn?: (msg: string) => void): Promise<PoolTable> {
  const fail = (message: string): DataError => new DataError(message, file, undefined, 'config.train', 'field');
  if (c.split !== undefined) throw fail('give either split (a split of the data) or train (a separate training table), not both');
  if ((c.splits ?? 1) !== 1) throw fail('splits applies to split; a train table is one split');
  if (usesScenario(c)) throw fail('budget, drift, feedbackDelay and feedbackRate do not combine with a train table in a simulate baseline (simulate replays no scenario under the train/test protocol)');
  if (!isBuiltinSource(train) && !train.startsWith('hf://') && !existsSync(train)) throw fail(`train table '${c.train}' not found (${train}; relative to the baseline file)`);
  const t = await loadTable(train, { warn });
  const problem = sameModelsProblem(table, t, 'the data');
  if (problem) throw fail(`the train table '${c.train}' must have the same models as the data '${table.name}'; it ${problem}`);
  const cost = c.cost ?? 'energy';
  if (cost === 'usd' && !t.costUsd) throw fail(`the train table '${c.train}' has no cost_usd values (cost usd)`);
  if (cost === 'latency' && !tableHasLatency(t)) throw fail(`the train table '${c.train}' has no latency values (cost latency)`);
  return t;
}

/** regressOne's options, checked as the other use cases check their requests (a plain-JavaScript caller's typo is named). */
const regressOptions = z
  .object({
    tolerance: toleranceRecord.optional(),
    update: z.boolean().optional(),
    params: z.array(z.string()).optional(),
    warn: z.custom<(msg: string) => void>((v) => typeof v === 'function', 'must be a function').optional(),
  })
  .strict();

export async function regressOne(file: string, options: { tolerance?: Record<string, Tolerance>; update?: boolean; params?: string[]; warn?: (msg: string) => void } = {}): Promise<RegressResult> {
  const o = checkRequest(regressOptions, options, '(options)');
  const b = readBaseline(file);
  // a misspelt key left the default tolerance in force without a word (the baseline's own keys are checked so);
  // the keys as given, since one such as "__proto__" is not among the parsed record's own
  for (const key of Object.keys(options.tolerance ?? {})) {
    const problem = toleranceKeyProblem(key, Object.keys(b.metrics));
    // the command names its flag, as its own check of --tolerance does
    if (problem) throw new SettingError((n) => `${n('tolerance') === 'tolerance' ? `tolerance.${key}` : n('tolerance')}: ${problem}`);
  }
  if (b.requires && !existsSync(resolve(dirname(file), b.requires))) {
    return { baseline: file, name: b.name, status: 'skipped', reason: `${b.requires} is absent`, diffs: [] };
  }
  const now = await measureBaseline(b, file, o.params ?? [], o.warn);
  if (o.update) {
    const diffs = compareMetrics(b.metrics, now.metrics, o.tolerance, b.tolerance);
    // a baseline that still passes keeps its file, so noisy figures do not churn on every update
    const datasetSame = !now.dataset || b.dataset?.sha256 === now.dataset.sha256;
    if (datasetSame && diffs.every((d) => d.verdict === 'ok')) return { baseline: file, name: b.name, status: 'unchanged', diffs };
    const updated: Baseline = { ...b, metrics: now.metrics, ...(now.dataset ? { dataset: now.dataset } : {}), ...(now.machine ? { machine: now.machine } : {}) };
    writeFileAtomic(file, JSON.stringify(updated, null, 2) + '\n');
    return { baseline: file, name: b.name, status: 'updated', diffs };
  }
  const diffs = compareMetrics(b.metrics, now.metrics, o.tolerance, b.tolerance);
  if (b.dataset && now.dataset && b.dataset.sha256 !== now.dataset.sha256) {
    return {
      baseline: file,
      name: b.name,
      status: 'fail',
      reason: `dataset '${now.dataset.name}' changed: sha256 ${now.dataset.sha256.slice(0, 16)}… ≠ baseline ${b.dataset.sha256.slice(0, 16)}…; metrics are not comparable (re-record with --update if the change is intended)`,
      datasetMismatch: { baseline: b.dataset.sha256, now: now.dataset.sha256 },
      diffs,
    };
  }
  return { baseline: file, name: b.name, status: failed(diffs) ? 'fail' : 'pass', diffs };
}


/**
 * The closing line: `regress: pass (2 baselines, 1 skipped)` or `regress: FAIL (x1-builtin, y (skipped))`.
 * A skip passes unless `strict`, where it fails like a regression.
 */
export function verdict(results: readonly RegressResult[], strict: boolean): { failed: boolean; line: string } {
  const skipped = results.filter((r) => r.status === 'skipped');
  const failing = results.filter((r) => r.status === 'fail' || (strict && r.status === 'skipped'));
  if (failing.length) {
    return { failed: true, line: `regress: FAIL (${failing.map((r) => (r.status === 'skipped' ? `${r.name} (skipped${r.reason ? `: ${r.reason}` : ''})` : r.name)).join(', ')})` };
  }
  const n = results.length;
  const parts = [`${n} baseline${n === 1 ? '' : 's'}`];
  if (skipped.length) parts.push(`${skipped.length} skipped`);
  const updated = results.filter((r) => r.status === 'updated').length;
  if (updated) parts.push(`${updated} updated`);
  return { failed: false, line: `regress: pass (${parts.join(', ')})` };
}
