/** Strict parsers for command-line values; each failure is a UsageError naming the option. */
import { UsageError } from '../core/errors.js';

export function parseNumber(opt: string, raw: string): number {
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v)) throw new UsageError(`${opt}: '${raw}' is not a number`);
  return v;
}

/** An integer in [min, max]; the upper bound is a documented limit (docs/limits.md). */
export function parseInteger(opt: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = parseNumber(opt, raw);
  if (!Number.isInteger(v) || v < min) throw new UsageError(`${opt} must be an integer ≥ ${min}, got '${raw}'`);
  if (v > max) throw new UsageError(`${opt} must be at most ${max}, got '${raw}' (see docs/limits.md)`);
  return v;
}

export function parseChoice<T extends string>(opt: string, raw: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(raw)) throw new UsageError(`${opt}: '${raw}' is not one of ${choices.join(', ')}`);
  return raw as T;
}

export function parseList(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
