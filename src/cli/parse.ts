/** Strict parsers for command-line values; each failure is a UsageError naming the option. */
import { UsageError } from '../core/errors.js';
import { parseDecimal } from '../core/format.js';
import { warn } from './say.js';

export function parseNumber(opt: string, raw: string): number {
  const v = parseDecimal(raw);
  if (!Number.isFinite(v)) throw new UsageError(`${opt}: '${raw}' is not a number`);
  return v;
}

/** An integer in [min, max]; the upper bound is a documented limit (docs/limits.md). */
export function parseInteger(opt: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = parseNumber(opt, raw);
  if (!Number.isInteger(v) || v < min) throw new UsageError(`${opt}: must be an integer ≥ ${min}, got '${raw}'`);
  if (v > max) throw new UsageError(`${opt}: at most ${max} (see docs/limits.md), got '${raw}'`);
  return v;
}

/** λ in [0, 1] (the accuracy–cost trade-off), one check for every command that takes one. */
export function parseLambda(opt: string, raw: string): number {
  const lambda = parseNumber(opt, raw);
  if (lambda < 0 || lambda > 1) throw new UsageError(`${opt}: must be in [0, 1], got '${raw}'`);
  return lambda;
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

/** For an option given once: a second value is a usage error, not a silent replacement of the first. */
export function once(flag: string, hint = ''): (value: string, previous: string | undefined) => string {
  return (value, previous) => {
    if (previous !== undefined) throw new UsageError(`${flag}: given twice ('${previous}', '${value}')${hint}`);
    return value;
  };
}

/** An `--embed-dim` typed on the command line while the contexts are not `embed`: it would be ignored, so say so. */
export function warnUnusedEmbedDim(source: string | undefined, features: unknown): void {
  const list = String(features ?? '').split(',').map((f) => f.trim());
  if (source === 'cli' && !list.includes('embed')) warn('--embed-dim applies to --features embed only; it is ignored here');
}
