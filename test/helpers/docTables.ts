/** Reading the field tables and literals of the docs (docs/outputs.md and the others), for the checks that the docs match the files written. */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

export type Json = Record<string, unknown>;

/** The text from `start` to the next heading of the same or a higher level (or the end). */
export function section(doc: string, start: string): string {
  const i = doc.indexOf(start);
  if (i < 0) throw new Error(`no '${start}' in the doc`);
  const level = /^#+/.exec(start)?.[0].length ?? 6;
  const rest = doc.slice(i + start.length);
  const next = new RegExp(`\\n#{1,${level}} `).exec(rest);
  return next ? rest.slice(0, next.index) : rest;
}

/** The rows of the first markdown table in `text`, cells split at unescaped pipes (header and rule left out). */
export function tableRows(text: string): string[][] {
  const lines = text.split('\n').map((l) => l.trim());
  const start = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[][] = [];
  for (let i = start + 2; i < lines.length && lines[i].startsWith('|'); i++) {
    rows.push(lines[i].slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim()));
  }
  return rows;
}

/** The field names of a table's first cell: backticked names outside parentheses, `[]` and `protocol.` dropped. */
export function names(cell: string, prefix = ''): string[] {
  return [...cell.replace(/\([^)]*\)/g, '').matchAll(/`([^`]+)`/g)].map((m) => m[1].replace(/\[\]$/, '').replace(prefix, ''));
}

/** A first cell or meaning that says the field is there only sometimes. */
export const conditional = (row: string[]): boolean => /\(|only|absent/.test(row[0]) || /^(object, absent|only )/.test(row[2] ?? '') || /^only /.test(row[1] ?? '');

export interface Fields {
  all: string[];
  required: string[];
}

/** The fields of a `{a, b[], c: [lo, hi], d[, e], f?}` literal: `e` and `f` optional, nested braces skipped. */
export function braceFields(literal: string): Fields {
  const open = literal.indexOf('{');
  let depth = 0;
  let item = '';
  const items: string[] = [];
  for (const ch of literal.slice(open + 1).replace(/\[,\s*(\w+)\]/g, ', $1?')) {
    if ('{['.includes(ch)) depth++;
    if ('}]'.includes(ch)) depth--;
    if (depth < 0) break;
    if (ch === ',' && depth === 0) {
      items.push(item);
      item = '';
    } else item += ch;
  }
  items.push(item);
  const all: string[] = [];
  const required: string[] = [];
  for (const it of items.map((s) => s.trim())) {
    const m = /^(\w+)/.exec(it);
    if (!m) continue;
    all.push(m[1]);
    if (!/^\w+(\[\])?\?/.test(it)) required.push(m[1]);
  }
  return { all, required };
}

/** Every identifier of the row's backticked spans: what a prose description of nested fields mentions. */
export function mentioned(text: string): Set<string> {
  return new Set([...text.matchAll(/`([^`]+)`/g)].flatMap((m) => m[1].match(/\w+/g) ?? []));
}

/** The keys of `v` at every depth (array items included), those of maps keyed by ids left out. */
export function nestedKeys(v: unknown, maps: Set<string>, out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) for (const x of v) nestedKeys(x, maps, out);
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      out.add(k);
      if (!maps.has(k)) nestedKeys(x, maps, out);
    }
  }
  return out;
}

/** Checks `obj` against the rows of a field table: its keys documented, the unconditional ones present, brace literals field by field. */
export function checkAgainstTable(obj: Json, rows: string[][], what: string, opts: { prefix?: string; always?: string[] } = {}): void {
  const documented = new Map<string, string[]>();
  for (const row of rows) for (const n of names(row[0], opts.prefix)) documented.set(n, row);
  const keys = Object.keys(obj);
  expect(keys.filter((k) => !documented.has(k)), `${what}: fields written but not documented`).toEqual([]);
  const required = [...documented].filter(([n, row]) => !conditional(row) || opts.always?.includes(n)).map(([n]) => n);
  expect(required.filter((n) => !keys.includes(n)), `${what}: documented fields missing`).toEqual([]);
  for (const [n, row] of documented) {
    const literal = row.slice(1).find((c) => /^`\{/.test(c) && !c.includes('<'));
    const v = obj[n];
    if (!literal || v === null || v === undefined) continue;
    const f = braceFields(literal);
    for (const item of (Array.isArray(v) ? v : [v]) as Json[]) {
      const ks = Object.keys(item);
      expect(ks.filter((k) => !f.all.includes(k)), `${what}.${n}: fields written but not documented`).toEqual([]);
      expect(f.required.filter((k) => !ks.includes(k)), `${what}.${n}: documented fields missing`).toEqual([]);
    }
  }
}

/** The comma-separated column list of a backticked span, whitespace normalised. */
export const columns = (span: string): string[] => span.replace(/\s+/g, ' ').split(',').map((c) => c.trim());
export const firstSpan = (text: string): string => /`([^`]+)`/.exec(text)![1];
export const csvHeader = (file: string): string[] => readFileSync(file, 'utf8').split('\n')[0].split(',');
export const json = (file: string): Json => JSON.parse(readFileSync(file, 'utf8')) as Json;
