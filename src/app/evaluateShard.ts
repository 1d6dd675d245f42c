/**
 * Sharded RouterBench evaluations: `evaluate --shard i/n` replays a cost-balanced subset of the (λ, policy)
 * cells and writes a shard directory (state.json with the resolved settings, their hash and the dataset
 * hash; cells.ndjson with each cell's arrays as base64 of their raw bytes and a sha256 per line);
 * `greenserv merge` assembles the shards into the results directory an unsharded run writes.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AtomicDir } from '../core/atomic.js';
import { DataError, SettingError, UsageError, userIoError } from '../core/errors.js';
import { parseJsonText } from '../core/readFile.js';
import { assembleSweep, runSweepCells, sweepCells, type SweepCellResult } from '../sim/sweepShard.js';
import { checkCellCoverage, listSome, shardCells, shardName, type ShardSpec } from '../sim/shard.js';
import { checkShardVersion } from './shardVersion.js';
import { version } from './version.js';
import { evaluateDefaults, evaluateInputs, prepareEvaluation, scoreSweep, writeEvaluateResults, type EvaluateParams, type EvaluateRequest } from './evaluate.js';

const MAX_STATE_BYTES = 1 << 20;

/** What must agree between shards: every setting but the worker count (which changes no result). */
function settingsHash(p: EvaluateParams): string {
  const { jobs: _jobs, ...rest } = p;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex');
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const b64 = (a: Float64Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

function defaultEvaluateShardOut(s: ShardSpec): string {
  return `results/evaluate.shards/${shardName(s)}`;
}

/** Run one shard of an evaluation and write its shard directory. */
export async function evaluateShard(
  request: EvaluateRequest,
  shard: ShardSpec,
  o: { out?: string; force?: boolean; progress?: (done: number, total: number) => void } = {},
): Promise<{ out: string; cells: number; total: number }> {
  const p = evaluateDefaults(request);
  // shards split the plain λ sweep's cells; the protocol's splits and their baselines run as one job
  if (p.split !== undefined || p.train !== undefined) throw new SettingError((n) => `${n('shard')}: the train/test protocol (${n(p.split !== undefined ? 'split' : 'train')}) is not sharded; run it whole (${n('jobs')} <n> spreads its cells over threads)`);
  const out = o.out ?? defaultEvaluateShardOut(shard);
  const inputs = evaluateInputs(p);
  AtomicDir.checkTarget(out, o.force === true, inputs);
  const prep = await prepareEvaluation(p, request.warn);
  const { cells, weights } = sweepCells(prep.table, prep.sweepOptions);
  const mine = shardCells(weights, shard).map((i) => cells[i]);
  const results = await runSweepCells(prep.table, prep.sweepOptions, mine, o.progress);
  const state = { schemaVersion: 1, kind: 'evaluate', greenserv: version(), shard, totalCells: cells.length, settingsSha256: settingsHash(p), datasetSha256: prep.sha256, settings: p };
  const dir = new AtomicDir(out, o.force === true, [...inputs, ...prep.files]);
  try {
    dir.write('state.json', JSON.stringify(state, null, 2) + '\n');
    dir.write(
      'cells.ndjson',
      results.map((c) => {
        const data = JSON.stringify({ l: c.l, p: c.p, cost: b64(c.cost), quality: b64(c.quality), misses: b64(c.misses) });
        return `{"sha256":"${sha(data)}","data":${data}}\n`;
      }),
    );
    await dir.commitSettled();
  } catch (e) {
    dir.abort();
    throw e;
  }
  return { out, cells: mine.length, total: cells.length };
}

interface EvaluateShardState {
  greenserv?: string;
  shard: ShardSpec;
  totalCells: number;
  settingsSha256: string;
  datasetSha256: string;
  settings: EvaluateRequest;
}

/** True when a shard directory is an evaluation's (its state.json says kind: evaluate). */
export function isEvaluateShard(dir: string): boolean {
  return shardKind(dir) === 'evaluate';
}

/** Whose shard a directory is, as far as its state.json tells; null when unreadable (its reader names the fault). */
export function shardKind(dir: string): 'evaluate' | 'experiment' | null {
  try {
    const s = JSON.parse(readBounded(join(dir, 'state.json'), MAX_STATE_BYTES)) as { kind?: unknown; experimentFile?: unknown } | null;
    if (s?.kind === 'evaluate') return 'evaluate';
    return typeof s?.experimentFile === 'string' ? 'experiment' : null;
  } catch {
    return null;
  }
}

function readBounded(file: string, max: number): string {
  let size: number;
  try {
    const st = statSync(file);
    // a FIFO or device would block the read, or never end it
    if (!st.isFile()) throw new DataError('not a regular file', file);
    size = st.size;
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw userIoError(e, file, 'read');
  }
  if (size > max) throw new DataError(`${size} bytes, more than a shard of this evaluation can hold (${max})`, file);
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw userIoError(e, file, 'read');
  }
}

function readState(dir: string): EvaluateShardState {
  const file = join(dir, 'state.json');
  // the shared reader of JSON results files: 'invalid JSON (<parser message, with the position>)'
  const parsed = parseJsonText(readBounded(file, MAX_STATE_BYTES), file);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new DataError('not the state of an evaluation shard (expected a JSON object)', file);
  const raw = parsed as Record<string, unknown>;
  const s = raw.shard as ShardSpec | undefined;
  const hex = (v: unknown): boolean => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
  const bad = (field: string): never => {
    throw new DataError(`${field} is missing or not valid`, file, undefined, field, 'field');
  };
  if (!s || !Number.isInteger(s.index) || !Number.isInteger(s.count) || s.index < 0 || s.index >= s.count) bad('shard');
  if (!Number.isInteger(raw.totalCells) || (raw.totalCells as number) < 1) bad('totalCells');
  if (!hex(raw.settingsSha256)) bad('settingsSha256');
  if (!hex(raw.datasetSha256)) bad('datasetSha256');
  if (typeof raw.settings !== 'object' || raw.settings === null) bad('settings');
  checkShardVersion(raw.greenserv, file);
  return raw as unknown as EvaluateShardState;
}

function decode(v: unknown, n: number, what: string): Float64Array {
  if (typeof v !== 'string') throw new Error(`${what} is not a base64 string`);
  const b = Buffer.from(v, 'base64');
  if (b.byteLength !== n * 8) throw new Error(`${what} holds ${b.byteLength} bytes, expected ${n} values of 8 bytes`);
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

function readCells(dir: string, shape: { lambdas: number; policies: number; values: number; cells: number }): SweepCellResult[] {
  const file = join(dir, 'cells.ndjson');
  const perLine = Math.ceil((shape.values * 24 * 4) / 3) + 4096;
  const text = readBounded(file, shape.cells * perLine);
  const out: SweepCellResult[] = [];
  // a shard is written whole: a last line without its line feed was cut off afterwards
  if (text.length > 0 && !text.endsWith('\n')) {
    throw new DataError(`truncated shard: the file ends inside a record after ${Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1))} bytes; re-run this shard`, file);
  }
  text.split('\n').forEach((line, i) => {
    if (!line) return;
    const fail = (why: string): never => {
      throw new DataError(`corrupted shard: ${why}; re-run this shard`, file, i + 1);
    };
    const m = /^\{"sha256":"([0-9a-f]{64})","data":(.*)\}$/.exec(line);
    if (!m) fail('not a shard record');
    if (sha(m![2]) !== m![1]) fail('checksum mismatch (the record was modified)');
    try {
      const r = JSON.parse(m![2]) as Record<string, unknown>;
      const idx = (v: unknown, n: number, what: string): number => {
        if (!Number.isInteger(v) || (v as number) < 0 || (v as number) >= n) throw new Error(`${what} ${String(v)} is not in 0…${n - 1}`);
        return v as number;
      };
      out.push({ l: idx(r.l, shape.lambdas, 'l'), p: idx(r.p, shape.policies, 'p'), cost: decode(r.cost, shape.values, 'cost'), quality: decode(r.quality, shape.values, 'quality'), misses: decode(r.misses, shape.values, 'misses') });
    } catch (e) {
      fail((e as Error).message);
    }
  });
  return out;
}

/** The settings two shards differ in ('seed 41, there 40'); the worker count is not a setting that matters. */
function settingsDifference(a: EvaluateRequest, b: EvaluateRequest): string {
  const x = a as unknown as Record<string, unknown>;
  const y = b as unknown as Record<string, unknown>;
  const show = (v: unknown): string => (v === undefined ? '(none)' : JSON.stringify(v).slice(0, 80));
  const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])].filter((k) => k !== 'jobs' && JSON.stringify(x[k]) !== JSON.stringify(y[k]));
  return keys.length ? `the settings differ: ${listSome(keys.map((k) => `${k} ${show(x[k])}, there ${show(y[k])}`), 3)}` : 'the settings differ';
}

/** Merge the shard directories of one evaluation; the same bytes as the unsharded run (with any --jobs), in any order of `dirs`. */
export async function mergeEvaluateShards(dirs: string[], o: { out: string; force?: boolean; charts?: boolean; warn?: (msg: string) => void }): Promise<{ out: string; summary: Awaited<ReturnType<typeof scoreSweep>>['result']['summary'] }> {
  const states = dirs.map(readState);
  const ref = states[0];
  states.forEach((s, i) => {
    for (const [field, a, b] of [
      ['settingsSha256', s.settingsSha256, ref.settingsSha256],
      ['datasetSha256', s.datasetSha256, ref.datasetSha256],
      ['shard.count', s.shard.count, ref.shard.count],
      ['totalCells', s.totalCells, ref.totalCells],
    ] as const) {
      if (a === b) continue;
      const what = field === 'settingsSha256' ? `${settingsDifference(s.settings, ref.settings)} (${field} ${a}, there ${b})` : `${field} ${String(a)}, there ${String(b)}`;
      throw new DataError(`comes from another evaluation than ${dirs[0]}: ${what}`, join(dirs[i], 'state.json'), undefined, field, 'field');
    }
  });
  const count = ref.shard.count;
  const seen = new Map<number, string[]>();
  states.forEach((s, i) => seen.set(s.shard.index, [...(seen.get(s.shard.index) ?? []), dirs[i]]));
  const twice = [...seen.entries()].filter(([, d]) => d.length > 1).map(([i, d]) => `${i}/${count} (${d.join(' and ')})`);
  if (twice.length) throw new UsageError(`merge: shard ${listSome(twice)} given more than once`);
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i)).map((i) => `${i}/${count}`);
  if (missing.length) throw new UsageError(`merge: ${missing.length} of ${count} shards missing: ${listSome(missing)}`);
  // the settings of shard 0 (all alike but --jobs, which changes no result), whatever order the shards are named in
  const zero = states.findIndex((s) => s.shard.index === 0);
  const stateFile = join(dirs[zero], 'state.json');
  let p: ReturnType<typeof evaluateDefaults>;
  try {
    p = evaluateDefaults(states[zero].settings);
  } catch (e) {
    // the settings' own check says what is wrong, not where: the shard's state.json
    if (e instanceof UsageError || e instanceof DataError) throw new DataError(`settings.${e.message.replace(/^greenserv: /, '')}`, stateFile, undefined, 'settings', 'field');
    throw e;
  }
  if (settingsHash(p) !== ref.settingsSha256) throw new DataError('settings do not match settingsSha256 (the file was modified)', join(dirs[zero], 'state.json'), undefined, 'settings', 'field');
  const prep = await prepareEvaluation(p, o.warn);
  if (prep.sha256 !== ref.datasetSha256) throw new DataError(`the dataset changed since the shards ran (sha256 ${prep.sha256}, the shards have ${ref.datasetSha256})`, join(dirs[0], 'state.json'), undefined, 'datasetSha256', 'field');
  const { cells } = sweepCells(prep.table, prep.sweepOptions);
  if (cells.length !== ref.totalCells) throw new DataError(`state.json records ${ref.totalCells} cells, the settings give ${cells.length}`, join(dirs[0], 'state.json'), undefined, 'totalCells', 'field');
  const shape = { lambdas: p.lambdas.length, policies: p.policies.length, values: p.runs * (prep.table.tasks.length + 1), cells: cells.length };
  const found = new Map<string, string[]>();
  const results: SweepCellResult[] = [];
  dirs.forEach((d) => {
    for (const c of readCells(d, shape)) {
      const k = `${c.l}/${c.p}`;
      found.set(k, [...(found.get(k) ?? []), d]);
      results.push(c);
    }
  });
  const label = (k: string): string => {
    const [l, q] = k.split('/').map(Number);
    return `λ=${p.lambdas[l]} ${p.policies[q]}`;
  };
  const problem = checkCellCoverage(cells.map((c) => `${c.l}/${c.p}`), found, label);
  if (problem) throw new UsageError(`merge: ${problem}; re-run the shards that lack cells (evaluate … --shard i/n)`);
  const ev = scoreSweep(p, prep, assembleSweep(prep.table, prep.sweepOptions, results));
  // the shard directories are inputs too
  await writeEvaluateResults(o.out, ev, { force: o.force, charts: o.charts, inputs: dirs });
  return { out: o.out, summary: ev.result.summary };
}
