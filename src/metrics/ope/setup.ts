/**
 * What off-policy evaluation needs around a loaded log (docs/ope.md, "The ope command"): the metric each
 * decision is scored on, the contexts the target policies see, and the hindsight data of the baselines —
 * from a full table when one is given, else from the log alone.
 */
import { DataError, SettingError } from '../../core/errors.js';
import { makePoolTable, type ModelInfo, type PoolTable } from '../../data/pool.js';
import type { LogTable } from '../../data/logs.js';
import { truncate } from '../../data/formats/text.js';
import { encodeContexts, withPatterns, type ContextSet, type FeatureName } from '../../features/context.js';
import type { HindsightData } from '../../policies/policy.js';
import { modelStats } from '../../sim/engine.js';
import { buildRewards, type RewardTable } from '../../sim/reward.js';
import type { Semantics } from '../../core/semantics.js';

export type OpeMetric = 'reward' | 'accuracy' | 'energy_j';

/** Where the per-decision reward came from (recorded in summary.json). */
export type RewardSourceKind = 'table' | 'logged' | 'metrics';

export interface OpeData {
  log: LogTable;
  table: PoolTable | null;
  /** Table row of each decision (when a table is given). */
  row: Int32Array | null;
  models: ModelInfo[];
  /** Per decision: the logged model's value of each metric the log (or table) has. */
  values: Map<OpeMetric, Float64Array>;
  rewardSource: RewardSourceKind;
  /** Reward table at λ: the full table's, or the log's own (one present cell per decision). */
  rw: RewardTable;
  contexts: ContextSet;
}

interface SetupOptions {
  lambda: number;
  /** λ was given explicitly: a logged reward column is then not used. */
  lambdaGiven: boolean;
  semantics: Semantics;
  features: readonly FeatureName[];
}

/** Model descriptions of a log without a table (ids only). */
function logModels(log: LogTable): ModelInfo[] {
  return log.models.map((id) => ({ id, name: id, paramsB: Number.NaN }));
}

/** The log as a table with one present cell per decision: rows are decisions, bounds come from the log's own rows. */
function logAsTable(log: LogTable): PoolTable {
  const n = log.n;
  const M = log.models.length;
  const cell = (k: number): Float64Array | undefined => {
    const src = log.metrics[k];
    if (!src) return undefined;
    const out = new Float64Array(n * M).fill(Number.NaN);
    for (let i = 0; i < n; i++) out[i * M + log.model[i]] = src[i];
    return out;
  };
  const present = new Uint8Array(n * M);
  for (let i = 0; i < n; i++) present[i * M + log.model[i]] = 1;
  return makePoolTable({
    name: log.file,
    queryIds: Array.from({ length: n }, (_, i) => `${i}`),
    queryTasks: Array.from(log.task, (g) => log.tasks[g]),
    models: logModels(log),
    accuracy: cell(0)!,
    energyJ: cell(1),
    latencyS: cell(2),
    inputTokens: cell(3),
    outputTokens: cell(4),
    costUsd: cell(5) ?? null,
    present,
  });
}

/** Table row of every decision; a query the table does not have is an error naming the log's line. */
function tableRows(log: LogTable, table: PoolTable): Int32Array {
  const index = new Map(table.queryIds.map((q, i) => [q, i]));
  const row = new Int32Array(log.n);
  for (let i = 0; i < log.n; i++) {
    const r = index.get(log.queryId[i]);
    if (r === undefined) throw new DataError(`query '${truncate(log.queryId[i])}' is not in the table ${table.name}`, log.file, log.line[i], 'query_id');
    row[i] = r;
  }
  return row;
}

/** Rows `row` of a context set, as a context set over decisions. */
function gatherContexts(c: ContextSet, row: Int32Array): ContextSet {
  const n = row.length;
  const ptr = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) ptr[i + 1] = ptr[i] + c.ptr[row[i] + 1] - c.ptr[row[i]];
  const idx = new Int32Array(ptr[n]);
  const val = new Float64Array(ptr[n]);
  for (let i = 0; i < n; i++) {
    const lo = c.ptr[row[i]];
    const len = c.ptr[row[i] + 1] - lo;
    idx.set(c.idx.subarray(lo, lo + len), ptr[i]);
    val.set(c.val.subarray(lo, lo + len), ptr[i]);
  }
  return withPatterns({ d: c.d, nQueries: n, ptr, idx, val, names: c.names });
}

/** Contexts from the log: a bias, then its `ctx_*` columns, or the one-hot task when it has none. */
function logContextSet(log: LogTable): ContextSet {
  const n = log.n;
  const c = log.contextNames.length;
  const names = ['bias', ...(c > 0 ? log.contextNames : log.tasks.length > 1 ? log.tasks.map((t) => `task=${t}`) : [])];
  const ptr = new Int32Array(n + 1);
  const idx: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < n; i++) {
    idx.push(0);
    val.push(1);
    if (c > 0) {
      for (let j = 0; j < c; j++) {
        const v = log.context[i * c + j];
        if (v !== 0) {
          idx.push(1 + j);
          val.push(v);
        }
      }
    } else if (names.length > 1) {
      idx.push(1 + log.task[i]);
      val.push(1);
    }
    ptr[i + 1] = idx.length;
  }
  return withPatterns({ d: names.length, nQueries: n, ptr, idx: Int32Array.from(idx), val: Float64Array.from(val), names });
}

export async function prepareOpe(log: LogTable, table: PoolTable | null, o: SetupOptions): Promise<OpeData> {
  const n = log.n;
  const values = new Map<OpeMetric, Float64Array>();
  if (table) {
    const M = table.nModels;
    const row = tableRows(log, table);
    const rw = await buildRewards(table, { lambda: o.lambda });
    const pick = (src: ArrayLike<number>, missing: number): Float64Array => {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const k = row[i] * M + log.model[i];
        out[i] = table.present[k] && !Number.isNaN(src[k]) ? src[k] : missing;
      }
      return out;
    };
    values.set('reward', pick(rw.rewards, 0));
    values.set('accuracy', pick(table.accuracy, 0));
    if (table.energyJ.some((v) => !Number.isNaN(v))) values.set('energy_j', pick(table.energyJ, 0));
    const contexts = gatherContexts(encodeContexts(table, { layout: o.semantics, features: o.features }), row);
    return { log, table, row, models: table.models, values, rewardSource: 'table', rw, contexts };
  }
  const lt = logAsTable(log);
  const rw = await buildRewards(lt, { lambda: o.lambda });
  let rewardSource: RewardSourceKind = 'metrics';
  if (log.reward && !o.lambdaGiven) {
    values.set('reward', log.reward);
    rewardSource = 'logged';
  } else {
    const M = log.models.length;
    values.set('reward', Float64Array.from({ length: n }, (_, i) => rw.rewards[i * M + log.model[i]]));
  }
  values.set('accuracy', log.metrics[0]!);
  if (log.metrics[1]) values.set('energy_j', log.metrics[1]);
  return { log, table: null, row: null, models: logModels(log), values, rewardSource, rw, contexts: logContextSet(log) };
}

/**
 * Hindsight data for the baselines over the decisions (rows = decisions): with a table, its rewards and its
 * per-model means over the whole table (as in `simulate`); without, the logged cells only and each model's
 * mean logged reward and accuracy. The oracle needs the table.
 */
export function opeHindsight(data: OpeData, policy: string): HindsightData {
  const { log, table, row, rw } = data;
  const n = log.n;
  const M = data.models.length;
  const rewards = new Float64Array(n * M);
  const present = new Uint8Array(n * M);
  if (table && row) {
    for (let i = 0; i < n; i++) {
      rewards.set(rw.rewards.subarray(row[i] * M, row[i] * M + M), i * M);
      present.set(table.present.subarray(row[i] * M, row[i] * M + M), i * M);
    }
    return { rewards, present, ...modelStats(table, rw) };
  }
  if (policy === 'oracle') throw new SettingError((n) => `policy 'oracle' needs every model's outcome for each query: give the full table with ${n('table')}`);
  const reward = data.values.get('reward')!;
  const acc = data.values.get('accuracy')!;
  const sr = new Float64Array(M);
  const sa = new Float64Array(M);
  const cnt = new Float64Array(M);
  for (let i = 0; i < n; i++) {
    const m = log.model[i];
    rewards[i * M + m] = reward[i];
    present[i * M + m] = 1;
    sr[m] += reward[i];
    sa[m] += acc[i];
    cnt[m]++;
  }
  return { rewards, present, meanReward: sr.map((s, m) => (cnt[m] ? s / cnt[m] : Number.NaN)), meanAccuracy: sa.map((s, m) => (cnt[m] ? s / cnt[m] : Number.NaN)) };
}
