/**
 * The experiment use case: run a YAML experiment (X0–X4 ship in experiments/) end to end, with a
 * checkpoint that survives an interruption, and write its results directory.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { DataError, didYouMean, UsageError, userIoError } from '../core/errors.js';
import { loadTable, isBuiltinSource } from '../data/load.js';
import { tableSha256 } from '../data/pool.js';
import { aggregateExperiment, type ExperimentSummary } from '../metrics/experiment.js';
import { buildProfile } from '../metrics/profile.js';
import { profileJson } from '../report/profile.js';
import { toJson } from '../metrics/summary.js';
import { AtomicDir } from '../core/atomic.js';
import { experimentCharts } from '../report/charts.js';
import { writeChartsAndReport, writeExperimentData } from '../report/experimentOutputs.js';
import { Checkpoint, outOfPartial, partialDir, type CheckpointState } from '../sim/checkpoint.js';
import { runSeed } from '../sim/engine.js';
import { expandJobs, ExperimentContext, type Job, type JobResult } from '../sim/experiment.js';
import { checkJobCount, parseExperiment, resolveSourcePath, type ExperimentConfig } from '../sim/experimentConfig.js';
import { MAX_CONFIG_BYTES } from '../sim/limits.js';
import { compileRewardExpression } from '../sim/rewardExpression.js';
import { runJobs } from '../sim/workers.js';
import { tableHasLatency } from './runConfig.js';
import { packageRoot, version } from './version.js';
import { loadPolicyModule } from '../policies/registry.js';

/** The experiments/ folder shipped with the package. */
export function experimentsDir(): string {
  return join(packageRoot(), 'experiments');
}

export function resolveExperimentFile(nameOrFile: string): string {
  // a path (YAML extension or a directory part) must exist; anything else is a shipped experiment's name
  if (/\.ya?ml$/i.test(nameOrFile) || /[\\/]/.test(nameOrFile)) {
    if (!existsSync(nameOrFile)) throw new DataError('file not found', nameOrFile);
    return resolve(nameOrFile);
  }
  const p = join(experimentsDir(), `${nameOrFile}.yaml`);
  if (existsSync(p)) return p;
  const names = listExperiments();
  throw new UsageError(`no experiment '${nameOrFile}'${didYouMean(nameOrFile, names)}; shipped experiments: ${names.join(', ')} (or give a YAML file)`);
}

export function listExperiments(): string[] {
  const dir = experimentsDir();
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.replace(/\.yaml$/, ''))
    .sort();
}


export interface ExperimentRunOptions {
  /** Resume the interrupted run whose checkpoint directory is given. */
  resume?: string;
  runs?: number;
  out?: string;
  workers?: number;
  force?: boolean;
  charts?: boolean;
  /** Called after each replay with its (λ, arm) label. */
  progress?: (done: number, total: number, r: JobResult, label: string) => void;
  /** Called once the jobs are known (label → replays), before any runs. */
  onPlan?: (perLabel: Map<string, number>, total: number, modelIds: string[], lambdas: number[], partial: string) => void | Promise<void>;
  /** Called with what runs after the replays (e.g. 'drawing 14 charts…'). */
  onPhase?: (text: string) => void | Promise<void>;
}

/** The text of an experiment file, bounded in size; a missing or unreadable file is the user's problem. */
function readConfigText(file: string, recordedIn?: string): string {
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new UsageError(`experiment file '${file}' is not a regular file`);
    if (st.size > MAX_CONFIG_BYTES) throw new DataError(`${st.size} bytes, at most ${MAX_CONFIG_BYTES} (see docs/limits.md)`, file);
    return readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof UsageError || e instanceof DataError) throw e;
    const err = userIoError(e, file, 'read experiment file');
    if (recordedIn && err instanceof UsageError) throw new DataError(`experimentFile: ${err.message}`, recordedIn, undefined, 'experimentFile');
    throw err;
  }
}

/** Run an experiment config end to end and write its results directory. */
export async function runExperiment(fileArg: string | null, o: ExperimentRunOptions): Promise<{ summary: ExperimentSummary; out: string }> {
  let state: CheckpointState | null = null;
  if (o.resume) {
    state = Checkpoint.readState(o.resume);
    // the results go beside the checkpoint, whichever directory the run is resumed from
    o = { ...o, runs: state.runs, out: outOfPartial(o.resume, state), charts: state.charts };
  }
  const file = state ? state.experimentFile : fileArg!;
  const text = readConfigText(file, state ? join(o.resume!, 'state.json') : undefined);
  const configSha256 = createHash('sha256').update(text).digest('hex');
  if (state && state.configSha256 !== configSha256) {
    throw new UsageError(`${file} changed since the interrupted run; its checkpoint (${o.resume}) cannot be resumed`);
  }
  const cfg: ExperimentConfig = parseExperiment(text, file);
  // plugin modules named by arms, relative to the YAML file (worker threads load the same files)
  for (const a of cfg.arms) if (a.module !== undefined) await loadPolicyModule(isAbsolute(a.module) ? a.module : resolve(dirname(file), a.module));
  if (o.runs !== undefined) cfg.runs = o.runs;
  if (cfg.reward !== undefined) await compileRewardExpression(cfg.reward, { file, field: 'reward' });
  checkJobCount(cfg, cfg.runs, (m) => new UsageError(`--runs: ${m}`));
  const rel = (p: string | undefined): string | undefined => resolveSourcePath(file, p, isBuiltinSource);
  const src = { source: rel(cfg.dataset)!, queries: rel(cfg.queries), models: rel(cfg.models) };
  const out = o.out ?? `results/${cfg.name}`;
  AtomicDir.checkTarget(out, o.force === true);
  // completed jobs survive SIGINT/SIGTERM in <out>.partial; --resume finishes them
  const partial = o.resume ?? partialDir(out);
  if (!state && existsSync(partial)) {
    if (!o.force) throw new UsageError(`an interrupted (or still running) run of this experiment is in ${partial}: finish it with --resume ${partial}, or pass --force to start over`);
    rmSync(partial, { recursive: true, force: true });
  }
  const table = await loadTable(src.source, { queries: src.queries, models: src.models });
  const sha256 = tableSha256(table);
  if (cfg.maxLatency !== null && !tableHasLatency(table)) throw new DataError(`maxLatency: dataset '${table.name}' has no latency values`, file);
  const ctx = new ExperimentContext(table, cfg);
  const jobs = expandJobs(cfg);
  let previous: JobResult[] = [];
  if (state) {
    if (state.totalJobs !== jobs.length) throw new DataError(`checkpoint records ${state.totalJobs} replays, the experiment has ${jobs.length}; start over with --force`, join(partial, 'state.json'), undefined, 'totalJobs');
    previous = Checkpoint.loadJobs(partial, { lambdas: cfg.lambdas.length, arms: cfg.arms.length, runs: cfg.runs, queries: table.nQueries, models: table.nModels });
  }
  const checkpoint = new Checkpoint(partial, { schemaVersion: 1, experimentFile: resolve(file), configSha256, runs: cfg.runs, out: resolve(out), charts: o.charts !== false, totalJobs: jobs.length }, !state);
  const key = (j: Job): string => `${j.lambdaIndex}/${j.armIndex}/${j.run}`;
  const done = new Map<string, JobResult>(previous.map((r) => [key(r.job), r]));
  const todo = jobs.filter((j) => !done.has(key(j)));
  // one live row per arm, over every λ of a sweep
  const labelOf = (j: Job): string => ctx.label(j.armIndex);
  const perLabel = new Map<string, number>();
  for (const j of jobs) perLabel.set(labelOf(j), (perLabel.get(labelOf(j)) ?? 0) + 1);
  await o.onPlan?.(perLabel, jobs.length, table.models.map((m) => m.id), cfg.lambdas, partial);
  for (const r of done.values()) o.progress?.(0, jobs.length, r, labelOf(r.job));
  const onSignal = (sig: NodeJS.Signals): void => {
    process.stderr.write(`\ngreenserv: interrupted (${sig}): ${done.size} of ${jobs.length} replays kept in ${partial}; finish with: npx greenserv experiment run --resume ${partial}\n`);
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await runJobs(ctx, src, todo, o.workers ?? 1, (r) => {
      checkpoint.append(r);
      done.set(key(r.job), r);
      o.progress?.(done.size, jobs.length, r, labelOf(r.job));
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  await o.onPhase?.('aggregating…');
  const results = jobs.map((j) => done.get(key(j))!);
  const rewards = await Promise.all(cfg.lambdas.map((_, l) => ctx.rewardTable(l)));
  const agg = aggregateExperiment({ cfg, table, sha256, results, rewards, params: ctx.arms.map((a) => a.params), runs: cfg.runs });
  const dir = new AtomicDir(out, o.force === true);
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
  checkpoint.remove();
  return { summary: agg.summary, out };
}
