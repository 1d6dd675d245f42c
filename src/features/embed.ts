/**
 * `embed` contexts: a dense text embedding computed in-process, with no model download. Hashed word uni-
 * and bigrams and character 4-grams of the lower-cased text (first 1000 characters), sub-linear TF (1 + ln c) times IDF fitted on
 * the training texts, L2-normalised; then a seeded sparse random projection to `dim` dimensions (each
 * hash bucket adds ±1/√s to s distinct output coordinates, a sparse Johnson–Lindenstrauss transform, so
 * cosines are kept approximately), re-normalised to unit length. With `reduce: 'pca'` (what runs use) the
 * projection is wider and the top `dim` principal components of the training rows follow (pca.ts).
 * docs/features.md, "Text embedding".
 */
import { DataError, UsageError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { type ContextSet, denseContexts } from './context.js';
import { FNV_OFFSET, type SparseVec, combine, fnvStep, mix32 } from './hashing.js';
import { ASCII, C_SPACE, C_WORD, classOf } from './textscan.js';
import { type Pca, fitPca } from './pca.js';
import { type ProjKernel, projKernel } from './pcaKernel.js';

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
   * (key, i, block) — nothing to store with the embedder (a projection derives a per-bucket table from it
   * when that table is small).
   */
  key: number;
  sparsity: number;
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

/** Most (bucket, count) pairs `fit` keeps for the PCA's second pass: 2^24, 48 MB. */
const CACHE_ENTRIES = 1 << 24;

/**
 * The buckets (16-bit) and counts (8-bit) of train texts in `scan` order, 3 bytes a pair; a text that does not
 * fit, or counts an n-gram 256 times or more, is left out (and scanned again).
 */
class CountCache {
  idx: Uint16Array = new Uint16Array(1 << 16);
  cnt: Uint8Array = new Uint8Array(1 << 16);
  /** Text q's pairs are [from[q], to[q]) when from[q] ≥ 0; −1 when it was left out. */
  readonly from: Int32Array;
  readonly to: Int32Array;
  /** Pairs kept so far. */
  n = 0;

  constructor(texts: number) {
    this.from = new Int32Array(texts).fill(-1);
    this.to = new Int32Array(texts);
  }

  /**
   * Make room for n more pairs, text q's; false when that would pass CACHE_ENTRIES. A new size is what the
   * texts so far project for all of them (5 % over, at least 1.25 times the old), not a doubling: the pairs
   * are most of the fit's memory, and a doubling holds up to 1.5 times their size while it copies.
   */
  reserve(n: number, q: number): boolean {
    if (this.n + n > CACHE_ENTRIES) return false;
    if (this.n + n > this.idx.length) {
      const projected = Math.ceil(((this.n + n) / (q + 1)) * this.from.length * 1.05);
      const size = Math.min(CACHE_ENTRIES, Math.max(Math.ceil(1.25 * this.idx.length), this.n + n, projected));
      const idx = new Uint16Array(size);
      const cnt = new Uint8Array(size);
      idx.set(this.idx.subarray(0, this.n));
      cnt.set(this.cnt.subarray(0, this.n));
      this.idx = idx;
      this.cnt = cnt;
    }
    return true;
  }
}

const SALT_WORD = 0x5bd1e995;
const SALT_CHAR = 0x27d4eb2f;
const POLY = 0x01000193;
/** 1 + ln c for small counts, so the hot loop does not call Math.log. */
const LOG_TF = Float64Array.from({ length: 256 }, (_, c) => (c > 0 ? 1 + Math.log(c) : 0));

/** Counts a text's hashed n-grams into a reusable dense array; `touched` lists the non-zero buckets. */
class Scanner {
  /** Int32, not Float64: half the cache footprint of a table every n-gram touches at random. */
  readonly count: Int32Array;
  touched: Int32Array;
  private readonly mask: number;
  private chars = new Int32Array(1024);
  private prefix = new Int32Array(1025);
  private pow = new Int32Array(9);

  constructor(hashBits: number) {
    this.count = new Int32Array(1 << hashBits);
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

  /**
   * Count bucket h & mask; a first touch appends it to `touched`. Without a branch: whether a bucket is new is
   * a coin toss the CPU would mispredict (`scan` sizes `touched` for every n-gram of the text beforehand).
   */
  private bump(h: number, n: number): number {
    const i = h & this.mask;
    const c = this.count[i];
    this.touched[n] = i;
    this.count[i] = c + 1;
    // c ≥ 0, so (c − 1) >>> 31 is 1 exactly when c = 0
    return n + ((c - 1) >>> 31);
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
    // at most one word n-gram of each order per character (plus the end), one character n-gram per length
    const most = (s.length + 1) * (2 + (c[1] > 0 ? c[1] - c[0] + 1 : 0));
    if (this.touched.length < most) this.touched = new Int32Array(most);
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

/** Whether `Projector` keeps a per-bucket record table (2^hashBits·sparsity ≤ 2^20 entries). */
function hasRecordTable(hashBits: number, sparsity: number): boolean {
  return (1 << hashBits) * sparsity <= 1 << 20;
}

/**
 * The seeded sparse projection of hashed TF-IDF rows to `projDim` coordinates, scaled to unit length. The
 * counting array and buffers are reused: no allocation per text beyond its lower-cased copy.
 */
class Projector {
  private readonly sc: Scanner;
  /** Block t covers coordinates [start[t], start[t+1]). */
  private readonly start: Int32Array;
  private readonly len: Int32Array;
  /** 1 / len, for an exact remainder without an integer division (see `project`). */
  private readonly inv: Float64Array;
  private readonly scale: number;
  /**
   * Per bucket, when the table is small (2^hashBits·s ≤ 2^20): a record of `stride` doubles holding the IDF
   * (rec[i·stride]) then the projection's s codes as int16 (2·coordinate + 1 if the sign is −), so one
   * cache line gives a bucket's weight and coordinates instead of s hash mixes and a second lookup.
   */
  private readonly rec: Float64Array | null;
  private readonly rec16: Int16Array | null;
  private readonly stride: number;

  constructor(private readonly e: Embedder) {
    const { projDim: pd, sparsity: sp } = e;
    this.sc = new Scanner(e.hashBits);
    this.start = Int32Array.from({ length: sp + 1 }, (_, t) => Math.floor((t * pd) / sp));
    this.len = Int32Array.from({ length: sp }, (_, t) => this.start[t + 1] - this.start[t]);
    this.inv = Float64Array.from(this.len, (l) => 1 / l);
    this.scale = 1 / Math.sqrt(sp);
    const D = 1 << e.hashBits;
    this.stride = 1 + Math.ceil(sp / 4);
    this.rec = hasRecordTable(e.hashBits, sp) ? new Float64Array(D * this.stride) : null;
    this.rec16 = this.rec ? new Int16Array(this.rec.buffer) : null;
    if (this.rec && this.rec16) {
      for (let i = 0; i < D; i++) {
        this.rec[i * this.stride] = e.idf[i];
        let h = this.first(i);
        for (let t = 0; t < sp; t++) {
          this.rec16[4 * (i * this.stride + 1) + t] = ((this.start[t] + this.slot(h, t)) << 1) | (h & 1);
          h = mix32((h + 0x6d2b79f5) >>> 0);
        }
      }
    }
  }

  /** The hash bucket i starts from; block t's hash is mixed from the previous block's. */
  private first(i: number): number {
    return mix32((Math.imul(i, 0x9e3779b1) ^ this.e.key) >>> 0);
  }

  /** Offset in block t of the coordinate of hash h: (h >> 1) mod len without an integer division. */
  private slot(h: number, t: number): number {
    // x < 2³¹: the float quotient is exact or one too small, which the test corrects
    const x = h >>> 1;
    const L = this.len[t];
    const r = x - ((x * this.inv[t]) | 0) * L;
    return r >= L ? r - L : r;
  }

  /**
   * Add text's projection into out[off .. off+projDim) (zeroed by the caller), then scale it to unit length;
   * false (and the row left zero) for a text without n-grams.
   */
  project(text: string, out: Float64Array, off: number): boolean {
    const { idf, sparsity: sp } = this.e;
    const { sc, start, scale, rec, rec16, stride } = this;
    const count = sc.count;
    const n = sc.scan(text, this.e.maxChars, this.e.wordNgrams, this.e.charNgrams);
    const touched = sc.touched;
    if (rec && rec16) {
      for (let k = 0; k < n; k++) {
        const i = touched[k];
        const c = count[i];
        count[i] = 0;
        const r = i * stride;
        const w = (c < 256 ? LOG_TF[c] : 1 + Math.log(c)) * rec[r] * scale;
        const o = 4 * (r + 1);
        for (let t = 0; t < sp; t++) {
          const cd = rec16[o + t];
          // ±w by a multiply, not a branch on a random bit
          out[off + (cd >> 1)] += w * (1 - 2 * (cd & 1));
        }
      }
      return this.finish(out, off);
    }
    for (let k = 0; k < n; k++) {
      const i = touched[k];
      const c = count[i];
      count[i] = 0;
      const w = (c < 256 ? LOG_TF[c] : 1 + Math.log(c)) * idf[i] * scale;
      let h = this.first(i);
      for (let t = 0; t < sp; t++) {
        out[off + start[t] + this.slot(h, t)] += w * (1 - 2 * (h & 1));
        h = mix32((h + 0x6d2b79f5) >>> 0);
      }
    }
    return this.finish(out, off);
  }

  /**
   * `project` for a text whose buckets and counts were kept by `fit` (idx/cnt[from, to), in the order `scan`
   * touched them, so the sums are the same); needs the record table.
   */
  projectCounts(idx: Uint16Array, cnt: Uint8Array, from: number, to: number, out: Float64Array, off: number): boolean {
    const { sparsity: sp } = this.e;
    const { scale, stride } = this;
    const rec = this.rec!;
    const rec16 = this.rec16!;
    for (let k = from; k < to; k++) {
      // counts here are below 256 (CountCache)
      const r = idx[k] * stride;
      const w = LOG_TF[cnt[k]] * rec[r] * scale;
      const o = 4 * (r + 1);
      for (let t = 0; t < sp; t++) {
        const cd = rec16[o + t];
        out[off + (cd >> 1)] += w * (1 - 2 * (cd & 1));
      }
    }
    return this.finish(out, off);
  }

  /** Scale out[off .. off+projDim) to unit length; false for a zero row (a text without n-grams). */
  private finish(out: Float64Array, off: number): boolean {
    const pd = this.e.projDim;
    // the TF-IDF norm cancels in the normalisation, so it is never computed
    let n2 = 0;
    for (let j = 0; j < pd; j++) n2 += out[off + j] * out[off + j];
    if (n2 === 0) return false;
    const r = 1 / Math.sqrt(n2);
    for (let j = 0; j < pd; j++) out[off + j] *= r;
    return true;
  }
}

/** Rows the PCA projects at a time: the basis is read from cache once per block, not once per row. */
const BLOCK = 8;

/**
 * out row dest[r] = basis · xc_r, scaled to unit length, for the nb centred rows xc_r = XC[r·m .. (r+1)·m)
 * (k×m basis, row-major). Two rows × four components are summed side by side, each over j in order, so a
 * value does not depend on the grouping.
 */
function projectBlock(pca: Pca, XC: Float64Array, nb: number, dest: Int32Array, out: Float64Array, kern: ProjKernel | null): void {
  const { basis, m, k } = pca;
  if (kern) {
    // the same sums in WebAssembly SIMD (pcaKernel.ts), two rows a call (an odd last row goes twice)
    for (let r = 0; r < nb; r += 2) {
      kern.x.set(XC.subarray(r * m, (r + 1) * m));
      kern.y.set(XC.subarray((r + 1 < nb ? r + 1 : r) * m, (r + 1 < nb ? r + 2 : r + 1) * m));
      kern.run();
      out.set(kern.ox.subarray(0, k), dest[r] * k);
      if (r + 1 < nb) out.set(kern.oy.subarray(0, k), dest[r + 1] * k);
    }
    normaliseRows(out, dest, nb, k);
    return;
  }
  let c = 0;
  for (; c + 3 < k; c += 4) {
    const b0 = c * m, b1 = b0 + m, b2 = b1 + m, b3 = b2 + m;
    let r = 0;
    for (; r + 1 < nb; r += 2) {
      const x = r * m;
      const y = x + m;
      let x0 = 0, x1 = 0, x2 = 0, x3 = 0, y0 = 0, y1 = 0, y2 = 0, y3 = 0;
      for (let j = 0; j < m; j++) {
        const u = XC[x + j];
        const v = XC[y + j];
        const p0 = basis[b0 + j], p1 = basis[b1 + j], p2 = basis[b2 + j], p3 = basis[b3 + j];
        x0 += p0 * u;
        x1 += p1 * u;
        x2 += p2 * u;
        x3 += p3 * u;
        y0 += p0 * v;
        y1 += p1 * v;
        y2 += p2 * v;
        y3 += p3 * v;
      }
      const ox = dest[r] * k + c;
      const oy = dest[r + 1] * k + c;
      out[ox] = x0;
      out[ox + 1] = x1;
      out[ox + 2] = x2;
      out[ox + 3] = x3;
      out[oy] = y0;
      out[oy + 1] = y1;
      out[oy + 2] = y2;
      out[oy + 3] = y3;
    }
    if (r < nb) {
      const x = r * m;
      let x0 = 0, x1 = 0, x2 = 0, x3 = 0;
      for (let j = 0; j < m; j++) {
        const u = XC[x + j];
        x0 += basis[b0 + j] * u;
        x1 += basis[b1 + j] * u;
        x2 += basis[b2 + j] * u;
        x3 += basis[b3 + j] * u;
      }
      const ox = dest[r] * k + c;
      out[ox] = x0;
      out[ox + 1] = x1;
      out[ox + 2] = x2;
      out[ox + 3] = x3;
    }
  }
  for (; c < k; c++) {
    for (let r = 0; r < nb; r++) {
      let z = 0;
      for (let j = 0; j < m; j++) z += basis[c * m + j] * XC[r * m + j];
      out[dest[r] * k + c] = z;
    }
  }
  normaliseRows(out, dest, nb, k);
}

/** Scale out rows dest[0 … nb) (k values each) to unit length; zero rows stay zero. */
function normaliseRows(out: Float64Array, dest: Int32Array, nb: number, k: number): void {
  for (let r = 0; r < nb; r++) {
    const o = dest[r] * k;
    let n2 = 0;
    for (let j = 0; j < k; j++) n2 += out[o + j] * out[o + j];
    if (n2 > 0) {
      const s = 1 / Math.sqrt(n2);
      for (let j = 0; j < k; j++) out[o + j] *= s;
    }
  }
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
