/**
 * Column-oriented sources (Arrow, Parquet, pandas pickles) in either layout: long (one row per outcome)
 * or wide (one row per query). Values are normalised here: bigint → number, NaN → missing.
 */
import { DataError } from '../../core/errors.js';
import { missingColumn } from './missingColumn.js';
import type { ModelInfo, PoolTable, TaskBounds } from '../pool.js';
import { tableNameOf } from './input.js';
import { LongTableBuilder, LONG_METRIC_COLUMNS, N_METRICS, K_ACC, checkMetric } from './longBuilder.js';
import { F32, F64 } from '../columns.js';
import { applySideFiles, isLongHeader } from './long.js';
import { parseNumber, cellText } from './text.js';
import { toCell } from './cell.js';
import { classifyWideColumns, isWideHeader, WideTableBuilder, type WideLayout } from './wide.js';

export interface ColumnarSource {
  file: string;
  columns: string[];
  nRows: number;
  /** Values of column i, one per row (null = missing). */
  column(i: number): ArrayLike<unknown>;
  /** Decode these columns before `column` reads them (sources that decode only what is asked for). */
  fetch?(cols: number[]): Promise<void>;
  /** Forget decoded columns that will not be read again (their values may be reused: nothing reads them after). */
  release?(cols: number[]): void;
  /** Give back the memory the source holds (an Arrow file's bytes) now: nothing is read from it afterwards. */
  close?(): void;
  /** The rows are read again from the start: work counted by a budget so far (a pickle's) no longer counts. */
  rewind?(): void;
  /** Key/value metadata of the file (Arrow schema metadata, Parquet key_value_metadata). */
  metadata?: Map<string, string>;
  /** Values carry full double precision (pickles): metrics stay float64 (src/data/columns.ts). */
  float64?: boolean;
  /** Row ranges [start, end) to decode one at a time (Parquet row groups); absent: all rows at once. */
  rowChunks?: [number, number][];
  /** Decode these columns for rows [start, end) only; `column` then returns those rows (index r − start). */
  fetchRows?(cols: number[], start: number, end: number): Promise<void>;
}

/** Storage of the metrics: sized to the values (src/data/columns.ts) unless the source keeps full precision. */
function metricKinds(src: ColumnarSource): () => typeof F32 | typeof F64 {
  return () => (src.float64 ? F64 : F32);
}

/** Metadata key under which `datasets convert` stores model info and task bounds. */
export const META_KEY = 'greenserv';

interface TableMeta {
  version: 1;
  models: { id: string; name: string; paramsB: number | null }[];
  taskBounds: Record<string, [number | null, number | null]>;
}

export function encodeMeta(t: PoolTable): string {
  const meta: TableMeta = {
    version: 1,
    models: t.models.map((m) => ({ id: m.id, name: m.name, paramsB: Number.isNaN(m.paramsB) ? null : m.paramsB })),
    taskBounds: Object.fromEntries(
      t.tasks.map((name) => {
        const b = t.taskBounds.get(name)!;
        return [name, [nanToNull(b.eptMin), nanToNull(b.eptMax)]];
      }),
    ),
  };
  return JSON.stringify(meta);
}

function nanToNull(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}

function decodeMeta(src: ColumnarSource, warn?: (m: string) => void): { models?: Map<string, ModelInfo>; bounds?: Map<string, TaskBounds> } {
  const raw = src.metadata?.get(META_KEY);
  if (!raw) return {};
  try {
    const meta = JSON.parse(raw) as TableMeta;
    const models = new Map<string, ModelInfo>();
    for (const m of meta.models ?? []) {
      if (typeof m.id === 'string') models.set(m.id, { id: m.id, name: typeof m.name === 'string' ? m.name : m.id, paramsB: Number.isFinite(m.paramsB) ? m.paramsB! : Number.NaN });
    }
    const bounds = new Map<string, TaskBounds>();
    for (const [task, pair] of Object.entries(meta.taskBounds ?? {})) {
      if (!Array.isArray(pair)) continue;
      // JSON reads 1e309 as Infinity: such metadata is not used.
      if (pair.some((x) => x !== null && !Number.isFinite(x))) throw new Error(`non-finite bounds for task '${task}'`);
      bounds.set(task, { eptMin: pair[0] ?? Number.NaN, eptMax: pair[1] ?? Number.NaN });
    }
    return { models, bounds };
  } catch {
    warn?.(`${src.file}: ignoring unreadable '${META_KEY}' metadata`);
    return {};
  }
}

function num(v: unknown, file: string, row: number, column: string): number {
  const c = toCell(v);
  if (typeof c === 'number' && Number.isNaN(c)) return Number.NaN;
  return parseNumber(c, file, row, column);
}

export interface ColumnarOptions {
  queries?: string;
  models?: string;
  warn?: (msg: string) => void;
}

export async function loadColumnar(src: ColumnarSource, opts: ColumnarOptions = {}): Promise<PoolTable> {
  if (src.nRows === 0) throw new DataError('no data rows', src.file);
  if (isWideHeader(src.columns)) {
    const layout = classifyWideColumns(src.columns, src.file);
    // Only the columns the layout uses: a RouterBench table's responses are most of its bytes.
    const used = [layout.idCol, layout.taskCol, layout.textCol, layout.clusterCol, layout.complexityCol, layout.embeddingCol, ...layout.embCols];
    for (const cols of layout.metricCols) used.push(...cols);
    return loadWideColumnar(src, layout, used.filter((c) => c >= 0), opts);
  }
  if (isLongHeader(src.columns)) return loadLongColumnar(src, opts);
  throw new DataError(
    `columns (${src.columns.slice(0, 8).join(', ')}${src.columns.length > 8 ? ', …' : ''}) are neither the long layout (query_id, model_id, accuracy) nor a wide layout`,
    src.file,
  );
}

async function loadWideColumnar(src: ColumnarSource, layout: WideLayout, used: number[], opts: ColumnarOptions): Promise<PoolTable> {
  const meta = decodeMeta(src, opts.warn);
  const b = new WideTableBuilder(tableNameOf(src.file), src.file, layout, {
    warn: opts.warn,
    nanIsMissing: true,
    modelInfo: meta.models,
    taskBounds: meta.bounds,
    rowWord: 'row',
    minKind: metricKinds(src),
  });
  b.reserveRows(src.nRows);
  // A column at a time where the table is plain (WideTableBuilder.fillColumns): one decoded column held at
  // a time, each released before the next is fetched
  let held = -1;
  const letGo = (): void => {
    if (held >= 0) src.release?.([held]);
    held = -1;
  };
  const filled = await b.fillColumns(src.nRows, async (c) => {
    letGo();
    await src.fetch?.([c]);
    held = c;
    return src.column(c);
  });
  letGo();
  if (!filled) {
    // the row reader decodes again what the column fill read: a pickle's work budget counts that once
    src.rewind?.();
    await addWideRows(src, b, used);
  }
  src.close?.();
  return b.build();
}

/** The wide table's rows one by one, as the row readers of other formats add them. */
async function addWideRows(src: ColumnarSource, b: WideTableBuilder, used: number[]): Promise<void> {
  b.reserveRows(src.nRows);
  const name = (c: number): string => src.columns[c];
  // Row chunk by row chunk where the source can (Parquet row groups): decoded values of one chunk at a time
  const chunks = src.rowChunks && src.fetchRows ? src.rowChunks : [[0, src.nRows] as [number, number]];
  for (const [start, end] of chunks) {
    if (src.fetchRows && src.rowChunks) await src.fetchRows(used, start, end);
    else await src.fetch?.(used);
    // Columns are fetched when first read: a RouterBench table's response columns never are.
    const columns: (ArrayLike<unknown> | undefined)[] = new Array(src.columns.length);
    const column = (c: number): ArrayLike<unknown> => (columns[c] ??= src.column(c));
    // lists (an embedding column) are read as they are, not as text
    for (let r = start; r < end; r++) b.addRow((c) => toCell(column(c)[r - start]), r + 1, name, (c) => column(c)[r - start]);
    src.release?.(used);
  }
}

async function loadLongColumnar(src: ColumnarSource, opts: ColumnarOptions): Promise<PoolTable> {
  const file = src.file;
  const meta = decodeMeta(src, opts.warn);
  const idx = new Map(src.columns.map((c, i) => [c.trim().toLowerCase(), i]));
  for (const c of ['query_id', 'model_id', 'accuracy']) {
    if (!idx.has(c)) throw new DataError(missingColumn(c, src.columns, 'long format', ['query_id', 'model_id', 'task', ...LONG_METRIC_COLUMNS]), file, undefined, c);
  }
  const b = new LongTableBuilder(tableNameOf(file), file, { warn: opts.warn, minKind: metricKinds(src), rowWord: 'row' });
  await applySideFiles(b, opts);
  const n = src.nRows;
  // Column by column: ids become per-row codes first, so no more than one decoded text column is held at
  // a time (a decoded string column costs far more than its codes).
  // Row chunk by row chunk where the source can (Parquet row groups), else all rows: `each` gets the values
  // of rows start … start + values.length − 1
  const chunks = src.rowChunks && src.fetchRows ? src.rowChunks : null;
  const pass = async (cols: number[], each: (column: (c: number) => ArrayLike<unknown>, start: number, end: number) => void): Promise<void> => {
    if (chunks) {
      for (const [start, end] of chunks) {
        await src.fetchRows!(cols, start, end);
        each((c) => src.column(c), start, end);
      }
    } else {
      await src.fetch?.(cols);
      each((c) => src.column(c), 0, n);
    }
    src.release?.(cols);
  };
  const text = (v: unknown): string => (cellText(toCell(v)) ?? '').trim();
  const qCode = new Int32Array(n);
  const mCode = new Int32Array(n);
  const qCol = idx.get('query_id')!;
  await pass([qCol], (column, start, end) => {
    const col = column(qCol);
    for (let r = start; r < end; r++) qCode[r] = b.query(text(col[r - start]), r + 1);
  });
  const mCol = idx.get('model_id')!;
  await pass([mCol], (column, start, end) => {
    const col = column(mCol);
    for (let r = start; r < end; r++) mCode[r] = b.model(text(col[r - start]), r + 1);
  });
  const taskIdx = idx.get('task');
  if (taskIdx !== undefined) {
    await pass([taskIdx], (column, start, end) => {
      const col = column(taskIdx);
      for (let r = start; r < end; r++) {
        const task = text(col[r - start]);
        if (task === '') throw new DataError('empty task', file, r + 1, 'task');
        b.setTask(qCode[r], task, r + 1);
      }
    });
  }
  const metricIdx = LONG_METRIC_COLUMNS.map((c) => idx.get(c) ?? -1);
  metricIdx.forEach((c, k) => (b.hasMetric[k] = c >= 0));
  b.reserveRows(n);
  const vals = new Float64Array(N_METRICS);
  await pass(
    metricIdx.filter((c) => c >= 0),
    (column, start, end) => {
      const metric = metricIdx.map((c) => (c >= 0 ? column(c) : null));
      for (let r = start; r < end; r++) {
        const row = r + 1;
        for (let k = 0; k < N_METRICS; k++) {
          const col = metric[k];
          const name = LONG_METRIC_COLUMNS[k];
          const v = col ? num(col[r - start], file, row, name) : Number.NaN;
          if (k === K_ACC && Number.isNaN(v)) throw new DataError('accuracy is missing (it is required on every row)', file, row, name);
          checkMetric(k, v, file, row, name);
          vals[k] = v;
        }
        b.add(qCode[r], mCode[r], vals, row);
      }
    },
  );
  src.close?.();
  const t = b.build();
  if (meta.models) t.models.forEach((m, i) => (t.models[i] = meta.models!.get(m.id) ?? m));
  if (meta.bounds) for (const [task, v] of meta.bounds) if (t.taskBounds.has(task)) t.taskBounds.set(task, v);
  return t;
}
