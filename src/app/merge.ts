/**
 * The merge use case: shard directories of one sharded experiment (`experiment run --shard i/n`) become
 * the results directory an unsharded run writes, byte for byte. Shards must come from the same config
 * text, dataset and greenserv version, and together hold every cell exactly once; they are only read.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { DataError, keepWhole, SettingError, UsageError, userIoError } from '../core/errors.js';
import { checkFieldKinds, checkKnownKeys, checkObject, checkString, kindOf } from '../core/shape.js';
import { AtomicDir, TEMP_NAME } from '../core/atomic.js';
import { defaultResultsDir, fileWithin, greenservMarker } from '../core/outputGuard.js';
import type { ExperimentSummary } from '../metrics/experiment.js';
import { Checkpoint, type CheckpointState } from '../sim/checkpoint.js';
import type { JobResult } from '../sim/experiment.js';
import { MAX_CONFIG_BYTES } from '../sim/limits.js';
import { parseExperiment } from '../sim/experimentConfig.js';
import { checkShardVersion } from './shardVersion.js';
import { checkCellCoverage, listSome } from '../sim/shard.js';
import { jobKey, jobLabel, prepareExperiment } from './experimentPrepare.js';
import { writeExperimentResults } from './experimentResults.js';
import { isEvaluateShard, mergeEvaluateShards, shardKind } from './evaluateShard.js';
import type { EvaluateSummary } from '../metrics/routerbench.js';

export interface MergeOptions {
  /** Results directory (default results/<experiment name>). */
  out?: string;
  force?: boolean;
  charts?: boolean;
  onPhase?: (text: string) => void | Promise<void>;
  /** Warnings of an evaluation's merge, which loads its data again (rows the loaders skip); dropped when absent. */
  warn?: (msg: string) => void;
}

interface ShardInput {
  dir: string;
  state: CheckpointState & { shard: NonNullable<CheckpointState['shard']> };
  text: string;
}

const SHARDS_HINT = 'merge takes the shard directories that `experiment run --shard i/n` or `evaluate --shard i/n` write';

/**
 * The directory is a shard's, as far as a state.json tells: a file, a finished results directory (which needs
 * no merge) or any other directory is named for what it is, with what merge takes.
 */
function checkShardDir(dir: string): void {
  let st;
  try {
    st = statSync(dir);
  } catch (e) {
    throw userIoError(e, dir, 'read shard directory');
  }
  if (!st.isDirectory()) throw new DataError(`a file, not a shard directory; ${SHARDS_HINT}`, dir);
  // a shard is renamed into place only once complete: its temporary may still be being written
  if (TEMP_NAME.test(basename(dir))) throw new DataError('a temporary directory of a shard still being written (or of a run that died writing it), not a finished shard; merge the shard directory it is renamed to when its run ends', dir);
  if (existsSync(join(dir, 'state.json'))) return;
  if (greenservMarker(dir) !== null) throw new DataError(`a finished results directory (no state.json), not a shard: it needs no merge; ${SHARDS_HINT}`, dir);
  throw new DataError(`not a shard directory (state.json is missing); ${SHARDS_HINT}`, dir);
}

function readShard(dir: string): ShardInput {
  checkShardDir(dir);
  const state = Checkpoint.readState(dir);
  if (!state.shard) throw new DataError('not a shard directory: state.json names no shard (a checkpoint of an unsharded run is finished with experiment run --resume)', join(dir, 'state.json'), undefined, 'shard', 'field');
  checkShardVersion(state.greenserv, join(dir, 'state.json'));
  if (state.datasetSha256 === undefined) throw new DataError('state.json records no dataset hash', join(dir, 'state.json'), undefined, 'datasetSha256', 'field');
  const cfgFile = join(dir, 'config.yaml');
  if (!existsSync(cfgFile)) throw new DataError('not a finished shard (config.yaml is missing); finish it with experiment run --resume, or re-run the shard', dir);
  const cst = statSync(cfgFile);
  // a FIFO or device would block the read
  if (!cst.isFile()) throw new DataError('not a regular file', cfgFile);
  const size = cst.size;
  if (size > MAX_CONFIG_BYTES) throw new DataError(`${size} bytes, at most ${MAX_CONFIG_BYTES} (see docs/limits.md)`, cfgFile);
  const text = readFileSync(cfgFile, 'utf8');
  if (createHash('sha256').update(text).digest('hex') !== state.configSha256) throw new DataError('does not match configSha256 in state.json (the file was modified)', cfgFile);
  return { dir, state: state as ShardInput['state'], text };
}

/** The settings two configs of different text differ in ('seed 6, there 5'), for the merge's message. */
function configDifference(a: ShardInput, b: ShardInput): string {
  try {
    const x = parseExperiment(a.text, join(a.dir, 'config.yaml')) as unknown as Record<string, unknown>;
    const y = parseExperiment(b.text, join(b.dir, 'config.yaml')) as unknown as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])].filter((k) => JSON.stringify(x[k]) !== JSON.stringify(y[k]));
    const show = (v: unknown): string => (v === undefined ? '(none)' : JSON.stringify(v).slice(0, 80));
    if (keys.length === 0) return 'the config text differs (same settings: comments or layout)';
    return `the config differs: ${listSome(keys.map((k) => `${k} ${show(x[k])}, there ${show(y[k])}`), 3)}`;
  } catch {
    return 'the config differs';
  }
}

/** Shards must agree on everything that defines the run; the first shard is the reference. */
function checkSameRun(shards: ShardInput[]): void {
  const ref = shards[0];
  const fields: [keyof CheckpointState | 'shard.count', (s: CheckpointState) => unknown, string][] = [
    ['configSha256', (s) => s.configSha256, 'config'],
    ['runs', (s) => s.runs, 'number of runs'],
    ['totalJobs', (s) => s.totalJobs, 'number of cells'],
    ['datasetSha256', (s) => s.datasetSha256, 'dataset'],
    ['shard.count', (s) => s.shard!.count, 'shard count'],
  ];
  for (const s of shards.slice(1)) {
    for (const [field, get, what] of fields) {
      if (get(s.state) !== get(ref.state)) {
        const differs = field === 'configSha256' ? `${configDifference(s, ref)} (configSha256 ${s.state.configSha256}, there ${ref.state.configSha256})` : `the ${what} differs (${field} ${String(get(s.state))}, there ${String(get(ref.state))})`;
        throw new DataError(`comes from another run than ${ref.dir}: ${differs}`, join(s.dir, 'state.json'), undefined, field, 'field');
      }
    }
  }
  // shard indices: a clearer summary than the cell list when whole shards are missing or given twice
  const count = ref.state.shard.count;
  const byIndex = new Map<number, string[]>();
  for (const s of shards) byIndex.set(s.state.shard.index, [...(byIndex.get(s.state.shard.index) ?? []), s.dir]);
  const twice = [...byIndex.entries()].filter(([, d]) => d.length > 1).map(([i, d]) => `${i}/${count} (${d.join(' and ')})`);
  if (twice.length) throw new UsageError(`merge: shard ${listSome(twice)} given more than once`);
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i)).map((i) => `${i}/${count}`);
  if (missing.length) throw new UsageError(`merge: ${missing.length} of ${count} shards missing: ${listSome(missing)}`);
}

/** The results go beside the shards, never into one: a shard is an input, and re-running it would remove them. */
function checkOutsideShards(out: string, dirs: string[]): void {
  // through symbolic links anywhere above --out: its nearest existing ancestor, resolved
  let at = resolve(out);
  const below: string[] = [];
  while (!existsSync(at) && dirname(at) !== at) {
    below.unshift(basename(at));
    at = dirname(at);
  }
  let real = join(at, ...below);
  try {
    real = join(realpathSync(at), ...below);
  } catch {
    // unreadable: compared as written
  }
  const holder = dirs.find((d) => fileWithin(d, out) || fileWithin(d, real));
  if (holder !== undefined) throw new SettingError((n) => `${n('out')} ${out}: it is inside the shard directory ${holder}, which merge only reads; choose another ${n('out')}`);
}

/** What a merge wrote: an experiment's or an evaluation's results directory. */
type MergeOutcome =
  | { kind: 'experiment'; summary: ExperimentSummary; out: string }
  | { kind: 'evaluate'; summary: EvaluateSummary; out: string };

/** Merge the shards of an experiment or of an evaluation (told apart by their state.json). */
export async function mergeAny(dirs: string[], o: MergeOptions = {}): Promise<MergeOutcome> {
  // an unusable --out (or one holding a shard) fails before the shards are read
  if (o.out !== undefined) {
    AtomicDir.checkTarget(o.out, o.force === true, dirs);
    checkOutsideShards(o.out, dirs);
  }
  for (const d of dirs) checkShardDir(d);
  // told apart by their state.json; one of each kind would otherwise fail on the other's fields
  const evaluation = dirs.find((d) => shardKind(d) === 'evaluate');
  const experiment = dirs.find((d) => shardKind(d) === 'experiment');
  if (evaluation !== undefined && experiment !== undefined) {
    throw new UsageError(`merge: ${evaluation} is a shard of an evaluation (evaluate --shard) and ${experiment} is not; merge the shards of one run at a time`);
  }
  if (evaluation !== undefined) {
    const out = o.out ?? defaultResultsDir('evaluate');
    checkOutsideShards(out, dirs);
    const r = await mergeEvaluateShards(dirs, { out, force: o.force, charts: o.charts, warn: o.warn });
    return { kind: 'evaluate', ...r };
  }
  return { kind: 'experiment', ...(await mergeExperimentShards(dirs, o)) };
}

/**
 * Merge an experiment's shard directories into one results directory; the same bytes as the unsharded run.
 * The library's merge: the shards of an evaluation (`evaluate --shard`) are refused by name.
 */
export async function mergeShards(dirs: string[], o: MergeOptions = {}): Promise<{ summary: ExperimentSummary; out: string }> {
  if (!Array.isArray(dirs)) throw new UsageError(`dirs: Invalid input: expected array, received ${kindOf(dirs)}`);
  dirs.forEach((d, i) => checkString(d, `dirs.${i}`));
  checkObject(o, '(options)');
  checkKnownKeys(o, ['out', 'force', 'charts', 'onPhase', 'warn'], '(options)');
  checkFieldKinds(o, { out: 'string', force: 'boolean', charts: 'boolean', onPhase: 'function', warn: 'function' });
  const evaluation = dirs.find(isEvaluateShard);
  if (evaluation !== undefined) throw keepWhole(new UsageError(`merge: ${evaluation} is a shard of an evaluation (evaluate --shard), not of an experiment; merge evaluation shards with greenserv merge`), evaluation, 'greenserv merge');
  return mergeExperimentShards(dirs, o);
}

async function mergeExperimentShards(dirs: string[], o: MergeOptions): Promise<{ summary: ExperimentSummary; out: string }> {
  if (dirs.length === 0) throw new UsageError('merge: name the shard directories to merge');
  const shards = dirs.map(readShard);
  checkSameRun(shards);
  const ref = shards[0];
  const p = await prepareExperiment(ref.state.experimentFile, ref.text, ref.state.runs, undefined, { checkArms: false });
  if (p.jobs.length !== ref.state.totalJobs) throw new DataError(`state.json records ${ref.state.totalJobs} cells, the config has ${p.jobs.length}`, join(ref.dir, 'state.json'), undefined, 'totalJobs', 'field');
  if (p.sha256 !== ref.state.datasetSha256) {
    throw new DataError(`the dataset changed since the shards ran (sha256 ${p.sha256}, the shards have ${ref.state.datasetSha256})`, join(ref.dir, 'state.json'), undefined, 'datasetSha256', 'field');
  }
  const out = o.out ?? `results/${p.cfg.name}`;
  checkOutsideShards(out, dirs);
  const shape = { lambdas: p.cfg.lambdas.length, arms: p.cfg.arms.length, runs: p.cfg.runs, queries: p.ctx.replay.nQueries, models: p.table.nModels, budget: p.cfg.budget !== undefined };
  const found = new Map<string, string[]>();
  const byKey = new Map<string, JobResult>();
  for (const s of shards) {
    for (const r of Checkpoint.loadJobs(s.dir, shape, { shard: true })) {
      const k = jobKey(r.job);
      found.set(k, [...(found.get(k) ?? []), s.dir]);
      byKey.set(k, r);
    }
  }
  const problem = checkCellCoverage(p.jobs.map(jobKey), found, (k) => jobLabel(p, k));
  if (problem) throw new UsageError(`merge: ${problem}; re-run the shards that lack cells (experiment run --shard i/n, or --resume of its .partial)`);
  const results = p.jobs.map((j) => byKey.get(jobKey(j))!);
  // the shard directories are inputs too
  const summary = await writeExperimentResults(p, results, { out, force: o.force, charts: o.charts, onPhase: o.onPhase, inputs: dirs });
  return { summary, out };
}
