/**
 * The experiment use case: run a YAML experiment (X0–X4 ship in experiments/) end to end, with a
 * checkpoint that survives an interruption, and write its results directory.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { DataError, UsageError } from '../core/errors.js';
import { loadTable, isBuiltinSource } from '../data/load.js';
import { tableSha256, type PoolTable } from '../data/pool.js';
import { aggregateExperiment, rewardDigest, type ExperimentSummary, type RewardDigest } from '../metrics/experiment.js';
import { buildProfile } from '../metrics/profile.js';
import { profileJson } from '../report/profile.js';
import { toJson } from '../metrics/summary.js';
import { AtomicDir } from '../core/atomic.js';
import { greenservMarker, type Inputs } from '../core/outputGuard.js';
import { experimentCharts } from '../report/charts.js';
import { writeChartsAndReport, writeExperimentData } from '../report/experimentOutputs.js';
import { Checkpoint, outOfPartial, partialDir, type CheckpointState } from '../sim/checkpoint.js';
import { runSeed } from '../sim/engine.js';
import { windowStatic, type WindowStatic } from '../sim/eventReference.js';
import type { RewardTable } from '../sim/reward.js';
import { DEFAULT_EVENT_WINDOW, eventList, wantsScenario } from '../metrics/scenario.js';
import { expandJobs, ExperimentContext, type Job, type JobResult } from '../sim/experiment.js';
import { checkAgainstTable, checkPoolAgainstTable } from './experimentChecks.js';
import { armLabel, checkJobCount, parseExperiment, resolveSourcePath, splitFractionOf, splitMember, splitSeries, type ExperimentConfig, type SplitSpec } from '../sim/experimentConfig.js';
import type { PreparedSplit } from '../sim/protocol.js';
import { sweepProtocolBlock, type SweepProtocolBlock } from '../metrics/protocol.js';
import { protocolCsv } from '../report/protocol.js';
import { HINDSIGHT_POLICIES } from './evaluateProtocol.js';
import { compileRewardExpression } from '../sim/rewardExpression.js';
import { runJobs, type JobSource } from '../sim/workers.js';
import { shardCells, shardName, type ShardSpec } from '../sim/shard.js';
import { tableHasLatency } from './runConfig.js';
import { version } from './version.js';
import { experimentInputs, readConfigText } from './experimentFiles.js';
import { loadPolicyModule } from '../policies/registry.js';

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
  /** Called once the jobs are known (label → replays), before any runs. */
  onPlan?: (perLabel: Map<string, number>, total: number, modelIds: string[], lambdas: number[], partial: string) => void | Promise<void>;
  /** Called with what runs after the replays (e.g. 'drawing 14 charts…'). */
  onPhase?: (text: string) => void | Promise<void>;
}

/** An experiment ready to run: its config, table and the jobs it expands into. */
export interface PreparedExperiment {
  file: string;
  text: string;
  configSha256: string;
  cfg: ExperimentConfig;
  src: JobSource;
  table: PoolTable;
  sha256: string;
  ctx: ExperimentContext;
  jobs: Job[];
}

/** Parse a config text, load its plugins and table, and expand its jobs (runs overridden when given). */
export async function prepareExperiment(file: string, text: string, runs?: number, member?: SplitSpec): Promise<PreparedExperiment> {
  const configSha256 = createHash('sha256').update(text).digest('hex');
  const parsed: ExperimentConfig = parseExperiment(text, file);
  // one split of a series (app/experimentSplits.ts)
  const cfg = member ? splitMember(parsed, member) : parsed;
  // plugin modules named by arms, relative to the YAML file (worker threads load the same files)
  for (const a of cfg.arms) if (a.module !== undefined) await loadPolicyModule(isAbsolute(a.module) ? a.module : resolve(dirname(file), a.module));
  if (runs !== undefined) cfg.runs = runs;
  if (cfg.reward !== undefined) await compileRewardExpression(cfg.reward, { file, field: 'reward' });
  checkJobCount(cfg, cfg.runs, (m) => new UsageError(`--runs: ${m}`));
  const rel = (p: string | undefined): string | undefined => resolveSourcePath(file, p, isBuiltinSource);
  const src = { source: rel(cfg.dataset)!, queries: rel(cfg.queries), models: rel(cfg.models), ...(cfg.train !== undefined ? { train: rel(cfg.train)! } : {}) };
  const table = await loadTable(src.source, { queries: src.queries, models: src.models });
  const sha256 = tableSha256(table);
  if (cfg.maxLatency !== null && !tableHasLatency(table)) throw new DataError(`maxLatency: dataset '${table.name}' has no latency values`, file);
  const trainTable = src.train !== undefined ? await loadTable(src.train) : undefined;
  checkPoolAgainstTable(file, text, cfg, table);
  const ctx = new ExperimentContext(table, cfg, trainTable);
  checkAgainstTable(file, text, cfg, ctx, member);
  return { file, text, configSha256, cfg, src, table, sha256, ctx, jobs: expandJobs(cfg) };
}

/**
 * Expected cost of each job, for balancing shards (docs/model.md, "Shards"): one unit per step for the
 * replay and a non-contextual policy's counters, plus d²/16 for a contextual policy's d×d statistics.
 */
export function jobWeights(p: PreparedExperiment): number[] {
  const dims = p.cfg.arms.map((_, a) => {
    if (!p.ctx.arms[a].factory.contextual) return 0;
    const d = p.ctx.contextSet(p.ctx.featuresOf(a)).d;
    return (d * d) / 16;
  });
  return p.jobs.map((j) => 1 + dims[j.armIndex]);
}

/** Key of a job in checkpoints and shard checks. */
export const jobKey = (j: Job): string => `${j.lambdaIndex}/${j.armIndex}/${j.run}`;

/** A job as people read it: `λ=0.3 linucb run 2`. */
export function jobLabel(p: PreparedExperiment, key: string): string {
  const [l, a, r] = key.split('/').map(Number);
  const lambda = p.cfg.lambdas[l];
  const arm = p.cfg.arms[a];
  return `λ=${lambda ?? `#${l}`} ${arm ? armLabel(arm) : `arm #${a}`} run ${r}`;
}

/** The best fixed model of each event window at the l-th λ (docs/model.md §11.7). */
async function eventReference(p: PreparedExperiment, l: number, rw: RewardTable): Promise<WindowStatic[][]> {
  const { cfg, ctx } = p;
  const Q = ctx.replay.nQueries;
  const W = cfg.eventWindow ?? DEFAULT_EVENT_WINDOW;
  const windows = eventList(cfg).map((e) => ({ from: e.step, to: Math.min(Q, e.step + W) }));
  const runs = Array.from({ length: cfg.runs }, (_, r) => r);
  const drift = (await ctx.scenario(l))?.drift ?? null;
  const ref = { seed: cfg.seed, oracle: ctx.semantics.oracle, initialModels: ctx.pool.initial, events: ctx.pool.events, drift, maxLatency: cfg.maxLatency };
  return windowStatic(ctx.replay, rw, ref, runs, windows);
}

/** Aggregate the finished jobs (in job order) and write the results directory atomically. */
export async function writeExperimentResults(
  p: PreparedExperiment,
  results: JobResult[],
  o: { out: string; force?: boolean; charts?: boolean; onPhase?: (text: string) => void | Promise<void>; inputs?: Inputs },
): Promise<ExperimentSummary> {
  const { cfg, table, sha256, ctx, text } = p;
  await o.onPhase?.('aggregating…');
  // one λ's reward table at a time (the context keeps only the latest)
  const rewards: RewardDigest[] = [];
  const events = eventList(cfg);
  const windowStatic = wantsScenario(cfg) && events.length > 0 ? new Map<number, WindowStatic[][]>() : undefined;
  for (let l = 0; l < cfg.lambdas.length; l++) {
    const rw = await ctx.rewardTable(l);
    rewards.push(rewardDigest(ctx.replay, rw));
    if (windowStatic) windowStatic.set(cfg.lambdas[l], await eventReference(p, l, rw));
  }
  const agg = aggregateExperiment({ cfg, table: ctx.replay, sha256, results, rewards, params: ctx.arms.map((a) => a.params), runs: cfg.runs, windowStatic });
  if (ctx.split) {
    // the protocol's rows per λ from the same replays (docs/model.md §13); split or train table
    agg.summary.schemaVersion = 2;
    agg.summary.protocol = experimentProtocol(cfg, ctx.split, results);
  }
  const dir = new AtomicDir(o.out, o.force === true, [...experimentInputs(p.file, cfg), ...(o.inputs ?? [])]);
  try {
    const manifest = {
      schemaVersion: 1,
      command: 'experiment run',
      greenserv: version(),
      node: process.version,
      experiment: cfg.name,
      dataset: { name: table.name, sha256, source: cfg.dataset },
      config: cfg,
      runSeeds: Array.from({ length: cfg.runs }, (_, r) => runSeed(cfg.seed, r)),
    };
    writeExperimentData(dir, agg, text);
    if (agg.summary.protocol) dir.write('protocol.csv', protocolCsv(agg.summary.protocol));
    dir.write('manifest.json', toJson(manifest));
    // the dataset's model profile (front, static baselines) at the λ nearest 0.5, for the report
    const lambda = cfg.lambdas.reduce((b, l) => (Math.abs(l - 0.5) < Math.abs(b - 0.5) ? l : b), cfg.lambdas[0]);
    const profile = await buildProfile(table, { lambda, cost: cfg.cost === 'usd' ? 'usd' : cfg.cost === 'latency' ? 'latency' : 'energy' });
    dir.write('profile.json', profileJson(profile));
    if (o.charts !== false) {
      await o.onPhase?.(`drawing ${experimentCharts(agg).length} charts and report.html…`);
      await writeChartsAndReport(dir, agg, text, manifest, profile);
    }
    dir.commit();
  } catch (e) {
    dir.abort();
    throw e;
  }
  return agg.summary;
}

/** What a run produced: the results directory, or (with a shard) the shard directory for `greenserv merge`. */
export type ExperimentOutcome =
  | { kind: 'results'; summary: ExperimentSummary; out: string }
  | { kind: 'splits'; members: SplitSeriesMember[]; out: string }
  | { kind: 'shard'; out: string; shard: ShardSpec; replays: number; total: number };

/** Run an experiment config end to end and write its results directory. */
export async function runExperiment(fileArg: string | null, o: ExperimentRunOptions): Promise<{ summary: ExperimentSummary; out: string; series?: SplitSeriesMember[] }> {
  const r = await runExperimentOrShard(fileArg, o);
  if (r.kind === 'shard') throw new UsageError(`${r.out} is a shard of a sharded run; combine the shards with greenserv merge`);
  // a series of splits: the first split's summary, and every member's
  if (r.kind === 'splits') return { summary: r.members[0].summary, out: r.out, series: r.members };
  return { summary: r.summary, out: r.out };
}

/** Run one shard of an experiment (`--shard i/n`) and write its shard directory. */
export async function runExperimentShard(fileArg: string, shard: ShardSpec, o: ExperimentRunOptions): Promise<Extract<ExperimentOutcome, { kind: 'shard' }>> {
  const r = await runExperimentOrShard(fileArg, { ...o, shard });
  if (r.kind !== 'shard') throw new Error('a shard run wrote results');
  return r;
}

/** Default directory of a shard: beside the merged results, `results/<name>.shards/shard-<i>-of-<n>`. */
export function defaultShardOut(name: string, s: ShardSpec): string {
  return `results/${name}.shards/${shardName(s)}`;
}

/**
 * A whole run, a shard, or the resumption of either. The checkpoint (`<out>.partial`: state.json and
 * jobs.ndjson) is one format for both; a finished shard is its checkpoint moved into place with the config.
 */
export async function runExperimentOrShard(fileArg: string | null, o: ExperimentRunOptions): Promise<ExperimentOutcome> {
  let state: CheckpointState | null = null;
  if (o.resume) {
    state = Checkpoint.readState(o.resume);
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
  const name = quick.name;
  const shard = o.shard;
  const out = o.out ?? (shard ? defaultShardOut(name, shard) : `results/${name}`);
  const inputs = [...experimentInputs(file, quick), ...(o.resume ? [o.resume] : [])];
  AtomicDir.checkTarget(out, o.force === true, inputs);
  const series = splitSeries(quick);
  if (series.length > 1) {
    if (o.resume || shard) throw new UsageError(`${file}: a series of ${series.length} splits runs whole; --resume and --shard apply to one split (list one train share)`);
    return { kind: 'splits', members: await runSplitSeries(file, text, series, out, o, inputs), out };
  }
  // completed jobs survive SIGINT/SIGTERM in <out>.partial; --resume finishes them
  const partial = o.resume ?? partialDir(out);
  const stale = !state && existsSync(partial);
  if (stale && !o.force) throw new UsageError(`an interrupted (or still running) run of this experiment is in ${partial}: finish it with --resume ${partial}, or pass --force to start over`);
  // --force removes an earlier checkpoint, never a directory (or file) that only happens to have its name
  if (stale && greenservMarker(partial) !== 'state.json') throw new UsageError(`${partial} is in the way of this run's checkpoint and is not one (no state.json of an experiment run); refusing to remove it, even with --force; move it away or choose another --out`);
  const p = await prepareExperiment(file, text, o.runs);
  // the old checkpoint goes only once the experiment has been checked against its table
  if (stale) rmSync(partial, { recursive: true, force: true });
  const { cfg, table, sha256, ctx, jobs } = p;
  let previous: JobResult[] = [];
  if (state) {
    if (state.totalJobs !== jobs.length) throw new DataError(`checkpoint records ${state.totalJobs} replays, the experiment has ${jobs.length}; start over with --force`, join(partial, 'state.json'), undefined, 'totalJobs');
    if (state.datasetSha256 !== undefined && state.datasetSha256 !== sha256) throw new DataError(`the dataset changed since the interrupted run (sha256 ${sha256}, the checkpoint has ${state.datasetSha256}); start over with --force`, join(partial, 'state.json'), undefined, 'datasetSha256');
    previous = Checkpoint.loadJobs(partial, { lambdas: cfg.lambdas.length, arms: cfg.arms.length, runs: cfg.runs, queries: ctx.replay.nQueries, models: table.nModels, budget: cfg.budget !== undefined });
  }
  // a shard runs its cost-balanced subset of the jobs (docs/model.md, "Shards")
  const mine = shard ? shardCells(jobWeights(p), shard).map((i) => jobs[i]) : jobs;
  const newState: CheckpointState = { schemaVersion: 1, experimentFile: resolve(file), configSha256, runs: cfg.runs, out: resolve(out), charts: o.charts !== false, totalJobs: jobs.length, datasetSha256: sha256, ...(shard ? { shard } : {}) };
  const checkpoint = new Checkpoint(partial, newState, !state);
  const done = new Map<string, JobResult>(previous.map((r) => [jobKey(r.job), r]));
  const todo = mine.filter((j) => !done.has(jobKey(j)));
  // one live row per arm, over every λ of a sweep
  const labelOf = (j: Job): string => ctx.label(j.armIndex);
  const perLabel = new Map<string, number>();
  for (const j of mine) perLabel.set(labelOf(j), (perLabel.get(labelOf(j)) ?? 0) + 1);
  await o.onPlan?.(perLabel, mine.length, table.models.map((m) => m.id), cfg.lambdas, partial);
  for (const r of done.values()) o.progress?.(0, mine.length, r, labelOf(r.job));
  const onSignal = (sig: NodeJS.Signals): void => {
    process.stderr.write(`\ngreenserv: interrupted (${sig}): ${done.size} of ${mine.length} replays kept in ${partial}; finish with: npx greenserv experiment run --resume ${partial}\n`);
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await runJobs(ctx, p.src, todo, o.workers ?? 1, (r) => {
      checkpoint.append(r);
      done.set(jobKey(r.job), r);
      o.progress?.(done.size, mine.length, r, labelOf(r.job));
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (shard) {
    await o.onPhase?.('writing the shard…');
    writeShardDir(checkpoint, { ...(state ?? newState), datasetSha256: sha256, shard }, text, cfg, out, o.force === true, inputs);
    checkpoint.remove();
    return { kind: 'shard', out, shard, replays: mine.length, total: jobs.length };
  }
  const summary = await writeExperimentResults(p, jobs.map((j) => done.get(jobKey(j))!), { out, force: o.force, charts: o.charts, onPhase: o.onPhase });
  checkpoint.remove();
  return { kind: 'results', summary, out };
}

/** A finished shard: the checkpoint's state and jobs, the config text and the resolved config, moved into place at once. */
function writeShardDir(checkpoint: Checkpoint, state: CheckpointState, text: string, cfg: ExperimentConfig, out: string, force: boolean, inputs: Inputs): void {
  const dir = new AtomicDir(out, force, inputs);
  try {
    dir.write('state.json', JSON.stringify(state, null, 2) + '\n');
    copyFileSync(join(checkpoint.dir, 'jobs.ndjson'), dir.path('jobs.ndjson'));
    dir.write('config.yaml', text);
    dir.write('config.json', toJson(cfg));
    dir.commit();
  } catch (e) {
    dir.abort();
    throw e;
  }
}

/** The protocol block of an experiment with a split or a train table: arms by label, rows at every λ. */
function experimentProtocol(cfg: ExperimentConfig, split: PreparedSplit, results: readonly JobResult[]): SweepProtocolBlock {
  const labels = cfg.arms.map(armLabel);
  const metrics = cfg.lambdas.map((_, l) =>
    cfg.arms.map((_a, a) =>
      results
        .filter((r) => r.job.lambdaIndex === l && r.job.armIndex === a)
        .sort((x, y) => x.job.run - y.job.run)
        .map((r) => r.metrics),
    ),
  );
  return sweepProtocolBlock({
    kind: cfg.split !== undefined ? 'split' : 'train-table',
    fraction: splitFractionOf(cfg) ?? null,
    train: cfg.train ?? null,
    hindsight: HINDSIGHT_POLICIES,
    lambdas: cfg.lambdas,
    splits: [{ trainQueries: split.trainRows.length, testQueries: split.nTest, policyNames: labels, metrics }],
    aiq: [{ policies: [], zeroRouter: null }],
  });
}

/** One split of a series and its results directory (inside the series' directory). */
export interface SplitSeriesMember {
  split: SplitSpec;
  dir: string;
  summary: ExperimentSummary;
}

/** Name of a series member's directory: `split-0.3`, with `-draw-<d>` when the shares have several draws. */
function memberDir(s: SplitSpec, draws: boolean): string {
  return `split-${s.fraction}${draws ? `-draw-${s.draw}` : ''}`;
}

/**
 * A series of splits (several train shares, or draws, docs/experiments.md): each split is run as its own
 * experiment into `<out>/split-<share>`, and `<out>/splits.csv` lists every split's protocol rows. The series
 * is written at once when the last split is done; it keeps no checkpoint.
 */
async function runSplitSeries(file: string, text: string, series: SplitSpec[], out: string, o: ExperimentRunOptions, inputs: Inputs): Promise<SplitSeriesMember[]> {
  const draws = series.some((s) => s.draw > 0);
  const dir = new AtomicDir(out, o.force === true, inputs);
  const onSignal = (sig: NodeJS.Signals): void => {
    process.stderr.write(`\ngreenserv: interrupted (${sig}): a series of splits keeps no checkpoint; nothing written\n`);
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const members: SplitSeriesMember[] = [];
  try {
    // Every share is checked before the first split runs, so a drift step or pool event that outruns a later
    // split's test stream is refused at once. A stratified split's per-task sizes depend on the share alone,
    // so one draw of each share is checked; the first split's preparation is kept for its run.
    const first = await prepareExperiment(file, text, o.runs, series[0]);
    const shares = new Set(series.map((s) => s.fraction));
    shares.delete(series[0].fraction);
    for (const fraction of shares) await prepareExperiment(file, text, o.runs, { fraction, draw: 0 });
    let planned = false;
    for (const s of series) {
      const p = s === series[0] ? first : await prepareExperiment(file, text, o.runs, s);
      const labelOf = (j: Job): string => `${p.ctx.label(j.armIndex)} @${s.fraction}${draws ? `#${s.draw}` : ''}`;
      if (!planned) {
        // one live row per arm and split, planned from the first split's jobs
        const perLabel = new Map<string, number>();
        for (const t of series) {
          for (const j of p.jobs) {
            const key = `${p.ctx.label(j.armIndex)} @${t.fraction}${draws ? `#${t.draw}` : ''}`;
            perLabel.set(key, (perLabel.get(key) ?? 0) + 1);
          }
        }
        await o.onPlan?.(perLabel, p.jobs.length * series.length, p.table.models.map((m) => m.id), p.cfg.lambdas, out);
        planned = true;
      }
      let done = members.length * p.jobs.length;
      const results = await runJobs(p.ctx, p.src, p.jobs, o.workers ?? 1, (r) => o.progress?.(++done, p.jobs.length * series.length, r, labelOf(r.job)));
      const sub = memberDir(s, draws);
      const summary = await writeExperimentResults(p, results, { out: dir.path(sub), charts: o.charts });
      members.push({ split: s, dir: join(out, sub), summary });
    }
    dir.write('splits.csv', splitsCsv(members, draws));
    dir.write('config.yaml', text);
    dir.commit();
  } catch (e) {
    dir.abort();
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return members;
}

/** splits.csv: each split's protocol.csv rows, led by its share, draw, directory and train/test sizes. */
function splitsCsv(members: SplitSeriesMember[], draws: boolean): string {
  const lines: string[] = [];
  for (const m of members) {
    const pr = m.summary.protocol!;
    const [head, ...rows] = protocolCsv(pr).trimEnd().split('\n');
    if (!lines.length) lines.push(`split,draw,dir,train_queries,test_queries,${head}`);
    for (const r of rows) lines.push(`${m.split.fraction},${m.split.draw},${memberDir(m.split, draws)},${pr.trainQueries},${pr.testQueries},${r}`);
  }
  return lines.join('\n') + '\n';
}
