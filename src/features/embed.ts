/**
 * `embed` contexts: a dense text embedding computed in-process, with no model download. Hashed word uni-
 * and bigrams and character 4-grams of the lower-cased text (its head and tail within 1000 characters, `maxChars`), sub-linear TF (1 + ln c) times IDF fitted on
 * the training texts, L2-normalised; then a seeded sparse random projection to `dim` dimensions (each
 * hash bucket adds ±1/√s to s distinct output coordinates, a sparse Johnson–Lindenstrauss transform, so
 * cosines are kept approximately), re-normalised to unit length. With `reduce: 'pca'` (what runs use) the
 * projection is wider and the top `dim` principal components of the training rows follow (pca.ts).
 * docs/features.md, "Text embedding".
 */
import { DataError, UsageError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { type ContextSet, denseContexts } from './context.js';
import type { SparseVec } from './hashing.js';
import { fitPca } from './pca.js';
import { projKernel } from './pcaKernel.js';
import { CountCache, LOG_TF, Scanner } from './embedScan.js';
import { BLOCK, Projector, hasRecordTable, projectBlock, type Embedder } from './embedProject.js';

export { window } from './embedScan.js';

interface EmbedOptions {
  /** Output dimension (default 64). */
  dim?: number;
  /** Seeds the projection (default 0). */
  seed?: number;
  /** log2 of the hash buckets (default 16). */
  hashBits?: number;
  /** Inclusive word n-gram range (default [1, 2]). */
  wordNgrams?: [number, number];
  /** Inclusive character n-gram range (default [4, 4]; [3, 5] reads more but runs at about half the speed). */
  charNgrams?: [number, number];
  /**
   * At most `maxChars` UTF-16 units of a text are read (default 1000), bounding the cost per query: a longer
   * text contributes its first quarter and its last three quarters of that budget, since few-shot and templated
   * prompts share their opening and differ in the question at the end.
   */
  maxChars?: number;
  /** Non-zeros per bucket in the projection (default 4). */
  sparsity?: number;
  /**
   * 'random' (default): the seeded projection goes straight to `dim`. 'pca': project to `pcaFrom`
   * dimensions, then keep the top `dim` principal components fitted on the training texts.
   */
  reduce?: 'random' | 'pca';
  /** Width of the random projection before PCA (default max(256, 2·dim)). */
  pcaFrom?: number;
}

const MAX_DIM = 4096;

function intIn(v: number, name: string, lo: number, hi: number): number {
  if (!Number.isInteger(v) || v < lo || v > hi) throw new UsageError(`embed: ${name} must be an integer in [${lo}, ${hi}], got ${v}`);
  return v;
}

/**
 * Most principal components `reduce: 'pca'` can give from n training texts: the centred rows span at most
 * n − 1 dimensions, and no more than the 2^hashBits hashed TF-IDF coordinates they come from.
 */
export function pcaMaxDim(nTrain: number, hashBits = 16): number {
  return Math.max(0, Math.min(nTrain - 1, 2 ** hashBits));
}

/** Fit IDF on `train` (the training part of the queries) and draw the projection for `opts.seed`. */
export function fitEmbedder(train: readonly string[], opts: EmbedOptions = {}): Embedder {
  return fit(train, opts).e;
}

/** fitEmbedder, with the unit projected train rows the PCA was fitted on (null without PCA). */
function fit(train: readonly string[], opts: EmbedOptions): { e: Embedder; rows: Float64Array | null } {
  const dim = intIn(opts.dim ?? 64, 'dim', 1, MAX_DIM);
  const hashBits = intIn(opts.hashBits ?? 16, 'hashBits', 8, 24);
  const seed = intIn(opts.seed ?? 0, 'seed', 0, 0xffffffff);
  const maxChars = intIn(opts.maxChars ?? 1000, 'maxChars', 1, 1 << 24);
  const reduce = opts.reduce ?? 'random';
  if (reduce !== 'random' && reduce !== 'pca') throw new UsageError(`embed: reduce must be 'random' or 'pca', got '${String(reduce)}'`);
  const projDim = reduce === 'pca' ? intIn(opts.pcaFrom ?? Math.min(MAX_DIM, Math.max(256, 2 * dim)), 'pcaFrom', dim, MAX_DIM) : dim;
  const sparsity = intIn(opts.sparsity ?? 4, 'sparsity', 1, Math.min(projDim, 64));
  const wordNgrams = opts.wordNgrams ?? [1, 2];
  const charNgrams = opts.charNgrams ?? [4, 4];
  for (const [r, name, min] of [[wordNgrams, 'wordNgrams', 1], [charNgrams, 'charNgrams', 1]] as const) {
    const ok = r.length === 2 && r.every((x) => Number.isInteger(x) && x >= 0 && x <= 8) && r[0] <= r[1] && (r[1] === 0 || r[0] >= min);
    if (!ok) throw new UsageError(`embed: ${name} must be [lo, hi] with ${min} <= lo <= hi <= 8 (or [0, 0]), got ${JSON.stringify(r)}`);
  }
  if (reduce === 'pca' && dim > pcaMaxDim(train.length, hashBits)) {
    // refused, not capped: the context width is what the caller asked for (docs/features.md, "Dense contexts")
    const why = train.length - 1 <= 2 ** hashBits ? `${train.length} training texts give at most ${pcaMaxDim(train.length, hashBits)} (one fewer than the texts)` : `2^${hashBits} hash buckets give at most ${2 ** hashBits}`;
    throw new UsageError(`embed: dim ${dim} is more principal components than the PCA can fit: ${why}`);
  }
  const D = 1 << hashBits;
  const df = new Int32Array(D);
  const sc = new Scanner(hashBits);
  // the PCA projects every train text again once the IDF is known: its buckets and counts are kept from this
  // pass (up to CACHE_ENTRIES pairs) so it is not scanned twice
  const cache = reduce === 'pca' && hashBits <= 16 && hasRecordTable(hashBits, sparsity) ? new CountCache(train.length) : null;
  for (let q = 0; q < train.length; q++) {
    const n = sc.scan(train[q], maxChars, wordNgrams, charNgrams);
    const { touched, count } = sc;
    if (cache && cache.reserve(n, q)) {
      const { idx, cnt } = cache;
      const at = cache.n;
      let big = 0;
      for (let k = 0; k < n; k++) {
        const i = touched[k];
        const c = count[i];
        df[i]++;
        count[i] = 0;
        idx[at + k] = i;
        cnt[at + k] = c;
        big |= c >>> 8;
      }
      if (big === 0) {
        cache.from[q] = at;
        cache.n += n;
        cache.to[q] = cache.n;
      }
      continue;
    }
    for (let k = 0; k < n; k++) {
      df[touched[k]]++;
      count[touched[k]] = 0;
    }
  }
  const idf = new Float64Array(D);
  const n = train.length;
  for (let i = 0; i < D; i++) idf[i] = Math.log((1 + n) / (1 + df[i])) + 1;
  const key = new Rng(seed).nextU32();
  const e: Embedder = {
    dim: projDim,
    projDim,
    pca: null,
    hashBits,
    wordNgrams: [wordNgrams[0], wordNgrams[1]],
    charNgrams: [charNgrams[0], charNgrams[1]],
    maxChars,
    idf,
    key,
    sparsity,
  };
  if (reduce === 'random') return { e, rows: null };
  const rows = new Float64Array(train.length * projDim);
  const proj = new Projector(e);
  for (let q = 0; q < train.length; q++) {
    const at = cache ? cache.from[q] : -1;
    if (at >= 0) proj.projectCounts(cache!.idx, cache!.cnt, at, cache!.to[q], rows, q * projDim);
    else proj.project(train[q], rows, q * projDim);
  }
  return { e: { ...e, dim, pca: fitPca(rows, train.length, projDim, dim) }, rows };
}

/** The un-projected TF-IDF vector of a text (unit L2 norm; empty for a text without n-grams). */
export function tfidfVector(e: Embedder, text: string): SparseVec {
  const sc = new Scanner(e.hashBits);
  const n = sc.scan(text, e.maxChars, e.wordNgrams, e.charNgrams);
  const idx = Int32Array.from(sc.touched.subarray(0, n));
  const val = new Float64Array(n);
  let s2 = 0;
  for (let k = 0; k < n; k++) {
    const c = sc.count[idx[k]];
    val[k] = (c < 256 ? LOG_TF[c] : 1 + Math.log(c)) * e.idf[idx[k]];
    s2 += val[k] * val[k];
  }
  if (s2 > 0) for (let k = 0; k < n; k++) val[k] /= Math.sqrt(s2);
  return { idx, val };
}

/**
 * Embed texts into a Q×dim row-major matrix of unit rows (a text without n-grams gives a zero row).
 * `known` (PCA only) supplies already projected rows: text q's unit projection is known.rows[known.at[q]]
 * when known.at[q] ≥ 0 (the train rows the PCA was fitted on), so those texts are not scanned again.
 */
function embedWith(e: Embedder, texts: readonly string[], known: { rows: Float64Array; at: Int32Array } | null): Float64Array {
  const { dim, projDim: pd, pca } = e;
  const out = new Float64Array(texts.length * dim);
  const proj = new Projector(e);
  if (!pca) {
    for (let q = 0; q < texts.length; q++) proj.project(texts[q], out, q * dim);
    return out;
  }
  const { mean } = pca;
  const kern = projKernel(pca.basis, pca.m, pca.k);
  // centred unit projections of up to BLOCK texts, and the output rows they go to
  const XC = new Float64Array(BLOCK * pd);
  const dest = new Int32Array(BLOCK);
  let nb = 0;
  for (let q = 0; q < texts.length; q++) {
    const at = known ? known.at[q] : -1;
    const x = nb * pd;
    let any: boolean;
    if (at >= 0) {
      const rows = known!.rows;
      any = false;
      for (let j = 0; j < pd; j++) {
        any ||= rows[at * pd + j] !== 0;
        XC[x + j] = rows[at * pd + j] - mean[j];
      }
    } else {
      XC.fill(0, x, x + pd);
      any = proj.project(texts[q], XC, x);
      if (any) for (let j = 0; j < pd; j++) XC[x + j] -= mean[j];
    }
    // a text without n-grams keeps its zero row
    if (!any) continue;
    dest[nb++] = q;
    if (nb === BLOCK) {
      projectBlock(pca, XC, nb, dest, out, kern);
      nb = 0;
    }
  }
  if (nb > 0) projectBlock(pca, XC, nb, dest, out, kern);
  return out;
}

/** Embed texts into a Q×dim row-major matrix of unit rows (a text without n-grams gives a zero row). */
export function embedTexts(e: Embedder, texts: readonly string[]): Float64Array {
  return embedWith(e, texts, null);
}

interface EmbedContextOptions extends EmbedOptions {
  /** Indices of the texts IDF is fitted on (the train part); default all. */
  train?: readonly number[];
}

/** `embed` contexts of queries: [1, e_1 … e_dim] per query, slot names `embed=j`. */
export function embedContexts(texts: readonly string[], opts: EmbedContextOptions = {}): ContextSet {
  const fitOn = opts.train ? opts.train.map((i) => {
    if (!Number.isInteger(i) || i < 0 || i >= texts.length) throw new UsageError(`embed: train index ${i} is out of range [0, ${texts.length})`);
    return texts[i];
  }) : texts;
  const { e, rows } = fit(fitOn, opts);
  // the PCA's train rows are already projected: those texts are not scanned a third time
  let known: { rows: Float64Array; at: Int32Array } | null = null;
  if (rows) {
    const at = new Int32Array(texts.length).fill(-1);
    if (opts.train) opts.train.forEach((i, r) => (at[i] = r));
    else at.forEach((_, q) => (at[q] = q));
    known = { rows, at };
  }
  const c = denseContexts(embedWith(e, texts, known), texts.length, e.dim);
  return { ...c, names: ['bias', ...Array.from({ length: e.dim }, (_, j) => `embed=${j}`)] };
}

interface UserEmbeddingOptions {
  /** Row width when `rows` is a flat array. */
  dim?: number;
  /** Scale every row to unit length (default true; all-zero rows stay zero), as `embed` rows are. */
  normalize?: boolean;
  /** Names the source in errors (e.g. the queries file). */
  file?: string;
}

/**
 * Contexts from user-supplied embeddings (`emb_0 … emb_n` per query): [1, e_0 … e_n] per query, slot
 * names `emb_j`. Rows must all have the same width and finite values; errors name the query row.
 */
export function contextsFromEmbeddings(
  rows: Float64Array | readonly (readonly number[] | Float64Array)[],
  opts: UserEmbeddingOptions = {},
): ContextSet {
  const fail = (msg: string): never => {
    throw new DataError(`embeddings: ${msg}`, opts.file);
  };
  let flat: Float64Array;
  let n: number;
  let dim: number;
  if (rows instanceof Float64Array) {
    dim = opts.dim ?? 0;
    if (!Number.isInteger(dim) || dim < 1 || dim > MAX_DIM) throw new UsageError(`embeddings: dim must be an integer in [1, ${MAX_DIM}] for a flat array, got ${dim}`);
    if (rows.length % dim !== 0) fail(`${rows.length} values do not make rows of ${dim}`);
    n = rows.length / dim;
    flat = Float64Array.from(rows);
  } else {
    n = rows.length;
    dim = n > 0 ? rows[0].length : (opts.dim ?? 0);
    if (n > 0 && (dim < 1 || dim > MAX_DIM)) fail(`row 1 has ${dim} values (1..${MAX_DIM} allowed)`);
    flat = new Float64Array(n * dim);
    for (let q = 0; q < n; q++) {
      const r = rows[q];
      if (r.length !== dim) fail(`row ${q + 1} has ${r.length} values, expected ${dim} (as row 1)`);
      for (let j = 0; j < dim; j++) flat[q * dim + j] = r[j];
    }
  }
  for (let k = 0; k < flat.length; k++) {
    if (!Number.isFinite(flat[k])) fail(`row ${Math.floor(k / dim) + 1}, emb_${k % dim} is not a finite number (${flat[k]})`);
  }
  if (opts.normalize ?? true) {
    for (let q = 0; q < n; q++) {
      // scale by the largest magnitude first so squares of huge values do not overflow
      let m = 0;
      for (let j = 0; j < dim; j++) m = Math.max(m, Math.abs(flat[q * dim + j]));
      if (m === 0) continue;
      let s2 = 0;
      for (let j = 0; j < dim; j++) s2 += (flat[q * dim + j] / m) ** 2;
      for (let j = 0; j < dim; j++) flat[q * dim + j] = (flat[q * dim + j] / m) / Math.sqrt(s2);
    }
  }
  const c = denseContexts(flat, n, dim);
  return { ...c, names: ['bias', ...Array.from({ length: dim }, (_, j) => `emb_${j}`)] };
}
