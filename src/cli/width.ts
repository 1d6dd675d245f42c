import { terminalWidth } from '../core/messages.js';

/** The width stdout text must fit (core/messages.ts terminalWidth). */
export const stdoutWidth = (): number => terminalWidth(process.stdout);
