/** Messages on stderr: every layer's errors, warnings and notes reach the user through say(). */
import { resolve } from 'node:path';
import { shownName, terminalSafe } from './escape.js';
import { wrapWhole } from './format.js';

/**
 * The width text on a stream must fit: the terminal's less one column (a character in the last column makes some
 * terminals wrap), or Infinity when the stream is not a terminal, so piped output is never broken.
 */
export function terminalWidth(stream: NodeJS.WriteStream): number {
  return stream.isTTY ? (stream.columns || 80) - 1 : Infinity;
}

/** The words of the command line with a space between other characters, as a message may show them; see keepTypedWhole. */
let typed: readonly string[] = [];

/**
 * Every message keeps these command-line words whole on a terminal: a path the user typed (`--data 'My
 * Data/x.csv'`, or `--out=…`) is shown by warnings and errors of any layer, as typed or resolved. A word of
 * blanks alone (a separator) would keep every space of a message, so it is not kept.
 */
export function keepTypedWhole(words: readonly string[]): void {
  const values = words.map((w) => (/^--[^=\s]+=/.test(w) ? w.slice(w.indexOf('=') + 1) : w)).filter((w) => w.trim().includes(' '));
  typed = [...new Set(values.flatMap((w) => [w, shownName(w), shownName(resolve(w))]))];
}

/**
 * One prefixed message on stderr. Messages quote input (cells, ids, paths), so control characters are shown
 * escaped: a crafted file must not be able to drive the terminal through an error or a warning. On a terminal
 * each line breaks between words, never inside a piece of `whole` (a path, a command to copy) or a typed
 * command-line word; piped, it stays one line. A stack trace keeps its lines as they are.
 */
export function say(kind: string, m: string, whole: readonly string[] = []): void {
  const text = `greenserv: ${kind}: ${terminalSafe(m)}`;
  const width = kind === 'internal error' ? Infinity : terminalWidth(process.stderr);
  const kept = width === Infinity ? [] : [...whole, ...typed].map(terminalSafe);
  process.stderr.write(`${text.split('\n').map((l) => wrapWhole(l, width, kept)).join('\n')}\n`);
}

/**
 * A notice with the line breaks its caller set (an interrupt's), its control characters escaped as say()
 * escapes them (it quotes paths); piped, one line each; on a terminal each line breaks between words to fit,
 * never inside a piece of `whole` (paths, a command to copy).
 */
export function notice(text: string, whole: readonly string[] = []): void {
  const width = terminalWidth(process.stderr);
  const safe = terminalSafe(text);
  process.stderr.write(width === Infinity ? safe : safe.split('\n').map((l) => wrapWhole(l, width, whole.map(terminalSafe))).join('\n'));
}

export const warn = (m: string): void => say('warning', m);

/** Raw stderr text from a command's writer (it ends its own lines), escaped the same way. */
export const errText = (s: string): void => void process.stderr.write(terminalSafe(s));
