/**
 * The fuzzing engine shared by `npm run fuzz` and the short test: builds the i-th mutated input of a format
 * (deterministic in seed and index), loads it through `loadTable` from a temporary file, and classifies the
 * outcome. Only DataError and UsageError may escape a loader; anything else, a load slower than the time
 * limit, or a large memory growth is a failure, saved with its files for reproduction.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DataError, UsageError } from '../src/core/errors.js';
import { loadTable } from '../src/data/load.js';
import { Rng } from '../src/core/rng.js';
import { mutate } from './mutate.js';
import { FUZZ_FORMATS, makeSeeds, type FuzzFormat, type Seed, type SeedFile } from './seeds.js';
import { valueVariant } from './variants.js';

export interface FuzzCase {
  format: FuzzFormat;
  index: number;
  seedLabel: string;
  /** Edits applied, in order (for reading a failure report). */
  ops: string[];
  files: SeedFile[];
}

export type FailureReason = 'exception' | 'hang' | 'memory' | 'crash' | 'unhandled-rejection' | 'mutator';

export type Outcome =
  | { kind: 'ok' }
  | { kind: 'typed'; name: string; message: string }
  | { kind: 'failure'; reason: FailureReason; detail: string };

export interface Limits {
  /** Per-input time limit. */
  timeoutMs: number;
  /** Largest heap + array-buffer growth one load may cause. */
  memoryLimitMb: number;
}

export const DEFAULT_LIMITS: Limits = { timeoutMs: 5000, memoryLimitMb: 512 };

const GZIP_OK: Record<FuzzFormat, number> = { csv: 0.08, pickle: 0.08, sql: 0.08, arrow: 0.03, parquet: 0.03 };

/** The `index`-th input of `format`: a seed, one to four stacked edits, sometimes gzipped or without extension. */
export function makeCase(format: FuzzFormat, seeds: readonly Seed[], seed: number, index: number): FuzzCase {
  if (seeds.length === 0) throw new Error(`no seeds for ${format}`);
  const rng = Rng.derive(seed, FUZZ_FORMATS.indexOf(format) + 1, index);
  if ((format === 'arrow' || format === 'parquet') && rng.next() < 0.2) {
    // A file with bad values rather than bad bytes; sometimes byte-edited as well.
    const v = valueVariant(format, rng);
    const ops = v.edits;
    if (rng.next() < 0.3) {
      const m = mutate(format, v.file.bytes, rng, { name: v.file.name });
      v.file.bytes = m.bytes;
      ops.push(...m.ops);
    }
    return { format, index, seedLabel: `value variant (${format})`, ops, files: [v.file] };
  }
  const s = seeds[rng.int(seeds.length)];
  const files = s.files.map((f) => ({ ...f }));
  const sides = files.filter((f) => f.role !== 'main');
  const target = sides.length > 0 && rng.next() < 0.25 ? sides[rng.int(sides.length)] : files[0];
  const donors = seeds.flatMap((o) => o.files.filter((f) => f.role === target.role && o !== s).map((f) => f.bytes));
  const m = mutate(format, target.bytes, rng, { donors, name: target.name });
  target.bytes = m.bytes;
  const ops = m.ops;
  const r = rng.next();
  if (r < GZIP_OK[format]) {
    target.bytes = gzipSync(target.bytes);
    target.name += '.gz';
    ops.push('gzip');
  } else if (r < GZIP_OK[format] + 0.02) {
    // Corrupt compressed data: the gunzip error paths.
    const z = gzipSync(target.bytes);
    const cut = rng.next() < 0.5;
    target.bytes = cut ? z.subarray(0, rng.int(z.length)) : z;
    if (!cut) target.bytes[10 + rng.int(Math.max(1, z.length - 10))] ^= 1 << rng.int(8);
    target.name += '.gz';
    ops.push(cut ? 'gzip-truncated' : 'gzip-corrupt');
  } else if (r < GZIP_OK[format] + 0.06 && target.role === 'main') {
    // No extension: the format is sniffed from the content.
    target.name = 'input';
    ops.push('no-extension');
  }
  return { format, index, seedLabel: s.label, ops, files };
}

export function classify(err: unknown): Outcome {
  if (err instanceof DataError || err instanceof UsageError) return { kind: 'typed', name: err.name, message: err.message };
  return { kind: 'failure', reason: 'exception', detail: describeError(err) };
}

export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.constructor?.name ?? 'Error'}: ${err.message}\n${err.stack ?? ''}`.slice(0, 4000);
  try {
    return `non-Error value thrown: ${typeof err} ${String(err)}`.slice(0, 4000);
  } catch {
    return `non-Error value thrown: ${typeof err}`;
  }
}

function memoryInUse(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Write the case's files under `dir`, load them, remove them. Runs inside a worker or inline. */
export async function runCase(dir: string, c: FuzzCase, limits: Limits = DEFAULT_LIMITS): Promise<Outcome> {
  const paths = c.files.map((f) => ({ role: f.role, path: join(dir, `${c.index}-${f.name}`) }));
  c.files.forEach((f, i) => writeFileSync(paths[i].path, f.bytes));
  const main = paths.find((p) => p.role === 'main')!.path;
  const queries = paths.find((p) => p.role === 'queries')?.path;
  const models = paths.find((p) => p.role === 'models')?.path;
  const before = memoryInUse();
  const t0 = performance.now();
  let outcome: Outcome;
  try {
    await loadTable(main, { queries, models, warn: () => {} });
    outcome = { kind: 'ok' };
  } catch (err) {
    outcome = classify(err);
  } finally {
    for (const p of paths) rmSync(p.path, { force: true });
  }
  const ms = performance.now() - t0;
  const grown = (memoryInUse() - before) / 2 ** 20;
  if (outcome.kind !== 'failure') {
    if (ms > limits.timeoutMs) outcome = { kind: 'failure', reason: 'hang', detail: `load took ${Math.round(ms)} ms (limit ${limits.timeoutMs} ms)` };
    else if (grown > limits.memoryLimitMb) outcome = { kind: 'failure', reason: 'memory', detail: `heap + array buffers grew by ${Math.round(grown)} MiB (limit ${limits.memoryLimitMb} MiB)` };
  }
  return outcome;
}

/** Runs cases somewhere (in worker threads, or in this thread for the tests). */
export interface Executor {
  /** How many cases may be in flight at once. */
  readonly slots: number;
  run(c: FuzzCase): Promise<Outcome>;
  close(): Promise<void>;
  /** Set by the runner: a failure reported after the case's outcome was already delivered. */
  onLate?: (c: FuzzCase, o: Extract<Outcome, { kind: 'failure' }>) => void;
}

/** Same code path as the workers, in this thread: the time limit is checked after the fact and by a timer. */
export class InlineExecutor implements Executor {
  readonly slots = 1;
  private readonly dir = mkdtempSync(join(tmpdir(), 'greenserv-fuzz-'));
  constructor(private readonly limits: Limits = DEFAULT_LIMITS) {}
  async run(c: FuzzCase): Promise<Outcome> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Outcome>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'failure', reason: 'hang', detail: `no result after ${this.limits.timeoutMs} ms` }), this.limits.timeoutMs);
    });
    try {
      return await Promise.race([runCase(this.dir, c, this.limits), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
  async close(): Promise<void> {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface FormatSummary {
  format: FuzzFormat;
  seed: number;
  seeds: number;
  inputs: number;
  ok: number;
  typedErrors: number;
  failures: number;
  failureKinds: Partial<Record<FailureReason, number>>;
  /** Distinct typed-error messages (numbers and quoted values folded), a rough measure of the paths reached. */
  distinctErrors: number;
  seconds: number;
  failuresDir?: string;
}

export interface FuzzOptions {
  format: FuzzFormat;
  iterations: number;
  seed: number;
  executor: Executor;
  /** Where failing inputs are saved; nothing is saved when absent. */
  failuresDir?: string;
  /** Called with each failure as it happens. */
  onFailure?: (c: FuzzCase, o: Extract<Outcome, { kind: 'failure' }>) => void;
}

function foldMessage(m: string): string {
  return m
    .replace(/^[^:]*?:(\d+)?( \(column '[^']*'\))?: /, '')
    .replace(/'[^']*'/g, "'…'")
    .replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/gi, 'N')
    .slice(0, 120);
}

/** Save a failing case: its files, and a JSON note with the edits, the reason and the load options. */
export function saveFailure(dir: string, c: FuzzCase, o: Extract<Outcome, { kind: 'failure' }>): string {
  const at = join(dir, c.format, `${String(c.index).padStart(6, '0')}-${o.reason}`);
  mkdirSync(at, { recursive: true });
  for (const f of c.files) writeFileSync(join(at, f.name), f.bytes);
  const byRole = (r: SeedFile['role']): string | undefined => c.files.find((f) => f.role === r)?.name;
  writeFileSync(
    join(at, 'case.json'),
    JSON.stringify({ format: c.format, index: c.index, seed: c.seedLabel, ops: c.ops, reason: o.reason, detail: o.detail, load: { main: byRole('main'), queries: byRole('queries'), models: byRole('models') } }, null, 2) + '\n',
  );
  return at;
}

/** Fuzz one format: `iterations` inputs through the executor, counted by outcome. */
export async function fuzzFormat(opts: FuzzOptions): Promise<FormatSummary> {
  const t0 = performance.now();
  const seeds = await makeSeeds(opts.format, opts.seed);
  const summary: FormatSummary = {
    format: opts.format,
    seed: opts.seed,
    seeds: seeds.length,
    inputs: 0,
    ok: 0,
    typedErrors: 0,
    failures: 0,
    failureKinds: {},
    distinctErrors: 0,
    seconds: 0,
  };
  const messages = new Set<string>();
  const kinds = new Map<number, Outcome['kind']>();
  const record = (c: FuzzCase, o: Outcome): void => {
    kinds.set(c.index, o.kind);
    summary.inputs++;
    if (o.kind === 'ok') summary.ok++;
    else if (o.kind === 'typed') {
      summary.typedErrors++;
      messages.add(foldMessage(o.message));
    } else {
      summary.failures++;
      summary.failureKinds[o.reason] = (summary.failureKinds[o.reason] ?? 0) + 1;
      if (opts.failuresDir) {
        saveFailure(opts.failuresDir, c, o);
        summary.failuresDir = join(opts.failuresDir, opts.format);
      }
      opts.onFailure?.(c, o);
    }
  };
  opts.executor.onLate = (c, o) => {
    // Re-count an input whose load left a rejection or crash behind after reporting its result.
    const prev = kinds.get(c.index);
    if (c.format !== opts.format || prev === undefined || prev === 'failure') return;
    if (prev === 'ok') summary.ok--;
    else summary.typedErrors--;
    summary.inputs--;
    record(c, o);
  };
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < opts.iterations) {
      const index = next++;
      let c: FuzzCase;
      try {
        c = makeCase(opts.format, seeds, opts.seed, index);
      } catch (err) {
        const stub: FuzzCase = { format: opts.format, index, seedLabel: '?', ops: [], files: [] };
        record(stub, { kind: 'failure', reason: 'mutator', detail: describeError(err) });
        continue;
      }
      record(c, await opts.executor.run(c));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.executor.slots) }, lane));
  summary.distinctErrors = messages.size;
  summary.seconds = Math.round((performance.now() - t0) / 100) / 10;
  return summary;
}
