import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type QueryRecord, readQueries } from '../../src/features/queries.js';

/** The 2,500 real prompts beside the checkout (never copied into the repository). */
export const PROMPTS_DIR = fileURLToPath(new URL('../../../shared/data/greenserv/prompts', import.meta.url));
export const HAVE_PROMPTS = existsSync(PROMPTS_DIR);

export function warnIfNoPrompts(what: string): void {
  if (!HAVE_PROMPTS) console.warn(`[features] skipping ${what}: ${PROMPTS_DIR} not found (../shared is absent)`);
}

let cache: QueryRecord[] | null = null;
/** Real prompts in the reference's query_id order (mmlu, hellaswag, winogrande, gsm8k, cnn_dailymail). */
export function realPrompts(): QueryRecord[] {
  cache ??= readQueries(PROMPTS_DIR).records;
  return cache;
}

export const PAPER_ORDER = ['mmlu', 'hellaswag', 'winogrande', 'gsm8k', 'cnn_dailymail'] as const;
