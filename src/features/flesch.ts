/**
 * Flesch Reading Ease and the stored complexity score (docs/features.md, complexity).
 *
 * Counting follows textstat 0.7.5, the version the reference pins:
 * - words: punctuation (anything that is neither a word character nor whitespace) is deleted, then the
 *   text is split on whitespace, so `don't` is one word, `U.S.` is one word and `$320` is the word `320`;
 * - sentences: runs that start at a word character and extend to the next `.`, `!` or `?` (plus any
 *   directly following ones); runs of at most two words are not counted; at least 1;
 * - syllables: per lower-cased word, see `countSyllables` (an estimate of the dictionary count textstat
 *   looks up; the one deliberate difference from textstat);
 * - FRE = 206.835 − 1.015·ASL − 84.6·ASW with ASL = words/sentences and ASW = syllables/words, where
 *   textstat 0.7.5 rounds ASL and ASW to one decimal and FRE to two (`legacyRounding`, on by default).
 * Text without words gives ASL = ASW = 0, i.e. FRE 206.835 (206.84 rounded) and complexity 0, as
 * textstat 0.7.5 does.
 */
import { ASCII, C_SPACE, C_TERM, C_WORD, classOf, cpAt } from './textscan.js';
import { syllablesOfSpan } from './syllables.js';

export interface TextCounts {
  words: number;
  sentences: number;
  syllables: number;
}

interface FleschOptions {
  /** Round ASL and ASW to 1 decimal and FRE to 2 as textstat 0.7.5 does (default true). */
  legacyRounding?: boolean;
}

/** textstat 0.7.5's `_legacy_round`: floor(x·10^d + copysign(0.5, x)) / 10^d (half up; a negative x goes one half further down). */
export function legacyRound(x: number, digits: number): number {
  const p = 10 ** digits;
  return Math.floor(x * p + (x < 0 ? -0.5 : 0.5)) / p;
}

/** Words, sentences and syllables of a text, counted as textstat does (see the module comment). */
export function textCounts(text: string): TextCounts {
  return scanText(text);
}

/** Receives a 32-bit hash of each word's lower-cased word characters, in text order. */
export interface WordSink {
  buf: Int32Array;
  n: number;
}

/**
 * One pass over the text: textstat's counts, and (given a sink) a hash of every word, which the
 * clustering reuses as token ids.
 */
export function scanText(text: string, sink?: WordSink): TextCounts {
  // one flat loop without closures keeps the state in registers (this is the hot path of the features)
  const n = text.length;
  let words = 0;
  let syllables = 0;
  let sentences = 0;
  let ignored = 0;
  // sentence run state; a run ends at the first character after its terminators
  let inSentence = false;
  let afterTerm = false;
  let sentWords = 0;
  let sentTokHasWord = false;
  // current whitespace-delimited token: span of its word characters, and whether punctuation sits inside
  let tokStart = -1;
  let tokEnd = -1;
  let tokGap = false;
  let pendingGap = false;
  // two hashes of the token's lower-cased word characters: the syllable cache key
  let ha = 0x811c9dc5 | 0;
  let hb = 0x2545f491 | 0;
  for (let i = 0; i <= n; ) {
    let k: number;
    let cp = 0;
    let len = 1;
    if (i === n) k = C_SPACE; // a virtual space closes the last token
    else {
      cp = text.charCodeAt(i);
      if (cp < 128) k = ASCII[cp];
      else {
        cp = cpAt(text, i);
        len = cp > 0xffff ? 2 : 1;
        k = classOf(cp);
      }
    }
    if (k & C_SPACE) {
      if (tokStart >= 0) {
        words++;
        syllables += syllablesOfSpan(ha, hb, text, tokStart, tokEnd, tokGap);
        if (sink) {
          if (sink.n === sink.buf.length) {
            const grown = new Int32Array(sink.buf.length * 2);
            grown.set(sink.buf);
            sink.buf = grown;
          }
          sink.buf[sink.n++] = ha;
        }
        tokStart = -1;
        tokGap = false;
        pendingGap = false;
        ha = 0x811c9dc5 | 0;
        hb = 0x2545f491 | 0;
      }
      if (inSentence) {
        if (sentTokHasWord) sentWords++;
        sentTokHasWord = false;
        if (afterTerm) {
          sentences++;
          if (sentWords <= 2) ignored++;
          sentWords = 0;
          inSentence = false;
          afterTerm = false;
        }
      }
    } else if (k & C_WORD) {
      const lc = cp >= 65 && cp <= 90 ? cp + 32 : cp;
      ha = Math.imul(ha ^ lc, 0x01000193);
      hb = Math.imul(hb ^ lc, 0x5bd1e995) ^ (hb >>> 15);
      if (tokStart < 0) tokStart = i;
      else if (pendingGap) tokGap = true;
      pendingGap = false;
      tokEnd = i + len;
      if (inSentence && afterTerm) {
        // a word right after the terminators starts the next run
        if (sentTokHasWord) sentWords++;
        sentences++;
        if (sentWords <= 2) ignored++;
        sentWords = 0;
        afterTerm = false;
      }
      inSentence = true;
      sentTokHasWord = true;
    } else {
      if (tokStart >= 0) pendingGap = true;
      if (k & C_TERM) {
        if (inSentence) afterTerm = true;
      } else if (inSentence && afterTerm) {
        if (sentTokHasWord) sentWords++;
        sentTokHasWord = false;
        sentences++;
        if (sentWords <= 2) ignored++;
        sentWords = 0;
        inSentence = false;
        afterTerm = false;
      }
    }
    i += len;
  }
  if (inSentence) {
    // text ended inside a run (no trailing whitespace was seen after its terminators, or none at all)
    sentences++;
    if (sentWords <= 2) ignored++;
  }
  return { words, sentences: Math.max(1, sentences - ignored), syllables };
}

/** Flesch Reading Ease (docs/features.md, complexity), textstat 0.7.5 conventions (see the module comment). */
export function fleschReadingEase(text: string, opts: FleschOptions = {}): number {
  return fleschFromCounts(textCounts(text), opts);
}

/** FRE from counts: 206.835 − 1.015·ASL − 84.6·ASW (docs/features.md, complexity), with textstat 0.7.5's rounding by default. */
export function fleschFromCounts(c: TextCounts, opts: FleschOptions = {}): number {
  const legacy = opts.legacyRounding ?? true;
  let asl = c.words / c.sentences;
  let asw = c.words > 0 ? c.syllables / c.words : 0;
  if (legacy) {
    asl = legacyRound(asl, 1);
    asw = legacyRound(asw, 1);
  }
  const fre = 206.835 - 1.015 * asl - 84.6 * asw;
  return legacy ? legacyRound(fre, 2) : fre;
}

/** Stored complexity score s = clip(100 − FRE, 0, 100): higher is harder (docs/features.md, complexity). NaN stays NaN. */
export function invertFlesch(fre: number): number {
  if (Number.isNaN(fre)) return Number.NaN;
  return Math.min(100, Math.max(0, 100 - fre));
}
