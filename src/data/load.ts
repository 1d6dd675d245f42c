/**
 * Loading a pool table from any supported source: built-in datasets, the long format (CSV/TSV/JSONL),
 * wide tables (RouterBench CSV/pickle, Arrow, Parquet), the GreenServ Postgres dump and hf:// URIs.
 * The format comes from `--format`, else the extension, else the file's first bytes.
 */
import { closest, DataError, SettingError, UsageError } from '../core/errors.js';
import { checkFieldKinds, checkKnownKeys, checkObject, checkString } from '../core/shape.js';
import { own } from '../core/dict.js';
import { meantFor } from './formats/missingColumn.js';
import type { HubOptions } from './hub.js';
import type { PoolTable } from './pool.js';
import { extensionOf, readMagic, peekContent } from './formats/input.js';
import { withTextTable, firstLine, type TextKind } from './formats/text.js';
import { isLongHeader, loadLongText, overlayModelsFile, sideFilesRead } from './formats/long.js';
import { applyBoundsFile } from './formats/bounds.js';
import { isWideHeader } from './formats/wide.js';
import { loadWideText } from './formats/routerbench.js';
import { isRecoveredHeader, loadRecoveredText } from './formats/recovered.js';
import { hasControl, jsonQuoted } from '../core/escape.js';

export interface LoadOptions {
  /** Queries file for the long format (`query_id, task[, text, cluster, complexity]`). */
  queries?: string;
  /** Models file (`model_id[, name, params_b, family, prior_accuracy, prior_energy_j]`): the long format's model list, or descriptors of the built-in models. */
  models?: string;
  /** Force a format instead of detecting it (see FORMATS). */
  format?: string;
  /** Per-task energy-per-token bounds file (docs/model.md §2.2); computed from the data when absent. */
  bounds?: string;
  /** hf:// sources: use the cache only, never the network. */
  offline?: boolean;
  warn?: (msg: string) => void;
  /** Hub client settings for hf:// sources (hub URL, fetch, cache directory); environment defaults otherwise. */
  hub?: Omit<HubOptions, 'offline' | 'warn'>;
}

type FormatName = 'csv' | 'tsv' | 'jsonl' | 'arrow' | 'parquet' | 'pickle' | 'sql';

/** Accepted `--format` values and their aliases. */
const FORMATS: Record<string, FormatName> = {
  csv: 'csv',
  long: 'csv',
  routerbench: 'csv',
  'routerbench-csv': 'csv',
  tsv: 'tsv',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  arrow: 'arrow',
  ipc: 'arrow',
  feather: 'arrow',
  parquet: 'parquet',
  pickle: 'pickle',
  pkl: 'pickle',
  'routerbench-pkl': 'pickle',
  sql: 'sql',
  pgdump: 'sql',
  pg_dump: 'sql',
};

const EXTENSIONS: Record<string, FormatName> = {
  csv: 'csv',
  tsv: 'tsv',
  tab: 'tsv',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  arrow: 'arrow',
  arrows: 'arrow',
  ipc: 'arrow',
  feather: 'arrow',
  parquet: 'parquet',
  pq: 'parquet',
  pkl: 'pickle',
  pickle: 'pickle',
  sql: 'sql',
};

const BUILTIN_PREFIX = 'builtin:';

/** Names accepted for the built-in dataset(s). */
export function isBuiltinSource(source: string): boolean {
  const s = source.startsWith(BUILTIN_PREFIX) ? source.slice(BUILTIN_PREFIX.length) : source;
  return s === 'greenserv-pool';
}

export async function loadTable(source: string, opts: LoadOptions = {}): Promise<PoolTable> {
  if (!source) throw new UsageError('no data source given');
  checkString(source, 'source');
  checkObject(opts, '(options)');
  const kinds = { queries: 'string', models: 'string', format: 'string', bounds: 'string', offline: 'boolean', warn: 'function', hub: 'object' } as const;
  // a misspelt option (qeries) would otherwise load the table without it, without a word
  checkKnownKeys(opts, Object.keys(kinds), '(options)');
  checkFieldKinds(opts, kinds);
  // a format name is checked whatever the source (before any download), so a typo never passes unnoticed
  if (opts.format !== undefined) formatByName(opts.format);
  let table: PoolTable;
  if (isBuiltinSource(source)) {
    if (opts.queries) throw new SettingError((n) => `${n('queries')} applies to long-format files, not the built-in dataset`);
    if (opts.format !== undefined) throw new SettingError((n) => `${n('format')} applies to files; the built-in dataset '${source}' has no file format (drop ${n('format')})`);
    const { loadGreenservPool } = await import('./builtin/greenserv-pool.js');
    table = loadGreenservPool();
    // a models file only describes the built-in models (descriptors for hybrid-linucb, datasets/README.md)
    if (opts.models) table = await overlayModelsFile(table, opts.models, opts.warn);
  } else {
    // heavy readers (hub client, Arrow, Parquet, pickle, SQL) load only when a source needs them
    const file = source.startsWith('hf://') ? await (await import('./hub.js')).resolveHfSource(source, { ...opts.hub, offline: opts.offline, warn: opts.warn }) : source;
    const format = resolveFormat(file, opts.format);
    table = await loadFile(file, format, opts);
    if ((opts.queries || opts.models) && !sideFilesRead(opts)) {
      // a wide, RouterBench or recovered-pairs table lists its own queries; a models file still describes its
      // models, as for the built-in table
      if (opts.queries) throw new SettingError((n) => `${n('queries')} applies to long-format tables (query_id, model_id, …); ${source} has another layout, which lists its own queries`);
      table = await overlayModelsFile(table, opts.models!, opts.warn);
    }
  }
  checkPrintable(table, source);
  if (opts.bounds) {
    // The built-in table is shared per process: give the caller its own bounds map.
    table = { ...table, taskBounds: new Map(table.taskBounds) };
    await applyBoundsFile(table, opts.bounds, opts.warn);
  }
  return table;
}

/**
 * Ids and names are printed in tables, messages and reports: one holding a control character (an escape
 * sequence could rewrite the terminal) is refused, shown with its control characters escaped.
 */
function checkPrintable(t: PoolTable, file: string): void {
  const bad = (what: string, v: string | undefined): void => {
    if (v === undefined || !hasControl(v)) return;
    throw new DataError(`${what} ${jsonQuoted(v)} contains a control character; ids and names must be printable`, file);
  };
  for (const m of t.models) {
    bad('model id', m.id);
    bad('model name', m.name);
    bad('model family', m.family);
  }
  for (const task of t.tasks) bad('task', task);
  for (const q of t.queryIds) bad('query id', q);
}

/** A `--format` value (or alias) as the format it names; a UsageError listing the valid values otherwise. */
function formatByName(name: string): FormatName {
  // own keys only: '__proto__' or 'constructor' would otherwise name Object's own members
  const f = own(FORMATS, name.trim().toLowerCase());
  if (!f) throw new SettingError((n) => `unknown ${n('format')} '${name}' (expected one of: ${Object.keys(FORMATS).join(', ')})`);
  return f;
}

/** The format a file will be read as. */
export function resolveFormat(file: string, forced?: string): FormatName {
  if (forced !== undefined) return formatByName(forced);
  const byExt = own(EXTENSIONS, extensionOf(file));
  if (byExt) return byExt;
  return sniffFormat(file);
}

/** Guess the format from the first bytes (after gunzip) when the extension says nothing. */
function sniffFormat(file: string): FormatName {
  if (readMagic(file, 1).length === 0) throw new DataError('file is empty', file);
  const magic = peekContent(file, 64);
  const ascii = magic.toString('latin1');
  if (ascii.startsWith('PAR1')) return 'parquet';
  if (ascii.startsWith('ARROW1')) return 'arrow';
  // Arrow stream: continuation marker 0xFFFFFFFF then a little-endian metadata length.
  if (magic.length >= 8 && magic.readUInt32LE(0) === 0xffffffff) return 'arrow';
  if (magic[0] === 0x80 && magic[1] >= 2 && magic[1] <= 5) return 'pickle';
  return sniffText(firstLine(file));
}

function sniffText(line: string): FormatName {
  const t = line.trimStart();
  if (t.startsWith('--') || /^(SET|COPY|CREATE|SELECT)\b/i.test(t)) return 'sql';
  if (t.startsWith('{')) return 'jsonl';
  if (t.includes('\t') && !t.includes(',')) return 'tsv';
  return 'csv';
}

async function loadFile(file: string, format: FormatName, opts: LoadOptions): Promise<PoolTable> {
  switch (format) {
    case 'csv':
    case 'tsv':
    case 'jsonl':
      return loadText(file, format, opts);
    case 'arrow':
      return (await import('./formats/arrow.js')).loadArrow(file, opts);
    case 'parquet':
      return (await import('./formats/parquet.js')).loadParquet(file, opts);
    case 'pickle':
      return (await import('./formats/pandas-pickle.js')).loadPickle(file, opts);
    case 'sql':
      return (await import('./formats/pgdump.js')).loadPgDump(file, opts);
  }
}

async function loadText(file: string, kind: TextKind, opts: LoadOptions): Promise<PoolTable> {
  return withTextTable(file, kind, async (t) => {
    if (isRecoveredHeader(t.columns)) return loadRecoveredText(t, opts);
    if (isWideHeader(t.columns)) return loadWideText(t, opts);
    if (isLongHeader(t.columns)) return loadLongText(t, opts);
    // a misspelt id column (queryid, model) is the likeliest cause: name it
    const near = meantFor(
      ['query_id', 'model_id'].flatMap((c) => {
        const k = closest(c, t.columns.map((x) => x.trim()).filter((x) => x !== ''));
        return k === null ? [] : [[k, c] as const];
      }),
    );
    throw new DataError(
      `header has neither the long-format columns (query_id, model_id, accuracy) nor a recognised wide layout${near === '' ? '' : ` (${near})`}`,
      file,
      1,
    );
  });
}
