import { shownName } from '../core/escape.js';
import { DataError, isUserIoCode, UsageError, wholePieces, wordedMessage } from '../core/errors.js';

/** Exit code for bad input (usage, data). */
export const EXIT_BAD_INPUT = 2;

/**
 * Errors the user can fix: typed input errors, and file-system failures on a named path (missing,
 * unwritable, full…) that reached the top without being wrapped; their message names the path.
 */
export function isUserError(e: unknown): e is Error {
  if (e instanceof UsageError || e instanceof DataError) return true;
  const x = e as NodeJS.ErrnoException;
  return e instanceof Error && typeof x.code === 'string' && typeof x.path === 'string' && isUserIoCode(x.code);
}

/** Fields whose flag is not their name: the overrides in `params` are given one per `--param`. */
const FLAG_OF: Readonly<Record<string, string>> = { params: 'param' };

/** The flag of a run setting's field: `maxLatency` → `--max-latency`, `params` → `--param`. */
export const flagName = (key: string): string => `--${(FLAG_OF[key] ?? key).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** A user error's message as the command line shows it: the settings it names are worded by their flags. */
export function userErrorText(e: Error): string {
  return wordedMessage(e, flagName);
}

/** What of a user error's message a terminal keeps on one line: the file it names, a command it gives to copy. */
export function userErrorWhole(e: Error): string[] {
  const path = (e as NodeJS.ErrnoException).path;
  return typeof path === 'string' ? [shownName(path), ...wholePieces(e, flagName)] : wholePieces(e, flagName);
}
