/**
 * Scoring a completion against its reference (docs/model.md §1.1), in two flavours:
 * - `greenserv` (default): robust multiple-choice letter extraction limited to the prompt's options, GSM8K
 *   final-number match (negatives, thousands separators, 18.0 = 18), ROUGE-1 or ROUGE-L F1 for summaries.
 * - `reference`: the reference code's rules, bugs included (first A–D anywhere, no minus sign, string-equal
 *   numbers, unigram-set recall called "rouge"), for numbers comparable with the published tables.
 */

export type ExtractionMethod = 'multiple_choice' | 'numeric' | 'raw';
export type EvaluationMetric = 'exact_match' | 'rouge';
export type SummaryMetric = 'rouge1' | 'rougeL' | 'unigram-recall';
export type ScoringMode = 'greenserv' | 'reference';

export const EXTRACTION_METHODS: readonly ExtractionMethod[] = ['multiple_choice', 'numeric', 'raw'];
export const EVALUATION_METRICS: readonly EvaluationMetric[] = ['exact_match', 'rouge'];
export const SUMMARY_METRICS: readonly SummaryMetric[] = ['rouge1', 'rougeL', 'unigram-recall'];

// ---- multiple choice ----------------------------------------------------------------------------------

/** Option letters offered by a prompt (lines like `A. …` or `(B) …`); A–D when none are found. */
export function optionLetters(prompt: string): string[] {
  const found = new Set<string>();
  for (const m of prompt.matchAll(/^\s*\(?([A-J])[.)]\s+\S/gm)) found.add(m[1]);
  if (found.size < 2) return ['A', 'B', 'C', 'D'];
  return [...found].sort();
}

/**
 * The chosen option letter, or null. Tried in order: a bare letter at the start ("B", "(B)", "**B**.",
 * "B) …"); the last "answer is X" / "Answer: X"; a marked letter ("(C)", "C."); the first standalone capital
 * that is not the article "A" before a word. Only letters among `letters` count.
 */
export function extractChoice(text: string, letters: readonly string[] = ['A', 'B', 'C', 'D']): string | null {
  const valid = new Set(letters);
  const t = text.trim();
  const ok = (c: string | undefined): string | null => (c !== undefined && valid.has(c) ? c : null);
  const lone = /^[\s*_(\[]*([a-jA-J])[\s*_)\].:]*$/.exec(t);
  if (lone) return ok(lone[1].toUpperCase());
  const lead = /^[\s*_(\[]*([A-J])(?![A-Za-z0-9'])/.exec(t);
  if (lead && ok(lead[1]) && !/^A\s+[a-z]/.test(t)) return lead[1];
  let last: string | null = null;
  for (const m of t.matchAll(/\b[Aa]nswer(?:\s+is)?\s*(?:[:\-=]\s*)?(?:[Oo]ption\s+)?[*_(\[]*([A-J])(?![A-Za-z0-9'])/g)) {
    if (ok(m[1])) last = m[1];
  }
  if (last) return last;
  for (const m of t.matchAll(/(?:^|[\s(\[*])\(([A-J])\)|(?:^|\s)([A-J])[.):](?=\s|$)/g)) {
    const c = ok(m[1] ?? m[2]);
    if (c) return c;
  }
  for (const m of t.matchAll(/(?<![A-Za-z0-9'])([A-J])(?![A-Za-z0-9'])/g)) {
    if (m[1] === 'A' && /^\s+[a-z]/.test(t.slice(m.index + 1))) continue;
    const c = ok(m[1]);
    if (c) return c;
  }
  return null;
}

// ---- numbers --------------------------------------------------------------------------------------------

// a plain number with optional thousands groups and decimals; the sign is checked by hand (not after a digit)
const NUMBER = /(?<![\d.,])[-−–]?\$?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)/g;

interface NumberHit {
  value: number;
  index: number;
  end: number;
}

function numbersIn(s: string): NumberHit[] {
  const out: NumberHit[] = [];
  for (const m of s.matchAll(NUMBER)) {
    let tok = m[0];
    let neg = false;
    if (/^[-−–]/.test(tok)) {
      // "x-3" (glued to a word) and "5 - 3" (after a number) are subtraction or ranges, not signs
      const glued = m.index > 0 && /[\w)\]]/.test(s[m.index - 1]);
      const afterNumber = /[\d)\]]\s*$/.test(s.slice(Math.max(0, m.index - 8), m.index));
      neg = !glued && !afterNumber;
      tok = tok.slice(1);
    }
    tok = tok.replace(/^\$/, '').replace(/,/g, '');
    const v = Number(tok);
    if (Number.isFinite(v)) out.push({ value: neg ? -v : v, index: m.index, end: m.index + m[0].length });
  }
  return out;
}

/** A reference or answer string as a number ("40,000" → 40000, "-3.5", "$1,200"); null if it is not one. */
export function parseNumeric(s: string): number | null {
  const t = s.trim().replace(/%$/, '').replace(/\.$/, '');
  const hits = numbersIn(t);
  if (hits.length !== 1 || hits[0].index !== 0 || hits[0].end !== t.length) return null;
  return hits[0].value;
}

/**
 * The final numeric answer of a worked solution: the number after the last `####`, else the first number
 * after the last "answer is" / "Answer:", else inside the last \boxed{}, else the last number in the text.
 */
export function extractFinalNumber(text: string): number | null {
  const hash = text.lastIndexOf('####');
  if (hash >= 0) {
    const n = numbersIn(text.slice(hash + 4));
    if (n.length) return n[0].value;
  }
  const answers = [...text.matchAll(/\b(?:final answer|answer)(?:\s+is)?\s*[:=]?/gi)];
  for (let k = answers.length - 1; k >= 0; k--) {
    const a = answers[k];
    const rest = text.slice(a.index + a[0].length).split('\n').find((l) => l.trim() !== '') ?? '';
    const n = numbersIn(rest);
    if (n.length) return n[0].value;
  }
  const boxed = [...text.matchAll(/\\boxed\{([^}]*)\}/g)];
  if (boxed.length) {
    const n = numbersIn(boxed[boxed.length - 1][1]);
    if (n.length) return n[n.length - 1].value;
  }
  const all = numbersIn(text);
  return all.length ? all[all.length - 1].value : null;
}

function numbersEqual(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
}

// ---- ROUGE ------------------------------------------------------------------------------------------------

/** Tokens as ROUGE scorers produce them without stemming: lowercase alphanumeric runs. */
function rougeTokens(s: string): string[] {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter((w) => w.length > 0);
}

interface Prf {
  precision: number;
  recall: number;
  f1: number;
}

function prf(overlap: number, nPred: number, nRef: number): Prf {
  const precision = nPred ? overlap / nPred : 0;
  const recall = nRef ? overlap / nRef : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1 };
}

/** ROUGE-1: clipped unigram overlap. */
export function rouge1(pred: string, ref: string): Prf {
  const p = rougeTokens(pred);
  const r = rougeTokens(ref);
  const counts = new Map<string, number>();
  for (const w of r) counts.set(w, (counts.get(w) ?? 0) + 1);
  let overlap = 0;
  for (const w of p) {
    const c = counts.get(w) ?? 0;
    if (c > 0) {
      overlap++;
      counts.set(w, c - 1);
    }
  }
  return prf(overlap, p.length, r.length);
}

function lcsLength(a: string[], b: string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  let prev = new Int32Array(b.length + 1);
  let cur = new Int32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) cur[j] = a[i - 1] === b[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}

/** ROUGE-L over the whole text as one sequence (longest common subsequence). */
export function rougeL(pred: string, ref: string): Prf {
  const p = rougeTokens(pred);
  const r = rougeTokens(ref);
  return prf(lcsLength(p, r), p.length, r.length);
}

/** The reference code's "rouge": share of the reference's distinct lowercase whitespace tokens in the prediction. */
export function unigramSetRecall(pred: string, ref: string): number {
  const r = new Set(ref.toLowerCase().split(/\s+/).filter(Boolean));
  if (r.size === 0) return 0;
  const p = new Set(pred.toLowerCase().split(/\s+/).filter(Boolean));
  let hit = 0;
  for (const w of r) if (p.has(w)) hit++;
  return hit / r.size;
}

// ---- reference-code rules (docs/model.md §1.1) -------------------------------------------------------------------

function normaliseText(s: string): string {
  return s.replace(/[^A-Za-z0-9]/g, ' ').toLowerCase().replace(/\s+/g, ' ').trim();
}

function referenceNumeric(s: string): string {
  const a = /Answer:\s*(\d[\d,.]*)/.exec(s);
  let tok: string | null = a ? a[1] : null;
  if (tok === null) {
    const all = [...s.matchAll(/\d[\d,.]*/g)];
    tok = all.length ? all[all.length - 1][0] : null;
  }
  if (tok === null) return s.trim();
  return tok.replace(/,/g, '').replace(/[^\d.]/g, '');
}

// ---- scoring ------------------------------------------------------------------------------------------------

interface ScoringSpec {
  extraction: ExtractionMethod;
  metric: EvaluationMetric;
  reference: string;
  /** The prompt, to find the offered option letters. */
  prompt: string;
}

export interface ScoreOptions {
  mode?: ScoringMode;
  summaryMetric?: SummaryMetric;
}

interface Score {
  accuracy: number;
  /** What was compared with the reference (letter, number, or the text), null when nothing was found. */
  extracted: string | null;
}

export function scoreCompletion(spec: ScoringSpec, completion: string, opts: ScoreOptions = {}): Score {
  const mode = opts.mode ?? 'greenserv';
  if (mode === 'reference') return scoreReference(spec, completion);
  if (spec.metric === 'rouge') {
    const which = opts.summaryMetric ?? 'rouge1';
    const text = completion.trim();
    const acc =
      which === 'rouge1' ? rouge1(text, spec.reference).f1 : which === 'rougeL' ? rougeL(text, spec.reference).f1 : unigramSetRecall(text, spec.reference);
    return { accuracy: acc, extracted: text };
  }
  if (spec.extraction === 'multiple_choice') {
    const c = extractChoice(completion, optionLetters(spec.prompt));
    const ref = spec.reference.trim().toUpperCase();
    return { accuracy: c !== null && c === ref ? 1 : 0, extracted: c };
  }
  if (spec.extraction === 'numeric') {
    const v = extractFinalNumber(completion);
    const ref = parseNumeric(spec.reference);
    return { accuracy: v !== null && ref !== null && numbersEqual(v, ref) ? 1 : 0, extracted: v === null ? null : String(v) };
  }
  // raw + exact match: normalised text equality
  const got = normaliseText(completion);
  return { accuracy: got !== '' && got === normaliseText(spec.reference) ? 1 : 0, extracted: completion.trim() };
}

function scoreReference(spec: ScoringSpec, completion: string): Score {
  let pred: string;
  let numeric = false;
  if (spec.extraction === 'multiple_choice') {
    const m = /([A-D])/.exec(completion);
    pred = m ? m[1] : completion.trim();
  } else if (spec.extraction === 'numeric') {
    pred = referenceNumeric(completion);
    numeric = true;
  } else {
    pred = completion.trim();
  }
  if (spec.metric === 'rouge') return { accuracy: unigramSetRecall(pred, spec.reference), extracted: pred };
  const a = numeric ? pred.trim() : normaliseText(pred);
  const b = numeric ? spec.reference.trim() : normaliseText(spec.reference);
  return { accuracy: a === b ? 1 : 0, extracted: pred };
}

/** Cut a completion at the first stop sequence (servers that ignore `stop` still score the same). */
export function applyStops(text: string, stops: readonly string[]): string {
  let cut = text.length;
  for (const s of stops) {
    if (!s) continue;
    const i = text.indexOf(s);
    if (i >= 0 && i < cut) cut = i;
  }
  return text.slice(0, cut);
}
