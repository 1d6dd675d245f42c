/**
 * `greenserv evaluate --routerbench [source]`: GreenServ's external validation (paper §7.3.6, Table 1).
 * Bandits route RouterBench prompts across its models over a λ grid; every policy, the single models, the
 * zero router and the oracle are scored with RouterBench's AIQ, peak / average accuracy and RouteLLM's
 * CPT / APGR. Writes a results directory (summary.json, runs.csv, points.csv, charts, report.html).
 */
import { availableParallelism } from 'node:os';
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { parse as parseCsv } from 'csv-parse/sync';
import { DataError, UsageError } from '../core/errors.js';
import { loadSources } from '../data/combine.js';
import { FamilyMapper, parseFamilyRules, remapTasks } from '../data/families.js';
import { isLongHeader } from '../data/formats/long.js';
import { firstLine } from '../data/formats/text.js';
import { loadTable, resolveFormat } from '../data/load.js';
import { tableSha256, type PoolTable } from '../data/pool.js';
import { ALL_FEATURES, type ComplexityBinning, type FeatureName } from '../features/context.js';
import { applyFeatures } from '../features/pipeline.js';
import { AIQ_MODES, type AiqMode } from '../metrics/aiq.js';
import { evaluateSweep } from '../metrics/routerbench.js';
import { toJson } from '../metrics/summary.js';
import { POLICY_NAMES } from '../policies/registry.js';
import { AtomicDir } from '../core/atomic.js';
import { evaluateTable, writeEvaluateOutputs } from '../report/evaluate.js';
import { DEFAULT_LAMBDAS, parseLambdaGrid, runSweep } from '../sim/sweep.js';
import { collect, parseChoice, parseInteger, parseList } from './parse.js';
import { version } from './version.js';
import { applyInputLimits, maxDecompressedOption, maxLineBytesOption } from '../data/limits.js';
import { MAX_RUNS } from '../sim/limits.js';
import { timestamp } from '../core/format.js';

export const DEFAULT_ROUTERBENCH_SOURCE = 'hf://withmartian/routerbench/routerbench_0shot.pkl';
/** GreenServ Table 1's three bandits ("ε-greedy" there is the contextual one) and the random baseline. */
export const DEFAULT_EVALUATE_POLICIES = ['linear-epsilon-greedy', 'linucb', 'thompson', 'random'] as const;

const NON_MODEL_COLUMNS = new Set(['', 'sample_id', 'query_id', 'prompt', 'text', 'eval_name', 'task', 'oracle_model_to_route_to', 'index', 'cluster', 'complexity']);

interface EvaluateCliOptions {
  routerbench?: string[] | boolean;
  format?: string;
  offline?: boolean;
  policies: string;
  param: string[];
  lambdas: string;
  runs: string;
  seed: string;
  semantics: string;
  features: string;
  binning: string;
  family: string[];
  defaultFamilies: boolean;
  costScale: string;
  aiqMode: string;
  jobs: string;
  out?: string;
  force?: boolean;
  json?: boolean;
  charts: boolean;
  progress: boolean;
}

/**
 * What a RouterBench header lacks: `sample_id`, `eval_name`, a correctness column per model and a
 * `<model>|total_cost` column for each of them. Empty when the header is RouterBench-shaped.
 */
export function routerbenchHeaderProblems(columns: readonly string[]): string[] {
  const lc = columns.map((c) => c.trim());
  const lower = new Set(lc.map((c) => c.toLowerCase()));
  const missing: string[] = [];
  if (!lower.has('sample_id') && !lower.has('query_id')) missing.push('sample_id');
  if (!lower.has('eval_name') && !lower.has('task')) missing.push('eval_name');
  const models = lc.filter((c) => !c.includes('|') && !NON_MODEL_COLUMNS.has(c.toLowerCase()) && !/^unnamed: \d+$/i.test(c));
  const accModels = lc.filter((c) => c.toLowerCase().endsWith('|accuracy')).map((c) => c.slice(0, c.lastIndexOf('|')));
  const all = accModels.length ? accModels : models;
  if (all.length === 0 && missing.length < 2) missing.push('one correctness column per model (e.g. gpt-4-1106-preview)');
  const costCols = new Set(lc.filter((c) => /\|(total_cost|cost_usd)$/i.test(c)).map((c) => c.slice(0, c.lastIndexOf('|'))));
  const noCost = all.filter((m) => !costCols.has(m));
  if (costCols.size === 0 && missing.length === 2) {
    // nothing RouterBench-like at all: other columns are not model names, so name none
    missing.push('a correctness column and a <model>|total_cost column per model');
  } else if (all.length > 0 && costCols.size === 0) missing.push(`cost columns <model>|total_cost (none found; expected e.g. ${all[0]}|total_cost)`);
  else if (noCost.length) missing.push(...noCost.map((m) => `${m}|total_cost`));
  return missing;
}

function headerColumns(file: string, format: string): string[] | null {
  if (format !== 'csv' && format !== 'tsv') return null;
  const line = firstLine(file);
  if (!line) return null;
  try {
    const rows = parseCsv(line, { delimiter: format === 'tsv' ? '\t' : ',', relax_quotes: true }) as string[][];
    return rows[0] ?? null;
  } catch {
    return null;
  }
}

/** After loading (any format): the table must group prompts by eval name and give every model a USD cost. */
export function routerbenchTableProblems(t: PoolTable): string[] {
  const problems: string[] = [];
  if (t.tasks.length === 1 && t.tasks[0] === 'all') problems.push('eval_name (no eval name or task column: prompts cannot be grouped into eval families)');
  if (!t.costUsd) {
    problems.push(`cost columns <model>|total_cost (none found; expected e.g. ${t.models[0]?.id ?? '<model>'}|total_cost)`);
    return problems;
  }
  const M = t.nModels;
  const has = new Uint8Array(M);
  for (let q = 0; q < t.nQueries; q++) {
    for (let m = 0; m < M; m++) {
      const i = q * M + m;
      if (t.present[i] && Number.isFinite(t.costUsd[i])) has[m] = 1;
    }
  }
  t.models.forEach((m, j) => {
    if (!has[j]) problems.push(`${m.id}|total_cost`);
  });
  return problems;
}

function missingMessage(problems: string[]): string {
  return `not a RouterBench table: missing column${problems.length === 1 ? '' : 's'} ${problems.join(', ')}`;
}

function warn(msg: string): void {
  process.stderr.write(`greenserv: warning: ${msg}\n`);
}

interface SourceOptions {
  format?: string;
  offline?: boolean;
  warn?: (msg: string) => void;
}

async function loadOne(file: string, o: SourceOptions, strict: boolean): Promise<PoolTable | string> {
  const format = resolveFormat(file, o.format);
  const cols = file.startsWith('hf://') ? null : headerColumns(file, format);
  if (cols && !isLongHeader(cols)) {
    const problems = routerbenchHeaderProblems(cols);
    if (problems.length) {
      if (strict) throw new DataError(missingMessage(problems), file, 1);
      return missingMessage(problems);
    }
  }
  let t: PoolTable;
  try {
    t = await loadTable(file, { format: o.format, offline: o.offline, warn: o.warn ?? warn });
  } catch (e) {
    if (!strict && e instanceof DataError) return e.message.startsWith(`${file}: `) ? e.message.slice(file.length + 2) : e.message;
    throw e;
  }
  const problems = routerbenchTableProblems(t);
  if (problems.length) {
    if (strict) throw new DataError(missingMessage(problems), file);
    return missingMessage(problems);
  }
  return t;
}

/**
 * RouterBench sources: hf:// URIs, files, or directories whose RouterBench-shaped files (e.g. the train and
 * test halves of a split) are read; other files in a directory are skipped with a note. Several tables are
 * combined with queries sorted by id, so the order the sources are named in does not change any result.
 */
export async function loadRouterbench(source: string | readonly string[], o: SourceOptions = {}): Promise<{ table: PoolTable; files: string[] }> {
  return loadSources(typeof source === 'string' ? [source] : source, (file, strict) => loadOne(file, o, strict), {
    what: 'RouterBench table',
    warn: o.warn ?? warn,
  });
}

export function parseEvaluateFeatures(raw: string): FeatureName[] {
  if (raw.trim() === 'none') return [];
  const list = parseList(raw);
  for (const f of list) {
    if (!(ALL_FEATURES as readonly string[]).includes(f)) throw new UsageError(`--features: unknown feature '${f}'; valid: ${ALL_FEATURES.join(', ')} or none`);
  }
  return ALL_FEATURES.filter((f) => list.includes(f));
}

/**
 * The context features to use: cluster and complexity come from the table, else from the prompt text
 * (features pipeline, spec §3: k = 3 online clusters, inverted Flesch); a feature with neither is dropped
 * with a warning. Fills the table's cluster/complexity columns in place.
 */
export function contextFeatures(table: PoolTable, features: FeatureName[], binning: ComplexityBinning, say: (m: string) => void = warn): FeatureName[] {
  const needCluster = features.includes('cluster') && !table.cluster.some((c) => c >= 0);
  const needCx = features.includes('complexity') && table.complexity.some((c) => Number.isNaN(c));
  if (needCluster || needCx) applyFeatures(table, { k: 3, binning });
  const usable = features.filter((f) => {
    if (f === 'cluster') return table.cluster.some((c) => c >= 0);
    if (f === 'complexity') return table.complexity.some((c) => !Number.isNaN(c));
    return true;
  });
  for (const f of features) if (!usable.includes(f)) say(`--features: the table has no ${f} values and no prompt text to compute them from; using ${usable.join(',') || 'none'}`);
  return usable;
}


export function registerEvaluateCommand(program: Command): void {
  program
    .command('evaluate')
    .description('score routing policies on RouterBench: λ sweep, AIQ, peak/average accuracy, zero router and oracle (GreenServ Table 1)')
    .option('--routerbench [source...]', `RouterBench data: hf:// URIs, files or directories, combined in any order (default ${DEFAULT_ROUTERBENCH_SOURCE})`)
    .option('--format <format>', 'force the input format of the RouterBench file(s)')
    .option('--offline', 'hf:// sources: use the cache only, never the network')
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

export interface EvaluateParams {
  /** One source or several (combined; their order does not matter). */
  source: string | readonly string[];
  format?: string;
  offline?: boolean;
  policies: string[];
  params: string[];
  lambdas: number[];
  runs: number;
  seed: number;
  semantics: 'paper' | 'repo';
  features: FeatureName[];
  binning: ComplexityBinning;
  familyRules: ReturnType<typeof parseFamilyRules>;
  defaultFamilies: boolean;
  costScale: 'linear' | 'log';
  aiqMode: AiqMode;
  jobs: number;
}

/** Load, sweep and score: everything `evaluate` computes, without writing files (regress reuses it). */
export async function evaluateRouterbench(p: EvaluateParams, progress?: (done: number, total: number, label: string) => void) {
  if (p.policies.length === 0) throw new UsageError('--policies: no policy given');
  const { table: raw, files } = await loadRouterbench(p.source, { format: p.format, offline: p.offline });
  const { table, members } = remapTasks(raw, new FamilyMapper(p.familyRules, p.defaultFamilies));
  // the dataset hash is of the table as loaded and mapped, before features are derived from its text
  const sha256 = tableSha256(table);
  const usable = contextFeatures(table, p.features, p.binning);
  const sweep = await runSweep(
    table,
    { policies: p.policies, params: p.params, lambdas: p.lambdas, runs: p.runs, seed: p.seed, semantics: p.semantics, features: usable, binning: p.binning, costScale: p.costScale, jobs: p.jobs },
    progress,
  );
  const result = evaluateSweep(table, sweep, { aiqMode: p.aiqMode, costScale: p.costScale, features: usable, semantics: p.semantics, seed: p.seed, source: sourceLabel(p.source), members, sha256 });
  return { table, files, sweep, result, usable, sha256 };
}

/** The sources as recorded in summary.json and the manifest: sorted, so naming them in another order changes nothing. */
export function sourceLabel(source: string | readonly string[]): string {
  return typeof source === 'string' ? source : [...source].sort().join(' ');
}

async function evaluateAction(o: EvaluateCliOptions): Promise<void> {
  if (o.routerbench === undefined || o.routerbench === false) {
    throw new UsageError(`evaluate: say what to evaluate on: --routerbench [source...] (default source ${DEFAULT_ROUTERBENCH_SOURCE})`);
  }
  const sources = o.routerbench === true ? [DEFAULT_ROUTERBENCH_SOURCE] : o.routerbench;
  const source = sourceLabel(sources.length === 1 ? sources[0] : sources);
  const lambdas = parseLambdaGrid(o.lambdas);
  const runs = parseInteger('--runs', o.runs, 1, MAX_RUNS);
  // an unusable --out fails before the sweep, not after it (checked again when committing)
  if (o.out !== undefined) AtomicDir.checkTarget(o.out, o.force === true);
  const seed = parseInteger('--seed', o.seed, 0);
  const jobs = parseInteger('--jobs', o.jobs, 1);
  const semantics = parseChoice('--semantics', o.semantics, ['paper', 'repo'] as const);
  const costScale = parseChoice('--cost-scale', o.costScale, ['linear', 'log'] as const);
  const aiqMode = parseChoice('--aiq-mode', o.aiqMode, AIQ_MODES) as AiqMode;
  const features = parseEvaluateFeatures(o.features);
  const binning = parseChoice('--binning', o.binning, ['thresholds', 'equal-width'] as const);
  const policies = parseList(o.policies);
  const rules = parseFamilyRules(o.family);

  const showProgress = o.progress && process.stderr.isTTY === true;
  const bar = showProgress
    ? new cliProgress.SingleBar({ format: 'evaluate |{bar}| {percentage}% · {label}', hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic)
    : null;
  bar?.start(1000, 0, { label: '' });
  let ev;
  try {
    ev = await evaluateRouterbench(
      { source: sources, format: o.format, offline: o.offline, policies, params: o.param, lambdas, runs, seed, semantics, features, binning, familyRules: rules, defaultFamilies: o.defaultFamilies, costScale, aiqMode, jobs },
      bar ? (done, total, label) => bar.update(Math.round((1000 * done) / total), { label }) : undefined,
    );
  } finally {
    bar?.stop();
  }
  const { table, files, sweep, result, usable, sha256 } = ev;
  const { summary } = result;
  if (summary.dataset.missingCells > 0) warn(`${summary.dataset.missingCells} (prompt, model) cells are missing; a policy choosing one scores quality 0 at cost 0`);

  const outDir = o.out ?? `results/${timestamp()}-evaluate`;
  const dir = new AtomicDir(outDir, o.force === true);
  try {
    await writeEvaluateOutputs(
      dir,
      result,
      sweep,
      {
        schemaVersion: 1,
        command: 'evaluate',
        greenserv: version(),
        node: process.version,
        dataset: { name: table.name, sha256, source, files },
        config: {
          policies: policies.map((name, p) => ({ name, params: sweep.params[p] })),
          lambdas,
          runs,
          seed,
          semantics,
          features: usable,
          binning,
          familyRules: rules,
          defaultFamilies: o.defaultFamilies,
          cost: 'usd',
          costScale,
          aiqMode,
          jobs,
        },
        runSeeds: sweep.runSeeds,
      },
      { charts: o.charts },
    );
    dir.commit();
  } catch (e) {
    dir.abort();
    throw e;
  }
  if (o.json) process.stdout.write(toJson(summary));
  else process.stdout.write(`${evaluateTable(summary)}\nresults: ${outDir}\n`);
}
