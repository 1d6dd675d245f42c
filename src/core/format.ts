/** Formatting shared by every layer. */

/** UTC time for default results directory names, e.g. 2026-12-06T044912Z (no colons, so valid on every OS). */
export function timestamp(now = new Date()): string {
  return now.toISOString().replace(/[:]/g, '').replace(/\.\d+Z$/, 'Z');
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A decimal number as people write it (`12`, `-0.5`, `.25`, `1e-3`), NaN for anything else: JavaScript's
 * Number() would also take `0x10`, `0b1`, `Infinity` and surrounding spaces.
 */
export function parseDecimal(s: string): number {
  const t = s.trim();
  return DECIMAL.test(t) ? Number(t) : Number.NaN;
}

/**
 * Break a line at `sep` (which it drops) so that no piece is wider than `width` where avoidable. A '%' sign
 * stays with the number before it (`30 %` is never split over two lines).
 */
export function wrapAt(line: string, sep: string, width: number): string {
  return fill(line.split(sep), sep, width);
}

/**
 * Break a line between words like wrapAt(line, ' ', width), but never inside a piece of `whole` (a path, a
 * command to copy): it may hold spaces, and one wider than `width` gets a line of its own.
 */
export function wrapWhole(line: string, width: number, whole: readonly string[]): string {
  const kept = new Uint8Array(line.length);
  for (const w of whole) {
    for (let i = w === '' ? -1 : line.indexOf(w); i >= 0; i = line.indexOf(w, i + 1)) kept.fill(1, i, i + w.length);
  }
  const words: string[] = [];
  let start = 0;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === ' ' && kept[i] === 0) {
      words.push(line.slice(start, i));
      start = i + 1;
    }
  }
  words.push(line.slice(start));
  return fill(words, ' ', width);
}

/** The pieces of a line rejoined with `sep` into lines no wider than `width` where avoidable. */
function fill(pieces: readonly string[], sep: string, width: number): string {
  const parts: string[] = [];
  for (const part of pieces) {
    if (parts.length > 0 && part.startsWith('%') && /\d$/.test(parts[parts.length - 1])) parts[parts.length - 1] += sep + part;
    else parts.push(part);
  }
  const lines: string[] = [];
  for (const part of parts) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + sep.length + part.length <= width) lines[last] += sep + part;
    else lines.push(part);
  }
  return lines.join('\n');
}
