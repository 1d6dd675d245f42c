/**
 * The project's long format: one row per (query, model) outcome, plus optional queries and models files.
 * The readers here parse the rows; `LongTableBuilder` (longBuilder.ts) assembles the table.
 */
import { EmbeddingRows, embeddingColumns, isEmbeddingColumn } from './embedding.js';
import { closest, DataError } from '../../core/errors.js';
import type { ModelInfo, PoolTable } from '../pool.js';
import { withTextTable, parseNumber, parseNumberBytes, cellText, someOf, textKindOf, truncate, type TextKind, type TextTable, type Cell } from './text.js';
import { F_ESCAPED, fieldText, sameField, strictFieldText, type RecordView } from './csvScan.js';
import { tableNameOf } from './input.js';
import { ModelOrder } from './modelOrder.js';
import { meantFor, missingColumn } from './missingColumn.js';
import { LongTableBuilder, LONG_METRIC_COLUMNS, N_METRICS, K_ACC, checkMetric, type QueryMeta } from './longBuilder.js';

/** The columns a long table may have: never offered as the near miss of a missing one. */
const LONG_KNOWN = ['query_id', 'model_id', 'task', ...LONG_METRIC_COLUMNS];

function columnIndex(columns: string[]): Map<string, number> {
  return new Map(columns.map((c, i) => [c.trim().toLowerCase(), i]));
}

/** The index of a required column; a header without it is a DataError that names a near miss (`acuracy`). */
function requireColumn(t: TextTable, idx: Map<string, number>, name: string, what: string, required: readonly string[]): number {
  const i = idx.get(name);
  if (i === undefined) throw new DataError(missingColumn(name, t.columns, what, required), t.file, 1, name);
  return i;
}

function idCell(v: Cell): string {
  return (cellText(v) ?? '').trim();
}

interface LongOptions {
  queries?: string;
  models?: string;
  warn?: (msg: string) => void;
}

/** Side files are read by their extension, CSV when it names no text kind. */
function kindFor(file: string): TextKind {
  return textKindOf(file) ?? 'csv';
}

/** Columns of a queries file (datasets/README.md), besides embedding columns. */
const QUERY_COLUMNS = ['query_id', 'task', 'text', 'cluster', 'complexity'];

/** Read a queries file: `query_id, task[, text, cluster, complexity]`. */
async function readQueriesFile(file: string, warn?: (m: string) => void): Promise<QueryMeta[]> {
  return withTextTable(file, kindFor(file), (t) => queriesFrom(t, file, warn));
}

async function queriesFrom(t: TextTable, file: string, warn?: (m: string) => void): Promise<QueryMeta[]> {
  const idx = columnIndex(t.columns);
  const cId = requireColumn(t, idx, 'query_id', 'queries file', QUERY_COLUMNS);
  const cTask = requireColumn(t, idx, 'task', 'queries file', QUERY_COLUMNS);
  const cText = idx.get('text');
  const cCluster = idx.get('cluster');
  const cComplexity = idx.get('complexity');
  const { embCols } = embeddingColumns(t.columns, t.columns.map((c) => c.trim().toLowerCase()), file);
  const embNames = new Set(Array.from(embCols, (c) => t.columns[c]));
  warnUnknown(t.columns.filter((c) => !embNames.has(c)), QUERY_COLUMNS, file, warn);
  const emb = embCols.length > 0 ? new EmbeddingRows(file, 'line') : null;
  const out: QueryMeta[] = [];
  const seen = new Map<string, number>();
  for await (const r of t.records) {
    const id = idCell(r.cells[cId]);
    if (id === '') throw new DataError('empty query id', file, r.line, 'query_id');
    const before = seen.get(id);
    if (before !== undefined) throw new DataError(`query '${truncate(id)}' is listed twice (also on line ${before})`, file, r.line, 'query_id');
    seen.set(id, r.line);
    const task = idCell(r.cells[cTask]);
    if (task === '') throw new DataError('empty task', file, r.line, 'task');
    let cluster = -1;
    if (cCluster !== undefined) {
      const c = parseNumber(r.cells[cCluster], file, r.line, 'cluster');
      if (!Number.isNaN(c)) {
        if (!Number.isInteger(c) || c < -1) throw new DataError(`cluster ${c} is not an integer ≥ -1`, file, r.line, 'cluster');
        cluster = c;
      }
    }
    const complexity = cComplexity !== undefined ? parseNumber(r.cells[cComplexity], file, r.line, 'complexity') : Number.NaN;
    // An empty cell means no text: CSV cannot tell '' from missing.
    out.push({ id, task, text: cText !== undefined ? cellText(r.cells[cText]) || null : null, cluster, complexity });
    emb?.addColumns(embCols, (c) => parseNumber(r.cells[c], file, r.line, t.columns[c]), r.line, (c) => t.columns[c]);
  }
  if (out.length === 0) throw new DataError('no data rows (header only?)', file);
  if (emb) {
    // each query keeps a view of its row
    const e = emb.build();
    out.forEach((q, i) => (q.embedding = e.values.subarray(i * e.dim, (i + 1) * e.dim)));
  }
  return out;
}

/** Read a models file: `model_id[, name, params_b, family, prior_accuracy, prior_energy_j]`. */
async function readModelsFile(file: string, warn?: (m: string) => void, known?: ReadonlySet<string>): Promise<ModelInfo[]> {
  return withTextTable(file, kindFor(file), (t) => modelsFrom(t, file, warn, known));
}

/** Columns of a models file; all but model_id are optional (datasets/README.md). */
const MODEL_COLUMNS = ['model_id', 'name', 'params_b', 'family', 'prior_accuracy', 'prior_energy_j'];

async function modelsFrom(t: TextTable, file: string, warn?: (m: string) => void, known?: ReadonlySet<string>): Promise<ModelInfo[]> {
  const idx = columnIndex(t.columns);
  const cId = requireColumn(t, idx, 'model_id', 'models file', MODEL_COLUMNS);
  const cName = idx.get('name');
  const cParams = idx.get('params_b');
  const cFamily = idx.get('family');
  const cAcc = idx.get('prior_accuracy');
  const cEnergy = idx.get('prior_energy_j');
  warnUnknown(t.columns, MODEL_COLUMNS, file, warn);
  const out: ModelInfo[] = [];
  const seen = new Map<string, number>();
  for await (const r of t.records) {
    const id = idCell(r.cells[cId]);
    if (id === '') throw new DataError('empty model id', file, r.line, 'model_id');
    if (known && !known.has(id)) throw new DataError(`unknown model '${truncate(id)}'; models: ${someOf([...known])}`, file, r.line, 'model_id');
    const before = seen.get(id);
    if (before !== undefined) throw new DataError(`model '${id}' is listed twice (also on line ${before})`, file, r.line, 'model_id');
    seen.set(id, r.line);
    const name = cName !== undefined ? idCell(r.cells[cName]) : '';
    const paramsB = cParams !== undefined ? parseNumber(r.cells[cParams], file, r.line, 'params_b') : Number.NaN;
    if (paramsB < 0) throw new DataError(`params_b ${paramsB} is negative`, file, r.line, 'params_b');
    const m: ModelInfo = { id, name: name || id, paramsB };
    const family = cFamily !== undefined ? idCell(r.cells[cFamily]) : '';
    if (family !== '') m.family = family;
    const acc = cAcc !== undefined ? parseNumber(r.cells[cAcc], file, r.line, 'prior_accuracy') : Number.NaN;
    if (!Number.isNaN(acc)) {
      if (!(acc >= 0 && acc <= 1)) throw new DataError(`prior_accuracy ${acc} is outside [0, 1]`, file, r.line, 'prior_accuracy');
      m.priorAccuracy = acc;
    }
    const energy = cEnergy !== undefined ? parseNumber(r.cells[cEnergy], file, r.line, 'prior_energy_j') : Number.NaN;
    if (!Number.isNaN(energy)) {
      if (!(energy > 0)) throw new DataError(`prior_energy_j ${energy} must be > 0 (J per query)`, file, r.line, 'prior_energy_j');
      m.priorEnergyJ = energy;
    }
    out.push(m);
  }
  if (out.length === 0) throw new DataError('no data rows (header only?)', file);
  return out;
}

/**
 * A models file over an already loaded table (the built-in dataset): each row names one of its models, and
 * its name, params_b (when given) and descriptors replace the table's; the model order stays.
 */
export async function overlayModelsFile(t: PoolTable, file: string, warn?: (m: string) => void): Promise<PoolTable> {
  const list = await readModelsFile(file, warn, new Set(t.models.map((m) => m.id)));
  const byId = new Map(list.map((m) => [m.id, m]));
  const models = t.models.map((m) => {
    const o = byId.get(m.id);
    if (!o) return m;
    return { ...o, name: o.name !== o.id ? o.name : m.name, paramsB: Number.isNaN(o.paramsB) ? m.paramsB : o.paramsB };
  });
  return { ...t, models };
}

function warnUnknown(columns: string[], known: readonly string[], file: string, warn?: (m: string) => void, pairs = false): void {
  const extra = columns.filter((c) => c.trim() !== '' && !known.includes(c.trim().toLowerCase()));
  if (extra.length === 0) return;
  // a misspelt optional column (enrgy_j) is ignored like any other: say which one it may have meant
  const absent = known.filter((k) => !columns.some((c) => c.trim().toLowerCase() === k));
  const near = meantFor(
    extra.flatMap((c) => {
      const k = closest(c.trim(), absent);
      return k === null ? [] : [[truncate(c.trim()), k] as const];
    }),
  );
  // emb_j columns beside the outcomes are read only from the queries file
  const emb = pairs && extra.some((c) => isEmbeddingColumn(c.trim().toLowerCase())) ? "a long table's embedding goes in its queries file, as emb_0 … emb_n columns" : '';
  const notes = [near, emb].filter((x) => x !== '').join('; ');
  warn?.(`${file}: ignoring unknown column(s): ${someOf(extra)}${notes === '' ? '' : ` (${notes})`}`);
}

/** Could this header be a long-format pairs header? (Loose, so missing columns get a precise message.) */
export function isLongHeader(columns: string[]): boolean {
  const s = new Set(columns.map((c) => c.trim().toLowerCase()));
  return s.has('query_id') || s.has('model_id');
}

/** Load options a long reader has taken the side files from (see sideFilesRead). */
const SIDE_FILES_READ = new WeakSet<object>();

/** Whether a long reader took `opts`' side files: a table of another layout leaves them unread. */
export function sideFilesRead(opts: object): boolean {
  return SIDE_FILES_READ.has(opts);
}

/** Attach optional queries/models files to a builder (shared by every long reader). */
export async function applySideFiles(b: LongTableBuilder, opts: { queries?: string; models?: string; warn?: (m: string) => void }): Promise<void> {
  SIDE_FILES_READ.add(opts);
  if (opts.queries) b.setQueries(await readQueriesFile(opts.queries, opts.warn), opts.queries);
  if (opts.models) b.setModels(await readModelsFile(opts.models, opts.warn), opts.models);
}

const EMPTY_ACCURACY = 'accuracy is empty (it is required on every row)';

/** Load long-format records from an already opened text table. */
export async function loadLongText(t: TextTable, opts: LongOptions = {}): Promise<PoolTable> {
  const file = t.file;
  const b = new LongTableBuilder(tableNameOf(file), file, { warn: opts.warn });
  await applySideFiles(b, opts);
  const idx = columnIndex(t.columns);
  const cQ = requireColumn(t, idx, 'query_id', 'long format', LONG_KNOWN);
  const cM = requireColumn(t, idx, 'model_id', 'long format', LONG_KNOWN);
  requireColumn(t, idx, 'accuracy', 'long format', LONG_KNOWN);
  const metricCols = LONG_METRIC_COLUMNS.map((c) => idx.get(c) ?? -1);
  metricCols.forEach((c, k) => (b.hasMetric[k] = c >= 0));
  const cTask = idx.get('task');
  warnUnknown(t.columns, ['query_id', 'model_id', 'task', ...LONG_METRIC_COLUMNS], file, opts.warn, true);
  const vals = new Float64Array(N_METRICS);
  if (t.each) {
    await t.each(longViewReader(b, file, cQ, cM, cTask, metricCols, vals));
    return b.build();
  }
  for await (const batch of t.batches) for (const r of batch) {
    const cells = r.cells;
    const q = b.query(idCell(cells[cQ]), r.line);
    const m = b.model(idCell(cells[cM]), r.line);
    if (cTask !== undefined) {
      const task = idCell(cells[cTask]);
      if (task === '') throw new DataError('empty task', file, r.line, 'task');
      b.setTask(q, task, r.line);
    }
    for (let k = 0; k < N_METRICS; k++) {
      const c = metricCols[k];
      if (c < 0) {
        vals[k] = Number.NaN;
        continue;
      }
      const col = LONG_METRIC_COLUMNS[k];
      const v = parseNumber(cells[c], file, r.line, col);
      if (k === K_ACC && Number.isNaN(v)) throw new DataError(EMPTY_ACCURACY, file, r.line, col);
      checkMetric(k, v, file, r.line, col);
      vals[k] = v;
    }
    b.add(q, m, vals, r.line);
  }
  return b.build();
}

/** The bytes and quoting of one field, kept to recognise the same id on later rows without decoding it. */
class FieldMemo {
  bytes = new Uint8Array(64);
  len = -1;
  flags = 0;
  index = -1;

  remember(v: RecordView, i: number, index: number): void {
    const n = v.end[i] - v.start[i];
    if (n > this.bytes.length) this.bytes = new Uint8Array(Math.max(n, this.bytes.length * 2));
    this.bytes.set(v.buf.subarray(v.start[i], v.end[i]));
    this.len = n;
    this.flags = v.flags[i];
    this.index = index;
  }

  matches(v: RecordView, i: number): boolean {
    return this.len >= 0 && sameField(v, i, this.bytes, this.len, this.flags);
  }
}

/** Models recognised by their bytes: a long table names a few models over and over. */
const MODEL_MEMOS = 64;

/**
 * The long format's row reader on byte views. Rows of one query usually follow each other and name a few
 * models, so ids and tasks are matched against the bytes of earlier rows and decoded only when new; plain
 * numbers are read from bytes. Everything else goes through the same string path as other readers, so
 * values and errors are identical.
 */
function longViewReader(
  b: LongTableBuilder,
  file: string,
  cQ: number,
  cM: number,
  cTask: number | undefined,
  metricCols: number[],
  vals: Float64Array,
): (v: RecordView) => void {
  const lastQuery = new FieldMemo();
  const lastTask = new FieldMemo();
  const models: FieldMemo[] = [];
  const order = new ModelOrder();
  return (v) => {
    const line = v.line;
    let q: number;
    if (lastQuery.matches(v, cQ)) q = lastQuery.index;
    else {
      q = b.query(strictFieldText(v, cQ, file, 'query_id').trim(), line);
      lastQuery.remember(v, cQ, q);
      lastTask.len = -1;
    }
    let m = order.guess(v, cM);
    for (let j = 0; m < 0 && j < models.length; j++) {
      if (models[j].matches(v, cM)) {
        m = models[j].index;
        break;
      }
    }
    if (m < 0) {
      m = b.model(strictFieldText(v, cM, file, 'model_id').trim(), line);
      if (models.length < MODEL_MEMOS) {
        const memo = new FieldMemo();
        memo.remember(v, cM, m);
        models.push(memo);
      }
    }
    order.seen(v, cM, m);
    // The same task bytes as this query's previous row were already recorded and checked.
    if (cTask !== undefined && !lastTask.matches(v, cTask)) {
      const task = strictFieldText(v, cTask, file, 'task').trim();
      if (task === '') throw new DataError('empty task', file, line, 'task');
      b.setTask(q, task, line);
      lastTask.remember(v, cTask, q);
    }
    for (let k = 0; k < N_METRICS; k++) {
      const c = metricCols[k];
      if (c < 0) {
        vals[k] = Number.NaN;
        continue;
      }
      const col = LONG_METRIC_COLUMNS[k];
      let x = v.flags[c] & F_ESCAPED ? Number.NaN : parseNumberBytes(v.buf, v.start[c], v.end[c]);
      // Empty cells, long mantissas and anything malformed: the string parser decides, as for other readers.
      if (Number.isNaN(x)) {
        x = parseNumber(fieldText(v, c), file, line, col);
        if (k === K_ACC && Number.isNaN(x)) throw new DataError(EMPTY_ACCURACY, file, line, col);
      }
      checkMetric(k, x, file, line, col);
      vals[k] = x;
    }
    b.add(q, m, vals, line);
  };
}
