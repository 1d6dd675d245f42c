import { DataError, UsageError } from '../data/errors.js';

/** Exit code for bad input (usage, data). */
export const EXIT_BAD_INPUT = 2;

export function isUserError(e: unknown): e is Error {
  return e instanceof UsageError || e instanceof DataError;
}
