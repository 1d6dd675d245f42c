/**
 * Which models the terminal tables of `profile-models` show: every model up to MAX_TERMINAL_MODELS, else a
 * fixed number of them, so that a table of 100,000 models prints a page rather than some 50 MB of rows
 * (profile.json, profile.csv and --json keep every model).
 */
import type { ModelProfile, Profile } from '../metrics/profile.js';

/** Models the terminal tables show in full; above it, this many rows (docs/profile-models.md). */
export const MAX_TERMINAL_MODELS = 50;

/** Front models shown at most above MAX_TERMINAL_MODELS: spread evenly from the cheapest to the most accurate. */
export const MAX_TERMINAL_FRONT = 30;

export interface ShownModels {
  /** The rows, in table order. */
  models: ModelProfile[];
  /** The shown models on the front, cheapest first. */
  front: string[];
}

/** `k` of `xs` evenly spaced, the first and the last included (all of them when there are no more than `k`). */
function spread<T>(xs: T[], k: number): T[] {
  if (xs.length <= k) return xs;
  if (k === 1) return [xs[0]];
  return Array.from({ length: k }, (_, i) => xs[Math.round((i * (xs.length - 1)) / (k - 1))]);
}

/**
 * Null up to MAX_TERMINAL_MODELS (every model shown). Above it: the static baselines, the Pareto front (at most
 * MAX_TERMINAL_FRONT of it, evenly spaced along it), then the most accurate of the others, on the front or not
 * (ties in table order), up to MAX_TERMINAL_MODELS rows.
 */
export function shownModels(p: Profile): ShownModels | null {
  if (p.models.length <= MAX_TERMINAL_MODELS) return null;
  const b = p.baselines;
  const keep = new Set<string>([b.largest, b.smallest, b.mostAccurate, b.bestStatic].filter((id): id is string => id !== null));
  for (const id of spread(p.pareto, MAX_TERMINAL_FRONT)) keep.add(id);
  const acc = (m: ModelProfile): number => m.accuracy.mean ?? -Infinity;
  const rest = p.models.map((m, i) => ({ m, i })).filter(({ m }) => !keep.has(m.id));
  rest.sort((x, y) => acc(y.m) - acc(x.m) || x.i - y.i);
  for (const { m } of rest) {
    if (keep.size >= MAX_TERMINAL_MODELS) break;
    keep.add(m.id);
  }
  return { models: p.models.filter((m) => keep.has(m.id)), front: p.pareto.filter((id) => keep.has(id)) };
}
