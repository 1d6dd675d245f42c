/**
 * Queries for live profiling: the paper's prompt files (`dataset, processed_input, reference, max_new_tokens,
 * stop_sequence, extraction_method, evaluation_metric, id`, docs/model.md §1) or the project's queries format with
 * a reference (`query_id, task, text, reference[, max_new_tokens, stop_sequence, …]`). CSV, TSV or JSONL;
 * a directory means every such file in it.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataError } from '../core/errors.js';
import { own } from '../core/dict.js';
import { cellText, withTextTable, textKindOf, truncate, type TextTable } from '../data/formats/text.js';
import { EVALUATION_METRICS, EXTRACTION_METHODS, type EvaluationMetric, type ExtractionMethod } from './scoring.js';

export interface ProfilingQuery {
  id: string;
  task: string;
  prompt: string;
  reference: string;
  maxTokens: number;
  stop: string[];
  extraction: ExtractionMethod;
  metric: EvaluationMetric;
}

interface TaskDefaults {
  maxTokens: number;
  stop: string[];
  extraction: ExtractionMethod;
  metric: EvaluationMetric;
}

const MC: TaskDefaults = { maxTokens: 1, stop: ['\n'], extraction: 'multiple_choice', metric: 'exact_match' };

/** Generation and scoring per known task when the file has no such columns (docs/model.md §1). */
const TASK_DEFAULTS: Readonly<Record<string, TaskDefaults>> = {
  mmlu: MC,
  hellaswag: MC,
  winogrande: MC,
  arc_challenge: MC,
  gsm8k: { maxTokens: 256, stop: ['####'], extraction: 'numeric', metric: 'exact_match' },
  cnn_dailymail: { maxTokens: 128, stop: ['####', '\n\n\n'], extraction: 'raw', metric: 'rouge' },
};

const ALIASES = {
  id: ['id', 'query_id'],
  task: ['dataset', 'task'],
  prompt: ['processed_input', 'text', 'prompt'],
  reference: ['reference', 'answer'],
  maxTokens: ['max_new_tokens', 'max_tokens'],
  stop: ['stop_sequence', 'stop_sequences', 'stop'],
  extraction: ['extraction_method'],
  metric: ['evaluation_metric'],
} as const;

const FILE_EXTENSIONS = /\.(csv|tsv|tab|jsonl|ndjson)(\.gz)?$/i;

/**
 * Files named by the arguments: files as given, directories expanded to their query files (sorted), leaving
 * out `exclude` (the output table and its side files when they sit in the same directory).
 */
function expandQueryPaths(paths: readonly string[], exclude: readonly string[] = []): string[] {
  const skip = new Set(exclude.map((e) => resolve(e)));
  const out: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new DataError('queries file not found', p);
    }
    if (st.isDirectory()) {
      const files = readdirSync(p)
        .filter((f) => FILE_EXTENSIONS.test(f))
        .sort()
        .map((f) => join(p, f))
        .filter((f) => !skip.has(resolve(f)));
      if (files.length === 0) throw new DataError('directory holds no .csv/.tsv/.jsonl query files', p);
      out.push(...files);
    } else {
      out.push(p);
    }
  }
  return out;
}

/**
 * Stop sequences from a cell: a Python list literal as in the prompt files (`['\n']`, `['####', '\n\n\n']`),
 * a JSON array, or a single plain string.
 */
export function parseStopList(raw: string): string[] {
  const s = raw.trim();
  if (s === '') return [];
  if (!s.startsWith('[')) return [unescapeEscapes(s)];
  try {
    const v = JSON.parse(s) as unknown;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    // not JSON: a Python literal, parsed below
  }
  const out: string[] = [];
  let i = 1;
  const skip = (): void => {
    while (i < s.length && /[\s,]/.test(s[i])) i++;
  };
  skip();
  while (i < s.length && s[i] !== ']') {
    const q = s[i];
    if (q !== "'" && q !== '"') throw new Error(`expected a quoted string at position ${i}`);
    i++;
    let body = '';
    while (i < s.length && s[i] !== q) {
      if (s[i] === '\\' && i + 1 < s.length) {
        body += s[i] + s[i + 1];
        i += 2;
      } else {
        body += s[i++];
      }
    }
    if (i >= s.length) throw new Error('unterminated string');
    i++;
    out.push(unescapeEscapes(body));
    skip();
  }
  if (s[i] !== ']') throw new Error('missing closing ]');
  return out;
}

function unescapeEscapes(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)/g, (_m, e: string) => {
    if (e[0] === 'x' || e[0] === 'u') return String.fromCharCode(parseInt(e.slice(1), 16));
    return ({ n: '\n', t: '\t', r: '\r', '0': '\0' } as Record<string, string>)[e] ?? e;
  });
}

function findColumn(idx: Map<string, number>, names: readonly string[]): number | undefined {
  for (const n of names) {
    const i = idx.get(n);
    if (i !== undefined) return i;
  }
  return undefined;
}

const EXPECTED =
  "expected the prompt-file columns (dataset, processed_input, reference, id[, max_new_tokens, stop_sequence, extraction_method, evaluation_metric]) or query_id, task, text, reference";

interface ReadQueriesOptions {
  /** Replace every task's generation limit. */
  maxTokens?: number;
  /** Files a directory argument must not contribute (the output table and its side files). */
  exclude?: string[];
}

async function readOne(file: string, opts: ReadQueriesOptions, seen: Map<string, string>, out: ProfilingQuery[]): Promise<void> {
  await withTextTable(file, textKindOf(file) ?? 'csv', (t) => readRows(t, file, opts, seen, out));
}

async function readRows(t: TextTable, file: string, opts: ReadQueriesOptions, seen: Map<string, string>, out: ProfilingQuery[]): Promise<void> {
  const idx = new Map(t.columns.map((c, i) => [c.trim().toLowerCase(), i]));
  const col = {
    id: findColumn(idx, ALIASES.id),
    task: findColumn(idx, ALIASES.task),
    prompt: findColumn(idx, ALIASES.prompt),
    reference: findColumn(idx, ALIASES.reference),
    maxTokens: findColumn(idx, ALIASES.maxTokens),
    stop: findColumn(idx, ALIASES.stop),
    extraction: findColumn(idx, ALIASES.extraction),
    metric: findColumn(idx, ALIASES.metric),
  };
  const missing: string[] = [];
  if (col.id === undefined) missing.push('id (or query_id)');
  if (col.task === undefined) missing.push('dataset (or task)');
  if (col.prompt === undefined) missing.push('processed_input (or text, prompt)');
  if (col.reference === undefined) missing.push('reference, needed to score the answers');
  if (missing.length) throw new DataError(`queries file lacks column(s) ${missing.join('; ')}: ${EXPECTED}`, file, 1);
  let n = 0;
  for await (const r of t.records) {
    const cell = (c: number | undefined): string => (c === undefined ? '' : (cellText(r.cells[c]) ?? ''));
    const id = cell(col.id).trim();
    if (id === '') throw new DataError('empty query id', file, r.line, t.columns[col.id!]);
    const prev = seen.get(id);
    if (prev !== undefined) throw new DataError(`query '${truncate(id)}' appears twice (also in ${prev})`, file, r.line, t.columns[col.id!]);
    seen.set(id, `${file}:${r.line}`);
    const task = cell(col.task).trim();
    if (task === '') throw new DataError('empty task', file, r.line, t.columns[col.task!]);
    const prompt = cell(col.prompt);
    if (prompt.trim() === '') throw new DataError(`query '${truncate(id)}' has an empty prompt`, file, r.line, t.columns[col.prompt!]);
    const reference = cell(col.reference);
    const def = own(TASK_DEFAULTS, task.toLowerCase());

    const exRaw = cell(col.extraction).trim();
    const meRaw = cell(col.metric).trim();
    if (!def && (exRaw === '' || meRaw === '')) {
      throw new DataError(
        `task '${task}' has no built-in scoring rule; add extraction_method (${EXTRACTION_METHODS.join('|')}) and evaluation_metric (${EVALUATION_METRICS.join('|')}) columns`,
        file,
        r.line,
      );
    }
    const extraction = (exRaw || def!.extraction) as ExtractionMethod;
    if (!EXTRACTION_METHODS.includes(extraction)) {
      throw new DataError(`unknown extraction_method '${exRaw}' (expected ${EXTRACTION_METHODS.join(', ')})`, file, r.line, t.columns[col.extraction!]);
    }
    const metric = (meRaw || def!.metric) as EvaluationMetric;
    if (!EVALUATION_METRICS.includes(metric)) {
      throw new DataError(`unknown evaluation_metric '${meRaw}' (expected ${EVALUATION_METRICS.join(', ')})`, file, r.line, t.columns[col.metric!]);
    }
    if (reference.trim() === '') throw new DataError(`query '${truncate(id)}' has an empty reference`, file, r.line, t.columns[col.reference!]);

    let maxTokens = def?.maxTokens ?? 256;
    const mtRaw = cell(col.maxTokens).trim();
    if (mtRaw !== '') {
      const v = Number(mtRaw);
      // safe integers only, as --max-tokens: 1e300 is an integer to Number.isInteger
      if (!Number.isSafeInteger(v) || v < 1) throw new DataError(`max_new_tokens '${mtRaw}' is not a positive integer`, file, r.line, t.columns[col.maxTokens!]);
      maxTokens = v;
    }
    if (opts.maxTokens !== undefined) maxTokens = opts.maxTokens;

    let stop = def?.stop ?? [];
    const stRaw = cell(col.stop);
    if (stRaw.trim() !== '') {
      try {
        stop = parseStopList(stRaw);
      } catch (e) {
        throw new DataError(`cannot read stop_sequence ${truncate(stRaw)}: ${(e as Error).message}`, file, r.line, t.columns[col.stop!]);
      }
    }
    out.push({ id, task, prompt, reference, maxTokens, stop, extraction, metric });
    n++;
  }
  if (n === 0) throw new DataError('no queries (header only?)', file);
}

export async function readProfilingQueries(paths: readonly string[], opts: ReadQueriesOptions = {}): Promise<ProfilingQuery[]> {
  const out: ProfilingQuery[] = [];
  const seen = new Map<string, string>();
  for (const f of expandQueryPaths(paths, opts.exclude)) await readOne(f, opts, seen, out);
  return out;
}
