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
