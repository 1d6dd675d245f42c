/** The run behind `greenserv simulate` (loaded only when the command runs). */
import type { SingleBar } from 'cli-progress';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, keepWhole, UsageError } from '../core/errors.js';
import { isBuiltinSource, loadTable } from '../data/load.js';
import { toJson } from '../metrics/summary.js';
import { AtomicDir, AtomicFile, signalsHandled } from '../core/atomic.js';
import { defaultResultsDir, fileWithin, inputSameAs, type Inputs } from '../core/outputGuard.js';
import type { StepsFormat } from '../report/simulateOutputs.js';
import { plural, summaryTable } from '../report/terminalTable.js';
import { protocolTable } from '../report/protocol.js';
import { compileRewardExpression } from '../sim/rewardExpression.js';
import { defaultPolicies, simulateTableBy, writeSimulateResults } from '../app/simulate.js';
import { simulateOptions, tableHasLatency } from '../app/runConfig.js';
import { PROTOCOL_BASELINE, runSimulation, type SimulateOptions } from '../sim/run.js';
import { runSimulationOnWorker } from '../sim/simulateWorker.js';
import { offThreadScript } from '../sim/workers.js';
import { tasksMissingFromTrain } from '../sim/protocol.js';
import { STEPS_SPOOL_ROWS } from '../sim/engine.js';
import { InkProgress, LiveStore, startProgress, type Progress } from './ui/live.js';
import { finalLine } from './ui/layout.js';
import type { PoolTable } from '../data/pool.js';
import { runConfigFromFlags, type SimulateCliOptions } from './simulateOptions.js';
import { scenarioErrorsAsFlags } from './runFlags.js';
import type { RunConfig } from '../sim/runConfig.js';
import { loadPolicyModule } from '../app/policies.js';
import { energyModelSizes, inputFiles } from '../app/inputs.js';
import { warnUnusedEmbedDim } from './parse.js';
import { logFileData, logFormatOf } from '../data/logWrite.js';
import { LogRecorder, logColumns } from '../sim/logRecorder.js';
import { stdoutWidth } from './width.js';
import { notice, print, say, warn } from './say.js';
import { shellWord, shownName } from '../core/escape.js';
import { checkPolicyNames } from '../policies/registry.js';

const BAR_FORMAT = 'simulate |{bar}| {value}/{total} policy-runs · {label}';

/**
 * Width of the --no-ui bar on a terminal of `columns`: the counts and the policy's name stay in view (the
 * terminal cuts what goes past its edge), the bar taking 10 to 40 characters.
 */
export function simulateBarSize(columns: number | undefined, total: number, labels: readonly string[]): number {
  const rest = BAR_FORMAT.replace(/\{[a-z]+\}/g, '').length + 2 * String(total).length + Math.max(0, ...labels.map((l) => l.length));
  return Math.max(10, Math.min(40, (columns ?? 80) - 1 - rest));
}

/** The --no-ui progress bar (cli-progress is loaded only for it). */
async function plainBar(total: number, labels: readonly string[]): Promise<SingleBar> {
  const cliProgress = (await import('cli-progress')).default;
  const barsize = simulateBarSize(process.stderr.columns, total, labels);
  return new cliProgress.SingleBar({ format: BAR_FORMAT, barsize, hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic);
}


/**
 * Ctrl-C (or SIGTERM) while simulate runs: stop the display, remove partial output, say so, exit. The replay
 * and the writing are synchronous between their awaits, so a signal is handled at the next turn of the event
 * loop: `poll()` gives it one, and the results are committed only after a last poll.
 */
class Interrupts {
  private cleanups: (() => void)[] = [];
  /** A cleared live display leaves the cursor on a fresh line; otherwise start one after the echoed ^C. */
  freshLine = false;
  /** The signal received, if any (the handler ends the process; this is what a poll checks). */
  private signal: NodeJS.Signals | null = null;
  private readonly handler = (sig: NodeJS.Signals): void => {
    this.signal = sig;
    for (const f of this.cleanups.reverse()) f();
    notice(`${this.freshLine ? '' : '\n'}greenserv: interrupted (${sig}); stopped, no results written\n`);
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };

  constructor() {
    process.on('SIGINT', this.handler);
    process.on('SIGTERM', this.handler);
  }

  onInterrupt(f: () => void): void {
    this.cleanups.push(f);
  }

  /** Let a signal that arrived during synchronous work be handled now, before anything is committed. */
  async poll(): Promise<void> {
    await signalsHandled();
    if (this.signal !== null) throw new Error(`interrupted (${this.signal})`);
  }

  dispose(): void {
    process.off('SIGINT', this.handler);
    process.off('SIGTERM', this.handler);
  }
}

/** Where the options whose silent effect depends on it came from: 'cli' when typed (commander's value source). */
interface OptionSources {
  embedDim?: string;
  steps?: string;
  lambda?: string;
}

export async function simulateAction(o: SimulateCliOptions, sources: OptionSources = {}): Promise<void> {
  const interrupts = new Interrupts();
  try {
    await scenarioErrorsAsFlags(() => simulateRun(o, interrupts, sources));
  } finally {
    interrupts.dispose();
  }
}

/** The files simulate reads: --out never replaces a directory that holds one, --log never overwrites one. */
function simulateInputs(o: SimulateCliOptions): string[] {
  return inputFiles(o.data, o.queries, o.models, o.train, o.bounds, o.taskModel, energyModelSizes(o.energyModel), o.policyModule);
}

/**
 * The routing log's temporary file, created before the run: an unusable --log fails at once, and the log
 * is moved into place only together with the results.
 */
function openLog(file: string, o: SimulateCliOptions, inputs: Inputs): AtomicFile {
  logFormatOf(file);
  const input = inputSameAs(file, inputs);
  if (input !== null) throw new UsageError(`--log ${file}: it is the input file ${input}; refusing to overwrite it${o.force ? ', even with --force' : ''}; name a new file for the log`);
  if (o.out !== undefined && fileWithin(o.out, file)) throw new UsageError(`--log ${file}: it is inside the --out directory ${o.out}, which the results replace as a whole; write the log beside it`);
  if (AtomicFile.lstat(file) && !o.force) throw new UsageError(`--log ${file}: the file exists; pass --force to replace it, or name another file`);
  try {
    return new AtomicFile(file);
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(`--log: ${e.message}`);
    throw e;
  }
}

async function simulateRun(o: SimulateCliOptions, interrupts: Interrupts, sources: OptionSources): Promise<void> {
  // an unusable --out or --log fails before the simulation, not after it (--out is checked again when committing)
  const inputs = simulateInputs(o);
  if (o.out !== undefined) AtomicDir.checkTarget(o.out, o.force === true, inputs);
  const logFile = o.log !== undefined ? openLog(o.log, o, inputs) : null;
  try {
    await checkAndRun(o, interrupts, inputs, logFile, sources);
  } catch (e) {
    logFile?.abort();
    throw e;
  }
}

async function checkAndRun(o: SimulateCliOptions, interrupts: Interrupts, inputs: Inputs, logFile: AtomicFile | null, sources: OptionSources): Promise<void> {
  // plugins first: --policies and --param may name their policies
  for (const f of o.policyModule) await loadPolicyModule(f);
  const rc = runConfigFromFlags(o);
  // said once the flags are valid, so a bad value gets its error alone
  warnUnusedEmbedDim(sources.embedDim, o.features);
  const steps = o.steps as StepsFormat;
  if (o.taskModel !== undefined && !existsSync(o.taskModel)) throw new DataError('file not found', o.taskModel);
  // RouterBench ships as a directory of files, which evaluate reads whole; simulate replays one table
  for (const [flag, src] of [['--data', rc.data], ['--train', rc.train]] as const) {
    if (src !== undefined && !isBuiltinSource(src) && existsSync(src) && statSync(src).isDirectory()) {
      const there = flag === '--data' ? `greenserv evaluate --routerbench ${shellWord(src)}` : `greenserv evaluate --train ${shellWord(src)}`;
      throw keepWhole(new UsageError(`${flag} ${src} is a directory: simulate replays one table file, so name one of its files (${there} reads a directory of RouterBench files)`), src, there);
    }
  }
  // a bad --reward is refused before any data is read
  if (rc.reward !== undefined) await compileRewardExpression(rc.reward, { option: '--reward' });
  // as are unknown policy names (static:<model> waits for the table's models)
  if (rc.policies !== undefined) checkPolicyNames(rc.policies);

  const em = o.energyModel !== undefined ? await import('../data/energy/flag.js') : null;
  const emSpec = em ? em.parseEnergyModelFlag(o.energyModel!) : null;
  // --format is for the files among --data and --train: a built-in one of the two beside a file leaves it to the file
  const fileBeside = (a: string, b: string | undefined): boolean => isBuiltinSource(a) && b !== undefined && !isBuiltinSource(b);
  const dataFormat = fileBeside(rc.data, rc.train) ? undefined : o.format;
  let table = await loadTable(rc.data, { queries: rc.queries, models: rc.models, format: dataFormat, bounds: o.bounds, offline: o.offline, warn });
  if (em && emSpec) table = (await em.applyEnergyModel(table, emSpec, o.data, o.format, warn)).table;

  // what the table cannot support is named as the flag typed (the simulation names the setting)
  if (rc.cost === 'usd' && !table.costUsd) throw new UsageError(`--cost usd: dataset '${table.name}' has no cost_usd column`);
  if (rc.cost === 'latency' && !tableHasLatency(table)) throw new UsageError(`--cost latency: dataset '${table.name}' has no latency values`);
  if (rc.maxLatency !== null && !tableHasLatency(table)) throw new UsageError('--max-latency: the dataset has no latency values');
  const trainTable = rc.train !== undefined ? await loadTable(rc.train, { format: fileBeside(rc.train, rc.data) ? undefined : o.format, bounds: o.bounds, offline: o.offline, warn }) : undefined;
  if (trainTable) {
    if (rc.cost === 'usd' && !trainTable.costUsd) throw new UsageError(`--cost usd: the train table '${rc.train}' has no cost_usd column`);
    if (rc.cost === 'latency' && !tableHasLatency(trainTable)) throw new UsageError(`--cost latency: the train table '${rc.train}' has no latency values`);
    const missing = tasksMissingFromTrain(table, trainTable);
    if (missing.length) warn(`the train table ${rc.train} has no queries of task(s) ${missing.join(', ')}: the trained routers learn nothing about them`);
  }
  // a reward expression that never names lambda leaves a typed --lambda without effect: say so
  if (rc.reward !== undefined && sources.lambda === 'cli' && !/\blambda\b/.test(rc.reward)) warn(`--lambda ${rc.lambda} has no effect: the --reward expression does not use lambda`);
  const options: SimulateOptions = { ...simulateOptions(rc, table), rewardSource: { option: '--reward' }, ...(trainTable ? { trainTable } : {}) };
  const { runs } = options;
  // under the protocol every split replays the policies, and train-best-static always runs
  const protocol = options.split !== undefined || trainTable !== undefined;
  const policies = protocol && !options.policies.includes(PROTOCOL_BASELINE) ? [...options.policies, PROTOCOL_BASELINE] : options.policies;
  const perPolicy = runs * (options.split !== undefined ? options.splits ?? 1 : 1);
  if (o.log !== undefined && protocol) throw new UsageError('--log: a routing log replays the whole table; it cannot be combined with --split or --train');
  // the splits replay different streams, so the protocol writes no step trace: say so when one was asked for
  if (protocol && sources.steps === 'cli' && steps !== 'none') warn(`--steps ${steps} is ignored under --split/--train: the protocol writes no step trace (its splits replay different streams)`);
  if (o.log !== undefined && policies.length !== 1) throw new UsageError(`--log: a routing log records one policy's decisions; give exactly one with --policies (got ${policies.length})`);
  if (rc.policies === undefined && defaultPolicies(table).dropped.length) {
    // size baselines need parameter counts; by default run the rest rather than fail
    say('note', `'${table.name}' has no model parameter counts, so largest and smallest are not run (give --models with params_b)`);
  }
  // live dashboard (or a bar with --no-ui) on a terminal; silent otherwise so piped output stays clean
  const tty = o.progress && process.stderr.isTTY === true;
  const store = new LiveStore('simulate', perPolicy * policies.length, new Map(policies.map((p) => [p, perPolicy])));
  const live = tty && o.ui ? await startProgress(store, { ui: true, progress: true, linesWithoutTty: false }) : null;
  const bar = tty && !o.ui ? await plainBar(perPolicy * policies.length, policies) : null;
  bar?.start(perPolicy * policies.length, 0, { label: '' });
  // the redrawn dashboard, and a running bar (cleared when it stops), erase the line the terminal echoed ^C on
  interrupts.freshLine = live instanceof InkProgress;
  interrupts.onInterrupt(() => {
    live?.stop(false);
    if (bar?.isActive) interrupts.freshLine = true;
    bar?.stop();
  });
  try {
    await replayAndWrite(o, { rc, table, options, steps, inputs, logFile }, interrupts, store, live, bar);
    live?.stop();
  } catch (e) {
    live?.stop(false);
    throw e;
  } finally {
    bar?.stop();
  }
}

interface Checked {
  rc: RunConfig;
  table: PoolTable;
  options: SimulateOptions;
  steps: StepsFormat;
  inputs: Inputs;
  logFile: AtomicFile | null;
}

async function replayAndWrite(o: SimulateCliOptions, c: Checked, interrupts: Interrupts, store: LiveStore, live: Progress | null, bar: SingleBar | null): Promise<void> {
  const { table, options, steps } = c;
  const ids = table.models.map((m) => m.id);
  const log = o.log !== undefined ? new LogRecorder(table.nQueries, options.runs) : null;
  // with policy modules the replay runs on a worker thread (offThreadScript)
  const script = offThreadScript();
  const replay: typeof runSimulation = script ? (t, opts, p) => runSimulationOnWorker(script, t, opts, p) : runSimulation;
  const run = await simulateTableBy(
    replay,
    table,
    {
      ...options,
      ...(log ? { recorders: [log] } : {}),
      recordSteps: steps !== 'none',
      // a long trace goes to the step file one policy-run at a time instead of being held whole
      stepsSpoolRows: STEPS_SPOOL_ROWS,
      textFeatures: { taskModel: o.taskModel ? (await import('../features/taskClassifier.js')).loadTaskModel(o.taskModel) : null },
    },
    live || bar
      ? (done, _total, label, m) => {
          store.record(label, m.finalRegret, m.selection, ids);
          live?.update();
          bar?.update(done, { label });
        }
      : undefined,
  );
  bar?.stop();
  // a signal during the replay stops the run here rather than after the writing
  await interrupts.poll();
  // notes wait until the live display is gone, so they do not tear it
  const notes: [kind: string, message: string][] = [];
  const { prepared, summary } = run;
  if (prepared.textFeatures) {
    const f = prepared.textFeatures;
    // only what was computed: clusters given in a queries file leave complexity alone to fill
    const parts = ([['cluster', f.clustersFilled], ['complexity', f.complexityFilled], ['task', f.tasksFilled]] as const).filter(([, n]) => n > 0);
    if (parts.length > 0) notes.push(['note', `computed from query text: ${parts.map(([w, n], i) => `the ${w} of ${i === 0 ? plural(n, 'query', 'queries') : n}`).join(', ')}`]);
  }
  for (const w of prepared.rewards.warnings) warn(w);
  if (prepared.result.infeasibleQueries > 0) {
    notes.push(['warning', `${prepared.result.infeasibleQueries === 1 ? '1 query has' : `${prepared.result.infeasibleQueries} queries have`} no model within --max-latency ${options.maxLatency} s; every model was allowed for them`]);
  }

  const outDir = o.out ?? defaultResultsDir('simulate');
  await live?.phase(`writing results${steps === 'none' ? '' : ` (steps.${steps})`}${o.report ? ' and the report' : ''}…`);
  const { logFile } = c;
  let logWritten = false;
  await writeSimulateResults(
    outDir,
    table,
    run,
    { config: c.rc, source: o.data, bounds: o.bounds, energyModel: o.energyModel, policyModules: o.policyModule, taskModel: o.taskModel, steps },
    {
      force: o.force,
      inputs: c.inputs,
      onDir: (dir) => interrupts.onInterrupt(() => dir.abort()),
      ...(o.report ? { report: (m: string) => notes.push(['note', m]) } : {}),
      beforeCommit: async () => {
        // a log is refused under the protocol, so the run has one set of contexts
        if (log && logFile && prepared.contexts) {
          logFile.write(await logFileData(o.log!, logColumns(log, table, prepared.contexts), log.length));
          logWritten = true;
          if (!log.hasPropensity) notes.push(['warning', `--log: policy '${options.policies[0]}' cannot report the probability of its choices, so the log has no propensity column (greenserv ope then estimates it; docs/ope.md)`]);
        }
        // the last chance for a signal: after this the results are committed
        await interrupts.poll();
      },
      afterCommit: () => {
        if (!logWritten) return logFile?.abort();
        try {
          logFile?.commit();
        } catch (e) {
          if (e instanceof UsageError) throw new UsageError(`--log: ${e.message}; the results were written to ${shownName(outDir)}, the log was not`);
          throw e;
        }
      },
    },
  );
  live?.stop();
  // the bar was cleared when the replays ended: leave the summary the dashboard leaves
  if (bar) process.stderr.write(`${finalLine(store.snapshot(), process.stderr.columns ?? 80)}\n`);
  for (const [kind, m] of notes) say(kind, m);
  if (o.json) {
    print(toJson(summary));
  } else {
    const width = stdoutWidth();
    print(summaryTable(summary, width));
    if (summary.protocol) print(`\ntrain/test protocol:\n${protocolTable(summary.protocol, width)}`);
    print(`\nresults: ${shownName(outDir)}\n`);
    const hint = `charts and report.html: greenserv report ${shownName(outDir)}`;
    // the alternative goes on a line of its own when the two do not fit the terminal together
    const orFlag = hint.length + 23 <= width ? ' (or simulate --report)' : '\n(or simulate --report)';
    print(o.report ? `report: ${join(outDir, 'report.html')}\n` : `${hint}${orFlag}\n`);
    if (o.log !== undefined) print(`routing log: ${o.log}\n`);
  }
}
