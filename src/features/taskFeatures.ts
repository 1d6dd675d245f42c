/**
 * Task-classifier features: hashed word and character n-grams, log term frequency, unit L2 norm, of either
 * the prompt's content with its template removed (taskContent.ts, the default) or the instruction — the
 * first 3 lines cut to 200 characters, as docs/features.md, task type (models of format version 1).
 */
import { DataError } from '../core/errors.js';
import { ASCII, C_SPACE, C_WORD, classOf, cpAt } from './textscan.js';
import { contentOf } from './taskContent.js';
import { FNV_OFFSET, SparseAccumulator, type SparseVec, combine, fnvStep, logTf, mix32 } from './hashing.js';

export interface TaskFeatureConfig {
  /** What is read: the content with the template removed, or the instruction lines (docs/features.md, task type). */
  input: 'content' | 'instruction';
  /** Content is cut to this many UTF-16 units (input 'content'). */
  contentChars: number;
  /** Every digit reads as 0, so numbers count by shape, not value. */
  foldDigits: boolean;
  /** log2 of the number of hash buckets. */
  hashBits: number;
  /** Inclusive range of word n-gram lengths. */
  wordNgrams: [number, number];
  /** Inclusive range of character n-gram lengths (0, 0 for none). */
  charNgrams: [number, number];
  /** Instruction = first `instructionLines` lines, cut to `instructionChars` characters (docs/features.md, task type). */
  instructionLines: number;
  instructionChars: number;
}

export const DEFAULT_TASK_FEATURES: TaskFeatureConfig = {
  input: 'content',
  contentChars: 1000,
  foldDigits: true,
  hashBits: 14,
  wordNgrams: [1, 2],
  charNgrams: [0, 0],
  instructionLines: 3,
  instructionChars: 200,
};

/** The features of format-version-1 models: the instruction only, 2^12 buckets. */
export const INSTRUCTION_TASK_FEATURES: TaskFeatureConfig = {
  ...DEFAULT_TASK_FEATURES,
  input: 'instruction',
  foldDigits: false,
  hashBits: 12,
  charNgrams: [3, 3],
};

/** The text the features are computed from. */
export function taskInput(text: string, cfg: TaskFeatureConfig): string {
  return cfg.input === 'content' ? contentOf(text, cfg.contentChars) : instructionOf(text, cfg.instructionLines, cfg.instructionChars);
}

const SALT_WORD = 0x5bd1e995;
const SALT_CHAR = 0x27d4eb2f;

/** First `lines` lines of a prompt, cut to `chars` code points, without carriage returns (docs/features.md, task type). */
export function instructionOf(text: string, lines = 3, chars = 200): string {
  let end = -1;
  for (let l = 0; l < lines; l++) {
    end = text.indexOf('\n', end + 1);
    if (end < 0) break;
  }
  const limit = end < 0 ? text.length : end;
  let i = 0;
  for (let cps = 0; i < limit && cps < chars; cps++) {
    const c = text.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < limit ? 2 : 1;
  }
  const s = text.slice(0, i);
  return s.includes('\r') ? s.replace(/\r/g, '') : s;
}

// scratch buffers for taskFeatures (instructions are short; they grow if needed)
let tokBuf = new Int32Array(512);
let charBuf = new Int32Array(1024);

/** Hashed, log-tf, unit-norm n-gram vector of the instruction of `text`. */
export function taskFeatures(text: string, cfg: TaskFeatureConfig = DEFAULT_TASK_FEATURES, acc?: SparseAccumulator): SparseVec {
  const a = acc ?? new SparseAccumulator(1 << cfg.hashBits);
  accumulateNgrams(text, cfg, a);
  return a.finish(logTf);
}

/** Add the word and character n-gram counts of the task input of `text` (taskInput) to `a`. */
export function accumulateNgrams(text: string, cfg: TaskFeatureConfig, a: SparseAccumulator): void {
  accumulateText(taskInput(text, cfg), cfg, a);
}

/** N-gram settings `accumulateText` reads. */
type NgramConfig = Pick<TaskFeatureConfig, 'wordNgrams' | 'charNgrams' | 'foldDigits'>;

/** Add the word and character n-gram counts of `s` itself to `a`. */
export function accumulateText(s: string, cfg: NgramConfig, a: SparseAccumulator): void {
  const fold = cfg.foldDigits;
  if (tokBuf.length < s.length + 1) tokBuf = new Int32Array(2 * s.length + 1);
  if (charBuf.length < 2 * s.length + 1) charBuf = new Int32Array(2 * s.length + 1);
  // word tokens: runs of word characters; every other non-space character is a token of its own
  let nTok = 0;
  const w0h = (FNV_OFFSET ^ SALT_WORD) >>> 0;
  let cur = w0h;
  let inWord = false;
  // lower-cased character stream for char n-grams: whitespace runs collapse to ' ' (or '\n' if they hold one)
  let nChar = 0;
  let pendingSpace = 0;
  for (let i = 0; i < s.length; ) {
    let cp = s.charCodeAt(i);
    let k: number;
    if (cp < 128) {
      k = ASCII[cp];
      if (cp >= 65 && cp <= 90) cp += 32;
      else if (fold && cp >= 49 && cp <= 57) cp = 48;
      i++;
    } else {
      cp = cpAt(s, i);
      i += cp > 0xffff ? 2 : 1;
      k = classOf(cp);
      cp = lowerCp(cp);
    }
    if (k & C_SPACE) {
      if (inWord) tokBuf[nTok++] = cur;
      inWord = false;
      cur = w0h;
      pendingSpace = cp === 10 || pendingSpace === 10 ? 10 : 32;
      continue;
    }
    if (pendingSpace && nChar > 0) charBuf[nChar++] = pendingSpace;
    pendingSpace = 0;
    charBuf[nChar++] = cp;
    if (k & C_WORD) {
      cur = fnvStep(cur, cp);
      inWord = true;
    } else {
      if (inWord) tokBuf[nTok++] = cur;
      inWord = false;
      tokBuf[nTok++] = fnvStep(w0h, cp);
      cur = w0h;
    }
  }
  if (inWord) tokBuf[nTok++] = cur;
  const [w0, w1] = cfg.wordNgrams;
  for (let i = 0; i < nTok; i++) {
    let h = 0;
    for (let n = 1; n <= w1 && i + n <= nTok; n++) {
      h = n === 1 ? mix32(tokBuf[i]) : combine(h, tokBuf[i + n - 1]);
      if (n >= w0) a.add(h);
    }
  }
  const [c0, c1] = cfg.charNgrams;
  if (c1 > 0) {
    for (let i = 0; i < nChar; i++) {
      let h = (FNV_OFFSET ^ SALT_CHAR) >>> 0;
      for (let n = 1; n <= c1 && i + n <= nChar; n++) {
        h = fnvStep(h, charBuf[i + n - 1]);
        if (n >= c0) a.add(mix32(h));
      }
    }
  }
}

const lowerCache = new Map<number, number>();
function lowerCp(cp: number): number {
  let r = lowerCache.get(cp);
  if (r === undefined) {
    // keep the code point when lower-casing expands it (İ → i̇)
    const l = [...String.fromCodePoint(cp).toLowerCase()];
    r = l.length === 1 ? l[0].codePointAt(0)! : cp;
    if (lowerCache.size < 65536) lowerCache.set(cp, r);
  }
  return r;
}


export function validateFeatureConfig(c: TaskFeatureConfig, file?: string): void {
  const bad = (what: string): never => {
    throw new DataError(`invalid task model feature setting: ${what}`, file);
  };
  if (!Number.isInteger(c.hashBits) || c.hashBits < 4 || c.hashBits > 24) bad(`hashBits ${c.hashBits} (4..24)`);
  const range = (r: unknown, name: string, min: number): void => {
    if (!Array.isArray(r) || r.length !== 2 || !r.every((x) => Number.isInteger(x) && x >= 0 && x <= 8) || r[0] > r[1]) {
      bad(`${name} ${JSON.stringify(r)}`);
    }
    if ((r as number[])[1] > 0 && (r as number[])[0] < min) bad(`${name} ${JSON.stringify(r)}`);
  };
  if (c.input !== 'content' && c.input !== 'instruction') bad(`input ${JSON.stringify(c.input)}`);
  if (!Number.isInteger(c.contentChars) || c.contentChars < 1) bad(`contentChars ${c.contentChars}`);
  if (typeof c.foldDigits !== 'boolean') bad(`foldDigits ${JSON.stringify(c.foldDigits)}`);
  range(c.wordNgrams, 'wordNgrams', 1);
  range(c.charNgrams, 'charNgrams', 1);
  if (!Number.isInteger(c.instructionLines) || c.instructionLines < 1) bad(`instructionLines ${c.instructionLines}`);
  if (!Number.isInteger(c.instructionChars) || c.instructionChars < 1) bad(`instructionChars ${c.instructionChars}`);
}

