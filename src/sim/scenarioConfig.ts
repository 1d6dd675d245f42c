/**
 * The scenario run settings (docs/model.md §11) as schema fields, and their resolution into the engine's
 * `ScenarioConfig` against a table. Specs are checked by the same parsers the engine uses.
 */
import { parseDecimal } from '../core/format.js';
import { z } from 'zod';
import { at, UsageError } from '../core/errors.js';
import type { PoolTable } from '../data/pool.js';
import { budgetDataProblem, checkBudgetData, parseBudget, readBudget } from './budget.js';
import { driftProblem, planDrift, type DriftEvent } from './drift.js';
import { checkRate, DELAY_FORMS, delayStreamProblem, MAX_FEEDBACK_DELAY, parseDelay, readDelay } from './feedback.js';
import { atMost } from './limits.js';
import type { CostBounds, RewardOptions, RewardTable } from './reward.js';
import type { ScenarioConfig } from './scenario.js';

/** Drift events of one run (docs/limits.md). */
const MAX_DRIFT_EVENTS = 1_000;

/** A string that `read` accepts; otherwise the reason it gives (the flag or file adds where). */
const spec = (read: (s: string) => unknown) =>
  z.string().superRefine((s, ctx) => {
    const r = read(s);
    if (typeof r === 'string') ctx.addIssue({ code: 'custom', message: r });
  });

const factor = z.number().min(0, 'must be a factor ≥ 0').max(1e6, 'must be a factor ≤ 1e6');

const driftEventSchema = z
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

/** A whole number of steps, as a config file may write a fixed delay (`feedbackDelay: 5`), read as its text. */
const delaySteps = z
  .number()
  .min(0, 'a delay in steps must be a whole number ≥ 0')
  .max(MAX_FEEDBACK_DELAY, `at most ${MAX_FEEDBACK_DELAY} steps (see docs/limits.md)`)
  .int('a delay in steps must be a whole number ≥ 0')
  .transform(String);

export const scenarioFields = {
  budget: spec(readBudget),
  drift: z.array(driftEventSchema).max(MAX_DRIFT_EVENTS, atMost(MAX_DRIFT_EVENTS)),
  feedbackDelay: z.union([spec(readDelay), delaySteps.pipe(spec(readDelay))], {
    // neither a string nor a number; or a number that is no delay, with the number branch's reason
    error: (iss) => (iss.code !== 'invalid_union' ? undefined : typeof iss.input === 'number' ? (iss.errors[1]?.[0]?.message ?? DELAY_FORMS) : DELAY_FORMS),
  }),
  feedbackRate: z.number().gt(0, 'must be in (0, 1]').max(1, 'must be in (0, 1]'),
};

const DRIFT_FORM = 'step=<n>,model=<id>[,task=<name>][,accuracy=<Δ>][,energy=<×>][,usd=<×>][,latency=<×>][,over=<n>]';

/**
 * `--drift` spec: `step=<n>,model=<id>[,task=<name>][,accuracy=<Δ>][,energy=<×>][,usd=<×>][,latency=<×>][,over=<n>]`.
 * Returns the object for the schema to check (unknown keys and bad numbers are caught there); a part that is
 * not key=value, a key given twice or a missing step or model is refused here, naming it.
 */
export function parseDriftSpec(text: string, flag = '--drift'): Record<string, unknown> {
  const fail = (why: string): never => {
    throw new UsageError(`${flag}: ${why}; expected ${DRIFT_FORM}`);
  };
  const out: Record<string, unknown> = {};
  for (const part of text.split(',')) {
    const m = /^\s*([A-Za-z]+)\s*=\s*(.*?)\s*$/.exec(part);
    if (!m) fail(part.trim() === text.trim() ? `'${text.trim()}' is not key=value` : `'${part.trim()}' in '${text}' is not key=value`);
    const [, k, v] = m!;
    // the last of two values would win silently
    if (Object.hasOwn(out, k)) fail(`${k} is given twice in '${text}'`);
    out[k] = k === 'model' || k === 'task' ? v : parseDecimal(v);
  }
  for (const k of ['step', 'model']) if (!Object.hasOwn(out, k)) fail(`${k}=… is missing in '${text}'`);
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

/** A scenario setting that does not fit a table: its field path (as in an experiment YAML) and why. */
interface ScenarioProblem {
  path: (string | number)[];
  message: string;
}

/**
 * The first scenario setting that does not fit table t (its stream, under a split the test rows), or null.
 * Cheap (no reward table is built), so a run can check before it writes anything.
 */
export function scenarioProblem(t: PoolTable, s: ScenarioSettings): ScenarioProblem | null {
  if (s.budget !== undefined) {
    const b = readBudget(s.budget);
    const why = typeof b === 'string' ? b : budgetDataProblem(t, b);
    if (why) return { path: ['budget'], message: why };
  }
  if (s.feedbackDelay !== undefined) {
    const d = readDelay(s.feedbackDelay);
    const why = typeof d === 'string' ? d : delayStreamProblem(d, t.nQueries);
    if (why) return { path: ['feedbackDelay'], message: why };
  }
  if (s.feedbackRate !== undefined && !(Number.isFinite(s.feedbackRate) && s.feedbackRate > 0 && s.feedbackRate <= 1)) {
    return { path: ['feedbackRate'], message: 'must be in (0, 1]' };
  }
  const p = s.drift?.length ? driftProblem(t, s.drift) : null;
  if (p) return { path: p.index === null ? ['drift'] : p.field === null ? ['drift', p.index] : ['drift', p.index, p.field], message: p.message };
  return null;
}

/**
 * The engine's scenario for a table and reward table; `where` prefixes messages (e.g. a YAML file). `bounds`: the
 * cost bounds `rw` was built with, when they are not t's own (a split's test rows scored on the whole table).
 */
export async function resolveScenario(t: PoolTable, rw: RewardTable, opts: RewardOptions, s: ScenarioSettings, where = '', bounds?: CostBounds): Promise<ScenarioConfig | undefined> {
  if (!usesScenario(s)) return undefined;
  const field = (f: string): string => at(where, f);
  const budget = s.budget !== undefined ? parseBudget(s.budget, field('budget')) : null;
  if (budget) checkBudgetData(t, budget, field('budget'));
  let feedback: ScenarioConfig['feedback'] = null;
  if (s.feedbackDelay !== undefined || s.feedbackRate !== undefined) {
    const delay = s.feedbackDelay !== undefined ? parseDelay(s.feedbackDelay, field('feedbackDelay')) : { kind: 'fixed' as const, n: 0 };
    const lost = delayStreamProblem(delay, t.nQueries);
    if (lost) throw new UsageError(at(field('feedbackDelay'), lost));
    feedback = { delay, rate: checkRate(s.feedbackRate ?? 1, field('feedbackRate')) };
  }
  const drift = s.drift?.length ? await planDrift(t, rw, opts, s.drift, field('drift'), bounds) : null;
  return { budget, feedback, drift };
}
