/**
 * What the content task classifier reads: the prompt with its template taken out, so the model learns the
 * task from the question itself and still works on prompts written with other templates or none.
 *
 * - lines before the first bare section header (`Question:`, `Context:`, `Article:`…) within the first
 *   three lines are the instruction and are dropped;
 * - bare header lines are dropped and a leading header word (`Question: …`) is cut from a line;
 * - option markers (`A.`, `B)`, `(C)`, `[D]`, `1.`) are cut, the option text is kept, and their number
 *   becomes a token of its own (a structural feature of multiple-choice tasks).
 *
 * Instructions of other templates survive this; training randomises instruction lines across labels
 * (`augmentExamples`), so their words carry no label.
 */
import { Rng } from '../core/rng.js';

const HEADER_WORDS =
  'question|questions|context|options|choices|answer|answers|article|summary|passage|text|input|output|response|' +
  'problem|sentence|story|document|premise|query|q|a';
const BARE_HEADER = new RegExp(`^\\s*(?:${HEADER_WORDS})\\s*:\\s*$`, 'i');
const LEAD_HEADER = new RegExp(`^\\s*(?:${HEADER_WORDS})\\s*:\\s*`, 'i');
const OPTION_MARK = /^\s*(?:\(([A-Ha-h1-8])\)|\[([A-Ha-h1-8])\]|([A-H1-8])[.):])\s+/;

const MAX_SCAN = 1 << 18;

interface ContentParts {
  /** Body lines (question, context, article), template removed, in order. */
  body: string[];
  /** Option texts without their markers. */
  options: string[];
}

/** Split a prompt into body and options, with instruction, headers and option markers removed. */
export function contentParts(text: string): ContentParts {
  // bounded work on hostile input; prompts are far shorter
  const src = text.length > MAX_SCAN ? text.slice(0, MAX_SCAN) : text;
  const lines = src.split('\n');
  let start = 0;
  // instruction: whatever precedes the first bare header when it comes early
  let seen = 0;
  for (let i = 0; i < lines.length && seen < 3; i++) {
    if (lines[i].trim() === '') continue;
    if (BARE_HEADER.test(lines[i])) {
      start = i;
      break;
    }
    seen++;
  }
  const body: string[] = [];
  const options: string[] = [];
  for (let i = start; i < lines.length; i++) {
    let l = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
    if (BARE_HEADER.test(l)) continue;
    l = l.replace(LEAD_HEADER, '');
    const m = OPTION_MARK.exec(l);
    if (m) options.push(l.slice(m[0].length).trim());
    else if (l.trim() !== '') body.push(l.trim());
  }
  return { body, options };
}

const COUNT_WORDS = ['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight'];

/**
 * The prompt as the content classifier reads it: the body cut to `maxChars`, then the options (at most 8,
 * each cut to 200 characters, so a long passage does not push them out) and a line naming their number.
 */
export function contentOf(text: string, maxChars = 1000): string {
  const p = contentParts(text);
  let s = p.body.join('\n');
  if (s.length > maxChars) s = s.slice(0, maxChars);
  if (p.options.length === 0) return s;
  const opts = p.options.slice(0, 8).map((o) => (o.length > 200 ? o.slice(0, 200) : o));
  return `${s}\n${opts.join('\n')}\n\u00a7 ${COUNT_WORDS[opts.length]} options`;
}

/**
 * Instruction lines drawn at random for every label during training: the project's own five prompt
 * instructions and generic ones, so that no instruction wording predicts a task.
 */
export const INSTRUCTION_POOL: readonly string[] = [
  'Choose the correct answer. Respond with a single letter.',
  "Solve this step by step. Provide your final answer in the format 'Answer: <answer> ####'.",
  'Write 2-3 concise sentences summarizing the key details of the article. End with ####.',
  'Answer the following.',
  'Read carefully and reply.',
  'Give your answer below.',
  'Think about it, then respond.',
  'Select the best option.',
  'Complete the task.',
  'Respond briefly.',
  'Explain your reasoning before answering.',
  'Here is an item from a benchmark.',
];

const MARKS: readonly ((i: number) => string)[] = [
  (i) => `${String.fromCharCode(65 + i)}. `,
  (i) => `${String.fromCharCode(65 + i)}) `,
  (i) => `(${String.fromCharCode(97 + i)}) `,
  (i) => `${i + 1}. `,
  () => '- ',
  () => '',
];

/**
 * Training copies of each example: its content as is, plus `copies` re-templated variants — a random
 * instruction from the pool (or none), options kept in a random marker style or dropped. Seeded and
 * applied in input order, so the result is deterministic.
 */
export function augmentExamples(
  examples: readonly { text: string; label: string }[],
  copies: number,
  seed: number,
  maxChars = 1000,
): { text: string; label: string }[] {
  return augmentTagged(examples, copies, seed, maxChars).map(({ text, label }) => ({ text, label }));
}

/**
 * `augmentExamples`, each entry tagged with whether it is an example's own content (`content: true`: already
 * what the classifier reads, to be read as is) or a re-templated copy (a prompt, read through `contentOf` like
 * any prompt). Reading content through `contentOf` again would cut body and options together to `maxChars`,
 * dropping the options of a long prompt that prediction keeps.
 */
export function augmentTagged(
  examples: readonly { text: string; label: string }[],
  copies: number,
  seed: number,
  maxChars = 1000,
): { text: string; label: string; content: boolean }[] {
  const rng = new Rng(seed);
  const out: { text: string; label: string; content: boolean }[] = [];
  for (const e of examples) {
    out.push({ text: contentOf(e.text, maxChars), label: e.label, content: true });
    if (copies <= 0) continue;
    const p = contentParts(e.text);
    let body = p.body.join('\n');
    if (body.length > maxChars) body = body.slice(0, maxChars);
    for (let c = 0; c < copies; c++) {
      const lines: string[] = [];
      const instr = rng.int(INSTRUCTION_POOL.length + 2);
      if (instr < INSTRUCTION_POOL.length) lines.push(INSTRUCTION_POOL[instr]);
      lines.push(body);
      if (p.options.length > 0 && rng.next() < 0.7) {
        const mark = MARKS[rng.int(MARKS.length)];
        p.options.forEach((o, i) => lines.push(mark(i) + o));
      }
      out.push({ text: lines.join('\n'), label: e.label, content: false });
    }
  }
  return out;
}
