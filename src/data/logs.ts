/**
 * Routing logs: one row per decision already taken by a deployed router (the model it chose, the
 * probability of that choice, the chosen model's outcome). Format and rules in datasets/README.md
 * ("Routing logs"); the estimators that read them are in src/metrics/ope.
 */
import { DataError } from '../core/errors.js';
import { missingColumn } from './formats/missingColumn.js';
import { GrowF64, GrowI32 } from './grow.js';
import { NameIndex } from './nameIndex.js';
import { LONG_METRIC_COLUMNS, N_METRICS, K_ACC, checkMetric } from './formats/longBuilder.js';
import { withTextTable, parseNumber, cellText, truncate, type Cell, type TextRecord } from './formats/text.js';
import type { ColumnarSource } from './formats/columnar.js';
import { toCell } from './formats/cell.js';
import { resolveFormat } from './load.js';

/** Columns every log needs. */
const LOG_REQUIRED_COLUMNS = ['query_id', 'model_id', 'accuracy'] as const;
/** Columns with a fixed meaning; `ctx_*` columns are numeric context features; anything else is ignored. */
const LOG_KNOWN_COLUMNS = ['query_id', 'model_id', 'propensity', 'task', 'text', 'timestamp', 'run', 'reward', ...LONG_METRIC_COLUMNS] as const;
const CONTEXT_PREFIX = 'ctx_';
/** Distinct models a log may name when no model list is given (each adds a column to n×M matrices). */
export const MAX_LOG_MODELS = 1024;
/**
 * Largest |reward| a log may carry. The estimators sum rewards times importance weights, and the bootstrap
 * squares the estimates: a reward near the top of the double range (1e308) overflows them to ±∞. Rewards are
 * typically in [−1, 1]; 1e6 leaves room for rewards on another scale (docs/ope.md).
 */
const MAX_LOG_REWARD = 1e6;
/** Context feature columns (the reward model solves a d×d system per model). */
export const MAX_CONTEXT_COLUMNS = 256;

export interface LogTable {
  file: string;
  /** Logged decisions, in file order. */
  n: number;
  /** Model ids; `model[i]` indexes this list. */
  models: string[];
  queryId: string[];
  model: Int32Array;
  /** π0(model[i] | x_i): as logged, or estimated when the log has no propensity column. */
  propensity: Float64Array;
  propensityEstimated: boolean;
  /** Observed outcomes of the chosen model, in LONG_METRIC_COLUMNS order; null where the column is absent. */
  metrics: (Float64Array | null)[];
  /** Context group of each decision (index into `tasks`); every decision is in group 0 of ['all'] without a task column. */
  task: Int32Array;
  tasks: string[];
  text: (string | null)[] | null;
  timestamp: (string | null)[] | null;
  /** Independent run of the logger each decision belongs to (`run` column; simulated logs), or null. */
  run: Int32Array | null;
  /** The reward the logger observed (`reward` column), or null. */
  reward: Float64Array | null;
  /** `ctx_*` feature names (prefix removed) and their n×d values. */
  contextNames: string[];
  context: Float64Array;
  /** Source line of each decision, for messages. */
  line: Int32Array;
}

interface LogOptions {
  /** Known model ids (e.g. the table being routed over): other ids are an error, indices follow this order. */
  models?: readonly string[];
  /** Input format when the extension does not say (csv, tsv, jsonl, parquet, arrow). */
  format?: string;
  warn?: (msg: string) => void;
}

/** Rows of a log with their line (text) or 1-based row number (Parquet, Arrow). */
interface LogSource {
  file: string;
  columns: string[];
  batches: AsyncIterable<TextRecord[]>;
  /** Line of the header, for messages about columns (none for column-oriented files). */
  headerLine?: number;
}

/** Load a routing log from CSV, TSV, JSON Lines (optionally gzipped), Parquet or Arrow. */
export async function loadLogs(file: string, opts: LogOptions = {}): Promise<LogTable> {
  const format = resolveFormat(file, opts.format);
  switch (format) {
    case 'csv':
    case 'tsv':
    case 'jsonl':
      return withTextTable(file, format, (t) => readLogs({ ...t, headerLine: 1 }, opts));
    case 'parquet':
      return readLogs(columnarLog(await (await import('./formats/parquet.js')).parquetSource(file)), opts);
    case 'arrow':
      return readLogs(columnarLog((await import('./formats/arrow.js')).arrowSource(file)), opts);
    default:
      throw new DataError(`routing logs are read from CSV, TSV, JSON Lines, Parquet or Arrow files, not ${format}`, file);
  }
}

/** A column-oriented file's rows in batches of cells (row r is reported as line r + 1). */
function columnarLog(src: ColumnarSource): LogSource {
  const batches = (async function* (): AsyncGenerator<TextRecord[]> {
    await src.fetch?.(src.columns.map((_, i) => i));
    const cols = src.columns.map((_, i) => src.column(i));
    for (let r0 = 0; r0 < src.nRows; r0 += 1024) {
      const out: TextRecord[] = [];
      for (let r = r0; r < Math.min(src.nRows, r0 + 1024); r++) out.push({ cells: cols.map((c) => toCell(c[r])), line: r + 1 });
      yield out;
    }
  })();
  return { file: src.file, columns: src.columns, batches };
}

const idText = (v: Cell): string => (cellText(v) ?? '').trim();

async function readLogs(t: LogSource, opts: LogOptions): Promise<LogTable> {
  const file = t.file;
  const idx = new Map<string, number>();
  const spelt = new Map<string, string>();
  t.columns.forEach((raw, i) => {
    const c = raw.trim();
    const lower = c.toLowerCase();
    // known names match without case, ctx_* names keep theirs: a second spelling would shadow the first
    const field = lower.startsWith(CONTEXT_PREFIX) ? CONTEXT_PREFIX + c.slice(CONTEXT_PREFIX.length) : lower;
    const first = spelt.get(field);
    if (first !== undefined) throw new DataError(`'${truncate(first)}' and '${truncate(c)}' both name the column ${truncate(field)}; keep one`, file, t.headerLine, c);
    if (field.startsWith(CONTEXT_PREFIX) || (LOG_KNOWN_COLUMNS as readonly string[]).includes(field)) spelt.set(field, c);
    idx.set(lower, i);
  });
  for (const c of LOG_REQUIRED_COLUMNS) {
    if (!idx.has(c)) throw new DataError(missingColumn(c, t.columns, 'routing log', LOG_KNOWN_COLUMNS), file, t.headerLine, c);
  }
  const col = (c: string): number => idx.get(c) ?? -1;
  const cQ = col('query_id');
  const cM = col('model_id');
  const cP = col('propensity');
  const cTask = col('task');
  const cText = col('text');
  const cTs = col('timestamp');
  const cRun = col('run');
  const cReward = col('reward');
  const run = cRun >= 0 ? new GrowI32() : null;
  const rewardCol = cReward >= 0 ? new GrowF64() : null;
  const metricCols = LONG_METRIC_COLUMNS.map((c) => col(c));
  const ctxCols: number[] = [];
  const contextNames: string[] = [];
  const ignored: string[] = [];
  t.columns.forEach((raw, i) => {
    const c = raw.trim().toLowerCase();
    if (c === '' || (LOG_KNOWN_COLUMNS as readonly string[]).includes(c)) return;
    if (c.startsWith(CONTEXT_PREFIX) && c.length > CONTEXT_PREFIX.length) {
      ctxCols.push(i);
      contextNames.push(raw.trim().slice(CONTEXT_PREFIX.length));
    } else ignored.push(raw.trim());
  });
  if (ctxCols.length > MAX_CONTEXT_COLUMNS) {
    throw new DataError(`${ctxCols.length} context columns (${CONTEXT_PREFIX}*); at most ${MAX_CONTEXT_COLUMNS} are supported`, file, t.headerLine);
  }
  if (ignored.length > 0) opts.warn?.(`${file}: ignoring unknown column(s): ${ignored.join(', ')} (context features need the '${CONTEXT_PREFIX}' prefix)`);

  const known = opts.models ? new Map(opts.models.map((m, i) => [m, i])) : null;
  const found = new Map<string, number>();
  const foundIds: string[] = [];
  const taskIndex = new NameIndex();
  const tasks = taskIndex.names;
  const seen = new Map<string, number>();
  const queryId: string[] = [];
  const model = new GrowI32();
  const line = new GrowI32();
  const task = new GrowI32();
  const prop = new GrowF64();
  const metric = metricCols.map((c) => (c >= 0 ? new GrowF64() : null));
  const ctx = new GrowF64();
  const text: (string | null)[] | null = cText >= 0 ? [] : null;
  const timestamp: (string | null)[] | null = cTs >= 0 ? [] : null;
  const d = ctxCols.length;

  for await (const batch of t.batches) for (const r of batch) {
    const cells = r.cells;
    const ln = r.line;
    const q = idText(cells[cQ]);
    if (q === '') throw new DataError('query_id is empty', file, ln, 'query_id');
    const mId = idText(cells[cM]);
    if (mId === '') throw new DataError('model_id is empty (every decision names the model it chose)', file, ln, 'model_id');
    let m: number | undefined;
    if (known) {
      m = known.get(mId);
      if (m === undefined) throw new DataError(`unknown model '${truncate(mId)}' (not among the ${known.size} known models)`, file, ln, 'model_id');
    } else {
      m = found.get(mId);
      if (m === undefined) {
        if (foundIds.length >= MAX_LOG_MODELS) throw new DataError(`more than ${MAX_LOG_MODELS} distinct models`, file, ln, 'model_id');
        m = foundIds.length;
        found.set(mId, m);
        foundIds.push(mId);
      }
    }
    let ts: string | null = null;
    let ms = Number.NaN;
    if (timestamp) {
      ts = idText(cells[cTs]);
      if (ts === '') ts = null;
      else {
        ms = timestampMs(ts);
        if (Number.isNaN(ms)) throw new DataError(`'${truncate(ts)}' is not a timestamp (ISO 8601 or seconds since 1970)`, file, ln, 'timestamp');
      }
      timestamp.push(ts);
    }
    let rn = 0;
    if (run) {
      rn = parseNumber(cells[cRun], file, ln, 'run');
      if (!(Number.isInteger(rn) && rn >= 0 && rn <= 0x7fffffff)) throw new DataError(`run '${String(cells[cRun])}' is not a non-negative integer`, file, ln, 'run');
      run.push(rn);
    }
    if (rewardCol) {
      const v = parseNumber(cells[cReward], file, ln, 'reward');
      if (!Number.isFinite(v)) throw new DataError('reward is empty or not finite (required on every row once the column is present)', file, ln, 'reward');
      if (Math.abs(v) > MAX_LOG_REWARD) throw new DataError(`reward ${v} is outside [-${MAX_LOG_REWARD.toExponential()}, ${MAX_LOG_REWARD.toExponential()}] (larger rewards make the estimators overflow; rescale them)`, file, ln, 'reward');
      rewardCol.push(v);
    }
    // One row per decision: a query may recur only at distinct instants (compared as times, not as text) or in another run.
    const key = `${rn}\u0000${ts === null ? q : `${q}\u0000${ms}`}`;
    const first = seen.get(key);
    if (first !== undefined) {
      const why = ts === null ? (timestamp ? 'give each its own timestamp' : 'add a timestamp or run column to log a query more than once') : 'the same query at the same timestamp';
      throw new DataError(`duplicate decision for query '${truncate(q)}' (first on line ${first}; ${why})`, file, ln, 'query_id');
    }
    seen.set(key, ln);
    if (cP >= 0) {
      const p = parseNumber(cells[cP], file, ln, 'propensity');
      if (Number.isNaN(p)) throw new DataError('propensity is empty (leave out the whole column to have it estimated)', file, ln, 'propensity');
      if (!(p > 0 && p <= 1)) throw new DataError(`propensity ${p} is outside (0, 1]`, file, ln, 'propensity');
      // a subnormal propensity's importance weight 1/p is infinite
      if (!Number.isFinite(1 / p)) throw new DataError(`propensity ${p} is too small: its importance weight 1/p overflows`, file, ln, 'propensity');
      prop.push(p);
    }
    for (let k = 0; k < N_METRICS; k++) {
      const g = metric[k];
      if (!g) continue;
      const name = LONG_METRIC_COLUMNS[k];
      const v = parseNumber(cells[metricCols[k]], file, ln, name);
      if (Number.isNaN(v)) throw new DataError(`${name} is empty (${k === K_ACC ? 'it is required' : 'a metric column, once present, is required'} on every row)`, file, ln, name);
      checkMetric(k, v, file, ln, name);
      g.push(v);
    }
    if (cTask >= 0) {
      const name = idText(cells[cTask]);
      if (name === '') throw new DataError('task is empty', file, ln, 'task');
      task.push(taskIndex.of(name));
    } else task.push(0);
    if (text) text.push(cellText(cells[cText]));
    if (d > 0) {
      const at = ctx.reserve(d);
      for (let j = 0; j < d; j++) {
        const v = parseNumber(cells[ctxCols[j]], file, ln, t.columns[ctxCols[j]].trim());
        if (Number.isNaN(v)) throw new DataError('context value is empty (context columns are required on every row)', file, ln, t.columns[ctxCols[j]].trim());
        ctx.a[at + j] = v;
      }
    }
    queryId.push(q);
    model.push(m);
    line.push(ln);
  }
  const n = queryId.length;
  if (n === 0) throw new DataError('the log has no decisions (header only)', file);

  let models: string[];
  let modelArr = model.toArray();
  if (known) models = [...opts.models!];
  else {
    // Index models in sorted id order so indices do not depend on row order.
    models = [...foundIds].sort();
    const remap = Int32Array.from(foundIds, (id) => models.indexOf(id));
    for (let i = 0; i < n; i++) modelArr[i] = remap[modelArr[i]];
  }
  const taskArr = task.toArray();
  if (cTask < 0) tasks.push('all');
  const estimated = cP < 0;
  const propensity = estimated ? estimatePropensities(modelArr, models.length, taskArr, tasks.length) : prop.toArray();
  if (estimated) opts.warn?.(`${file}: no propensity column; propensities are estimated as each model's share of decisions within its task (docs/ope.md)`);
  return {
    file,
    n,
    models,
    queryId,
    model: modelArr,
    propensity,
    propensityEstimated: estimated,
    metrics: metric.map((g) => (g ? g.toArray() : null)),
    task: taskArr,
    tasks,
    text,
    timestamp,
    run: run ? run.toArray() : null,
    reward: rewardCol ? rewardCol.toArray() : null,
    contextNames,
    context: d > 0 ? ctx.toArray() : new Float64Array(0),
    line: line.toArray(),
  };
}

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;
const EPOCH_RE = /^\d+(?:\.\d+)?$/;

/**
 * Milliseconds since 1970 of a log timestamp, or NaN. Seconds since 1970, or ISO 8601; an ISO time without
 * an offset is read as UTC, so the result does not depend on the machine's time zone.
 */
export function timestampMs(s: string): number {
  if (EPOCH_RE.test(s)) return Number(s) * 1000;
  const m = ISO_RE.exec(s);
  if (!m) return Number.NaN;
  // Date.parse rolls an impossible day over (2025-02-30 becomes March 2): refuse it instead
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(Number(m[1]), month, 0)).getUTCDate()) return Number.NaN;
  let iso = s.replace(' ', 'T');
  if (iso.length > 10 && m[4] === undefined) iso += 'Z';
  return Date.parse(iso);
}

/**
 * Estimated logging propensity: the empirical share of each model among the decisions of the same group,
 * p̂(m | g) = #(g, m) / #g. It assumes the logger chose by group only; it is an estimate, not the logger's
 * true probability.
 */
export function estimatePropensities(model: Int32Array, M: number, group: Int32Array, nGroups: number): Float64Array {
  const n = model.length;
  const cnt = new Float64Array(nGroups * M);
  const tot = new Float64Array(nGroups);
  for (let i = 0; i < n; i++) {
    cnt[group[i] * M + model[i]]++;
    tot[group[i]]++;
  }
  const p = new Float64Array(n);
  for (let i = 0; i < n; i++) p[i] = cnt[group[i] * M + model[i]] / tot[group[i]];
  return p;
}

/** Context vectors for the reward model: one-hot task (when the log has more than one) then the `ctx_*` features. */
export function logContexts(log: LogTable): { X: Float64Array; d: number; names: string[] } {
  const G = log.tasks.length > 1 ? log.tasks.length : 0;
  const c = log.contextNames.length;
  const d = G + c;
  const X = new Float64Array(log.n * d);
  for (let i = 0; i < log.n; i++) {
    if (G > 0) X[i * d + log.task[i]] = 1;
    for (let j = 0; j < c; j++) X[i * d + G + j] = log.context[i * c + j];
  }
  return { X, d, names: [...log.tasks.slice(0, G).map((t) => `task=${t}`), ...log.contextNames] };
}
