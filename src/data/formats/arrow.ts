/**
 * Arrow IPC (file or stream format) via apache-arrow, long or wide layout.
 */
import { tableFromIPC, Type, type Table, type Vector } from 'apache-arrow';
import { DataError } from '../errors.js';
import type { PoolTable } from '../pool.js';
import { readAllBytes } from './input.js';
import { loadColumnar, type ColumnarOptions, type ColumnarSource } from './columnar.js';

export function arrowSource(file: string): ColumnarSource {
  const bytes = readAllBytes(file);
  if (bytes.length === 0) throw new DataError('file is empty', file);
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (err) {
    throw new DataError(`not a readable Arrow IPC file or stream (truncated or corrupt?): ${(err as Error).message}`, file);
  }
  const fields = table.schema.fields;
  return {
    file,
    columns: fields.map((f) => f.name),
    nRows: table.numRows,
    metadata: table.schema.metadata,
    column(i) {
      return vectorValues(table.getChildAt(i)!);
    },
  };
}

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
