/**
 * Reading query text: the project's queries format (`query_id,text[,task]`) and the paper's prompt files
 * (`id,dataset,processed_input,...`, docs/model.md §1), one file or a directory of them.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { DataError } from '../core/errors.js';
import { hasControl, jsonQuoted } from '../core/escape.js';
import { readFileBounded } from '../core/readFile.js';

/** Queries are read whole: 1 GiB is far more text than a query set needs. */
const MAX_QUERY_FILE_BYTES = 1024 * 1024 * 1024;

type QueryFileFormat = 'queries' | 'prompts';

export interface QueryRecord {
  queryId: string;
  text: string;
  /** Task label (`task` or `dataset` column), null when absent or empty. */
  task: string | null;
  file: string;
  /** 1-based line where the record starts. */
  line: number;
}

interface QuerySet {
  records: QueryRecord[];
  files: string[];
  /** Recoverable input problems (e.g. invalid UTF-8 replaced by U+FFFD). */
  warnings: string[];
}

/** The reference's query_id order of the paper's tasks (docs/model.md §1): directory files are read in it. */
const PAPER_FILE_ORDER = ['mmlu', 'hellaswag', 'winogrande', 'gsm8k', 'cnn_dailymail', 'combined'];

/** Read a queries or prompts CSV file, or every `.csv` file of a directory (paper task order, then name). */
export function readQueries(path: string): QuerySet {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new DataError('file not found', path);
  }
  let files: string[];
  if (st.isDirectory()) {
    const rank = (f: string): number => {
      const i = PAPER_FILE_ORDER.indexOf(basename(f, '.csv').toLowerCase());
      return i < 0 ? PAPER_FILE_ORDER.length : i;
    };
    files = readdirSync(path)
      .filter((f) => f.toLowerCase().endsWith('.csv'))
      .sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0))
      .map((f) => join(path, f));
    if (files.length === 0) throw new DataError('directory holds no .csv file', path);
  } else {
    files = [path];
  }
  const out: QuerySet = { records: [], files, warnings: [] };
  const seen = new Map<string, QueryRecord>();
  for (const f of files) {
    const buf = readFileBounded(f, 'queries file', MAX_QUERY_FILE_BYTES);
    const parsed = parseQueryCsv(buf, f);
    out.warnings.push(...parsed.warnings);
    for (const r of parsed.records) {
      const prev = seen.get(r.queryId);
      if (prev) {
        const col = parsed.format === 'queries' ? 'query_id' : 'id';
        throw new DataError(`duplicate query id '${r.queryId}' (first at ${prev.file}:${prev.line})`, f, r.line, col);
      }
      seen.set(r.queryId, r);
      out.records.push(r);
    }
  }
  // a header-only file gave an empty output and exit 0, as if the queries had been read
  if (out.records.length === 0) throw new DataError(files.length === 1 ? 'no queries (header only?)' : `no queries in any of its ${files.length} .csv files (header only?)`, path);
  return out;
}

/** Decode UTF-8; invalid sequences become U+FFFD and a warning names the first one's line. */
function decodeUtf8(buf: Buffer, file: string, warnings: string[]): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    const at = firstInvalidUtf8(buf);
    let line = 1;
    for (let i = 0; i < at; i++) if (buf[i] === 10) line++;
    warnings.push(`${file}:${line}: invalid UTF-8 byte sequence(s) replaced by U+FFFD`);
    return new TextDecoder('utf-8', { fatal: false }).decode(buf);
  }
}

function firstInvalidUtf8(b: Buffer): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    let need = 0;
    let min = 0;
    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    let cp = c & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    for (let k = 1; k <= need; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return b.length;
}

interface CsvInfo {
  lines: number;
  empty_lines: number;
}

/** Parse one queries/prompts CSV. Bad input throws DataError naming file, line and column. */
export function parseQueryCsv(
  content: Buffer | string,
  file: string,
): { records: QueryRecord[]; format: QueryFileFormat; warnings: string[] } {
  const warnings: string[] = [];
  const text = typeof content === 'string' ? content : decodeUtf8(content, file, warnings);
  let header: string[] = [];
  let rows: { record: Record<string, string>; info: CsvInfo }[];
  try {
    rows = parse(text, {
      bom: true,
      columns: (h: string[]) => {
        header = h.map((x) => String(x).trim().toLowerCase());
        return header;
      },
      info: true,
      skip_empty_lines: true,
    }) as unknown as { record: Record<string, string>; info: CsvInfo }[];
  } catch (e) {
    const err = e as Error & { code?: string; lines?: number; column?: unknown };
    if (typeof err.code === 'string' && err.code.startsWith('CSV_')) {
      const col = typeof err.column === 'string' ? err.column : undefined;
      throw new DataError(`malformed CSV: ${err.message.replace(/^[^:]*: /, '')}`, file, err.lines, col);
    }
    throw new DataError(`cannot parse CSV: ${err.message}`, file);
  }
  if (header.length === 0) throw new DataError('empty file (no header line)', file, 1);
  const dup = header.find((h, i) => header.indexOf(h) !== i);
  if (dup !== undefined) throw new DataError(`column '${dup}' appears twice in the header`, file, 1, dup);
  let format: QueryFileFormat;
  let idCol: string;
  let textCol: string;
  let taskCol: string | null;
  if (header.includes('processed_input')) {
    format = 'prompts';
    idCol = 'id';
    textCol = 'processed_input';
    taskCol = 'dataset';
    for (const c of ['id', 'dataset']) {
      if (!header.includes(c)) throw new DataError(`prompt file lacks the '${c}' column`, file, 1, c);
    }
  } else if (header.includes('query_id') || header.includes('text')) {
    format = 'queries';
    idCol = 'query_id';
    textCol = 'text';
    taskCol = header.includes('task') ? 'task' : null;
    for (const c of ['query_id', 'text']) {
      if (!header.includes(c)) throw new DataError(`queries file lacks the '${c}' column`, file, 1, c);
    }
  } else {
    // a wide table (a RouterBench file has 40 columns) is shown by its first columns, not as a screenful
    const shown = header.length > 6 ? `${header.slice(0, 6).join(',')},… ${header.length} columns` : header.join(',');
    throw new DataError(
      `unrecognised header (${shown}): expected query_id,text[,task] or id,dataset,processed_input,...`,
      file,
      1,
    );
  }
  const records: QueryRecord[] = [];
  let prevEnd = 1;
  let prevEmpty = 0;
  for (const { record, info } of rows) {
    const line = prevEnd + 1 + (info.empty_lines - prevEmpty);
    prevEnd = info.lines;
    prevEmpty = info.empty_lines;
    const id = (record[idCol] ?? '').trim();
    if (id === '') throw new DataError('empty query id', file, line, idCol);
    // ids and labels are printed (features' CSV on stdout): the table loaders' rule, so no escape reaches a terminal
    if (hasControl(id)) throw new DataError(`query id ${jsonQuoted(id)} contains a control character; ids and names must be printable`, file, line, idCol);
    const task = taskCol ? (record[taskCol] ?? '').trim() : '';
    if (taskCol && hasControl(task)) throw new DataError(`task ${jsonQuoted(task)} contains a control character; ids and names must be printable`, file, line, taskCol);
    records.push({ queryId: id, text: record[textCol] ?? '', task: task === '' ? null : task, file, line });
  }
  return { records, format, warnings };
}

/** Records with a task label, for training the task classifier; a missing label is an error. */
export function requireLabels(set: QuerySet): { text: string; label: string }[] {
  return set.records.map((r) => {
    if (r.task === null) throw new DataError('missing task label', r.file, r.line, 'task/dataset');
    return { text: r.text, label: r.task };
  });
}
