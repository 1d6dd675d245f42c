/**
 * Counting a text's hashed n-grams for `embed` (embed.ts; docs/features.md, "Text embedding"): the scanner that
 * fills a reusable count array, and the cache of train texts' counts the PCA's second pass reads back.
 */
import { FNV_OFFSET, combine, fnvStep, mix32 } from './hashing.js';
import { ASCII, C_SPACE, C_WORD, classOf } from './textscan.js';

/** Most (bucket, count) pairs `fit` keeps for the PCA's second pass: 2^24, 48 MB. */
const CACHE_ENTRIES = 1 << 24;

/**
 * The buckets (16-bit) and counts (8-bit) of train texts in `scan` order, 3 bytes a pair; a text that does not
 * fit, or counts an n-gram 256 times or more, is left out (and scanned again).
 */
export class CountCache {
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
export const LOG_TF = Float64Array.from({ length: 256 }, (_, c) => (c > 0 ? 1 + Math.log(c) : 0));

/** Counts a text's hashed n-grams into a reusable dense array; `touched` lists the non-zero buckets. */
export class Scanner {
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


/** The part of a text an embedding reads: all of it, or its head (¼ of `maxChars`) and tail (the rest). */
export function window(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const head = maxChars >> 2;
  return `${text.slice(0, head)}\n${text.slice(text.length - (maxChars - head - 1))}`;
}
