/**
 * The scenario run settings (docs/model.md §11) as schema fields, and their resolution into the engine's
 * `ScenarioConfig` against a table. Specs are checked by the same parsers the engine uses.
 */
import { z } from 'zod';
import type { PoolTable } from '../data/pool.js';
import { checkBudgetData, parseBudget } from './budget.js';
import { planDrift, type DriftEvent } from './drift.js';
import { checkRate, parseDelay } from './feedback.js';
import { atMost } from './limits.js';
import type { CostBounds, RewardOptions, RewardTable } from './reward.js';
import type { ScenarioConfig } from './scenario.js';

/** Drift events of one run (docs/limits.md). */
export const MAX_DRIFT_EVENTS = 1_000;

/** A string that `parse` accepts; its own message when it does not. */
const spec = (parse: (s: string, where: string) => unknown, expected: string) =>
  z.string().superRefine((s, ctx) => {
    try {
      parse(s, '');
    } catch {
      ctx.addIssue({ code: 'custom', message: expected });
    }
  });

const factor = z.number().min(0, 'must be a factor ≥ 0').max(1e6, 'must be a factor ≤ 1e6');

export const driftEventSchema = z
  .object({
    step: z.number().int('must be an integer ≥ 0').min(0, 'must be an integer ≥ 0').describe('first step (0-based) at which the change shows'),
    model: z.string().min(1).describe('model id'),
    task: z.string().min(1).optional().describe('only queries of this task (default: every task)'),
    accuracy: z.number().min(-1, 'must be a shift in [−1, 1]').max(1, 'must be a shift in [−1, 1]').optional().describe('added to the accuracy, then clipped to [0, 1]'),
    energy: factor.optional().describe('multiplies the energy'),
    usd: factor.optional().describe('multiplies the dollar cost'),
    latency: factor.optional().describe('multiplies the latency'),
    over: z.number().int('must be an integer ≥ 0').min(0, 'must be an integer ≥ 0').optional().describe('steps over which the change ramps in linearly (default 0: abrupt)'),
  })
  .strict()
  .refine((e) => e.accuracy !== undefined || e.energy !== undefined || e.usd !== undefined || e.latency !== undefined, 'give at least one of accuracy, energy, usd or latency');

export const scenarioFields = {
  budget: spec(parseBudget, 'expected energy=<Wh per query>, usd=<dollars per query> or latency=<p95 seconds>, with a number > 0'),
  drift: z.array(driftEventSchema).max(MAX_DRIFT_EVENTS, atMost(MAX_DRIFT_EVENTS)),
  feedbackDelay: spec(parseDelay, 'expected <steps>, uniform:<a>-<b> or geometric:<mean> (e.g. 20, uniform:5-50, geometric:20)'),
  feedbackRate: z.number().gt(0, 'must be in (0, 1]').max(1, 'must be in (0, 1]'),
};

/**
 * `--drift` spec: `step=<n>,model=<id>[,task=<name>][,accuracy=<Δ>][,energy=<×>][,usd=<×>][,latency=<×>][,over=<n>]`.
 * Returns the object for the schema to check (unknown keys and bad numbers are caught there).
 */
export function parseDriftSpec(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const part of text.split(',')) {
    const m = /^\s*([A-Za-z]+)\s*=\s*(.*?)\s*$/.exec(part);
    if (!m) {
      out[`'${part.trim()}'`] = part;
      continue;
    }
    const [, k, v] = m;
    out[k] = k === 'model' || k === 'task' ? v : v === '' ? Number.NaN : Number(v);
  }
  return out;
}

export interface ScenarioSettings {
  budget?: string;
  drift?: DriftEvent[];
  feedbackDelay?: string;
  feedbackRate?: number;
}

/** True when any scenario setting is given (outputs then carry the scenario sections). */
export function usesScenario(s: ScenarioSettings): boolean {
  return s.budget !== undefined || (s.drift?.length ?? 0) > 0 || s.feedbackDelay !== undefined || s.feedbackRate !== undefined;
}

/**
 * The engine's scenario for a table and reward table; `where` prefixes messages (e.g. a YAML file). `bounds`: the
 * cost bounds `rw` was built with, when they are not t's own (a split's test rows scored on the whole table).
 */
export async function resolveScenario(t: PoolTable, rw: RewardTable, opts: RewardOptions, s: ScenarioSettings, where = '', bounds?: CostBounds): Promise<ScenarioConfig | undefined> {
  if (!usesScenario(s)) return undefined;
  const at = (f: string): string => (where ? `${where}: ${f}` : f);
  const budget = s.budget !== undefined ? parseBudget(s.budget, at('budget')) : null;
  if (budget) checkBudgetData(t, budget, at('budget'));
  const feedback =
    s.feedbackDelay !== undefined || s.feedbackRate !== undefined
      ? { delay: s.feedbackDelay !== undefined ? parseDelay(s.feedbackDelay, at('feedbackDelay')) : { kind: 'fixed' as const, n: 0 }, rate: checkRate(s.feedbackRate ?? 1, at('feedbackRate')) }
      : null;
  const drift = s.drift?.length ? await planDrift(t, rw, opts, s.drift, at('drift'), bounds) : null;
  return { budget, feedback, drift };
}
