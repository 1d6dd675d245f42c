/** Escaping for the text formats greenserv writes (CSV fields, HTML). */

/** A CSV field, quoted when it holds a quote, comma or line break (RFC 4180). */
export function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Shortest round-trip decimal; a missing or non-finite number as an empty field. */
export function csvNum(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '' : String(x);
}

/** Text for HTML element content and attribute values; the controls HTML and XML forbid become U+FFFD. */
export function escHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '\ufffd');
}

/**
 * Characters that can drive or reorder a terminal: C0 controls but the line feed, DEL, C1 controls and the
 * bidirectional overrides and isolates. Input text quoted in a message may hold any of them.
 */
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** A character as its \uXXXX escape (the form JSON writes for a control character). */
const uEscape = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * A path or name as a message shows it: its line feeds escaped too (terminalSafe keeps them, for messages of
 * several lines), so a file named with one cannot split the message into lines that read as two.
 */
export function shownName(s: string): string {
  return s.replace(/\n/g, uEscape);
}

/**
 * A word of a command a message gives to copy into a POSIX shell: as it is when no character in it means
 * anything to a shell, else in single quotes (a path with a space or a quote would otherwise be split or cut).
 */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_\/.,:@%+=-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

/** Text for a terminal: each such character shown as its \uXXXX escape, so a message cannot rewrite the screen. */
export function terminalSafe(s: string): string {
  return s.replace(UNSAFE, uEscape);
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** True when s holds a C0 or C1 control character or DEL: such ids and names are refused on input. */
export const hasControl = (s: string): boolean => CONTROL.test(s);

/** s as a JSON string for a message (cut at max characters), its C1 controls escaped as JSON escapes its C0. */
export function jsonQuoted(s: string, max = 80): string {
  return JSON.stringify(s.length > max ? s.slice(0, max) + '…' : s).replace(/[\u007f-\u009f]/g, uEscape);
}

/** A name a message quotes back, cut at `max` characters: a megabyte-long name must not make a megabyte message. */
export function cutName(s: string, max = 80): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/**
 * The valid names a message lists: the first `max` (each cut by cutName), then how many more, so a table of
 * 100,000 models does not make a message of megabytes. Lists of up to `max` names are shown whole.
 */
export function nameList(names: readonly string[], max = 40, cut: (name: string) => string = cutName): string {
  const head = names.slice(0, max).map((n) => cut(n)).join(', ');
  return names.length > max ? `${head} and ${names.length - max} more` : head;
}
