/**
 * Several files of one dataset as one table that does not depend on the order the files are given in:
 * concatenated (concatTables merges repeated query ids), then queries sorted by id and, when the files list
 * different models, models sorted by id. A single table is returned as it is.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { DataError, UsageError } from '../core/errors.js';
import { concatTables } from './families.js';
import { makePoolTable, type AccuracyColumn, type PoolTable, type QueryEmbedding } from './pool.js';

/** File names a directory source is scanned for. */
const TABLE_EXTENSIONS = /\.(csv|tsv|tab|jsonl|ndjson|pkl|pickle|parquet|pq|arrow|arrows|ipc|feather)(\.gz)?$/i;

/**
 * Load one file: a table, or (when not strict) the reason it is not one. Strict loads throw; files found by
 * scanning a directory are loaded leniently and skipped with the reason.
 */
export type LoadOne = (file: string, strict: boolean) => Promise<PoolTable | string>;

/**
 * Why a file was skipped, from the error loading it: the skip note names the file already, so keep only
 * the line and the reason (`line 12: …`, `line 12 (column 'x'): …`).
 */
export function skipReason(e: DataError, file: string): string {
  if (!e.message.startsWith(`${file}:`)) return e.message;
  const rest = e.message.slice(file.length + 1);
  return /^\d+[ :]/.test(rest) ? `line ${rest}` : rest.trimStart();
}

/**
 * Files, hf:// URIs and directories (their table files, sorted) loaded and combined into one table. A file
 * named twice (directly or through a directory) is read once; the files are listed sorted, and the table is
 * independent of the order the sources were given in (combineTables).
 */
export async function loadSources(
  sources: readonly string[],
  loadOne: LoadOne,
  o: { what: string; warn: (msg: string) => void },
): Promise<{ table: PoolTable; files: string[] }> {
  if (sources.length === 0) throw new UsageError('no source given');
  const loaded: { file: string; table: PoolTable }[] = [];
  const seen = new Set<string>();
  const skipped: string[] = [];
  for (const src of sources) {
    if (!src.startsWith('hf://') && existsSync(src) && statSync(src).isDirectory()) {
      const names = readdirSync(src)
        .filter((f) => TABLE_EXTENSIONS.test(f) && !f.startsWith('.'))
        .sort();
      if (names.length === 0) throw new DataError('directory holds no table files (csv, tsv, jsonl, pkl, parquet, arrow)', src);
      const here: [string, string][] = [];
      let found = 0;
      for (const n of names) {
        const file = join(src, n);
        if (!seen.has(resolve(file))) {
          const r = await loadOne(file, false);
          if (typeof r === 'string') {
            here.push([n, r]);
            continue;
          }
          seen.add(resolve(file));
          loaded.push({ file, table: r });
        }
        found++;
      }
      if (found === 0) throw new DataError(`no ${o.what} in the directory; ${here.map(([n, why]) => `${n}: ${why}`).join('; ')}`, src);
      skipped.push(...here.map(([n, why]) => `skipping ${join(src, n)}: ${why}`));
    } else {
      const key = src.startsWith('hf://') ? src : resolve(src);
      if (seen.has(key)) continue;
      seen.add(key);
      loaded.push({ file: src, table: (await loadOne(src, true)) as PoolTable });
    }
  }
  for (const m of skipped) o.warn(m);
  loaded.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const files = loaded.map((l) => l.file);
  let name: string;
  if (loaded.length === 1) name = loaded[0].table.name;
  else if (sources.length === 1) name = `${basename(sources[0].replace(/[\\/]+$/, '')) || sources[0]} (${files.map((f) => basename(f)).join(' + ')})`;
  else name = files.map((f) => basename(f)).join(' + ');
  return { table: combineTables(loaded.map((l) => l.table), name, files, o.warn), files };
}

export function combineTables(tables: readonly PoolTable[], name: string, files?: readonly string[], warn?: (msg: string) => void): PoolTable {
  if (tables.length === 1) return tables[0];
  const c = concatTables(tables, name, files, warn);
  const first = tables[0].models;
  const sameModels = tables.every((t) => t.models.length === first.length && t.models.every((m, j) => m.id === first[j].id));
  return reorder(c, orderById(c.queryIds), sameModels ? null : orderById(c.models.map((m) => m.id)));
}

/** Indices that sort `ids` by UTF-16 code units (locale-independent, so the same on every machine). */
export function orderById(ids: readonly string[]): Int32Array {
  const idx = Int32Array.from(ids, (_, i) => i);
  return idx.sort((a, b) => (ids[a] < ids[b] ? -1 : ids[a] > ids[b] ? 1 : a - b));
}

function reorder(t: PoolTable, qOrder: Int32Array, mOrder: Int32Array | null): PoolTable {
  const Q = t.nQueries;
  const M = t.nModels;
  const mo = mOrder ?? Int32Array.from({ length: M }, (_, m) => m);
  // the same storage as the source column (src/data/columns.ts)
  const cells = <A extends AccuracyColumn>(a: A): A => {
    const out = new (a.constructor as new (n: number) => A)(Q * M);
    for (let q = 0; q < Q; q++) {
      const src = qOrder[q] * M;
      for (let m = 0; m < M; m++) out[q * M + m] = a[src + mo[m]];
    }
    return out;
  };
  const present = new Uint8Array(Q * M);
  for (let q = 0; q < Q; q++) for (let m = 0; m < M; m++) present[q * M + m] = t.present[qOrder[q] * M + mo[m]];
  const text = t.queryText;
  return makePoolTable({
    name: t.name,
    queryIds: Array.from(qOrder, (q) => t.queryIds[q]),
    queryTasks: Array.from(qOrder, (q) => t.tasks[t.queryTask[q]]),
    queryText: text ? Array.from(qOrder, (q) => text[q]) : null,
    cluster: Int32Array.from(qOrder, (q) => t.cluster[q]),
    complexity: Float64Array.from(qOrder, (q) => t.complexity[q]),
    models: Array.from(mo, (m) => t.models[m]),
    accuracy: cells(t.accuracy),
    energyJ: cells(t.energyJ),
    latencyS: t.latencyS ? cells(t.latencyS) : null,
    inputTokens: t.inputTokens ? cells(t.inputTokens) : null,
    outputTokens: t.outputTokens ? cells(t.outputTokens) : null,
    costUsd: t.costUsd ? cells(t.costUsd) : null,
    present,
    taskBounds: t.taskBounds,
    ...(t.embedding ? { embedding: reorderRows(t.embedding, qOrder) } : {}),
  });
}

/** Embedding rows in the order `qOrder` gives. */
function reorderRows(e: QueryEmbedding, qOrder: Int32Array): QueryEmbedding {
  const d = e.dim;
  const values = new Float64Array(qOrder.length * d);
  qOrder.forEach((q, r) => values.set(e.values.subarray(q * d, (q + 1) * d), r * d));
  return { dim: d, values };
}
