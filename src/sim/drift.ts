/**
 * Drift events (docs/model.md §11.2): from step t a model's accuracy (on one task or all) shifts by Δ, or its
 * energy, dollar cost or latency is multiplied by a factor, at once or linearly over a window of steps.
 * Each event's end state is a full copy of the table's metrics with its reward table rebuilt by the run's own
 * reward rule, with the cost bounds of the table as loaded (a change of one model leaves the others' rewards alone); during a window the reward (and metric) of a changed cell moves linearly from the old state
 * to the new one. Deterministic: nothing is drawn.
 */
import { UsageError } from '../core/errors.js';
import type { PoolTable } from '../data/pool.js';
import { asFloat64, type MetricColumn } from '../data/columns.js';
import { bestReward } from './actions.js';
import { buildRewards, costBoundsOf, hasEnergy, hasLatency, type CostBounds, type RewardOptions, type RewardTable } from './reward.js';
import { cutName, nameList } from '../core/escape.js';

/** Events × table cells of one drift plan: each event keeps a reward table (docs/limits.md). */
const MAX_DRIFT_CELLS = 20_000_000;

export interface DriftEvent {
  /** First step (0-based) at which the change shows. */
  step: number;
  model: string;
  /** Task name (default: every task). */
  task?: string;
  /** Added to the accuracy of each affected cell (then clipped to [0, 1]). */
  accuracy?: number;
  /** Multiplies energy / dollar cost / latency of each affected cell. */
  energy?: number;
  usd?: number;
  latency?: number;
  /** Steps over which the change ramps in linearly (0: abrupt). */
  over?: number;
}

/** A table state after some events: metrics and rewards. */
interface DriftPhase {
  accuracy: Float64Array;
  energyJ: Float64Array;
  costUsd: Float64Array | null;
  latencyS: Float64Array | null;
  rewards: MetricColumn;
  /** The reward's normalised cost term (docs/model.md §2.1). */
  costNorm: MetricColumn;
  /** Best present reward per query over the whole table. */
  oracle: Float64Array;
}

/** Phases 0..K (0 = the table as loaded) and the step window of each event, sorted by step. */
export interface DriftPlan {
  events: DriftEvent[];
  phases: DriftPhase[];
  /** Cells each event changes (Q×M flags), so a ramp only interpolates those. */
  changed: Uint8Array[];
}

/** What is wrong with a drift plan for a table: the event (index as given, null: the plan) and field at fault. */
interface DriftProblem {
  index: number | null;
  field: keyof DriftEvent | null;
  message: string;
}

/** The first problem of the events against the table (names, steps, factors, overlapping windows, size), or null. */
export function driftProblem(t: PoolTable, events: readonly DriftEvent[]): DriftProblem | null {
  const sorted = [...events].sort((a, b) => a.step - b.step);
  let end = 0;
  for (let k = 0; k < sorted.length; k++) {
    const e = sorted[k];
    const bad = (field: keyof DriftEvent | null, message: string): DriftProblem => ({ index: events.indexOf(e), field, message });
    if (!(Number.isInteger(e.step) && e.step >= 0 && e.step < t.nQueries)) return bad('step', `step must be an integer in 0..${t.nQueries - 1}`);
    if (!t.models.some((m) => m.id === e.model)) return bad('model', `unknown model '${cutName(e.model)}'; models: ${nameList(t.models.map((m) => m.id))}`);
    if (e.task !== undefined && !t.tasks.includes(e.task)) return bad('task', `unknown task '${cutName(e.task)}'; tasks: ${nameList(t.tasks)}`);
    if (e.accuracy === undefined && e.energy === undefined && e.usd === undefined && e.latency === undefined) {
      return bad(null, 'give at least one of accuracy (a shift), energy, usd or latency (factors)');
    }
    if (e.accuracy !== undefined && !(Number.isFinite(e.accuracy) && Math.abs(e.accuracy) <= 1)) return bad('accuracy', 'accuracy shift must be in [−1, 1]');
    for (const f of ['energy', 'usd', 'latency'] as const) {
      const v = e[f];
      if (v !== undefined && !(Number.isFinite(v) && v >= 0 && v <= 1e6)) return bad(f, `${f} factor must be in [0, 1e6]`);
    }
    if (e.usd !== undefined && !t.costUsd) return bad('usd', 'the dataset has no dollar cost to change');
    // a factor on a column the table lacks would change nothing, yet the event would be reported as applied
    if (e.energy !== undefined && !hasEnergy(t)) return bad('energy', 'the dataset has no energy values to change');
    if (e.latency !== undefined && !hasLatency(t)) return bad('latency', 'the dataset has no latency values to change');
    const over = e.over ?? 0;
    if (!(Number.isInteger(over) && over >= 0)) return bad('over', 'over must be an integer ≥ 0');
    if (k > 0 && e.step < end) return bad('step', `starts before the previous change has finished ramping in (step ${end})`);
    end = e.step + over;
  }
  if (sorted.length * t.nQueries * t.nModels > MAX_DRIFT_CELLS) {
    return { index: null, field: null, message: `${sorted.length} events × ${t.nQueries * t.nModels} table cells exceed ${MAX_DRIFT_CELLS} (each event keeps its own reward table; see docs/limits.md)` };
  }
  return null;
}

/** The events sorted by step, after `driftProblem`'s checks; `where` names the option in messages. */
function checkEvents(t: PoolTable, events: DriftEvent[], where: string): DriftEvent[] {
  const p = driftProblem(t, events);
  if (p) throw new UsageError(p.index === null ? `${where}: ${p.message}` : `${where}[${p.index}] (step ${events[p.index].step}): ${p.message}`);
  return [...events].sort((a, b) => a.step - b.step);
}

/**
 * Build the phases: each event applied on top of the previous state, rewards rebuilt with the run's options and
 * cost bounds (`bounds`: those `base` was built with when not t's own, e.g. a split's whole table).
 */
export async function planDrift(t: PoolTable, base: RewardTable, opts: RewardOptions, events: DriftEvent[], where = 'drift', bounds: CostBounds = costBoundsOf(t, opts)): Promise<DriftPlan> {
  const sorted = checkEvents(t, events, where);
  const M = t.nModels;
  // events shift and scale values: the phases hold float64 columns whatever the table's storage
  const f64 = (a: MetricColumn | null): Float64Array | null => (a ? asFloat64(a) : null);
  const phases: DriftPhase[] = [
    { accuracy: asFloat64(t.accuracy, t.present), energyJ: asFloat64(t.energyJ), costUsd: f64(t.costUsd), latencyS: f64(t.latencyS), rewards: base.rewards, costNorm: base.costNorm, oracle: base.oracle },
  ];
  // the run's normalisation scale stays, whatever drifts later (docs/model.md §11.2)
  const changed: Uint8Array[] = [];
  for (const e of sorted) {
    const prev = phases[phases.length - 1];
    // a column is copied only when this event changes it; the others are shared with the previous state
    const accuracy = e.accuracy !== undefined ? prev.accuracy.slice() : prev.accuracy;
    const energyJ = e.energy !== undefined ? prev.energyJ.slice() : prev.energyJ;
    const costUsd = prev.costUsd && e.usd !== undefined ? prev.costUsd.slice() : prev.costUsd;
    const latencyS = prev.latencyS && e.latency !== undefined ? prev.latencyS.slice() : prev.latencyS;
    const m = t.models.findIndex((x) => x.id === e.model);
    const k = e.task === undefined ? -1 : t.tasks.indexOf(e.task);
    const flags = new Uint8Array(t.nQueries * M);
    for (let q = 0; q < t.nQueries; q++) {
      if (k >= 0 && t.queryTask[q] !== k) continue;
      const i = q * M + m;
      flags[i] = 1;
      if (e.accuracy !== undefined && !Number.isNaN(accuracy[i])) accuracy[i] = Math.min(1, Math.max(0, accuracy[i] + e.accuracy));
      if (e.energy !== undefined) energyJ[i] *= e.energy;
      if (e.usd !== undefined && costUsd) costUsd[i] *= e.usd;
      if (e.latency !== undefined && latencyS) latencyS[i] *= e.latency;
    }
    const drifted: PoolTable = { ...t, accuracy, energyJ, costUsd, latencyS };
    const rw = await buildRewards(drifted, opts, bounds);
    phases.push({ accuracy, energyJ, costUsd, latencyS, rewards: rw.rewards, costNorm: rw.costNorm, oracle: rw.oracle });
    changed.push(flags);
  }
  return { events: sorted, phases, changed };
}

/**
 * Where a policy-run is in the plan: `advance(s)` at the top of each step; then `reward(i)`, `metric(i)` give the
 * current values. Outside windows these are plain lookups in the current phase.
 */
export class DriftCursor {
  /** Index of the last event that has started (−1: none). */
  private k = -1;
  /** Weight of event k's new state (1 once its window is over). */
  private w = 1;
  private cur: DriftPhase;
  private prev: DriftPhase;

  constructor(private readonly plan: DriftPlan) {
    this.cur = this.prev = plan.phases[0];
  }

  begin(): void {
    this.k = -1;
    this.w = 1;
    this.cur = this.prev = this.plan.phases[0];
  }

  /** Move to step s (steps only increase within a policy-run). */
  advance(s: number): void {
    const ev = this.plan.events;
    while (this.k + 1 < ev.length && ev[this.k + 1].step <= s) {
      this.k++;
      this.prev = this.plan.phases[this.k];
      this.cur = this.plan.phases[this.k + 1];
    }
    if (this.k < 0) return;
    const e = ev[this.k];
    const over = e.over ?? 0;
    // step e.step shows 1/over of the change, step e.step + over − 1 all of it
    this.w = over > 0 && s < e.step + over ? (s - e.step + 1) / over : 1;
  }

  private mix(i: number, a: ArrayLike<number>, b: ArrayLike<number>): number {
    if (this.w === 1 || this.plan.changed[this.k][i] === 0) return b[i];
    return (1 - this.w) * a[i] + this.w * b[i];
  }

  reward(i: number): number {
    return this.mix(i, this.prev.rewards, this.cur.rewards);
  }

  accuracy(i: number): number {
    return this.mix(i, this.prev.accuracy, this.cur.accuracy);
  }

  energyJ(i: number): number {
    return this.mix(i, this.prev.energyJ, this.cur.energyJ);
  }

  costUsd(i: number): number {
    return this.cur.costUsd && this.prev.costUsd ? this.mix(i, this.prev.costUsd, this.cur.costUsd) : Number.NaN;
  }

  latencyS(i: number): number {
    return this.cur.latencyS && this.prev.latencyS ? this.mix(i, this.prev.latencyS, this.cur.latencyS) : Number.NaN;
  }

  costNorm(i: number): number {
    return this.mix(i, this.prev.costNorm, this.cur.costNorm);
  }

  /**
   * Best current reward of query q over present cells: of every model (`inPool` null), or of the pool's
   * models, restricted to feasible ones when any is (the engine's rule, docs/model.md §3, §5.7).
   */
  oracle(q: number, M: number, present: Uint8Array, inPool: Uint8Array | null, feasible: Uint8Array | null): number {
    if (inPool === null && (this.w === 1 || this.k < 0)) return this.cur.oracle[q];
    return bestReward(q, M, (i) => this.reward(i), present, inPool, feasible);
  }
}

/**
 * Per-model means over present cells of one run's stream under drift: each query's reward and accuracy at the
 * step it is served (`order[s]` at step s), so the static baselines rank models by what the run saw
 * (docs/model.md §5.5, §11.2). NaN for a model without a present cell (accuracy: without a known accuracy).
 */
export function streamMeans(t: PoolTable, plan: DriftPlan, order: Int32Array): { meanReward: Float64Array; meanAccuracy: Float64Array; staticReward: Float64Array } {
  const M = t.nModels;
  const sr = new Float64Array(M);
  const sa = new Float64Array(M);
  const nr = new Float64Array(M);
  const na = new Float64Array(M);
  const c = new DriftCursor(plan);
  for (let s = 0; s < order.length; s++) {
    c.advance(s);
    const base = order[s] * M;
    for (let m = 0; m < M; m++) {
      const i = base + m;
      if (!t.present[i]) continue;
      sr[m] += c.reward(i);
      nr[m]++;
      const a = c.accuracy(i);
      if (!Number.isNaN(a)) {
        sa[m] += a;
        na[m]++;
      }
    }
  }
  const meanReward = sr.map((x, m) => (nr[m] ? x / nr[m] : Number.NaN));
  const meanAccuracy = sa.map((x, m) => (na[m] ? x / na[m] : Number.NaN));
  // a missing cell scores 0 when chosen, so the best fixed model is ranked over the whole stream
  const staticReward = sr.map((x, m) => (nr[m] ? x / order.length : Number.NaN));
  return { meanReward, meanAccuracy, staticReward };
}
