/** A small prompt file in the paper's layout (spec §1.1) and deterministic answers for it. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface FixtureQuery {
  dataset: string;
  processed_input: string;
  reference: string;
  max_new_tokens: string;
  stop_sequence: string;
  extraction_method: string;
  evaluation_metric: string;
  id: string;
  /** What the fake server answers, and the accuracy that answer must get. */
  answer: string;
  accuracy: number;
}

const MC = (q: string, opts: string[]): string =>
  `Choose the correct answer. Respond with a single letter.\nQuestion:\n${q}\nOptions:\n${opts.map((o, i) => `${'ABCD'[i]}. ${o}`).join('\n')}\nAnswer:\n`;
const GSM = (q: string): string => `Solve this step by step. Provide your final answer in the format 'Answer: <answer> ####'.\nQuestion:\n${q}\n\nAnswer:\n`;
const CNN = (a: string): string => `Write 2-3 concise sentences summarizing the key details of the article. End with ####.\nArticle:\n${a}\n\nSummary:\n`;

export const FIXTURE: FixtureQuery[] = [
  { dataset: 'mmlu', processed_input: MC('Which planet is closest to the Sun?', ['Venus', 'Mercury', 'Earth', 'Mars']), reference: 'B', max_new_tokens: '1', stop_sequence: "['\\n']", extraction_method: 'multiple_choice', evaluation_metric: 'exact_match', id: 'mmlu_1', answer: 'B', accuracy: 1 },
  { dataset: 'mmlu', processed_input: MC('What is 2 + 2?', ['3', '4', '5', '22']), reference: 'B', max_new_tokens: '1', stop_sequence: "['\\n']", extraction_method: 'multiple_choice', evaluation_metric: 'exact_match', id: 'mmlu_2', answer: ' D', accuracy: 0 },
  { dataset: 'winogrande', processed_input: 'Choose the correct answer. Respond with a single letter.\nContext:\nThe cup fell off the table because _ was unstable.\nOptions:\nA. the cup\nB. the table\nAnswer:\n', reference: 'B', max_new_tokens: '1', stop_sequence: "['\\n']", extraction_method: 'multiple_choice', evaluation_metric: 'exact_match', id: 'winogrande_1', answer: 'B\nbecause tables wobble', accuracy: 1 },
  { dataset: 'gsm8k', processed_input: GSM('A shop sells 1,200 apples on Monday and 1,080 on Tuesday. How many apples in total?'), reference: '2,280', max_new_tokens: '256', stop_sequence: "['####']", extraction_method: 'numeric', evaluation_metric: 'exact_match', id: 'gsm8k_1', answer: 'Monday: 1,200. Tuesday: 1,080.\n1,200 + 1,080 = 2,280\nAnswer: 2,280 #### ignored', accuracy: 1 },
  { dataset: 'gsm8k', processed_input: GSM('The temperature was 4 degrees and fell by 9. What is it now?'), reference: '-5', max_new_tokens: '256', stop_sequence: "['####']", extraction_method: 'numeric', evaluation_metric: 'exact_match', id: 'gsm8k_2', answer: '4 - 9 = -5\nAnswer: -5', accuracy: 1 },
  {
    dataset: 'cnn_dailymail',
    processed_input: CNN('The city council approved a new budget on Monday. It includes funding for two new parks and for road repairs across the city. The mayor said construction starts in spring.'),
    reference: 'City council approves new budget .\nIt funds two new parks and road repairs .',
    max_new_tokens: '128',
    stop_sequence: "['####', '\\n\\n\\n']",
    extraction_method: 'raw',
    evaluation_metric: 'rouge',
    id: 'cnn_dailymail_1',
    answer: 'The city council approved a new budget that funds two new parks and road repairs. ####',
    accuracy: Number.NaN, // graded: checked as a range
  },
];

function csvCell(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const PROMPT_COLUMNS = ['dataset', 'processed_input', 'reference', 'max_new_tokens', 'stop_sequence', 'extraction_method', 'evaluation_metric', 'id'] as const;

export function writePromptFile(dir: string, rows: FixtureQuery[] = FIXTURE, name = 'prompts.csv', columns: readonly string[] = PROMPT_COLUMNS): string {
  const lines = [columns.join(','), ...rows.map((r) => columns.map((c) => csvCell(String((r as unknown as Record<string, string>)[c] ?? ''))).join(','))];
  const p = join(dir, name);
  writeFileSync(p, lines.join('\n') + '\n');
  return p;
}

export function answerFor(prompt: string): string {
  const q = FIXTURE.find((f) => f.processed_input === prompt);
  if (!q) throw new Error(`unexpected prompt: ${prompt.slice(0, 60)}`);
  return q.answer;
}
