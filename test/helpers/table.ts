import { makePoolTable, type MetricColumn, type PoolTable } from '../../src/data/pool.js';
import { Rng } from '../../src/core/rng.js';

/** The metric columns a table may lack (null when it has none). */
export type OptionalColumn = 'latencyS' | 'inputTokens' | 'outputTokens' | 'costUsd';

/** A table known to have the columns K. */
export type WithColumns<K extends OptionalColumn> = PoolTable & Record<K, MetricColumn>;

/** The table's `key` column; fails the test when the table has none. */
export function column(t: PoolTable, key: OptionalColumn): MetricColumn {
  const c = t[key];
  if (c === null) throw new Error(`table '${t.name}' has no ${key} column`);
  return c;
}

/** The table itself, checked to have the columns `keys`; fails the test when it lacks one. */
export function withColumns<K extends OptionalColumn>(t: PoolTable, ...keys: K[]): WithColumns<K> {
  const has = (u: PoolTable): u is WithColumns<K> => keys.every((k) => u[k] !== null);
  if (!has(t)) throw new Error(`table '${t.name}' has no ${keys.filter((k) => t[k] === null).join(', ')} column`);
  return t;
}

/** A small random table with every metric, tasks, clusters and complexity, for engine tests. */
export function randomTable(seed: number, Q: number, M: number, opts: { missing?: number; tasks?: string[] } = {}): WithColumns<'latencyS' | 'inputTokens' | 'outputTokens'> {
  const rng = new Rng(seed);
  const tasks = opts.tasks ?? ['mmlu', 'gsm8k', 'cnn_dailymail'];
  const n = Q * M;
  const acc = new Float64Array(n);
  const energy = new Float64Array(n);
  const lat = new Float64Array(n);
  const tin = new Float64Array(n);
  const tout = new Float64Array(n);
  const present = new Uint8Array(n);
  const queryTasks: string[] = [];
  for (let q = 0; q < Q; q++) {
    const task = tasks[rng.int(tasks.length)];
    queryTasks.push(task);
    for (let m = 0; m < M; m++) {
      const i = q * M + m;
      present[i] = rng.next() < (opts.missing ?? 0) ? 0 : 1;
      acc[i] = present[i] ? (task === 'cnn_dailymail' ? rng.next() : rng.next() < 0.3 + 0.1 * m ? 1 : 0) : Number.NaN;
      tin[i] = 50 + rng.int(200);
      tout[i] = 1 + rng.int(100);
      energy[i] = (0.05 + 0.1 * m) * (tin[i] + tout[i]) * (0.5 + rng.next());
      lat[i] = 0.02 + 0.01 * m * tout[i] * rng.next();
    }
  }
  const t = makePoolTable({
    name: `random-${seed}`,
    queryIds: Array.from({ length: Q }, (_, q) => `q${q}`),
    queryTasks,
    cluster: Int32Array.from({ length: Q }, () => rng.int(3)),
    complexity: Float64Array.from({ length: Q }, () => rng.next() * 60),
    models: Array.from({ length: M }, (_, m) => ({ id: `model-${m}`, name: `Model ${m}`, paramsB: [7, 1, 13, 3, 70, 2][m % 6] })),
    accuracy: acc,
    energyJ: energy,
    latencyS: lat,
    inputTokens: tin,
    outputTokens: tout,
    present,
  });
  return withColumns(t, 'latencyS', 'inputTokens', 'outputTokens');
}

/**
 * 4 prompts (2 per family fa, fb) × 2 models; 'dear' is the more accurate and dearer model (hand-checkable sweeps).
 * `accuracy` (cells q·2 + m) replaces the scores.
 */
export function tinyRouterTable(accuracy: number[] = [0, 1, 1, 1, 0, 0, 0, 1], name = 'tiny'): PoolTable {
  return makePoolTable({
    name,
    queryIds: ['a1', 'a2', 'b1', 'b2'],
    queryTasks: ['fa', 'fa', 'fb', 'fb'],
    models: [
      { id: 'cheap', name: 'cheap', paramsB: Number.NaN },
      { id: 'dear', name: 'dear', paramsB: Number.NaN },
    ],
    accuracy: Float64Array.from(accuracy),
    costUsd: Float64Array.from([1, 3, 1, 3, 2, 4, 2, 8]),
  });
}

/**
 * One query × M models whose energy rises with m; every 10th model is more accurate than the one before it and
 * the rest score 0. So the accuracy-vs-energy front is m0 (the cheapest) and every 10th model, and among the
 * rest the cheapest earn the most reward.
 */
export function tenthFrontTable(M: number): PoolTable {
  const ids = Array.from({ length: M }, (_, m) => `m${m}`);
  return makePoolTable({
    name: 'front',
    queryIds: ['q0'],
    queryTasks: ['a'],
    models: ids.map((id) => ({ id, name: id, paramsB: Number.NaN })),
    accuracy: Float64Array.from(ids, (_, m) => (m % 10 === 0 ? m / M : 0)),
    energyJ: Float64Array.from(ids, (_, m) => 1 + m),
    present: new Uint8Array(M).fill(1),
  });
}
