/**
 * `greenserv features <queries>`: per-query task, semantic cluster and Flesch complexity (docs/features.md), and
 * `greenserv features train-task <labelled> --out model.json`: the task classifier behind `--task-model`.
 */
import type { Command } from 'commander';
import { DataError, UsageError } from '../core/errors.js';
import { inputSameAs } from '../core/outputGuard.js';
import { csvField } from '../core/escape.js';
import { parseDecimal } from '../core/format.js';
import type { ComplexityBinning } from '../features/context.js';
import type { ClusterInit } from '../features/cluster.js';
import { writeOutput } from '../features/fsutil.js';
import { type QueryFeatures, computeFeatures } from '../features/pipeline.js';
import { readQueries, requireLabels } from '../features/queries.js';
import {
  type TaskModel,
  confusionMatrix,
  loadTaskModel,
  saveTaskModel,
  stratifiedSplit,
  taskPredictor,
  trainTaskModel,
} from '../features/taskClassifier.js';
import { errText, print, warn, warnOf } from './say.js';
import { plural } from '../report/terminalTable.js';
import { stdoutWidth } from './width.js';

interface FeaturesIo {
  out: (s: string) => void;
  err: (s: string) => void;
  /** A warning (default: a 'greenserv: warning:' line through err). */
  warn?: (m: string) => void;
  /** The width text on out fits (a terminal's); Infinity (the default) when piped. */
  width?: number;
}

const defaultIo: FeaturesIo = {
  out: print,
  err: errText,
  warn,
  get width() {
    return stdoutWidth();
  },
};

/** An --out that is one of the command's input files would be overwritten by its own output. */
function refuseInput(out: string, inputs: (string | undefined)[]): void {
  const clash = inputSameAs(out, inputs);
  if (clash !== null) throw new UsageError(`--out ${out}: it is the input file ${clash}; refusing to overwrite it; name another file`);
}

function intOption(v: string, name: string, min: number, max: number): number {
  const x = Number(v);
  if (!/^\s*-?\d+\s*$/.test(v) || !Number.isSafeInteger(x) || x < min || x > max) {
    throw new UsageError(`${name} must be an integer in [${min}, ${max}], got '${v}'`);
  }
  return x;
}

function numberOption(v: string, name: string, min: number, max: number): number {
  const x = parseDecimal(v);
  if (!Number.isFinite(x) || x < min || x > max) {
    throw new UsageError(`${name} must be a number in [${min}, ${max}], got '${v}'`);
  }
  return x;
}

/** Round for output so 100 − 52.87 prints as 47.13; NaN stays NaN. */
function num(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 1e6) / 1e6 : x;
}


function featuresCsv(ids: readonly string[], feats: readonly QueryFeatures[]): string {
  const lines = ['query_id,task,cluster,flesch,complexity,complexity_bin'];
  feats.forEach((f, i) => {
    const n = (x: number): string => (Number.isNaN(x) ? '' : String(num(x)));
    lines.push([csvField(ids[i]), csvField(f.task), String(f.cluster), n(f.flesch), n(f.complexity), String(f.complexityBin)].join(','));
  });
  return lines.join('\n') + '\n';
}

/** The confusion matrix; its columns (10 wide, the labels cut to that) narrow to fit `width`, never below a count. */
function formatMatrix(labels: string[], m: number[][], width = Infinity): string {
  const w = Math.max(6, ...labels.map((l) => l.length));
  // a row is w + ' | ' + n columns of c with n − 1 gaps: w + 2 + n·(c + 1)
  const counts = Math.max(...m.flat().map((x) => String(x).length));
  const c = Math.max(counts, Math.min(10, Math.floor((width - w - 2) / labels.length) - 1));
  const head = ' '.repeat(w) + ' | ' + labels.map((l) => l.slice(0, c).padStart(c)).join(' ');
  const rows = labels.map((l, i) => l.padEnd(w) + ' | ' + m[i].map((x) => String(x).padStart(c)).join(' '));
  return [`true \\ predicted`, head, ...rows].join('\n') + '\n';
}

/**
 * Value of an option both `features` and `train-task` define (--out, --seed): wherever the user put it
 * on the command line, the parent may have parsed it first.
 */
function shared(cmd: Command, name: string): unknown {
  if (cmd.getOptionValueSource(name) === 'cli') return cmd.opts()[name];
  const parent = cmd.parent;
  if (parent && parent.getOptionValueSource(name) === 'cli') return parent.opts()[name];
  return cmd.opts()[name];
}

export function registerFeaturesCommand(program: Command, io: FeaturesIo = defaultIo): void {
  const features = program
    .command('features')
    .description('compute query features (task, semantic cluster, Flesch complexity) from query text')
    .argument('<queries>', 'queries CSV (query_id,text[,task]) or prompt CSV file/directory (id,dataset,processed_input,...)')
    .option('--out <file>', 'write the features as CSV (query_id,task,cluster,flesch,complexity,complexity_bin)')
    .option('--json', 'print JSON: {schemaVersion: 1, queries: [{query_id, task, cluster, flesch, complexityBin}, …]}')
    .option('--k <n>', 'number of semantic clusters', '3')
    .option('--binning <mode>', "complexity bins: 'thresholds' (20/30, reference code) or 'equal-width' (paper)", 'thresholds')
    .option('--task-model <file>', 'task classifier (from `features train-task`) for queries without a task label')
    .option('--cluster-init <mode>', "'first-distinct' (reference) or 'kmeans++' (seeded)", 'first-distinct')
    .option('--seed <n>', 'seed for hashing and k-means++', '0')
    .action((queries: string, o: Record<string, string | boolean | undefined>) => {
      const k = intOption(String(o.k), '--k', 1, 1000);
      const seed = intOption(String(o.seed), '--seed', 0, 0xffffffff);
      const binning = String(o.binning);
      if (binning !== 'thresholds' && binning !== 'equal-width') {
        throw new UsageError(`--binning must be 'thresholds' or 'equal-width', got '${binning}'`);
      }
      const init = String(o.clusterInit);
      if (init !== 'first-distinct' && init !== 'kmeans++') {
        throw new UsageError(`--cluster-init must be 'first-distinct' or 'kmeans++', got '${init}'`);
      }
      if (typeof o.out === 'string') refuseInput(o.out, [queries, typeof o.taskModel === 'string' ? o.taskModel : undefined]);
      const model: TaskModel | null = typeof o.taskModel === 'string' ? loadTaskModel(o.taskModel) : null;
      const set = readQueries(queries);
      for (const w of set.warnings) warnOf(io)(w);
      const feats = computeFeatures(
        set.records.map((r) => ({ queryId: r.queryId, text: r.text, task: r.task })),
        { k, seed, binning: binning as ComplexityBinning, clusterInit: init as ClusterInit, taskModel: model },
      );
      const ids = set.records.map((r) => r.queryId);
      if (typeof o.out === 'string') {
        writeOutput(o.out, featuresCsv(ids, feats));
        io.err(`features: ${plural(feats.length, 'query', 'queries')} written to ${o.out}\n`);
      }
      if (o.json) {
        const rows = feats.map((f, i) => ({
          query_id: ids[i],
          task: f.task,
          cluster: f.cluster,
          flesch: Number.isNaN(f.flesch) ? null : num(f.flesch),
          complexityBin: f.complexityBin,
        }));
        io.out(JSON.stringify({ schemaVersion: 1, queries: rows }, null, 2) + '\n');
      } else if (typeof o.out !== 'string') {
        io.out(featuresCsv(ids, feats));
      }
    });

  features
    .command('train-task')
    .description('train the task classifier on labelled prompts (task or dataset column) and save it as JSON')
    .argument('<labelled>', 'labelled prompts: a CSV file or a directory of them')
    .option('--out <file>', 'model file to write (required)')
    .option('--holdout <fraction>', 'hold out this share of every task (seeded split), report accuracy on it and train on the rest', '0')
    .option('--seed <n>', 'seed of the held-out split', '0')
    .option('--l2 <x>', 'L2 penalty', '0.0001')
    .action((labelled: string, _o: unknown, cmd: Command) => {
      const o = {
        out: shared(cmd, 'out'),
        seed: String(shared(cmd, 'seed')),
        holdout: String(cmd.opts().holdout),
        l2: String(cmd.opts().l2),
      };
      if (typeof o.out !== 'string') throw new UsageError("features train-task: --out <file> is required");
      refuseInput(o.out, [labelled]);
      const holdout = numberOption(o.holdout, '--holdout', 0, 0.9);
      const seed = intOption(o.seed, '--seed', 0, 0xffffffff);
      const l2 = numberOption(o.l2, '--l2', 0, 1e6);
      const set = readQueries(labelled);
      for (const w of set.warnings) warnOf(io)(w);
      const rows = requireLabels(set);
      const labels = rows.map((r) => r.label);
      if (new Set(labels).size < 2) throw new DataError('at least two distinct task labels are needed to train', labelled);
      const { train, test } = holdout > 0 ? stratifiedSplit(labels, holdout, seed) : { train: rows.map((_, i) => i), test: [] };
      const model = trainTaskModel(train.map((i) => rows[i]), { l2 });
      saveTaskModel(model, o.out as string);
      io.out(
        `trained on ${train.length} prompts, ${model.labels.length} labels (${model.labels.join(', ')}), ` +
          `${model.training.iterations} L-BFGS iterations; model written to ${o.out}\n`,
      );
      if (test.length > 0) {
        const predict = taskPredictor(model);
        const truth = test.map((i) => labels[i]);
        const pred = test.map((i) => predict(rows[i].text));
        const acc = pred.filter((p, j) => p === truth[j]).length / test.length;
        io.out(`held-out accuracy: ${(100 * acc).toFixed(2)}% on ${test.length} prompts\n`);
        io.out(formatMatrix(model.labels, confusionMatrix(model.labels, truth, pred), io.width ?? Infinity));
      }
    });
}
