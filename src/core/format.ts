/** Formatting shared by every layer. */

/** UTC time for default results directory names, e.g. 20261206T044912Z (no colons, so valid on every OS). */
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
