/**
 * Character classes matching Python's `re` module on `str` (the reference computes features in Python):
 * a word character is a letter, a number or `_` (Python `\w`); whitespace is what `str.split()` splits on.
 * ASCII goes through a lookup table; other code points are classified once and cached.
 */

export const C_WORD = 1;
export const C_SPACE = 2;
/** Sentence terminators of textstat's sentence regex: `.`, `!`, `?`. */
export const C_TERM = 4;

/** Class bits of ASCII code points (index = code). */
export const ASCII = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  let k = 0;
  if (/[A-Za-z0-9_]/.test(ch)) k |= C_WORD;
  // Python str.isspace(): \t \n \v \f \r, \x1c–\x1f and space
  if ((c >= 9 && c <= 13) || (c >= 0x1c && c <= 0x20)) k |= C_SPACE;
  if (ch === '.' || ch === '!' || ch === '?') k |= C_TERM;
  ASCII[c] = k;
}

const WORD_RE = /^[\p{L}\p{N}_]$/u;
const SPACE_CPS = new Set([0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000]);
const cache = new Map<number, number>();

/** Class bits of a code point. */
export function classOf(cp: number): number {
  if (cp < 128) return ASCII[cp];
  const hit = cache.get(cp);
  if (hit !== undefined) return hit;
  let k = 0;
  if (SPACE_CPS.has(cp) || (cp >= 0x2000 && cp <= 0x200a)) k = C_SPACE;
  else if (WORD_RE.test(String.fromCodePoint(cp))) k = C_WORD;
  if (cache.size < 65536) cache.set(cp, k);
  return k;
}

/** Code point at UTF-16 index i and its length in code units (lone surrogates count as one unit). */
export function cpAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
  }
  return c;
}
