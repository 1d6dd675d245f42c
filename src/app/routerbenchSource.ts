/**
 * RouterBench sources for `evaluate`, `energy sensitivity` and `regress`: which files of a source are
 * RouterBench-shaped, and loading them into one table.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { DataError, UnreadableError, UsageError } from '../core/errors.js';
import { checkFieldKinds, checkKnownKeys, checkObject, checkString, kindOf } from '../core/shape.js';
import { loadSources, skipReason } from '../data/combine.js';
import { isEmbeddingColumn } from '../data/formats/embedding.js';
import { isLongHeader } from '../data/formats/long.js';
import { firstLine, someOf, truncate } from '../data/formats/text.js';
import { loadTable, resolveFormat } from '../data/load.js';
import type { PoolTable } from '../data/pool.js';
const NON_MODEL_COLUMNS = new Set(['', 'sample_id', 'query_id', 'prompt', 'text', 'eval_name', 'task', 'oracle_model_to_route_to', 'index', 'cluster', 'complexity']);


/**
 * What a RouterBench header lacks: `sample_id`, `eval_name`, a correctness column per model and a
 * `<model>|total_cost` column for each of them. Empty when the header is RouterBench-shaped.
 */
export function routerbenchHeaderProblems(columns: readonly string[]): string[] {
  const lc = columns.map((c) => c.trim());
  const lower = new Set(lc.map((c) => c.toLowerCase()));
  const missing: string[] = [];
  if (!lower.has('sample_id') && !lower.has('query_id')) missing.push('sample_id');
  if (!lower.has('eval_name') && !lower.has('task')) missing.push('eval_name');
  // user embeddings (emb_j, embedding) are read by the loader, not models
  const models = lc.filter((c) => !c.includes('|') && !NON_MODEL_COLUMNS.has(c.toLowerCase()) && !isEmbeddingColumn(c.toLowerCase()) && !/^unnamed: \d+$/i.test(c));
  const accModels = lc.filter((c) => c.toLowerCase().endsWith('|accuracy')).map((c) => c.slice(0, c.lastIndexOf('|')));
  const all = accModels.length ? accModels : models;
  if (all.length === 0 && missing.length < 2) missing.push('<model> (a correctness column per model, e.g. gpt-4-1106-preview)');
  const costCols = new Set(lc.filter((c) => /\|(total_cost|cost_usd)$/i.test(c)).map((c) => c.slice(0, c.lastIndexOf('|'))));
  const noCost = all.filter((m) => !costCols.has(m));
  if (costCols.size === 0 && missing.length === 2) {
    // nothing RouterBench-like at all: other columns are not model names, so name none
    missing.push('a correctness column and a <model>|total_cost column per model');
  } else if (all.length > 0 && costCols.size === 0) missing.push(`<model>|total_cost (a cost column per model; none found, expected e.g. ${truncate(all[0])}|total_cost)`);
  else if (noCost.length) missing.push(...noCost.map((m) => `${truncate(m)}|total_cost`));
  return missing;
}

/**
 * Bytes of a CSV header read for the header check. A longer header is left to the loader (a header cut short
 * would miscount its columns) and checked after loading.
 */
const HEADER_CHECK_BYTES = 4 << 20;

function headerColumns(file: string, format: string): string[] | null {
  if (format !== 'csv' && format !== 'tsv') return null;
  const line = firstLine(file, HEADER_CHECK_BYTES);
  if (!line || Buffer.byteLength(line) >= HEADER_CHECK_BYTES - 4) return null;
  try {
    const rows = parseCsv(line, { delimiter: format === 'tsv' ? '\t' : ',', relax_quotes: true }) as string[][];
    return rows[0] ?? null;
  } catch {
    return null;
  }
}

/** After loading (any format): the table must group prompts by eval name and give every model a USD cost. */
function routerbenchTableProblems(t: PoolTable): string[] {
  const problems: string[] = [];
  if (t.tasks.length === 1 && t.tasks[0] === 'all') problems.push('eval_name (no eval name or task column: prompts cannot be grouped into eval families)');
  if (!t.costUsd) {
    problems.push(`<model>|total_cost (a cost column per model; none found, expected e.g. ${truncate(t.models[0]?.id ?? '<model>')}|total_cost)`);
    return problems;
  }
  const M = t.nModels;
  const has = new Uint8Array(M);
  for (let q = 0; q < t.nQueries; q++) {
    for (let m = 0; m < M; m++) {
      const i = q * M + m;
      if (t.present[i] && Number.isFinite(t.costUsd[i])) has[m] = 1;
    }
  }
  // a model with no filled cell at all is emptyModelsMessage's to name, not a missing cost column
  const filled = modelsWithCells(t);
  t.models.forEach((m, j) => {
    if (!has[j] && filled[j]) problems.push(`${truncate(m.id)}|total_cost`);
  });
  return problems;
}

/** Per model: 1 when some cell of it is filled. */
function modelsWithCells(t: PoolTable): Uint8Array {
  const M = t.nModels;
  const out = new Uint8Array(M);
  for (let i = 0; i < t.present.length; i++) if (t.present[i]) out[i % M] = 1;
  return out;
}

/** The models of a loaded table of which no cell is filled (a correctness column empty on every row), as a message; null when none. */
function emptyModelsMessage(t: PoolTable): string | null {
  const filled = modelsWithCells(t);
  const empty = t.models.filter((_, j) => !filled[j]).map((m) => m.id);
  if (empty.length === 0) return null;
  const one = empty.length === 1;
  return `no cell of model${one ? '' : 's'} ${someOf(empty)} is filled (${one ? 'its correctness column is' : 'their correctness columns are'} empty on every row; fill ${one ? 'it' : 'them'} or drop ${one ? 'the column' : 'the columns'})`;
}

/** At most this many problems are listed (a header of thousands of junk columns would make a huge message). */
const MAX_LISTED_PROBLEMS = 10;

function missingMessage(problems: string[]): string {
  const more = problems.length - MAX_LISTED_PROBLEMS;
  const list = more > 0 ? `${problems.slice(0, MAX_LISTED_PROBLEMS).join(', ')} … and ${more} more` : problems.join(', ');
  return `not a RouterBench table: missing column${problems.length === 1 ? '' : 's'} ${list}`;
}


export interface RouterbenchSourceOptions {
  format?: string;
  offline?: boolean;
  /** What the loaders would tell the user (rows skipped, files that are not RouterBench tables); dropped when absent. */
  warn?: (msg: string) => void;
}

async function loadOne(file: string, o: RouterbenchSourceOptions, strict: boolean): Promise<PoolTable | string> {
  const format = resolveFormat(file, o.format);
  const cols = file.startsWith('hf://') ? null : headerColumns(file, format);
  if (cols && !isLongHeader(cols)) {
    const problems = routerbenchHeaderProblems(cols);
    if (problems.length) {
      if (strict) throw new DataError(missingMessage(problems), file, 1);
      return missingMessage(problems);
    }
  }
  // a header already seen to be RouterBench-shaped makes a bad cell bad input, not a reason to skip the file;
  // a file that cannot be decoded at all is never skipped (UnreadableError)
  const shaped = cols !== null && !isLongHeader(cols);
  let t: PoolTable;
  try {
    t = await loadTable(file, { format: o.format, offline: o.offline, warn: o.warn });
  } catch (e) {
    if (!strict && !shaped && e instanceof DataError && !(e instanceof UnreadableError)) return skipReason(e, file);
    throw e;
  }
  const empty = emptyModelsMessage(t);
  if (empty) {
    if (strict) throw new DataError(`not a RouterBench table: ${empty}`, file);
    return `not a RouterBench table: ${empty}`;
  }
  const problems = routerbenchTableProblems(t);
  if (problems.length) {
    if (strict) throw new DataError(missingMessage(problems), file);
    return missingMessage(problems);
  }
  return t;
}

/**
 * RouterBench sources: hf:// URIs, files, or directories whose RouterBench-shaped files (e.g. the train and
 * test halves of a split) are read; other tables in a directory are skipped with a note, and a file that
 * cannot be decoded (truncated or corrupt) is an error. Several tables are
 * combined with queries sorted by id, so the order the sources are named in does not change any result.
 */
export async function loadRouterbench(source: string | readonly string[], o: RouterbenchSourceOptions = {}): Promise<{ table: PoolTable; files: string[] }> {
  if (typeof source !== 'string') {
    if (!Array.isArray(source)) throw new UsageError(`source: Invalid input: expected string or array, received ${kindOf(source)}`);
    source.forEach((s, i) => checkString(s, `source.${i}`));
  }
  checkObject(o, '(options)');
  // a misspelt option was ignored, and one of the wrong kind failed deep inside the loader
  checkKnownKeys(o, ['format', 'offline', 'warn'], '(options)');
  checkFieldKinds(o, { format: 'string', offline: 'boolean', warn: 'function' });
  return loadSources(typeof source === 'string' ? [source] : source, (file, strict) => loadOne(file, o, strict), {
    what: 'RouterBench table',
    warn: o.warn ?? (() => {}),
  });
}
