/**
 * What a wide table builder (wide.ts) fills, and the fill a column at a time that column-oriented sources
 * use when their table is plain; the row reader and the table assembly are WideTableBuilder's.
 */
import { MetricBuffer, F32, F64, U8 } from '../columns.js';
import { GrowF64, GrowI32 } from '../grow.js';
import { IdIndex } from '../idIndex.js';
import { NameIndex } from '../nameIndex.js';
import type { ModelInfo, TaskBounds } from '../pool.js';
import { toCell } from './cell.js';
import { EmbeddingRows } from './embedding.js';
import { K_ACC, N_METRICS } from './longBuilder.js';
import { decodePythonStringList } from './pyrepr.js';
import { cellText, parseNumber, type Cell } from './text.js';
import type { WideLayout } from './wideLayout.js';

export interface WideBuilderOptions {
  warn?: (msg: string) => void;
  /** Treat NaN numbers as missing cells (binary formats written by pandas use NaN for missing). */
  nanIsMissing?: boolean;
  /** Model names / parameter counts by id (from file metadata). */
  modelInfo?: Map<string, ModelInfo>;
  taskBounds?: Map<string, TaskBounds>;
  /** What a row number is called in messages (line for text files, row for binary ones). */
  rowWord?: 'line' | 'row';
  /** Narrowest float storage of metric k (src/data/columns.ts); text sources: F32 (the 6-digit rule). */
  minKind?: (k: number) => typeof F32 | typeof F64;
}

export class WideState {
  protected readonly M: number;
  protected readonly kinds: number[];
  // Per-query fields are typed columns (task names by index), not arrays of numbers and strings: tens of
  // thousands of queries made mid-load are that many survivors, which make V8 grow its young generation.
  /** Query ids, slots 0 … nq − 1 (the array is pre-sized when the row count is known). */
  protected ids: string[] = [];
  protected nq = 0;
  protected idIndex = new IdIndex((i) => this.ids[i]);
  protected rowLine = new GrowI32();
  /** Each query's task as an index into tasks; −1: the table has no task column. */
  protected taskOf = new GrowI32();
  protected tasks = new NameIndex();
  /** Query texts; null when the layout has no text column. */
  protected texts: (string | null)[] | null = null;
  protected clusters = new GrowI32();
  protected complexities = new GrowF64(1024);
  protected emb: EmbeddingRows | null = null;
  /** Per stored kind, the table column being filled (q*M + m), sized to its values (src/data/columns.ts). */
  protected cols: MetricBuffer[] = [];
  /** 1 where the cell has a score (accuracy may be bytes, which cannot hold NaN). */
  protected scored!: MetricBuffer;
  protected skippedEmpty = 0;
  protected repeatedRows = 0;
  protected mergedCells = 0;
  /** Per stored kind: values from rows without a score that differ from the scored row's (and were dropped). */
  protected discarded: number[] = [];

  constructor(
    readonly name: string,
    readonly file: string,
    readonly layout: WideLayout,
    protected readonly opts: WideBuilderOptions = {},
  ) {
    this.M = layout.models.length;
    this.kinds = [];
    for (let k = 0; k < N_METRICS; k++) if (layout.metricCols[k].some((c) => c >= 0)) this.kinds.push(k);
    this.reset(1024);
  }

  /** Empty row state, room for `rows` rows; what was filled before is released. */
  protected reset(rows: number): void {
    const L = this.layout;
    const opts = this.opts;
    for (const c of this.cols) c.release();
    this.scored?.release();
    for (const g of [this.rowLine, this.taskOf, this.clusters, this.complexities]) g.release();
    this.cols = this.kinds.map((k) => {
      const kind = opts.minKind?.(k) ?? F32;
      return new MetricBuffer(k === K_ACC ? U8 : kind, rows * this.M, kind === F64);
    });
    this.scored = new MetricBuffer(U8, rows * this.M);
    this.discarded = new Array<number>(this.kinds.length).fill(0);
    this.emb = L.embCols.length > 0 || L.embeddingCol >= 0 ? new EmbeddingRows(this.file, opts.rowWord ?? 'line') : null;
    this.ids = [];
    this.nq = 0;
    this.idIndex = new IdIndex((i) => this.ids[i]);
    this.tasks = new NameIndex();
    this.texts = L.textCol >= 0 ? [] : null;
    this.skippedEmpty = this.repeatedRows = this.mergedCells = 0;
  }

  protected num(v: Cell, line: number, column: string): number {
    if (this.opts.nanIsMissing && typeof v === 'number' && Number.isNaN(v)) return Number.NaN;
    return parseNumber(v, this.file, line, column);
  }

  /** Pre-size the columns when the row count is known (columnar sources). */
  reserveRows(n: number): void {
    if (this.scored.n > 0 || this.nq > 0) return;
    for (const c of this.cols) c.ensure(n * this.M);
    this.scored.ensure(n * this.M);
    for (const g of [this.rowLine, this.taskOf, this.clusters]) g.ensure(n);
    this.complexities.ensure(n);
    this.ids = new Array<string>(n);
  }

  /**
   * Fill the builder a column at a time instead of row by row (column-oriented sources): `column(c)`
   * gives every row's value of column c, and only one column needs to be held at a time; numbers are
   * stored as they are read, with no per-row values in between. Only for the plain case, every row a new
   * query id with at least one score and no embedding. Anything else (a repeated id, a row without a score,
   * a value the row reader would refuse) returns false with the builder empty again, and the caller adds
   * the rows one by one, which gives the same table, warnings and errors as it always did.
   */
  async fillColumns(nRows: number, column: (c: number) => Promise<ArrayLike<unknown>>): Promise<boolean> {
    if (this.emb || this.nq > 0 || this.scored.n > 0 || nRows === 0) return false;
    try {
      if (await this.fillColumnsOrFail(nRows, column)) return true;
    } catch {
      // the row reader reports it, in row order
    }
    this.reset(1024);
    return false;
  }

  private async fillColumnsOrFail(nRows: number, column: (c: number) => Promise<ArrayLike<unknown>>): Promise<boolean> {
    // each loop is a method of its own: V8 optimises a small function once, where one long function with
    // many loops is compiled again for each loop it enters
    const L = this.layout;
    const M = this.M;
    this.reserveRows(nRows);
    if (!this.fillIds(await column(L.idCol), nRows)) return false;
    for (let j = 0; j < this.kinds.length; j++) {
      const k = this.kinds[j];
      for (let m = 0; m < M; m++) {
        const c = L.metricCols[k][m];
        // no column: the cells stay missing (NaN; 0 with scored 0 for accuracy), as the row reader leaves them
        if (c >= 0 && !this.fillMetric(await column(c), nRows, j, m)) return false;
      }
      // a row without any score is skipped by the row reader (and counted): not done here
      if (j === 0 && !this.everyRowScored(nRows)) return false;
    }
    const n = nRows * M;
    for (const b of this.cols) b.n = n;
    this.scored.n = n;
    for (let r = 0; r < nRows; r++) this.rowLine.a[r] = r + 1;
    this.rowLine.n = this.taskOf.n = this.clusters.n = this.complexities.n = nRows;
    if (L.taskCol >= 0) {
      if (!this.fillTasks(await column(L.taskCol), nRows)) return false;
    } else this.taskOf.a.fill(-1, 0, nRows);
    if (this.texts) this.texts = this.textsOf(await column(L.textCol), nRows);
    this.clusters.a.fill(-1, 0, nRows);
    if (L.clusterCol >= 0 && !this.fillClusters(await column(L.clusterCol), nRows)) return false;
    if (L.complexityCol >= 0) this.fillComplexities(await column(L.complexityCol), nRows);
    else this.complexities.a.fill(Number.NaN, 0, nRows);
    this.nq = nRows;
    return true;
  }

  private fillIds(col: ArrayLike<unknown>, nRows: number): boolean {
    const ids = this.ids;
    const idIndex = this.idIndex;
    for (let r = 0; r < nRows; r++) {
      const id = (cellText(toCell(col[r])) ?? '').trim();
      if (id === '' || idIndex.has(id)) return false;
      ids[r] = id;
      idIndex.set(id, r);
    }
    return true;
  }

  /** Model m's values of stored kind j; false at a value the row reader would refuse. */
  private fillMetric(col: ArrayLike<unknown>, nRows: number, j: number, m: number): boolean {
    const M = this.M;
    const k = this.kinds[j];
    const buf = this.cols[j];
    const scored = this.scored.a;
    const nanIsMissing = this.opts.nanIsMissing === true;
    for (let r = 0, i = m; r < nRows; r++, i += M) {
      const x = col[r];
      let v: number;
      if (typeof x === 'number') {
        if (x !== x) {
          if (!nanIsMissing) return false;
          continue; // missing: the cell is left as it is (NaN; 0 unscored for accuracy)
        }
        if (x === Infinity || x === -Infinity) return false;
        v = x;
      } else {
        v = this.num(toCell(x), r + 1, '');
        if (v !== v) continue;
      }
      if (k === K_ACC ? v < 0 || v > 1 : v < 0) return false;
      if (j === 0) scored[i] = 1;
      buf.set(i, v);
    }
    return true;
  }

  private everyRowScored(nRows: number): boolean {
    const M = this.M;
    const scored = this.scored.a;
    for (let r = 0; r < nRows; r++) {
      let any = 0;
      for (let i = r * M; i < (r + 1) * M; i++) any |= scored[i];
      if (!any) return false;
    }
    return true;
  }

  private fillTasks(col: ArrayLike<unknown>, nRows: number): boolean {
    const taskOf = this.taskOf.a;
    for (let r = 0; r < nRows; r++) {
      const name = (cellText(toCell(col[r])) ?? '').trim();
      if (name === '') return false;
      taskOf[r] = this.tasks.of(name);
    }
    return true;
  }

  private textsOf(col: ArrayLike<unknown>, nRows: number): (string | null)[] {
    const texts = new Array<string | null>(nRows);
    for (let r = 0; r < nRows; r++) {
      let text = cellText(toCell(col[r]));
      if (text !== null && this.layout.decodePrompt) text = decodePythonStringList(text);
      texts[r] = text;
    }
    return texts;
  }

  private fillClusters(col: ArrayLike<unknown>, nRows: number): boolean {
    const clusters = this.clusters.a;
    for (let r = 0; r < nRows; r++) {
      const c = this.num(toCell(col[r]), r + 1, 'cluster');
      if (Number.isNaN(c)) continue;
      if (!Number.isInteger(c) || c < -1) return false;
      clusters[r] = c;
    }
    return true;
  }

  private fillComplexities(col: ArrayLike<unknown>, nRows: number): void {
    const complexities = this.complexities.a;
    for (let r = 0; r < nRows; r++) complexities[r] = this.num(toCell(col[r]), r + 1, 'complexity');
  }
}
