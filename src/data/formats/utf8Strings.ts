/**
 * Strings of Arrow and Parquet files must be UTF-8. Decoders replace invalid bytes by U+FFFD, which would
 * turn distinct byte strings (two ids) into one text; these helpers find such a value so it is refused.
 */
import { isUtf8 } from 'node:buffer';
import { DataError } from '../../core/errors.js';

export const NOT_UTF8 = 'not valid UTF-8 (strings must be UTF-8 text; distinct byte strings would decode alike)';

/** A Parquet string whose bytes were not UTF-8: kept apart from real text until its row is known. */
class NotUtf8 {
  constructor(readonly text: string) {}
}

const decoder = new TextDecoder();

/** hyparquet's string parser, marking invalid UTF-8 instead of decoding it silently. */
export function parquetString(bytes: Uint8Array | undefined): string | NotUtf8 | undefined {
  if (!bytes) return bytes;
  const s = decoder.decode(bytes);
  return s.includes('\ufffd') && !isUtf8(bytes) ? new NotUtf8(s) : s;
}

/** The error for the first marked value of a decoded Parquet column chunk (rows from `firstRow`, 0-based), or null. */
export function firstNotUtf8(values: ArrayLike<unknown>, file: string, firstRow: number, column: string): DataError | null {
  if (ArrayBuffer.isView(values)) return null; // numbers only
  for (let r = 0; r < values.length; r++) if (values[r] instanceof NotUtf8) return new DataError(NOT_UTF8, file, firstRow + r + 1, column);
  return null;
}
