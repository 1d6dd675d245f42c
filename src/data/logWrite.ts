/**
 * Writing routing logs (format in datasets/README.md, "Routing logs"): CSV, TSV, JSON Lines or Parquet,
 * chosen by the file's extension, written atomically (nothing appears at the destination on error).
 */
import { basename } from 'node:path';
import type { ColumnSource } from 'hyparquet-writer';
import { UsageError } from '../core/errors.js';
import { own } from '../core/dict.js';
import { writeFileAtomic } from '../core/atomic.js';
import { csvField } from '../core/escape.js';

/** One column of a log: text, integers or numbers (NaN is written as an empty cell / null). */
export type LogColumn = { name: string; kind: 'text'; data: readonly string[] } | { name: string; kind: 'int'; data: Int32Array } | { name: string; kind: 'num'; data: Float64Array };

type LogFormat = 'csv' | 'tsv' | 'jsonl' | 'parquet';

const EXT: Record<string, LogFormat> = { csv: 'csv', tsv: 'tsv', jsonl: 'jsonl', ndjson: 'jsonl', parquet: 'parquet', pq: 'parquet' };

/** The log format of a file name; anything else is a usage error naming the option. */
export function logFormatOf(file: string, option = '--log'): LogFormat {
  const b = basename(file);
  const dot = b.lastIndexOf('.');
  const f = dot > 0 ? own(EXT, b.slice(dot + 1).toLowerCase()) : undefined;
  if (!f) throw new UsageError(`${option}: cannot tell the log format from '${b}' (use .csv, .tsv, .jsonl or .parquet)`);
  return f;
}

function cellText(c: LogColumn, i: number): string {
  if (c.kind === 'text') return c.data[i];
  const v = c.data[i];
  return Number.isNaN(v) ? '' : String(v);
}

function delimited(cols: readonly LogColumn[], n: number, sep: string): string {
  const esc = sep === ',' ? csvField : (s: string) => s.replace(/[\t\r\n]/g, ' ');
  const lines: string[] = [cols.map((c) => esc(c.name)).join(sep)];
  for (let i = 0; i < n; i++) lines.push(cols.map((c) => esc(cellText(c, i))).join(sep));
  return lines.join('\n') + '\n';
}

function jsonLines(cols: readonly LogColumn[], n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const row: Record<string, string | number | null> = {};
    for (const c of cols) {
      if (c.kind === 'text') row[c.name] = c.data[i];
      else row[c.name] = Number.isNaN(c.data[i]) ? null : c.data[i];
    }
    out.push(JSON.stringify(row));
  }
  return out.join('\n') + '\n';
}

/** The Parquet writer is loaded only for a Parquet log, so `simulate` does not pay for it otherwise. */
async function parquet(cols: readonly LogColumn[]): Promise<Uint8Array> {
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const columnData: ColumnSource[] = cols.map((c) => {
    if (c.kind === 'text') return { name: c.name, data: [...c.data], type: 'STRING' };
    if (c.kind === 'int') return { name: c.name, data: c.data, type: 'INT32', nullable: false };
    return { name: c.name, data: Array.from(c.data, (v) => (Number.isNaN(v) ? null : v)), type: 'DOUBLE' };
  });
  return new Uint8Array(parquetWriteBuffer({ columnData }));
}

/** The bytes of n rows of `cols` in the format the extension of `file` names. */
export async function logFileData(file: string, cols: readonly LogColumn[], n: number): Promise<string | Uint8Array> {
  const f = logFormatOf(file);
  return f === 'parquet' ? await parquet(cols) : f === 'jsonl' ? jsonLines(cols, n) : delimited(cols, n, f === 'csv' ? ',' : '\t');
}

/** Write n rows of `cols` to `file` in the format its extension names. */
export async function writeLogFile(file: string, cols: readonly LogColumn[], n: number): Promise<void> {
  writeFileAtomic(file, await logFileData(file, cols, n));
}
