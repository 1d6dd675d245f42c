/**
 * Query features from text (docs/features.md): task type, semantic cluster and Flesch complexity for a batch of
 * queries, and filling them into a pool table that has query text but no precomputed features.
 */
import { UsageError } from '../core/errors.js';
import { PAPER_TASKS, UNKNOWN_TASK, type PoolTable, type TaskBounds, computeTaskBounds } from '../data/pool.js';
import { type ComplexityBinning, complexityBin } from './context.js';
import { type ClusterInit, type VectorBatch, embeddingVectors, onlineKMeans, textVectors } from './cluster.js';
import { type TextCounts, fleschFromCounts, invertFlesch, scanText } from './flesch.js';
import { type TaskModel, taskPredictor } from './taskClassifier.js';

export interface FeatureInput {
  queryId: string;
  /** Prompt text; null when unknown (then cluster −1, Flesch/complexity NaN, bin −1). */
  text: string | null;
  /** Ground-truth task; empty or missing means "predict it" (docs/features.md, task type). */
  task?: string | null;
}

export interface QueryFeatures {
  task: string;
  /** Cluster id in [0, k), or −1 without text. */
  cluster: number;
  /** Flesch Reading Ease (textstat scale). */
  flesch: number;
  /** Stored complexity s = clip(100 − FRE, 0, 100) (docs/features.md, complexity). */
  complexity: number;
  /** Bin of `complexity` under the chosen binning, −1 when unknown. */
  complexityBin: number;
}

interface FeatureOptions {
  /** Number of clusters (default 3). */
  k?: number;
  /** Complexity binning (default 'thresholds', the reference code's). */
  binning?: ComplexityBinning;
  /** Seeds hashing and k-means++ (default 0). */
  seed?: number;
  /** Predicts the task of queries without a task label. */
  taskModel?: TaskModel | null;
  /** Precomputed embeddings, one row per query (any dimension); replaces the text vectors for clustering. */
  embeddings?: Float64Array | readonly (readonly number[])[] | null;
  /** Row width when `embeddings` is a flat array. */
  embeddingDim?: number;
  /** Cluster initialisation (default 'first-distinct', the reference's). */
  clusterInit?: ClusterInit;
  /** textstat 0.7.5 rounding of the Flesch score (default true). */
  legacyRounding?: boolean;
}

function checkOptions(opts: FeatureOptions): void {
  const k = opts.k ?? 3;
  if (!Number.isInteger(k) || k < 1) throw new UsageError(`k must be a positive integer, got ${k}`);
  if (opts.binning !== undefined && opts.binning !== 'thresholds' && opts.binning !== 'equal-width') {
    throw new UsageError(`binning must be 'thresholds' or 'equal-width', got '${String(opts.binning)}'`);
  }
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new UsageError(`seed must be an integer in [0, 2^32), got ${seed}`);
  }
  if (opts.clusterInit !== undefined && opts.clusterInit !== 'first-distinct' && opts.clusterInit !== 'kmeans++') {
    throw new UsageError(`cluster initialisation must be 'first-distinct' or 'kmeans++', got '${String(opts.clusterInit)}'`);
  }
}

function hasTask(t: string | null | undefined): t is string {
  return typeof t === 'string' && t.trim().length > 0 && t.trim() !== UNKNOWN_TASK;
}

/** Features of queries in the given order (clustering is online, so order matters; docs/features.md, semantic cluster). */
export function computeFeatures(items: readonly FeatureInput[], opts: FeatureOptions = {}): QueryFeatures[] {
  checkOptions(opts);
  const n = items.length;
  const texts = items.map((it) => it.text);
  const counts: (TextCounts | null)[] = new Array(n).fill(null);
  let batch: VectorBatch;
  if (opts.embeddings) {
    try {
      batch = embeddingVectors(opts.embeddings, opts.embeddingDim);
    } catch (e) {
      throw new UsageError(`embeddings: ${(e as Error).message}`);
    }
    if (batch.n !== n) throw new UsageError(`embeddings: ${batch.n} rows for ${n} queries`);
    texts.forEach((t, i) => {
      if (t !== null) counts[i] = scanText(t);
    });
  } else {
    batch = textVectors(texts, { seed: opts.seed }, (i, c) => {
      counts[i] = c;
    });
  }
  const clusterOpts = { k: opts.k ?? 3, init: opts.clusterInit, seed: opts.seed };
  const clusters = onlineKMeans(batch, clusterOpts, (i) => texts[i] !== null);
  const predict = opts.taskModel ? taskPredictor(opts.taskModel) : null;
  const binning = opts.binning ?? 'thresholds';
  return items.map((it, i) => {
    const c = counts[i];
    const flesch = c ? fleschFromCounts(c, { legacyRounding: opts.legacyRounding }) : Number.NaN;
    const complexity = invertFlesch(flesch);
    let task: string;
    if (hasTask(it.task)) task = it.task.trim();
    else if (predict) task = predict(it.text ?? '');
    else task = UNKNOWN_TASK;
    return { task, cluster: clusters[i], flesch, complexity, complexityBin: complexityBin(complexity, binning) };
  });
}

interface ApplyOptions extends FeatureOptions {
  /** Recompute clusters and complexity even where the table has them. */
  overwrite?: boolean;
}

export interface ApplyReport {
  /** False when the table has no query text (nothing was changed). */
  computed: boolean;
  clustersFilled: number;
  complexityFilled: number;
  tasksFilled: number;
}

/**
 * Fill a pool table's features from its query text: the cluster column when it is entirely absent (−1
 * everywhere: clusters only mean something as one clustering of the whole table), complexity wherever it
 * is NaN, and — given a task model — the task of queries whose task is empty or 'unknown'.
 * Mutates `table`; per-task energy bounds are kept for existing tasks and computed for new ones.
 */
export function applyFeatures(table: PoolTable, opts: ApplyOptions = {}): ApplyReport {
  const report: ApplyReport = { computed: false, clustersFilled: 0, complexityFilled: 0, tasksFilled: 0 };
  const text = table.queryText;
  if (!text || text.every((t) => t === null)) return report;
  const Q = table.nQueries;
  const items: FeatureInput[] = [];
  for (let q = 0; q < Q; q++) {
    items.push({ queryId: table.queryIds[q], text: text[q], task: table.tasks[table.queryTask[q]] });
  }
  const feats = computeFeatures(items, opts);
  report.computed = true;

  let clusterAbsent = true;
  for (let q = 0; q < Q; q++) if (table.cluster[q] !== -1) clusterAbsent = false;
  if (clusterAbsent || opts.overwrite) {
    for (let q = 0; q < Q; q++) {
      table.cluster[q] = feats[q].cluster;
      if (feats[q].cluster >= 0) report.clustersFilled++;
    }
  }
  for (let q = 0; q < Q; q++) {
    if ((Number.isNaN(table.complexity[q]) || opts.overwrite) && !Number.isNaN(feats[q].complexity)) {
      table.complexity[q] = feats[q].complexity;
      report.complexityFilled++;
    }
  }
  if (opts.taskModel) {
    const names = feats.map((f, q) => {
      const cur = table.tasks[table.queryTask[q]];
      if (hasTask(cur)) return cur;
      report.tasksFilled++;
      return f.task;
    });
    if (report.tasksFilled > 0) retask(table, names);
  }
  return report;
}

/** Rebuild tasks/queryTask from per-query names (paper task order first, then first appearance). */
function retask(table: PoolTable, names: string[]): void {
  const order: string[] = [];
  for (const t of PAPER_TASKS) if (names.includes(t)) order.push(t);
  for (const t of names) if (!order.includes(t)) order.push(t);
  const at = new Map(order.map((t, i) => [t, i]));
  const old = table.taskBounds;
  table.tasks = order;
  names.forEach((t, q) => {
    table.queryTask[q] = at.get(t)!;
  });
  const computed = computeTaskBounds(table);
  const bounds = new Map<string, TaskBounds>();
  // a bounds file may name tasks that only prediction brings into the table
  for (const t of order) bounds.set(t, table.givenBounds?.get(t) ?? old.get(t) ?? computed.get(t)!);
  table.taskBounds = bounds;
}
