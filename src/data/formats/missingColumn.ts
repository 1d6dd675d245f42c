/** The message for a required column a header lacks, with the near miss a typo leaves in its place. */
import { closest } from '../../core/errors.js';

/**
 * `missing required column 'accuracy' (long format)`, followed by `; the header has 'acuracy' — did you
 * mean 'accuracy'?` when a column of the header is a near miss of the name (a few edits away, or the name
 * with a suffix). `required`: the reader's required columns, which are never offered as the near miss of
 * another.
 */
export function missingColumn(name: string, columns: readonly string[], what: string | null, required: readonly string[] = []): string {
  const skip = new Set([name, ...required].map((c) => c.toLowerCase()));
  const near = closest(
    name,
    columns.map((c) => c.trim()).filter((c) => c !== '' && !skip.has(c.toLowerCase())),
  );
  return `missing required column '${name}'${what === null ? '' : ` (${what})`}${near === null ? '' : `; the header has '${near}' — did you mean '${name}'?`}`;
}

/** `did you mean 'query_id' for 'queryid' and 'model_id' for 'model'?` for [header column, meant] pairs, or '' for none. */
export function meantFor(pairs: readonly (readonly [have: string, meant: string])[]): string {
  if (pairs.length === 0) return '';
  const each = pairs.map(([have, meant]) => `'${meant}' for '${have}'`);
  return `did you mean ${each.length === 1 ? each[0] : `${each.slice(0, -1).join(', ')} and ${each[each.length - 1]}`}?`;
}
