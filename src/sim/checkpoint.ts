/**
 * Checkpoints of interrupted experiment runs: every finished job is appended as one JSON line (arrays as
 * base64 of their raw bytes, so numbers come back bit for bit) with a sha256 of the line's payload. A
 * resumed run skips the recorded jobs and produces the same results as an uninterrupted one; a line that
 * was edited, or a state that does not describe this experiment, is refused rather than trusted.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { DataError, SettingError, userIoError } from '../core/errors.js';
import { atomicFs } from '../core/atomic.js';
import type { RunMetrics } from './engine.js';
import type { Job, JobResult } from './experiment.js';
import { MAX_JOBS, MAX_RUNS } from './limits.js';
import { MAX_SHARDS } from './shard.js';
import { FITTED_NAME, MAX_FITTED } from '../policies/pluginGuard.js';

const stateSchema = z
  .object({
    schemaVersion: z.literal(1),
    // the version that ran the replays: merge and --resume take only their own (absent: an older version)
    greenserv: z.string().min(1).max(64).optional(),
    experimentFile: z.string().min(1),
    configSha256: z.string().regex(/^[0-9a-f]{64}$/),
    runs: z.number().int().min(1).max(MAX_RUNS),
    out: z.string().min(1),
    charts: z.boolean(),
    totalJobs: z.number().int().min(1).max(MAX_JOBS),
    // a shard's checkpoint: which cells it runs (0-based index of count), and the table they replay
    shard: z.object({ index: z.number().int().min(0), count: z.number().int().min(1).max(MAX_SHARDS) }).strict().refine((s) => s.index < s.count, 'index must be below count').optional(),
    datasetSha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  })
  .strict();

export type CheckpointState = z.infer<typeof stateSchema>;

/** Largest state.json read (a real one is a few hundred bytes); jobs.ndjson is bounded by the experiment. */
const MAX_STATE_BYTES = 1 << 20;

const SCALARS = ['run', 'seed', 'finalRegret', 'totalReward', 'meanReward', 'accuracy', 'energyWh', 'costUsd', 'costNorm', 'latencyS', 'misses'] as const;

function b64(a: Float64Array | Int32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

function decode(s: unknown, bytesPer: number, n: number, what: string): ArrayBuffer {
  if (typeof s !== 'string') throw new Error(`${what} is not a base64 string`);
  const b = Buffer.from(s, 'base64');
  if (b.byteLength !== n * bytesPer) throw new Error(`${what} holds ${b.byteLength} bytes, expected ${n} values of ${bytesPer} bytes`);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

export function partialDir(out: string): string {
  return `${out.replace(/\/+$/, '')}.partial`;
}

/** The results directory a checkpoint directory belongs to (beside it, whatever the working directory). */
export function outOfPartial(dir: string, state: CheckpointState): string {
  const abs = resolve(dir);
  return abs.endsWith('.partial') ? abs.slice(0, -'.partial'.length) : join(dirname(abs), basename(state.out));
}

/**
 * One finished replay as a checkpoint line (with its newline). Every field is written in a fixed order, so a
 * replay has the same bytes whether it was just computed, came from a worker thread or was read back from a
 * checkpoint: a shard directory writes its replays through this in cell order.
 */
export function checkpointRecord(r: JobResult): string {
  const { job, metrics: m } = r;
  // scenario fields only when present, so records of plain experiments keep their bytes
  const data = JSON.stringify({
    job: { lambdaIndex: job.lambdaIndex, armIndex: job.armIndex, run: job.run },
    metrics: {
      run: m.run,
      seed: m.seed,
      finalRegret: m.finalRegret,
      totalReward: m.totalReward,
      meanReward: m.meanReward,
      accuracy: m.accuracy,
      energyWh: m.energyWh,
      costUsd: m.costUsd,
      costNorm: m.costNorm,
      latencyS: m.latencyS,
      selection: b64(m.selection),
      misses: m.misses,
      ...(m.fitted !== undefined ? { fitted: m.fitted } : {}),
    },
    stepRegret: b64(r.stepRegret),
    chosen: b64(r.chosen),
    ...(r.budgetTrace ? { budgetTrace: b64(r.budgetTrace) } : {}),
    ...(r.feedback ? { feedback: { delivered: r.feedback.delivered, unlabelled: r.feedback.unlabelled } } : {}),
  });
  return `{"sha256":"${sha256(data)}","data":${data}}\n`;
}

/** Shape of the jobs a checkpoint must match: counts per axis and array lengths. */
interface CheckpointShape {
  lambdas: number;
  arms: number;
  runs: number;
  queries: number;
  models: number;
  /** The experiment has a budget, so each record also holds a per-step budget trace. */
  budget?: boolean;
}

const LINE = /^\{"sha256":"([0-9a-f]{64})","data":(.*)\}$/;

export class Checkpoint {
  private readonly file: string;

  constructor(
    readonly dir: string,
    state: CheckpointState,
    fresh: boolean,
  ) {
    this.file = join(dir, 'jobs.ndjson');
    if (fresh) {
      try {
        mkdirSync(dirname(resolve(dir)), { recursive: true });
      } catch (e) {
        throw userIoError(e, dir, 'create checkpoint');
      }
      try {
        // the claim: of two runs starting at once, only one creates the directory
        mkdirSync(dir);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new SettingError((n) => `${dir} appeared meanwhile: another run of this experiment is writing there; choose another ${n('out')}`);
        throw userIoError(e, dir, 'create checkpoint');
      }
      try {
        writeFileSync(join(dir, 'state.json'), JSON.stringify(state, null, 2) + '\n');
        writeFileSync(this.file, '');
      } catch (e) {
        rmSync(dir, { recursive: true, force: true });
        throw userIoError(e, dir, 'create checkpoint');
      }
    }
  }

  append(r: JobResult): void {
    // one write per line: a line cut by a crash or a full disk is dropped on load
    try {
      atomicFs.appendFileSync(this.file, checkpointRecord(r));
    } catch (e) {
      throw userIoError(e, this.file, 'write checkpoint');
    }
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  static readState(dir: string): CheckpointState {
    const stateFile = join(dir, 'state.json');
    if (!existsSync(stateFile)) throw new DataError('not a checkpoint directory (state.json is missing)', dir);
    const text = readBounded(stateFile, MAX_STATE_BYTES);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new DataError((n) => `corrupted checkpoint state: ${(e as Error).message}; start over with ${n('force')}`, stateFile);
    }
    const r = stateSchema.safeParse(raw);
    if (!r.success) {
      const i = r.error.issues[0];
      const path = i.path.join('.') || '(top level)';
      throw new DataError((n) => `corrupted checkpoint state: ${path}: ${i.message}; start over with ${n('force')}`, stateFile, undefined, path, 'field');
    }
    return r.data;
  }

  /**
   * Finished jobs of a checkpoint, checked against the experiment's shape. An unterminated last line (cut
   * by a crash) is dropped and cut from the file, so appending continues on a clean line. `shard`: the
   * directory is a finished shard, written whole and only read (by merge): a missing file or a cut line is
   * damage to report, and the file is never changed.
   */
  static loadJobs(dir: string, s: CheckpointShape, o: { shard?: boolean } = {}): JobResult[] {
    const file = join(dir, 'jobs.ndjson');
    // a shard is re-run by the command that wrote it, named as such; a checkpoint by the caller's own setting
    const remedy = (n: (field: string) => string): string => (o.shard ? 're-run this shard (experiment run --shard i/n --force)' : `delete this line to re-run its replay, or start over with ${n('force')}`);
    if (!existsSync(file)) {
      if (o.shard) throw new DataError((n) => `jobs.ndjson is missing, so this is not a finished shard; ${remedy(n)}`, dir);
      return [];
    }
    // a record holds up to three per-step arrays (the budget trace with a budget) and the selection counts, in
    // base64, plus a little JSON
    const maxLine = Math.ceil(((s.queries * (s.budget ? 20 : 12) + s.models * 8) * 4) / 3) + 4096;
    const jobs = s.lambdas * s.arms * s.runs;
    checkRegularFile(file, (jobs + 1) * (maxLine + 1));
    const results: JobResult[] = [];
    const seen = new Set<string>();
    const cut = forEachLine(file, maxLine, (line, i) => {
      const fail = (why: string): never => {
        throw new DataError((n) => `corrupted ${o.shard ? 'shard' : 'checkpoint'}: ${why}; ${remedy(n)}`, file, i);
      };
      if (line === null) return fail(`record longer than ${maxLine} bytes`);
      if (!line) return;
      const m = LINE.exec(line);
      if (!m) fail('not a checkpoint record');
      if (sha256(m![2]) !== m![1]) fail('checksum mismatch (the record was modified)');
      let r: JobResult;
      try {
        r = parseRecord(JSON.parse(m![2]), s);
      } catch (e) {
        return fail((e as Error).message);
      }
      const key = `${r.job.lambdaIndex}/${r.job.armIndex}/${r.job.run}`;
      if (seen.has(key)) fail(`job ${key} is recorded twice`);
      seen.add(key);
      results.push(r);
    });
    // a shard is written whole, so its last line cannot have been cut by a crash of its own run
    if (cut !== null && o.shard) throw new DataError((n) => `truncated shard: the file ends inside a record after ${cut} bytes; ${remedy(n)}`, file);
    if (cut !== null) {
      try {
        truncateSync(file, cut);
      } catch (e) {
        throw userIoError(e, file, 'repair');
      }
    }
    return results;
  }
}

function checkRegularFile(file: string, max: number): void {
  let st;
  try {
    st = statSync(file);
  } catch (e) {
    throw userIoError(e, file, 'read');
  }
  if (!st.isFile()) throw new DataError('not a regular file', file);
  if (st.size > max) throw new DataError(`${st.size} bytes, more than a checkpoint of this experiment can hold (${max})`, file);
}

/**
 * Calls `fn` for each complete line (1-based numbers), reading in blocks so that no single string holds
 * the file; a line over `maxLine` bytes is passed as null. Returns the byte length of the complete lines
 * when the file ends in an unterminated one (cut by a crash), else null.
 */
function forEachLine(file: string, maxLine: number, fn: (line: string | null, no: number) => void): number | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw userIoError(e, file, 'read');
  }
  try {
    const block = Buffer.allocUnsafe(1 << 20);
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let done = 0;
    let no = 0;
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, block, 0, block.length, null);
      } catch (e) {
        throw userIoError(e, file, 'read');
      }
      if (n === 0) break;
      let start = 0;
      for (let nl = block.indexOf(10, 0); nl >= 0 && nl < n; nl = block.indexOf(10, start)) {
        const part = block.subarray(start, nl);
        no++;
        fn(pendingBytes + part.length > maxLine ? null : Buffer.concat([...pending, part]).toString('utf8'), no);
        done += pendingBytes + part.length + 1;
        pending = [];
        pendingBytes = 0;
        start = nl + 1;
      }
      if (start < n) {
        pendingBytes += n - start;
        if (pendingBytes > maxLine) fn(null, no + 1);
        pending.push(Buffer.from(block.subarray(start, n)));
      }
    }
    return pendingBytes > 0 ? done : null;
  } finally {
    closeSync(fd);
  }
}

function readBounded(file: string, max: number): string {
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new DataError('not a regular file', file);
    if (st.size > max) throw new DataError(`${st.size} bytes, more than a checkpoint of this kind can hold (${max})`, file);
    return readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw userIoError(e, file, 'read');
  }
}

function parseRecord(o: unknown, s: CheckpointShape): JobResult {
  const rec = o as { job?: Record<string, unknown>; metrics?: Record<string, unknown>; stepRegret?: unknown; chosen?: unknown; budgetTrace?: unknown; feedback?: unknown };
  const j = rec?.job;
  const idx = (v: unknown, n: number, what: string): number => {
    if (!Number.isInteger(v) || (v as number) < 0 || (v as number) >= n) throw new Error(`job.${what} ${String(v)} is not in 0…${n - 1}`);
    return v as number;
  };
  if (!j || typeof j !== 'object') throw new Error('job is missing');
  const job: Job = { lambdaIndex: idx(j.lambdaIndex, s.lambdas, 'lambdaIndex'), armIndex: idx(j.armIndex, s.arms, 'armIndex'), run: idx(j.run, s.runs, 'run') };
  const mt = rec.metrics;
  if (!mt || typeof mt !== 'object') throw new Error('metrics are missing');
  const metrics = { selection: new Float64Array(decode(mt.selection, 8, s.models, 'metrics.selection')) } as RunMetrics;
  for (const k of SCALARS) {
    const v = mt[k];
    // JSON has no NaN: a metric the table cannot give (e.g. cost without a cost column) is written as null
    if (v !== null && typeof v !== 'number') throw new Error(`metrics.${k} is not a number`);
    metrics[k] = v === null ? Number.NaN : v;
  }
  // a trained router's fitted settings (Policy.fitted): a few named numbers
  if (mt.fitted !== undefined) {
    const f = mt.fitted as Record<string, unknown> | null;
    if (!f || typeof f !== 'object' || Array.isArray(f)) throw new Error('metrics.fitted is not an object');
    const keys = Object.keys(f);
    if (keys.length > MAX_FITTED) throw new Error(`metrics.fitted has ${keys.length} settings, at most ${MAX_FITTED}`);
    const fitted: Record<string, number> = {};
    for (const k of keys) {
      if (!FITTED_NAME.test(k)) throw new Error(`metrics.fitted has a bad setting name`);
      // JSON writes a non-finite number as null
      if (typeof f[k] !== 'number' && f[k] !== null) throw new Error(`metrics.fitted.${k} is not a number`);
      fitted[k] = f[k] === null ? Number.NaN : (f[k] as number);
    }
    metrics.fitted = fitted;
  }
  const out: JobResult = { job, metrics, stepRegret: new Float64Array(decode(rec.stepRegret, 8, s.queries, 'stepRegret')), chosen: new Int32Array(decode(rec.chosen, 4, s.queries, 'chosen')) };
  if (rec.budgetTrace !== undefined && !s.budget) throw new Error('budgetTrace in an experiment without a budget');
  if (rec.budgetTrace !== undefined) out.budgetTrace = new Float64Array(decode(rec.budgetTrace, 8, s.queries, 'budgetTrace'));
  if (rec.feedback !== undefined) {
    const f = rec.feedback as { delivered?: unknown; unlabelled?: unknown } | null;
    const count = (v: unknown, what: string): number => {
      if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > s.queries) throw new Error(`feedback.${what} ${String(v)} is not in 0…${s.queries}`);
      return v as number;
    };
    if (!f || typeof f !== 'object') throw new Error('feedback is not an object');
    out.feedback = { delivered: count(f.delivered, 'delivered'), unlabelled: count(f.unlabelled, 'unlabelled') };
  }
  return out;
}
