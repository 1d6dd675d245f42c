import { terminalSafe } from '../core/escape.js';
import { wordedWarn } from '../core/errors.js';
import { warn as sayWarning } from '../core/messages.js';
import { flagName } from './errors.js';

export { terminalSafe };
export { errText, keepTypedWhole, notice, say } from '../core/messages.js';

/** A 'greenserv: warning:' line on stderr; the settings a library warning names are worded by their flags. */
export const warn = wordedWarn(sayWarning, flagName);

/**
 * Text for stdout, escaped as messages are (core/messages.ts): tables quote names from input files and summaries.
 * JSON stays valid and decodes to the same values, as \uXXXX is a JSON escape and JSON.stringify leaves no raw
 * control outside strings.
 */
export const print = (s: string): void => void process.stdout.write(terminalSafe(s));

/** A command's warning sink: its own, or a 'greenserv: warning:' line through its err (tests capture that). */
export const warnOf = (io: { err: (s: string) => void; warn?: (m: string) => void }): ((m: string) => void) =>
  wordedWarn(io.warn ?? ((m) => io.err(`greenserv: warning: ${m}\n`)), flagName);
