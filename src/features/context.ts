/**
 * Context encoding (docs/model.md §4): x = [1, onehot(task), onehot(cluster), onehot(complexity bin)].
 * Stored sparse (CSR) because one-hot contexts have at most 4 non-zeros; dense embeddings fit the same shape.
 */
import type { PoolTable } from '../data/pool.js';
import type { Semantics } from '../core/semantics.js';

export type FeatureName = 'task' | 'cluster' | 'complexity';
export const ALL_FEATURES: readonly FeatureName[] = ['task', 'cluster', 'complexity'];

/** thresholds: bins at inverted-Flesch 20/30 (reference code); equal-width: three bins over [0,100] (paper text). */
export type ComplexityBinning = 'thresholds' | 'equal-width';

export interface ContextSet {
  /** Dimension including the bias slot. */
  d: number;
  nQueries: number;
  /** CSR row pointers: query q's non-zeros are idx/val[ptr[q] .. ptr[q+1]). */
  ptr: Int32Array;
  idx: Int32Array;
  val: Float64Array;
  /** Slot names, e.g. "bias", "task=mmlu", "cluster=0", "complexity=1". */
  names: string[];
  /**
   * Identical contexts share a pattern id (one-hot contexts have few distinct patterns), so policies can
   * cache per-(arm, pattern) quantities until the arm's next update. Absent for dense contexts.
   */
  pattern?: Int32Array;
  nPatterns?: number;
}

const PATTERN_ROWS = new WeakMap<Int32Array, Int32Array>();

/**
 * The first query of each pattern: a policy reads a query's context from its pattern's row, which stays in
 * cache, instead of from the query's own row, a cache miss when queries come in shuffled order (identical
 * contexts, so the same numbers).
 */
export function patternRows(pattern: Int32Array, nPatterns: number): Int32Array {
  let rows = PATTERN_ROWS.get(pattern);
  if (rows === undefined || rows.length !== nPatterns) {
    rows = new Int32Array(nPatterns).fill(-1);
    for (let q = 0; q < pattern.length; q++) if (rows[pattern[q]] < 0) rows[pattern[q]] = q;
    PATTERN_ROWS.set(pattern, rows);
  }
  return rows;
}

/** Assign pattern ids to identical contexts (first-appearance order). */
export function withPatterns(c: ContextSet): ContextSet {
  const ids = new Map<string, number>();
  const pattern = new Int32Array(c.nQueries);
  for (let q = 0; q < c.nQueries; q++) {
    let key = '';
    for (let k = c.ptr[q]; k < c.ptr[q + 1]; k++) key += `${c.idx[k]}:${c.val[k]},`;
    let id = ids.get(key);
    if (id === undefined) {
      id = ids.size;
      ids.set(key, id);
    }
    pattern[q] = id;
  }
  return { ...c, pattern, nPatterns: ids.size };
}

interface EncodeOptions {
  /** repo: two complexity slots, bin 2 encodes as zeros (d = 11); paper: three slots (d = 12); docs/model.md §4. */
  layout: Semantics;
  features: readonly FeatureName[];
  binning?: ComplexityBinning;
  /** Number of cluster slots; default max(3, largest cluster id + 1). */
  nClusters?: number;
}

/** Complexity bin of an inverted Flesch score s (docs/features.md, complexity); −1 when s is NaN. */
export function complexityBin(s: number, binning: ComplexityBinning = 'thresholds'): number {
  if (Number.isNaN(s)) return -1;
  if (binning === 'thresholds') return s < 20 ? 0 : s < 30 ? 1 : 2;
  return s < 100 / 3 ? 0 : s < 200 / 3 ? 1 : 2;
}

export function encodeContexts(t: PoolTable, opts: EncodeOptions): ContextSet {
  const useTask = opts.features.includes('task');
  const useCluster = opts.features.includes('cluster');
  const useCx = opts.features.includes('complexity');
  const binning = opts.binning ?? 'thresholds';
  let maxCluster = -1;
  for (let q = 0; q < t.nQueries; q++) if (t.cluster[q] > maxCluster) maxCluster = t.cluster[q];
  const k = opts.nClusters ?? Math.max(3, maxCluster + 1);
  const cxSlots = opts.layout === 'repo' ? 2 : 3;

  const names = ['bias'];
  const taskOff = names.length;
  if (useTask) for (const name of t.tasks) names.push(`task=${name}`);
  const clusterOff = names.length;
  if (useCluster) for (let c = 0; c < k; c++) names.push(`cluster=${c}`);
  const cxOff = names.length;
  if (useCx) for (let b = 0; b < cxSlots; b++) names.push(`complexity=${b}`);
  const d = names.length;

  const ptr = new Int32Array(t.nQueries + 1);
  const idx: number[] = [];
  for (let q = 0; q < t.nQueries; q++) {
    idx.push(0);
    if (useTask) idx.push(taskOff + t.queryTask[q]);
    if (useCluster) {
      const c = t.cluster[q];
      if (c >= 0 && c < k) idx.push(clusterOff + c);
    }
    if (useCx) {
      const b = complexityBin(t.complexity[q], binning);
      // repo layout has no slot for the top bin: it encodes as zeros (docs/model.md §4)
      if (b >= 0 && b < cxSlots) idx.push(cxOff + b);
    }
    ptr[q + 1] = idx.length;
  }
  return withPatterns({ d, nQueries: t.nQueries, ptr, idx: Int32Array.from(idx), val: new Float64Array(idx.length).fill(1), names });
}

/** Dense contexts from a Q×d row-major matrix (e.g. user embeddings), with a bias slot prepended. */
export function denseContexts(rows: Float64Array, nQueries: number, dim: number): ContextSet {
  const d = dim + 1;
  const ptr = new Int32Array(nQueries + 1);
  const idx = new Int32Array(nQueries * d);
  const val = new Float64Array(nQueries * d);
  for (let q = 0; q < nQueries; q++) {
    ptr[q + 1] = (q + 1) * d;
    idx[q * d] = 0;
    val[q * d] = 1;
    for (let j = 0; j < dim; j++) {
      idx[q * d + 1 + j] = 1 + j;
      val[q * d + 1 + j] = rows[q * dim + j];
    }
  }
  const names = ['bias', ...Array.from({ length: dim }, (_, j) => `x${j}`)];
  return { d, nQueries, ptr, idx, val, names };
}
