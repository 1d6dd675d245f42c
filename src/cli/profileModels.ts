/**
 * `greenserv profile-models`: per-model accuracy/energy profiles of a table (default: the built-in pool), or,
 * with --endpoint, live profiling of a served model into a long-format table that `simulate --data` reads.
 */
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { DataError, UsageError } from '../core/errors.js';
import { shellWord } from '../core/escape.js';
import { profileTable } from '../app/profile.js';
import { profileLive } from '../app/profileLive.js';
import { toJson } from '../metrics/summary.js';
import { profileTerminal } from '../report/profile.js';
import { METER_KINDS, MeterUnavailableError, type MeterChoice, type MeterKind } from '../profiling/energy.js';
import { sideFiles } from '../profiling/live.js';
import { readProfilingQueries } from '../profiling/queries.js';
import { SUMMARY_METRICS } from '../profiling/scoring.js';
import { collect } from './parse.js';
import { parseEnergyModelFlag } from '../data/energy/flag.js';
import { configFromFlags } from './runFlags.js';
import { profileLiveSchema, profileTableSchema } from '../app/profileConfig.js';
import { applyInputLimits, maxDecompressedOption, maxLineBytesOption } from '../data/limits.js';
import { stdoutWidth } from './width.js';
import { notice, print, warn } from './say.js';
import { stopOnSignal } from './interrupt.js';

interface ProfileCliOptions {
  data?: string;
  queries: string[];
  models?: string;
  format?: string;
  bounds?: string;
  offline?: boolean;
  lambda: string;
  cost: string;
  json?: boolean;
  out?: string;
  force?: boolean;
  estimateEnergy?: boolean;
  estimateBatch: string;
  estimateGpu: string;
  energyModel?: string;
  // live
  endpoint?: string;
  model?: string;
  modelId?: string;
  paramsB?: string;
  api: string;
  apiKey?: string;
  concurrency: string;
  timeout: string;
  connectTimeout: string;
  retries: string;
  backoff: string;
  temperature: string;
  seed?: string;
  maxTokens?: string;
  limit?: string;
  tasks?: string;
  scoring: string;
  summaryMetric: string;
  energy: string;
  energyFallback?: string;
  gpus?: string;
  nvidiaSmi?: string;
  powercapDir?: string;
  sampleHz: string;
  idleBaseline: string;
  maxFailures: string;
  progress: boolean;
}

const LIVE_ONLY: (keyof ProfileCliOptions)[] = ['model', 'modelId', 'paramsB', 'apiKey', 'seed', 'maxTokens', 'limit', 'tasks', 'energyFallback', 'gpus', 'nvidiaSmi', 'powercapDir'];

export function registerProfileModelsCommand(program: Command): void {
  program
    .command('profile-models')
    .description('per-model accuracy/energy profiles, Pareto front and static baselines of a table; with --endpoint, measure a served model into a table')
    .option('--data <source>', 'table to profile: built-in name or a file (default greenserv-pool)')
    .option('--queries <file>', 'table mode: queries side file of a long table; live mode: prompt file(s) or a directory of them (repeatable)', collect, [])
    .option('--models <file>', 'models side file of a long table (model_id[, name, params_b])')
    .option('--format <format>', 'force the input format instead of detecting it')
    .option('--bounds <file>', 'per-task energy-per-token bounds for the reward (docs/model.md §2.1)')
    .option('--offline', 'table mode: hf:// sources use the cache only, never the network')
    .option('--lambda <λ>', 'accuracy–energy trade-off for the best static model (docs/model.md §2–3)', '0.5')
    .addOption(new Option('--cost <kind>', 'cost axis of the Pareto front and cost term of the reward').choices(['energy', 'usd', 'latency']).default('energy'))
    .option('--json', 'print the profile as JSON instead of the tables')
    .option('--out <path>', 'table mode: output directory (profile.json, profile.csv, charts); live mode: the long-format .csv table to append to')
    .option('--force', 'table mode: replace an existing --out directory of earlier results (docs/outputs.md)')
    .option('--estimate-energy', 'fill missing energy from parameter count and tokens (documented model; estimates are flagged)')
    .option('--estimate-batch <n>', 'requests served together, for --estimate-energy', '1')
    .addOption(new Option('--estimate-gpu <gpu>', 'GPU of the --estimate-energy model (docs/energy-model.md; A100: the paper testbed)').choices(['H100', 'B200', 'A100']).default('A100'))
    .option('--energy-model <spec>', "table mode: every cell's energy from the ML.ENERGY-fitted model instead of the table's: gpu=H100|B200|A100,batch=<n>[,models=<csv>][,tokenizer=o200k] (docs/energy-model.md)")
    .option('--endpoint <url>', 'live mode: OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1')
    .option('--model <name>', 'live mode: model name sent to the server')
    .option('--model-id <id>', 'live mode: model id written to the table (default: --model)')
    .option('--params-b <B>', 'live mode: parameter count in billions (models side file, --estimate-energy)')
    .addOption(new Option('--api <kind>', 'live mode: raw-prompt completions (as the paper) or chat completions').choices(['completions', 'chat']).default('completions'))
    .option('--api-key <key>', 'live mode: bearer token (default: $GREENSERV_API_KEY, then $OPENAI_API_KEY)')
    .option('--concurrency <n>', 'live mode: requests in flight', '1')
    .option('--timeout <s>', 'live mode: seconds per HTTP attempt, connection to last byte', '120')
    .option('--connect-timeout <s>', 'live mode: seconds to open the connection (capped at --timeout)', '10')
    .option('--retries <n>', 'live mode: further attempts on transient failures', '3')
    .option('--backoff <s>', 'live mode: first retry delay, doubling', '1')
    .option('--temperature <t>', 'live mode: sampling temperature (the reference sampled)', '0')
    .option('--seed <n>', 'live mode: seed sent with every request')
    .option('--max-tokens <n>', 'live mode: generation limit for every task (default: per task from the prompt files)')
    .option('--limit <n>', 'live mode: only the first n queries')
    .option('--tasks <list>', 'live mode: only these tasks')
    .addOption(new Option('--scoring <mode>', 'live mode: greenserv (robust) or reference (the reference code rules, docs/model.md §1.1)').choices(['greenserv', 'reference']).default('greenserv'))
    .addOption(new Option('--summary-metric <m>', 'live mode: accuracy of summaries').choices([...SUMMARY_METRICS]).default('rouge1'))
    .addOption(new Option('--energy <meter>', 'live mode: energy meter').choices([...METER_KINDS]).default('nvml'))
    .addOption(new Option('--energy-fallback <meter>', 'live mode: meter to use when --energy is unavailable (default: stop)').choices([...METER_KINDS]))
    .option('--gpus <list>', 'live mode: GPU indices for nvml (default: all)')
    .option('--nvidia-smi <path>', 'live mode: nvidia-smi executable', 'nvidia-smi')
    .option('--powercap-dir <dir>', 'live mode: powercap root for rapl (default: $GREENSERV_POWERCAP_DIR or /sys/class/powercap)')
    .option('--sample-hz <n>', 'live mode: meter samples per second (≥ 10)', '10')
    .option('--idle-baseline <s>', 'live mode: measure idle power for this many seconds first and subtract it (0 = off)', '0')
    .option('--max-failures <n>', 'live mode: per-query failures (e.g. HTTP 400) tolerated before stopping', '10')
    .option('--no-progress', 'no progress bar')
    .addOption(maxDecompressedOption()).addOption(maxLineBytesOption()).hook('preAction', applyInputLimits)
    .action(async (o: ProfileCliOptions, cmd: Command) => {
      if (o.endpoint !== undefined) await liveAction(o, cmd);
      else await tableAction(o, cmd);
    });
}


function given(cmd: Command, name: string): boolean {
  const src = cmd.getOptionValueSource(name);
  return src !== undefined && src !== 'default';
}

// ---- table mode ---------------------------------------------------------------------------------------------------

async function tableAction(o: ProfileCliOptions, cmd: Command): Promise<void> {
  const live = LIVE_ONLY.filter((k) => given(cmd, k as string));
  for (const k of ['api', 'concurrency', 'timeout', 'connectTimeout', 'retries', 'backoff', 'temperature', 'scoring', 'summaryMetric', 'energy', 'sampleHz', 'idleBaseline', 'maxFailures']) {
    if (given(cmd, k)) live.push(k as keyof ProfileCliOptions);
  }
  if (live.length) {
    const flags = live.map((k) => `--${String(k).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    throw new UsageError(`${flags.join(', ')} appl${flags.length > 1 ? 'y' : 'ies'} to live profiling; add --endpoint <url> (or drop ${flags.length > 1 ? 'them' : 'it'} to profile a table)`);
  }
  const t = configFromFlags(profileTableSchema, o, { parsers: { energyModel: (raw: string) => (parseEnergyModelFlag(raw), raw) } });
  const profile = await stopOnSignal(() => profileTable({
    data: t.data,
    queries: t.queries[0],
    models: t.models,
    format: t.format,
    bounds: t.bounds,
    offline: t.offline,
    warn,
    lambda: t.lambda,
    cost: t.cost,
    estimateBatch: t.estimateEnergy ? t.estimateBatch : undefined,
    estimateGpu: t.estimateGpu,
    energyModel: t.energyModel,
    out: t.out,
    force: t.force,
  }));
  if (o.json) print(toJson(profile));
  else {
    print(profileTerminal(profile, stdoutWidth()));
    if (o.out) print(`\nprofile: ${o.out} (profile.json, profile.csv, pareto.svg/png, heatmap.svg/png, profile.html)\n`);
  }
}

// ---- live mode ------------------------------------------------------------------------------------------------------

async function liveAction(o: ProfileCliOptions, cmd: Command): Promise<void> {
  for (const k of ['data', 'models', 'format', 'bounds', 'offline', 'force', 'energyModel']) {
    if (given(cmd, k)) throw new UsageError(`--${k} applies to profiling a table, not to live profiling (--endpoint)`);
  }
  if (!o.model) throw new UsageError('--endpoint needs --model <name> (the model name the server knows)');
  if (o.queries.length === 0) throw new UsageError('--endpoint needs --queries <file|dir> (prompt files with a reference column)');
  if (!o.out) throw new UsageError('--endpoint needs --out <table.csv> (rows are appended as queries complete)');
  const l = configFromFlags(profileLiveSchema, o);
  const energy = l.energy;
  if (l.estimateEnergy && l.paramsB === undefined) throw new UsageError('--estimate-energy in live mode needs --params-b <B>');
  if (l.estimateEnergy && energy !== 'none' && l.energyFallback !== 'none') {
    warn('--estimate-energy only fills energy when nothing is measured (--energy none); with a meter the estimate is logged beside each request');
  }
  const modelId = l.modelId ?? l.model;

  const sideOut = sideFiles(o.out);
  let queries = await readProfilingQueries(l.queries, { maxTokens: l.maxTokens, exclude: [o.out, sideOut.queries, sideOut.models, sideOut.requests] });
  if (l.tasks !== undefined) {
    if (l.tasks.length === 0) throw new UsageError('--tasks: no task named (give a comma-separated list, e.g. mmlu,gsm8k)');
    const want = new Set(l.tasks);
    const have = new Set(queries.map((q) => q.task));
    const unknown = [...want].filter((t) => !have.has(t));
    if (unknown.length) throw new UsageError(`--tasks: no queries of ${unknown.length === 1 ? 'task' : 'tasks'} ${unknown.join(', ')}; the files have ${[...have].join(', ')}`);
    queries = queries.filter((q) => want.has(q.task));
  }
  if (l.limit !== undefined) queries = queries.slice(0, l.limit);

  const choice = (kind: MeterKind): MeterChoice => ({ kind, nvml: { nvidiaSmi: l.nvidiaSmi, gpus: l.gpus, sampleHz: l.sampleHz }, rapl: { dir: l.powercapDir } });

  const ac = new AbortController();
  // SIGTERM stops as Ctrl-C does (rows received are kept), with its own exit code
  let stopped: NodeJS.Signals | null = null;
  const code = (sig: NodeJS.Signals): number => (sig === 'SIGINT' ? 130 : 143);
  const onSignal = (sig: NodeJS.Signals = 'SIGINT'): void => {
    if (stopped === null) {
      stopped = sig;
      notice(`\ngreenserv: interrupted (${sig}) — finishing the rows already received; press Ctrl-C again to quit at once\n`);
      ac.abort();
    } else {
      process.exit(code(sig));
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const showProgress = o.progress && process.stderr.isTTY === true;
  const bar = showProgress ? new cliProgress.SingleBar({ format: 'profile |{bar}| {value}/{total} queries', hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic) : null;
  // the bar is cleared for a warning and drawn again where it was
  let shown = { done: 0, total: 0, on: false };
  let live;
  try {
    live = await profileLive(
      {
        endpoint: l.endpoint,
        model: l.model,
        modelId,
        paramsB: l.paramsB,
        api: l.api,
        apiKey: l.apiKey ?? process.env.GREENSERV_API_KEY ?? process.env.OPENAI_API_KEY,
        queries,
        out: l.out,
        concurrency: l.concurrency,
        timeoutS: l.timeout,
        connectTimeoutS: l.connectTimeout,
        retries: l.retries,
        backoffS: l.backoff,
        temperature: l.temperature,
        seed: l.seed,
        scoring: l.scoring,
        summaryMetric: l.summaryMetric,
        meter: choice(energy),
        fallback: l.energyFallback ? choice(l.energyFallback) : null,
        sampleHz: l.sampleHz,
        idleS: l.idleBaseline,
        maxFailures: l.maxFailures,
        estimateEnergy: l.estimateEnergy,
        estimate: { gpu: l.estimateGpu, batch: l.estimateBatch },
        lambda: l.lambda,
        cost: l.cost,
      },
      {
        warn,
        idle: (w, s, meter) => process.stderr.write(`greenserv: idle baseline ${w.toFixed(1)} W over ${s} s (${meter})\n`),
        start: (total) => {
          shown = { done: 0, total, on: true };
          bar?.start(total, 0);
        },
        log: (m) => {
          bar?.stop();
          warn(m);
          if (shown.on) bar?.start(shown.total, shown.done);
        },
        progress: bar
          ? (done, total) => {
              shown = { done, total, on: true };
              bar.update(done, { total });
            }
          : undefined,
        signal: ac.signal,
      },
    ).catch((e: unknown) => {
      if (e instanceof MeterUnavailableError) {
        throw new UsageError(`${e.message}. Choose another --energy, or allow a fallback with --energy-fallback rapl|none (energy_j is then left empty unless --estimate-energy)`);
      }
      throw e;
    });
  } finally {
    shown.on = false;
    bar?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const { res, side, profile } = live;

  const kept = `${res.written} new row(s) appended to ${o.out}`;
  for (const n of res.notes) warn(n);
  if (res.emptyCompletions > 0) warn(`${res.emptyCompletions} completion(s) were empty (scored as wrong)`);
  if (res.estimatedUsage > 0) warn(`${res.estimatedUsage} response(s) had no token usage; token counts estimated at 4 characters per token`);
  if (res.clamped > 0) warn(`${res.clamped} request(s) measured below the idle baseline; their energy was set to 0`);
  if (res.fatal !== null) {
    throw new DataError(`${res.fatal}${/[.?!]$/.test(res.fatal) ? '' : '.'} ${kept}; re-run the same command to resume`);
  }
  if (res.interrupted) {
    notice(`greenserv: interrupted: ${kept} (${res.alreadyDone + res.written} of ${res.total} done); re-run the same command to resume\n`, [o.out]);
    process.exitCode = code(stopped ?? 'SIGINT');
    return;
  }
  if (res.failed.length > 0) {
    warn(`${res.failed.length} query(ies) failed and were not written (${res.failed.slice(0, 5).map((f) => f.id).join(', ')}${res.failed.length > 5 ? ', …' : ''}); re-run to retry them`);
  }

  if (!profile) throw new DataError(`no row to profile: ${res.failed.length} of ${res.total} queries failed and none was written; re-run the same command to retry them`, o.out);
  const estimatedNote = res.estimatedEnergy > 0 ? `; energy_j estimated (--estimate-energy, ${l.estimateGpu}, batch ${l.estimateBatch}) for ${res.estimatedEnergy} row(s)` : '';
  if (o.json) {
    print(
      toJson({
        schemaVersion: 1,
        live: {
          table: o.out,
          sideFiles: side,
          meter: live.meter,
          total: res.total,
          alreadyDone: res.alreadyDone,
          written: res.written,
          failed: res.failed,
        },
        profile,
      }),
    );
  } else {
    print(
      `${kept} (${res.alreadyDone} already there, ${res.failed.length} failed) · energy: ${live.meter}${estimatedNote}\n` +
        `simulate with: greenserv simulate --data ${shellWord(o.out)} --queries ${shellWord(side.queries)} --models ${shellWord(side.models)}\n\n`,
    );
    print(profileTerminal(profile, stdoutWidth()));
  }
}
