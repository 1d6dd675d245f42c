/**
 * Live profiling: send each query to a model behind an OpenAI-compatible endpoint, score the answer, measure
 * the energy of its request window and append one row per completed query to a long-format table
 * (`query_id, model_id, task, accuracy, energy_j, latency_s, input_tokens, output_tokens`) that
 * `greenserv simulate --data` reads directly.
 *
 * Durability: every row is appended (synchronously) as soon as its query completes, so an interrupt or a crash
 * loses only the requests in flight; re-running skips the (query, model) pairs already in the table.
 * Beside the table: `<stem>.requests.jsonl` (per request: completion, extracted answer, energy source,
 * concurrency, attempts), `<stem>.queries.csv` (query text and complexity for the context features) and
 * `<stem>.models.csv` (parameter counts).
 */
import { appendFileSync, closeSync, createReadStream, existsSync, ftruncateSync, mkdirSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { DataError, UsageError } from '../core/errors.js';
import { cellText, withTextTable } from '../data/formats/text.js';
import { fleschReadingEase, invertFlesch } from '../features/flesch.js';
import { fileAbove, writeFileAtomic } from '../core/atomic.js';
import { csvField, csvNum } from '../core/escape.js';
import { EnergyAttributor, type EnergyMeter, type EnergyWindow, type WindowResult } from './energy.js';
import { estimateEnergyJ, type EnergySetting } from './estimate.js';
import { EndpointError, type CompletionClient, type CompletionResult } from './openai.js';
import type { ProfilingQuery } from './queries.js';
import { applyStops, scoreCompletion, type ScoreOptions } from './scoring.js';

export const LIVE_COLUMNS = ['query_id', 'model_id', 'task', 'accuracy', 'energy_j', 'latency_s', 'input_tokens', 'output_tokens'] as const;

export interface SideFiles {
  requests: string;
  queries: string;
  models: string;
}

/** `runs/qwen.csv` → runs/qwen.requests.jsonl, runs/qwen.queries.csv, runs/qwen.models.csv */
export function sideFiles(table: string): SideFiles {
  const dir = dirname(table);
  const b = basename(table).replace(/\.csv$/i, '');
  return { requests: join(dir, `${b}.requests.jsonl`), queries: join(dir, `${b}.queries.csv`), models: join(dir, `${b}.models.csv`) };
}

const pairKey = (q: string, m: string): string => `${q}\u0000${m}`;

interface OpenedTable {
  done: Set<string>;
  rows: number;
  /** A partial last line (from a crash mid-write) was cut off. */
  repaired: boolean;
  /** The bytes cut off, for the log. */
  removed: string | null;
}

const LIVE_HEADER = LIVE_COLUMNS.join(',');
/** Longest trailing partial row we treat as our own interrupted append (our rows are far shorter). */
const MAX_PARTIAL_ROW = 64 * 1024;

/** Fields in one CSV line, commas inside double quotes not counted. */
function csvFieldCount(line: string): number {
  let n = 1;
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) n++;
  }
  return n;
}

function readAt(fd: number, pos: number, len: number): Buffer {
  const b = Buffer.alloc(len);
  const n = readSync(fd, b, 0, len, pos);
  return b.subarray(0, n);
}

/**
 * Prove an existing --out is a live table before anything touches it: its first line must be exactly our
 * header. Returns the offset of a trailing unterminated row (our interrupted append) or -1.
 */
function inspectExisting(file: string): { partialAt: number; partial: string } {
  const size = statSync(file).size;
  const fd = openSync(file, 'r');
  try {
    const head = readAt(fd, 0, Math.min(size, LIVE_HEADER.length + 2)).toString('latin1');
    const firstLine = head.split('\n')[0].replace(/\r$/, '');
    const headerOk = head.startsWith(LIVE_HEADER + '\n') || head === LIVE_HEADER;
    if (!headerOk) {
      const shown = firstLine.length > 80 ? `${firstLine.slice(0, 80)}…` : firstLine;
      throw new DataError(
        `exists and is not a greenserv live table (its first line '${shown}' is not the header ${LIVE_HEADER}); it was left untouched — choose another --out`,
        file,
        1,
      );
    }
    if (size === LIVE_HEADER.length) return { partialAt: size, partial: '' }; // header written without its newline
    const tailLen = Math.min(size, MAX_PARTIAL_ROW + 1);
    const tail = readAt(fd, size - tailLen, tailLen);
    if (tail[tail.length - 1] === 0x0a) return { partialAt: -1, partial: '' };
    const nl = tail.lastIndexOf(0x0a);
    if (nl < 0) throw new DataError(`the last line has no line end and is longer than ${MAX_PARTIAL_ROW} bytes: not a row greenserv wrote; left untouched`, file);
    const partial = tail.subarray(nl + 1).toString('utf8');
    // our rows have 8 fields: a fragment with more is someone else's edit
    if (csvFieldCount(partial) > LIVE_COLUMNS.length) {
      throw new DataError(`the last line has no line end and more than ${LIVE_COLUMNS.length} fields: not a row greenserv wrote; left untouched`, file);
    }
    return { partialAt: size - tailLen + nl + 1, partial };
  } finally {
    closeSync(fd);
  }
}

/** Create the table with its header, or read the pairs an earlier run already wrote. */
export async function openLiveTable(file: string): Promise<OpenedTable> {
  if (!/\.csv$/i.test(file)) throw new UsageError(`--out '${file}': live profiling writes a long-format .csv table`);
  if (!existsSync(file) || statSync(file).size === 0) {
    const above = fileAbove(file);
    if (above) throw new UsageError(`--out '${file}': ${above}, so the table cannot be created there`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, LIVE_HEADER + '\n');
    return { done: new Set(), rows: 0, repaired: false, removed: null };
  }
  const { partialAt, partial } = inspectExisting(file);
  let repaired = false;
  let removed: string | null = null;
  if (partialAt >= 0) {
    // the header proved the file ours: an unterminated last row is our append cut short by a crash
    const fd = openSync(file, 'r+');
    try {
      ftruncateSync(fd, partialAt);
    } finally {
      closeSync(fd);
    }
    if (partial === '') appendFileSync(file, '\n');
    else {
      repaired = true;
      removed = partial;
    }
  }
  const opened = await withTextTable(file, 'csv', async (t) => {
    const done = new Set<string>();
    let rows = 0;
    for await (const r of t.records) {
      done.add(pairKey(cellText(r.cells[0]) ?? '', cellText(r.cells[1]) ?? ''));
      rows++;
    }
    return { done, rows };
  });
  return { ...opened, repaired, removed };
}

function csvLine(cells: (string | number)[]): string {
  return cells.map((c) => (typeof c === 'number' ? csvNum(c) : csvField(c))).join(',') + '\n';
}

const SIDE_QUERIES = ['query_id', 'task', 'text', 'complexity'];
const SIDE_MODELS = ['model_id', 'name', 'params_b'];

/** First line of a file (at most `max` bytes), without its line end. */
function firstLine(file: string, max = 4096): string {
  const fd = openSync(file, 'r');
  try {
    return readAt(fd, 0, max).toString('utf8').split('\n')[0].replace(/\r$/, '');
  } finally {
    closeSync(fd);
  }
}

/**
 * The side files are rewritten (CSVs) or appended to (requests log): an existing one must be ours, or the run is
 * refused before anything is written.
 */
function checkSideFiles(side: SideFiles): void {
  const foreign = (file: string, what: string): never => {
    throw new DataError(`exists and is not a greenserv ${what}; it was left untouched — move it or choose another --out`, file, 1);
  };
  for (const [file, header] of [[side.queries, SIDE_QUERIES], [side.models, SIDE_MODELS]] as const) {
    if (existsSync(file) && statSync(file).size > 0 && firstLine(file) !== header.join(',')) foreign(file, `side file (header ${header.join(',')})`);
  }
  if (existsSync(side.requests) && statSync(side.requests).size > 0) {
    let rec: unknown;
    try {
      rec = JSON.parse(firstLine(side.requests, 1 << 20));
    } catch {
      rec = null;
    }
    if ((rec as { type?: unknown } | null)?.type !== 'run') foreign(side.requests, 'requests log (its first line is not a run record)');
  }
}

/** Rewrite a small side CSV as the union of its rows and `add` (keyed by the first column, new rows win). */
async function mergeSideCsv(file: string, header: string[], add: (string | number)[][]): Promise<void> {
  const rows = new Map<string, (string | number)[]>();
  if (existsSync(file)) {
    await withTextTable(file, 'csv', async (t) => {
      const idx = t.columns.map((c) => c.trim().toLowerCase());
      for await (const r of t.records) {
        const row = header.map((h) => {
          const i = idx.indexOf(h);
          return i < 0 ? '' : (cellText(r.cells[i]) ?? '');
        });
        rows.set(String(row[0]), row);
      }
    });
  }
  for (const r of add) {
    const prev = rows.get(String(r[0]));
    // keep a known value where the new row has none (e.g. params_b given on an earlier run)
    rows.set(String(r[0]), prev ? r.map((v, i) => (v === '' || (typeof v === 'number' && !Number.isFinite(v)) ? prev[i] : v)) : r);
  }
  writeFileAtomic(file, [header.join(','), ...[...rows.values()].map((r) => csvLine(r).trimEnd())].join('\n') + '\n');
}

/**
 * Per model, the queries whose energy_j is an estimate: the table has no flag column, so the requests log (last
 * record of a pair wins) says which rows came from --estimate-energy.
 */
export async function estimatedQueries(log: string): Promise<Map<string, Set<string>>> {
  const byModel = new Map<string, Set<string>>();
  if (!existsSync(log)) return byModel;
  for await (const line of createInterface({ input: createReadStream(log), crlfDelay: Infinity })) {
    let r: { type?: unknown; query_id?: unknown; model_id?: unknown; energy_source?: unknown };
    try {
      r = JSON.parse(line) as typeof r;
    } catch {
      continue; // a line cut short by a crash
    }
    if (r?.type !== 'request' || typeof r.query_id !== 'string' || typeof r.model_id !== 'string') continue;
    let qs = byModel.get(r.model_id);
    if (!qs) byModel.set(r.model_id, (qs = new Set()));
    if (r.energy_source === 'estimate') qs.add(r.query_id);
    else qs.delete(r.query_id);
  }
  return byModel;
}

/** Queries timing out one after another (after at least one answer) before the run stops. */
const MAX_TIMEOUTS_IN_ROW = 3;

interface LiveOptions {
  queries: ProfilingQuery[];
  modelId: string;
  /** Display name for the models side file. */
  modelName?: string;
  paramsB?: number;
  client: CompletionClient;
  meter: EnergyMeter;
  out: string;
  concurrency?: number;
  sampleHz?: number;
  /** Idle power to subtract (W), from measureIdlePower. */
  idleW?: number;
  scoring?: ScoreOptions;
  /** Fill energy from the estimation model when the meter measures nothing (needs paramsB). */
  estimateEnergy?: boolean;
  /** GPU and batch of that estimate (default DEFAULT_ESTIMATE). */
  estimate?: EnergySetting;
  /** Per-query failures (e.g. HTTP 400) tolerated before the run stops. */
  maxFailures?: number;
  signal?: AbortSignal;
  log?: (msg: string) => void;
  progress?: (done: number, total: number) => void;
  /** Extra fields for the run record in requests.jsonl (endpoint, meter, options…). */
  runInfo?: Record<string, unknown>;
}

export interface LiveResult {
  total: number;
  alreadyDone: number;
  written: number;
  failed: { id: string; message: string }[];
  interrupted: boolean;
  /** Why the run stopped early, if it did (endpoint unreachable, meter broke, too many failures). */
  fatal: string | null;
  emptyCompletions: number;
  estimatedUsage: number;
  /** Rows written this run whose energy is an --estimate-energy estimate. */
  estimatedEnergy: number;
  clamped: number;
  repaired: boolean;
  /** Data rows in the table after the run (this model's and others'). */
  tableRows: number;
  notes: string[];
}

export async function runLiveProfile(o: LiveOptions): Promise<LiveResult> {
  const log = o.log ?? (() => {});
  const side = sideFiles(o.out);
  checkSideFiles(side);
  const opened = await openLiveTable(o.out);
  if (opened.repaired) log(`${o.out}: the last row was incomplete (interrupted write) and was removed ('${opened.removed}'); that query is sent again`);
  const pending = o.queries.filter((q) => !opened.done.has(pairKey(q.id, o.modelId)));
  const res: LiveResult = {
    total: o.queries.length,
    alreadyDone: o.queries.length - pending.length,
    written: 0,
    failed: [],
    interrupted: false,
    fatal: null,
    emptyCompletions: 0,
    estimatedUsage: 0,
    estimatedEnergy: 0,
    clamped: 0,
    repaired: opened.repaired,
    tableRows: opened.rows,
    notes: [],
  };

  await mergeSideCsv(
    side.queries,
    SIDE_QUERIES,
    o.queries.map((q) => [q.id, q.task, q.prompt, invertFlesch(fleschReadingEase(q.prompt))]),
  );
  await mergeSideCsv(side.models, SIDE_MODELS, [[o.modelId, o.modelName ?? o.modelId, o.paramsB ?? Number.NaN]]);
  appendFileSync(
    side.requests,
    JSON.stringify({ type: 'run', schemaVersion: 1, started: new Date().toISOString(), model_id: o.modelId, meter: o.meter.describe(), idle_w: o.idleW ?? 0, concurrency: o.concurrency ?? 1, pending: pending.length, ...o.runInfo }) + '\n',
  );
  if (pending.length === 0) return res;

  const attr = new EnergyAttributor(o.meter, { idleW: o.idleW, sampleHz: o.sampleHz });
  attr.start();
  const stop = new AbortController();
  const onOuterAbort = (): void => {
    res.interrupted = true;
    stop.abort();
  };
  if (o.signal?.aborted) onOuterAbort();
  o.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const maxFailures = o.maxFailures ?? 10;
  const measured = o.meter.kind !== 'none';
  let next = 0;
  // a server that never answers would otherwise cost every query its full timeout and retries
  let answered = false;
  let timeoutsInRow = 0;
  let finished = 0;

  const fail = (why: string): void => {
    if (res.fatal === null) res.fatal = why;
    stop.abort();
  };

  const one = async (q: ProfilingQuery): Promise<void> => {
    let win: WindowResult | null = null;
    let open: EnergyWindow | null = null;
    let out: CompletionResult;
    try {
      out = await o.client.complete(
        { prompt: q.prompt, maxTokens: q.maxTokens, stop: q.stop },
        {
          signal: stop.signal,
          onAttempt: () => {
            open = attr.open();
            return {
              done: (ok: boolean) => {
                if (ok) win = open!.close();
                else open!.discard();
              },
            };
          },
        },
      );
    } catch (e) {
      if (e instanceof EndpointError) {
        if (e.kind === 'aborted') return;
        if (e.kind === 'timeout') {
          timeoutsInRow++;
          if (!answered) return fail(`${e.message}; no request has been answered yet — is the server up, and is --timeout long enough for this model?`);
          if (timeoutsInRow >= MAX_TIMEOUTS_IN_ROW) return fail(`${timeoutsInRow} queries in a row timed out (the server stopped answering?); last: ${e.message}`);
        }
        if (e.fatal) return fail(e.message);
        res.failed.push({ id: q.id, message: e.message });
        log(`query ${q.id} failed: ${e.message}`);
        if (res.failed.length > maxFailures) fail(`${res.failed.length} queries failed (more than --max-failures ${maxFailures}); last: ${e.message}`);
        return;
      }
      throw e;
    }
    answered = true;
    timeoutsInRow = 0;
    if (o.meter.failure) return fail(`energy meter failed: ${o.meter.failure}`);
    // a response that arrived after an interrupt is complete, so it is kept
    const text = applyStops(out.text, q.stop);
    if (text.trim() === '') res.emptyCompletions++;
    if (!out.usageReported) res.estimatedUsage++;
    const score = scoreCompletion({ extraction: q.extraction, metric: q.metric, reference: q.reference, prompt: q.prompt }, text, o.scoring);
    const w = win as WindowResult | null;
    let energyJ = w ? w.energyJ : Number.NaN;
    let source: string | null = measured ? o.meter.kind : null;
    if (w?.clamped) res.clamped++;
    const estimate = o.paramsB !== undefined && Number.isFinite(o.paramsB) ? estimateEnergyJ({ paramsB: o.paramsB, inputTokens: out.inputTokens, outputTokens: out.outputTokens }, o.estimate) : Number.NaN;
    if (!measured && o.estimateEnergy && Number.isFinite(estimate)) {
      energyJ = estimate;
      source = 'estimate';
    }
    appendFileSync(o.out, csvLine([q.id, o.modelId, q.task, score.accuracy, energyJ, out.latencyS, out.inputTokens, out.outputTokens]));
    appendFileSync(
      side.requests,
      JSON.stringify({
        type: 'request',
        query_id: q.id,
        model_id: o.modelId,
        task: q.task,
        accuracy: score.accuracy,
        extracted: score.extracted,
        completion: out.text,
        finish_reason: out.finishReason,
        energy_j: Number.isFinite(energyJ) ? energyJ : null,
        energy_source: source,
        estimated_energy_j: Number.isFinite(estimate) ? estimate : null,
        concurrency: w ? Number(w.concurrency.toFixed(3)) : null,
        window_s: w ? w.windowS : null,
        latency_s: out.latencyS,
        input_tokens: out.inputTokens,
        output_tokens: out.outputTokens,
        usage_reported: out.usageReported,
        attempts: out.attempts,
      }) + '\n',
    );
    res.written++;
    res.tableRows++;
    if (source === 'estimate') res.estimatedEnergy++;
  };

  const worker = async (): Promise<void> => {
    while (!stop.signal.aborted && next < pending.length) {
      const q = pending[next++];
      await one(q);
      finished++;
      o.progress?.(res.alreadyDone + finished, res.total);
    }
  };
  try {
    const n = Math.max(1, Math.min(o.concurrency ?? 1, pending.length));
    await Promise.all(Array.from({ length: n }, () => worker()));
  } finally {
    attr.stop();
    o.signal?.removeEventListener('abort', onOuterAbort);
  }
  res.notes.push(...o.meter.notes());
  return res;
}
