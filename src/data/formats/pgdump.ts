/**
 * The GreenServ Postgres dump (plain `pg_dump` SQL, `.sql` or `.sql.gz`; schema in docs/model.md §1), read
 * without a database server: only the `COPY … FROM stdin` blocks of `queries`, `query_features`, `models`
 * and `pregenerated_results` are parsed. Several rows for one (query, model) pair under different run_ids
 * are averaged with a warning (docs/model.md §6: the reference silently kept the last one).
 */
import { isUtf8 } from 'node:buffer';
import { DataError } from '../../core/errors.js';
import type { ModelInfo, PoolTable } from '../pool.js';
import { gzipError, readLineBatches, tableNameOf } from './input.js';
import { LongTableBuilder, N_METRICS, K_ACC, K_ENERGY, K_LATENCY, K_IN, K_OUT, checkMetric, type QueryMeta } from './longBuilder.js';
import { parseNumber } from './text.js';

const TABLES = ['queries', 'query_features', 'models', 'pregenerated_results'] as const;
type TableName = (typeof TABLES)[number];

interface CopyRow {
  cells: (string | null)[];
  line: number;
}

interface CopyBlock {
  columns: string[];
  rows: CopyRow[];
  line: number;
}

// The blank before the column list belongs to the optional group: two adjacent blank loops (`\s*(…)?\s+`)
// backtrack quadratically on a long run of blanks.
const COPY_RE = /^COPY\s+((?:"[^"]+"|[\w$]+)(?:\.(?:"[^"]+"|[\w$]+))?)(?:\s*\(([^)]*)\))?\s+FROM\s+stdin\b/i;

function bareName(qualified: string): string {
  const last = qualified.split('.').pop()!;
  return last.replace(/^"|"$/g, '').toLowerCase();
}

/** Undo COPY text-format escaping; `\N` alone is NULL. Octal/hex escapes are bytes of UTF-8 text. */
export function unescapeCopy(s: string): string | null {
  if (s === '\\N') return null;
  if (!s.includes('\\')) return s;
  const parts: (string | number)[] = [];
  let run = '';
  let bytes = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '\\' || i + 1 >= s.length) {
      run += c;
      continue;
    }
    const e = s[++i];
    const simple: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
    if (e in simple) {
      run += simple[e];
      continue;
    }
    let m: RegExpExecArray | null = null;
    let code = -1;
    if (e === 'x' && (m = /^[0-9a-fA-F]{1,2}/.exec(s.slice(i + 1)))) {
      code = parseInt(m[0], 16);
      i += m[0].length;
    } else if (e >= '0' && e <= '7') {
      m = /^[0-7]{1,3}/.exec(s.slice(i))!;
      code = parseInt(m[0], 8) & 0xff;
      i += m[0].length - 1;
    }
    if (code < 0) {
      run += e;
      continue;
    }
    parts.push(run, code);
    run = '';
    bytes = true;
  }
  if (!bytes) return run;
  parts.push(run);
  const chunks = parts.map((p) => (typeof p === 'number' ? Buffer.from([p]) : Buffer.from(p, 'utf8')));
  const buf = Buffer.concat(chunks);
  // Decoding stray bytes would turn distinct values (ids) into the same replacement characters.
  if (!isUtf8(buf)) throw new DataError('escaped bytes are not valid UTF-8');
  return buf.toString('utf8');
}

/** Collect the COPY blocks of the tables we need; other blocks are skipped without keeping their rows. */
async function readCopyBlocks(file: string): Promise<Map<TableName, CopyBlock>> {
  const blocks = new Map<TableName, CopyBlock>();
  let current: { name: string; block: CopyBlock | null } | null = null;
  let lineNo = 0;
  let sawAny = false;
  try {
    for await (const lines of readLineBatches(file)) for (const text of lines) {
      lineNo++;
      if (text.trim() !== '') sawAny = true;
      if (current) {
        if (text === '\\.') {
          current = null;
          continue;
        }
        const b = current.block;
        if (!b) continue;
        const cells = text.split('\t');
        if (cells.length !== b.columns.length) {
          throw new DataError(`ragged COPY row for ${current.name}: expected ${b.columns.length} fields, got ${cells.length}`, file, lineNo);
        }
        const row: (string | null)[] = new Array(cells.length);
        for (let i = 0; i < cells.length; i++) {
          try {
            row[i] = unescapeCopy(cells[i]);
          } catch (err) {
            throw err instanceof DataError && !err.file ? new DataError(err.message, file, lineNo, b.columns[i]) : err;
          }
        }
        b.rows.push({ cells: row, line: lineNo });
        continue;
      }
      if (!/^COPY\s/i.test(text)) continue;
      const m = COPY_RE.exec(text);
      if (!m) throw new DataError('cannot parse COPY statement (expected COPY table (columns) FROM stdin;)', file, lineNo);
      const name = bareName(m[1]);
      const wanted = (TABLES as readonly string[]).includes(name) ? (name as TableName) : null;
      if (wanted && !m[2]) throw new DataError(`COPY ${name} has no column list`, file, lineNo);
      const block = wanted ? { columns: m[2].split(',').map((c) => c.trim().replace(/^"|"$/g, '').toLowerCase()), rows: [], line: lineNo } : null;
      if (wanted) {
        if (blocks.has(wanted)) throw new DataError(`second COPY block for ${wanted}`, file, lineNo);
        blocks.set(wanted, block!);
      }
      current = { name, block };
    }
  } catch (err) {
    throw gzipError(file, err);
  }
  if (!sawAny) throw new DataError('file is empty', file);
  if (current) {
    const start = current.block?.line;
    throw new DataError(`COPY block for ${current.name}${start ? ` (line ${start})` : ''} has no terminator line '\\.' (file truncated?)`, file, lineNo);
  }
  return blocks;
}

function col(b: CopyBlock, name: string, file: string, table: string, required: boolean): number {
  const i = b.columns.indexOf(name);
  if (i < 0 && required) throw new DataError(`COPY ${table} lacks column '${name}'`, file, b.line, name);
  return i;
}

export async function loadPgDump(file: string, opts: { warn?: (m: string) => void } = {}): Promise<PoolTable> {
  const blocks = await readCopyBlocks(file);
  const results = blocks.get('pregenerated_results');
  if (!results) throw new DataError('no COPY block for pregenerated_results (is this the GreenServ database dump?)', file);
  if (results.rows.length === 0) throw new DataError('pregenerated_results has no rows', file, results.line);

  const b = new LongTableBuilder(tableNameOf(file), file, {
    warn: opts.warn,
    duplicates: 'average',
    averageWarning: '{n} (query, model) pairs have results from several run_ids; their metrics were averaged (docs/model.md §6)',
  });

  // Queries (with task = dataset) in table order, features merged in.
  const qb = blocks.get('queries');
  const fb = blocks.get('query_features');
  if (qb && qb.rows.length > 0) {
    const cId = col(qb, 'query_id', file, 'queries', true);
    const cTask = col(qb, 'dataset', file, 'queries', true);
    const cText = col(qb, 'text', file, 'queries', false);
    const list: QueryMeta[] = [];
    const byId = new Map<string, QueryMeta>();
    for (const r of qb.rows) {
      const id = r.cells[cId];
      if (id === null || id === '') throw new DataError('empty query_id', file, r.line, 'query_id');
      if (byId.has(id)) throw new DataError(`query ${id} appears twice in queries`, file, r.line, 'query_id');
      const task = r.cells[cTask];
      if (task === null || task === '') throw new DataError('empty dataset', file, r.line, 'dataset');
      const q: QueryMeta = { id, task, text: cText >= 0 ? r.cells[cText] : null, cluster: -1, complexity: Number.NaN };
      byId.set(id, q);
      list.push(q);
    }
    if (fb) {
      const fId = col(fb, 'query_id', file, 'query_features', true);
      const fCluster = col(fb, 'semantic_cluster', file, 'query_features', false);
      const fCx = col(fb, 'complexity_score', file, 'query_features', false);
      for (const r of fb.rows) {
        const q = byId.get(r.cells[fId] ?? '');
        if (!q) continue;
        if (fCluster >= 0) {
          const c = parseNumber(r.cells[fCluster], file, r.line, 'semantic_cluster');
          if (!Number.isNaN(c)) {
            if (!Number.isInteger(c) || c < -1) throw new DataError(`semantic_cluster ${c} is not an integer ≥ -1`, file, r.line, 'semantic_cluster');
            q.cluster = c;
          }
        }
        if (fCx >= 0) q.complexity = parseNumber(r.cells[fCx], file, r.line, 'complexity_score');
      }
    }
    b.setQueries(list, file, 'the queries table');
  } else {
    opts.warn?.(`${file}: no queries table; queries get task 'all' and no text`);
  }

  const mb = blocks.get('models');
  if (mb && mb.rows.length > 0) {
    const cId = col(mb, 'model_id', file, 'models', true);
    const cName = col(mb, 'name', file, 'models', false);
    const cParams = col(mb, 'parameter_count', file, 'models', false);
    const list: ModelInfo[] = [];
    const seen = new Set<string>();
    for (const r of mb.rows) {
      const id = r.cells[cId];
      if (id === null || id === '') throw new DataError('empty model_id', file, r.line, 'model_id');
      if (seen.has(id)) throw new DataError(`model ${id} appears twice in models`, file, r.line, 'model_id');
      seen.add(id);
      let params = cParams >= 0 ? parseNumber(r.cells[cParams], file, r.line, 'parameter_count') : Number.NaN;
      // The column may hold billions (as in the reference's models.yaml) or a raw count.
      if (params > 1e5) params /= 1e9;
      list.push({ id, name: (cName >= 0 ? r.cells[cName] : null) || id, paramsB: params });
    }
    b.setModels(list, file, 'the models table');
  }

  const cQ = col(results, 'query_id', file, 'pregenerated_results', true);
  const cM = col(results, 'model_id', file, 'pregenerated_results', true);
  const cRun = col(results, 'run_id', file, 'pregenerated_results', false);
  const metricCols: [number, string][] = [
    [K_ACC, 'accuracy'],
    [K_ENERGY, 'energy_consumption'],
    [K_LATENCY, 'latency'],
    [K_IN, 'input_tokens'],
    [K_OUT, 'output_tokens'],
  ];
  const idx = metricCols.map(([, name]) => col(results, name, file, 'pregenerated_results', name === 'accuracy'));
  metricCols.forEach(([k], j) => (b.hasMetric[k] = idx[j] >= 0));
  const seenRun = new Map<string, number>();
  const vals = new Float64Array(N_METRICS);
  let skipped = 0;
  for (const r of results.rows) {
    const qid = r.cells[cQ] ?? '';
    const mid = r.cells[cM] ?? '';
    if (cRun >= 0) {
      const key = `${qid}\u0000${mid}\u0000${r.cells[cRun] ?? ''}`;
      const prev = seenRun.get(key);
      if (prev !== undefined) {
        throw new DataError(`query ${qid}, model ${mid}, run ${r.cells[cRun]} appears twice (also on line ${prev})`, file, r.line, 'run_id');
      }
      seenRun.set(key, r.line);
    }
    vals.fill(Number.NaN);
    metricCols.forEach(([k, name], j) => {
      if (idx[j] < 0) return;
      const v = parseNumber(r.cells[idx[j]], file, r.line, name);
      checkMetric(k, v, file, r.line, name);
      vals[k] = v;
    });
    if (Number.isNaN(vals[K_ACC])) {
      skipped++;
      continue;
    }
    const q = b.query(qid, r.line, 'query_id');
    const m = b.model(mid, r.line, 'model_id');
    b.add(q, m, vals, r.line);
  }
  if (skipped > 0) opts.warn?.(`${file}: ${skipped} pregenerated_results row(s) with NULL accuracy skipped`);
  return b.build();
}
