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
  const parts: string[] = [];
  for (const part of line.split(sep)) {
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
