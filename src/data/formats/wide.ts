/**
 * Wide tables: one row per query, metric columns per model. Two column conventions are read:
 * - RouterBench: `sample_id, prompt, eval_name`, a bare correctness column per model, `<model>|total_cost`,
 *   `<model>|model_response` (ignored), `oracle_model_to_route_to` (ignored), an unnamed index column;
 * - GreenServ wide (what `datasets convert` writes to Arrow/Parquet): `query_id, task, text, cluster,
 *   complexity` and `<model>|accuracy`, `<model>|energy_j`, `<model>|latency_s`, `<model>|input_tokens`,
 *   `<model>|output_tokens`, `<model>|cost_usd`.
 * Rows repeating a query id are merged cell by cell (RouterBench splits some prompts over two rows with
 * complementary empty cells): per model, metrics come from the row that holds the score, and two scored
 * rows that disagree (beyond MERGE_TOLERANCE) are an error.
 */
import { DataError } from '../../core/errors.js';
import { makePoolTable, type PoolTable } from '../pool.js';
import type { AccuracyColumn, MetricColumn } from '../columns.js';
import { LONG_METRIC_COLUMNS, N_METRICS, K_ACC, K_COST, checkMetric, DEFAULT_TASK } from './longBuilder.js';
import { cellText, someOf, truncate, type Cell } from './text.js';
import { decodePythonStringList } from './pyrepr.js';
import type { WideLayout } from './wideLayout.js';
import { WideState, type WideBuilderOptions } from './wideState.js';

export { decodePythonStringList };
export { classifyWideColumns, isWideHeader, type WideLayout } from './wideLayout.js';

/** The row reader of wide tables (the column fill and the state it shares are in wideState.ts). */
export class WideTableBuilder extends WideState {
  private readonly scratch: Float64Array;

  constructor(name: string, file: string, layout: WideLayout, opts: WideBuilderOptions = {}) {
    super(name, file, layout, opts);
    this.scratch = new Float64Array(N_METRICS * this.M);
    if (layout.ignored.length > 0) opts.warn?.(`${file}: ignoring column(s): ${someOf(layout.ignored)}`);
  }

  /**
   * An emb_j cell: an empty one reads as NaN (EmbeddingRows refuses it as empty); a stored NaN is refused
   * here as what it is, not called empty.
   */
  private embNum(v: Cell, line: number, column: string): number {
    if (typeof v === 'number' && Number.isNaN(v)) throw new DataError('embedding value is not a number (NaN): every component of an embedding needs a finite number', this.file, line, column);
    return this.num(v, line, column);
  }

  /** Add one row; `cell(i)` returns the value of column i (`raw(i)` its value before text conversion, for lists). */
  addRow(cell: (col: number) => Cell, line: number, columnName: (col: number) => string, raw?: (col: number) => unknown): void {
    const L = this.layout;
    const M = this.M;
    const row = this.scratch;
    for (const k of this.kinds) {
      const cols = L.metricCols[k];
      for (let m = 0; m < M; m++) {
        const c = cols[m];
        let v = Number.NaN;
        if (c >= 0) {
          v = this.num(cell(c), line, columnName(c));
          checkMetric(k, v, this.file, line, columnName(c));
        }
        row[k * M + m] = v;
      }
    }
    this.commit(cell, line, columnName, raw);
  }

  /** Dedupe/merge the row in `scratch` and record its query fields. */
  private commit(cell: (col: number) => Cell, line: number, columnName: (col: number) => string, raw?: (col: number) => unknown): void {
    const L = this.layout;
    const M = this.M;
    const row = this.scratch;
    const id = (cellText(cell(L.idCol)) ?? '').trim();
    if (id === '') throw new DataError('empty query id', this.file, line, columnName(L.idCol));
    let any = false;
    for (let m = 0; m < M; m++) if (!Number.isNaN(row[K_ACC * M + m])) any = true;
    const prev = this.idIndex.get(id);
    if (prev !== undefined) {
      this.repeatedRows++;
      if (this.emb) this.sameEmbedding(prev, cell, line, id, columnName, raw);
      this.merge(prev, row, line, id, columnName);
      return;
    }
    if (!any) {
      this.skippedEmpty++;
      return;
    }
    this.idIndex.set(id, this.nq);
    this.ids[this.nq++] = id;
    this.rowLine.push(line);
    let task = -1;
    if (L.taskCol >= 0) {
      const name = (cellText(cell(L.taskCol)) ?? '').trim();
      if (name === '') throw new DataError('empty task', this.file, line, columnName(L.taskCol));
      task = this.tasks.of(name);
    }
    this.taskOf.push(task);
    if (this.texts) {
      let text = cellText(cell(L.textCol));
      if (text !== null && L.decodePrompt) text = decodePythonStringList(text);
      this.texts.push(text);
    }
    let cluster = -1;
    if (L.clusterCol >= 0) {
      const c = this.num(cell(L.clusterCol), line, 'cluster');
      if (!Number.isNaN(c)) {
        if (!Number.isInteger(c) || c < -1) throw new DataError(`cluster ${c} is not an integer ≥ -1`, this.file, line, 'cluster');
        cluster = c;
      }
    }
    this.clusters.push(cluster);
    this.complexities.push(L.complexityCol >= 0 ? this.num(cell(L.complexityCol), line, 'complexity') : Number.NaN);
    if (this.emb) {
      if (L.embeddingCol >= 0) this.emb.addList(raw ? raw(L.embeddingCol) : cell(L.embeddingCol), line, columnName(L.embeddingCol));
      else this.emb.addColumns(L.embCols, (c) => this.embNum(cell(c), line, columnName(c)), line, columnName);
    }
    for (let m = 0; m < M; m++) this.scored.push(Number.isNaN(row[K_ACC * M + m]) ? 0 : 1);
    for (let j = 0; j < this.kinds.length; j++) {
      const from = this.kinds[j] * M;
      const col = this.cols[j];
      for (let m = 0; m < M; m++) {
        const v = row[from + m];
        col.push(j === 0 && Number.isNaN(v) ? 0 : v);
      }
    }
  }

  /**
   * A row repeating query q may leave the embedding empty; one it gives is checked as any row's and must be
   * the stored one (within sameNumber), so no row's embedding is dropped unread.
   */
  private sameEmbedding(q: number, cell: (col: number) => Cell, line: number, id: string, columnName: (col: number) => string, raw?: (col: number) => unknown): void {
    const L = this.layout;
    const emb = this.emb!;
    const list = L.embeddingCol >= 0;
    // a repeating row whose emb_j cells are all missing (empty, or NaN where NaN marks missing) gives none
    const blank = (c: number): boolean => {
      const v = cell(c);
      return v === null || (typeof v === 'string' && v.trim() === '') || (this.opts.nanIsMissing === true && typeof v === 'number' && Number.isNaN(v));
    };
    const xs = list
      ? emb.repeatList(raw ? raw(L.embeddingCol) : cell(L.embeddingCol), line, columnName(L.embeddingCol))
      : L.embCols.every(blank)
        ? null
        : emb.repeatColumns(L.embCols, (c) => this.embNum(cell(c), line, columnName(c)), line, columnName);
    if (xs === null) return;
    const stored = emb.row(q);
    const j = xs.findIndex((x, k) => !sameNumber(x, stored[k]));
    if (j < 0) return;
    throw new DataError(
      `query '${truncate(id)}' repeats with a different embedding (value ${j}: ${xs[j]} here, ${stored[j]} on ${this.opts.rowWord ?? 'line'} ${this.rowLine.a[q]})`,
      this.file,
      line,
      columnName(list ? L.embeddingCol : L.embCols[j]),
    );
  }

  /**
   * A model column with no filled cell (a column of nothing, or a stray column read as a model) is warned
   * about, named (the first ten).
   */
  private checkModelsFilled(scored: Uint8Array, Q: number): void {
    const M = this.M;
    const filled = new Uint8Array(M);
    for (let i = 0; i < Q * M; i++) if (scored[i]) filled[i % M] = 1;
    const empty = this.layout.models.filter((_, m) => !filled[m]).map((m) => m.id);
    // (every model empty cannot happen here: rows with no correctness value are skipped, and a table of
    // none is refused as 'no row has any correctness value')
    if (empty.length === 0) return;
    this.opts.warn?.(
      `${this.file}: ${empty.length} of ${M} model column(s) have no filled cell: ${someOf(empty)}; ` +
        `every column not otherwise known is read as a model's correctness, and a policy choosing one of these scores 0 (drop the columns)`,
    );
  }

  /** Stored value of kind j (index into `kinds`) for cell i, as loaded; NaN where missing. */
  private get(j: number, i: number): number {
    if (j === 0 && !this.scored.a[i]) return Number.NaN;
    return this.cols[j].exact(i);
  }

  private put(j: number, i: number, v: number): void {
    if (j === 0) {
      this.scored.set(i, Number.isNaN(v) ? 0 : 1);
      if (Number.isNaN(v)) v = 0;
    }
    this.cols[j].set(i, v);
  }

  /**
   * Merge a row into the stored row of the same query. Per model, metrics come from the row that holds the
   * score: values a row without a score gives are discarded (they are counted when they differ from the
   * scored row's); two scored rows must agree within `sameNumber`.
   */
  private merge(q: number, row: Float64Array, line: number, id: string, columnName: (col: number) => string): void {
    const M = this.M;
    const K = this.kinds.length;
    for (let m = 0; m < M; m++) {
      const i = q * M + m;
      // Accuracy is always the first stored kind.
      const rowScored = !Number.isNaN(row[K_ACC * M + m]);
      const storedScored = this.scored.a[i] === 1;
      if (!rowScored || !storedScored) {
        for (let j = 1; j < K; j++) {
          const x = this.get(j, i);
          const y = row[this.kinds[j] * M + m];
          if ((rowScored || storedScored) && !Number.isNaN(x) && !Number.isNaN(y) && !sameNumber(x, y)) this.discarded[j]++;
        }
        if (rowScored) {
          this.kinds.forEach((k, j) => this.put(j, i, row[k * M + m]));
          this.mergedCells++;
        } else if (!storedScored) {
          // Neither row scores this model yet: keep the first values given, to compare with a later scored row.
          for (let j = 1; j < K; j++) if (Number.isNaN(this.get(j, i))) this.put(j, i, row[this.kinds[j] * M + m]);
        }
        continue;
      }
      for (let j = 0; j < K; j++) {
        const k = this.kinds[j];
        const x = this.get(j, i);
        const y = row[k * M + m];
        if (!sameNumber(x, y)) {
          const col = this.layout.metricCols[k][m];
          const word = this.opts.rowWord ?? 'line';
          throw new DataError(
            `query '${truncate(id)}' repeats with a different ${LONG_METRIC_COLUMNS[k]} for model '${this.layout.models[m].id}' (${y} here, ${x} on ${word} ${this.rowLine.a[q]})`,
            this.file,
            line,
            columnName(col),
          );
        }
      }
    }
  }

  build(): PoolTable {
    const L = this.layout;
    const M = this.M;
    const Q = this.nq;
    this.ids.length = Q;
    if (Q === 0) {
      throw new DataError(this.skippedEmpty > 0 ? 'no row has any correctness value' : 'no data rows (header only?)', this.file);
    }
    if (this.skippedEmpty > 0) this.opts.warn?.(`${this.file}: ${this.skippedEmpty} row(s) with every correctness cell empty skipped`);
    if (this.repeatedRows > 0) {
      this.opts.warn?.(
        `${this.file}: ${this.repeatedRows} row(s) repeat a query id with empty correctness cells; ` +
          `their ${this.mergedCells} filled cell(s) were merged into the first row for that id`,
      );
    }
    const dropped = this.kinds.map((k, j) => [LONG_METRIC_COLUMNS[k], this.discarded[j]] as const).filter(([, c]) => c > 0);
    if (dropped.length > 0) {
      const total = dropped.reduce((s, [, c]) => s + c, 0);
      this.opts.warn?.(
        `${this.file}: ${total} value(s) (${dropped.map(([n, c]) => `${n}: ${c}`).join(', ')}) in rows without a score for the model ` +
          `differ from the scored row of the same query and were discarded; metrics come from the row that holds the score`,
      );
    }
    const n = Q * M;
    // The buffers become the table's columns (no copy); absent kinds stay absent.
    const scored = this.scored.column(n) as Uint8Array;
    this.checkModelsFilled(scored, Q);
    const unscored: { cell: number[]; metric: number[]; value: number[] } = { cell: [], metric: [], value: [] };
    for (let i = 0; i < n; i++) {
      if (scored[i]) continue;
      // Metrics of a cell without an outcome are not used (RouterBench lists costs for them); they are
      // kept aside so that merging the other half of a split prompt from another file can check them.
      for (let j = 1; j < this.kinds.length; j++) {
        const v = this.cols[j].exact(i);
        if (!Number.isNaN(v)) {
          unscored.cell.push(i);
          unscored.metric.push(this.kinds[j]);
          unscored.value.push(v);
        }
      }
    }
    const cols: (AccuracyColumn | undefined)[] = new Array<AccuracyColumn | undefined>(N_METRICS);
    this.kinds.forEach((k, j) => {
      const c = this.cols[j].column(n);
      if (!(c instanceof Uint8Array)) for (let i = 0; i < n; i++) if (!scored[i]) c[i] = Number.NaN;
      cols[k] = c;
    });
    const metric = (k: number): MetricColumn | undefined => cols[k] as MetricColumn | undefined;
    const taskOf = this.taskOf.a;
    const queryTasks = new Array<string>(Q);
    for (let q = 0; q < Q; q++) queryTasks[q] = taskOf[q] < 0 ? DEFAULT_TASK : this.tasks.names[taskOf[q]];
    const cluster = this.clusters.toArray();
    const complexity = this.complexities.toArray();
    for (const g of [this.rowLine, this.taskOf, this.clusters, this.complexities]) g.release();
    const models = L.models.map((m) => this.opts.modelInfo?.get(m.id) ?? m);
    return makePoolTable({
      name: this.name,
      queryIds: this.ids,
      queryTasks,
      queryText: this.texts,
      cluster,
      complexity,
      models,
      accuracy: cols[K_ACC]!,
      energyJ: metric(1),
      latencyS: metric(2),
      inputTokens: metric(3),
      outputTokens: metric(4),
      costUsd: metric(K_COST) ?? null,
      present: scored,
      taskBounds: this.opts.taskBounds,
      ...(this.emb ? { embedding: this.emb.build() } : {}),
      unscored:
        unscored.cell.length > 0
          ? { cell: Int32Array.from(unscored.cell), metric: Uint8Array.from(unscored.metric), value: Float64Array.from(unscored.value) }
          : undefined,
    });
  }
}

/** Relative tolerance when the same value arrives twice (from split rows or from two files). */
export const MERGE_TOLERANCE = 1e-12;

/** Equal, both missing, or within MERGE_TOLERANCE of each other relative to the larger magnitude. */
export function sameNumber(a: number, b: number): boolean {
  if (a === b) return true;
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  return Math.abs(a - b) <= MERGE_TOLERANCE * Math.max(Math.abs(a), Math.abs(b));
}
