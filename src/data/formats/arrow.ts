/**
 * Arrow IPC (file or stream format) via apache-arrow, long or wide layout.
 */
import { tableFromIPC, Type, type Table, type Vector } from 'apache-arrow';
import { DataError, UnreadableError } from '../../core/errors.js';
import type { PoolTable } from '../pool.js';
import { readReleasableBytes } from './input.js';
import { loadColumnar, type ColumnarOptions, type ColumnarSource } from './columnar.js';
import { ArrowFormatError, verifyArrowIpc } from './arrow-verify.js';
import { isUtf8 } from 'node:buffer';
import { NOT_UTF8 } from './utf8Strings.js';

const CORRUPT = 'not a readable Arrow IPC file or stream (truncated or corrupt?)';

/** `chunkRows`: rows per slice when the table is larger than that (see below). */
export function arrowSource(file: string, chunkRows = ARROW_CHUNK_ROWS): ColumnarSource {
  // the values are copied into the pool table: the file's bytes are given back as soon as it is built
  const { bytes, release: releaseBytes } = readReleasableBytes(file);
  if (bytes.length === 0) throw new DataError('file is empty', file);
  let table: Table;
  try {
    // apache-arrow trusts the lengths in the metadata (a corrupt one can make it loop for hours): check them first.
    verifyArrowIpc(bytes);
    table = tableFromIPC(bytes);
  } catch (err) {
    if (err instanceof ArrowFormatError) throw new UnreadableError(`${CORRUPT}: ${err.message}`, file);
    throw new UnreadableError(`${CORRUPT}: ${(err as Error)?.message ?? String(err)}`, file);
  }
  const fields = table.schema.fields;
  const nRows = table.numRows;
  // a field without a name (the name is optional in an Arrow schema, and apache-arrow reads it as null) is
  // an unnamed column, as Arrow's own readers take it
  const columns = fields.map((f) => (f.name as string | null) ?? '');
  const vectorOf = (i: number): Vector => {
    const v = table.getChildAt(i);
    if (!v || v.length !== nRows) {
      throw new UnreadableError(`${CORRUPT}: column has ${v?.length ?? 0} values for ${nRows} rows`, file, undefined, columns[i]);
    }
    return v;
  };
  /** `start`: the row of v's first value. */
  const valuesOf = (i: number, v: Vector, start = 0): ArrayLike<unknown> => {
    let values;
    try {
      values = vectorValues(v);
    } catch (err) {
      // Buffers that disagree with the metadata surface only when values are read.
      throw new UnreadableError(`${CORRUPT}: cannot decode the column: ${(err as Error)?.message ?? String(err)}`, file, undefined, columns[i]);
    }
    const bad = arrowNotUtf8(v, values);
    if (bad >= 0) throw new DataError(NOT_UTF8, file, start + bad + 1, columns[i]);
    return values;
  };
  // The values of a large table are made a slice of rows at a time (a long table's id columns as JS strings
  // cost several times their bytes in the file); a small one is read whole.
  const rowChunks: [number, number][] = [];
  for (let at = 0; at < nRows; at += chunkRows) rowChunks.push([at, Math.min(nRows, at + chunkRows)]);
  /** The values of the rows fetchRows last asked for, by column; null: columns are read whole. */
  let chunk: Map<number, ArrayLike<unknown>> | null = null;
  return {
    file,
    columns,
    nRows,
    metadata: table.schema.metadata,
    rowChunks: nRows > chunkRows ? rowChunks : undefined,
    async fetchRows(cols, start, end) {
      const values = new Map<number, ArrayLike<unknown>>();
      chunk = null;
      for (const i of new Set(cols)) values.set(i, valuesOf(i, vectorOf(i).slice(start, end), start));
      chunk = values;
    },
    release() {
      chunk = null;
    },
    close() {
      chunk = null;
      releaseBytes();
    },
    column(i) {
      if (chunk !== null) {
        const v = chunk.get(i);
        if (v === undefined) throw new Error(`Arrow column '${columns[i]}' was read before it was fetched`);
        return v;
      }
      return valuesOf(i, vectorOf(i));
    },
  };
}

/** Rows per slice of a large Arrow table (see arrowSource). */
const ARROW_CHUNK_ROWS = 1 << 18;

/** Plain values of a column; typed arrays straight from the buffers when there are no nulls. */
function vectorValues(v: Vector): ArrayLike<unknown> {
  const typeId = v.type.typeId;
  if (v.nullCount === 0 && (typeId === Type.Int || typeId === Type.Float)) return v.toArray() as ArrayLike<unknown>;
  const out = new Array<unknown>(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v.get(i);
  return out;
}

export async function loadArrow(file: string, opts: ColumnarOptions = {}): Promise<PoolTable> {
  return loadColumnar(arrowSource(file), opts);
}

/** Index of the first value of an Arrow Utf8 column whose bytes are not UTF-8, or −1 (checked only where U+FFFD shows). */
function arrowNotUtf8(v: Vector, values: ArrayLike<unknown>): number {
  const t = v.type.typeId;
  if (t !== Type.Utf8 && t !== Type.LargeUtf8) return -1;
  let base = 0;
  for (const d of v.data) {
    const offsets = d.valueOffsets as ArrayLike<number | bigint> | undefined;
    for (let j = 0; j < d.length && offsets; j++) {
      const s = values[base + j];
      if (typeof s !== 'string' || !s.includes('\ufffd')) continue;
      if (!isUtf8(d.values.subarray(Number(offsets[j]), Number(offsets[j + 1])))) return base + j;
    }
    base += d.length;
  }
  return -1;
}
