/** Formatting shared by every layer. */

/** UTC time for default results directory names, e.g. 20261206T044912Z (no colons, so valid on every OS). */
export function timestamp(now = new Date()): string {
  return now.toISOString().replace(/[:]/g, '').replace(/\.\d+Z$/, 'Z');
}
