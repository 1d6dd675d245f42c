/**
 * The pool table: Q queries × M models, columnar typed arrays, row-major by query (index q*M + m).
 * Spec §1.3 is the record this stores; missing cells are marked in `present`.
 */
import { createHash } from 'node:crypto';
import type { AccuracyColumn, MetricColumn } from './columns.js';
import { NameIndex } from './nameIndex.js';

export type { AccuracyColumn, MetricColumn } from './columns.js';

/** Task order of the task one-hot block (docs/features.md, task type). Tasks outside this list are appended in order of appearance. */
export const PAPER_TASKS = ['mmlu', 'gsm8k', 'hellaswag', 'winogrande', 'cnn_dailymail'] as const;
/** The task of a query with no task label: a task model, when given, predicts one from its text. */
export const UNKNOWN_TASK = 'unknown';

export interface ModelInfo {
  /** Identifier used everywhere (command line, summary.json). */
  id: string;
  /** Display name (e.g. the Hugging Face handle). */
  name: string;
  /** Parameter count in billions; NaN when unknown. */
  paramsB: number;
  /** Optional descriptors from a models file (datasets/README.md): model family, published accuracy in [0, 1] and energy per query in J. */
  family?: string;
  priorAccuracy?: number;
  priorEnergyJ?: number;
}

/** True when some model carries a family or a prior (the table hash then covers them; older hashes stay as they were). */
function hasModelDescriptors(models: readonly ModelInfo[]): boolean {
  return models.some((m) => m.family !== undefined || m.priorAccuracy !== undefined || m.priorEnergyJ !== undefined);
}

/** Per-task min–max bounds of energy per token (J/token) used to normalise energy (docs/model.md §2.2). */
export interface TaskBounds {
  eptMin: number;
  eptMax: number;
}

export interface PoolTable {
  /** Dataset name (built-in name or file name). */
  name: string;
  nQueries: number;
  nModels: number;
  queryIds: string[];
  /** Distinct task names; `queryTask` indexes into this. */
  tasks: string[];
  queryTask: Int32Array;
  /** Query text where known (null otherwise). */
  queryText: (string | null)[] | null;
  /** Precomputed semantic cluster id per query, −1 when absent. */
  cluster: Int32Array;
  /** Precomputed complexity score per query (inverted Flesch, 0–100, higher = harder; docs/features.md, complexity), NaN when absent. */
  complexity: Float64Array;
  models: ModelInfo[];
  /**
   * Accuracy in [0,1], sized to the data (src/data/columns.ts): Uint8Array when every value is 0 or 1.
   * Missing cells are those with `present` 0 (they hold NaN in a float column, 0 in a Uint8Array).
   */
  accuracy: AccuracyColumn;
  /** Energy per query in joules (NaN where unknown). */
  energyJ: MetricColumn;
  /** Latency per query in seconds, or null when the table has none. */
  latencyS: MetricColumn | null;
  inputTokens: MetricColumn | null;
  outputTokens: MetricColumn | null;
  /** Cost per query in USD, or null when the table has none. */
  costUsd: MetricColumn | null;
  /** 1 where the (query, model) cell has an outcome. */
  present: Uint8Array;
  /** Energy-per-token normalisation bounds per task; computed from the data when not given. */
  taskBounds: Map<string, TaskBounds>;
  /** Every task's bounds from a bounds file, also tasks the table gets only later (predicted from text). */
  givenBounds?: Map<string, TaskBounds>;
  /** Wide sources: metric values given for cells without a score (not used; kept to check merges of split rows). */
  unscored?: UnscoredValues;
  /** User-supplied query embeddings (datasets/README.md), Q×dim row-major; absent when the source has none. */
  embedding?: QueryEmbedding;
}

/** Per-query embedding vectors given with the data: `values[q*dim + j]`. */
export interface QueryEmbedding {
  dim: number;
  values: Float64Array;
}

/** Metric values of cells without a score: cell index (q*M + m), metric (long-format column index), value. */
interface UnscoredValues {
  cell: Int32Array;
  metric: Uint8Array;
  value: Float64Array;
}

interface PoolTableInit {
  name: string;
  queryIds: string[];
  queryTasks: string[];
  queryText?: (string | null)[] | null;
  cluster?: Int32Array;
  complexity?: Float64Array;
  models: ModelInfo[];
  accuracy: AccuracyColumn;
  energyJ?: MetricColumn;
  latencyS?: MetricColumn | null;
  inputTokens?: MetricColumn | null;
  outputTokens?: MetricColumn | null;
  costUsd?: MetricColumn | null;
  /** Required when accuracy is a Uint8Array (it cannot mark missing cells). */
  present?: Uint8Array;
  taskBounds?: Map<string, TaskBounds>;
  unscored?: UnscoredValues;
  embedding?: QueryEmbedding;
}

/**
 * Build a table, computing per-task bounds where not given. Absent latency, token and cost columns stay
 * null (never allocated); an absent energy column is all NaN, as energy may be estimated into it in place.
 */
export function makePoolTable(init: PoolTableInit): PoolTable {
  const Q = init.queryIds.length;
  const M = init.models.length;
  const n = Q * M;
  const check = (a: ArrayLike<unknown> | undefined | null, what: string, len: number): void => {
    if (a && a.length !== len) throw new Error(`pool table: ${what} has ${a.length} entries, expected ${len}`);
  };
  check(init.accuracy, 'accuracy', n);
  check(init.energyJ, 'energyJ', n);
  check(init.latencyS, 'latencyS', n);
  check(init.inputTokens, 'inputTokens', n);
  check(init.outputTokens, 'outputTokens', n);
  check(init.costUsd ?? undefined, 'costUsd', n);
  check(init.present, 'present', n);
  check(init.queryTasks, 'queryTasks', Q);
  check(init.cluster, 'cluster', Q);
  check(init.complexity, 'complexity', Q);

  // the paper's tasks first, in its order; others as they come
  const taskIndex = new NameIndex();
  for (const t of PAPER_TASKS) if (init.queryTasks.includes(t)) taskIndex.of(t);
  const queryTask = new Int32Array(Q);
  for (let q = 0; q < Q; q++) queryTask[q] = taskIndex.of(init.queryTasks[q]);
  const tasks = taskIndex.names;
  let present = init.present;
  if (!present) {
    if (init.accuracy instanceof Uint8Array) throw new Error('pool table: a Uint8Array accuracy needs `present`');
    present = new Uint8Array(n);
    for (let i = 0; i < n; i++) present[i] = Number.isNaN(init.accuracy[i]) ? 0 : 1;
  }
  const table: PoolTable = {
    name: init.name,
    nQueries: Q,
    nModels: M,
    queryIds: init.queryIds,
    tasks,
    queryTask,
    queryText: init.queryText ?? null,
    cluster: init.cluster ?? new Int32Array(Q).fill(-1),
    complexity: init.complexity ?? new Float64Array(Q).fill(Number.NaN),
    models: init.models,
    accuracy: init.accuracy,
    energyJ: init.energyJ ?? new Float64Array(n).fill(Number.NaN),
    latencyS: init.latencyS ?? null,
    inputTokens: init.inputTokens ?? null,
    outputTokens: init.outputTokens ?? null,
    costUsd: init.costUsd ?? null,
    present,
    taskBounds: new Map(),
  };
  if (init.unscored) table.unscored = init.unscored;
  if (init.embedding) {
    if (init.embedding.values.length !== Q * init.embedding.dim) throw new Error(`pool table: embedding has ${init.embedding.values.length} values, expected ${Q} × ${init.embedding.dim}`);
    table.embedding = init.embedding;
  }
  const computed = computeTaskBounds(table);
  for (const t of tasks) table.taskBounds.set(t, init.taskBounds?.get(t) ?? computed.get(t)!);
  return table;
}

/** Energy per token of a cell (docs/model.md §1): energyJ / (input + output tokens); NaN when tokens are 0 or unknown. */
export function energyPerToken(t: PoolTable, i: number): number {
  if (!t.inputTokens || !t.outputTokens) return Number.NaN;
  const tok = t.inputTokens[i] + t.outputTokens[i];
  if (!(tok > 0)) return Number.NaN;
  return t.energyJ[i] / tok;
}

/** Per-task min and max of a per-cell value over present cells where it is a number (±Infinity where none). */
export function perTaskRange(t: PoolTable, value: (i: number) => number): { lo: Float64Array; hi: Float64Array } {
  const lo = new Float64Array(t.tasks.length).fill(Infinity);
  const hi = new Float64Array(t.tasks.length).fill(-Infinity);
  const M = t.nModels;
  for (let q = 0; q < t.nQueries; q++) {
    const k = t.queryTask[q];
    for (let m = 0; m < M; m++) {
      const i = q * M + m;
      if (!t.present[i]) continue;
      const v = value(i);
      if (Number.isNaN(v)) continue;
      if (v < lo[k]) lo[k] = v;
      if (v > hi[k]) hi[k] = v;
    }
  }
  return { lo, hi };
}

/** Per-task min/max of energy per token over present cells (the reference's bounds are DB-wide min/max, docs/model.md §2.2). */
export function computeTaskBounds(t: PoolTable): Map<string, TaskBounds> {
  const { lo, hi } = perTaskRange(t, (i) => energyPerToken(t, i));
  const out = new Map<string, TaskBounds>();
  t.tasks.forEach((name, k) => {
    out.set(name, Number.isFinite(lo[k]) ? { eptMin: lo[k], eptMax: hi[k] } : { eptMin: Number.NaN, eptMax: Number.NaN });
  });
  return out;
}

/**
 * SHA-256 over the table's canonical content (ids, tasks, features, every metric column as little-endian
 * float64, NaN for missing accuracy and for absent columns). Independent of the file format the table came
 * from and of the storage width, so a CSV and its Parquet copy hash alike.
 */
export function tableSha256(t: PoolTable): string {
  const h = createHash('sha256');
  const str = (s: string): void => {
    h.update(s);
    h.update('\u0000');
  };
  const f64 = (a: Float64Array): void => {
    h.update(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  };
  const n = t.nQueries * t.nModels;
  // narrower or absent columns are hashed as the float64 column they stand for, a block at a time
  const block = new Float64Array(Math.min(n, 1 << 16));
  const col = (a: AccuracyColumn | null, missing?: Uint8Array): void => {
    if (a instanceof Float64Array) return f64(a);
    for (let at = 0; at < n; at += block.length) {
      const len = Math.min(block.length, n - at);
      for (let j = 0; j < len; j++) {
        const v = a === null || (missing && !missing[at + j]) ? Number.NaN : a[at + j];
        block[j] = v === v ? v : Number.NaN; // one NaN bit pattern whatever the source
      }
      h.update(Buffer.from(block.buffer, 0, len * 8));
    }
  };
  str('greenserv-pool-table/1');
  str(String(t.nQueries));
  str(String(t.nModels));
  for (const m of t.models) {
    str(m.id);
    str(String(m.paramsB));
  }
  if (hasModelDescriptors(t.models)) {
    str('model-descriptors/1');
    for (const m of t.models) {
      str(m.family ?? '');
      str(String(m.priorAccuracy ?? Number.NaN));
      str(String(m.priorEnergyJ ?? Number.NaN));
    }
  }
  for (let q = 0; q < t.nQueries; q++) {
    str(t.queryIds[q]);
    str(t.tasks[t.queryTask[q]]);
  }
  h.update(Buffer.from(t.cluster.buffer, t.cluster.byteOffset, t.cluster.byteLength));
  f64(t.complexity);
  col(t.accuracy, t.present);
  col(t.energyJ);
  col(t.latencyS);
  col(t.inputTokens);
  col(t.outputTokens);
  if (t.costUsd) col(t.costUsd);
  h.update(t.present);
  for (const name of t.tasks) {
    const b = t.taskBounds.get(name)!;
    str(`${name}:${b.eptMin}:${b.eptMax}`);
  }
  // only when given, so tables without embeddings keep their hash
  if (t.embedding) {
    str(`embedding:${t.embedding.dim}`);
    f64(t.embedding.values);
  }
  return h.digest('hex');
}
