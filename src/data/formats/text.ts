/**
 * Streaming record readers for delimited text (CSV/TSV) and JSON Lines, plus strict cell parsing.
 * Records come in batches (one per input chunk) with their line numbers: nothing holds the whole file as a
 * string, and hot loops avoid an await per record.
 */
import { parse, CsvError } from 'csv-parse';
import { createInterface } from 'node:readline';
import { DataError } from '../errors.js';
import { extensionOf, gzipError, openStream, peekContent } from './input.js';

export type Cell = string | number | boolean | null;

export interface TextRecord {
  cells: Cell[];
  line: number;
}

export interface TextTable {
  file: string;
  columns: string[];
  /** Data records in batches; use either this or `records`, not both. */
  batches: AsyncIterable<TextRecord[]>;
  records: AsyncIterable<TextRecord>;
}

export type TextKind = 'csv' | 'tsv' | 'jsonl';

export function textKindOf(file: string): TextKind | null {
  const ext = extensionOf(file);
  if (ext === 'csv') return 'csv';
  if (ext === 'tsv' || ext === 'tab') return 'tsv';
  if (ext === 'jsonl' || ext === 'ndjson') return 'jsonl';
  return null;
}

/** Open a CSV/TSV/JSONL file, read its header (or first JSON object's keys) and stream the rest. */
export async function openTextTable(file: string, kind: TextKind): Promise<TextTable> {
  const it = (kind === 'jsonl' ? jsonlBatches(file) : delimitedBatches(file, kind === 'tsv' ? '\t' : ','))[Symbol.asyncIterator]();
  let head: TextRecord | undefined;
  let leftover: TextRecord[] = [];
  while (!head) {
    const n = await it.next();
    if (n.done) throw new DataError('file is empty (no header line)', file);
    if (n.value.length > 0) {
      head = n.value[0];
      leftover = n.value.slice(1);
    }
  }
  let columns: string[];
  if (kind === 'jsonl') {
    // jsonlBatches yields the key list as the first record.
    columns = head.cells as string[];
  } else {
    columns = head.cells.map((c) => String(c ?? '').trim());
    checkDelimiter(file, columns, kind === 'tsv' ? '\t' : ',');
    const seen = new Set<string>();
    for (const c of columns) {
      if (c !== '' && seen.has(c)) throw new DataError(`duplicate column name '${c}' in header`, file, head.line, c);
      seen.add(c);
    }
  }
  const batches = (async function* (): AsyncGenerator<TextRecord[]> {
    try {
      if (leftover.length > 0) yield leftover;
      for (;;) {
        const n = await it.next();
        if (n.done) return;
        if (n.value.length > 0) yield n.value;
      }
    } finally {
      await it.return?.(undefined);
    }
  })();
  const records = (async function* (): AsyncGenerator<TextRecord> {
    for await (const b of batches) yield* b;
  })();
  return { file, columns, batches, records };
}

function checkDelimiter(file: string, columns: string[], delimiter: string): void {
  if (columns.length !== 1) return;
  const h = columns[0];
  const name = delimiter === '\t' ? 'tab' : `'${delimiter}'`;
  for (const [d, dn] of [
    [';', "';'"],
    ['\t', 'tab'],
    [',', "','"],
    ['|', "'|'"],
  ] as const) {
    if (d !== delimiter && h.includes(d)) {
      const hint = d === '\t' ? ' (name the file .tsv or pass --format tsv)' : d === ',' ? ' (name the file .csv or pass --format csv)' : '';
      throw new DataError(`header looks ${dn}-separated, but this file is read as ${name}-separated${hint}`, file, 1);
    }
  }
}

async function* delimitedBatches(file: string, delimiter: string): AsyncGenerator<TextRecord[]> {
  // csv-parse's per-record `info` objects double the time and memory of a large read, so line numbers are
  // counted here: each record starts on the line after the previous one plus any newlines it contained.
  const input = openStream(file, 16 * 1024);
  const parser = parse({ delimiter, bom: true, relax_column_count: true, skip_empty_lines: false, relax_quotes: false });
  let parseErr: unknown = null;
  // Parse errors are emitted asynchronously, possibly before the final flush is awaited (after which the
  // parser never emits 'finish'): remember the first one and settle `failed` whenever it comes.
  const failed = new Promise<void>((resolve) =>
    parser.on('error', (e) => {
      parseErr ??= e;
      resolve();
    }),
  );
  let width = -1;
  let line = 1;
  function drain(): TextRecord[] {
    const out: TextRecord[] = [];
    let rec: string[] | null;
    while ((rec = parser.read() as string[] | null) !== null) {
      const start = line;
      let extra = 0;
      for (const f of rec) if (f.includes('\n')) extra += f.split('\n').length - 1;
      line += 1 + extra;
      if (rec.length === 1 && rec[0] === '' && extra === 0) continue; // blank line
      if (width < 0) width = rec.length;
      else if (rec.length !== width) throw new DataError(`ragged row: expected ${width}, got ${rec.length} fields`, file, start);
      out.push({ cells: rec, line: start });
    }
    if (parseErr) throw csvError(file, parseErr);
    return out;
  }
  try {
    for await (const chunk of input) {
      parser.write(chunk);
      yield drain();
    }
    if (parseErr) throw csvError(file, parseErr);
    // The final flush (which reports an unclosed quote) completes asynchronously.
    const flushed = new Promise<void>((resolve) => parser.once('finish', () => resolve()));
    parser.end();
    await Promise.race([flushed, failed]);
    yield drain();
  } catch (err) {
    throw csvError(file, err);
  } finally {
    input.destroy();
  }
}

/** The message without its trailing "at line N", which the DataError location replaces. */
function withoutLinePhrase(message: string): string {
  // Not /\s*(at|on) line \d+$/: from every start in a long blank run it would rescan the run (quadratic).
  const m = /(?:at|on) line \d+\.?$/.exec(message);
  return m ? message.slice(0, m.index).trimEnd() : message;
}

function csvError(file: string, err: unknown): DataError {
  if (err instanceof DataError) return err;
  if (err instanceof CsvError) {
    const e = err as CsvError & { lines?: number };
    let msg = withoutLinePhrase(e.message);
    if (e.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH') {
      msg = `ragged row: ${msg.replace(/^Invalid Record Length:\s*/i, '').replace(/^expect/, 'expected')} fields`;
    } else if (e.code === 'CSV_QUOTE_NOT_CLOSED') {
      msg = 'unterminated quoted field (file truncated or stray quote)';
    }
    // The parser quotes the whole offending field, which can be megabytes long.
    if (msg.length > 300) msg = msg.slice(0, 300) + '…';
    return new DataError(msg, file, e.lines);
  }
  return gzipError(file, err);
}

async function* jsonlBatches(file: string): AsyncGenerator<TextRecord[]> {
  const input = openStream(file);
  let streamErr: unknown = null;
  input.on('error', (err) => {
    streamErr = err;
  });
  const rl = createInterface({ input, crlfDelay: Infinity });
  let columns: string[] | null = null;
  let index: Map<string, number> | null = null;
  let line = 0;
  let batch: TextRecord[] = [];
  try {
    for await (let text of rl) {
      line++;
      if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (text.trim() === '') continue;
      let obj: unknown;
      try {
        obj = JSON.parse(text);
      } catch (err) {
        throw new DataError(`invalid JSON: ${(err as Error).message}`, file, line);
      }
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
        throw new DataError('expected one JSON object per line', file, line);
      }
      const rec = obj as Record<string, unknown>;
      if (!columns) {
        columns = Object.keys(rec);
        index = new Map(columns.map((c, i) => [c, i]));
        batch.push({ cells: columns, line });
      }
      const cells: Cell[] = new Array(columns.length).fill(null);
      for (const k in rec) {
        const i = index!.get(k);
        if (i === undefined) throw new DataError(`key '${k}' is not in the first record`, file, line, k);
        const v = rec[k];
        if (v !== null && typeof v === 'object') throw new DataError('nested values are not supported', file, line, k);
        cells[i] = v as Cell;
      }
      batch.push({ cells, line });
      if (batch.length >= 1024) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  } catch (err) {
    throw err instanceof DataError ? err : gzipError(file, err);
  } finally {
    rl.close();
    input.destroy();
  }
  if (streamErr) throw gzipError(file, streamErr);
}

const NUM_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const NONFINITE_RE = /^[+-]?(?:nan|inf|infinity)$/i;

/**
 * Parse a numeric cell. Empty/null → NaN (unknown). Anything else that is not a finite decimal number
 * is a DataError naming the location.
 */
export function parseNumber(v: Cell, file: string, line: number, column: string): number {
  if (v === null || v === undefined) return Number.NaN;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new DataError(`${v} is not allowed (leave the cell empty for an unknown value)`, file, line, column);
    return v;
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  const s = v.trim();
  if (s === '') return Number.NaN;
  if (NUM_RE.test(s)) return Number(s);
  if (NONFINITE_RE.test(s)) throw new DataError(`'${s}' is not allowed (leave the cell empty for an unknown value)`, file, line, column);
  throw new DataError(`'${truncate(s)}' is not a number`, file, line, column);
}

export function cellText(v: Cell): string | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? v : String(v);
}

export function truncate(s: string, n = 40): string {
  return s.length > n ? s.slice(0, n) + '…' : s;
}

/** The first text line of a possibly gzipped file (for content sniffing). */
export function firstLine(file: string, max = 65536): string {
  let s = peekContent(file, max).toString('utf8');
  if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
  const nl = s.indexOf('\n');
  return (nl < 0 ? s : s.slice(0, nl)).replace(/\r$/, '');
}
