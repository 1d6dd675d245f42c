/** `greenserv simulate`: replay a query stream through routing policies and write a results directory. */
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { UsageError } from '../data/errors.js';
import { loadTable } from '../data/load.js';
import { ALL_FEATURES, type FeatureName } from '../features/context.js';
import { buildSummary, toJson } from '../metrics/summary.js';
import { DEFAULT_POLICIES, POLICY_NAMES } from '../policies/registry.js';
import { AtomicDir } from '../report/atomic.js';
import { writeSimulateOutputs, type StepsFormat } from '../report/simulateOutputs.js';
import { summaryTable } from '../report/terminalTable.js';
import { runSimulation } from '../sim/run.js';
import { LiveStore, startProgress } from './ui/live.js';
import { collect, parseChoice, parseInteger, parseList, parseNumber } from './parse.js';
import { version } from './version.js';

interface SimulateCliOptions {
  energyModel?: string;
  data: string;
  queries?: string;
  models?: string;
  format?: string;
  policies?: string;
  lambda: string;
  runs: string;
  seed: string;
  semantics: string;
  oracle?: string;
  features: string;
  binning: string;
  param: string[];
  reward?: string;
  cost: string;
  maxLatency?: string;
  taskModel?: string;
  out?: string;
  force?: boolean;
  steps: string;
  json?: boolean;
  progress: boolean;
  ui: boolean;
}

export function parseFeatures(raw: string): FeatureName[] {
  if (raw.trim() === 'none') return [];
  const list = parseList(raw);
  for (const f of list) {
    if (!(ALL_FEATURES as readonly string[]).includes(f)) {
      throw new UsageError(`--features: unknown feature '${f}'; valid: ${ALL_FEATURES.join(', ')} or none`);
    }
  }
  return ALL_FEATURES.filter((f) => list.includes(f));
}

function timestamp(): string {
  return new Date().toISOString().replace(/[:]/g, '').replace(/\.\d+Z$/, 'Z');
}

export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('replay a query stream through routing policies (partial feedback) and report regret, accuracy and energy')
    .option('--data <source>', 'dataset: built-in name or a file (long CSV/TSV/JSONL, …)', 'greenserv-pool')
    .option('--queries <file>', 'queries file for a long table (query_id, task[, text, cluster, complexity])')
    .option('--models <file>', 'models file for a long table (model_id[, name, params_b])')
    .option('--format <format>', 'force the input format instead of detecting it')
    .option('--energy-model <spec>', 'modelled energy instead of the table\'s: gpu=H100|B200|A100,batch=<n>[,models=<csv>][,tokenizer=o200k] (docs/energy-model.md)')
    .option('--policies <list>', `comma-separated policies (${POLICY_NAMES.join(', ')}); default: all but static:<model>`)
    .option('--lambda <λ>', 'accuracy–energy trade-off λ in [0, 1] (spec §2)', '0.5')
    .option('--runs <n>', 'independent runs (query orders)', '5')
    .option('--seed <n>', 'base seed; run r uses seed + r', '40')
    .addOption(new Option('--semantics <mode>', 'paper: corrected behaviour (d = 12); repo: the reference code (d = 11)').choices(['paper', 'repo']).default('paper'))
    .addOption(new Option('--oracle <mode>', 'regret oracle over the full table or the current pool (default: repo → full, paper → pool)').choices(['full', 'pool']))
    .option('--features <list>', 'context features: task,cluster,complexity or none', 'task,cluster,complexity')
    .addOption(new Option('--binning <mode>', 'complexity bins: thresholds (20/30) or equal-width').choices(['thresholds', 'equal-width']).default('thresholds'))
    .option('--param <policy.name=value>', 'policy hyperparameter, repeatable (e.g. linucb.alpha=0.2)', collect, [])
    .option('--reward <expression>', 'custom reward over accuracy, energy_norm, energy_j, latency_s, tokens, cost_usd, lambda')
    .addOption(new Option('--cost <kind>', 'cost term of the reward').choices(['energy', 'usd', 'latency']).default('energy'))
    .option('--task-model <file>', 'task classifier (from `greenserv features train-task`) for queries without a task label')
    .option('--max-latency <seconds>', 'only route to models whose mean latency on the task is within this bound')
    .option('--out <dir>', 'results directory (default results/<timestamp>-simulate)')
    .option('--force', 'replace an existing --out directory')
    .addOption(new Option('--steps <format>', 'per-step trace').choices(['csv', 'arrow', 'none']).default('csv'))
    .option('--json', 'print summary.json to stdout instead of the table')
    .option('--no-progress', 'no progress display')
    .option('--no-ui', 'a plain progress bar instead of the live dashboard')
    .action(async (o: SimulateCliOptions) => {
      await simulateAction(o);
    });
}

async function simulateAction(o: SimulateCliOptions): Promise<void> {
  const lambda = parseNumber('--lambda', o.lambda);
  if (lambda < 0 || lambda > 1) throw new UsageError(`--lambda must be in [0, 1], got ${o.lambda}`);
  const runs = parseInteger('--runs', o.runs, 1);
  const seed = parseInteger('--seed', o.seed, 0);
  const semantics = parseChoice('--semantics', o.semantics, ['paper', 'repo'] as const);
  const features = parseFeatures(o.features);
  const maxLatency = o.maxLatency !== undefined ? parseNumber('--max-latency', o.maxLatency) : null;
  if (maxLatency !== null && !(maxLatency > 0)) throw new UsageError(`--max-latency must be > 0 seconds, got ${o.maxLatency}`);
  const steps = o.steps as StepsFormat;
  const policies = o.policies !== undefined ? parseList(o.policies) : [...DEFAULT_POLICIES];
  if (policies.length === 0) throw new UsageError('--policies: no policy given');

  const em = o.energyModel !== undefined ? await import('../data/energy/flag.js') : null;
  const emSpec = em ? em.parseEnergyModelFlag(o.energyModel!) : null;
  let table = await loadTable(o.data, { queries: o.queries, models: o.models, format: o.format, warn: (m) => process.stderr.write(`greenserv: warning: ${m}\n`) });
  if (em && emSpec) table = (await em.applyEnergyModel(table, emSpec, o.data, o.format, (m) => process.stderr.write(`greenserv: warning: ${m}\n`))).table;

  if (o.policies === undefined && table.models.every((m) => Number.isNaN(m.paramsB))) {
    // size baselines need parameter counts; by default run the rest rather than fail
    for (const p of ['largest', 'smallest']) policies.splice(policies.indexOf(p), 1);
    process.stderr.write(`greenserv: note: '${table.name}' has no model parameter counts, so largest and smallest are not run (give --models with params_b)\n`);
  }
  // live dashboard (or a bar with --no-ui) on a terminal; silent otherwise so piped output stays clean
  const tty = o.progress && process.stderr.isTTY === true;
  const store = new LiveStore('simulate', runs * policies.length, new Map(policies.map((p) => [p, runs])));
  const live = tty && o.ui ? await startProgress(store, { ui: true, progress: true, linesWithoutTty: false }) : null;
  const bar =
    tty && !o.ui
      ? new cliProgress.SingleBar({ format: 'simulate |{bar}| {value}/{total} policy-runs · {label}', hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic)
      : null;
  bar?.start(runs * policies.length, 0, { label: '' });
  const ids = table.models.map((m) => m.id);
  let prepared;
  try {
    prepared = await runSimulation(
      table,
      {
        policies,
        params: o.param,
        lambda,
        runs,
        seed,
        semantics,
        oracle: o.oracle as 'full' | 'pool' | undefined,
        features,
        binning: o.binning as 'thresholds' | 'equal-width',
        cost: o.cost as 'energy' | 'usd' | 'latency',
        reward: o.reward,
        maxLatency,
        recordSteps: steps !== 'none',
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
  } finally {
    live?.stop();
    bar?.stop();
  }
  const summary = buildSummary({
    table,
    sha256: prepared.sha256,
    config: prepared.config,
    rewards: prepared.rewards,
    result: prepared.result,
    layout: prepared.layout,
    features: prepared.features,
    d: prepared.d,
  });
  if (prepared.textFeatures) {
    const f = prepared.textFeatures;
    process.stderr.write(
      `greenserv: computed features from query text: ${f.clustersFilled} clusters, ${f.complexityFilled} complexity scores${f.tasksFilled ? `, ${f.tasksFilled} tasks` : ''}\n`,
    );
  }
  if (prepared.result.infeasibleQueries > 0) {
    process.stderr.write(
      `greenserv: warning: ${prepared.result.infeasibleQueries} queries have no model within --max-latency ${maxLatency} s; every model was allowed for them\n`,
    );
  }

  const outDir = o.out ?? `results/${timestamp()}-simulate`;
  const dir = new AtomicDir(outDir, o.force === true);
  try {
    const files = ['summary.json', 'runs.csv', ...(steps === 'none' ? [] : [`steps.${steps}`]), 'manifest.json'];
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
        dataset: { name: table.name, sha256: prepared.sha256, source: o.data },
        config: {
          policies: prepared.config.policies.map((p) => ({ name: p.name, params: p.params })),
          lambda,
          runs,
          seed,
          semantics,
          oracle: prepared.config.oracle,
          features,
          binning: o.binning,
          cost: o.cost,
          reward: o.reward ?? null,
          maxLatency,
          queries: o.queries ?? null,
          models: o.models ?? null,
          steps,
        },
        runSeeds: prepared.result.runSeeds,
        files,
      },
      steps,
    );
    dir.commit();
  } catch (e) {
    dir.abort();
    throw e;
  }
  if (o.json) {
    process.stdout.write(toJson(summary));
  } else {
    process.stdout.write(summaryTable(summary));
    process.stdout.write(`\nresults: ${outDir}\n`);
  }
}
