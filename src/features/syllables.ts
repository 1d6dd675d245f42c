/**
 * English syllable estimate for one word, used by the Flesch score (docs/features.md, complexity).
 *
 * The reference pins textstat 0.7.5, which looks each lower-cased word up in the CMU pronouncing dictionary
 * and falls back to pyphen's hyphenation points for words the dictionary lacks. Neither dictionary ships
 * here, so this is a rule-based estimate of the *dictionary* count: vowel groups, split where two adjacent
 * vowels are usually two syllables (`cre-ate`, `stud-i-o`, `go-ing`), minus silent endings (`-e`, `-es`,
 * `-ed`, `-ely`, `-ement`…), plus a short list of frequent irregular words. Where the reference falls back
 * to pyphen (numbers, symbols, non-Latin scripts) this returns 1, as pyphen does for unhyphenatable tokens.
 * docs/features.md lists the differences and the measured agreement.
 */

import { C_WORD, classOf, cpAt } from './textscan.js';

const EXCEPTIONS = new Map<string, number>(
  Object.entries({
    // syllabic final e
    maybe: 2, recipe: 3, simile: 3, apostrophe: 4, catastrophe: 4, epitome: 4, hyperbole: 4, karate: 3,
    sesame: 3, coyote: 3, acne: 2, cafe: 2, anime: 3, finale: 3, ukulele: 4, adobe: 3, machete: 3,
    // vowel pairs that are two syllables where the rules say one, and the reverse
    area: 3, idea: 3, korea: 3, nausea: 3, linear: 3, nuclear: 3, ideal: 2, theater: 3, theatre: 3,
    theory: 2, theories: 2, theorem: 2, people: 2, leopard: 2, jeopardy: 3, george: 1, georgia: 2,
    giant: 2, giants: 2, lion: 2, lions: 2, ion: 2, ions: 2, soldier: 2, soldiers: 2, israel: 3,
    israeli: 4, israelis: 4, reuters: 2, reign: 1, reins: 1, rein: 1, reindeer: 2, poem: 2, poems: 2,
    poet: 2, poets: 2, poetry: 3, science: 2, sciences: 3, scientist: 3, scientists: 3, scientific: 4,
    hierarchy: 4, diet: 2, quiet: 2, cooperate: 4, cooperation: 5, coordinate: 4, coordination: 5,
    // words with a syllabic -ed / -es the endings rules would drop
    hundred: 2, hundreds: 2, sacred: 2, naked: 2, wicked: 2, kindred: 2, rugged: 2, crooked: 2,
    wretched: 2, ragged: 2, jagged: 2, beloved: 3, learned: 1,
    // frequent irregular spellings
    our: 2, ours: 2, hour: 2, hours: 2, flour: 2, sour: 2, devour: 3, ourselves: 3, every: 3, business: 2,
    businesses: 3, different: 3, evening: 2, several: 2, family: 3, families: 3, interest: 2, interests: 2,
    interesting: 3, interested: 3, chocolate: 2, desperate: 2, camera: 3, general: 3, generally: 4,
    favorite: 3, separate: 3, temperature: 3, temperatures: 3, vegetable: 3, vegetables: 3, premier: 2,
    especially: 3, average: 3, restaurant: 3, actually: 4, usually: 4, police: 2, colonel: 2, once: 1,
    one: 1, ones: 1, someone: 2, anyone: 3, everyone: 3, sometimes: 2, somewhere: 2, therefore: 2,
    whereas: 2, whoever: 3, however: 3, whenever: 3, whatever: 3, wednesday: 2, tuesday: 2, february: 4,
    january: 4, naive: 2, being: 2, likelihood: 4, comeback: 2, trademark: 2, likewise: 2, forehead: 2,
    forecast: 2, ok: 2,
    // abbreviations the dictionary spells out
    w: 3, mrs: 2, etc: 4, abc: 3, fbi: 3, cia: 3, usa: 3, uk: 2, eu: 2, ceo: 3, dna: 3, hiv: 3, nba: 3,
    nfl: 3, bbc: 3, cnn: 3,
  }),
);

function isV(c: string): boolean {
  return c === 'a' || c === 'e' || c === 'i' || c === 'o' || c === 'u';
}

/** Vowel mask: `u` after q (and after g before a vowel) is a glide; `y` is a glide first or before a vowel. */
function vowelMask(w: string): Uint8Array {
  const n = w.length;
  const v = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = w[i];
    if (c === 'y') {
      const next = i + 1 < n ? w[i + 1] : '';
      if (i === 0) v[i] = isV(next) ? 0 : 1;
      // y before i is its own vowel (stud-y-ing); final -ye is a vowel (bye); before another vowel a glide (layer)
      else if (next === '' || next === 'i' || (next === 'e' && i + 2 === n)) v[i] = 1;
      else v[i] = isV(next) ? 0 : 1;
    } else if (isV(c)) {
      v[i] = 1;
      if (c === 'u' && i > 0) {
        const p = w[i - 1];
        const next = i + 1 < n ? w[i + 1] : '';
        if (p === 'q') v[i] = 0;
        else if (p === 'g' && isV(next) && (i === 1 || isV(w[i - 2]) || w[i - 2] === 'n')) {
          // gu+vowel after a vowel or n is a glide (guard, league, language), not after other consonants (argue)
          v[i] = 0;
        }
      }
    }
  }
  return v;
}

/** Letters before i that make -ia/-io one syllable (-tion, -sion, -cial, -xious, -gion). */
const SH = new Set(['t', 's', 'c', 'x', 'g']);
const CREATE_REACT = /^(creat(?!u)|recreat|procreat|react|reass|reapp|realloc|reaff|rearr|readj|reality|realis|realiz|reagent)/;

/** True where adjacent vowels w[j], w[j+1] belong to separate syllables. */
function splits(w: string, j: number): boolean {
  const a = w[j];
  const b = w[j + 1];
  const n = w.length;
  const prev = j > 0 ? w[j - 1] : '';
  // the rules look at most a few letters ahead; a bounded slice keeps very long tokens linear
  const rest = w.slice(j + 2, j + 8);
  if (b === 'i' && (rest === 'ng' || rest === 'ngs') && a !== 'i') return true; // go-ing, see-ing
  if (a === 'y') return b === 'i';
  // re-/pre- before another vowel: re-use, re-open, pre-existing
  if (j === 1 && a === 'e' && w[0] === 'r' && (b === 'o' || b === 'u' || b === 'i') && n >= 5) return true;
  if (j === 2 && a === 'e' && w.startsWith('pr') && (b === 'e' || b === 'o' || b === 'i') && n >= 6) return true;
  switch (a + b) {
    case 'ia':
      if (j === 0 || rest.startsWith('t')) return true; // appreci-ate, associ-ation
      if (rest === 'ge' || rest === 'ges') return false; // marriage
      return !(SH.has(prev) || prev === 'l' || (prev === 'h' && j >= 2 && (w[j - 2] === 's' || w[j - 2] === 'c')));
    case 'io': {
      const shLike = SH.has(prev) || (prev === 'h' && j >= 2 && (w[j - 2] === 's' || w[j - 2] === 'c'));
      if (shLike && (rest.startsWith('n') || rest.startsWith('us'))) return false; // -tion, -cious
      // senior, behaviour
      if ((rest.startsWith('r') || rest.startsWith('ur')) && (prev === 'n' || prev === 'v')) return false;
      if (rest.startsWith('n') && (prev === 'l' || prev === 'n')) return false; // million, opinion
      return true;
    }
    case 'iu':
      return true;
    case 'ie': {
      if (rest === '' || rest === 's' || rest === 'd') return false; // tie, studies, applied
      if (rest === 'r' || rest === 'rs') {
        return n >= 5 && !(prev === 'c' || prev === 't' || (prev === 'h' && (w[j - 2] === 's' || w[j - 2] === 'c')));
      }
      if (rest.startsWith('st')) return true; // happiest
      if (rest.startsWith('t')) return true; // quiet, society
      if (rest.startsWith('nt') || rest.startsWith('nc') || rest === 'n' || rest === 'ns') {
        if (prev === 't' || prev === 'n' || (prev === 'c' && !(j >= 2 && w[j - 2] === 's'))) return false;
        return true;
      }
      return false;
    }
    case 'ea':
      if (CREATE_REACT.test(w)) return j <= 3; // cre-ate, re-act, re-al-i-ty
      if (rest === 'n' || rest === 'ns') return n >= 6 && !SH.has(prev);
      return false;
    case 'eo':
      if (prev === 'g' && j >= 2) return false; // surgeon, gorgeous
      if (prev === 'c' && rest.startsWith('us')) return false; // herbaceous
      return true;
    case 'ua':
      return true;
    case 'ue':
      if (rest === '' || rest === 's' || rest === 'd') return false;
      return rest.startsWith('l') || rest.startsWith('n') || rest.startsWith('t') || rest === 'r' || rest === 'rs';
    case 'ui':
      // ru-in, flu-id, continu-i-ty, intu-i-tion, altru-ism, su-icide
      return /^(n|ds?$|ty|tion|tiv|sm|cid)/.test(rest);
    case 'uo':
      return true;
    case 'oe':
      return rest.startsWith('m') || rest.startsWith('t') || rest.startsWith('x');
    case 'oi':
      return rest === 'c' || rest === 'cs' || (j === 1 && w[0] === 'c' && rest.startsWith('nc'));
    case 'ei':
      return rest.startsWith('ty') || rest.startsWith('st');
    case 'ai':
      return rest === 'c' || rest === 'cs';
    case 'ao':
      return true;
    case 'eu':
      return rest === 'm' || rest === 'ms'; // muse-um
    case 'ae':
      return false;
    default:
      return false;
  }
}

const SILENT_E_SUFFIXES = ['ments', 'ment', 'fully', 'ful', 'less', 'liness', 'ness', 'ly', 'ty'];

/** Leading words of compounds whose final e is silent (some-thing, fire-fighter), with their own count. */
const COMPOUND_HEADS: [string, number][] = [
  ['business', 2], ['every', 2], ['some', 1], ['fire', 2], ['home', 1], ['life', 1], ['base', 1], ['face', 1],
  ['side', 1], ['time', 1], ['safe', 1], ['care', 1], ['eye', 1], ['house', 1], ['horse', 1], ['whole', 1],
  ['state', 1], ['spoke', 1], ['there', 1], ['where', 1], ['else', 1], ['note', 1], ['smoke', 1], ['stone', 1],
  ['game', 1], ['store', 1], ['shore', 1], ['wide', 1], ['nine', 1], ['space', 1],
];

/** Letter-by-letter abbreviations without a vowel letter; other vowel-less tokens count 1. */
const SPELLED = new Set(['tv', 'pm', 'pc', 'dc', 'ph', 'cnn', 'bbc', 'cbs', 'nbc', 'nfl', 'nhl', 'mtv', 'bmw', 'cdc',
  'cps', 'mph', 'dvd', 'dvds', 'cctv', 'mr', 'jr', 'hq', 'gps']);

/** Longer tokens are not English words (the longest dictionary words are ~30 letters). */
const MAX_WORD = 48;

function lettersOnly(w: string): number {
  if (w.length > MAX_WORD) return vowelGroups(w);
  const ex = EXCEPTIONS.get(w);
  if (ex !== undefined) return ex;
  const n = w.length;
  if (n > 3 && w.endsWith('s')) {
    const stem = EXCEPTIONS.get(w.slice(0, -1));
    if (stem !== undefined) return stem;
  }
  if (!/[aeiouy]/.test(w)) {
    if (!SPELLED.has(w)) return 1;
    let c = 0;
    for (let i = 0; i < n; i++) c += w[i] === 'w' ? 3 : 1;
    return c;
  }
  for (const [head, c] of COMPOUND_HEADS) {
    if (n - head.length >= 3 && w.startsWith(head)) {
      const rest = w.slice(head.length);
      if (rest[0] !== 'r' && /[aeiouy]/.test(rest)) return c + lettersOnly(rest);
    }
  }
  // possessive of a -y noun with the apostrophe removed (city's -> citys): hyphenation keeps "ys" attached
  if (n > 3 && /[^aeiouy]ys$/.test(w)) return Math.max(1, lettersOnly(w.slice(0, -1)) - 1);
  const v = vowelMask(w);
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (!v[i]) continue;
    if (i === 0 || !v[i - 1]) count++;
    else if (splits(w, i - 1)) count++;
  }
  if (count === 0) return 1;
  const cons = (i: number): boolean => i >= 0 && i < n && !v[i];
  // syllabic -le/-re/-les/-led after a consonant (ta-ble, cen-tre, han-dled)
  const liquidAfterCons = (k: number): boolean =>
    k >= 1 && (w[k] === 'l' || w[k] === 'r') && cons(k - 1) && w[k - 1] !== w[k] &&
    !(w[k] === 'l' && w[k - 1] === 'r');
  if (count > 1 && n >= 3 && w[n - 1] === 'e' && v[n - 1] && cons(n - 2)) {
    if (!liquidAfterCons(n - 2)) count--;
  } else if (count > 1 && n >= 4 && (w.endsWith('es') || w.endsWith('ed')) && v[n - 2] && cons(n - 3)) {
    const p = w[n - 3];
    const sibilant = w.endsWith('es') && (p === 's' || p === 'x' || p === 'z' || p === 'c' || p === 'g' ||
      (p === 'h' && (w[n - 4] === 'c' || w[n - 4] === 's')));
    const dental = w.endsWith('ed') && (p === 't' || p === 'd');
    if (!sibilant && !dental && !liquidAfterCons(n - 3)) count--;
  }
  for (const suf of SILENT_E_SUFFIXES) {
    if (!w.endsWith(suf)) continue;
    const s = n - suf.length; // index just past the stem
    const minStem = suf.startsWith('ment') ? 4 : 3; // not el-e-ment
    if (s >= minStem && w[s - 1] === 'e' && v[s - 1] && cons(s - 2) && !liquidAfterCons(s - 2) && count > 1) count--;
    break;
  }
  if (w.endsWith('sm') || w.endsWith('sms') || w.endsWith('thm') || w.endsWith('thms')) count++;
  if (w.endsWith('ically')) count--; // -ically reads "ik-lee"
  if (n > 3 && w.startsWith('mc')) count++; // mc-donald
  // fire, desire, retired: the dictionary gives -ire two syllables (AY ER)
  if (/([^aeiou]|qu)ire(d|s|ment|ments|ly)?$/.test(w) && !/(sh|m)ire[a-z]*$/.test(w)) count++;
  // negative contractions with the apostrophe removed (didnt, couldnt)
  if (/[^aeiouy]nt$/.test(w)) count++;
  return Math.max(1, count);
}

/** Plain vowel-group count, linear in the length (for non-words). */
function vowelGroups(w: string): number {
  let c = 0;
  let prev = false;
  for (let i = 0; i < w.length; i++) {
    const v = /[aeiouy]/.test(w[i]);
    if (v && !prev) c++;
    prev = v;
  }
  return Math.max(1, c);
}

const cache = new Map<string, number>();
const CACHE_MAX = 200_000;

/**
 * Syllables of one word as textstat splits it (punctuation removed; case is ignored). Digits, underscores
 * and non-Latin letters carry no syllable of their own: a token without Latin letters counts 1, and so
 * does any token with a digit (10th, 23yearold), which the reference's hyphenation fallback leaves whole.
 */
export function countSyllables(word: string): number {
  const hit = cache.get(word);
  if (hit !== undefined) return hit;
  let w = word.toLowerCase();
  // fold accented Latin letters (café → cafe) and drop underscores and other scripts
  if (!/^[a-z]+$/.test(w)) w = w.normalize('NFD').replace(/[^a-z0-9]/g, '');
  const r = w.length === 0 || /[0-9]/.test(w) ? 1 : lettersOnly(w);
  if (word.length <= MAX_WORD) {
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(word, r);
  }
  return r;
}

/**
 * Open-addressing cache keyed by two 32-bit hashes of a token's lower-cased word characters, so the text
 * scanner can look a token up without building its string (a 64-bit key: a false hit is negligible).
 */
const TABLE_BITS = 17;
const TABLE_SIZE = 1 << TABLE_BITS;
const keyA = new Int32Array(TABLE_SIZE);
const keyB = new Int32Array(TABLE_SIZE);
const value = new Uint8Array(TABLE_SIZE);
let filled = 0;

/**
 * Cached count for the token text[start, end) with hashes (a, b); `gap` says punctuation sits inside the
 * span and must be dropped. On a miss the word is built and counted.
 */
export function syllablesOfSpan(a: number, b: number, text: string, start: number, end: number, gap: boolean): number {
  let slot = a & (TABLE_SIZE - 1);
  for (;;) {
    const v = value[slot];
    if (v === 0) break;
    if (keyA[slot] === a && keyB[slot] === b) return v - 1;
    slot = (slot + 1) & (TABLE_SIZE - 1);
  }
  const raw = text.slice(start, end);
  const r = Math.min(254, countSyllables(gap ? wordCharsOf(raw) : raw));
  if (filled > TABLE_SIZE * 0.7) {
    value.fill(0);
    filled = 0;
    slot = a & (TABLE_SIZE - 1);
  }
  keyA[slot] = a;
  keyB[slot] = b;
  value[slot] = r + 1;
  filled++;
  return r;
}

/** The word characters of a token (punctuation inside it removed, as textstat does). */
function wordCharsOf(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; ) {
    const cp = cpAt(raw, i);
    const len = cp > 0xffff ? 2 : 1;
    if (classOf(cp) & C_WORD) out += raw.slice(i, i + len);
    i += len;
  }
  return out;
}

/** Forget cached counts (benchmarks measure cold runs with it). */
export function clearSyllableCache(): void {
  cache.clear();
  value.fill(0);
  filled = 0;
}
