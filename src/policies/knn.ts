import { UsageError } from '../core/errors.js';
import { ArgMax } from './argmax.js';
import { createDotKernel, type DotKernel, padDim } from './dotKernel.js';
import { chooseK, KNN_K_GRID, KNN_MIN_DISTANCE } from './knnTune.js';
import { kthLargest } from './kthLargest.js';
import type { Params, PolicyEnv, PolicyFactory, TrainData } from './policy.js';
import type { ContextSet } from '../features/context.js';
import { StatelessPolicy } from './policy.js';
import { fillMissing, needTrain, shared, sharedCache, trainMeans, usable, wholeParam } from './supervised.js';

type KnnParams = { k: number; weighting: number; se: number };

/** Largest train matrix (train queries × context slots) the exact search holds in memory. */
export const KNN_MAX_CELLS = 50_000_000;

/**
 * k nearest train queries by cosine similarity of the contexts (docs/model.md §5.9), exact search: each
 * model's predicted reward is the (distance-weighted) mean of its train rewards over those neighbours; the best
 * prediction wins. Neighbours tied with the k-th are all kept, so the answer does not depend on row order.
 * The train contexts are one flat float32 matrix of unit rows (dotKernel.ts computes a query against all of
 * them); the bias slot is left out of the similarity.
 */
/** The fitted part of a kNN router: neighbour search and predictions (no RNG, no tie rule). */
class KnnModel {
  private readonly M: number;
  /** Neighbours used (given, or chosen on the train part when the parameter is 0). */
  readonly k: number;
  private readonly distance: boolean;
  /** First context slot used (1 skips the bias). */
  private readonly skip: number;
  /** Context slots used, and the padded row length of the kernel. */
  private readonly D: number;
  private readonly stride: number;
  private readonly nTrain: number;
  /** nTrain unit rows, the query and the similarities. */
  private readonly kernel: DotKernel;
  /** nTrain × M train rewards, NaN where unusable. */
  private readonly R: Float64Array;
  private readonly fallback: Float64Array;
  // Per-query scratch, reused.
  private readonly heap: Float64Array;
  private readonly sumR: Float64Array;
  private readonly sumW: Float64Array;
  private readonly pred: Float64Array;
  /** Predictions per context pattern (one-hot contexts repeat few patterns). */
  private readonly byPattern: Float64Array | null;
  private readonly patternDone: Uint8Array | null;
  /** Dense contexts: predictions of the test queries (those not in the train part), computed four at a time. */
  private readonly byQuery: Float64Array | null = null;

  constructor(
    private readonly env: PolicyEnv,
    p: KnnParams,
    t: TrainData,
  ) {
    const k = wholeParam('knn', 'k', p.k);
    const weighting = wholeParam('knn', 'weighting', p.weighting);
    const c = env.contexts;
    const M = env.nModels;
    this.M = M;
    this.distance = weighting === 1;
    this.skip = c.names[0] === 'bias' ? 1 : 0;
    const D = c.d - this.skip;
    this.D = D;
    const n = t.queries.length;
    this.nTrain = n;
    if (n * D > KNN_MAX_CELLS) throw new UsageError(`knn: the train part has ${n} queries × ${D} context slots, over the exact search's limit of ${KNN_MAX_CELLS} cells; use fewer train queries or fewer embedding dimensions`);
    this.stride = padDim(D);
    this.kernel = createDotKernel(n, D);
    this.R = new Float64Array(n * M);
    for (let i = 0; i < n; i++) {
      const q = t.queries[i];
      this.fillRow(q, this.kernel.x, i * this.stride);
      for (let m = 0; m < M; m++) this.R[i * M + m] = usable(t, t.rewards, q, m, M) ? t.rewards[q * M + m] : NaN;
    }
    this.k = k > 0 ? k : chooseK({ nTrain: n, M, stride: this.stride, kernel: this.kernel, R: this.R, distance: this.distance }, p.se);
    this.fallback = fillMissing(trainMeans(t, t.rewards, M));
    this.heap = new Float64Array(Math.max(1, this.k));
    this.sumR = new Float64Array(M);
    this.sumW = new Float64Array(M);
    this.pred = new Float64Array(M);
    const P = c.pattern ? (c.nPatterns ?? 0) : 0;
    this.byPattern = c.pattern ? new Float64Array(P * M) : null;
    this.patternDone = c.pattern ? new Uint8Array(P) : null;
    if (!c.pattern && !this.everyQuery()) this.byQuery = this.predictTest(t);
  }

  /** Uniform weights over every train query: the prediction is the train means, whatever the context. */
  private everyQuery(): boolean {
    return !this.distance && this.k >= this.nTrain;
  }

  /** Predictions of every query outside the train part (NaN rows for train queries), from their neighbour lists. */
  private predictTest(t: TrainData): Float64Array {
    const { M, sumR, sumW, pred } = this;
    const Q = this.env.contexts.nQueries;
    const out = new Float64Array(Q * M).fill(NaN);
    const { start, row, sim, isTest } = this.lists(t);
    for (let q = 0; q < Q; q++) {
      if (!isTest[q]) continue;
      sumR.fill(0);
      sumW.fill(0);
      // the rows in ascending order, as fromSimilarities visits them: the same sums
      for (let a = start[q]; a < start[q + 1]; a++) this.add(row[a], sim[a]);
      this.finish();
      out.set(pred, q * M);
    }
    return out;
  }

  /**
   * Each test query's neighbours at this k: its train rows (ascending) with a similarity at least the k-th
   * largest. They depend on the contexts, the train rows and k only, not on the rewards, so the λ values of a
   * sweep share them (the search is the router's whole cost).
   */
  private lists(t: TrainData): NeighbourLists {
    const c = this.env.contexts;
    let byRows = LISTS.get(c);
    if (!byRows) LISTS.set(c, (byRows = new WeakMap()));
    let byK = byRows.get(t.queries);
    if (!byK) byRows.set(t.queries, (byK = new Map()));
    // one search at the largest k the choice can make; smaller k are subsets of it (their k-th largest
    // similarity is at least its)
    const K = Math.max(this.k, KNN_K_GRID[KNN_K_GRID.length - 1]);
    let base = byK.get(K);
    if (!base) byK.set(K, (base = this.search(t, K)));
    let l = byK.get(this.k);
    if (!l) byK.set(this.k, (l = restrict(base, this.k)));
    return l;
  }

  private search(t: TrainData, K: number): NeighbourLists {
    const { kernel, stride, nTrain } = this;
    const Q = this.env.contexts.nQueries;
    const isTest = new Uint8Array(Q).fill(1);
    for (const q of t.queries) isTest[q] = 0;
    const heap = new Float64Array(K);
    const start = new Int32Array(Q + 1);
    let row = new Int32Array(1 << 16);
    let sim = new Float32Array(1 << 16);
    let n = 0;
    const group = new Int32Array(4);
    const views = [0, 1, 2, 3].map((g) => kernel.outBatch.subarray(g * nTrain, (g + 1) * nTrain));
    let size = 0;
    const flush = (): void => {
      for (let g = size; g < 4; g++) kernel.qBatch.fill(0, g * stride, (g + 1) * stride);
      kernel.runBatch();
      for (let g = 0; g < size; g++) {
        const sims = views[g];
        const tau = kthLargest(sims, 0, nTrain, K, heap);
        start[group[g]] = n;
        for (let i = 0; i < nTrain; i++) {
          if (!(sims[i] >= tau)) continue;
          if (n === row.length) {
            const r2 = new Int32Array(2 * n);
            r2.set(row);
            row = r2;
            const s2 = new Float32Array(2 * n);
            s2.set(sim);
            sim = s2;
          }
          row[n] = i;
          sim[n++] = sims[i];
        }
        start[group[g] + 1] = n;
      }
      size = 0;
    };
    // only test queries' entries are read: their start and end are set when their batch is searched
    for (let q = 0; q < Q; q++) {
      if (!isTest[q]) continue;
      this.fillRow(q, kernel.qBatch, size * stride);
      group[size++] = q;
      if (size === 4) flush();
    }
    if (size > 0) flush();
    return { start, row: row.slice(0, n), sim: sim.slice(0, n), isTest };
  }

  /** Context q (bias left out) as a unit row at out[off..off+stride), zero-padded; a zero context stays zero. */
  private fillRow(q: number, out: Float32Array, off: number): void {
    const { idx, val, ptr } = this.env.contexts;
    const { skip, D, stride } = this;
    out.fill(0, off, off + stride);
    let ss = 0;
    for (let a = ptr[q]; a < ptr[q + 1]; a++) {
      const j = idx[a] - skip;
      if (j >= 0 && j < D) ss += val[a] * val[a];
    }
    const s = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    for (let a = ptr[q]; a < ptr[q + 1]; a++) {
      const j = idx[a] - skip;
      if (j >= 0 && j < D) out[off + j] = val[a] * s;
    }
  }

  /** The k-th largest similarity (a min-heap of the k best so far); −∞ when there are at most k rows. */
  private threshold(sims: Float32Array): number {
    return kthLargest(sims, 0, this.nTrain, this.k, this.heap);
  }

  /** Predicted reward per model for query q (a reused buffer, valid until the next call). */
  predict(q: number): Float64Array {
    const { M, pred, byPattern, patternDone, byQuery } = this;
    const pat = this.env.contexts.pattern;
    if (byPattern && patternDone && pat) {
      const id = pat[q];
      if (!patternDone[id]) {
        this.compute(q);
        byPattern.set(pred, id * M);
        patternDone[id] = 1;
      } else for (let m = 0; m < M; m++) pred[m] = byPattern[id * M + m];
      return pred;
    }
    if (byQuery && byQuery[q * M] === byQuery[q * M]) {
      for (let m = 0; m < M; m++) pred[m] = byQuery[q * M + m];
      return pred;
    }
    this.compute(q);
    return pred;
  }

  private compute(q: number): void {
    const { kernel } = this;
    if (this.everyQuery()) {
      this.pred.set(this.fallback);
      return;
    }
    this.fillRow(q, kernel.q, 0);
    kernel.run();
    this.fromSimilarities(kernel.out);
  }

  /** Predictions into pred from the similarities of one query to every train row. */
  private fromSimilarities(sims: Float32Array): void {
    const { sumR, sumW, nTrain } = this;
    const tau = this.threshold(sims);
    sumR.fill(0);
    sumW.fill(0);
    for (let i = 0; i < nTrain; i++) if (sims[i] >= tau) this.add(i, sims[i]);
    this.finish();
  }

  /** Add train row i, at similarity s, to the running sums. */
  private add(i: number, s: number): void {
    const { M, R, sumR, sumW } = this;
    const w = this.distance ? 1 / Math.max(1 - s, KNN_MIN_DISTANCE) : 1;
    const o = i * M;
    for (let m = 0; m < M; m++) {
      const r = R[o + m];
      if (r !== r) continue; // NaN: not usable
      sumR[m] += w * r;
      sumW[m] += w;
    }
  }

  /** The predictions from the running sums (the train mean where a model has no neighbour). */
  private finish(): void {
    const { M, sumR, sumW, pred, fallback } = this;
    for (let m = 0; m < M; m++) pred[m] = sumW[m] > 0 ? sumR[m] / sumW[m] : fallback[m];
  }

}

/** The test queries' neighbour lists at one k: row q's entries are [start[q], start[q + 1]). */
interface NeighbourLists {
  start: Int32Array;
  row: Int32Array;
  sim: Float32Array;
  isTest: Uint8Array;
}


/** The lists at a smaller k: each test query's entries with a similarity at least its k-th largest, in order. */
function restrict(base: NeighbourLists, k: number): NeighbourLists {
  const { start, row, sim, isTest } = base;
  const Q = isTest.length;
  const heap = new Float64Array(Math.max(1, k));
  const out = { start: new Int32Array(Q + 1), row: new Int32Array(row.length), sim: new Float32Array(row.length), isTest };
  let n = 0;
  for (let q = 0; q < Q; q++) {
    if (!isTest[q]) continue;
    const tau = kthLargest(sim, start[q], start[q + 1], k, heap);
    out.start[q] = n;
    for (let a = start[q]; a < start[q + 1]; a++) {
      if (!(sim[a] >= tau)) continue;
      out.row[n] = row[a];
      out.sim[n++] = sim[a];
    }
    out.start[q + 1] = n;
  }
  return { ...out, row: out.row.slice(0, n), sim: out.sim.slice(0, n) };
}

/** Neighbour lists by contexts, train rows and k (shared by the λ values of a sweep). */
const LISTS = new WeakMap<ContextSet, WeakMap<Int32Array, Map<number, NeighbourLists>>>();

/**
 * Fitted models by train part and parameters: the runs of a replay share one (a kNN router's predictions do
 * not depend on the query order, and the neighbour search is its whole cost).
 */
const FITTED = sharedCache<KnnModel>();

export class Knn extends StatelessPolicy {
  readonly name = 'knn';
  private readonly model: KnnModel;
  private readonly am: ArgMax;

  constructor(env: PolicyEnv, p: KnnParams, t: TrainData) {
    super();
    this.model = shared(FITTED, env.contexts, t, `${p.k},${p.weighting},${p.se}`, () => new KnnModel(env, p, t));
    this.am = new ArgMax(env.rules.ties === 'uniform', env.rng);
  }

  /** Neighbours used (given, or chosen on the train part when the parameter is 0). */
  get k(): number {
    return this.model.k;
  }

  fitted(): Params {
    return { k: this.model.k };
  }

  /** Predicted reward per model for query q (a reused buffer, valid until the next call). */
  predict(q: number): Float64Array {
    return this.model.predict(q);
  }

  select(q: number, arms: Int32Array, n: number): number {
    const pred = this.predict(q);
    const { am } = this;
    am.reset();
    for (let i = 0; i < n; i++) am.offer(arms[i], pred[arms[i]]);
    return am.result();
  }
}

export const knnFactory: PolicyFactory<KnnParams> = {
  name: 'knn',
  description: 'k nearest train queries by cosine similarity of the context; best mean train reward among them (docs/model.md §5.9)',
  contextual: true,
  params: [
    { name: 'k', default: 0, min: 0, integer: true, description: 'neighbours (a whole number; ties with the k-th are kept); 0: chosen by leave-one-out on the train part' },
    { name: 'weighting', default: 0, min: 0, max: 1, integer: true, description: '0: uniform mean; 1: weights 1/(1 − cosine)' },
    { name: 'se', default: 0, min: 0, description: 'with k 0: take the largest k (or every train query) whose leave-one-out reward is within se standard errors of the best (1: the one-standard-error rule, closer to the train-best model)' },
  ],
  rewardIndependent: false,
  hindsight: false,
  train: true,
  create: (env, p, _h, t) => new Knn(env, p, needTrain('knn', t)),
};
