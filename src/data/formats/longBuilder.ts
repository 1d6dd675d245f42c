/**
 * The builder shared by every row-oriented reader of the long layout (long CSV/JSONL, long Arrow/Parquet,
 * pg dump, recovered logs): collects (query, model) outcomes and assembles the dense table.
 */
import { DataError } from '../../core/errors.js';
import { hasControl, jsonQuoted } from '../../core/escape.js';
import { makePoolTable, type ModelInfo, type PoolTable, type QueryEmbedding } from '../pool.js';
import { someOf, truncate } from './text.js';
import { GrowF64, GrowI32 } from '../grow.js';
import { IdIndex } from '../idIndex.js';
import { NameIndex } from '../nameIndex.js';
import { RowLines } from '../rowLines.js';
import { F32, F64, MetricBuffer, U8, type AccuracyColumn } from '../columns.js';

/** Metric columns of the long format, in the order the builder stores them. */
export const LONG_METRIC_COLUMNS = ['accuracy', 'energy_j', 'latency_s', 'input_tokens', 'output_tokens', 'cost_usd'] as const;
export const K_ACC = 0;
export const K_ENERGY = 1;
export const K_LATENCY = 2;
export const K_IN = 3;
export const K_OUT = 4;
export const K_COST = 5;
export const N_METRICS = 6;

/** Tables up to this many (query, model) cells load whatever their coverage. */
const MAX_SPARSE_CELLS = 1_000_000;
/** Beyond that, at most this many cells per row (coverage of at least 1%). */
const MIN_COVERAGE_RATIO = 100;

/** Task used when a table names none. */
export const DEFAULT_TASK = 'all';

/** Range check shared by all readers; `v` is already finite or NaN. */
export function checkMetric(k: number, v: number, file: string, line: number | undefined, column: string): void {
  if (Number.isNaN(v)) return;
  if (k === K_ACC) {
    if (v < 0 || v > 1) throw new DataError(`accuracy ${v} is outside [0, 1]`, file, line, column);
  } else if (v < 0) {
    throw new DataError(`${LONG_METRIC_COLUMNS[k]} ${v} is negative`, file, line, column);
  }
}

export interface QueryMeta {
  id: string;
  task: string | null;
  text: string | null;
  cluster: number;
  complexity: number;
  /** The query's user-supplied embedding (queries file emb_j columns). */
  embedding?: Float64Array;
}

interface BuilderOptions {
  /** 'error': conflicting duplicate (query, model) rows are a DataError; 'average': mean over duplicates. */
  duplicates?: 'error' | 'average';
  /** Message for averaged duplicates (`{n}` is replaced by the pair count). */
  averageWarning?: string;
  warn?: (msg: string) => void;
  /** Narrowest float storage of metric k (src/data/columns.ts); text sources: F32 (the 6-digit rule). */
  minKind?: (k: number) => typeof F32 | typeof F64;
  /** What an earlier row's number counts in messages: a text file's line, a binary table's (Arrow, Parquet) row. */
  rowWord?: 'line' | 'row';
}

export class LongTableBuilder {
  private qIndex = new IdIndex((i) => this.qIds[i]);
  // Per-query metadata is held in columns, not one object per query: a load creates tens of thousands of
  // queries mid-parse, and that many small survivors make V8 grow its young generation to full size.
  private qIds: string[] = [];
  /** Each query's task as an index into tasks, −1 while it has none. */
  private qTask = new GrowI32();
  private tasks = new NameIndex();
  /** Query texts, made when the first one is given (null: none so far). */
  private qTexts: (string | null)[] | null = null;
  private qEmb: Float64Array[] | null = null;
  private qCluster = new GrowI32();
  private qComplexity = new GrowF64(1024);
  /** Task names first given by a row (checked for control characters then). */
  private taskNames = new Set<string>();
  /** Line of the row that first gave each query's task (0: the queries file). */
  private qTaskLine = new GrowI32();
  private queriesFile: string | null = null;
  private queriesLabel = '';
  private mIndex = new Map<string, number>();
  private models: ModelInfo[] = [];
  private modelsFile: string | null = null;
  private modelsLabel = '';
  private rq = new GrowI32();
  private rm = new GrowI32();
  private rline = new RowLines();
  /** Row values, one buffer per stored metric kind, so build() can release each once it is in the table; each sized to its values (src/data/columns.ts). */
  private rv: MetricBuffer[] = [];
  /** Which metric columns exist in the source (absent ones become NaN, cost becomes null). */
  readonly hasMetric: boolean[] = [true, false, false, false, false, false];
  hasText = false;

  constructor(
    readonly name: string,
    readonly file: string,
    private readonly opts: BuilderOptions = {},
  ) {}

  /** Fix the query list and order (queries file); rows naming other queries are then an error. */
  setQueries(list: QueryMeta[], file: string, label = `the queries file ${file}`): void {
    this.queriesFile = file;
    this.queriesLabel = label;
    if (list.length > 0 && list[0].embedding) this.qEmb = list.map((q) => q.embedding!);
    for (const q of list) {
      this.qIndex.set(q.id, this.qIds.length);
      this.pushQuery(q.id, q.task, q.text, q.cluster, q.complexity);
      if (q.text !== null) this.hasText = true;
    }
  }

  /** Fix the model list and order (models file). */
  setModels(list: ModelInfo[], file: string, label = `the models file ${file}`): void {
    this.modelsFile = file;
    this.modelsLabel = label;
    for (const m of list) {
      this.mIndex.set(m.id, this.models.length);
      this.models.push(m);
    }
  }

  private pushQuery(id: string, task: string | null, text: string | null, cluster: number, complexity: number): void {
    if (text !== null && this.qTexts === null) this.qTexts = new Array<string | null>(this.qIds.length).fill(null);
    this.qIds.push(id);
    this.qTask.push(task === null ? -1 : this.tasks.of(task));
    this.qTexts?.push(text);
    this.qCluster.push(cluster);
    const at = this.qComplexity.reserve(1); // before reading `.a`: reserve may replace it
    this.qComplexity.a[at] = complexity;
    this.qTaskLine.push(0);
  }

  /** Pre-size the row buffers when the row count is known (columnar sources). */
  reserveRows(n: number): void {
    this.rq.ensure(n);
    this.rm.ensure(n);
    for (const g of this.rowBuffers()) g.ensure(n);
  }

  /** The metric kinds stored per row, fixed on first use from `hasMetric`, and their row buffers. */
  private rowBuffers(): MetricBuffer[] {
    const kinds = (this.kinds ??= this.hasMetric.flatMap((h, k) => (h ? [k] : [])));
    // averaged duplicates are sums: kept in full precision
    const wide = this.opts.duplicates === 'average';
    if (this.rv.length !== kinds.length) {
      this.rv = kinds.map((k) => {
        const kind = wide ? F64 : (this.opts.minKind?.(k) ?? F32);
        return new MetricBuffer(k === K_ACC && !wide ? U8 : kind, 4096, kind === F64);
      });
    }
    return this.rv;
  }

  /** Index of a query, adding it (in order of first appearance) when no queries file fixed the list. */
  query(id: string, line: number | undefined, column = 'query_id'): number {
    let q = this.qIndex.get(id);
    if (q === undefined) {
      if (id === '') throw new DataError('empty query id', this.file, line, column);
      this.unprintable ??= unprintable('query id', id, this.file, line, column);
      if (this.queriesFile !== null) {
        throw new DataError(`query '${truncate(id)}' is not in ${this.queriesLabel}`, this.file, line, column);
      }
      q = this.qIds.length;
      this.qIndex.set(id, q);
      this.pushQuery(id, null, null, -1, Number.NaN);
    }
    return q;
  }

  model(id: string, line: number | undefined, column = 'model_id'): number {
    let m = this.mIndex.get(id);
    if (m === undefined) {
      if (id === '') throw new DataError('empty model id', this.file, line, column);
      this.unprintable ??= unprintable('model id', id, this.file, line, column);
      if (this.modelsFile !== null) {
        throw new DataError(`model '${truncate(id)}' is not in ${this.modelsLabel}`, this.file, line, column);
      }
      m = this.models.length;
      this.mIndex.set(id, m);
      this.models.push({ id, name: id, paramsB: Number.NaN });
    }
    return m;
  }

  /** Record the task a row gives for its query; conflicting tasks for one query are an error. */
  setTask(q: number, task: string, line: number | undefined, column = 'task'): void {
    const k = this.qTask.a[q];
    const prev = k < 0 ? null : this.tasks.names[k];
    if (prev === null) {
      if (!this.taskNames.has(task)) {
        this.unprintable ??= unprintable('task', task, this.file, line, column);
        this.taskNames.add(task);
      }
      this.qTask.a[q] = this.tasks.of(task);
      this.qTaskLine.a[q] = line ?? 0;
    } else if (prev !== task) {
      const where = this.qTaskLine.a[q] > 0 ? ` on ${this.opts.rowWord ?? 'line'} ${this.qTaskLine.a[q]}` : ' in the queries file';
      throw new DataError(`query '${truncate(this.qIds[q])}' has task '${task}' here but '${prev}'${where}`, this.file, line, column);
    }
  }

  /** The first id or task with a control character: reported once the rows are read, so other errors keep their order. */
  private unprintable: DataError | null = null;

  /** Metric kinds stored per row: only the columns the source has (fixed at the first row, saves memory). */
  private kinds: number[] | null = null;

  /** Append one outcome; `vals` holds the six metrics (NaN = unknown), already range-checked. */
  add(q: number, m: number, vals: ArrayLike<number>, line: number): void {
    const rv = this.rv.length ? this.rv : this.rowBuffers();
    const kinds = this.kinds!;
    this.rq.push(q);
    this.rm.push(m);
    this.rline.push(line);
    for (let j = 0; j < kinds.length; j++) rv[j].push(vals[kinds[j]]);
  }

  build(): PoolTable {
    if (this.unprintable) throw this.unprintable;
    const nRows = this.rq.n;
    if (nRows === 0) throw new DataError('no data rows (header only?)', this.file);
    const Q = this.qIds.length;
    const M = this.models.length;
    const n = Q * M;
    // The table is dense (Q × M cells): rows that keep naming new queries and models would make a small
    // file describe billions of cells. Any table up to a million cells is fine; beyond, ask for 1% coverage.
    if (n > MAX_SPARSE_CELLS && n > MIN_COVERAGE_RATIO * nRows) {
      throw new DataError(
        `${Q} queries × ${M} models make ${n} cells, but only ${nRows} rows fill them (coverage ${((100 * nRows) / n).toPrecision(2)}%): too sparse to hold as a table`,
        this.file,
      );
    }
    const kinds = this.kinds ?? [];
    const cellRow = new Int32Array(n).fill(-1);
    const average = this.opts.duplicates === 'average';
    const K = kinds.length;
    let identical = 0;
    const averagedCells = new Set<number>();
    // First the rows' cells: the first row of each, and duplicates checked (or marked for averaging)
    {
      const rq = this.rq.a;
      const rm = this.rm.a;
      const rv = this.rv.map((g) => g.a);
      const exact = (j: number, r: number): number => this.rv[j].exact(r);
      for (let r = 0; r < nRows; r++) {
        const i = rq[r] * M + rm[r];
        const prev = cellRow[i];
        if (prev < 0) {
          cellRow[i] = r;
          continue;
        }
        if (average) {
          averagedCells.add(i);
          continue;
        }
        for (let j = 0; j < K; j++) {
          const a = rv[j][prev];
          const b = rv[j][r];
          if (!(a === b || (Number.isNaN(a) && Number.isNaN(b)))) {
            const k = kinds[j];
            throw new DataError(
              `conflicting duplicate rows for query '${truncate(this.qIds[rq[r]])}', model '${this.models[rm[r]].id}': ` +
                `${LONG_METRIC_COLUMNS[k]} is ${fmt(exact(j, r))} here but ${fmt(exact(j, prev))} on ${this.opts.rowWord ?? 'line'} ${this.rline.at(prev)}`,
              this.file,
              this.rline.at(r),
              LONG_METRIC_COLUMNS[k],
            );
          }
        }
        identical++;
      }
    }
    if (!average) {
      // the first row of each cell is all that is kept: row ids go before any column is allocated
      this.rq.release();
      this.rm.release();
    }
    this.rline.release();
    // Then one metric column at a time, each row buffer released once its column is filled, so rows and
    // table never coexist whole. Only the source's columns are made here; makePoolTable makes absent ones.
    const cols: (AccuracyColumn | null)[] = new Array<AccuracyColumn | null>(N_METRICS).fill(null);
    for (let j = 0; j < K; j++) {
      const v = this.rv[j].a;
      // the column has the storage its row values needed; missing cells are NaN (0 in a Uint8Array, see `present`)
      const col = new (v.constructor as new (n: number) => AccuracyColumn)(n);
      if (!(col instanceof Uint8Array)) col.fill(Number.NaN);
      if (average) {
        const rq = this.rq.a;
        const rm = this.rm.a;
        const cnt = new Uint32Array(n);
        for (let r = 0; r < nRows; r++) {
          if (Number.isNaN(v[r])) continue;
          const i = rq[r] * M + rm[r];
          col[i] = cnt[i] === 0 ? v[r] : col[i] + v[r];
          cnt[i]++;
        }
        for (const i of averagedCells) if (cnt[i] > 1) col[i] /= cnt[i];
      } else {
        for (let i = 0; i < n; i++) if (cellRow[i] >= 0) col[i] = v[cellRow[i]];
      }
      this.rv[j].release();
      cols[kinds[j]] = col;
    }
    this.rq.release();
    this.rm.release();
    if (average && averagedCells.size > 0) {
      const msg = this.opts.averageWarning ?? '{n} (query, model) pairs appear in several rows; their metrics were averaged';
      this.opts.warn?.(`${this.file}: ${msg.replace('{n}', String(averagedCells.size))}`);
    }
    if (identical > 0) this.opts.warn?.(`${this.file}: ${identical} exact duplicate row(s) ignored`);

    // Queries listed in a queries file without any outcome are dropped: nothing can be simulated for them.
    const keep: number[] = [];
    for (let q = 0; q < Q; q++) {
      let any = false;
      for (let m = 0; m < M && !any; m++) any = cellRow[q * M + m] >= 0;
      if (any) keep.push(q);
    }
    const present = new Uint8Array(n);
    for (let i = 0; i < n; i++) present[i] = cellRow[i] >= 0 ? 1 : 0;
    let out = cols;
    let keptPresent = present;
    let ids = this.qIds;
    // the query fields as they are kept: task indices, texts where any was given
    const qTask = this.qTask.a;
    let taskOf = (j: number): number => qTask[j];
    let texts = this.qTexts ?? [];
    let cluster = this.qCluster.toArray();
    let complexity = this.qComplexity.toArray();
    if (keep.length < Q) {
      this.opts.warn?.(`${this.queriesFile ?? this.file}: ${Q - keep.length} of ${Q} queries have no outcomes and were dropped`);
      ids = keep.map((q) => this.qIds[q]);
      taskOf = (j) => qTask[keep[j]];
      texts = keep.map((q) => this.qTexts?.[q] ?? null);
      cluster = Int32Array.from(keep, (q) => cluster[q]);
      complexity = Float64Array.from(keep, (q) => complexity[q]);
      const pick = <A extends AccuracyColumn>(c: A): A => {
        const d = new (c.constructor as new (n: number) => A)(keep.length * M);
        keep.forEach((q, j) => d.set(c.subarray(q * M, (q + 1) * M) as never, j * M));
        return d;
      };
      out = cols.map((c) => (c ? pick(c) : null));
      keptPresent = pick(present);
    }
    const unused = this.models.filter((_, m) => {
      for (let q = 0; q < Q; q++) if (cellRow[q * M + m] >= 0) return false;
      return true;
    });
    if (unused.length > 0) {
      this.opts.warn?.(`${this.modelsFile ?? this.file}: model(s) without any outcome: ${someOf(unused.map((m) => m.id))}`);
    }
    const nKept = ids.length;
    let hasTask = false;
    let missing = -1;
    for (let j = 0; j < nKept; j++) {
      if (taskOf(j) >= 0) hasTask = true;
      else if (missing < 0) missing = j;
    }
    if (hasTask && missing >= 0) throw new DataError(`query '${truncate(ids[missing])}' has no task`, this.file, undefined, 'task');
    const queryTasks = new Array<string>(nKept);
    for (let j = 0; j < nKept; j++) queryTasks[j] = hasTask ? this.tasks.names[taskOf(j)] : DEFAULT_TASK;
    this.qTask.release();
    let embedding: QueryEmbedding | undefined;
    if (this.qEmb) {
      const rows = keep.length < Q ? keep.map((q) => this.qEmb![q]) : this.qEmb;
      const dim = rows[0].length;
      const values = new Float64Array(rows.length * dim);
      rows.forEach((r, j) => values.set(r, j * dim));
      embedding = { dim, values };
    }
    return makePoolTable({
      name: this.name,
      ...(embedding ? { embedding } : {}),
      queryIds: ids,
      queryTasks,
      queryText: this.hasText ? texts : null,
      cluster,
      complexity,
      models: this.models,
      accuracy: out[K_ACC]!,
      energyJ: metric(out[K_ENERGY]),
      latencyS: metric(out[K_LATENCY]),
      inputTokens: metric(out[K_IN]),
      outputTokens: metric(out[K_OUT]),
      costUsd: metric(out[K_COST]) ?? null,
      present: keptPresent,
    });
  }
}

/** A metric column (only accuracy starts as bytes, so others are never a Uint8Array). */
function metric(c: AccuracyColumn | null): Float32Array | Float64Array | undefined {
  if (c instanceof Uint8Array) throw new Error('metric column stored as bytes');
  return c ?? undefined;
}

function fmt(v: number): string {
  return Number.isNaN(v) ? 'empty' : String(v);
}

/** Checked where an id is first met, so the message names its line (loadTable checks every table again). */
function unprintable(what: string, v: string, file: string, line: number | undefined, column: string): DataError | null {
  return hasControl(v) ? new DataError(`${what} ${jsonQuoted(v)} contains a control character; ids and names must be printable`, file, line, column) : null;
}
