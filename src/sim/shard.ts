/**
 * Shards: a run's cells (λ, arm, run — and split for evaluations) split into n deterministic subsets of
 * about equal expected cost, so that n machines (a Slurm array, a Kubernetes Indexed Job) each run one and
 * `greenserv merge` puts them back together. The split depends only on the cells and their cost weights,
 * never on the machine, the worker count or the order shards are run in (docs/model.md, "Shards").
 */
import { SettingError } from '../core/errors.js';

/** Most shards of one run (a shard with no cell is allowed, but a count this large is a typo). */
export const MAX_SHARDS = 10_000;

export interface ShardSpec {
  /** 0-based, as SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX count. */
  index: number;
  count: number;
}

/** `i/n` with 0 ≤ i < n ≤ MAX_SHARDS; errors name the setting (`shard`; the command says `--shard`). */
export function parseShard(raw: string): ShardSpec {
  const m = /^\s*(\d{1,6})\s*\/\s*(\d{1,6})\s*$/.exec(String(raw));
  if (!m) throw new SettingError((n) => `${n('shard')}: '${raw}' is not of the form i/n (shard i of n, counted from 0), e.g. 0/4`);
  return checkShardSpec({ index: Number(m[1]), count: Number(m[2]) });
}

/** A shard given as numbers (the library's `{ index, count }`), held to what `i/n` allows. */
export function checkShardSpec(spec: ShardSpec): ShardSpec {
  const { index, count } = spec;
  if (!Number.isInteger(count) || count < 1 || count > MAX_SHARDS) throw new SettingError((n) => `${n('shard')}: the shard count must be in 1…${MAX_SHARDS}, got ${count} (see docs/limits.md)`);
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new SettingError((n) => `${n('shard')}: shard index ${index} is not in 0…${count - 1} (shards are counted from 0)`);
  return { index, count };
}

/**
 * The shard of each cell: cells in order of decreasing weight (ties by position) each go to the shard
 * with the least weight so far (ties to the lowest index), the longest-processing-time rule (docs/model.md, "Shards"). The
 * heaviest shard is then at most 4/3 of the best possible split.
 */
export function assignShards(weights: ArrayLike<number>, count: number): Int32Array {
  const n = weights.length;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => weights[b] - weights[a] || a - b);
  const load = new Float64Array(count);
  const shard = new Int32Array(n);
  for (const i of order) {
    let best = 0;
    for (let s = 1; s < count; s++) if (load[s] < load[best]) best = s;
    shard[i] = best;
    load[best] += weights[i];
  }
  return shard;
}

/** Positions of the cells that shard `spec.index` runs, in cell order. */
export function shardCells(weights: ArrayLike<number>, spec: ShardSpec): number[] {
  const shard = assignShards(weights, spec.count);
  const out: number[] = [];
  for (let i = 0; i < shard.length; i++) if (shard[i] === spec.index) out.push(i);
  return out;
}

/** Total weight per shard, for tests of the balance (a shard run prints only its replay count). */
export function shardLoads(weights: ArrayLike<number>, count: number): Float64Array {
  const shard = assignShards(weights, count);
  const load = new Float64Array(count);
  for (let i = 0; i < shard.length; i++) load[shard[i]] += weights[i];
  return load;
}

/** "a, b, c and 12 more": a bounded list for error messages. */
export function listSome(items: string[], max = 12): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

/** `shard-<i>-of-<n>`: the default directory name of a shard. */
export function shardName(spec: ShardSpec): string {
  return `shard-${spec.index}-of-${spec.count}`;
}

/**
 * Merge check: every cell key present in exactly one shard. `found` maps a key to the shards that hold it;
 * the message lists the missing and the duplicate cells by their labels.
 */
export function checkCellCoverage(expected: string[], found: Map<string, string[]>, label: (key: string) => string): string | null {
  const missing = expected.filter((k) => !found.has(k)).map(label);
  const dup = [...found.entries()].filter(([, where]) => where.length > 1).map(([k, where]) => `${label(k)} (in ${where.join(' and ')})`);
  const known = new Set(expected);
  const foreign = [...found.keys()].filter((k) => !known.has(k)).map(label);
  const parts: string[] = [];
  if (missing.length) parts.push(`${missing.length} cell${missing.length === 1 ? ' is' : 's are'} missing: ${listSome(missing)}`);
  if (dup.length) parts.push(`${dup.length} cell${dup.length === 1 ? ' is' : 's are'} in more than one shard: ${listSome(dup)}`);
  if (foreign.length) parts.push(`${foreign.length} cell${foreign.length === 1 ? ' is' : 's are'} not part of this run: ${listSome(foreign)}`);
  return parts.length ? parts.join('; ') : null;
}
