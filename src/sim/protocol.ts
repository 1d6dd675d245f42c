/**
 * The train/test protocol (docs/model.md §13): split the queries (seeded, stratified by task) or take a
 * separate train table; policies with `train: true` fit on the train part; every policy is replayed and
 * scored on the test stream only. With k splits the whole is repeated per split, each with its own draw.
 */
import { SettingError } from '../core/errors.js';
import { makePoolTable, type PoolTable } from '../data/pool.js';
import { asFloat64 } from '../data/columns.js';
import type { ContextSet } from '../features/context.js';
import { contextsFor, denseKind, type ContextSpec } from '../features/contextsFor.js';
import type { TrainData } from '../policies/policy.js';
import type { ResolvedPolicy } from '../policies/registry.js';
import { simulateAsync, type Progress, type SimConfig, type SimResult } from './engine.js';
import { buildRewards, type CostKind, type RewardTable } from './reward.js';
import type { RewardSource } from './rewardExpression.js';
import { checkSplitFraction, stratifiedSplit } from './split.js';
import { atMost, MAX_RUNS } from './limits.js';

/** How the train part is formed: a seeded split of the table, or a separate table with the same models. */
export type ProtocolSpec = { kind: 'split'; fraction: number; splits: number } | { kind: 'train-table'; train: PoolTable; source: string };

/** A table whose first `nTest` rows are the test stream and the rest the train part. */
interface StackedTable {
  table: PoolTable;
  nTest: number;
}

/** Rows `a` then rows `b` of `t` (or of `tb`, a table with the same model ids, for `b`) as one table. */
export function stackRows(t: PoolTable, a: ArrayLike<number>, b: ArrayLike<number>, tb: PoolTable = t): StackedTable {
  const M = t.nModels;
  // the train table's columns in the test table's model order
  const col = t.models.map((m) => tb.models.findIndex((x) => x.id === m.id));
  const rows: [PoolTable, number][] = [];
  for (let i = 0; i < a.length; i++) rows.push([t, a[i]]);
  for (let i = 0; i < b.length; i++) rows.push([tb, b[i]]);
  const Q = rows.length;
  const cell = (key: CellKey): Float64Array => {
    const out = new Float64Array(Q * M);
    rows.forEach(([s, q], r) => {
      const src = s[key];
      for (let m = 0; m < M; m++) out[r * M + m] = src ? src[q * s.nModels + (s === t ? m : col[m])] : Number.NaN;
    });
    return out;
  };
  const present = new Uint8Array(Q * M);
  rows.forEach(([s, q], r) => {
    for (let m = 0; m < M; m++) present[r * M + m] = s.present[q * s.nModels + (s === t ? m : col[m])];
  });
  const text = rows.map(([s, q]) => s.queryText?.[q] ?? null);
  const hasEmb = t.embedding && (tb === t || (tb.embedding && tb.embedding.dim === t.embedding.dim));
  let embedding: PoolTable['embedding'];
  if (hasEmb) {
    const dim = t.embedding!.dim;
    const values = new Float64Array(Q * dim);
    rows.forEach(([s, q], r) => values.set(s.embedding!.values.subarray(q * dim, (q + 1) * dim), r * dim));
    embedding = { dim, values };
  }
  const table = makePoolTable({
    name: t.name,
    queryIds: rows.map(([s, q]) => s.queryIds[q]),
    queryTasks: rows.map(([s, q]) => s.tasks[s.queryTask[q]]),
    queryText: text.some((x) => x !== null) ? text : null,
    cluster: Int32Array.from(rows, ([s, q]) => s.cluster[q]),
    complexity: Float64Array.from(rows, ([s, q]) => s.complexity[q]),
    models: t.models,
    accuracy: cell('accuracy'),
    energyJ: cell('energyJ'),
    latencyS: cell('latencyS'),
    inputTokens: cell('inputTokens'),
    outputTokens: cell('outputTokens'),
    costUsd: t.costUsd && (tb === t || tb.costUsd) ? cell('costUsd') : null,
    present,
    // a split keeps the whole table's energy bounds, so rewards are normalised as without one
    ...(tb === t ? { taskBounds: t.taskBounds } : {}),
    ...(embedding ? { embedding } : {}),
  });
  return { table, nTest: a.length };
}

type CellKey = 'accuracy' | 'energyJ' | 'latencyS' | 'inputTokens' | 'outputTokens' | 'costUsd';
/** The first `n` rows of a table (views, no copies): the test stream of a stacked table. */
export function headRows(t: PoolTable, n: number): PoolTable {
  const M = t.nModels;
  const out: PoolTable = {
    ...t,
    nQueries: n,
    queryIds: t.queryIds.slice(0, n),
    queryTask: t.queryTask.subarray(0, n),
    queryText: t.queryText ? t.queryText.slice(0, n) : null,
    cluster: t.cluster.subarray(0, n),
    complexity: t.complexity.subarray(0, n),
    accuracy: t.accuracy.subarray(0, n * M),
    energyJ: t.energyJ.subarray(0, n * M),
    latencyS: t.latencyS ? t.latencyS.subarray(0, n * M) : null,
    inputTokens: t.inputTokens ? t.inputTokens.subarray(0, n * M) : null,
    outputTokens: t.outputTokens ? t.outputTokens.subarray(0, n * M) : null,
    costUsd: t.costUsd ? t.costUsd.subarray(0, n * M) : null,
    present: t.present.subarray(0, n * M),
  };
  delete out.embedding;
  if (t.embedding) out.embedding = { dim: t.embedding.dim, values: t.embedding.values.subarray(0, n * t.embedding.dim) };
  return out;
}

/** The reward table of the first `n` rows (views). */
export function headRewards(rw: RewardTable, n: number, M: number): RewardTable {
  return { ...rw, rewards: rw.rewards.subarray(0, n * M), costNorm: rw.costNorm.subarray(0, n * M), oracle: rw.oracle.subarray(0, n) };
}

export interface ProtocolOptions {
  protocol: ProtocolSpec;
  policies: ResolvedPolicy[];
  lambda: number;
  runs: number;
  seed: number;
  semantics: SimConfig['semantics'];
  oracle: SimConfig['oracle'];
  contexts: ContextSpec;
  cost?: CostKind;
  reward?: string;
  rewardSource?: RewardSource;
  maxLatency?: number | null;
}

/** One split's replay on its test stream. */
interface SplitRun {
  index: number;
  trainQueries: number;
  testQueries: number;
  /**
   * The test stream as a table (views into the stacked table) and its rewards: the first split's only, which
   * the outputs describe; later splits drop theirs, so memory does not grow with --splits.
   */
  test: PoolTable | null;
  rewards: RewardTable | null;
  result: SimResult;
  d: number;
}

export interface ProtocolRun {
  splits: SplitRun[];
  config: SimConfig;
}

/** Number of splits: 1 for a train table; `--splits` for a split. */
function splitCount(p: ProtocolSpec): number {
  if (p.kind === 'train-table') return 1;
  if (!(Number.isInteger(p.splits) && p.splits >= 1 && p.splits <= MAX_RUNS)) throw new SettingError((n) => `${n('splits')} must be an integer in [1, ${MAX_RUNS}], ${atMost(MAX_RUNS)}; got ${p.splits}`);
  return p.splits;
}

/** One split made ready to replay: the stacked table, its contexts and the test stream. */
export interface PreparedSplit {
  /** Test rows then train rows. */
  stack: PoolTable;
  nTest: number;
  /** Train rows of the stack (and of the contexts): nTest … stack.nQueries − 1. */
  trainRows: Int32Array;
  /** Contexts of every stacked row; `embed` fitted on the train rows. */
  contexts: ContextSet;
  /** The first nTest rows, with the source table's task list (the same for every split). */
  test: PoolTable;
}

/** Split s of the protocol (its draw, the stack, the contexts). */
export function prepareSplit(t: PoolTable, p: ProtocolSpec, contexts: ContextSpec, seed: number, s: number): PreparedSplit {
  if (p.kind === 'train-table' && denseKind(contexts.features) === 'embedding') checkTrainEmbedding(t, p.train, p.source);
  const st = p.kind === 'split'
    ? (() => {
        const sp = stratifiedSplit(t.queryTask, t.tasks.length, p.fraction, seed, s);
        return stackRows(t, sp.test, sp.train);
      })()
    : stackRows(t, Int32Array.from({ length: t.nQueries }, (_, q) => q), Int32Array.from({ length: p.train.nQueries }, (_, q) => q), p.train);
  const S = st.table;
  const trainRows = Int32Array.from({ length: S.nQueries - st.nTest }, (_, i) => st.nTest + i);
  const ctx = contextsFor(S, { ...contexts, embedSeed: contexts.embedSeed ?? seed + s }, trainRows);
  const test = headRows(S, st.nTest);
  // the test stream keeps the source's task order, so every split reports tasks alike
  const taskOf = S.tasks.map((name) => t.tasks.indexOf(name));
  test.tasks = t.tasks;
  test.queryTask = Int32Array.from(test.queryTask, (k) => taskOf[k]);
  return { stack: S, nTest: st.nTest, trainRows, contexts: ctx, test };
}

/** TrainData of a prepared split at the rewards `rw` of its stack. */
export function trainDataOf(sp: PreparedSplit, rw: RewardTable): TrainData {
  return { queries: sp.trainRows, rewards: trainRewards(rw.rewards, sp.stack.present), accuracy: asFloat64(sp.stack.accuracy, sp.stack.present), cost: rw.costNorm, present: sp.stack.present, lambda: rw.lambda, customReward: rw.expression !== null };
}

/** Tasks the test stream has and a separate train table has no row of (the trained routers know nothing of them). */
/**
 * The protocol settings that do not combine: a split and a train table, or several splits without a split.
 * Worded by field for a library caller, by flag on the command line (SettingError).
 */
export function checkProtocolSettings(split: unknown, hasTrain: boolean, splits: number): void {
  if (split !== undefined && hasTrain) throw new SettingError((n) => `give either ${n('split')} (a split of the data) or ${n('train')} (a separate training table), not both`);
  if (split !== undefined || splits === 1) return;
  if (hasTrain) throw new SettingError((n) => `${n('splits')} applies to ${n('split')}; a ${n('train')} table is one split`);
  throw new SettingError((n) => `${n('splits')} needs ${n('split')} <fraction>`);
}

export function tasksMissingFromTrain(test: PoolTable, train: PoolTable): string[] {
  const seen = new Set<string>();
  for (let q = 0; q < train.nQueries; q++) seen.add(train.tasks[train.queryTask[q]]);
  const inTest = new Set<string>();
  for (let q = 0; q < test.nQueries; q++) inTest.add(test.tasks[test.queryTask[q]]);
  return [...inTest].filter((k) => !seen.has(k)).sort();
}

/** Checks shared by every protocol run: the fraction or the train table's models, and the replay count. */
export function checkProtocol(t: PoolTable, p: ProtocolSpec, runs: number): number {
  const k = splitCount(p);
  if (p.kind === 'split') checkSplitFraction(p.fraction);
  else checkSameModels(t, p.train, p.source);
  if (k * runs > MAX_RUNS) throw new SettingError((n) => `${n('splits')} ${k} × ${n('runs')} ${runs} = ${k * runs} replays per policy, ${atMost(MAX_RUNS)}`);
  return k;
}

/**
 * Run every split: stack test rows then train rows, build rewards and contexts over the stack (embeddings
 * fitted on the train rows), replay the test rows. Split s replays with run seeds seed + s·runs + r.
 */
export async function runProtocol(t: PoolTable, o: ProtocolOptions, progress?: Progress): Promise<ProtocolRun> {
  const k = checkProtocol(t, o.protocol, o.runs);
  const splits: SplitRun[] = [];
  let config: SimConfig | null = null;
  for (let s = 0; s < k; s++) {
    const sp = prepareSplit(t, o.protocol, o.contexts, o.seed, s);
    const rw = await buildRewards(sp.stack, { lambda: o.lambda, cost: o.cost, expression: o.reward, expressionSource: o.rewardSource });
    const rwTest = headRewards(rw, sp.nTest, sp.stack.nModels);
    config = {
      runs: o.runs,
      seed: o.seed + s * o.runs,
      semantics: o.semantics,
      oracle: o.oracle,
      policies: o.policies,
      maxLatency: o.maxLatency ?? null,
      train: trainDataOf(sp, rw),
    };
    // progress counts policy-runs over every split
    const per = o.runs * o.policies.length;
    const sub: Progress | undefined = progress ? (done, _total, label, m) => progress(s * per + done, k * per, label, m) : undefined;
    const result = await simulateAsync(sp.test, sp.contexts, rwTest, config, sub);
    splits.push({ index: s, trainQueries: sp.trainRows.length, testQueries: sp.nTest, test: s === 0 ? sp.test : null, rewards: s === 0 ? rwTest : null, result, d: sp.contexts.d });
  }
  return { splits, config: { ...config!, seed: o.seed } };
}

/** Train rewards with NaN where a cell is absent (TrainData's convention). */
function trainRewards(rewards: ArrayLike<number>, present: Uint8Array): Float64Array {
  const out = Float64Array.from(rewards);
  for (let i = 0; i < out.length; i++) if (!present[i]) out[i] = Number.NaN;
  return out;
}

/**
 * How a train table's models differ from the test table's (`lacks a, b and has c not in the test table`), or
 * null when both have the same model ids. The protocol needs the same models on both sides (docs/model.md §13).
 */
export function sameModelsProblem(t: PoolTable, tr: PoolTable, testName = 'the test table'): string | null {
  const a = t.models.map((m) => m.id);
  const b = new Set(tr.models.map((m) => m.id));
  const missing = a.filter((id) => !b.has(id));
  const extra = tr.models.map((m) => m.id).filter((id) => !a.includes(id));
  if (!missing.length && !extra.length) return null;
  return [missing.length ? `lacks ${missing.join(', ')}` : '', extra.length ? `has ${extra.join(', ')} not in ${testName}` : ''].filter(Boolean).join(' and ');
}

function checkSameModels(t: PoolTable, tr: PoolTable, source: string): void {
  const problem = sameModelsProblem(t, tr);
  if (problem) throw new SettingError((n) => `${n('train')} ${source}: the train table must have the same models as the test table; it ${problem}`);
}

/**
 * `--features embedding` with a train table: both tables need embeddings of one width (the stack of test and
 * train rows has one embedding or none). Names the table that lacks one, or both widths.
 */
export function checkTrainEmbedding(t: PoolTable, tr: PoolTable, source: string): void {
  const a = t.embedding?.dim;
  const b = tr.embedding?.dim;
  if (a !== undefined && a === b) return;
  const how = '(an embedding list column in Parquet/Arrow, or emb_0…emb_n columns in CSV/JSONL; datasets/README.md)';
  const test = `the test table '${t.name}'`;
  const train = `the train table '${source}'`;
  const width = (d: number): string => `${d} value${d === 1 ? '' : 's'}`;
  let what: string;
  if (a === undefined && b === undefined) what = `neither ${test} nor ${train} has an embedding column ${how}`;
  else if (b === undefined) what = `${train} has no embedding column, while ${test} has one (${width(a!)}) ${how}`;
  else if (a === undefined) what = `${test} has no embedding column, while ${train} has one (${width(b)}) ${how}`;
  else what = `the embeddings differ in width: ${width(b)} in ${train}, ${width(a)} in ${test}; both tables need the same width`;
  throw new SettingError((n) => `${n('features')} embedding with ${n('train')}: ${what}`);
}
