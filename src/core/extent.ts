/**
 * Least and greatest of a list by loop: Math.min(...xs) passes every value as an argument and overflows the
 * stack from some 120,000 values (a chart of one point per model of a wide table).
 */
export function minOf(xs: readonly number[]): number {
  let m = Infinity;
  for (const x of xs) if (x < m) m = x;
  return m;
}

export function maxOf(xs: readonly number[]): number {
  let m = -Infinity;
  for (const x of xs) if (x > m) m = x;
  return m;
}
