/**
 * The off-policy evaluation use case (`greenserv ope`, docs/ope.md): load a routing log (and optionally the
 * full table it was drawn from), estimate what each target policy would have achieved, write the results.
 */
import { AtomicDir } from '../core/atomic.js';
import type { Inputs } from '../core/outputGuard.js';
import { DataError, SettingError, UsageError } from '../core/errors.js';
import { checkFieldKinds, checkKnownKeys, checkObject, checkRequiredKinds, checkStringList, kindOf } from '../core/shape.js';
import { checkMarker, checkOutDir, checkTable, checkWriterOptions } from './arguments.js';
import { someOf } from '../data/formats/text.js';
import { loadTable } from '../data/load.js';
import { loadLogs } from '../data/logs.js';
import type { PoolTable } from '../data/pool.js';
import { ALL_FEATURES } from '../features/context.js';
import { DEFAULT_BOOTSTRAP_RESAMPLES } from '../metrics/ope/bootstrap.js';
import { ESTIMATOR_NAMES } from '../metrics/ope/estimators.js';
import { parseEstimators } from '../metrics/ope/evaluate.js';
import { uniformLogs } from '../metrics/ope/run.js';
import { runOpeAnywhere } from '../metrics/ope/thread.js';
import { RidgeFitError } from '../metrics/ope/ridge.js';
import { prepareOpe } from '../metrics/ope/setup.js';
import { buildOpeSummary, type OpeSummary } from '../metrics/ope/summary.js';
import { loadPolicyModule, resolvePolicies } from '../policies/registry.js';
import { writeOpeOutputs } from '../report/ope.js';

const DEFAULT_OPE_SEED = 40;
const DEFAULT_OPE_LAMBDA = 0.5;
/** Most bootstrap resamples (each costs one pass over the log per estimator). */
const MAX_BOOTSTRAP = 100_000;
/** Most decisions × models: each target distribution and reward model is an n×M Float64Array (docs/limits.md). */
const MAX_OPE_CELLS = 20_000_000;

export interface OpeRequest {
  /** The routing log (CSV, TSV, JSON Lines, Parquet or Arrow). */
  logs: string;
  policies: string[];
  /** `policy.param=value` overrides. */
  params?: string[];
  /** Comma-separated estimator names (default: all). */
  estimators?: string;
  /** Accuracy–energy trade-off of the reward; when absent, a logged reward column is used as it is (else 0.5). */
  lambda?: number;
  seed?: number;
  /** Bootstrap resamples (default 1000). */
  bootstrap?: number;
  /** ES modules of plugin policies to register first (as `--policy-module`). */
  policyModules?: readonly string[];
  /** The full table the log was drawn from (built-in name, file or loaded table): true values, exact rewards. */
  table?: string | PoolTable;
  format?: string;
  offline?: boolean;
  warn?: (msg: string) => void;
}

const OPE_FIELDS: readonly (keyof OpeRequest)[] = ['logs', 'policies', 'params', 'estimators', 'lambda', 'seed', 'bootstrap', 'policyModules', 'table', 'format', 'offline', 'warn'];

function checkInt(v: number, name: string, lo: number, hi: number): number {
  if (!(Number.isInteger(v) && v >= lo && v <= hi)) throw new UsageError(`${name} must be an integer in [${lo}, ${hi}], got ${v}`);
  return v;
}

/** Evaluate the policies on the log; the result is what summary.json holds. */
export async function ope(req: OpeRequest): Promise<OpeSummary> {
  // a JavaScript caller gets no type check: name the field rather than fail on undefined
  checkObject(req);
  checkKnownKeys(req, OPE_FIELDS);
  checkFieldKinds(req, { estimators: 'string', format: 'string', offline: 'boolean', warn: 'function' });
  // a string passed the range checks below ('0.3' >= 0) and reached summary.json; NaN is worded by them
  for (const f of ['lambda', 'seed', 'bootstrap'] as const) {
    if (req[f] !== undefined && typeof req[f] !== 'number') throw new UsageError(`${f}: Invalid input: expected number, received ${kindOf(req[f])}`);
  }
  checkStringList(req.params, 'params');
  checkStringList(req.policyModules, 'policyModules');
  if (req.table !== undefined && typeof req.table !== 'string' && (req.table === null || typeof req.table !== 'object' || Array.isArray(req.table))) throw new UsageError(`table: Invalid input: expected a source (string) or a loaded PoolTable, received ${kindOf(req.table)}`);
  // an object is a loaded table: one without its columns failed deep inside, or blamed the log
  if (typeof req.table === 'object') checkTable(req.table, 'table');
  if (typeof req.logs !== 'string' || req.logs === '') throw new UsageError('logs: give the routing log file');
  if (req.policies !== undefined && !Array.isArray(req.policies)) throw new UsageError(`policies: Invalid input: expected array, received ${kindOf(req.policies)}`);
  if (!Array.isArray(req.policies) || req.policies.length === 0) throw new UsageError('policies: give at least one target policy');
  checkStringList(req.policies, 'policies');
  for (const f of req.policyModules ?? []) await loadPolicyModule(f);
  const lambdaGiven = req.lambda !== undefined;
  const lambda = req.lambda ?? DEFAULT_OPE_LAMBDA;
  if (!(lambda >= 0 && lambda <= 1)) throw new UsageError(`lambda must be in [0, 1], got ${lambda}`);
  const seed = checkInt(req.seed ?? DEFAULT_OPE_SEED, 'seed', 0, 0xffffffff);
  const bootstrap = checkInt(req.bootstrap ?? DEFAULT_BOOTSTRAP_RESAMPLES, 'bootstrap', 1, MAX_BOOTSTRAP);
  const estimators = parseEstimators(req.estimators ?? ESTIMATOR_NAMES.join(','));
  const table = typeof req.table === 'string' ? await loadTable(req.table, { format: req.format, offline: req.offline, warn: req.warn }) : (req.table ?? null);
  const log = await loadLogs(req.logs, { models: table ? table.models.map((m) => m.id) : undefined, warn: req.warn });
  const cells = log.n * (table ? table.nModels : log.models.length);
  if (cells > MAX_OPE_CELLS) throw new DataError(`${log.n} decisions × ${cells / log.n} models = ${cells} cells; ope handles at most ${MAX_OPE_CELLS} (see docs/limits.md)`, req.logs);
  const data = await prepareOpe(log, table, { lambda, lambdaGiven, semantics: 'paper', features: ALL_FEATURES });
  const policies = resolvePolicies(req.policies, req.params ?? [], data.models);
  // a log replays no budget: a budgeted router has nothing to pace against
  const budgeted = policies.find((p) => p.factory.budget === true);
  if (budgeted) throw new SettingError((n) => `policy '${budgeted.name}' routes under a budget, which ope does not replay; evaluate it with simulate ${n('budget')} or an experiment's budget:`);
  // a log carries no parameter counts; the policies' own message asks for a models file, which ope cannot take
  const sized = data.table ? undefined : policies.find((p) => p.factory.name === 'largest' || p.factory.name === 'smallest');
  if (sized) throw new SettingError((n) => `policy '${sized.name}' needs model parameter counts, which a log does not carry: give the full table with ${n('table')}`);
  const uniform = uniformLogs(data);
  let results: Awaited<ReturnType<typeof runOpeAnywhere>>;
  try {
    // with policy modules on a worker thread, so a plugin call that never returns leaves signals heard
    results = await runOpeAnywhere(data, policies, req.policies, req.params ?? [], { estimators, seed, resamples: bootstrap, semantics: 'paper' });
  } catch (e) {
    if (!(e instanceof RidgeFitError)) throw e;
    throw new DataError(`the reward model of ${data.models[e.model]?.id ?? `model ${e.model}`} cannot be fitted: the ctx_* context values span too wide a range for the ridge fit of the direct method's reward model (raw timestamps, say); centre or rescale those columns (docs/ope.md)`, req.logs);
  }
  for (const r of results) {
    if (r.method === 'replay' && !r.unbiased) req.warn?.(`${r.name}: a learning policy is evaluated by replay, which is unbiased only on uniformly random logs; these logs are not, so its estimate is biased (docs/ope.md)`);
  }
  const overflowed = results.flatMap((r) => r.estimates.filter((e) => e.note?.includes('overflowed')).map((e) => `${r.name} ${e.estimator} (${e.metric})`));
  if (overflowed.length > 0) {
    req.warn?.(`${overflowed.length} estimate(s) overflowed the range of a double: ${someOf(overflowed, 5)}; summary.json writes what overflowed as null, with a note (look for tiny propensities: their importance weights are huge)`);
  }
  return buildOpeSummary(data, { file: req.logs, lambda: data.rewardSource === 'logged' ? Number.NaN : lambda, estimators, seed, bootstrap, uniform }, results);
}

/** What `ope` resolved to: the fields the writer reads (a summary of another command is named as such). */
function checkOpeSummary(s: unknown): void {
  checkObject(s, 'summary');
  checkMarker(s, 'kind', 'ope', 'summary.');
  checkRequiredKinds(s, { logs: 'object', metrics: 'array', estimators: 'array', policies: 'array' }, 'summary.');
  const { logs, table, policies } = s as OpeSummary;
  checkRequiredKinds(logs, { file: 'string', decisions: 'number', models: 'array' }, 'summary.logs.');
  if (table !== null && (typeof table !== 'object' || Array.isArray(table))) throw new UsageError(`summary.table: Invalid input: expected object or null, received ${kindOf(table)}`);
  policies.forEach((p, i) => {
    checkObject(p, `summary.policies.${i}`);
    checkRequiredKinds(p, { name: 'string', estimates: 'array' }, `summary.policies.${i}.`);
    p.estimates.forEach((e, j) => checkObject(e, `summary.policies.${i}.estimates.${j}`));
  });
}

/** Write summary.json, estimates.csv and the chart atomically into `outDir`. */
export async function writeOpeResults(outDir: string, summary: OpeSummary, o: { force?: boolean; inputs?: Inputs; onDir?: (dir: AtomicDir) => void } = {}): Promise<string[]> {
  // nothing is written (not even the temporary directory) for an argument of the wrong kind
  checkOutDir(outDir);
  checkOpeSummary(summary);
  checkWriterOptions(o, { force: 'boolean', inputs: 'array', onDir: 'function' });
  // never replace a directory holding the log (or another input)
  const dir = new AtomicDir(outDir, o.force === true, [summary.logs.file, ...(o.inputs ?? [])]);
  o.onDir?.(dir);
  try {
    const files = await writeOpeOutputs(dir, summary);
    await dir.commitSettled();
    return files;
  } catch (e) {
    dir.abort();
    throw e;
  }
}
