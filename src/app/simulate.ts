/**
 * The simulation use case: replay a table's query stream through routing policies, summarise, and write a
 * results directory. `simulate`, `regress` and the library API call it.
 */
import { AtomicDir } from '../core/atomic.js';
import type { Inputs } from '../core/outputGuard.js';
import { UsageError } from '../core/errors.js';
import { checkFieldKinds, checkKnownKeys, checkObject, checkRequiredKinds, checkStringList, kindOf } from '../core/shape.js';
import { checkOutDir, checkProgress, checkTable, checkWith, checkWriterOptions } from './arguments.js';
import { z } from 'zod';
import { energyModelSizes, inputFiles } from './inputs.js';
import { loadTable } from '../data/load.js';
import { truncate } from '../data/formats/text.js';
import type { PoolTable } from '../data/pool.js';
import { buildSummary, type Summary } from '../metrics/summary.js';
import { PROTOCOL_SCHEMA_VERSION, protocolBlock } from '../metrics/protocol.js';
import { protocolCsv } from '../report/protocol.js';
import { rebuildReport } from '../report/rebuild.js';
import { HINDSIGHT_POLICIES } from './evaluateProtocol.js';
import { writeSimulateOutputs, type StepsFormat } from '../report/simulateOutputs.js';
import { SpooledSteps, type Progress } from '../sim/engine.js';
import { compileRewardExpression } from '../sim/rewardExpression.js';
import { runSimulation, type PreparedRun, type SimulateOptions } from '../sim/run.js';
import { changedRunSettings, runConfigSchema, runFields, runSettingsShape, type RunConfig, type RunConfigInput } from '../sim/runConfig.js';
import { runConfigFromRequest, simulateOptions } from './runConfig.js';
import { version } from './version.js';
import { checkPolicyNames } from '../policies/registry.js';

export { defaultPolicies } from './runConfig.js';

export interface SimulateRun {
  prepared: PreparedRun;
  /** What summary.json holds. */
  summary: Summary;
}

const isFunction = (v: unknown): boolean => typeof v === 'function';

/**
 * What `simulateTable` takes: the run settings with the CLI's constraints, the ones without a default required
 * (the options are explicit), and the engine's own options. A field it does not know is refused.
 */
const simulateOptionsSchema = z
  .object({
    ...runSettingsShape,
    policies: runFields.policies,
    params: runFields.params,
    lambda: runFields.lambda,
    runs: runFields.runs,
    seed: runFields.seed,
    semantics: runFields.semantics,
    features: z.array(runFields.feature),
    textFeatures: z
      .union([
        z.literal(false),
        z.object({ k: z.number().int('must be an integer ≥ 1').min(1, 'must be an integer ≥ 1').optional(), seed: runFields.seed.optional(), taskModel: z.custom((v) => v === null || (typeof v === 'object' && !Array.isArray(v)), 'must be a task model or null').optional() }).strict(),
      ])
      .optional(),
    rewardSource: z.object({ option: z.string().optional(), file: z.string().optional(), line: z.custom<() => number>(isFunction, 'must be a function').optional(), field: z.string().optional() }).strict().optional(),
    initialModels: z.array(z.string()).optional(),
    events: z.array(z.object({ step: z.number().int('must be an integer ≥ 0').min(0, 'must be an integer ≥ 0'), remove: z.array(z.string()).optional(), add: z.array(z.string()).optional() }).strict()).optional(),
    recordSteps: z.boolean().optional(),
    stepsSpoolRows: z.number().int('must be an integer ≥ 0').min(0, 'must be an integer ≥ 0').optional(),
    recorders: z.array(z.custom((v) => typeof v === 'object' && v !== null && typeof (v as { begin?: unknown }).begin === 'function', 'must be a recorder (an object with begin())')).optional(),
    trainTable: z.unknown().optional(),
  })
  .strict();

/** `simulateTable`'s arguments, named as its parameters, before anything runs. */
function checkSimulateArguments(table: unknown, o: unknown, progress: unknown): void {
  checkTable(table, 'table');
  checkObject(o, '(options)');
  checkWith(simulateOptionsSchema, o, '(options)');
  const { trainTable } = o as SimulateOptions;
  if (trainTable !== undefined) checkTable(trainTable, 'trainTable');
  checkProgress(progress);
}

/** Run the policies over an in-memory table and summarise (the table's derived features are filled in place). */
export async function simulateTable(table: PoolTable, o: SimulateOptions, progress?: Progress): Promise<SimulateRun> {
  return simulateTableBy(runSimulation, table, o, progress);
}

/** `simulateTable` with the replay done by `replay` (the command runs plugin policies on a worker thread). */
export async function simulateTableBy(replay: typeof runSimulation, table: PoolTable, o: SimulateOptions, progress?: Progress): Promise<SimulateRun> {
  checkSimulateArguments(table, o, progress);
  const prepared = await replay(table, o, progress);
  const pr = prepared.protocol;
  const summary = buildSummary({
    // under the protocol the summary is of the test stream
    table: pr ? pr.table : table,
    sha256: prepared.sha256,
    config: prepared.config,
    rewards: prepared.rewards,
    result: prepared.result,
    layout: prepared.layout,
    features: prepared.features,
    d: prepared.d,
  });
  if (pr) {
    summary.schemaVersion = PROTOCOL_SCHEMA_VERSION;
    summary.protocol = protocolBlock({
      kind: pr.spec.kind,
      fraction: pr.spec.kind === 'split' ? pr.spec.fraction : null,
      train: pr.spec.kind === 'train-table' ? pr.spec.source : null,
      splits: pr.run.splits,
      hindsight: HINDSIGHT_POLICIES,
      models: pr.table.models.map((m) => m.id),
    });
  }
  return { prepared, summary };
}

/** What a library caller gives `simulate`: a run configuration (every field defaulted as in the CLI) and where the data is. */
export type SimulateRequest = Omit<RunConfigInput, 'data'> & {
  /** Built-in dataset name, a file, or a table already loaded (default greenserv-pool). */
  data?: string | PoolTable;
  format?: string;
  offline?: boolean;
  progress?: Progress;
  /** What the loaders would tell the user (rows skipped, cells merged); dropped when absent. */
  warn?: (msg: string) => void;
};

/** Load (when needed) and simulate with the CLI's defaults; the summary equals `simulate`'s summary.json. */
export async function simulate(req: SimulateRequest = {}): Promise<Summary> {
  checkObject(req);
  checkFieldKinds(req, { format: 'string', offline: 'boolean', progress: 'function', warn: 'function' });
  // anything else would fall back to the default dataset without a word
  if (req.data !== undefined && typeof req.data !== 'string' && (req.data === null || typeof req.data !== 'object' || Array.isArray(req.data))) throw new UsageError(`data: Invalid input: expected a source (string) or a loaded PoolTable, received ${kindOf(req.data)}`);
  if (typeof req.data === 'object') checkTable(req.data, 'data');
  const { data, format, offline, progress, warn, ...rest } = req;
  const rc = runConfigFromRequest({ ...rest, ...(typeof data === 'string' ? { data } : {}) });
  if (rc.reward !== undefined) await compileRewardExpression(rc.reward, { field: 'reward' });
  // before the table loads: static:<model> alone needs its models
  if (rc.policies !== undefined) checkPolicyNames(rc.policies);
  const table = typeof data === 'object' ? data : await loadTable(rc.data, { queries: rc.queries, models: rc.models, format, offline, warn });
  const trainTable = rc.train !== undefined ? await loadTable(rc.train, { format, offline, warn }) : undefined;
  return (await simulateTable(table, { ...simulateOptions(rc, table), rewardSource: { field: 'reward' }, ...(trainTable ? { trainTable } : {}) }, progress)).summary;
}

/** How the run was asked for, as recorded in manifest.json beside what the run resolved. */
export interface SimulateRecord {
  /** The run configuration as given (before defaults for the policies were filled in from the table). */
  config: RunConfig;
  source: string;
  bounds?: string;
  energyModel?: string;
  /** Policy plugin modules that were loaded (recorded in the manifest). */
  policyModules?: readonly string[];
  /** The task classifier that labelled queries without a task (recorded in the manifest). */
  taskModel?: string;
  steps: StepsFormat;
}

/** The settings recorded by name, in the manifest's historical order; any other setting is added when not at its default. */
const RECORDED = ['runs', 'seed', 'semantics', 'oracle', 'features', 'binning', 'cost', 'reward', 'maxLatency'];

/** The files a simulation read, as recorded: a results directory holding one is never replaced. */
function recordInputs(r: SimulateRecord): string[] {
  const c = r.config;
  return inputFiles(r.source, c.queries, c.models, c.train, r.bounds, r.taskModel, energyModelSizes(r.energyModel), r.policyModules);
}

export interface WriteSimulateOptions {
  /** Replace an existing `outDir` that holds earlier results. */
  force?: boolean;
  /** Files the run read besides those of the record (a directory holding one is never replaced). */
  inputs?: Inputs;
  onDir?: (dir: AtomicDir) => void;
  /**
   * Also write charts/ and report.html (what `greenserv report <dir>` writes), inside the directory before it is
   * moved into place; notes about what the report cannot draw go to the callback.
   */
  report?: (note: string) => void;
  /** Called once every file is written, before the directory is moved into place; a throw leaves nothing behind. */
  beforeCommit?: () => Promise<void>;
  /** Called right after the directory is in place (e.g. to move a file that belongs with it). */
  afterCommit?: () => void;
}

const RECORD_FIELDS: readonly (keyof SimulateRecord)[] = ['config', 'source', 'bounds', 'energyModel', 'policyModules', 'taskModel', 'steps'];
const STEPS_FORMATS: readonly StepsFormat[] = ['csv', 'arrow', 'none'];

/** What `simulateTable` resolved to: the fields the writer reads. */
function checkSimulateRun(run: unknown): void {
  checkObject(run, 'run');
  checkRequiredKinds(run, { prepared: 'object', summary: 'object' }, 'run.');
  const { prepared, summary } = run as SimulateRun;
  checkRequiredKinds(prepared, { config: 'object', rewards: 'object', result: 'object', sha256: 'string', features: 'array' }, 'run.prepared.');
  checkRequiredKinds(prepared.config, { policies: 'array', runs: 'number', seed: 'number', semantics: 'string', oracle: 'string' }, 'run.prepared.config.');
  checkRequiredKinds(prepared.rewards, { lambda: 'number' }, 'run.prepared.rewards.');
  const res = prepared.result;
  checkRequiredKinds(res, { policyNames: 'array', metrics: 'array', runSeeds: 'array' }, 'run.prepared.result.');
  if (res.metrics.length !== res.policyNames.length || !res.metrics.every(Array.isArray)) throw new UsageError(`run.prepared.result.metrics: Invalid input: expected one array of runs per policy (${res.policyNames.length}), received ${res.metrics.length} entries`);
  if (res.steps !== null && (typeof res.steps !== 'object' || Array.isArray(res.steps))) throw new UsageError(`run.prepared.result.steps: Invalid input: expected a step trace or null, received ${kindOf(res.steps)}`);
  checkRequiredKinds(summary, { dataset: 'object', policies: 'array' }, 'run.summary.');
}

/** How the run was asked for: its configuration as the schema takes it, the source, the step format. */
function checkSimulateRecord(r: unknown): void {
  checkObject(r, 'record');
  checkKnownKeys(r, RECORD_FIELDS, 'record');
  checkRequiredKinds(r, { config: 'object', source: 'string', steps: 'string' }, 'record.');
  checkFieldKinds(r, { bounds: 'string', energyModel: 'string', taskModel: 'string' }, 'record.');
  checkStringList((r as SimulateRecord).policyModules, 'record.policyModules');
  const { steps, config } = r as SimulateRecord;
  if (!STEPS_FORMATS.includes(steps)) throw new UsageError(`record.steps: Invalid option: expected one of ${STEPS_FORMATS.map((f) => JSON.stringify(f)).join('|')}`);
  checkWith(runConfigSchema, config, 'record.config');
}

/**
 * The table is the one the run replayed, as far as the summary tells (its name and size; under the protocol
 * the summary is of the test stream, a part of the table's queries): another table's ids would go into the
 * step trace as 'undefined', and its name into the manifest.
 */
function checkSameTable(table: PoolTable, run: SimulateRun): void {
  const d = run.summary.dataset;
  const queries = run.summary.protocol ? d.queries <= table.nQueries : d.queries === table.nQueries;
  if (d.name === table.name && d.models === table.nModels && queries) return;
  const replayed = run.summary.protocol ? `${d.models} models, a test stream of ${d.queries} queries` : `${d.queries} queries × ${d.models} models`;
  throw new UsageError(`table: '${truncate(table.name, 80)}' (${table.nQueries} queries × ${table.nModels} models) is not the table the run replayed ('${truncate(String(d.name), 80)}', ${replayed}); give the table simulateTable ran on`);
}

/** Write summary.json, runs.csv, the step trace and manifest.json atomically into `outDir`. */
export async function writeSimulateResults(outDir: string, table: PoolTable, run: SimulateRun, record: SimulateRecord, o: WriteSimulateOptions = {}): Promise<void> {
  // nothing is written (not even the temporary directory) for an argument of the wrong kind
  checkOutDir(outDir);
  checkTable(table, 'table');
  checkSimulateRun(run);
  checkSimulateRecord(record);
  checkWriterOptions(o, { force: 'boolean', inputs: 'array', onDir: 'function', report: 'function', beforeCommit: 'function', afterCommit: 'function' });
  checkSameTable(table, run);
  const r = record;
  const { prepared, summary } = run;
  const c = prepared.config;
  const dir = new AtomicDir(outDir, o.force === true, [...recordInputs(r), ...(o.inputs ?? [])]);
  o.onDir?.(dir);
  try {
    // no step trace under the protocol (its splits replay different streams)
    const stepsFile = r.steps !== 'none' && prepared.result.steps !== null;
    const files = ['summary.json', 'runs.csv', ...(stepsFile ? [`steps.${r.steps}`] : []), ...(summary.protocol ? ['protocol.csv'] : []), 'manifest.json'];
    if (summary.protocol) dir.write('protocol.csv', protocolCsv(summary.protocol));
    await writeSimulateOutputs(
      dir,
      summary,
      prepared.result,
      table,
      {
        schemaVersion: 1,
        command: 'simulate',
        greenserv: version(),
        node: process.version,
        dataset: { name: table.name, sha256: prepared.sha256, source: r.source },
        config: {
          policies: c.policies.map((p) => ({ name: p.name, params: p.params })),
          lambda: prepared.rewards.lambda,
          runs: c.runs,
          seed: c.seed,
          semantics: c.semantics,
          oracle: c.oracle,
          features: prepared.features,
          binning: r.config.binning,
          cost: r.config.cost,
          reward: r.config.reward ?? null,
          maxLatency: c.maxLatency ?? null,
          queries: r.config.queries ?? null,
          models: r.config.models ?? null,
          // only when given, so default manifests keep their bytes
          ...(r.bounds !== undefined ? { bounds: r.bounds } : {}),
          ...(r.energyModel !== undefined ? { energyModel: r.energyModel } : {}),
          ...(r.policyModules !== undefined && r.policyModules.length > 0 ? { policyModules: r.policyModules } : {}),
          ...(r.taskModel !== undefined ? { taskModel: r.taskModel } : {}),
          ...changedRunSettings(r.config, RECORDED),
          // what was written: the protocol writes no trace whatever --steps says
          steps: stepsFile ? r.steps : 'none',
        },
        runSeeds: prepared.result.runSeeds,
        files,
      },
      r.steps,
    );
    if (o.report) await rebuildReport(dir.tmp, o.report);
    await o.beforeCommit?.();
    dir.commit();
    o.afterCommit?.();
  } catch (e) {
    dir.abort();
    throw e;
  } finally {
    if (prepared.result.steps instanceof SpooledSteps) prepared.result.steps.dispose();
  }
}
