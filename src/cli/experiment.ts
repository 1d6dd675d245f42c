/** `greenserv experiment run|list|schema`: YAML-defined experiments (X0–X4 ship in experiments/). */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { DataError, didYouMean, UsageError } from '../core/errors.js';
import { loadTable, isBuiltinSource } from '../data/load.js';
import { tableSha256 } from '../data/pool.js';
import { aggregateExperiment, type ExperimentSummary } from '../metrics/experiment.js';
import { buildProfile } from '../metrics/profile.js';
import { profileJson } from '../report/profile.js';
import { toJson } from '../metrics/summary.js';
import { AtomicDir, userIoError, writeFileAtomic } from '../core/atomic.js';
import { experimentCharts } from '../report/charts.js';
import { writeChartsAndReport, writeExperimentData } from '../report/experimentOutputs.js';
import { fmt, fmtSmall, plural, renderTable, renderTableFit, wrapAt } from '../report/terminalTable.js';
import { Checkpoint, outOfPartial, partialDir, type CheckpointState } from '../sim/checkpoint.js';
import { expandJobs, ExperimentContext, type Job, type JobResult } from '../sim/experiment.js';
import { checkJobCount, experimentJsonSchema, parseExperiment, resolveSourcePath, type ExperimentConfig } from '../sim/experimentConfig.js';
import { MAX_CONFIG_BYTES, MAX_RUNS } from '../sim/limits.js';
import { compileRewardExpression } from '../sim/rewardExpression.js';
import { runJobs } from '../sim/workers.js';
import { parseInteger } from './parse.js';
import { LiveStore, startProgress, type Progress } from './ui/live.js';
import { packageRoot, version } from './version.js';
import { applyInputLimits, maxDecompressedOption, maxLineBytesOption } from '../data/limits.js';

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


/** The results table; `width` (a terminal's) drops the CI column, then reward, to fit. */
export function experimentTable(s: ExperimentSummary, width = Infinity): string {
  const multi = s.lambdas.length > 1;
  const headers = [...(multi ? ['λ'] : []), 'policy', 'final regret', '95% CI', 'accuracy', 'energy Wh', 'reward'];
  const rows = s.cells.map((c) => [
    ...(multi ? [String(c.lambda)] : []),
    c.label,
    `${fmt(c.finalRegret.mean, 1)} ± ${fmt(c.finalRegret.sd, 1)}`,
    `[${fmt(c.finalRegret.ci95[0], 1)}, ${fmt(c.finalRegret.ci95[1], 1)}]`,
    fmt(c.accuracy.mean, 4),
    fmtSmall(c.energyWh.mean, 1),
    fmt(c.reward.mean, 4),
  ]);
  let out = wrapAt(`${s.title ?? s.name} — ${s.dataset.name}, ${plural(s.runs, 'run')}, seed ${s.seed}, ${s.semantics} semantics`, ' ', width) + '\n\n';
  out += renderTableFit(headers, rows, headers.map((h) => h !== 'policy'), width, [headers.indexOf('95% CI'), headers.indexOf('reward')]) + '\n';
  if (s.comparison?.rows.length) {
    const rows = s.comparison.rows;
    out += '\n' + wrapAt(`Published figures (${s.comparison.source}):`, ' ', width) + '\n\n';
    if (rows.length <= 40) {
      out += renderTable(
        ['policy', 'λ', 'metric', 'ours', 'published', 'gap'],
        rows.map((r) => [r.label, String(r.lambda), r.metric, fmt(r.ours, 4), fmt(r.published, 4), `${r.gapPct >= 0 ? '+' : ''}${fmt(r.gapPct, 1)}%`]),
        [false, true, false, true, true, true],
      ) + '\n';
    } else {
      // long sweeps: per metric, the median and largest absolute gap; every row is in comparison.csv
      const metrics = [...new Set(rows.map((r) => r.metric))];
      out += renderTable(
        ['metric', 'comparisons', 'median |gap|', 'max |gap|'],
        metrics.map((m) => {
          const g = rows.filter((r) => r.metric === m && Number.isFinite(r.gapPct)).map((r) => Math.abs(r.gapPct)).sort((a, b) => a - b);
          return [m, String(g.length), `${fmt(g[Math.floor((g.length - 1) / 2)], 1)}%`, `${fmt(g[g.length - 1], 1)}%`];
        }),
        [false, true, true, true],
      ) + `\n(every comparison: comparison.csv and report.html)\n`;
    }
  }
  return out;
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
      runSeeds: Array.from({ length: cfg.runs }, (_, r) => cfg.seed + r),
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

export function registerExperimentCommand(program: Command): void {
  const exp = program.command('experiment').description('run the paper experiments (X0–X4) or your own YAML experiments');
  exp
    .command('run [experiment]')
    .description('run an experiment by name (see `experiment list`) or YAML file; writes summary, statistics, charts and report.html')
    .option('--resume <dir>', 'finish an interrupted run from its checkpoint directory (<out>.partial)')
    .option('--runs <n>', `override the number of runs (at most ${MAX_RUNS})`)
    .option('--out <dir>', 'results directory (default results/<name>)')
    .option('--force', 'replace an existing --out directory')
    .option('--workers <n>', 'worker threads (results are identical for any count)', String(availableParallelism()))
    .option('--no-charts', 'skip charts and report.html')
    .option('--json', 'print summary.json to stdout')
    .option('--no-progress', 'no progress output')
    .option('--no-ui', 'plain progress lines instead of the live dashboard')
    .addOption(maxDecompressedOption()).addOption(maxLineBytesOption()).hook('preAction', applyInputLimits)
    .action(async (nameArg: string | undefined, o: { resume?: string; runs?: string; out?: string; force?: boolean; workers: string; charts: boolean; json?: boolean; progress: boolean; ui: boolean }) => {
      if (!nameArg && !o.resume) throw new UsageError(`name an experiment (${listExperiments().join(', ')}) or a YAML file, or --resume <dir>`);
      const file = o.resume ? null : resolveExperimentFile(nameArg!);
      const runs = o.runs !== undefined ? parseInteger('--runs', o.runs, 1, MAX_RUNS) : undefined;
      const workers = parseInteger('--workers', o.workers, 1);
      let live: Progress | null = null;
      let store: LiveStore | null = null;
      let ids: string[] = [];
      let sweep: number[] | null = null;
      // which part of the run a Ctrl-C interrupts, and where the finished replays are kept
      let stage: 'loading' | 'replays' | 'writing' = 'loading';
      let partial = '';
      const onPlan = async (perLabel: Map<string, number>, total: number, modelIds: string[], lambdas: number[], partialDir: string): Promise<void> => {
        // a sweep shows each policy's regret at the λ it is running, not pooled over λ
        sweep = lambdas.length > 1 ? lambdas : null;
        store = new LiveStore(`experiment ${nameArg ?? 'resume'}`, total, perLabel, sweep ? 'λ' : null);
        ids = modelIds;
        partial = partialDir;
        live = await startProgress(store, { ui: o.ui, progress: o.progress, linesWithoutTty: true });
        stage = 'replays';
      };
      const progress = (_done: number, _total: number, r: JobResult, label: string): void => {
        store?.record(label, r.metrics.finalRegret, r.metrics.selection, ids, sweep ? String(sweep[r.job.lambdaIndex]) : undefined);
        live?.update();
      };
      // Ctrl-C clears the live display first; during the replays runExperiment's own handler then keeps the
      // checkpoint and exits, before and after them this one says what is kept
      const clear = (sig: NodeJS.Signals): void => {
        (live as Progress | null)?.stop(false);
        if (stage === 'replays') return;
        process.stderr.write(
          stage === 'loading'
            ? `greenserv: interrupted (${sig}) before any replay; nothing written\n`
            : `greenserv: interrupted (${sig}) while writing results; every replay is kept in ${partial}; finish with: npx greenserv experiment run --resume ${partial}\n`,
        );
        process.exit(sig === 'SIGINT' ? 130 : 143);
      };
      process.prependListener('SIGINT', clear);
      process.prependListener('SIGTERM', clear);
      let result;
      try {
        const onPhase = async (text: string): Promise<void> => {
          stage = 'writing';
          await (live as Progress | null)?.phase(text);
        };
        result = await runExperiment(file, { resume: o.resume, runs, out: o.out, workers, force: o.force, charts: o.charts, progress, onPlan, onPhase });
        (live as Progress | null)?.stop();
      } finally {
        (live as Progress | null)?.stop(false);
        process.off('SIGINT', clear);
        process.off('SIGTERM', clear);
      }
      const { summary, out } = result;
      if (o.json) process.stdout.write(toJson(summary));
      else process.stdout.write(experimentTable(summary, process.stdout.isTTY ? (process.stdout.columns || 80) - 1 : Infinity) + `\nresults: ${out}\n`);
    });
  exp
    .command('list')
    .description('list the shipped experiments')
    .action(() => {
      for (const n of listExperiments()) {
        const cfg = parseExperiment(readFileSync(join(experimentsDir(), `${n}.yaml`), 'utf8'), `${n}.yaml`);
        process.stdout.write(`${n.padEnd(26)} ${cfg.title ?? ''}\n`);
      }
    });
  exp
    .command('schema')
    .description('write the JSON Schema of the experiment format (for editors)')
    .option('--out <file>', 'output file', 'experiments/schema.json')
    .action((o: { out: string }) => {
      writeFileAtomic(o.out, JSON.stringify(experimentJsonSchema(), null, 2) + '\n');
    });
}
