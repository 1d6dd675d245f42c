import { terminalSafe } from '../core/escape.js';

export { terminalSafe };
export { errText, say, warn } from '../core/messages.js';

/**
 * Text for stdout, escaped as messages are (core/messages.ts): tables quote names from input files and summaries.
 * JSON stays valid and decodes to the same values, as \uXXXX is a JSON escape and JSON.stringify leaves no raw
 * control outside strings.
 */
export const print = (s: string): void => void process.stdout.write(terminalSafe(s));
