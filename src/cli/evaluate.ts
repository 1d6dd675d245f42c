/**
 * `greenserv evaluate --routerbench [source]`: GreenServ's external validation (paper §7.3.6, Table 1).
 * Parses the options and prints; the evaluation itself is in app/evaluate.ts.
 */
import { availableParallelism } from 'node:os';
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { UsageError } from '../core/errors.js';
import { parseFamilyRules } from '../data/families.js';
import { AIQ_MODES } from '../metrics/aiq.js';
import { toJson } from '../metrics/summary.js';
import { POLICY_NAMES, TRAINED_DEFAULT_POLICIES } from '../policies/registry.js';
import { AtomicDir, signalsHandled } from '../core/atomic.js';
import { evaluateTable } from '../report/evaluate.js';
import { energyEvaluateTable } from '../report/energy.js';
import { parseEnergyModelFlag } from '../data/energy/flag.js';
import { gapByLambdaTable, protocolTable } from '../report/protocol.js';
import { DEFAULT_LAMBDAS, parseLambdaGrid } from '../sim/sweep.js';
import { collect, once, warnUnusedEmbedDim } from './parse.js';
import { configFromFlags, scenarioErrorsAsFlags } from './runFlags.js';
import { parseFeatures } from './simulateOptions.js';
import { applyInputLimits, maxDecompressedOption, maxLineBytesOption } from '../data/limits.js';
import { defaultResultsDir } from '../core/outputGuard.js';
import { checkReplayCount, DEFAULT_EVALUATE_POLICIES, DEFAULT_ROUTERBENCH_SOURCE, defaultEvaluatePolicies, evaluateInputs, evaluateRouterbench, evaluateSchema, writeEvaluateResults, type EvaluateParams } from '../app/evaluate.js';
import { loadPolicyModule } from '../app/policies.js';
import { evaluateShard } from '../app/evaluateShard.js';
import { parseShard } from '../sim/shard.js';
import { parseDriftSpec } from '../sim/scenarioConfig.js';
import { stdoutWidth } from './width.js';
import { print, warn } from './say.js';
import { shownName } from '../core/escape.js';
import { stopOnSignal } from './interrupt.js';

interface EvaluateCliOptions {
  policyModule: string[];
  routerbench?: string[] | boolean;
  format?: string;
  offline?: boolean;
  policies?: string;
  param: string[];
  lambdas: string;
  family: string[];
  defaultFamilies: boolean;
  [setting: string]: unknown;
  out?: string;
  shard?: string;
  force?: boolean;
  json?: boolean;
  charts: boolean;
  progress: boolean;
}

export function registerEvaluateCommand(program: Command): void {
  program
    .command('evaluate')
    .description('score routing policies on RouterBench: λ sweep, AIQ, peak/average accuracy, zero router and oracle (GreenServ Table 1)')
    .option('--routerbench [source...]', `RouterBench data: hf:// URIs, files or directories, combined in any order (default ${DEFAULT_ROUTERBENCH_SOURCE})`)
    .option('--format <format>', 'force the input format of the RouterBench file(s)')
    .option('--offline', 'hf:// sources: use the cache only, never the network')
    .option('--policy-module <file>', 'load routing policies from an ES module (repeatable; examples/policies/softmax.mjs)', collect, [])
    .option('--policies <list>', `comma-separated policies (${POLICY_NAMES.join(', ')}); default: ${DEFAULT_EVALUATE_POLICIES.join(',')}, and under --split/--train also ${TRAINED_DEFAULT_POLICIES.join(',')}`)
    .option('--param <policy.name=value>', 'policy hyperparameter, repeatable (e.g. linucb.alpha=0.2)', collect, [])
    .option('--lambdas <list>', 'λ grid: accuracy–cost trade-offs in [0, 1]', DEFAULT_LAMBDAS.join(','))
    .option('--runs <n>', 'independent runs (query orders) per λ', '5')
    .option('--seed <n>', 'base seed; run r uses seed + r', '40')
    .addOption(new Option('--semantics <mode>', 'paper: corrected behaviour; repo: the reference code').choices(['paper', 'repo']).default('paper'))
    .option('--features <list>', 'context features: task (eval family), cluster, complexity (from the prompt text when the table has none) or none; or alone: embed (text embedding of the prompt) or embedding (the table\'s own emb_j columns or embedding list column)', 'task,cluster,complexity')
    .option('--embed-dim <n>', 'dimension of the embed contexts (PCA fitted on the train part under --split)', '64')
    .option('--split <fraction>', 'train/test protocol: train share of a seeded split stratified by eval family; trained routers fit on it and everything is scored on the test part (docs/model.md §13)')
    .option('--splits <k>', 'with --split: k splits, each its own draw; gap closed gets a CI over splits', '1')
    .option('--train <source>', 'train/test protocol with a separate RouterBench training table (same models); the --routerbench data is the test stream', once('--train', '; give one file, or a directory of them'))
    .addOption(new Option('--binning <mode>', 'complexity bins: thresholds (20/30) or equal-width').choices(['thresholds', 'equal-width']).default('thresholds'))
    .option('--family <glob=family>', "map eval names to a family, repeatable, tried before the defaults (e.g. 'mmlu-*=mmlu')", collect, [])
    .option('--no-default-families', 'only the --family rules; other eval names are their own family')
    .addOption(new Option('--cost <axis>', 'what the routers trade accuracy against: usd (the table\'s dollar cost) or energy (modelled, needs --energy-model)').choices(['usd', 'energy']).default('usd'))
    .option('--energy-model <spec>', 'with --cost energy: gpu=H100|B200|A100,batch=<n>[,models=<csv>][,tokenizer=o200k] (docs/energy-model.md)')
    .addOption(new Option('--cost-scale <scale>', 'min–max normalise the cost (USD or J) per family on this scale').choices(['linear', 'log']).default('linear'))
    .option('--budget <spec>', 'budget on the stream average of every replay: usd=<dollars per query>, energy=<Wh per query> (with --cost energy) or latency=<p95 seconds> (docs/model.md §11.1)')
    .option('--drift <spec>', 'drift event, repeatable: step=<n>,model=<id>[,task=<family>][,accuracy=<Δ>][,usd=<×>][,energy=<×>][,latency=<×>][,over=<steps>] (docs/model.md §11.2)', collect)
    .option('--feedback-delay <n|dist>', 'steps before a reward is seen: <n>, uniform:<a>-<b> or geometric:<mean> (docs/model.md §11.5)')
    .option('--feedback-rate <p>', 'share of decisions that ever get a reward, in (0, 1] (docs/model.md §11.5)')
    .addOption(new Option('--aiq-mode <mode>', "paper: RouterBench's definition; routerbench-code: its published script").choices([...AIQ_MODES]).default('paper'))
    .option('--jobs <n>', 'worker threads over the λ grid (results are identical for any count)', String(availableParallelism()))
    .option('--out <dir>', 'results directory (default results/<timestamp>-evaluate)')
    .option('--shard <i/n>', 'run only shard i of n (from 0) of the (λ, policy) cells and write a shard directory for `greenserv merge` (default --out results/evaluate.shards/shard-<i>-of-<n>)')
    .option('--force', 'replace an existing --out directory of earlier results (docs/outputs.md, "Replacing results")')
    .option('--json', 'print summary.json to stdout instead of the tables')
    .option('--no-charts', 'skip the SVG/PNG charts')
    .option('--no-progress', 'no progress bar')
    .addOption(maxDecompressedOption()).addOption(maxLineBytesOption()).hook('preAction', applyInputLimits)
    .action(async (o: EvaluateCliOptions, cmd: Command) => {
      await scenarioErrorsAsFlags(() => evaluateAction(o, cmd.getOptionValueSource('embedDim')));
    });
}

const BAR_FORMAT = 'evaluate |{bar}| {percentage}% · {label}';

/**
 * Width of the progress bar on a terminal of `columns`: the percentage and a label such as `λ=0.35 thompson`
 * stay in view (the terminal cuts what goes past its edge), the bar taking 10 to 40 characters.
 */
export function evaluateBarSize(columns: number | undefined): number {
  const rest = BAR_FORMAT.replace(/\{[a-z]+\}/g, '').length + '100'.length + 'λ=0.35 thompson'.length;
  return Math.max(10, Math.min(40, (columns ?? 80) - 1 - rest));
}

async function evaluateAction(o: EvaluateCliOptions, embedDimSource?: string): Promise<void> {
  // a module is loaded on a worker thread first: a signal while its top-level code runs stops here, as in the sweep
  if (o.policyModule.length > 0) await stopOnSignal(async () => { for (const f of o.policyModule) await loadPolicyModule(f); });
  if (o.routerbench === undefined || o.routerbench === false) {
    throw new UsageError(`evaluate: say what to evaluate on: --routerbench [source...] (default source ${DEFAULT_ROUTERBENCH_SOURCE})`);
  }
  // an unusable --out fails before the sweep, not after it (checked again when committing)
  const sources = o.routerbench === true ? [DEFAULT_ROUTERBENCH_SOURCE] : o.routerbench;
  const inputs = evaluateInputs({ source: sources, train: o.train as string | undefined, energyModel: o.energyModel as string | undefined, policyModules: o.policyModule });
  if (o.out !== undefined) AtomicDir.checkTarget(o.out, o.force === true, inputs);
  // the default list depends on the protocol: trained routers join it under --split/--train
  if (o.policies === undefined) o.policies = defaultEvaluatePolicies(o.split !== undefined || o.train !== undefined).join(',');
  const params: EvaluateParams = configFromFlags(evaluateSchema, o, {
    flagFor: { source: 'routerbench', params: 'param', familyRules: 'family', policyModules: 'policyModule' },
    parsers: {
      // recorded only when given, so other runs' settings (and shard states) keep their bytes
      policyModules: (raw: string[]) => (raw.length > 0 ? raw : undefined),
      source: (raw: string[] | true) => (raw === true ? [DEFAULT_ROUTERBENCH_SOURCE] : raw),
      lambdas: (raw: string) => parseLambdaGrid(raw),
      features: parseFeatures,
      familyRules: (raw: string[]) => parseFamilyRules(raw),
      // checked here so a bad spec fails before the data loads
      energyModel: (raw: string) => (parseEnergyModelFlag(raw), raw),
      drift: (raw: string[]) => raw.map((s) => parseDriftSpec(s)),
    },
  });
  // a run too large is refused before any data is read
  checkReplayCount(params, 'flags');
  warnUnusedEmbedDim(embedDimSource, o.features);
  if (params.cost === 'energy' && params.energyModel === undefined) throw new UsageError('--cost energy needs --energy-model gpu=<H100|B200|A100>,batch=<n> (docs/energy-model.md)');
  if (params.cost !== 'energy' && params.energyModel !== undefined) throw new UsageError('--energy-model applies to --cost energy only');
  // RouterBench has no energy of its own: said before the data loads, with what gives it one
  if (params.cost !== 'energy') {
    const energy = 'RouterBench prompts have an energy only under --cost energy --energy-model gpu=<H100|B200|A100>,batch=<n> (docs/energy-model.md)';
    if (params.budget !== undefined && /^\s*energy\s*=/.test(params.budget)) throw new UsageError(`--budget ${params.budget}: ${energy}`);
    const d = params.drift?.findIndex((e) => e.energy !== undefined) ?? -1;
    if (d >= 0) throw new UsageError(`--drift[${d}] (step ${params.drift![d].step}): energy=${params.drift![d].energy}: ${energy}`);
  }

  if (o.shard !== undefined) {
    const shard = parseShard(o.shard);
    // a signal before the commit: nothing written, said as the unsharded run says it
    const s = await stopOnSignal(() => evaluateShard({ ...params, warn }, shard, { out: o.out, force: o.force }));
    if (o.json) print(toJson({ schemaVersion: 1, kind: 'shard', shard, cells: s.cells, total: s.total, out: s.out }));
    else print(`shard ${shard.index}/${shard.count}: ${s.cells} of ${s.total} (λ, policy) cells; shard directory: ${shownName(s.out)}\n(when every shard is done: greenserv merge <the shard directories> --out <dir>)\n`);
    return;
  }
  const showProgress = o.progress && process.stderr.isTTY === true;
  const bar = showProgress
    ? new cliProgress.SingleBar({ format: BAR_FORMAT, barsize: evaluateBarSize(process.stderr.columns), hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic)
    : null;
  // started at the sweep's first step, not before loading: the bar returns the cursor to where it started
  // when it stops, so warnings of the loader written under a running bar were cut at the width and then erased
  let started = false;
  const onProgress = (done: number, total: number, label: string): void => {
    if (!started) bar!.start(1000, 0, { label: '' });
    started = true;
    bar!.update(Math.round((1000 * done) / total), { label });
  };
  // Ctrl-C or SIGTERM during the sweep, when nothing is written yet: say so, as simulate does (the writer below
  // removes its own temporaries on a signal)
  let ev;
  try {
    ev = await stopOnSignal(
      async () => {
        const r = await evaluateRouterbench({ ...params, warn }, bar ? onProgress : undefined);
        // a signal that came during synchronous work (one job) is handled here, before anything is written
        await signalsHandled();
        return r;
      },
      () => {
        const running = bar?.isActive === true;
        bar?.stop();
        return running;
      },
    );
  } finally {
    bar?.stop();
  }
  const { summary } = ev.result;
  if (summary.dataset.missingCells > 0) warn(`${summary.dataset.missingCells} (prompt, model) cells are missing; a policy choosing one scores quality 0 at cost 0`);

  const outDir = o.out ?? defaultResultsDir('evaluate');
  await writeEvaluateResults(outDir, ev, { force: o.force, charts: o.charts });
  if (o.json) print(toJson(summary));
  else {
    const width = stdoutWidth();
    const pr = summary.protocol;
    const protocol = pr ? `\ntrain/test protocol at λ = ${pr.lambda}:\n${protocolTable(pr, width, pr.byLambda.length)}\n${gapByLambdaTable(pr.byLambda, pr.baseline, width)}` : '';
    const energy = ev.energy ? `\n${energyEvaluateTable(ev.energy.metrics, ev.energy.energyModel, ev.energy.models, width)}` : '';
    print(`${evaluateTable(summary, width)}${protocol}${energy}\nresults: ${shownName(outDir)}\n`);
  }
}

