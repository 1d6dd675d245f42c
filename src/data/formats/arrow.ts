/**
 * Arrow IPC (file or stream format) via apache-arrow, long or wide layout.
 */
import { tableFromIPC, Type, type Table, type Vector } from 'apache-arrow';
import { DataError } from '../../core/errors.js';
import type { PoolTable } from '../pool.js';
import { readAllBytes } from './input.js';
import { loadColumnar, type ColumnarOptions, type ColumnarSource } from './columnar.js';
import { ArrowFormatError, verifyArrowIpc } from './arrow-verify.js';

const CORRUPT = 'not a readable Arrow IPC file or stream (truncated or corrupt?)';

export function arrowSource(file: string): ColumnarSource {
  const bytes = readAllBytes(file);
  if (bytes.length === 0) throw new DataError('file is empty', file);
  let table: Table;
  try {
    // apache-arrow trusts the lengths in the metadata (a corrupt one can make it loop for hours): check them first.
    verifyArrowIpc(bytes);
    table = tableFromIPC(bytes);
  } catch (err) {
    if (err instanceof ArrowFormatError) throw new DataError(`${CORRUPT}: ${err.message}`, file);
    throw new DataError(`${CORRUPT}: ${(err as Error)?.message ?? String(err)}`, file);
  }
  const fields = table.schema.fields;
  const nRows = table.numRows;
  const columns = fields.map((f) => f.name);
  return {
    file,
    columns,
    nRows,
    metadata: table.schema.metadata,
    column(i) {
      const v = table.getChildAt(i);
      if (!v || v.length !== nRows) {
        throw new DataError(`${CORRUPT}: column has ${v?.length ?? 0} values for ${nRows} rows`, file, undefined, columns[i]);
      }
      try {
        return vectorValues(v);
      } catch (err) {
        // Buffers that disagree with the metadata surface only when values are read.
        throw new DataError(`${CORRUPT}: cannot decode the column: ${(err as Error)?.message ?? String(err)}`, file, undefined, columns[i]);
      }
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
