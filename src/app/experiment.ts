/**
 * The experiment use case: run a YAML experiment (X0–X4 ship in experiments/) end to end, with a
 * checkpoint that survives an interruption, and write its results directory.
 */
import { createHash } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataError, keepWhole, SettingError, UsageError, type Wording } from '../core/errors.js';
import { shellWord } from '../core/escape.js';
import { checkKnownKeys, checkObject, checkString } from '../core/shape.js';
import type { ExperimentSummary } from '../metrics/experiment.js';
import { toJson } from '../metrics/summary.js';
import { AtomicDir } from '../core/atomic.js';
import { greenservMarker, type Inputs } from '../core/outputGuard.js';
import { notice } from '../core/messages.js';
import { Checkpoint, checkpointRecord, outOfPartial, partialDir, type CheckpointState } from '../sim/checkpoint.js';
import type { Job, JobResult } from '../sim/experiment.js';
import { parseExperiment, splitSeries, yamlLine, type ExperimentConfig } from '../sim/experimentConfig.js';
import { runJobs } from '../sim/workers.js';
import { checkShardSpec, shardCells, shardName, type ShardSpec } from '../sim/shard.js';
import { runFields } from '../sim/runConfig.js';
import { checkRequest } from './runConfig.js';
import { z } from 'zod';
import { experimentInputs, readConfigText } from './experimentFiles.js';
import { jobKey, jobWeights, prepareExperiment } from './experimentPrepare.js';
import { writeExperimentResults } from './experimentResults.js';
import { version } from './version.js';
import { runSplitSeries, type SplitSeriesMember } from './experimentSplits.js';
import { checkThreadBound } from './policies.js';

export type { SplitSeriesMember } from './experimentSplits.js';

export { experimentsDir, listExperiments, resolveExperimentFile } from './experimentFiles.js';

export interface ExperimentRunOptions {
  /** Resume the interrupted run whose checkpoint directory is given. */
  resume?: string;
  runs?: number;
  out?: string;
  workers?: number;
  force?: boolean;
  charts?: boolean;
  /** Run only this shard's cells and write a shard directory (see runExperimentShard). */
  shard?: ShardSpec;
  /** Called after each replay with its (λ, arm) label. */
  progress?: (done: number, total: number, r: JobResult, label: string) => void;
  /** Called once the jobs are known (label → replays), before any runs; `name` is the experiment's own. */
  onPlan?: (perLabel: Map<string, number>, total: number, modelIds: string[], lambdas: number[], partial: string, name: string) => void | Promise<void>;
  /** Called with what runs after the replays (e.g. 'drawing 14 charts…'). */
  onPhase?: (text: string) => void | Promise<void>;
  /** Called with what is odd about the config but does not stop the run (e.g. a λ grid that changes nothing). */
  warn?: (message: string) => void;
}

const callback = z.custom<(...a: never[]) => unknown>((v) => typeof v === 'function', 'must be a function').optional();
/** A library caller's options, checked as requests are (the command parses its flags itself). */
const runOptionsSchema = z
  .object({
    // '' was taken for no resume at all: the run started over
    resume: z.string().min(1, 'is empty').optional(),
    runs: runFields.runs.optional(),
    out: z.string().optional(),
    workers: z.number().int('must be an integer ≥ 1').min(1, 'must be an integer ≥ 1').optional(),
    force: z.boolean().optional(),
    charts: z.boolean().optional(),
    progress: callback,
    onPlan: callback,
    onPhase: callback,
    warn: callback,
  })
  .strict();

/** What a run produced: the results directory, or (with a shard) the shard directory for `greenserv merge`. */
type ExperimentOutcome =
  | { kind: 'results'; summary: ExperimentSummary; out: string }
  | { kind: 'splits'; members: SplitSeriesMember[]; out: string }
  | { kind: 'shard'; out: string; shard: ShardSpec; replays: number; total: number };

/** Run an experiment config end to end and write its results directory. */
export async function runExperiment(fileArg: string | null, o: ExperimentRunOptions): Promise<{ summary: ExperimentSummary; out: string; series?: SplitSeriesMember[] }> {
  if (fileArg !== null) checkString(fileArg, 'file');
  checkRequest(runOptionsSchema, o, '(options)');
  // only a resumed run takes its experiment file from the checkpoint
  if (fileArg === null && o.resume === undefined) throw new UsageError('file: Invalid input: expected string, received null; give the experiment file, or resume to finish an interrupted run');
  const r = await runExperimentOrShard(fileArg, o);
  if (r.kind === 'shard') throw keepWhole(new UsageError(`${r.out} is a shard of a sharded run; combine the shards with greenserv merge`), r.out, 'greenserv merge');
  // a series of splits: the first split's summary, and every member's
  if (r.kind === 'splits') return { summary: r.members[0].summary, out: r.out, series: r.members };
  return { summary: r.summary, out: r.out };
}

/** Run one shard of an experiment (`--shard i/n`) and write its shard directory. */
export async function runExperimentShard(fileArg: string, shard: ShardSpec, o: ExperimentRunOptions): Promise<Extract<ExperimentOutcome, { kind: 'shard' }>> {
  checkString(fileArg, 'file');
  checkObject(shard, 'shard');
  checkKnownKeys(shard, ['index', 'count'], 'shard');
  checkRequest(runOptionsSchema, o, '(options)');
  const r = await runExperimentOrShard(fileArg, { ...o, shard: checkShardSpec({ index: shard.index, count: shard.count }) });
  if (r.kind !== 'shard') throw new Error('a shard run wrote results');
  return r;
}

/** Default directory of a shard: beside the merged results, `results/<name>.shards/shard-<i>-of-<n>`. */
function defaultShardOut(name: string, s: ShardSpec): string {
  return `results/${name}.shards/${shardName(s)}`;
}

/**
 * A whole run, a shard, or the resumption of either. The checkpoint (`<out>.partial`: state.json and
 * jobs.ndjson) is one format for both; a finished shard is its checkpoint, the replays in cell order, written
 * with the config.
 */
export async function runExperimentOrShard(fileArg: string | null, o: ExperimentRunOptions): Promise<ExperimentOutcome> {
  let state: CheckpointState | null = null;
  if (o.resume) {
    // a path that is not there at all: not a damaged checkpoint (readState's words), a wrong path
    const given = o.resume;
    if (!existsSync(given)) throw new SettingError((n) => `${n('resume')} ${given}: no such directory; give the checkpoint directory an interrupted run left (<out>.partial)`);
    state = Checkpoint.readState(o.resume);
    // replays of two versions in one run would match neither version's results
    if (state.greenserv !== undefined && state.greenserv !== version()) throw new SettingError((n) => `${o.resume}: a checkpoint of greenserv ${state!.greenserv}, and this is greenserv ${version()}; resume it with that version, or start over with ${n('force')}`);
    // the results go beside the checkpoint, whichever directory the run is resumed from
    o = { ...o, runs: state.runs, out: outOfPartial(o.resume, state), charts: state.charts, shard: state.shard };
  }
  const file = state ? state.experimentFile : fileArg!;
  const text = readConfigText(file, state ? join(o.resume!, 'state.json') : undefined);
  const configSha256 = createHash('sha256').update(text).digest('hex');
  if (state && state.configSha256 !== configSha256) {
    throw new UsageError(`${file} changed since the interrupted run; its checkpoint (${o.resume}) cannot be resumed`);
  }
  // a quick parse first, so a bad config or --out fails before the table loads
  const quick = parseExperiment(text, file);
  checkThreadBound(quick.arms.map((a) => a.policy), o.workers ?? 1, 'workers');
  // a reward that never names lambda is the same at every λ: the grid replays one experiment again and again
  if (!state && quick.reward !== undefined && quick.lambdas.length > 1 && !/\blambda\b/.test(quick.reward)) {
    o.warn?.(`${file}:${yamlLine(text, ['reward'])}: reward: the expression does not use lambda, so the ${quick.lambdas.length} values of lambdas all give the same rewards and results`);
  }
  const name = quick.name;
  const shard = o.shard;
  const out = o.out ?? (shard ? defaultShardOut(name, shard) : `results/${name}`);
  const inputs = [...experimentInputs(file, quick, out), ...(o.resume ? [o.resume] : [])];
  AtomicDir.checkTarget(out, o.force === true, inputs);
  const series = splitSeries(quick);
  if (series.length > 1) {
    if (o.resume || shard) throw new SettingError((n) => `${file}: a series of ${series.length} splits runs whole; ${n('resume')} and ${n('shard')} apply to one split (list one train share)`);
    return { kind: 'splits', members: await runSplitSeries(file, text, series, out, o, inputs), out };
  }
  // completed jobs survive SIGINT/SIGTERM in <out>.partial; --resume finishes them
  const partial = o.resume ?? partialDir(out);
  const stale = !state && existsSync(partial);
  if (stale && !o.force) {
    const resume: Wording = (n) => `${n('resume')} ${shellWord(partial)}`;
    throw keepWhole(new SettingError((n) => `an interrupted (or still running) run of this experiment is in ${partial}: finish it with ${resume(n)}, or pass ${n('force')} to start over`), partial, resume);
  }
  // --force removes an earlier checkpoint, never a directory (or file) that only happens to have its name
  if (stale && greenservMarker(partial) !== 'state.json') throw keepWhole(new SettingError((n) => `${partial} is in the way of this run's checkpoint and is not one (no state.json of an experiment run); refusing to remove it, even with ${n('force')}; move it away or choose another ${n('out')}`), partial);
  const p = await prepareExperiment(file, text, o.runs, undefined, { warn: o.warn });
  // the old checkpoint goes only once the experiment has been checked against its table
  if (stale) rmSync(partial, { recursive: true, force: true });
  const { cfg, table, sha256, ctx, jobs } = p;
  let previous: JobResult[] = [];
  if (state) {
    if (state.totalJobs !== jobs.length) throw new DataError((n) => `checkpoint records ${state!.totalJobs} replays, the experiment has ${jobs.length}; start over with ${n('force')}`, join(partial, 'state.json'), undefined, 'totalJobs', 'field');
    if (state.datasetSha256 !== undefined && state.datasetSha256 !== sha256) throw new DataError((n) => `the dataset changed since the interrupted run (sha256 ${sha256}, the checkpoint has ${state!.datasetSha256}); start over with ${n('force')}`, join(partial, 'state.json'), undefined, 'datasetSha256', 'field');
    previous = Checkpoint.loadJobs(partial, { lambdas: cfg.lambdas.length, arms: cfg.arms.length, runs: cfg.runs, queries: ctx.replay.nQueries, models: table.nModels, budget: cfg.budget !== undefined });
  }
  // a shard runs its cost-balanced subset of the jobs (docs/model.md, "Shards")
  const mine = shard ? shardCells(jobWeights(p), shard).map((i) => jobs[i]) : jobs;
  const newState: CheckpointState = { schemaVersion: 1, greenserv: version(), experimentFile: resolve(file), configSha256, runs: cfg.runs, out: resolve(out), charts: o.charts !== false, totalJobs: jobs.length, datasetSha256: sha256, ...(shard ? { shard } : {}) };
  const checkpoint = new Checkpoint(partial, newState, !state);
  if (!state) {
    // a run of the same experiment may have finished between the check above and this claim (it removes its
    // checkpoint once its results are in place): its results are there now, so this run gives way
    try {
      AtomicDir.checkTarget(out, o.force === true, inputs);
    } catch (e) {
      checkpoint.remove();
      throw e;
    }
  }
  const done = new Map<string, JobResult>(previous.map((r) => [jobKey(r.job), r]));
  const todo = mine.filter((j) => !done.has(jobKey(j)));
  // one live row per arm, over every λ of a sweep
  const labelOf = (j: Job): string => ctx.label(j.armIndex);
  const perLabel = new Map<string, number>();
  for (const j of mine) perLabel.set(labelOf(j), (perLabel.get(labelOf(j)) ?? 0) + 1);
  const onSignal = (sig: NodeJS.Signals): void => {
    const resume = `greenserv experiment run --resume ${shellWord(partial)}`;
    notice(`\ngreenserv: interrupted (${sig}): ${done.size} of ${mine.length} replays kept in ${partial}; finish with: ${resume}\n`, [partial, resume]);
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  try {
    // the checkpoint exists from here: a signal while the caller sets up its display is told where it is
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    await o.onPlan?.(perLabel, mine.length, table.models.map((m) => m.id), cfg.lambdas, partial, cfg.name);
    for (const r of done.values()) o.progress?.(0, mine.length, r, labelOf(r.job));
    await runJobs(ctx, p.src, todo, o.workers ?? 1, (r) => {
      checkpoint.append(r);
      done.set(jobKey(r.job), r);
      o.progress?.(done.size, mine.length, r, labelOf(r.job));
    });
  } catch (e) {
    // a first attempt that failed before any replay finished keeps nothing worth resuming: its checkpoint
    // would only stand in the way of the corrected rerun
    if (!state && done.size === 0) checkpoint.remove();
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (shard) {
    await o.onPhase?.('writing the shard…');
    // the replays in cell order and the state as a fresh run writes it, so a shard directory has the same bytes
    // whatever order its replays finished in (worker threads, a resumed run)
    await writeShardDir(newState, mine.map((j) => done.get(jobKey(j))!), text, cfg, out, o.force === true, inputs);
    checkpoint.remove();
    return { kind: 'shard', out, shard, replays: mine.length, total: jobs.length };
  }
  const summary = await writeExperimentResults(p, jobs.map((j) => done.get(jobKey(j))!), { out, force: o.force, charts: o.charts, onPhase: o.onPhase });
  checkpoint.remove();
  return { kind: 'results', summary, out };
}

/** A finished shard: its state, its replays in the checkpoint format, the config text and the resolved config, moved into place at once. */
async function writeShardDir(state: CheckpointState, results: readonly JobResult[], text: string, cfg: ExperimentConfig, out: string, force: boolean, inputs: Inputs): Promise<void> {
  const dir = new AtomicDir(out, force, inputs);
  try {
    dir.write('state.json', JSON.stringify(state, null, 2) + '\n');
    dir.write('jobs.ndjson', (function* () {
      for (const r of results) yield checkpointRecord(r);
    })());
    dir.write('config.yaml', text);
    dir.write('config.json', toJson(cfg));
    await dir.commitSettled();
  } catch (e) {
    dir.abort();
    throw e;
  }
}
