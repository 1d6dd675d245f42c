/**
 * The scenario section of an experiment summary (docs/model.md §11): budget adherence per arm next to the best
 * static model and the best fixed mixture of two models that meet the budget in hindsight, and the regret
 * in a window after each pool or drift event. Present only when the experiment uses a scenario setting or
 * sets `eventWindow`.
 */
import type { PoolTable } from '../data/pool.js';
import { adherence, budgetUnit, budgetValue, LATENCY_EXCESS_SHARE, parseBudget, quantile, type BudgetSpec } from '../sim/budget.js';
import type { JobResult } from '../sim/experiment.js';
import { armLabel, type ExperimentConfig } from '../sim/experimentConfig.js';
import { usesScenario } from '../sim/scenarioConfig.js';
import type { DriftEvent } from '../sim/drift.js';
import type { WindowStatic } from '../sim/eventReference.js';
import { meanSd, movingAverage, type MeanSd } from './stats.js';
import { valueAt } from '../data/columns.js';

/** Steps after an event whose regret is summed, unless the experiment sets `eventWindow`. */
export const DEFAULT_EVENT_WINDOW = 500;
/** Points of a running-budget curve. */
const BUDGET_POINTS = 100;
/** Moving-average window of the post-event regret curves. */
const EVENT_MA = 25;

interface BudgetReference {
  /** Best mean accuracy among single models whose statistic meets the budget. */
  bestStatic: { model: string; accuracy: number; value: number } | null;
  /** Best fixed mixture of two models (weight w on b) whose mean meets the budget; null for a latency budget. */
  bestMixture: { a: string; b: string; weightB: number; accuracy: number; value: number } | null;
}

export interface ScenarioSummary {
  budget: {
    kind: BudgetSpec['kind'];
    limit: number;
    unit: string;
    reference: BudgetReference;
    cells: { lambda: number; label: string; final: MeanSd; overshoot: MeanSd; accuracy: MeanSd; within5pct: number }[];
    curves: { lambda: number; label: string; steps: number[]; running: number[] }[];
  } | null;
  events: {
    window: number;
    list: { step: number; what: string }[];
    /**
     * Per cell and event: the regret over the window, and (when the reference was computed) its excess over the
     * best fixed model of that window, `regretAfter − bestStatic.regret` per run (docs/model.md §11.7).
     */
    cells: { lambda: number; label: string; event: number; regretAfter: MeanSd; excessAfter?: MeanSd }[];
    /** Per λ and event: the best fixed model of the window in hindsight (the model most often best over the runs) and its regret. */
    bestStatic?: { lambda: number; event: number; model: string; regret: MeanSd }[];
    /** Moving-average step regret (window 25, mean over runs) from `from` to `to` around each event. */
    curves: { lambda: number; label: string; event: number; from: number; regret: number[] }[];
  } | null;
  /** Labels delivered and decisions left unlabelled per cell (mean over runs), with delayed or sampled feedback. */
  feedback?: { delay: string; rate: number; cells: { lambda: number; label: string; delivered: MeanSd; unlabelled: MeanSd }[] };
}

/** Per-model mean accuracy and budgeted statistic (mean, or p95 for latency) over the table's present cells. */
function modelStats(t: PoolTable, b: BudgetSpec): { id: string; accuracy: number; value: number }[] {
  const M = t.nModels;
  return t.models.map((m, j) => {
    let sa = 0;
    let na = 0;
    const vals: number[] = [];
    for (let q = 0; q < t.nQueries; q++) {
      const i = q * M + j;
      if (!t.present[i]) continue;
      if (!Number.isNaN(t.accuracy[i])) {
        sa += t.accuracy[i];
        na++;
      }
      const v = budgetValue(b.kind, t.energyJ[i], t.costUsd ? t.costUsd[i] : Number.NaN, valueAt(t.latencyS, i));
      if (!Number.isNaN(v)) vals.push(v);
    }
    const value = b.kind === 'latency' ? quantile(Float64Array.from(vals).sort(), 1 - LATENCY_EXCESS_SHARE) : vals.reduce((a, x) => a + x, 0) / vals.length;
    return { id: m.id, accuracy: na ? sa / na : Number.NaN, value };
  });
}

/** Hindsight references for a budget (docs/model.md §11.1). */
export function budgetReference(t: PoolTable, b: BudgetSpec): BudgetReference {
  const st = modelStats(t, b).filter((s) => Number.isFinite(s.accuracy) && Number.isFinite(s.value));
  let bestStatic: BudgetReference['bestStatic'] = null;
  for (const s of st) if (s.value <= b.limit && (!bestStatic || s.accuracy > bestStatic.accuracy)) bestStatic = { model: s.id, accuracy: s.accuracy, value: s.value };
  let bestMixture: BudgetReference['bestMixture'] = null;
  if (b.kind !== 'latency') {
    // a mixture's mean is linear in its weight, so the best one with a cheap and a dear model spends the budget exactly
    for (const a of st) {
      for (const c of st) {
        if (!(a.value <= b.limit && c.value > b.limit)) continue;
        const w = (b.limit - a.value) / (c.value - a.value);
        const acc = (1 - w) * a.accuracy + w * c.accuracy;
        if (!bestMixture || acc > bestMixture.accuracy) bestMixture = { a: a.id, b: c.id, weightB: w, accuracy: acc, value: b.limit };
      }
    }
    if (bestStatic && (!bestMixture || bestStatic.accuracy >= bestMixture.accuracy)) {
      bestMixture = { a: bestStatic.model, b: bestStatic.model, weightB: 0, accuracy: bestStatic.accuracy, value: bestStatic.value };
    }
  }
  return { bestStatic, bestMixture };
}

function fmt(x: number): string {
  return Number(x.toPrecision(3)).toString();
}

/** Label of each pool and drift event, in step order. */
/**
 * Whether a model's metrics drift in the stream: the scenario's event list holds the pool events and the drift
 * events, so it is longer than the `poolEvents` alone. Hindsight references and model points are then on the
 * table as loaded, which the stream the policies met is not (docs/model.md §11.1).
 */
export function streamDrifts(sc: ScenarioSummary | null | undefined, poolEvents: number): boolean {
  return (sc?.events?.list.length ?? 0) > poolEvents;
}

export function eventList(cfg: { pool?: { events?: { step: number; remove?: string[]; add?: string[] }[] }; drift?: DriftEvent[] }): { step: number; what: string }[] {
  const pool = (cfg.pool?.events ?? []).map((e) => ({ step: e.step, what: [...(e.remove ?? []).map((m) => `−${m}`), ...(e.add ?? []).map((m) => `+${m}`)].join(' ') }));
  const drift = (cfg.drift ?? []).map((e) => {
    const parts: string[] = [];
    if (e.accuracy !== undefined) parts.push(`accuracy ${e.accuracy >= 0 ? '+' : '−'}${fmt(Math.abs(e.accuracy))}`);
    for (const k of ['energy', 'usd', 'latency'] as const) if (e[k] !== undefined) parts.push(`${k} ×${fmt(e[k]!)}`);
    return { step: e.step, what: `${e.model}${e.task ? ` (${e.task})` : ''}: ${parts.join(', ')}${e.over ? ` over ${e.over} steps` : ''}` };
  });
  return [...pool, ...drift].sort((a, b) => a.step - b.step);
}

/** The best fixed model of each (λ, event): the one most often best over the runs, and the best one's regret per run. */
function bestStaticRows(t: PoolTable, ref: Map<number, WindowStatic[][]>): NonNullable<NonNullable<ScenarioSummary['events']>['bestStatic']> {
  const rows: NonNullable<NonNullable<ScenarioSummary['events']>['bestStatic']> = [];
  for (const [lambda, perEvent] of ref) {
    perEvent.forEach((runs, event) => {
      const count = new Map<number, number>();
      for (const w of runs) count.set(w.model, (count.get(w.model) ?? 0) + 1);
      let best = -1;
      for (const [m, n] of count) if (best === -1 || n > count.get(best)! || (n === count.get(best)! && m < best)) best = m;
      rows.push({ lambda, event, model: best >= 0 ? t.models[best].id : '', regret: meanSd(runs.map((w) => w.regret)) });
    });
  }
  return rows;
}

export function wantsScenario(cfg: ExperimentConfig): boolean {
  return usesScenario(cfg) || cfg.eventWindow !== undefined;
}

/** One (λ, policy) cell's runs, as the scenario summary needs them. */
export interface ScenarioCellInput {
  lambda: number;
  label: string;
  accuracy: number[];
  /** Per run, when a budget is set. */
  budgetTraces: Float64Array[];
  /** Per run step regret in stream order (null: not recorded, no event windows). */
  stepRegret: Float64Array[] | null;
  feedback: { delivered: number; unlabelled: number }[];
}

interface ScenarioInput {
  budget: BudgetSpec | null;
  events: { step: number; what: string }[];
  window: number;
  feedback: { delay: string; rate: number } | null;
  cells: ScenarioCellInput[];
  /** Per λ, the best fixed model of each event window, [event][run] (runs in the order of the cells' runs). */
  windowStatic?: Map<number, WindowStatic[][]>;
}

/** The scenario section from per-cell runs (experiments and simulate share it). */
export function buildScenario(t: PoolTable, inp: ScenarioInput): ScenarioSummary {
  const Q = t.nQueries;
  let budget: ScenarioSummary['budget'] = null;
  const b = inp.budget;
  if (b) {
    const cells: NonNullable<ScenarioSummary['budget']>['cells'] = [];
    const curves: NonNullable<ScenarioSummary['budget']>['curves'] = [];
    for (const c of inp.cells) {
      if (!c.budgetTraces.length) continue;
      const ad = c.budgetTraces.map((tr) => adherence(b, tr, BUDGET_POINTS));
      cells.push({
        lambda: c.lambda,
        label: c.label,
        final: meanSd(ad.map((x) => x.final)),
        overshoot: meanSd(ad.map((x) => x.overshoot)),
        accuracy: meanSd(c.accuracy),
        within5pct: ad.filter((x) => Math.abs(x.overshoot) <= 0.05).length / ad.length,
      });
      const running = ad[0].running.map((_, k) => ad.reduce((sum, x) => sum + x.running[k], 0) / ad.length);
      curves.push({ lambda: c.lambda, label: c.label, steps: ad[0].steps, running });
    }
    budget = { kind: b.kind, limit: b.limit, unit: budgetUnit(b.kind), reference: budgetReference(t, b), cells, curves };
  }
  let events: ScenarioSummary['events'] = null;
  const list = inp.events;
  if (list.length && inp.cells.some((c) => c.stepRegret)) {
    const W = inp.window;
    const cells: NonNullable<ScenarioSummary['events']>['cells'] = [];
    const curves: NonNullable<ScenarioSummary['events']>['curves'] = [];
    const ma = new Float64Array(Q);
    for (const c of inp.cells) {
      const rs = c.stepRegret;
      if (!rs || !rs.length) continue;
      const mean = new Float64Array(Q);
      for (const r of rs) {
        movingAverage(r, EVENT_MA, ma);
        for (let s = 0; s < Q; s++) mean[s] += ma[s] / rs.length;
      }
      const ref = inp.windowStatic?.get(c.lambda);
      list.forEach((e, k) => {
        const end = Math.min(Q, e.step + W);
        const after = rs.map((r) => r.subarray(e.step, end).reduce((x, y) => x + y, 0));
        const cell: NonNullable<ScenarioSummary['events']>['cells'][number] = { lambda: c.lambda, label: c.label, event: k, regretAfter: meanSd(after) };
        if (ref && ref[k].length === after.length) cell.excessAfter = meanSd(after.map((a, r) => a - ref[k][r].regret));
        cells.push(cell);
        const from = Math.max(0, e.step - Math.round(W / 2));
        curves.push({ lambda: c.lambda, label: c.label, event: k, from, regret: Array.from(mean.subarray(from, end)) });
      });
    }
    events = { window: W, list, cells, curves };
    if (inp.windowStatic) events.bestStatic = bestStaticRows(t, inp.windowStatic);
  }
  const out: ScenarioSummary = { budget, events };
  if (inp.feedback) {
    out.feedback = {
      ...inp.feedback,
      cells: inp.cells.filter((c) => c.feedback.length).map((c) => ({ lambda: c.lambda, label: c.label, delivered: meanSd(c.feedback.map((f) => f.delivered)), unlabelled: meanSd(c.feedback.map((f) => f.unlabelled)) })),
    };
  }
  return out;
}

export function scenarioSummary(cfg: ExperimentConfig, t: PoolTable, byCell: (l: number, a: number) => JobResult[], windowStatic?: Map<number, WindowStatic[][]>): ScenarioSummary | null {
  if (!wantsScenario(cfg)) return null;
  const cells: ScenarioCellInput[] = [];
  cfg.lambdas.forEach((lambda, l) =>
    cfg.arms.forEach((arm, a) => {
      const rs = byCell(l, a);
      if (!rs.length) return;
      cells.push({
        lambda,
        label: armLabel(arm),
        accuracy: rs.map((r) => r.metrics.accuracy),
        budgetTraces: rs.flatMap((r) => (r.budgetTrace ? [r.budgetTrace] : [])),
        stepRegret: rs.map((r) => r.stepRegret),
        feedback: rs.flatMap((r) => (r.feedback ? [r.feedback] : [])),
      });
    }),
  );
  const feedback = cfg.feedbackDelay !== undefined || cfg.feedbackRate !== undefined ? { delay: cfg.feedbackDelay ?? '0', rate: cfg.feedbackRate ?? 1 } : null;
  return buildScenario(t, { budget: cfg.budget !== undefined ? parseBudget(cfg.budget, 'budget') : null, events: eventList(cfg), window: cfg.eventWindow ?? DEFAULT_EVENT_WINDOW, feedback, cells, windowStatic });
}
