/**
 * Whole-file reads of small user files (configurations, side files, models): regular files only, within a
 * size bound, with read failures reported as the user's problem. Large tables are streamed elsewhere.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { DataError, userIoError } from './errors.js';

/** Default bound for a configuration-sized file. */
const MAX_SMALL_FILE_BYTES = 256 * 1024 * 1024;
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

/**
 * The first line of a YAML/JSON parse failure; the parser recurses per level of nesting, so a text nested
 * hundreds of levels deep overflows the stack, which is said as such rather than as the engine's message.
 */
export function configParseFailure(e: unknown): string {
  const first = e instanceof Error ? e.message.split('\n')[0] : String(e);
  if (e instanceof RangeError || /^Maximum call stack size exceeded/.test(first)) return 'nested too deeply (lists or maps hundreds of levels deep); a config file needs only a few levels';
  return first;
}

// C0 controls but tab, line feed and carriage return: YAML forbids them, and a NUL or escape in a comment
// would otherwise pass unseen into the results' copy of the config
const CONFIG_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;

/**
 * Items a config text may hold, counted as its commas and line breaks (a bound on its YAML values). A YAML
 * parser keeps about 1.5 kB per value, so a 16 MiB file of `0,0,0,…` took minutes and gigabytes before the
 * schema could refuse it; the largest valid experiment (100,000 published figures) stays below.
 */
export const MAX_CONFIG_ITEMS = 1_000_000;

/**
 * Refuse a config text holding a C0 control character other than tab, LF or CR, naming its line and column,
 * or more than MAX_CONFIG_ITEMS items, naming the line where the count passes it.
 */
export function checkConfigText(text: string, file: string): void {
  let items = 0;
  let at = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 44) items++;
    else if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      items++;
      at++;
    }
    if (items > MAX_CONFIG_ITEMS) throw new DataError(`more than ${MAX_CONFIG_ITEMS} items (commas and line breaks) up to this line; a config file holds at most ${MAX_CONFIG_ITEMS} (see docs/limits.md)`, file, at);
  }
  const m = CONFIG_CONTROL.exec(text);
  if (!m) return;
  const before = text.slice(0, m.index);
  const line = (before.match(/\r\n|\r|\n/g)?.length ?? 0) + 1;
  const column = m.index - Math.max(before.lastIndexOf('\n'), before.lastIndexOf('\r'));
  const code = `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}${m[0] === '\u0000' ? ' (NUL)' : ''}`;
  throw new DataError(`control character ${code} at column ${column}: a config file may hold tab, line feed and carriage return, no other control character (not even in a comment)`, file, line);
}
