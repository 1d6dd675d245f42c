/**
 * Valid seed inputs for the loader fuzzer: small random pool tables written with the project's own writers
 * (long CSV/TSV/JSONL with side files, wide Arrow and Parquet), hand-built layouts the writers do not
 * produce (long Arrow/Parquet, RouterBench wide CSV/Arrow/Parquet, recovered pairs, pg_dump text), and the
 * committed fixtures. Seeds are kept small so that ten thousand loads per format stay quick.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bool, Dictionary, Float64, Int32, Table, Utf8, makeVector, tableToIPC, vectorFromArray, type Vector } from 'apache-arrow';
import { parquetWriteBuffer, type ColumnSource } from 'hyparquet-writer';
import { Rng } from '../src/core/rng.js';
import { makePoolTable, PAPER_TASKS, type PoolTable } from '../src/data/pool.js';
import { arrowTable, parquetBytes, writeTable } from '../src/data/formats/write.js';
import { pickleSeeds } from './pickleSeeds.js';

export type FuzzFormat = 'csv' | 'arrow' | 'parquet' | 'pickle' | 'sql';
export const FUZZ_FORMATS: readonly FuzzFormat[] = ['csv', 'arrow', 'parquet', 'pickle', 'sql'];

/** One file of an input; `role` says which loader option names it. */
export interface SeedFile {
  role: 'main' | 'queries' | 'models';
  /** File name with the extension the loader dispatches on. */
  name: string;
  bytes: Uint8Array;
}

export interface Seed {
  /** Short description (shown with failing inputs). */
  label: string;
  files: SeedFile[];
}

const ID_POOL = ['q', 'item', 'p', 'mmlu.test.', 'x y ', 'q,', 'q"', 'é', '#'];
const MODEL_POOL = ['qwen2.5-0.5b', 'gemma-3-27b', 'gpt-4-1106-preview', 'meta/llama-2-70b-chat', 'm,1', 'm "q"', 'm\tx', 'ü'];
const TEXT_POOL = ['Which gas?\nA) O2\nB) CO2', 'plain text', 'quote " and, comma', "it's", 'tab\there', 'back\\slash', '', 'x'.repeat(200)];

/** A small random table: 1–6 queries × 1–4 models, some cells missing, optional text, features and cost. */
export function randomTable(rng: Rng, name: string, opts: { safeIds?: boolean } = {}): PoolTable {
  const Q = 1 + rng.int(6);
  const M = 1 + rng.int(4);
  const pick = <T>(a: readonly T[]): T => a[rng.int(a.length)];
  const safe = opts.safeIds ?? rng.next() < 0.5;
  const queryIds = Array.from({ length: Q }, (_, q) => (safe ? `q${q + 1}` : `${pick(ID_POOL).trim() || 'q'}${q + 1}`));
  const models = Array.from({ length: M }, (_, m) => {
    const base = safe ? MODEL_POOL[m % 4] : pick(MODEL_POOL);
    const id = `${base}${m}`;
    return { id, name: rng.next() < 0.3 ? `org/${id}` : id, paramsB: rng.next() < 0.5 ? [0.5, 7, 27, 70][rng.int(4)] : Number.NaN };
  });
  const tasks = rng.next() < 0.2 ? ['all'] : rng.next() < 0.8 ? PAPER_TASKS.slice(0, 1 + rng.int(5)) : ['custom task', 'other'];
  const queryTasks = queryIds.map(() => pick(tasks));
  const n = Q * M;
  const present = new Uint8Array(n);
  for (let q = 0; q < Q; q++) {
    for (let m = 0; m < M; m++) present[q * M + m] = rng.next() < 0.85 ? 1 : 0;
    present[q * M + rng.int(M)] = 1;
  }
  const col = (f: () => number, pMissing = 0): Float64Array =>
    Float64Array.from({ length: n }, (_, i) => (present[i] && rng.next() >= pMissing ? f() : Number.NaN));
  const accuracy = col(() => (rng.next() < 0.7 ? rng.int(2) : Math.round(rng.next() * 100) / 100));
  const energyJ = col(() => Math.round(rng.next() * 5000) / 10, 0.1);
  const latencyS = col(() => Math.round(rng.next() * 400) / 100, 0.1);
  const inputTokens = col(() => 1 + rng.int(500), 0.1);
  const outputTokens = col(() => rng.int(200), 0.1);
  const costUsd = rng.next() < 0.4 ? col(() => Math.round(rng.next() * 1e5) / 1e7, 0.1) : null;
  const withText = rng.next() < 0.4;
  const withFeatures = rng.next() < 0.4;
  return makePoolTable({
    name,
    queryIds,
    queryTasks,
    queryText: withText ? queryIds.map(() => (rng.next() < 0.8 ? pick(TEXT_POOL) || 'x' : null)) : null,
    cluster: withFeatures ? Int32Array.from(queryIds, () => rng.int(3)) : undefined,
    complexity: withFeatures ? Float64Array.from(queryIds, () => Math.round(rng.next() * 600) / 10) : undefined,
    models,
    accuracy,
    energyJ,
    latencyS,
    inputTokens,
    outputTokens,
    costUsd,
    present,
  });
}

const enc = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));
/** File contents as a plain Uint8Array: Buffer#slice shares memory, and the mutators slice their input. */
const readBytes = (path: string): Uint8Array => new Uint8Array(readFileSync(path));

/** Long CSV/TSV/JSONL files (and side files) through `writeTable`, read back into memory. */
async function longTextSeeds(rng: Rng, count: number): Promise<Seed[]> {
  const dir = mkdtempSync(join(tmpdir(), 'greenserv-fuzz-seed-'));
  const out: Seed[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const t = randomTable(rng, `seed${i}`);
      const ext = (['csv', 'csv', 'tsv', 'jsonl'] as const)[i % 4];
      const dst = join(dir, `seed${i}.${ext}`);
      const res = await writeTable(t, dst);
      const files: SeedFile[] = [{ role: 'main', name: `pairs.${ext}`, bytes: readBytes(dst) }];
      if (res.loadHint.queries) files.push({ role: 'queries', name: `pairs.queries.${ext}`, bytes: readBytes(res.loadHint.queries) });
      if (res.loadHint.models) files.push({ role: 'models', name: `pairs.models.${ext}`, bytes: readBytes(res.loadHint.models) });
      out.push({ label: `long ${ext} (writeTable)${files.length > 1 ? ' + side files' : ''}`, files });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/** A Python `str([text])` literal, as RouterBench stores prompts. */
function pyListLiteral(text: string): string {
  const esc = text.replaceAll('\\', '\\\\').replaceAll("'", "\\'").replaceAll('\n', '\\n').replaceAll('\t', '\\t');
  return `['${esc}']`;
}

function csvQuote(s: string): string {
  return /[",\n\r]/.test(s) || s !== s.trim() ? `"${s.replaceAll('"', '""')}"` : s;
}

const num = (v: number): string => (Number.isNaN(v) ? '' : String(v));

/** RouterBench wide CSV: index column, sample_id, prompt, eval_name, correctness, responses, costs, oracle. */
function routerbenchCsv(t: PoolTable): string {
  const M = t.nModels;
  const ids = t.models.map((m) => m.id);
  const head = ['', 'sample_id', 'prompt', 'eval_name', ...ids, ...ids.map((m) => `${m}|model_response`), ...ids.map((m) => `${m}|total_cost`), 'oracle_model_to_route_to'];
  const lines = [head.map(csvQuote).join(',')];
  for (let q = 0; q < t.nQueries; q++) {
    const row = [String(q), t.queryIds[q], pyListLiteral(t.queryText?.[q] ?? `prompt ${q}`), t.tasks[t.queryTask[q]]];
    for (let m = 0; m < M; m++) row.push(num(t.accuracy[q * M + m]));
    for (let m = 0; m < M; m++) row.push(pyListLiteral(`answer ${m}`));
    for (let m = 0; m < M; m++) row.push(num(t.costUsd ? t.costUsd[q * M + m] : (m + 1) / 1000));
    row.push(ids[0]);
    lines.push(row.map(csvQuote).join(','));
  }
  return lines.join('\n') + '\n';
}

/** The recovered-pairs layout (J/token only). */
function recoveredCsv(t: PoolTable): string {
  const lines = ['query_id,dataset,model_id,accuracy_decoded,ept_J_per_token_decoded'];
  const M = t.nModels;
  for (let q = 0; q < t.nQueries; q++) {
    for (let m = 0; m < M; m++) {
      const i = q * M + m;
      if (!t.present[i]) continue;
      const ept = t.energyJ[i] / 100;
      lines.push([t.queryIds[q], t.tasks[t.queryTask[q]], t.models[m].id, num(t.accuracy[i]), num(ept)].map(csvQuote).join(','));
    }
  }
  return lines.join('\n') + '\n';
}

/** Rows (query, model, metrics) of the present cells, for the long columnar layouts. */
function longRows(t: PoolTable): { q: string[]; m: string[]; task: string[]; acc: number[]; energy: number[]; tokens: bigint[]; latency: (number | null)[] } {
  const r = { q: [] as string[], m: [] as string[], task: [] as string[], acc: [] as number[], energy: [] as number[], tokens: [] as bigint[], latency: [] as (number | null)[] };
  const M = t.nModels;
  for (let q = 0; q < t.nQueries; q++) {
    for (let m = 0; m < M; m++) {
      const i = q * M + m;
      if (!t.present[i]) continue;
      r.q.push(t.queryIds[q]);
      r.m.push(t.models[m].id);
      r.task.push(t.tasks[t.queryTask[q]]);
      r.acc.push(t.accuracy[i]);
      r.energy.push(Number.isNaN(t.energyJ[i]) ? 1 : t.energyJ[i]);
      const tin = t.inputTokens?.[i] ?? Number.NaN;
      const lat = t.latencyS?.[i] ?? Number.NaN;
      r.tokens.push(BigInt(Number.isNaN(tin) ? 1 : tin));
      r.latency.push(Number.isNaN(lat) ? null : lat);
    }
  }
  return r;
}

function arrowSeeds(rng: Rng, count: number): Seed[] {
  const out: Seed[] = [];
  for (let i = 0; i < count; i++) {
    const t = randomTable(rng, `seed${i}`);
    const kind = i % 2 === 0 ? 'file' : 'stream';
    const ext = kind === 'file' ? (i % 4 === 0 ? 'arrow' : 'feather') : 'arrows';
    const layout = (['writer', 'long', 'routerbench'] as const)[i % 3];
    const bytes = layout === 'writer' ? tableToIPC(arrowTable(t), kind) : arrowBytes(tableColumns(t, layout), kind, null, rng);
    out.push({ label: `${layout === 'writer' ? 'wide arrow (writer)' : `${layout} arrow`} ${kind}`, files: [{ role: 'main', name: `table.${ext}`, bytes }] });
  }
  return out;
}

function parquetSeeds(rng: Rng, count: number): Seed[] {
  const out: Seed[] = [];
  const codecs = ['SNAPPY', 'UNCOMPRESSED'] as const;
  for (let i = 0; i < count; i++) {
    const t = randomTable(rng, `seed${i}`);
    const layout = i % 3;
    let bytes: Uint8Array;
    let label: string;
    if (layout === 0) {
      bytes = new Uint8Array(parquetBytes(t));
      label = 'wide parquet (writer)';
    } else if (layout === 1) {
      const r = longRows(t);
      const codec = codecs[i % 2];
      const columnData: ColumnSource[] = [
        { name: 'query_id', data: r.q, type: 'STRING' },
        { name: 'model_id', data: r.m, type: 'STRING' },
        { name: 'task', data: r.task, type: 'STRING' },
        { name: 'accuracy', data: r.acc, type: 'DOUBLE' },
        { name: 'energy_j', data: Float64Array.from(r.energy), type: 'DOUBLE', nullable: false, encoding: 'PLAIN' },
        { name: 'input_tokens', data: BigInt64Array.from(r.tokens), type: 'INT64', nullable: false },
        { name: 'latency_s', data: r.latency, type: 'DOUBLE' },
      ];
      bytes = new Uint8Array(parquetWriteBuffer({ columnData, codec, statistics: i % 2 === 0, rowGroupSize: Math.max(1, Math.ceil(r.q.length / 2)) }));
      label = `long parquet ${codec.toLowerCase()}`;
    } else {
      const M = t.nModels;
      const columnData: ColumnSource[] = [
        { name: 'sample_id', data: t.queryIds, type: 'STRING' },
        { name: 'prompt', data: t.queryIds.map((_, q) => pyListLiteral(t.queryText?.[q] ?? `prompt ${q}`)), type: 'STRING' },
        { name: 'eval_name', data: Array.from(t.queryTask, (k) => t.tasks[k]), type: 'STRING' },
      ];
      t.models.forEach((m, mi) => {
        columnData.push({ name: m.id, data: Array.from(t.queryIds, (_, q) => { const v = t.accuracy[q * M + mi]; return Number.isNaN(v) ? null : v; }), type: 'DOUBLE' });
        columnData.push({ name: `${m.id}|total_cost`, data: Float64Array.from(t.queryIds, (_, q) => (mi + 1) / 1000 + q / 1e5), type: 'DOUBLE', nullable: false });
      });
      bytes = new Uint8Array(parquetWriteBuffer({ columnData, codec: codecs[i % 2] }));
      label = 'routerbench parquet';
    }
    out.push({ label, files: [{ role: 'main', name: 'table.parquet', bytes }] });
  }
  return out;
}

/** COPY text escaping (backslash, tab, newline, carriage return). */
function copyText(s: string | null): string {
  if (s === null) return '\\N';
  return s.replaceAll('\\', '\\\\').replaceAll('\t', '\\t').replaceAll('\n', '\\n').replaceAll('\r', '\\r');
}

/** A plain pg_dump of the GreenServ schema holding `t`; some seeds repeat run_ids or carry NULL accuracies. */
export function pgDumpText(t: PoolTable, rng: Rng): string {
  const M = t.nModels;
  const withQueries = rng.next() < 0.8;
  const lines: string[] = ['--', '-- PostgreSQL database dump', '--', '', "SET client_encoding = 'UTF8';", 'SET standard_conforming_strings = on;', ''];
  const block = (head: string, rows: (string | null)[][]): void => {
    lines.push(head);
    for (const r of rows) lines.push(r.map(copyText).join('\t'));
    lines.push('\\.', '');
  };
  // Numeric query ids as in the real database; models keep their string ids.
  const qid = (q: number): string => String(q + 1);
  if (rng.next() < 0.5) block('COPY public.inference_results (id, query_id, model_id, output) FROM stdin;', [['1', '1', t.models[0].id, 'unused']]);
  block(
    'COPY public.models (model_id, name, parameter_count, model_type, quantization) FROM stdin;',
    t.models.map((m) => [m.id, m.name, Number.isNaN(m.paramsB) ? null : String(m.paramsB), 'causal', null]),
  );
  const results: (string | null)[][] = [];
  let id = 1;
  for (let q = 0; q < t.nQueries; q++) {
    for (let m = 0; m < M; m++) {
      const i = q * M + m;
      if (!t.present[i]) continue;
      const runs = rng.next() < 0.2 ? 2 : 1;
      for (let r = 0; r < runs; r++) {
        const acc = rng.next() < 0.05 ? null : num(t.accuracy[i]);
        results.push([String(id++), qid(q), t.models[m].id, String(r + 1), 'out', acc, num(t.energyJ[i]) || null, num(t.latencyS?.[i] ?? Number.NaN) || null, num(t.inputTokens?.[i] ?? Number.NaN) || null, num(t.outputTokens?.[i] ?? Number.NaN) || null, '2025-05-01 10:00:00']);
      }
    }
  }
  // Every seed has at least one row with an accuracy.
  if (results.every((r) => r[5] === null)) results[0][5] = '1';
  block(
    'COPY public.pregenerated_results (id, query_id, model_id, run_id, generated_output, accuracy, energy_consumption, latency, input_tokens, output_tokens, "timestamp") FROM stdin;',
    results,
  );
  if (withQueries) {
    block(
      'COPY public.queries (query_id, text, dataset, source_id, reference, extraction_method, evaluation_metrics, generation_parameters) FROM stdin;',
      t.queryIds.map((_, q) => [qid(q), t.queryText?.[q] ?? null, t.tasks[t.queryTask[q]], `src${q}`, null, 'exact', 'accuracy', '{}']),
    );
    block(
      'COPY public.query_features (query_id, task_type, semantic_cluster, complexity_score) FROM stdin;',
      t.queryIds.map((_, q) => [qid(q), t.tasks[t.queryTask[q]], t.cluster[q] < 0 ? null : String(t.cluster[q]), num(t.complexity[q]) || null]),
    );
  }
  lines.push('--', '-- PostgreSQL database dump complete', '--');
  return lines.join('\n') + '\n';
}

// ---- columns for the Arrow layouts and the value variants (variants.ts) --------------------------------------

export type Column = { name: string; kind: 'string'; data: (string | null)[] } | { name: string; kind: 'number'; data: (number | null)[] } | { name: string; kind: 'bigint'; data: bigint[] } | { name: string; kind: 'boolean'; data: (boolean | null)[] };

/** Columns of a table in the long layout (one row per present cell) or the GreenServ/RouterBench wide layout. */
export function tableColumns(t: PoolTable, layout: 'long' | 'wide' | 'routerbench'): Column[] {
  const M = t.nModels;
  const task = (q: number): string => t.tasks[t.queryTask[q]];
  const nanNull = (v: number): number | null => (Number.isNaN(v) ? null : v);
  if (layout === 'long') {
    const r = longRows(t);
    return [
      { name: 'query_id', kind: 'string', data: r.q },
      { name: 'model_id', kind: 'string', data: r.m },
      { name: 'task', kind: 'string', data: r.task },
      { name: 'accuracy', kind: 'number', data: r.acc },
      { name: 'energy_j', kind: 'number', data: r.energy },
      { name: 'latency_s', kind: 'number', data: r.latency },
      { name: 'input_tokens', kind: 'bigint', data: r.tokens },
    ];
  }
  const rb = layout === 'routerbench';
  const cols: Column[] = [
    { name: rb ? 'sample_id' : 'query_id', kind: 'string', data: [...t.queryIds] },
    { name: rb ? 'eval_name' : 'task', kind: 'string', data: t.queryIds.map((_, q) => task(q)) },
    { name: rb ? 'prompt' : 'text', kind: 'string', data: t.queryIds.map((_, q) => (rb ? pyListLiteral(t.queryText?.[q] ?? `p${q}`) : (t.queryText?.[q] ?? null))) },
  ];
  if (!rb) {
    cols.push({ name: 'cluster', kind: 'number', data: Array.from(t.cluster, (c) => (c < 0 ? null : c)) });
    cols.push({ name: 'complexity', kind: 'number', data: Array.from(t.complexity, nanNull) });
  }
  t.models.forEach((m, mi) => {
    const at = (a: ArrayLike<number> | null): (number | null)[] => t.queryIds.map((_, q) => (a && t.present[q * M + mi] ? nanNull(a[q * M + mi]) : null));
    cols.push({ name: rb ? m.id : `${m.id}|accuracy`, kind: 'number', data: at(t.accuracy) });
    cols.push({ name: `${m.id}|${rb ? 'total_cost' : 'energy_j'}`, kind: 'number', data: at(t.energyJ) });
    if (!rb) cols.push({ name: `${m.id}|output_tokens`, kind: 'number', data: at(t.outputTokens) });
  });
  return cols;
}

export function arrowBytes(cols: Column[], kind: 'file' | 'stream', meta: string | null, rng: Rng): Uint8Array {
  const vectors: Record<string, Vector> = {};
  cols.forEach((c, i) => {
    if (c.kind === 'bigint') vectors[c.name] = makeVector(BigInt64Array.from(c.data));
    else if (c.kind === 'number') vectors[c.name] = vectorFromArray(c.data, new Float64());
    else if (c.kind === 'boolean') vectors[c.name] = vectorFromArray(c.data, new Bool());
    // Dictionary ids are fixed here: apache-arrow's default ones come from a process-wide counter.
    else vectors[c.name] = vectorFromArray(c.data, rng.next() < 0.5 ? new Utf8() : new Dictionary(new Utf8(), new Int32(), i));
  });
  const table = new Table(vectors);
  if (meta !== null) table.schema.metadata.set('greenserv', meta);
  return tableToIPC(table, kind);
}

/** The committed fixtures directory (from the sources or from the compiled copy in dist/). */
export function fixturesDir(): string | null {
  for (const rel of ['../test/fixtures/', '../../test/fixtures/']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  return null;
}

function fixtureSeeds(format: FuzzFormat): Seed[] {
  const dir = fixturesDir();
  if (!dir) return [];
  const names = readdirSync(dir).sort();
  const pick = (re: RegExp): Seed[] =>
    names.filter((n) => re.test(n)).map((n) => ({ label: `fixture ${n}`, files: [{ role: 'main' as const, name: basename(n), bytes: readBytes(join(dir, n)) }] }));
  if (format === 'pickle') return pick(/^routerbench_small_pd\d_p\d\.pkl$/);
  if (format === 'sql') return pick(/\.sql$/);
  return [];
}

/** Every seed of a format, deterministic for a given seed number. */
export async function makeSeeds(format: FuzzFormat, seed: number): Promise<Seed[]> {
  const rng = Rng.derive(seed, 0x5eed, FUZZ_FORMATS.indexOf(format));
  switch (format) {
    case 'csv': {
      const out = await longTextSeeds(rng, 16);
      for (let i = 0; i < 6; i++) {
        const t = randomTable(rng, `rb${i}`, { safeIds: true });
        out.push({ label: 'routerbench wide csv', files: [{ role: 'main', name: i % 3 === 2 ? 'wide.tsv' : 'wide.csv', bytes: enc(i % 3 === 2 ? routerbenchCsv(t).replaceAll(',', '\t') : routerbenchCsv(t)) }] });
      }
      for (let i = 0; i < 3; i++) {
        const t = randomTable(rng, `rec${i}`, { safeIds: true });
        out.push({ label: 'recovered pairs csv', files: [{ role: 'main', name: 'recovered_pairs.csv', bytes: enc(recoveredCsv(t)) }] });
      }
      return out;
    }
    case 'arrow':
      return arrowSeeds(rng, 18);
    case 'parquet':
      return parquetSeeds(rng, 18);
    case 'pickle':
      return pickleSeeds(rng, fixtureSeeds('pickle'));
    case 'sql': {
      const out = fixtureSeeds('sql');
      for (let i = 0; i < 12; i++) {
        const t = randomTable(rng, `dump${i}`);
        out.push({ label: 'pg_dump text', files: [{ role: 'main', name: 'greenserv.sql', bytes: enc(pgDumpText(t, rng)) }] });
      }
      return out;
    }
  }
}
