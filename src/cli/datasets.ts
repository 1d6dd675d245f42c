/** `greenserv datasets list | info | validate | convert`. Bad input throws DataError/UsageError (exit 2). */
import type { Command } from 'commander';
import { loadTable, resolveFormat, isBuiltinSource, type LoadOptions } from '../data/load.js';
import { GREENSERV_POOL_NAME } from '../data/builtin/greenserv-pool.js';
import { cacheDirectory, isHfUri, listCachedFiles } from '../data/hub.js';
import { summarizeTable, type CellStats, type TableSummary } from '../data/formats/summary.js';
import { outputFormatOf, sideFilesOf, writeTable } from '../data/formats/write.js';
import { streamLongTable, streamLongToParquet } from '../data/formats/streamParquet.js';
import { arrowSink } from '../data/formats/streamArrow.js';
import { textKindOf } from '../data/formats/text.js';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { DataError, UnreadableError, UsageError, userIoError } from '../core/errors.js';
import { inputSameAs, sameFile } from '../core/outputGuard.js';
import { fileAbove } from '../core/atomic.js';
import { loadSources, skipReason, type LoadOne } from '../data/combine.js';
import type { PoolTable } from '../data/pool.js';
import { applyInputLimits, maxDecompressedOption, maxLineBytesOption } from '../data/limits.js';
import { fitColumns, plural, wrapAt, wrapList } from '../report/terminalTable.js';
import { stdoutWidth } from './width.js';
import { errText, print, warn, warnOf } from './say.js';

interface DatasetsIO {
  out: (s: string) => void;
  err: (s: string) => void;
  /** A warning (default: a 'greenserv: warning:' line through err). */
  warn?: (m: string) => void;
  /** Width the text output fits (a terminal's); Infinity (the default) when piped. */
  width?: number;
}

const defaultIO: DatasetsIO = {
  out: print,
  err: errText,
  warn,
  get width() {
    return stdoutWidth();
  },
};

interface InputOpts {
  queries?: string;
  models?: string;
  format?: string;
  bounds?: string;
  offline?: boolean;
}

function addInputOptions(c: Command): Command {
  return c
    .option('--queries <file>', 'queries file for a long table (query_id, task[, text, cluster, complexity])')
    .option('--models <file>', 'models file: the models of a long table (model_id[, name, params_b, family, prior_accuracy, prior_energy_j]), or descriptors of the models of any other table')
    .option('--format <format>', 'force the input format (csv, tsv, jsonl, arrow, parquet, pickle, sql)')
    .option('--bounds <file>', 'per-task energy-per-token bounds (metrics.yaml layout, YAML/JSON or CSV)')
    .option('--offline', 'hf:// sources: use the cache only')
    .addOption(maxDecompressedOption()).addOption(maxLineBytesOption()).hook('preAction', applyInputLimits);
}

const BUILTINS = [
  {
    name: GREENSERV_POOL_NAME,
    description: 'calibrated replica of the GreenServ 16-model × 2,500-query pool (not measurements)',
  },
];

function describeSource(src: string, o: InputOpts): string {
  if (isBuiltinSource(src)) return 'built-in';
  if (isHfUri(src)) return 'hf';
  try {
    return resolveFormat(src, o.format);
  } catch {
    return 'unknown';
  }
}

async function load(src: string, o: InputOpts, warnings: string[]): Promise<PoolTable> {
  const opts: LoadOptions = {
    queries: o.queries,
    models: o.models,
    format: o.format,
    bounds: o.bounds,
    offline: o.offline,
    warn: (m) => warnings.push(m),
  };
  return loadTable(src, opts);
}

/**
 * One source as before; several, or a directory, through loadSources (files that are not tables are skipped
 * with a note, queries sorted by id so the order of the sources does not matter).
 */
async function loadInfo(srcs: readonly string[], o: InputOpts, warnings: string[]): Promise<{ table: PoolTable; label: string; files: string[] }> {
  const isDir = srcs.length === 1 && !isBuiltinSource(srcs[0]) && !isHfUri(srcs[0]) && existsSync(srcs[0]) && statSync(srcs[0]).isDirectory();
  if (srcs.length === 1 && !isDir) return { table: await load(srcs[0], o, warnings), label: srcs[0], files: [srcs[0]] };
  const builtin = srcs.find((x) => isBuiltinSource(x));
  if (builtin) throw new UsageError(`'${builtin}' is built in and cannot be combined with other sources`);
  const loadOne: LoadOne = async (file, strict) => {
    try {
      return await load(file, o, warnings);
    } catch (e) {
      if (strict || !(e instanceof DataError) || e instanceof UnreadableError) throw e;
      return skipReason(e, file);
    }
  };
  const { table, files } = await loadSources(srcs, loadOne, { what: 'table', warn: (m) => warnings.push(m) });
  return { table, label: [...srcs].sort().join(' '), files };
}

function flushWarnings(io: DatasetsIO, warnings: string[]): void {
  for (const w of warnings) warnOf(io)(w);
}

export function registerDatasetsCommand(program: Command, io: DatasetsIO = defaultIO): void {
  const ds = program.command('datasets').description('inspect, validate and convert datasets');

  ds.command('list')
    .description('built-in datasets and files in the download cache')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) => {
      const cached = listCachedFiles();
      if (o.json) {
        io.out(JSON.stringify({ schemaVersion: 1, builtin: BUILTINS, cache: { dir: cacheDirectory(), files: cached } }, null, 2) + '\n');
        return;
      }
      io.out(renderList(cached, io.width ?? Infinity));
    });

  addInputOptions(
    ds
      .command('info <source...>')
      .description('queries, models, tasks, coverage and per-model means per task; several files or a directory are combined')
      .option('--json', 'print JSON'),
  ).action(async (srcs: string[], o: InputOpts & { json?: boolean }) => {
    const warnings: string[] = [];
    const { table: t, label, files } = await loadInfo(srcs, o, warnings);
    const s = summarizeTable(t);
    const format = files.length > 1 ? 'combined' : describeSource(files[0], o);
    if (o.json) {
      io.out(JSON.stringify({ schemaVersion: 1, source: label, ...(files.length > 1 || files[0] !== label ? { files } : {}), format, ...s, warnings }, null, 2) + '\n');
      return;
    }
    flushWarnings(io, warnings);
    io.out(renderInfo(label, format, s, io.width ?? Infinity));
  });

  addInputOptions(ds.command('validate <source>').description('check a dataset; exit 0 when it loads, 2 with the first problem otherwise')).action(
    async (src: string, o: InputOpts) => {
      const warnings: string[] = [];
      const t = await load(src, o, warnings);
      flushWarnings(io, warnings);
      const s = summarizeTable(t);
      io.out(
        `ok: ${src}: ${plural(s.queries, 'query', 'queries')} × ${plural(s.models, 'model')}, ${plural(s.tasks.length, 'task')}, ` +
          `coverage ${pct(s.coverage.fraction)}${warnings.length ? `, ${plural(warnings.length, 'warning')}` : ''}\n`,
      );
    },
  );

  addInputOptions(
    ds
      .command('convert <source> <destination>')
      .description('write a dataset as Arrow (.arrow/.arrows), Parquet (.parquet) or long CSV/TSV/JSONL (+ side files)')
      .option('--to <format>', 'output format when the extension does not say (arrow, arrows, parquet, csv, tsv, jsonl)')
      .option('--force', 'replace an existing destination and its side files')
      .option('--stream', 'long CSV/TSV/JSONL to long-layout Parquet or Arrow (.arrow/.arrows), row group by row group, at constant memory (for tables too large to load; pair checks happen when it is loaded)'),
  ).action(async (src: string, dst: string, o: InputOpts & { to?: string; force?: boolean; stream?: boolean }) => {
    // the same file under another name too (./x.csv, an absolute path, a link)
    if (sameFile(dst, src)) throw new UsageError('destination is the source file');
    // a side file given as input would be replaced by its rewrite (a models file loses its descriptor columns)
    for (const f of [dst, ...(o.stream ? [] : sideFilesOf(dst, o.to))]) {
      const input = inputSameAs(f, [o.queries, o.models, o.bounds]);
      if (input !== null) throw new UsageError(`${f === dst ? 'destination' : `destination side file ${f}`} is the input ${input}, which the conversion may rewrite (with or without --force); name another destination`);
    }
    // the output format first: an unknown extension is the problem to name, before any clash with an
    // existing file (or side file) of the same stem, and before the source is read
    outputFormatOf(dst, o.to);
    checkDestination(dst, o.force === true);
    if (o.stream) {
      const kind = textKindOf(src.replace(/\.gz$/i, ''));
      if (!kind || isHfUri(src) || isBuiltinSource(src)) throw new UsageError(`--stream: the source must be a long CSV, TSV or JSONL file, got '${src}'`);
      const format = outputFormatOf(dst, o.to);
      if (format !== 'parquet' && format !== 'arrow' && format !== 'arrow-stream') throw new UsageError(`--stream writes Parquet or Arrow; name a .parquet, .arrow or .arrows destination (got '${dst}')`);
      for (const [flag, v] of [['--queries', o.queries], ['--models', o.models], ['--bounds', o.bounds], ['--format', o.format]] as const) {
        if (v !== undefined) throw new UsageError(`--stream: ${flag} is not supported; pass side files when loading the converted file`);
      }
      let res;
      try {
        const warn = warnOf(io);
        res =
          format === 'parquet'
            ? await streamLongToParquet(src, kind, dst, { warn })
            : await streamLongTable(src, kind, dst, (tmp, ids, metrics) => arrowSink(tmp, ids, metrics, format === 'arrow-stream'), { warn });
      } catch (e) {
        if (e instanceof DataError || e instanceof UsageError) throw e;
        throw userIoError(e, dst, 'write');
      }
      const unit = format === 'parquet' ? 'row group' : 'record batch';
      io.out(`wrote ${dst} (${res.rows} rows in ${res.rowGroups} ${unit}${res.rowGroups === 1 ? '' : format === 'parquet' ? 's' : 'es'}; long layout: ${res.columns.join(', ')})\n`);
      return;
    }
    const warnings: string[] = [];
    const t = await load(src, o, warnings);
    flushWarnings(io, warnings);
    let res;
    try {
      res = await writeTable(t, dst, o.to);
    } catch (e) {
      throw userIoError(e, dst, 'write');
    }
    for (const f of res.files) io.out(`wrote ${f}\n`);
    const h = res.loadHint;
    const flags = [h.queries && `--queries ${h.queries}`, h.models && `--models ${h.models}`, h.bounds && `--bounds ${h.bounds}`].filter(Boolean);
    if (flags.length > 0) io.out(`read it back with: --data ${dst} ${flags.join(' ')}\n`);
  });
}

/** Side files the long format writes next to `<stem>.<ext>` (queries, models, bounds). */
const SIDE_FILE = /^(.*)\.(?:queries|models)\.[a-z]+(?:\.gz)?$|^(.*)\.bounds\.csv$/i;

/** Refuse to overwrite the destination (or a side file of it) unless --force; never replace a directory. */
function checkDestination(dst: string, force: boolean): void {
  const above = fileAbove(dst);
  if (above !== null) throw new UsageError(`destination '${dst}': ${above}; name a file in a directory`);
  const abs = resolve(dst);
  if (existsSync(abs) && statSync(abs).isDirectory()) throw new UsageError(`destination '${dst}' is a directory; name a file`);
  // checked before the source is read, so a missing folder fails at once and nothing is written
  if (!existsSync(dirname(abs))) throw new UsageError(`destination '${dst}': the directory '${dirname(dst)}' does not exist; create it first (mkdir -p ${dirname(dst)}) or name a file in an existing directory`);
  const stem = basename(abs).replace(/\.gz$/i, '').replace(/\.[^.]*$/, '');
  let clash = existsSync(abs) ? [dst] : [];
  if (existsSync(dirname(abs)) && statSync(dirname(abs)).isDirectory()) {
    clash = clash.concat(readdirSync(dirname(abs)).filter((n) => SIDE_FILE.exec(n)?.slice(1).includes(stem)).map((n) => join(dirname(dst), n)));
  }
  if (clash.length > 0 && !force) throw new UsageError(`destination exists: ${clash.join(', ')}; pass --force to replace it`);
}

// ---- text rendering --------------------------------------------------------------------------------------

function pct(f: number): string {
  return `${(100 * f).toFixed(1)}%`;
}

function formatBytes(b: number): string {
  if (b < 1024) return `${b} B`;
  if (b < 1024 ** 2) return `${(b / 1024).toFixed(1)} KiB`;
  if (b < 1024 ** 3) return `${(b / 1024 ** 2).toFixed(1)} MiB`;
  return `${(b / 1024 ** 3).toFixed(2)} GiB`;
}

function num(v: number | null, digits = 4): string {
  if (v === null) return '—';
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5)) return v.toExponential(3);
  return v.toFixed(digits);
}

type Col = { head: string; get: (c: CellStats) => string };

function columnsFor(s: TableSummary): Col[] {
  const cols: Col[] = [
    { head: 'n', get: (c) => String(c.n) },
    { head: 'accuracy', get: (c) => num(c.accuracy) },
  ];
  if (s.metrics.includes('energy_j')) cols.push({ head: 'energy_j', get: (c) => num(c.energyJ, 2) });
  if (s.metrics.includes('energy_j') && s.metrics.includes('input_tokens')) cols.push({ head: 'J/token', get: (c) => num(c.energyPerToken) });
  if (s.metrics.includes('cost_usd')) cols.push({ head: 'cost_usd', get: (c) => num(c.costUsd, 6) });
  if (s.metrics.includes('latency_s')) cols.push({ head: 'latency_s', get: (c) => num(c.latencyS, 3) });
  return cols;
}

/**
 * Rows of cells (the first the header) indented by two, the first column left-aligned; `width` leaves out the
 * columns named in DROP_ORDER, in that order, until the table fits (the model and its accuracy always stay).
 */
function table(rows: string[][], width: number): string {
  const drop = DROP_ORDER.map((h) => rows[0].indexOf(h)).filter((j) => j > 0);
  const render = (keep: boolean[]): string => {
    const rs = rows.map((r) => r.filter((_, j) => keep[j]));
    const w = rs[0].map((_, j) => rs.reduce((m, r) => Math.max(m, r[j].length), 0)); // no spread: one row per model
    return rs.map((r) => '  ' + r.map((c, j) => (j === 0 ? c.padEnd(w[j]) : c.padStart(w[j]))).join('  ')).join('\n');
  };
  return fitColumns(rows[0].length, width, drop, render) + '\n';
}

/** The per-model columns a narrow terminal gives up first: counts and derived figures before the measured means. */
const DROP_ORDER = ['n', 'J/token', 'latency_s', 'coverage', 'cost_usd', 'energy_j'];

/** `label      value`, the value broken (at `listSep` when it is a list, else between words) under itself. */
function field(label: string, value: string, width: number, listSep?: string): string {
  const w = Math.max(20, width - 11);
  const text = listSep ? wrapList(value, listSep, w) : wrapAt(value, ' ', w);
  return label.padEnd(11) + text.replace(/\n/g, '\n' + ' '.repeat(11));
}

function renderInfo(src: string, format: string, s: TableSummary, width = Infinity): string {
  const lines: string[] = [];
  lines.push(field('dataset', `${s.name} (${format})`, width));
  if (s.name !== src) lines.push(field('source', src, width));
  lines.push(`queries    ${s.queries}`);
  lines.push(`models     ${s.models}`);
  lines.push(field('tasks', s.tasks.map((t) => `${t.name} (${t.queries})`).join(', '), width, ', '));
  lines.push(field('metrics', s.metrics.join(', '), width, ', '));
  const features = [s.hasText && 'text', s.hasClusters && 'cluster', s.hasComplexity && 'complexity'].filter(Boolean);
  lines.push(`features   ${features.length ? features.join(', ') : '—'}`);
  lines.push(field('coverage', `${s.coverage.present} of ${s.coverage.cells} cells (${pct(s.coverage.fraction)})`, width));
  lines.push(`sha256     ${s.sha256}`);
  let out = lines.join('\n') + '\n';
  const cols = columnsFor(s);
  const header = ['model', 'coverage', ...cols.map((c) => c.head)];
  out += '\nall tasks\n';
  out += table([header, ...s.modelStats.map((m) => [m.id, pct(m.coverage), ...cols.map((c) => c.get(m.overall))])], width);
  if (s.tasks.length > 1) {
    for (const t of s.tasks) {
      const b = t.eptMin !== null ? `, J/token bounds ${num(t.eptMin)}–${num(t.eptMax)}` : '';
      out += '\n' + wrapAt(`task ${t.name} (${plural(t.queries, 'query', 'queries')}${b})`, ' ', width) + '\n';
      out += table([['model', ...cols.map((c) => c.head)], ...s.modelStats.map((m) => [m.id, ...cols.map((c) => c.get(m.byTask[t.name]))])], width);
    }
  }
  return out;
}

/** `datasets list`: the built-in datasets, their descriptions broken under themselves, and the cached files with their sizes. */
function renderList(cached: readonly { uri: string; bytes: number }[], width = Infinity): string {
  let out = 'built-in:\n';
  for (const b of BUILTINS) out += `  ${b.name.padEnd(22)} ${wrapAt(b.description, ' ', Math.max(20, width - 25)).replace(/\n/g, '\n' + ' '.repeat(25))}\n`;
  out += `cached (${cacheDirectory()}):\n`;
  if (cached.length === 0) out += '  (none)\n';
  // the sizes line up after the URIs; one too long for the terminal has its size on the next line
  const col = Number.isFinite(width) ? Math.max(20, Math.min(60, width - 13)) : 60;
  for (const f of cached) {
    const size = formatBytes(f.bytes);
    out += f.uri.length <= col || 3 + f.uri.length + size.length <= width ? `  ${f.uri.padEnd(col)} ${size}\n` : `  ${f.uri}\n  ${''.padEnd(col)} ${size}\n`;
  }
  return out;
}
