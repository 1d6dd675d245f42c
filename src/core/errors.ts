import { resolve } from 'node:path';
import { shownName } from './escape.js';
/**
 * A message that names run settings, worded by whoever shows it: by field (`force`) as a library caller
 * writes them, or, on the command line, by flag (`--force`).
 */
export type Wording = (name: (field: string) => string) => string;

const asField = (field: string): string => field;

/** An input problem the user can fix: names the file and, where known, the line and column. Exit code 2. */
export class DataError extends Error {
  readonly #render: Wording | undefined;
  readonly #where: string;
  constructor(
    message: string | Wording,
    readonly file?: string,
    readonly line?: number,
    readonly column?: string,
    /** What `column` names: a table's column, or a field of a config file. */
    kind: 'column' | 'field' = 'column',
  ) {
    const where = formatLocation(file, line, column, kind);
    super(where + (typeof message === 'string' ? message : message(asField)));
    this.name = 'DataError';
    this.#where = where;
    this.#render = typeof message === 'string' ? undefined : message;
  }

  /** The message with each setting it names worded by `name`. */
  worded(name: (field: string) => string): string {
    return this.#render ? this.#where + this.#render(name) : this.message;
  }
}

/**
 * A file that cannot be decoded as its format at all (truncated, corrupt or hostile bytes). Scanning a
 * directory skips files that are not tables of the kind wanted, but never these: a damaged file would
 * otherwise drop its rows from a run without anyone noticing.
 */
export class UnreadableError extends DataError {
  constructor(message: string, file?: string, line?: number, column?: string) {
    super(message, file, line, column);
    this.name = 'DataError';
  }
}

/** `where: message`, or the message alone when `where` is empty (a schema adds its own location). */
export function at(where: string, message: string): string {
  return where ? `${where}: ${message}` : message;
}

/** A warn callback that may carry how its caller names settings (the command line: by flag). */
type Warn = ((message: string) => void) & { wording?: (field: string) => string };

/** A warning that names settings: worded by field for a library caller, as the callback asks for a command. */
export function warnSetting(warn: ((message: string) => void) | undefined, render: Wording): void {
  warn?.(render((warn as Warn).wording ?? asField));
}

/** `warn` with the settings of warnSetting's warnings named by `name`. */
export function wordedWarn(warn: (message: string) => void, name: (field: string) => string): (message: string) => void {
  return Object.assign((m: string) => warn(m), { wording: name });
}

/** The message of `e`, with the settings it names worded by `name` where it says which they are. */
export function wordedMessage(e: Error, name: (field: string) => string): string {
  return e instanceof SettingError || e instanceof DataError ? e.worded(name) : e.message;
}

/** Pieces of an error's message a terminal must not break across lines; see keepWhole. */
const wholes = new WeakMap<Error, readonly (string | Wording)[]>();

/**
 * `e`, with pieces of its message that a terminal shows on one line (say() breaks lines between words): a
 * path that may hold spaces, a command to copy. A piece that names settings is a Wording, as the message is.
 */
export function keepWhole<E extends Error>(e: E, ...pieces: (string | Wording)[]): E {
  wholes.set(e, [...(wholes.get(e) ?? []), ...pieces]);
  return e;
}

/** What of `e`'s message to keep whole: the file a DataError names (as shown) and keepWhole's pieces, worded by `name`. */
export function wholePieces(e: Error, name: (field: string) => string = asField): string[] {
  const pieces = (wholes.get(e) ?? []).map((p) => (typeof p === 'string' ? p : p(name)));
  return e instanceof DataError && e.file ? [shownName(e.file), ...pieces] : pieces;
}

/** A bad command-line value (unknown policy, λ out of range…). Exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * A usage error about run settings, worded by whoever shows it: the message names fields (`split`), as a
 * library caller wrote them; the command line renders it again with its flags (`--split`).
 */
export class SettingError extends UsageError {
  readonly #render: Wording;
  constructor(render: Wording) {
    super(render(asField));
    this.#render = render;
  }

  /** The message with each setting named by `name`. */
  worded(name: (field: string) => string): string {
    return this.#render(name);
  }
}

/**
 * A plugin policy's own code failed (it threw): the message names the policy, its module and where in it.
 * Exit code 1, shown without greenserv's stack, which says nothing about the plugin.
 */
export class PluginError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PluginError';
  }
}

function formatLocation(file?: string, line?: number, column?: string, kind = 'column'): string {
  if (!file) return '';
  let s = shownName(file);
  if (line !== undefined) s += `:${line}`;
  // A hostile header can name a column with megabytes: the message shows its start.
  if (column !== undefined) s += ` (${kind} '${shownName(column.length > 80 ? column.slice(0, 80) + '…' : column)}')`;
  return s + ': ';
}

/** Edit distance (insert, delete, substitute, swap adjacent), for "did you mean" hints. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** ` (did you mean 'x'?)` for the closest candidate within a few edits (or a prefix match), else ''. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const best = closest(word, candidates);
  return best === null ? '' : ` (did you mean '${best}'?)`;
}

/** Words longer than this get no "did you mean". */
export const MAX_SUGGESTED_LENGTH = 256;

/** The candidate closest to `word` within a few edits (or one that starts with it), else null. */
export function closest(word: string, candidates: readonly string[]): string | null {
  // a suggestion for a name this long helps nobody, and its table against a candidate as long would be quadratic
  if (word.length > MAX_SUGGESTED_LENGTH) return null;
  const w = word.toLowerCase();
  const limit = Math.max(1, Math.min(3, Math.floor(w.length * 0.4)));
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of candidates) {
    const lc = c.toLowerCase();
    const prefix = lc.startsWith(w) && w.length >= 2;
    // lengths further apart than the limit are further apart in edits too: never a suggestion, and the
    // quadratic table of a megabyte-long word against them would take minutes
    if (!prefix && Math.abs(lc.length - w.length) > limit) continue;
    const d = prefix ? 1 : editDistance(w, lc);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best !== null && bestD <= limit ? best : null;
}

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EEXIST: 'already exists',
  ENOTEMPTY: 'directory not empty',
  ENOTDIR: 'a component of the path is not a directory',
  EISDIR: 'is a directory',
  ENOENT: 'no such file or directory',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many levels of symbolic links',
  EBUSY: 'resource busy (a mount point?)',
  EXDEV: 'crosses file systems',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EIO: 'input/output error',
  ENXIO: 'no such device or address (a socket, or a device with nothing behind it)',
};

/**
 * The one place where errno failures of reading or writing the user's paths become user errors (exit 2):
 * a known code gives a UsageError naming the path and the reason; anything else is returned unchanged.
 */
export function userIoError(e: unknown, path: string, action = 'write'): unknown {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string' || !isUserIoCode(code)) return e;
  const sys = (e as NodeJS.ErrnoException).path;
  const detail = sys && resolve(sys) !== resolve(path) ? ` (${sys})` : '';
  return new UsageError(`cannot ${action} '${shownName(path)}': ${REASONS[code]} [${code}]${shownName(detail)}`);
}

/** Whether an errno code is one of the user's problems (a path, a permission, a full disk…). */
export function isUserIoCode(code: string): boolean {
  return Object.hasOwn(REASONS, code);
}
