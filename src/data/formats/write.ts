/**
 * Writers for `datasets convert`. Arrow and Parquet get the wide layout (one row per query, model info
 * and task bounds in the file metadata), so one file carries the whole table. CSV/TSV/JSONL get the
 * long format, with side files for what the pairs file cannot hold (query text/features, model info,
 * task bounds). Every file is written to a temporary name and renamed at the end: on error nothing
 * appears at the destination.
 */
import { createWriteStream, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createGzip } from 'node:zlib';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { Field, Float64, List, Table, makeVector, vectorFromArray, Utf8, type Vector } from 'apache-arrow';
import { tableToIPC } from 'apache-arrow';
import { parquetWriteBuffer, schemaFromColumnData, type ColumnSource } from 'hyparquet-writer';
import { UsageError } from '../../core/errors.js';
import { releaseTemporary, signalsHandled, trackTemporary } from '../../core/atomic.js';
import { computeTaskBounds, type AccuracyColumn, type MetricColumn, type PoolTable } from '../pool.js';
import { nearest6 } from '../columns.js';
import { encodeMeta, META_KEY } from './columnar.js';
import { DEFAULT_TASK } from './longBuilder.js';
import { own } from '../../core/dict.js';

type OutputFormat = 'arrow' | 'arrow-stream' | 'parquet' | 'csv' | 'tsv' | 'jsonl';

const OUT_EXT: Record<string, OutputFormat> = {
  arrow: 'arrow',
  feather: 'arrow',
  ipc: 'arrow',
  arrows: 'arrow-stream',
  parquet: 'parquet',
  pq: 'parquet',
  csv: 'csv',
  tsv: 'tsv',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
};

export function outputFormatOf(dst: string, forced?: string): OutputFormat {
  if (forced) {
    const f = own(OUT_EXT, forced.toLowerCase()) ?? (forced === 'arrow-stream' ? 'arrow-stream' : undefined);
    if (!f) throw new UsageError(`--to: cannot write format '${forced}' (expected arrow, arrows, parquet, csv, tsv or jsonl)`);
    return f;
  }
  const { ext, gz } = splitExt(dst);
  const f = own(OUT_EXT, ext);
  // the whole path: a basename alone ('null' for /dev/null) does not say which path was meant
  if (!f) throw new UsageError(`cannot tell the output format from '${dst}' (use .arrow, .arrows, .parquet, .csv, .tsv or .jsonl, or --to)`);
  if (gz && (f === 'arrow' || f === 'arrow-stream' || f === 'parquet')) throw new UsageError(`${f} output is not gzipped; drop the .gz`);
  return f;
}

/** The side files writeTable may write next to a long-format `dst` (none for Arrow and Parquet). */
export function sideFilesOf(dst: string, format?: string): string[] {
  const fmt = outputFormatOf(dst, format);
  if (fmt === 'arrow' || fmt === 'arrow-stream' || fmt === 'parquet') return [];
  const { stem, ext, gz } = splitExt(dst);
  return ['queries', 'models'].map((w) => `${stem}.${w}.${ext || fmt}${gz ? '.gz' : ''}`).concat(`${stem}.bounds.csv`);
}

function splitExt(file: string): { stem: string; ext: string; gz: boolean } {
  let b = file;
  let gz = false;
  if (b.toLowerCase().endsWith('.gz')) {
    gz = true;
    b = b.slice(0, -3);
  }
  const slash = Math.max(b.lastIndexOf('/'), b.lastIndexOf('\\'));
  const dot = b.lastIndexOf('.');
  if (dot <= slash + 1) return { stem: b, ext: '', gz };
  return { stem: b.slice(0, dot), ext: b.slice(dot + 1).toLowerCase(), gz };
}

interface MetricOut {
  name: string;
  data: AccuracyColumn;
}

/** Metrics worth writing: those with at least one known value among present cells. */
function metricsOf(t: PoolTable): MetricOut[] {
  const out: MetricOut[] = [{ name: 'accuracy', data: t.accuracy }];
  const cand: [string, MetricColumn | null][] = [
    ['energy_j', t.energyJ],
    ['latency_s', t.latencyS],
    ['input_tokens', t.inputTokens],
    ['output_tokens', t.outputTokens],
  ];
  for (const [name, data] of cand) {
    if (!data) continue;
    let any = false;
    for (let i = 0; i < data.length && !any; i++) any = t.present[i] === 1 && !Number.isNaN(data[i]);
    if (any) out.push({ name, data });
  }
  if (t.costUsd) out.push({ name: 'cost_usd', data: t.costUsd });
  return out;
}

/** Per-model column of a Q×M metric, NaN where the cell is absent; float32 when the metric is stored narrower than float64. */
function modelColumn(t: PoolTable, data: AccuracyColumn, m: number): MetricColumn {
  const Q = t.nQueries;
  const M = t.nModels;
  const out = data instanceof Float64Array ? new Float64Array(Q) : new Float32Array(Q);
  for (let q = 0; q < Q; q++) {
    const i = q * M + m;
    out[q] = t.present[i] ? data[i] : Number.NaN;
  }
  return out;
}

function hasQueryFeatures(t: PoolTable): boolean {
  return t.queryText !== null || t.embedding !== undefined || t.cluster.some((c) => c >= 0) || t.complexity.some((c) => !Number.isNaN(c));
}

function hasModelInfo(t: PoolTable): boolean {
  return t.models.some((m) => m.name !== m.id || !Number.isNaN(m.paramsB));
}

function boundsDiffer(t: PoolTable): boolean {
  const computed = computeTaskBounds(t);
  const same = (a: number, b: number): boolean => a === b || (Number.isNaN(a) && Number.isNaN(b));
  return t.tasks.some((name) => {
    const a = t.taskBounds.get(name)!;
    const b = computed.get(name)!;
    return !same(a.eptMin, b.eptMin) || !same(a.eptMax, b.eptMax);
  });
}

interface Pending {
  tmp: string;
  dst: string;
}

// temporaries are tracked so that SIGINT/SIGTERM mid-write removes them too
class AtomicFiles {
  private pending: Pending[] = [];
  path(dst: string): string {
    const tmp = join(dirname(dst), `.greenserv-tmp-${randomBytes(6).toString('hex')}-${basename(dst)}`);
    this.pending.push({ tmp, dst });
    trackTemporary(tmp);
    return tmp;
  }
  commit(): string[] {
    for (const p of this.pending) renameSync(p.tmp, p.dst);
    for (const p of this.pending) releaseTemporary(p.tmp);
    return this.pending.map((p) => p.dst);
  }
  abort(): void {
    for (const p of this.pending) {
      rmSync(p.tmp, { force: true });
      releaseTemporary(p.tmp);
    }
  }
}

interface WriteResult {
  /** Files written, pairs/main file first. */
  files: string[];
  /** Load options needed to read the result back (side files of the long format). */
  loadHint: { queries?: string; models?: string; bounds?: string };
}

export async function writeTable(t: PoolTable, dst: string, format?: string): Promise<WriteResult> {
  const fmt = outputFormatOf(dst, format);
  const files = new AtomicFiles();
  try {
    const hint: WriteResult['loadHint'] = {};
    if (fmt === 'arrow' || fmt === 'arrow-stream') writeArrow(t, files.path(dst), fmt === 'arrow-stream' ? 'stream' : 'file');
    else if (fmt === 'parquet') writeParquet(t, files.path(dst));
    else {
      const { stem, ext, gz } = splitExt(dst);
      const side = (what: string): string => `${stem}.${what}.${ext || fmt}${gz ? '.gz' : ''}`;
      await writeLong(t, files.path(dst), fmt, gz);
      if (hasQueryFeatures(t)) {
        hint.queries = side('queries');
        await writeQueries(t, files.path(hint.queries), fmt, gz);
      }
      if (hasModelInfo(t)) {
        hint.models = side('models');
        await writeModels(t, files.path(hint.models), fmt, gz);
      }
      if (boundsDiffer(t)) {
        hint.bounds = `${stem}.bounds.csv`;
        writeBounds(t, files.path(hint.bounds));
      }
    }
    // a signal that came during the synchronous writes is handled (files removed) before any is renamed
    await signalsHandled();
    return { files: files.commit(), loadHint: hint };
  } catch (err) {
    files.abort();
    throw err;
  }
}

// ---- Arrow / Parquet (wide) ---------------------------------------------------------------------------

interface WideColumns {
  strings: { name: string; data: (string | null)[] }[];
  cluster: Int32Array;
  complexity: Float64Array;
  metrics: { name: string; data: MetricColumn }[];
  /** The user embedding, one list of numbers per query, or null. */
  embedding: number[][] | null;
}

function wideColumns(t: PoolTable): WideColumns {
  const strings: WideColumns['strings'] = [
    { name: 'query_id', data: t.queryIds },
    { name: 'task', data: Array.from(t.queryTask, (k) => t.tasks[k]) },
  ];
  if (t.queryText) strings.push({ name: 'text', data: t.queryText });
  const metrics: WideColumns['metrics'] = [];
  for (const metric of metricsOf(t)) {
    t.models.forEach((m, mi) => metrics.push({ name: `${m.id}|${metric.name}`, data: modelColumn(t, metric.data, mi) }));
  }
  const e = t.embedding;
  const embedding = e ? Array.from({ length: t.nQueries }, (_, q) => Array.from(e.values.subarray(q * e.dim, (q + 1) * e.dim))) : null;
  return { strings, cluster: t.cluster, complexity: t.complexity, metrics, embedding };
}

export function arrowTable(t: PoolTable): Table {
  const w = wideColumns(t);
  const cols: Record<string, Vector> = {};
  for (const s of w.strings) cols[s.name] = vectorFromArray(s.data, new Utf8());
  cols.cluster = makeVector(w.cluster);
  cols.complexity = makeVector(w.complexity);
  for (const m of w.metrics) cols[m.name] = makeVector(m.data);
  if (w.embedding) cols.embedding = vectorFromArray(w.embedding, new List(new Field('item', new Float64(), false)));
  const table = new Table(cols);
  table.schema.metadata.set(META_KEY, encodeMeta(t));
  return table;
}

function writeArrow(t: PoolTable, path: string, kind: 'file' | 'stream'): void {
  writeFileSync(path, tableToIPC(arrowTable(t), kind));
}

export function parquetBytes(t: PoolTable): ArrayBuffer {
  const w = wideColumns(t);
  const columnData: ColumnSource[] = [];
  for (const s of w.strings) columnData.push({ name: s.name, data: s.data, type: 'STRING' });
  columnData.push({ name: 'cluster', data: w.cluster, type: 'INT32', nullable: false });
  columnData.push({ name: 'complexity', data: w.complexity, type: 'DOUBLE', nullable: false });
  // PLAIN keeps doubles as Float64Array on read (dictionary pages decode to boxed-number arrays).
  // float32 columns stay FLOAT, so a converted table loads with the same storage (datasets/README.md)
  for (const m of w.metrics) columnData.push({ name: m.name, data: m.data, type: m.data instanceof Float32Array ? 'FLOAT' : 'DOUBLE', nullable: false, encoding: 'PLAIN' });
  // the embedding is a LIST of doubles (three-level layout); the other columns' schema is what the writer infers
  let schema: ReturnType<typeof schemaFromColumnData> | undefined;
  let columns = columnData;
  if (w.embedding) {
    schema = schemaFromColumnData({ columnData });
    // with an explicit schema the columns name no type
    columns = columnData.map(({ type: _type, nullable: _nullable, ...rest }) => rest);
    schema[0] = { ...schema[0], num_children: (schema[0].num_children ?? 0) + 1 };
    schema.push(
      { name: 'embedding', repetition_type: 'REQUIRED', num_children: 1, converted_type: 'LIST' },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      { name: 'element', type: 'DOUBLE', repetition_type: 'REQUIRED' },
    );
    columns.push({ name: 'embedding', data: w.embedding });
  }
  return parquetWriteBuffer({
    columnData: columns,
    ...(schema ? { schema } : {}),
    kvMetadata: [{ key: META_KEY, value: encodeMeta(t) }],
    rowGroupSize: 100_000,
    statistics: false,
  });
}

function writeParquet(t: PoolTable, path: string): void {
  writeFileSync(path, new Uint8Array(parquetBytes(t)));
}

// ---- long text -----------------------------------------------------------------------------------------

type TextFormat = 'csv' | 'tsv' | 'jsonl';

function quoteCsv(s: string, delim: string): string {
  if (s.includes('"') || s.includes(delim) || s.includes('\n') || s.includes('\r') || s !== s.trim()) return '"' + s.replaceAll('"', '""') + '"';
  return s;
}

/** The shortest decimal that reads back as the same float32, as a number (so it prints that way). */
function shortFloat32(v: number): number {
  const x = nearest6(v);
  if (Math.fround(x) === v || Number.isNaN(v)) return Number.isNaN(v) ? v : x;
  for (let p = 7; p < 9; p++) {
    const y = Number(v.toPrecision(p));
    if (Math.fround(y) === v) return y;
  }
  return Number(v.toPrecision(9));
}

function numText(v: number): string {
  return Number.isNaN(v) ? '' : String(v);
}

/** Buffered text output, gzipped on request, that honours back-pressure. */
class TextOut {
  private buf: string[] = [];
  private size = 0;
  private readonly out: Writable;
  private readonly file: Writable;
  constructor(path: string, gz: boolean) {
    this.file = createWriteStream(path);
    if (gz) {
      const z = createGzip();
      z.pipe(this.file);
      this.out = z;
    } else this.out = this.file;
  }
  async line(s: string): Promise<void> {
    this.buf.push(s, '\n');
    this.size += s.length + 1;
    if (this.size > 1 << 20) await this.flush();
  }
  private async flush(): Promise<void> {
    if (this.buf.length === 0) return;
    const chunk = this.buf.join('');
    this.buf = [];
    this.size = 0;
    if (!this.out.write(chunk)) await once(this.out, 'drain');
  }
  async close(): Promise<void> {
    await this.flush();
    this.out.end();
    await once(this.file, 'close');
  }
}

async function writeRows(path: string, fmt: TextFormat, gz: boolean, header: string[], rows: Iterable<(string | number | null)[]>, stringCols: Set<number>): Promise<void> {
  const out = new TextOut(path, gz);
  try {
    if (fmt === 'jsonl') {
      for (const r of rows) {
        const o: Record<string, string | number | null> = {};
        header.forEach((h, i) => {
          const v = r[i];
          o[h] = typeof v === 'number' && Number.isNaN(v) ? null : v;
        });
        await out.line(JSON.stringify(o));
      }
    } else {
      const d = fmt === 'tsv' ? '\t' : ',';
      await out.line(header.join(d));
      for (const r of rows) {
        await out.line(
          r
            .map((v, i) => {
              if (v === null) return '';
              if (typeof v === 'number') return numText(v);
              return stringCols.has(i) ? quoteCsv(v, d) : v;
            })
            .join(d),
        );
      }
    }
  } finally {
    await out.close();
  }
}

async function writeLong(t: PoolTable, path: string, fmt: TextFormat, gz: boolean): Promise<void> {
  const metrics = metricsOf(t);
  const withTask = !(t.tasks.length === 1 && t.tasks[0] === DEFAULT_TASK);
  const header = ['query_id', 'model_id', ...(withTask ? ['task'] : []), ...metrics.map((m) => m.name)];
  const M = t.nModels;
  function* rows(): Iterable<(string | number | null)[]> {
    for (let q = 0; q < t.nQueries; q++) {
      for (let m = 0; m < M; m++) {
        const i = q * M + m;
        if (!t.present[i]) continue;
        const r: (string | number | null)[] = [t.queryIds[q], t.models[m].id];
        if (withTask) r.push(t.tasks[t.queryTask[q]]);
        for (const x of metrics) r.push(x.data instanceof Float64Array ? x.data[i] : shortFloat32(x.data[i]));
        yield r;
      }
    }
  }
  await writeRows(path, fmt, gz, header, rows(), new Set(withTask ? [0, 1, 2] : [0, 1]));
}

async function writeQueries(t: PoolTable, path: string, fmt: TextFormat, gz: boolean): Promise<void> {
  // a user embedding goes into emb_0 … emb_{d−1} columns (datasets/README.md, user embeddings)
  const emb = t.embedding;
  const embNames = emb ? Array.from({ length: emb.dim }, (_, j) => `emb_${j}`) : [];
  const header = ['query_id', 'task', ...(t.queryText ? ['text'] : []), 'cluster', 'complexity', ...embNames];
  function* rows(): Iterable<(string | number | null)[]> {
    for (let q = 0; q < t.nQueries; q++) {
      const r: (string | number | null)[] = [t.queryIds[q], t.tasks[t.queryTask[q]]];
      if (t.queryText) r.push(t.queryText[q]);
      r.push(t.cluster[q] < 0 ? null : t.cluster[q], t.complexity[q]);
      if (emb) for (let j = 0; j < emb.dim; j++) r.push(emb.values[q * emb.dim + j]);
      yield r;
    }
  }
  await writeRows(path, fmt, gz, header, rows(), new Set(t.queryText ? [0, 1, 2] : [0, 1]));
}

async function writeModels(t: PoolTable, path: string, fmt: TextFormat, gz: boolean): Promise<void> {
  const rows = t.models.map((m) => [m.id, m.name, m.paramsB]);
  await writeRows(path, fmt, gz, ['model_id', 'name', 'params_b'], rows, new Set([0, 1]));
}

function writeBounds(t: PoolTable, path: string): void {
  const lines = ['task,ept_min,ept_max'];
  for (const name of t.tasks) {
    const b = t.taskBounds.get(name)!;
    if (Number.isNaN(b.eptMin) || Number.isNaN(b.eptMax)) continue;
    lines.push(`${quoteCsv(name, ',')},${b.eptMin},${b.eptMax}`);
  }
  writeFileSync(path, lines.join('\n') + '\n');
}
