/**
 * Whole-file reads of small user files (configurations, side files, models): regular files only, within a
 * size bound, with read failures reported as the user's problem. Large tables are streamed elsewhere.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { DataError, userIoError } from './errors.js';

/** Default bound for a configuration-sized file. */
export const MAX_SMALL_FILE_BYTES = 256 * 1024 * 1024;
/** Bound for a results file read back as one string: a little under the longest string V8 holds. */
export const MAX_RESULTS_FILE_BYTES = 500 * 1024 * 1024;

/** The file's bytes; a device, pipe or directory, a file over `maxBytes`, or a failed read is a DataError/UsageError naming it. */
export function readFileBounded(file: string, what: string, maxBytes = MAX_SMALL_FILE_BYTES): Buffer {
  let fd: number;
  try {
    // non-blocking: opening a FIFO with no writer would otherwise wait forever before fstat can refuse it
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new DataError('file not found', file);
    throw userIoError(e, file, `read ${what}`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new DataError(`is a directory, expected ${what}`, file);
    if (!st.isFile()) throw new DataError(`is not a regular file (a device, pipe or socket cannot be read as ${what})`, file);
    if (st.size > maxBytes) throw new DataError(`${st.size} bytes, more than the ${maxBytes} a ${what} may have (docs/limits.md)`, file);
    return readFileSync(fd);
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw userIoError(e, file, `read ${what}`);
  } finally {
    closeSync(fd);
  }
}

/** JSON text of a file read back (a summary, a manifest): a parse failure is a DataError naming the file. */
export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DataError(`invalid JSON (${(e as Error).message})`, file);
  }
}
