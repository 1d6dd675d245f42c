/**
 * Semantic cluster (docs/features.md, semantic cluster): online k-means with cosine assignment over unit vectors — either hashed
 * word vectors of the full prompt (in place of the reference's sentence embedding), or caller-supplied
 * embeddings of any dimension.
 *
 * Text vectors: words as the Flesch count splits them (whitespace-delimited, punctuation removed, ASCII
 * letters lower-cased: `scanText` in flesch.ts, so one pass serves both), log term frequency, projected
 * by signed feature hashing into 2^dimBits dimensions, normalised, centred on the batch mean, normalised
 * again.
 * Bag-of-words vectors share a large common component (function words, prompt templates); without
 * centring, the running mean of whichever centroid is fed first ends up closest to every query and one
 * cluster takes nearly all of them.
 *
 * Reference initialisation ('first-distinct'): collect the first k distinct vectors (distinct = not
 * np.allclose with atol 1e-6 and the default rtol 1e-5 to any collected one: some coordinate differs by
 * more than 1e-6 + 1e-5·|collected coordinate|); queries seen before that get cluster 0; the k-th distinct query
 * sets the centroids (each count 1) and gets its argmax. Afterwards c = argmax cos(x, μ_c), n_c += 1,
 * μ_c += (x − μ_c)/n_c. 'kmeans++' instead picks the k seeds by seeded k-means++ over the whole batch
 * and then streams every query the same way (a seed query itself is assigned but not added again).
 * A query without text gets −1; an all-zero vector (text without words) gets 0 and moves no centroid.
 */
import { Rng } from '../core/rng.js';
import { mix32 } from './hashing.js';
import { type TextCounts, type WordSink, scanText } from './flesch.js';

export type ClusterInit = 'first-distinct' | 'kmeans++';

interface ClusterOptions {
  /** Number of clusters (default 3, docs/features.md, semantic cluster). */
  k?: number;
  /** Default 'first-distinct' (the reference's). */
  init?: ClusterInit;
  /** Drives the k-means++ draw. Default 0. */
  seed?: number;
}

interface TextVectorOptions {
  /** log2 of the vector dimension (default 9: 512 dimensions). */
  dimBits?: number;
  /** Centre on the batch mean (default true; see the module comment). */
  center?: boolean;
  /** Salts the hash projection. Default 0. */
  seed?: number;
}

/** n unit vectors of dimension dim, row-major. */
export interface VectorBatch {
  dim: number;
  n: number;
  data: Float64Array;
}

const SALT_PROJ = 0x3c6ef372;

const TOKEN_BITS = 16;
const TOKEN_MASK = (1 << TOKEN_BITS) - 1;
/** 1 + ln(c) for small counts. */
const LOG_TF = Float64Array.from({ length: 64 }, (_, c) => (c > 0 ? 1 + Math.log(c) : 0));
const projCache = new Map<string, Int32Array>();

/** Signed target index of each token bucket for a seed and dimension (sign in the top bit). */
function projection(seed: number, dim: number): Int32Array {
  const key = `${seed}:${dim}`;
  let p = projCache.get(key);
  if (!p) {
    p = new Int32Array(1 << TOKEN_BITS);
    for (let j = 0; j < p.length; j++) {
      const h = mix32((j ^ seed ^ SALT_PROJ) >>> 0);
      p[j] = (h & (dim - 1)) | (h & 0x80000000);
    }
    if (projCache.size > 8) projCache.clear();
    projCache.set(key, p);
  }
  return p;
}

/** Hashed word vectors of texts (see the module comment); null and word-less texts give zero rows. */
export function textVectors(
  texts: readonly (string | null)[],
  opts: TextVectorOptions = {},
  onCounts?: (i: number, counts: TextCounts) => void,
): VectorBatch {
  const dim = 1 << (opts.dimBits ?? 9);
  const seed = (opts.seed ?? 0) >>> 0;
  const n = texts.length;
  const data = new Float64Array(n * dim);
  const proj = projection(seed, dim);
  const sink: WordSink = { buf: new Int32Array(4096), n: 0 };
  // per-text term counts over token buckets, reset after each text
  const tf = new Int32Array(1 << TOKEN_BITS);
  let touched = new Int32Array(4096);
  for (let i = 0; i < n; i++) {
    const t = texts[i];
    if (t === null) continue;
    sink.n = 0;
    const counts = scanText(t, sink);
    if (onCounts) onCounts(i, counts);
    if (touched.length < sink.n) touched = new Int32Array(sink.buf.length);
    let m = 0;
    for (let j = 0; j < sink.n; j++) {
      const bucket = mix32(sink.buf[j]) & TOKEN_MASK;
      if (tf[bucket]++ === 0) touched[m++] = bucket;
    }
    const off = i * dim;
    for (let j = 0; j < m; j++) {
      const bucket = touched[j];
      const c = tf[bucket];
      tf[bucket] = 0;
      const w = c < LOG_TF.length ? LOG_TF[c] : 1 + Math.log(c);
      const p = proj[bucket];
      // p holds the target index, with the sign in the top bit
      data[off + (p & 0x7fffffff)] += p < 0 ? -w : w;
    }
  }
  const b = { dim, n, data };
  if (opts.center ?? true) centerRows(b);
  else normalizeRows(b);
  return b;
}

/**
 * Normalise the rows, subtract the mean of the non-zero normalised rows from each non-zero row, and
 * normalise again (fewer than two non-zero rows: normalise only).
 */
function centerRows(b: VectorBatch): void {
  const { dim, n, data } = b;
  const mean = new Float64Array(dim);
  const live = new Uint8Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const off = i * dim;
    const s = rowNorm2(b, i);
    if (s === 0) continue;
    live[i] = 1;
    m++;
    const r = 1 / Math.sqrt(s);
    for (let j = 0; j < dim; j++) {
      const x = data[off + j] * r;
      data[off + j] = x;
      mean[j] += x;
    }
  }
  if (m < 2) return;
  for (let j = 0; j < dim; j++) mean[j] /= m;
  for (let i = 0; i < n; i++) {
    if (!live[i]) continue;
    const off = i * dim;
    let s = 0;
    for (let j = 0; j < dim; j++) {
      const x = data[off + j] - mean[j];
      data[off + j] = x;
      s += x * x;
    }
    if (s > 0) {
      const r = 1 / Math.sqrt(s);
      for (let j = 0; j < dim; j++) data[off + j] *= r;
    }
  }
}

function normalizeRows(b: VectorBatch): void {
  for (let i = 0; i < b.n; i++) {
    const s = rowNorm2(b, i);
    if (s > 0) {
      const r = 1 / Math.sqrt(s);
      const off = i * b.dim;
      for (let j = 0; j < b.dim; j++) b.data[off + j] *= r;
    }
  }
}

function rowNorm2(b: VectorBatch, i: number): number {
  let s = 0;
  const off = i * b.dim;
  for (let j = 0; j < b.dim; j++) s += b.data[off + j] * b.data[off + j];
  return s;
}

/**
 * Unit-normalised copy of caller-supplied embeddings (row arrays, or a flat row-major array with `dim`).
 * Throws on ragged rows or non-finite values; `center` (default false, as the reference) centres them.
 */
export function embeddingVectors(
  rows: Float64Array | readonly (readonly number[])[],
  dim?: number,
  center = false,
): VectorBatch {
  let data: Float64Array;
  let d: number;
  if (rows instanceof Float64Array) {
    if (!dim || dim <= 0 || rows.length % dim !== 0) {
      throw new Error(`embedding data of length ${rows.length} is not a multiple of dim ${dim}`);
    }
    d = dim;
    data = Float64Array.from(rows);
  } else {
    d = dim ?? (rows.length > 0 ? rows[0].length : 0);
    data = new Float64Array(rows.length * d);
    rows.forEach((row, i) => {
      if (row.length !== d) throw new Error(`embedding row ${i} has ${row.length} values, expected ${d}`);
      for (let j = 0; j < d; j++) data[i * d + j] = row[j];
    });
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new Error(`embedding row ${Math.floor(i / d)} has a non-finite value`);
  }
  const b = { dim: d, n: d > 0 ? data.length / d : 0, data };
  normalizeRows(b);
  if (center) centerRows(b);
  return b;
}

/** Online k-means over unit rows with cosine assignment; centroids keep ‖μ‖ for the cosine. */
class OnlineKMeans {
  readonly k: number;
  readonly dim: number;
  private readonly mu: Float64Array;
  private readonly norm: Float64Array;
  private readonly count: Float64Array;

  constructor(k: number, dim: number) {
    this.k = k;
    this.dim = dim;
    this.mu = new Float64Array(k * dim);
    this.norm = new Float64Array(k);
    this.count = new Float64Array(k);
  }

  seed(c: number, b: VectorBatch, i: number): void {
    this.mu.set(b.data.subarray(i * b.dim, (i + 1) * b.dim), c * this.dim);
    this.count[c] = 1;
    this.norm[c] = Math.sqrt(rowNorm2(b, i));
  }

  /** argmax_c cos(x, μ_c), ties to the lowest c. */
  nearest(b: VectorBatch, i: number): number {
    const d = this.dim;
    const off = i * d;
    let best = 0;
    let bestCos = -Infinity;
    for (let c = 0; c < this.k; c++) {
      const mo = c * d;
      let dot = 0;
      for (let j = 0; j < d; j++) dot += this.mu[mo + j] * b.data[off + j];
      const cos = this.norm[c] > 0 ? dot / this.norm[c] : 0;
      if (cos > bestCos) {
        bestCos = cos;
        best = c;
      }
    }
    return best;
  }

  /** n_c += 1; μ_c += (x − μ_c)/n_c (docs/features.md, semantic cluster). */
  update(c: number, b: VectorBatch, i: number): void {
    const n = ++this.count[c];
    const d = this.dim;
    const mo = c * d;
    const off = i * d;
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = this.mu[mo + j] + (b.data[off + j] - this.mu[mo + j]) / n;
      this.mu[mo + j] = v;
      s += v * v;
    }
    this.norm[c] = Math.sqrt(s);
  }
}

/**
 * Row i is not all-close to the collected row j: the reference's `np.allclose(x_i, x_j, atol=1e-6)`, whose
 * default rtol 1e-5 also applies, i.e. some coordinate has |x_i − x_j| > 1e-6 + 1e-5·|x_j|.
 */
function distinct(b: VectorBatch, i: number, j: number): boolean {
  const d = b.dim;
  for (let t = 0; t < d; t++) {
    const y = b.data[j * d + t];
    if (Math.abs(b.data[i * d + t] - y) > 1e-6 + 1e-5 * Math.abs(y)) return true;
  }
  return false;
}

function dotRows(b: VectorBatch, i: number, j: number): number {
  let s = 0;
  for (let t = 0; t < b.dim; t++) s += b.data[i * b.dim + t] * b.data[j * b.dim + t];
  return s;
}

/** Seeded k-means++ on unit rows (squared distance 2 − 2·cos); up to k row indices. */
function kmeansPlusPlus(b: VectorBatch, k: number, rng: Rng, cand: number[]): number[] {
  if (cand.length === 0) return [];
  const seeds = [cand[rng.int(cand.length)]];
  const d2 = new Float64Array(cand.length);
  for (let t = 0; t < cand.length; t++) d2[t] = Math.max(0, 2 - 2 * dotRows(b, cand[t], seeds[0]));
  while (seeds.length < k) {
    let total = 0;
    for (let t = 0; t < cand.length; t++) total += d2[t];
    if (!(total > 1e-12)) break;
    let r = rng.next() * total;
    let pick = cand.length - 1;
    for (let t = 0; t < cand.length; t++) {
      r -= d2[t];
      if (r < 0) {
        pick = t;
        break;
      }
    }
    const s = cand[pick];
    seeds.push(s);
    for (let t = 0; t < cand.length; t++) d2[t] = Math.min(d2[t], Math.max(0, 2 - 2 * dotRows(b, cand[t], s)));
  }
  return seeds;
}

/**
 * Cluster ids in batch order. Rows with `present(i) === false` get −1 and are skipped; all-zero rows get 0.
 */
export function onlineKMeans(b: VectorBatch, opts: ClusterOptions = {}, present: (i: number) => boolean = () => true): Int32Array {
  const k = opts.k ?? 3;
  if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a positive integer, got ${k}`);
  const out = new Int32Array(b.n);
  const km = new OnlineKMeans(k, b.dim);
  const live: number[] = [];
  for (let i = 0; i < b.n; i++) {
    if (!present(i)) out[i] = -1;
    else if (rowNorm2(b, i) === 0) out[i] = 0;
    else live.push(i);
  }
  if ((opts.init ?? 'first-distinct') === 'kmeans++') {
    const seeds = kmeansPlusPlus(b, k, new Rng(opts.seed ?? 0), live);
    if (seeds.length === k) {
      seeds.forEach((s, c) => km.seed(c, b, s));
      const seedOf = new Map(seeds.map((s, c) => [s, c]));
      for (const i of live) {
        const own = seedOf.get(i);
        if (own !== undefined) {
          out[i] = own;
          continue;
        }
        const c = km.nearest(b, i);
        out[i] = c;
        km.update(c, b, i);
      }
      return out;
    }
    // fewer than k distinct directions: fall back to the reference scheme below
  }
  const seeds: number[] = [];
  let ready = false;
  for (const i of live) {
    if (!ready) {
      if (seeds.every((s) => distinct(b, i, s))) seeds.push(i);
      if (seeds.length < k) {
        out[i] = 0;
        continue;
      }
      seeds.forEach((s, c) => km.seed(c, b, s));
      ready = true;
      out[i] = km.nearest(b, i);
      continue;
    }
    const c = km.nearest(b, i);
    out[i] = c;
    km.update(c, b, i);
  }
  return out;
}

/** Cluster texts in order (null → −1). */
export function clusterTexts(texts: readonly (string | null)[], opts: ClusterOptions & TextVectorOptions = {}): Int32Array {
  return onlineKMeans(textVectors(texts, opts), opts, (i) => texts[i] !== null);
}

/**
 * Purity against reference labels: the share of items whose cluster's most common label is their own.
 * Items with cluster −1 are left out; NaN when none is left.
 */
export function clusterPurity(clusters: ArrayLike<number>, labels: readonly string[]): number {
  const byCluster = new Map<number, Map<string, number>>();
  let n = 0;
  for (let i = 0; i < clusters.length; i++) {
    const c = clusters[i];
    if (c < 0) continue;
    n++;
    let m = byCluster.get(c);
    if (!m) byCluster.set(c, (m = new Map()));
    m.set(labels[i], (m.get(labels[i]) ?? 0) + 1);
  }
  let hit = 0;
  for (const m of byCluster.values()) hit += Math.max(...m.values());
  return n > 0 ? hit / n : Number.NaN;
}
