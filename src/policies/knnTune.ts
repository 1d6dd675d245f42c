/**
 * knn's choice of k on the train part (docs/model.md §5.9): leave-one-out over an evenly spaced subset of the
 * train queries, scoring each candidate k by the train reward of the model it would have picked. Every
 * candidate is scored from one similarity pass per held-out query: the best k_max neighbours are selected by
 * a heap and sorted, and the predictions for growing k are running sums over that list.
 */
import type { DotKernel } from './dotKernel.js';
import { withinStandardErrors } from './supervised.js';

/** Distances below this count as this (an exact duplicate then dominates instead of dividing by zero). */
export const KNN_MIN_DISTANCE = 1e-6;

/** Candidate k (those below the train size); after them, every other train query. */
export const KNN_K_GRID = [1, 3, 10, 30, 100, 300, 1000];
/** Held-out train queries of the leave-one-out. */
export const KNN_CV_QUERIES = 500;

interface KnnTrainSet {
  nTrain: number;
  M: number;
  /** Row length of the kernel's matrix. */
  stride: number;
  kernel: DotKernel;
  /** nTrain × M train rewards, NaN where unusable. */
  R: Float64Array;
  distance: boolean;
}

/**
 * The k the leave-one-out prefers (on a tie the larger); nTrain means every train query. With `se` > 0, the
 * largest candidate whose held-out reward is within `se` standard errors of the best one's (the paired
 * differences over the held-out queries, as the penalty searches do; docs/model.md §5.9).
 */
export function chooseK(s: KnnTrainSet, se = 0): number {
  const { nTrain: n, M, stride, kernel, R, distance } = s;
  const grid = KNN_K_GRID.filter((k) => k < n - 1);
  if (n < 3 || grid.length === 0) return Math.max(1, n);
  const kmax = grid[grid.length - 1];
  const topSim = new Float64Array(kmax);
  const topIdx = new Int32Array(kmax);
  const sumR = new Float64Array(M);
  const sumW = new Float64Array(M);
  const totR = new Float64Array(M);
  const totN = new Float64Array(M);
  for (let i = 0; i < n; i++) {
    for (let m = 0; m < M; m++) {
      const r = R[i * M + m];
      if (r === r) ((totR[m] += r), totN[m]++);
    }
  }
  const gain = new Float64Array(grid.length + 1);
  const H = Math.min(n, KNN_CV_QUERIES);
  // each held-out query's reward per candidate, for the standard errors (only with se > 0)
  const got = se > 0 ? new Float64Array((grid.length + 1) * H) : null;
  const sims = kernel.out;
  // the reward of the model with the best predicted value (first on a tie) for held-out row i
  const pickReward = (i: number, pred: (m: number) => number): number => {
    let best = -Infinity;
    let got = 0;
    for (let m = 0; m < M; m++) {
      const r = R[i * M + m];
      if (r !== r) continue;
      const p = pred(m);
      if (p > best) ((best = p), (got = r));
    }
    return got;
  };
  for (let h = 0; h < H; h++) {
    const i = Math.floor((h * n) / H);
    // the train mean without row i: the held-out reward must not predict itself
    const others = (m: number): number => (totN[m] > 1 ? (totR[m] - R[i * M + m]) / (totN[m] - 1) : -Infinity);
    const mean = (m: number): number => (sumW[m] > 0 ? sumR[m] / sumW[m] : others(m));
    kernel.q.set(kernel.x.subarray(i * stride, (i + 1) * stride));
    kernel.run();
    sims[i] = -Infinity;
    const size = selectTop(sims, n, topSim, topIdx);
    sumR.fill(0);
    sumW.fill(0);
    let pos = 0;
    let overflow = false;
    grid.forEach((k, g) => {
      if (!overflow) {
        const kth = topSim[k - 1];
        while (pos < size && (pos < k || topSim[pos] === kth)) add(topIdx[pos], topSim[pos++]);
        // the tie with the k-th runs past the list: score this k and the larger ones by full passes
        if (pos === size && countAtLeast(sims, n, kth) > size) overflow = true;
      }
      if (overflow) fullPass(topSim[Math.min(k, size) - 1]);
      const r = pickReward(i, (m) => mean(m));
      gain[g] += r;
      if (got) got[g * H + h] = r;
    });
    // every other train query: the train mean without row i
    const r = pickReward(i, others);
    gain[grid.length] += r;
    if (got) got[grid.length * H + h] = r;
  }
  let best = 0;
  for (let g = 1; g < gain.length; g++) if (gain[g] >= gain[best]) best = g;
  if (got) {
    const row = (g: number): Float64Array => got.subarray(g * H, (g + 1) * H);
    for (let g = grid.length; g > best; g--) if (withinStandardErrors(row(best), row(g), se)) return g < grid.length ? grid[g] : n;
  }
  return best < grid.length ? grid[best] : n;

  function add(j: number, sim: number): void {
    const w = distance ? 1 / Math.max(1 - sim, KNN_MIN_DISTANCE) : 1;
    for (let m = 0; m < M; m++) {
      const r = R[j * M + m];
      if (r !== r) continue;
      sumR[m] += w * r;
      sumW[m] += w;
    }
  }

  function fullPass(tau: number): void {
    sumR.fill(0);
    sumW.fill(0);
    for (let j = 0; j < n; j++) if (sims[j] >= tau) add(j, sims[j]);
  }
}

function countAtLeast(sims: Float32Array, n: number, tau: number): number {
  let c = 0;
  for (let j = 0; j < n; j++) if (sims[j] >= tau) c++;
  return c;
}

/** The best min(k, n) similarities, sorted descending with their rows; returns how many. */
function selectTop(sims: Float32Array, n: number, topSim: Float64Array, topIdx: Int32Array): number {
  const k = topSim.length;
  let size = 0;
  // min-heap on similarity
  for (let j = 0; j < n; j++) {
    const s = sims[j];
    if (s === -Infinity) continue;
    if (size < k) {
      let c = size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (topSim[p] <= s) break;
        topSim[c] = topSim[p];
        topIdx[c] = topIdx[p];
        c = p;
      }
      topSim[c] = s;
      topIdx[c] = j;
    } else if (s > topSim[0]) siftDown(topSim, topIdx, size, s, j);
  }
  // pop the minimum to the back, repeatedly: descending order from the front
  for (let end = size - 1; end > 0; end--) {
    const s = topSim[0];
    const j = topIdx[0];
    siftDown(topSim, topIdx, end, topSim[end], topIdx[end]);
    topSim[end] = s;
    topIdx[end] = j;
  }
  return size;
}

/** Put (s, j) at the root of a min-heap of `size` and restore the order. */
function siftDown(sim: Float64Array, idx: Int32Array, size: number, s: number, j: number): void {
  let c = 0;
  for (;;) {
    const l = 2 * c + 1;
    if (l >= size) break;
    const r = l + 1;
    const ch = r < size && sim[r] < sim[l] ? r : l;
    if (sim[ch] >= s) break;
    sim[c] = sim[ch];
    idx[c] = idx[ch];
    c = ch;
  }
  sim[c] = s;
  idx[c] = j;
}
