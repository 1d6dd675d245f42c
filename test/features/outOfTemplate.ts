/**
 * Out-of-template prompts for measuring the task classifier: the real prompts rewritten without their
 * instruction lines and option letters, or in a template the training never sees, and RouterBench's
 * Winogrande queries (another source, another template).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { contentParts } from '../../src/features/taskContent.js';

export const ROUTERBENCH_DIR = fileURLToPath(new URL('../../../shared/data/routerbench', import.meta.url));
export const HAVE_ROUTERBENCH = existsSync(ROUTERBENCH_DIR);

export type Variant = 'bare' | 'question-only' | 'other-template';
export const VARIANTS: readonly Variant[] = ['bare', 'question-only', 'other-template'];

/** Rewrite a templated prompt: its body (and options) with the template replaced. */
export function rewrite(text: string, v: Variant): string {
  const p = contentParts(text);
  if (v === 'bare') return [...p.body, ...p.options].join('\n');
  if (v === 'question-only') return p.body.join('\n');
  // a template unlike the project's and unlike the training pool
  const opts = p.options.map((o, i) => `${i + 1}) ${o}`);
  return ['### Instruction', 'Pick the right one.', '### Input', ...p.body, ...opts, '### Response'].join('\n');
}

/** RouterBench's prompt cell is a Python list literal holding one string; return that string. */
export function unpyList(cell: string): string {
  const m = /^\[(['"])([\s\S]*)\1\]$/.exec(cell.trim());
  if (!m) return cell;
  return m[2].replace(/\\(n|t|'|"|\\)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
}

/** The query a few-shot RouterBench prompt asks (its last block), with RouterBench's own template. */
export function lastQuery(prompt: string): string {
  const parts = prompt.split(/Answer:\s*\n[A-E]\n\n/);
  return parts[parts.length - 1].trim();
}

/** The Winogrande sentence (the line with the `_` blank) of a query, for de-duplication. */
export function blankSentence(q: string): string | null {
  const l = q.split('\n').find((x) => x.includes('_'));
  return l ? l.trim() : null;
}

/** RouterBench Winogrande queries (train and test files), each query once, in file order. */
export function routerbenchWinogrande(): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const f of ['winograde_train.csv', 'winograde_test.csv']) {
    const rows = parse(readFileSync(`${ROUTERBENCH_DIR}/${f}`), { columns: true }) as Record<string, string>[];
    for (const r of rows) {
      const q = lastQuery(unpyList(r.prompt));
      if (seen.has(q)) continue;
      seen.add(q);
      out.push(q);
    }
  }
  return out;
}
