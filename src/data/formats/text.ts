/**
 * Streaming record readers for delimited text (CSV/TSV) and JSON Lines, plus strict cell parsing.
 * Records come in batches (one per input chunk) with their line numbers, or for delimited files as byte
 * views: nothing holds the whole file as a string, and hot loops avoid an await per record.
 */
import { DataError } from '../../core/errors.js';
import { nameList, terminalSafe } from '../../core/escape.js';
import type { Readable } from 'node:stream';
import { extensionOf, gzipError, openStream, peekContent, readLineBatches } from './input.js';
import { CsvScanner, strictFieldText, type RecordView } from './csvScan.js';
import { duplicateKey, nestedKey } from './jsonKeys.js';
import { MAX_EMBEDDING_DIM } from './embedding.js';
import { maxLineBytes } from '../limits.js';
import { refuseLoneSurrogates } from './surrogates.js';

export type Cell = string | number | boolean | null;

export interface TextRecord {
  cells: Cell[];
  line: number;
}

export interface TextTable {
  file: string;
  columns: string[];
  /** Data records in batches; use one of `batches`, `records` and `each`. */
  batches: AsyncIterable<TextRecord[]>;
  records: AsyncIterable<TextRecord>;
  /** Delimited files only: every data record as a byte view, without a string per field. */
  each: ((fn: (v: RecordView) => void) => Promise<void>) | null;
  /** Release the file (also when reading stopped early, e.g. on a header error). */
  close(): void;
}

/** Open a text table, run `fn` on it, and release the file however `fn` ends. */
export async function withTextTable<T>(file: string, kind: TextKind, fn: (t: TextTable) => Promise<T>): Promise<T> {
  const t = await openTextTable(file, kind);
  try {
    return await fn(t);
  } finally {
    t.close();
  }
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
async function openTextTable(file: string, kind: TextKind): Promise<TextTable> {
  if (kind === 'jsonl') return openJsonl(file);
  const delimiter = kind === 'tsv' ? '\t' : ',';
  const src = new DelimitedSource(file, delimiter);
  let columns: string[];
  try {
    const head = await src.first();
    if (!head) throw new DataError('file is empty (no header line)', file);
    columns = head.cells.map((c) => String(c ?? '').trim());
    checkDelimiter(file, columns, delimiter);
    const seen = new Set<string>();
    for (const c of columns) {
      if (c !== '' && seen.has(c)) throw new DataError(`duplicate column name '${truncate(c)}' in header`, file, head.line, c);
      seen.add(c);
    }
  } catch (err) {
    src.close();
    throw err;
  }
  const batches = (async function* (): AsyncGenerator<TextRecord[]> {
    try {
      yield* src.batches();
    } finally {
      src.close();
    }
  })();
  const records = (async function* (): AsyncGenerator<TextRecord> {
    for await (const b of batches) yield* b;
  })();
  const each = async (fn: (v: RecordView) => void): Promise<void> => {
    try {
      await src.each(fn);
    } finally {
      src.close();
    }
  };
  return { file, columns, batches, records, each, close: () => src.close() };
}

async function openJsonl(file: string): Promise<TextTable> {
  const it = jsonlBatches(file)[Symbol.asyncIterator]();
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
  // jsonlBatches yields the key list as the first record.
  const columns = head.cells as string[];
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
  const close = (): void => {
    void it.return?.(undefined);
  };
  return { file, columns, batches, records, each: null, close };
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
      // only commas (CSV) and tabs (TSV) are read: another separator means saving the file again
      const hint =
        d === '\t' ? ' (name the file .tsv or pass --format tsv)' : d === ',' ? ' (name the file .csv or pass --format csv)' : '; greenserv reads commas (CSV) or tabs (TSV): save it again with commas as .csv, or with tabs as .tsv';
      throw new DataError(`header looks ${dn}-separated, but this file is read as ${name}-separated${hint}`, file, 1);
    }
  }
}

/**
 * A delimited file read through `CsvScanner`. Records come either as string cells in batches (one per input
 * chunk, for small side files and wide tables) or, for the hot path of large loads, as byte views handed
 * to a callback (`each`), which makes no string per field.
 */
class DelimitedSource {
  private readonly scanner: CsvScanner;
  private readonly input: Readable;
  private readonly it: AsyncIterator<Buffer>;
  private done = false;

  constructor(
    private readonly file: string,
    delimiter: string,
  ) {
    this.scanner = new CsvScanner(file, delimiter.charCodeAt(0), maxLineBytes());
    this.input = openStream(file, 64 * 1024);
    this.it = this.input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  /** Read more input; false when there is none. */
  private async more(): Promise<boolean> {
    if (this.done) return false;
    let n: IteratorResult<Buffer>;
    try {
      n = await this.it.next();
    } catch (err) {
      throw gzipError(this.file, err);
    }
    if (n.done) {
      this.done = true;
      this.scanner.finish();
    } else {
      this.scanner.feed(n.value);
    }
    return true;
  }

  /** Names for messages once the header is read. */
  private header: string[] | null = null;

  /** String cells (header and side files): every field must be UTF-8, as any of them may be an id. */
  private cells(): TextRecord {
    const v = this.scanner.view;
    const cells: string[] = new Array(v.n);
    for (let i = 0; i < v.n; i++) cells[i] = strictFieldText(v, i, this.file, this.header?.[i] ?? `header field ${i + 1}`);
    return { cells, line: v.line };
  }

  /** The first record (the header), or null for an empty file. */
  async first(): Promise<TextRecord | null> {
    while (!this.scanner.next()) if (!(await this.more())) return null;
    const head = this.cells();
    this.header = head.cells.map((c) => String(c).trim());
    return head;
  }

  async *batches(): AsyncGenerator<TextRecord[]> {
    for (;;) {
      const out: TextRecord[] = [];
      while (this.scanner.next()) out.push(this.cells());
      if (out.length > 0) yield out;
      if (!(await this.more())) return;
    }
  }

  /** Hand every remaining record to `fn` as a byte view (valid during the call only). */
  async each(fn: (v: RecordView) => void): Promise<void> {
    const v = this.scanner.view;
    for (;;) {
      while (this.scanner.next()) fn(v);
      if (!(await this.more())) return;
    }
  }

  close(): void {
    this.input.destroy();
  }
}

/** The one key whose value may be an array: a wide table's embedding (datasets/README.md#user-embeddings). */
function isListKey(k: string): boolean {
  return k.trim().toLowerCase() === 'embedding';
}

async function* jsonlBatches(file: string): AsyncGenerator<TextRecord[]> {
  let columns: string[] | null = null;
  let index: Map<string, number> | null = null;
  let line = 0;
  let batch: TextRecord[] = [];
  for await (const lines of readLineBatches(file)) for (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    // refused before parsing: a line of deeply nested arrays builds a tree many times its size
    const nested = nestedKey(text, isListKey, MAX_EMBEDDING_DIM);
    if (nested !== null) {
      if (isListKey(nested)) throw new DataError(`an embedding is a flat list of at most ${MAX_EMBEDDING_DIM} numbers`, file, line, nested);
      throw new DataError('nested values are not supported', file, line, nested);
    }
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
    const dup = duplicateKey(text, Object.keys(rec).length);
    if (dup !== null) throw new DataError(`key '${truncate(dup)}' appears twice in this object`, file, line, dup);
    refuseLoneSurrogates(text, rec, file, line);
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
      if (Array.isArray(v) && isListKey(k)) {
        // read as the same list written as JSON text; an overflowing literal keeps its name, not JSON's null
        cells[i] = JSON.stringify(v.map((x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x)));
        continue;
      }
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
    // JSON.parse turns an overflowing literal (1e309) into Infinity.
    if (!Number.isFinite(v)) throw new DataError(`${v} is not allowed (a non-finite or overflowing number; leave the cell empty for an unknown value)`, file, line, column);
    return v;
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  const s = v.trim();
  if (s === '') return Number.NaN;
  if (NUM_RE.test(s)) {
    const x = Number(s);
    if (!Number.isFinite(x)) throw new DataError(`'${truncate(s)}' is too large for a number (overflows to infinity)`, file, line, column);
    return x;
  }
  if (NONFINITE_RE.test(s)) throw new DataError(`'${s}' is not allowed (leave the cell empty for an unknown value)`, file, line, column);
  throw new DataError(`'${truncate(s)}' is not a number`, file, line, column);
}

/** Exact powers of ten (every one up to 1e22 is a double). */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/**
 * A plain decimal number read straight from bytes, or NaN when the bytes need `parseNumber`: anything with
 * more than 15 significant digits, an exponent beyond ±22, whitespace, or not matching the number syntax.
 * Where it answers, the answer equals `Number(text)`: a mantissa of at most 15 digits is an exact integer
 * and one multiplication or division by an exact power of ten rounds correctly (Clinger's fast path).
 */
export function parseNumberBytes(b: Uint8Array, s: number, e: number): number {
  let p = s;
  let neg = false;
  if (p < e && (b[p] === 0x2b || b[p] === 0x2d)) neg = b[p++] === 0x2d;
  let w = 0;
  let sig = 0;
  let digits = 0;
  let scale = 0;
  let dot = false;
  while (p < e) {
    if (b[p] === 0x2e && !dot) {
      dot = true;
      p++;
      continue;
    }
    const d = b[p] - 0x30;
    if (d < 0 || d > 9) break;
    if (w !== 0 || d !== 0) sig++;
    w = w * 10 + d;
    digits++;
    if (dot) scale--;
    p++;
  }
  if (digits === 0 || sig > 15) return Number.NaN;
  if (p < e && (b[p] === 0x65 || b[p] === 0x45)) {
    p++;
    let eneg = false;
    if (p < e && (b[p] === 0x2b || b[p] === 0x2d)) eneg = b[p++] === 0x2d;
    let x = 0;
    let xd = 0;
    while (p < e) {
      const d = b[p] - 0x30;
      if (d < 0 || d > 9) break;
      if (++xd > 4) return Number.NaN;
      x = x * 10 + d;
      p++;
    }
    if (xd === 0) return Number.NaN;
    scale += eneg ? -x : x;
  }
  if (p !== e) return Number.NaN;
  let v: number;
  if (w === 0) v = 0;
  else if (scale >= 0 && scale <= 22) v = w * POW10[scale];
  else if (scale < 0 && scale >= -22) v = w / POW10[-scale];
  else return Number.NaN;
  return neg ? -v : v;
}

export function cellText(v: Cell): string | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? v : String(v);
}

/** A value quoted in a message: at most n characters, its control characters escaped (core/escape.ts). */
export function truncate(s: string, n = 40): string {
  return terminalSafe(s.length > n ? s.slice(0, n) + '…' : s);
}

/** A list for a message: the first `max` names (each truncated), then how many more. */
export function someOf(names: readonly string[], max = 10): string {
  return nameList(names, max, (n) => truncate(n));
}

/** The first text line of a possibly gzipped file (for content sniffing). */
export function firstLine(file: string, max = 65536): string {
  let s = peekContent(file, max).toString('utf8');
  if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
  const nl = s.indexOf('\n');
  return (nl < 0 ? s : s.slice(0, nl)).replace(/\r$/, '');
}
