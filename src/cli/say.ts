import { terminalSafe } from '../core/escape.js';

export { terminalSafe };

/**
 * One prefixed line on stderr. Messages quote input (cells, ids, paths), so control characters are shown
 * escaped: a crafted file must not be able to drive the terminal through an error or a warning.
 */
export function say(kind: 'error' | 'internal error' | 'warning' | 'note', m: string): void {
  process.stderr.write(`greenserv: ${kind}: ${terminalSafe(m)}\n`);
}

export const warn = (m: string): void => say('warning', m);

/** Raw stderr text from a command's writer (it ends its own lines), escaped the same way. */
export const errText = (s: string): void => void process.stderr.write(terminalSafe(s));

/**
 * Text for stdout, escaped the same way: tables quote names from input files and summaries. JSON stays valid and
 * decodes to the same values, as \uXXXX is a JSON escape and JSON.stringify leaves no raw control outside strings.
 */
export const print = (s: string): void => void process.stdout.write(terminalSafe(s));
