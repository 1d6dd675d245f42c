/**
 * `embed` contexts: a dense text embedding computed in-process, with no model download. Hashed word uni-
 * and bigrams and character 4-grams of the lower-cased text (first 1000 characters), sub-linear TF (1 + ln c) times IDF fitted on
 * the training texts, L2-normalised; then a seeded sparse random projection to `dim` dimensions (each
 * hash bucket adds ±1/√s to s distinct output coordinates, a sparse Johnson–Lindenstrauss transform, so
 * cosines are kept approximately), re-normalised to unit length.
 */
import { DataError, UsageError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { type ContextSet, denseContexts } from './context.js';
import { FNV_OFFSET, type SparseVec, combine, fnvStep, mix32 } from './hashing.js';
import { ASCII, C_SPACE, C_WORD, classOf } from './textscan.js';
import { type Pca, fitPca } from './pca.js';

export interface EmbedOptions {
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

export interface Embedder {
  /** Output width. */
  dim: number;
  /** Width of the random projection (`dim` without PCA). */
  projDim: number;
  /** Principal components over the projection, fitted on the training texts; null for 'random'. */
  pca: Pca | null;
  hashBits: number;
  wordNgrams: [number, number];
  charNgrams: [number, number];
  maxChars: number;
  /** IDF per hash bucket, fitted on the training texts: ln((1 + N) / (1 + df)) + 1. */
  idf: Float64Array;
  /**
   * Projection key, drawn from the seed: bucket i adds ±1/√s to one coordinate in each of s blocks of
   * the output (block construction: the s coordinates are distinct), coordinate and sign hashed from
   * (key, i, block) — no table to look up in the hot loop.
   */
  key: number;
  sparsity: number;
}

const MAX_DIM = 4096;

function intIn(v: number, name: string, lo: number, hi: number): number {
  if (!Number.isInteger(v) || v < lo || v > hi) throw new UsageError(`embed: ${name} must be an integer in [${lo}, ${hi}], got ${v}`);
  return v;
}

/** Fit IDF on `train` (the training part of the queries) and draw the projection for `opts.seed`. */
export function fitEmbedder(train: readonly string[], opts: EmbedOptions = {}): Embedder {
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
  const D = 1 << hashBits;
  const df = new Float64Array(D);
  const sc = new Scanner(hashBits);
  for (const t of train) {
    const n = sc.scan(t, maxChars, wordNgrams, charNgrams);
    for (let k = 0; k < n; k++) {
      df[sc.touched[k]]++;
      sc.count[sc.touched[k]] = 0;
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
  if (reduce === 'random') return e;
  const rows = embedTexts(e, train);
  return { ...e, dim, pca: fitPca(rows, train.length, projDim, dim, seed) };
}

const SALT_WORD = 0x5bd1e995;
const SALT_CHAR = 0x27d4eb2f;
const POLY = 0x01000193;
/** 1 + ln c for small counts, so the hot loop does not call Math.log. */
const LOG_TF = Float64Array.from({ length: 256 }, (_, c) => (c > 0 ? 1 + Math.log(c) : 0));

/** Counts a text's hashed n-grams into a reusable dense array; `touched` lists the non-zero buckets. */
class Scanner {
  readonly count: Float64Array;
  touched: Int32Array;
  private readonly mask: number;
  private chars = new Int32Array(1024);
  private prefix = new Int32Array(1025);
  private pow = new Int32Array(9);

  constructor(hashBits: number) {
    this.count = new Float64Array(1 << hashBits);
    this.touched = new Int32Array(1024);
    this.mask = (1 << hashBits) - 1;
    this.pow[0] = 1;
    for (let n = 1; n < 9; n++) this.pow[n] = Math.imul(this.pow[n - 1], POLY);
  }

  private prevTok = 0;
  private haveTok = false;

  /** Count a word token (hash h) as a unigram and, after another token, a bigram. */
  private token(h: number, n: number, unigrams: boolean, bigrams: boolean): number {
    if (unigrams) n = this.bump(h, n);
    if (bigrams && this.haveTok) n = this.bump(combine(this.prevTok, h), n);
    this.prevTok = h;
    this.haveTok = true;
    return n;
  }

  private bump(h: number, n: number): number {
    const i = h & this.mask;
    if (this.count[i] === 0) {
      if (n === this.touched.length) {
        const t = new Int32Array(2 * n);
        t.set(this.touched);
        this.touched = t;
      }
      this.touched[n++] = i;
    }
    this.count[i]++;
    return n;
  }

  /**
   * Lower-case `text` (its head and tail within `maxChars` units, see `window`), count word n-grams (runs of word characters; any other
   * non-space character is a token of its own) and character n-grams (whitespace runs read as one space);
   * return the number of touched buckets. The caller resets `count` at the touched buckets.
   */
  scan(text: string, maxChars: number, w: readonly number[], c: readonly number[]): number {
    const s = window(text, maxChars).toLowerCase();
    if (this.chars.length < s.length + 1) {
      this.chars = new Int32Array(2 * s.length + 1);
      this.prefix = new Int32Array(2 * s.length + 2);
    }
    const chars = this.chars;
    let nChar = 0;
    let nt = 0;
    const w0h = (FNV_OFFSET ^ SALT_WORD) >>> 0;
    let cur = w0h;
    let inWord = false;
    this.haveTok = false;
    let space = false;
    const bigrams = w[0] <= 2 && w[1] >= 2;
    const unigrams = w[0] === 1 && w[1] >= 1;
    for (let i = 0; i <= s.length; i++) {
      const ch = i < s.length ? s.charCodeAt(i) : 32;
      const k = ch < 128 ? ASCII[ch] : classOf(ch);
      if (k & C_WORD) {
        cur = fnvStep(cur, ch);
        inWord = true;
        if (space) chars[nChar++] = 32;
        space = false;
        chars[nChar++] = ch;
        continue;
      }
      if (inWord) nt = this.token(mix32(cur), nt, unigrams, bigrams);
      inWord = false;
      cur = w0h;
      if (k & C_SPACE) {
        space = nChar > 0;
        continue;
      }
      // any other character is a token of its own (the sentinel at i = s.length is a space)
      nt = this.token(mix32(fnvStep(w0h, ch)), nt, unigrams, bigrams);
      if (space) chars[nChar++] = 32;
      space = false;
      chars[nChar++] = ch;
    }
    const [c0, c1] = c;
    if (c1 > 0) {
      // polynomial prefix hashes: the n-gram ending at j is prefix[j+1] − prefix[j+1−n]·POLY^n
      const prefix = this.prefix;
      prefix[0] = 0;
      for (let j = 0; j < nChar; j++) prefix[j + 1] = (Math.imul(prefix[j], POLY) + chars[j]) | 0;
      for (let n = c0; n <= c1; n++) {
        const pn = this.pow[n];
        const salt = Math.imul(SALT_CHAR, n + 1);
        for (let j = n; j <= nChar; j++) {
          const h = (prefix[j] - Math.imul(prefix[j - n], pn)) | 0;
          nt = this.bump(mix32((h ^ salt) >>> 0), nt);
        }
      }
    }
    return nt;
  }
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
 * Embed texts into a Q×dim row-major matrix of unit rows (a text without n-grams gives a zero row). The
 * counting array and buffers are reused: no allocation per text beyond its lower-cased copy.
 */
export function embedTexts(e: Embedder, texts: readonly string[]): Float64Array {
  const { dim, projDim: pd, pca, idf, key, sparsity: sp } = e;
  // block t covers coordinates [start[t], start[t+1])
  const start = Int32Array.from({ length: sp + 1 }, (_, t) => Math.floor((t * pd) / sp));
  const out = new Float64Array(texts.length * dim);
  // with PCA the projection goes to a scratch row first
  const buf = pca ? new Float64Array(pd) : out;
  const basis = pca ? pca.basis : buf;
  const mean = pca ? pca.mean : buf;
  const sc = new Scanner(e.hashBits);
  const count = sc.count;
  const scale = 1 / Math.sqrt(sp);
  for (let q = 0; q < texts.length; q++) {
    const off = pca ? 0 : q * dim;
    if (pca) buf.fill(0);
    const n = sc.scan(texts[q], e.maxChars, e.wordNgrams, e.charNgrams);
    const touched = sc.touched;
    for (let k = 0; k < n; k++) {
      const i = touched[k];
      const c = count[i];
      count[i] = 0;
      const w = (c < 256 ? LOG_TF[c] : 1 + Math.log(c)) * idf[i] * scale;
      let h = mix32((Math.imul(i, 0x9e3779b1) ^ key) >>> 0);
      for (let t = 0; t < sp; t++) {
        const len = start[t + 1] - start[t];
        buf[off + start[t] + ((h >>> 1) % len)] += h & 1 ? -w : w;
        h = mix32((h + 0x6d2b79f5) >>> 0);
      }
    }
    if (pca) {
      // unit projection, centred, onto the components
      let b2 = 0;
      for (let j = 0; j < pd; j++) b2 += buf[j] * buf[j];
      if (b2 === 0) continue;
      const rb = 1 / Math.sqrt(b2);
      for (let j = 0; j < pd; j++) buf[j] = buf[j] * rb - mean[j];
      const o = q * dim;
      for (let c = 0; c < dim; c++) {
        let z = 0;
        const row = c * pd;
        for (let j = 0; j < pd; j++) z += basis[row + j] * buf[j];
        out[o + c] = z;
      }
    }
    // the TF-IDF norm cancels in the final normalisation, so it is never computed
    const o = q * dim;
    let n2 = 0;
    for (let j = 0; j < dim; j++) n2 += out[o + j] * out[o + j];
    if (n2 > 0) {
      const r = 1 / Math.sqrt(n2);
      for (let j = 0; j < dim; j++) out[o + j] *= r;
    }
  }
  return out;
}

export interface EmbedContextOptions extends EmbedOptions {
  /** Indices of the texts IDF is fitted on (the train part); default all. */
  train?: readonly number[];
}

/** `embed` contexts of queries: [1, e_1 … e_dim] per query, slot names `embed=j`. */
export function embedContexts(texts: readonly string[], opts: EmbedContextOptions = {}): ContextSet {
  const fitOn = opts.train ? opts.train.map((i) => {
    if (!Number.isInteger(i) || i < 0 || i >= texts.length) throw new UsageError(`embed: train index ${i} is out of range [0, ${texts.length})`);
    return texts[i];
  }) : texts;
  const e = fitEmbedder(fitOn, opts);
  const c = denseContexts(embedTexts(e, texts), texts.length, e.dim);
  return { ...c, names: ['bias', ...Array.from({ length: e.dim }, (_, j) => `embed=${j}`)] };
}

export interface UserEmbeddingOptions {
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

/** The part of a text an embedding reads: all of it, or its head (¼ of `maxChars`) and tail (the rest). */
export function window(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const head = maxChars >> 2;
  return `${text.slice(0, head)}\n${text.slice(text.length - (maxChars - head - 1))}`;
}
