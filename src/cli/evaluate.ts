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
import { POLICY_NAMES } from '../policies/registry.js';
import { AtomicDir } from '../core/atomic.js';
import { evaluateTable } from '../report/evaluate.js';
import { DEFAULT_LAMBDAS, parseLambdaGrid } from '../sim/sweep.js';
import { collect } from './parse.js';
import { configFromFlags } from './runFlags.js';
import { parseFeatures } from './simulateOptions.js';
import { applyInputLimits, maxDecompressedOption, maxLineBytesOption } from '../data/limits.js';
import { timestamp } from '../core/format.js';
import { DEFAULT_EVALUATE_POLICIES, DEFAULT_ROUTERBENCH_SOURCE, evaluateRouterbench, evaluateSchema, writeEvaluateResults, type EvaluateParams } from '../app/evaluate.js';
import { loadPolicyModule } from '../app/policies.js';

interface EvaluateCliOptions {
  policyModule: string[];
  routerbench?: string[] | boolean;
  format?: string;
  offline?: boolean;
  policies: string;
  param: string[];
  lambdas: string;
  family: string[];
  defaultFamilies: boolean;
  [setting: string]: unknown;
  out?: string;
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
    .option('--policies <list>', `comma-separated policies (${POLICY_NAMES.join(', ')})`, DEFAULT_EVALUATE_POLICIES.join(','))
    .option('--param <policy.name=value>', 'policy hyperparameter, repeatable (e.g. linucb.alpha=0.2)', collect, [])
    .option('--lambdas <list>', 'λ grid: accuracy–cost trade-offs in [0, 1]', DEFAULT_LAMBDAS.join(','))
    .option('--runs <n>', 'independent runs (query orders) per λ', '5')
    .option('--seed <n>', 'base seed; run r uses seed + r', '40')
    .addOption(new Option('--semantics <mode>', 'paper: corrected behaviour; repo: the reference code').choices(['paper', 'repo']).default('paper'))
    .option('--features <list>', 'context features: task (eval family), cluster, complexity (from the prompt text when the table has none) or none', 'task,cluster,complexity')
    .addOption(new Option('--binning <mode>', 'complexity bins: thresholds (20/30) or equal-width').choices(['thresholds', 'equal-width']).default('thresholds'))
    .option('--family <glob=family>', "map eval names to a family, repeatable, tried before the defaults (e.g. 'mmlu-*=mmlu')", collect, [])
    .option('--no-default-families', 'only the --family rules; other eval names are their own family')
    .addOption(new Option('--cost-scale <scale>', 'min–max normalise the USD cost per family on this scale').choices(['linear', 'log']).default('linear'))
    .addOption(new Option('--aiq-mode <mode>', "paper: RouterBench's definition; routerbench-code: its published script").choices([...AIQ_MODES]).default('paper'))
    .option('--jobs <n>', 'worker threads over the λ grid (results are identical for any count)', String(availableParallelism()))
    .option('--out <dir>', 'results directory (default results/<timestamp>-evaluate)')
    .option('--force', 'replace an existing --out directory')
    .option('--json', 'print summary.json to stdout instead of the tables')
    .option('--no-charts', 'skip the SVG/PNG charts')
    .option('--no-progress', 'no progress bar')
    .addOption(maxDecompressedOption()).addOption(maxLineBytesOption()).hook('preAction', applyInputLimits)
    .action(async (o: EvaluateCliOptions) => {
      await evaluateAction(o);
    });
}

async function evaluateAction(o: EvaluateCliOptions): Promise<void> {
  for (const f of o.policyModule) await loadPolicyModule(f);
  if (o.routerbench === undefined || o.routerbench === false) {
    throw new UsageError(`evaluate: say what to evaluate on: --routerbench [source...] (default source ${DEFAULT_ROUTERBENCH_SOURCE})`);
  }
  // an unusable --out fails before the sweep, not after it (checked again when committing)
  if (o.out !== undefined) AtomicDir.checkTarget(o.out, o.force === true);
  const params: EvaluateParams = configFromFlags(evaluateSchema, o, {
    flagFor: { source: 'routerbench', params: 'param', familyRules: 'family' },
    parsers: { source: (raw: string[] | true) => (raw === true ? [DEFAULT_ROUTERBENCH_SOURCE] : raw), lambdas: (raw: string) => parseLambdaGrid(raw), features: parseFeatures, familyRules: (raw: string[]) => parseFamilyRules(raw) },
  });

  const showProgress = o.progress && process.stderr.isTTY === true;
  const bar = showProgress
    ? new cliProgress.SingleBar({ format: 'evaluate |{bar}| {percentage}% · {label}', hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic)
    : null;
  bar?.start(1000, 0, { label: '' });
  let ev;
  try {
    ev = await evaluateRouterbench(params, bar ? (done, total, label) => bar.update(Math.round((1000 * done) / total), { label }) : undefined);
  } finally {
    bar?.stop();
  }
  const { summary } = ev.result;
  if (summary.dataset.missingCells > 0) warn(`${summary.dataset.missingCells} (prompt, model) cells are missing; a policy choosing one scores quality 0 at cost 0`);

  const outDir = o.out ?? `results/${timestamp()}-evaluate`;
  await writeEvaluateResults(outDir, ev, { force: o.force, charts: o.charts });
  if (o.json) process.stdout.write(toJson(summary));
  else process.stdout.write(`${evaluateTable(summary)}\nresults: ${outDir}\n`);
}

function warn(msg: string): void {
  process.stderr.write(`greenserv: warning: ${msg}\n`);
}
