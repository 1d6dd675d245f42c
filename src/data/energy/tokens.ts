/**
 * Token counts from text with the BPE encodings shipped in gpt-tokenizer (cl100k_base, o200k_base). For
 * other model families these counts are an approximation (see docs/energy-model.md).
 *
 * The tokenizer's cost grows with the square of a pre-token's length (a run of 10⁵ spaces or punctuation
 * marks takes seconds), so text is counted in slices of at most SLICE characters, cut where a whitespace run
 * starts with a character other than a line break. Such cuts never split a pre-token of the cl100k/o200k patterns; only a slice with no such point is
 * cut hard, which can change its count by a token per cut.
 */
import { SettingError } from '../../core/errors.js';

export const TOKENIZERS = ['cl100k', 'o200k'] as const;
export type TokenizerName = (typeof TOKENIZERS)[number];

/** Whether `name` is a tokenizer loadTokenizer knows (checked where a setting is parsed, before any text is read). */
export function isTokenizer(name: string): name is TokenizerName {
  return (TOKENIZERS as readonly string[]).includes(name);
}

export const SLICE = 512;

type Count = (text: string, opts: { disallowedSpecial: Set<string> }) => number;

/** Special-token strings in data are ordinary text. */
const AS_TEXT = { disallowedSpecial: new Set<string>() };

export interface TokenCounter {
  name: TokenizerName;
  count(text: string): number;
}

export async function loadTokenizer(name: string = 'cl100k'): Promise<TokenCounter> {
  let count: Count;
  if (name === 'cl100k') count = (await import('gpt-tokenizer/encoding/cl100k_base')).countTokens as Count;
  else if (name === 'o200k') count = (await import('gpt-tokenizer/encoding/o200k_base')).countTokens as Count;
  else throw new SettingError((n) => `${n('tokenizer')}: '${name}' is not one of ${TOKENIZERS.join(', ')}`);
  return { name: name as TokenizerName, count: (text) => countSliced(text, count) };
}

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0 || c === 0x85 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

function countSliced(text: string, count: Count): number {
  const n = text.length;
  if (n <= SLICE) return count(text, AS_TEXT);
  let total = 0;
  let start = 0;
  while (start < n) {
    let end = Math.min(n, start + SLICE);
    if (end < n) {
      // last whitespace-run start in (start, end], not a line break (punctuation takes the line breaks after it)
      let cut = -1;
      for (let i = end; i > start; i--) {
        const c = text.charCodeAt(i);
        if (c !== 0x0a && c !== 0x0d && isSpace(c) && !isSpace(text.charCodeAt(i - 1))) {
          cut = i;
          break;
        }
      }
      if (cut > start) end = cut;
      else if (isLowSurrogate(text.charCodeAt(end))) end--; // keep surrogate pairs whole
    }
    total += count(text.slice(start, end), AS_TEXT);
    start = end;
  }
  return total;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
