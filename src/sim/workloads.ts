/**
 * Synthetic workloads of the throughput bench, built from a seed: the paper's one-hot layout at 16 models,
 * a 7-model × 10-task table in the reference code's layout, and dense contexts of any width. Each is a
 * context set, a Q×M reward table and the model count, so greenserv and other implementations can be timed
 * on the same numbers.
 */
import { Rng } from '../core/rng.js';
import { makePoolTable, type ModelInfo, type PoolTable } from '../data/pool.js';
import { denseContexts, encodeContexts, withPatterns, type ContextSet } from '../features/context.js';
import { buildRewards, type RewardTable } from './reward.js';
import { asFloat64 } from '../data/columns.js';

export interface Workload {
  name: string;
  description: string;
  nModels: number;
  contexts: ContextSet;
  /** Q×M rewards in [0, 1]. */
  rewards: Float64Array;
}

/** Queries of the policy-only workloads (a power of two, so a stepper wraps with a mask). */
export const WORKLOAD_QUERIES = 4096;

/** The paper's layout: bias + task(5) + cluster(3) + complexity(3) = 12, four non-zeros. */
export function oneHotContexts(rng: Rng, Q = WORKLOAD_QUERIES): ContextSet {
  const ptr = new Int32Array(Q + 1);
  const idx = new Int32Array(Q * 4);
  for (let q = 0; q < Q; q++) {
    idx.set([0, 1 + rng.int(5), 6 + rng.int(3), 9 + rng.int(3)], q * 4);
    ptr[q + 1] = (q + 1) * 4;
  }
  // encodeContexts assigns pattern ids the same way
  return withPatterns({ d: 12, nQueries: Q, ptr, idx, val: new Float64Array(Q * 4).fill(1), names: [] });
}

/** Dense contexts of width d (a bias slot and d − 1 Gaussian features of unit expected norm). */
function denseContextsOf(rng: Rng, d: number, Q = WORKLOAD_QUERIES): ContextSet {
  const rows = Float64Array.from({ length: Q * (d - 1) }, () => rng.normal() / Math.sqrt(d - 1));
  return denseContexts(rows, Q, d - 1);
}

function uniformRewards(rng: Rng, Q: number, M: number): Float64Array {
  return Float64Array.from({ length: Q * M }, () => rng.next());
}

/** One-hot d = 12 at 16 models, uniform rewards (the bench's historical workload). */
export function oneHotWorkload(seed = 1): Workload {
  const rng = new Rng(seed);
  const rewards = uniformRewards(rng, WORKLOAD_QUERIES, 16);
  return { name: 'onehot-d12', description: '16 models, one-hot d = 12 (4 non-zeros), uniform rewards', nModels: 16, contexts: oneHotContexts(rng), rewards };
}

/** Dense d at 16 models, uniform rewards. */
export function denseWorkload(d: number, seed = 1): Workload {
  const rng = new Rng(seed);
  const rewards = uniformRewards(rng, WORKLOAD_QUERIES, 16);
  return { name: `dense-d${d}`, description: `16 models, dense d = ${d} (bias + ${d - 1} Gaussian features)`, nModels: 16, contexts: denseContextsOf(rng, d), rewards };
}

/**
 * A 7-model, 10-task table with clusters and complexity scores, shaped like a real pool: accuracy depends
 * on the task and the model size, energy grows with the size. Contexts in the reference code's layout
 * (bias + 10 tasks + 3 clusters + 2 complexity slots = 16), rewards at λ = 0.5.
 */
export async function taskTableWorkload(nQueries = 20_000, seed = 3): Promise<Workload & { table: PoolTable; rw: RewardTable }> {
  const M = 7;
  const T = 10;
  const rng = new Rng(seed);
  const models: ModelInfo[] = Array.from({ length: M }, (_, m) => ({ id: `m${m}`, name: `m${m}`, paramsB: 2 ** m }));
  const skill = Float64Array.from({ length: T * M }, (_, i) => 0.2 + 0.1 * (i % M) * rng.next());
  const n = nQueries * M;
  const accuracy = new Float64Array(n);
  const energyJ = new Float64Array(n);
  const queryTasks: string[] = [];
  for (let q = 0; q < nQueries; q++) {
    const t = rng.int(T);
    queryTasks.push(`task${t}`);
    for (let m = 0; m < M; m++) {
      accuracy[q * M + m] = rng.next() < skill[t * M + m] ? 1 : 0;
      energyJ[q * M + m] = (m + 1) * (20 + 10 * rng.next());
    }
  }
  const table = makePoolTable({
    name: 'tasks10',
    queryIds: Array.from({ length: nQueries }, (_, q) => `q${q}`),
    queryTasks,
    cluster: Int32Array.from({ length: nQueries }, () => rng.int(3)),
    complexity: Float64Array.from({ length: nQueries }, () => 60 * rng.next()),
    models,
    accuracy,
    energyJ,
    inputTokens: new Float64Array(n).fill(100),
    outputTokens: Float64Array.from({ length: n }, () => 20 + rng.int(200)),
    latencyS: Float64Array.from({ length: n }, (_, i) => 0.2 * ((i % M) + 1)),
  });
  const rw = await buildRewards(table, { lambda: 0.5 });
  const contexts = encodeContexts(table, { layout: 'repo', features: ['task', 'cluster', 'complexity'] });
  return { name: 'tasks10-d16', description: '7 models × 10 tasks, reference layout d = 16, rewards at λ = 0.5', nModels: M, contexts, rewards: asFloat64(rw.rewards), table, rw };
}
