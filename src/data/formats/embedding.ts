/**
 * User-supplied query embeddings (datasets/README.md): `emb_0 … emb_n` number columns (any format), or one
 * `embedding` column holding a list of numbers per row (Arrow/Parquet lists, numpy vectors in a pickle, or a
 * JSON array in text).
 * Every row must have the same width and finite values; errors name the file, line and column.
 */
import { DataError } from '../../core/errors.js';
import { GrowF64 } from '../grow.js';
import type { QueryEmbedding } from '../pool.js';
import { NDArray } from './pickleValues.js';

/** Widest embedding read (as `embed`'s largest output). */
export const MAX_EMBEDDING_DIM = 4096;

const EMB_COLUMN = /^emb_(\d+)$/;

/** Is this (trimmed, lower-case) column name an embedding column? Such columns are never model names. */
export function isEmbeddingColumn(lc: string): boolean {
  return lc === 'embedding' || EMB_COLUMN.test(lc);
}

/** The `emb_j` columns in j order and the `embedding` column, from a header. */
export function embeddingColumns(columns: readonly string[], lc: readonly string[], file: string): { embCols: Int32Array; embeddingCol: number } {
  const byIndex = new Map<number, number>();
  lc.forEach((c, col) => {
    const m = EMB_COLUMN.exec(c);
    if (!m) return;
    const j = Number(m[1]);
    if (byIndex.has(j)) throw new DataError(`two columns are emb_${j}`, file, 1, columns[col]);
    byIndex.set(j, col);
  });
  const n = byIndex.size;
  if (n > MAX_EMBEDDING_DIM) throw new DataError(`${n} emb_ columns; at most ${MAX_EMBEDDING_DIM} are read`, file, 1);
  const embCols = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    const col = byIndex.get(j);
    if (col === undefined) {
      // name a column numbered past the n given (one must be): the likely misnumbered one
      const after = Math.min(...[...byIndex.keys()].filter((i) => i >= n));
      throw new DataError(`embedding columns must run emb_0 … emb_n without gaps; emb_${j} is missing`, file, 1, columns[byIndex.get(after)!]);
    }
    embCols[j] = col;
  }
  const embeddingCol = lc.indexOf('embedding');
  if (embeddingCol >= 0 && n > 0) throw new DataError('give the embedding either as an embedding list column or as emb_0 … emb_n columns, not both', file, 1, columns[embeddingCol]);
  return { embCols, embeddingCol };
}

/** Rows of an embedding as a loader meets them. */
export class EmbeddingRows {
  private vals = new GrowF64();
  private dim = -1;
  private firstLine = 0;
  private n = 0;

  constructor(
    private readonly file: string,
    private readonly rowWord: 'line' | 'row',
  ) {}

  private width(d: number, line: number, column: string): void {
    if (this.dim < 0) {
      if (d < 1 || d > MAX_EMBEDDING_DIM) throw new DataError(`embedding has ${d} values (1..${MAX_EMBEDDING_DIM} allowed)`, this.file, line, column);
      this.dim = d;
      this.firstLine = line;
    } else if (d !== this.dim) {
      throw new DataError(`embedding has ${d} values, expected ${this.dim} (as on ${this.rowWord} ${this.firstLine})`, this.file, line, column);
    }
  }

  private finite(v: number, line: number, column: string): void {
    // an empty cell reads as NaN: an embedding has no unknown values, every component needs a number
    if (Number.isNaN(v)) throw new DataError('embedding value is empty: every component of an embedding needs a finite number', this.file, line, column);
    if (!Number.isFinite(v)) throw new DataError(`embedding value ${v} is not a finite number`, this.file, line, column);
  }

  /** Element j of a list: no list element is an empty cell, so a NaN is one stored as such. */
  private finiteElement(v: number, j: number, line: number, column: string): void {
    if (Number.isNaN(v)) throw new DataError(`embedding value ${j} is not a number (NaN): every component of an embedding needs a finite number`, this.file, line, column);
    if (!Number.isFinite(v)) throw new DataError(`embedding value ${j} (${v}) is not a finite number`, this.file, line, column);
  }

  private push(v: number, line: number, column: string): void {
    this.finite(v, line, column);
    this.vals.push(v);
  }

  /** Column c of a row through `num`, without the table-wide advice to leave a cell empty. */
  private parse(num: (c: number) => number, c: number, line: number, column: string): number {
    try {
      return num(c);
    } catch (e) {
      // the table-wide advice (leave the cell empty for an unknown value) does not hold for an embedding
      if (e instanceof DataError && e.message.includes('leave the cell empty')) throw new DataError('embedding value is not a finite number: every component of an embedding needs one', this.file, line, column);
      throw e;
    }
  }

  /** One row from `emb_j` columns; `num` parses column c (errors name it). */
  addColumns(cols: Int32Array, num: (c: number) => number, line: number, name: (c: number) => string): void {
    this.width(cols.length, line, name(cols[0]));
    for (let j = 0; j < cols.length; j++) this.push(this.parse(num, cols[j], line, name(cols[j])), line, name(cols[j]));
    this.n++;
  }

  /** One row from a list value: an array, a typed array, an Arrow vector or a JSON array in text. */
  addList(v: unknown, line: number, column: string): void {
    const xs = this.list(v, line, column);
    for (let j = 0; j < xs.length; j++) {
      const x = Number(xs[j]);
      this.finiteElement(x, j, line, column);
      this.vals.push(x);
    }
    this.n++;
  }

  private list(v: unknown, line: number, column: string): ArrayLike<number | bigint> {
    const xs = listValues(v);
    if (xs === null) throw new DataError(`embedding is not a list of numbers (got ${describe(v)})`, this.file, line, column);
    this.width(xs.length, line, column);
    for (let j = 0; j < xs.length; j++) {
      const x = xs[j];
      if (typeof x !== 'number' && typeof x !== 'bigint') throw new DataError(`embedding value ${j} is not a number (got ${describe(x)})`, this.file, line, column);
    }
    return xs as ArrayLike<number | bigint>;
  }

  /**
   * A row repeating a query already added (RouterBench splits some prompts over two rows): checked as a new
   * row would be, not added. Null when it gives no embedding (every emb_j cell empty), else its values.
   */
  repeatColumns(cols: Int32Array, num: (c: number) => number, line: number, name: (c: number) => string): Float64Array | null {
    const xs = Float64Array.from(cols, (c) => this.parse(num, c, line, name(c)));
    if (xs.every((x) => Number.isNaN(x))) return null;
    this.width(cols.length, line, name(cols[0]));
    xs.forEach((x, j) => this.finite(x, line, name(cols[j])));
    return xs;
  }

  /** As repeatColumns, for a list value; null when the cell is empty. */
  repeatList(v: unknown, line: number, column: string): Float64Array | null {
    if (v === null || v === undefined || v === '') return null;
    const xs = Float64Array.from(this.list(v, line, column), Number);
    xs.forEach((x, j) => this.finiteElement(x, j, line, column));
    return xs;
  }

  /** Row q's values as added. */
  row(q: number): Float64Array {
    return this.vals.a.subarray(q * this.dim, (q + 1) * this.dim);
  }

  build(): QueryEmbedding {
    const values = Float64Array.from(this.vals.a.subarray(0, this.n * this.dim));
    this.vals.release();
    return { dim: this.dim, values };
  }
}

/** numpy dtype kinds read as embedding values: floats, integers, and objects (each checked to be a number). */
const NUMPY_KINDS = new Set(['f', 'i', 'u', 'O']);

function listValues(v: unknown): ArrayLike<unknown> | null {
  if (Array.isArray(v)) return v;
  // a pickled DataFrame's cell holding a numpy vector (what `df['embedding'] = list(matrix)` stores)
  if (v instanceof NDArray) return v.shape.length === 1 && v.dtype !== null && NUMPY_KINDS.has(v.dtype.kind) ? v.data : null;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return v as unknown as ArrayLike<unknown>;
  if (v !== null && typeof v === 'object' && typeof (v as { toArray?: unknown }).toArray === 'function') {
    // an Arrow vector's toArray() gives its value buffer, where a null element reads as 0: with nulls, read
    // element by element (nulls as null, refused below). Wider than any embedding: the width check refuses it.
    const vec = v as { toArray(): unknown; nullCount?: unknown; length?: unknown; [Symbol.iterator]?: unknown };
    if (typeof vec.nullCount === 'number' && vec.nullCount > 0 && typeof vec[Symbol.iterator] === 'function' && typeof vec.length === 'number' && vec.length <= MAX_EMBEDDING_DIM) {
      return Array.from(vec as unknown as Iterable<unknown>);
    }
    return listValues(vec.toArray());
  }
  if (typeof v === 'string') {
    const s = v.trim();
    if (!s.startsWith('[') || s.length > 1 << 20) return null;
    try {
      const j = JSON.parse(s) as unknown;
      return Array.isArray(j) ? j : null;
    } catch {
      return null;
    }
  }
  return null;
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (v instanceof NDArray) return `a numpy array of shape (${v.shape.join(', ')}) and dtype kind '${v.dtype?.kind ?? '?'}'`;
  const s = typeof v === 'string' ? JSON.stringify(v) : typeof v === 'object' ? Object.prototype.toString.call(v) : String(v);
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
