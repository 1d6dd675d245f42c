/**
 * The scenario hooks of a replay (docs/model.md §11): drift, delayed/sampled feedback and a budget's cost
 * channel. The engine holds one `ScenarioRun` only when a scenario is configured and calls it at three
 * points of a step; without one the default loop is unchanged.
 */
import type { PoolTable } from '../data/pool.js';
import { asFloat64, valueAt, type MetricColumn } from '../data/columns.js';
import type { Policy } from '../policies/policy.js';
import { budgetSignal, budgetValue, type BudgetSpec } from './budget.js';
import { DriftCursor, type DriftPlan } from './drift.js';
import { FeedbackQueue, isInstant, type FeedbackSpec } from './feedback.js';

export interface ScenarioConfig {
  budget?: BudgetSpec | null;
  feedback?: FeedbackSpec | null;
  drift?: DriftPlan | null;
}

/** What a scenario adds to a replay's results, [policy][run] like the metrics. */
export interface ScenarioResult {
  /** Per step, the budgeted quantity of the served query (Wh, $ or s; NaN when unknown), or null without a budget. */
  budgetTrace: Float64Array[][] | null;
  /** Labels delivered and decisions left unlabelled, or null with instant feedback. */
  feedback: { delivered: number; unlabelled: number }[][] | null;
}

export function hasScenario(c: ScenarioConfig | null | undefined): c is ScenarioConfig {
  return !!c && (!!c.budget || !isInstant(c.feedback) || !!(c.drift && c.drift.events.length));
}

export class ScenarioRun {
  readonly drift: DriftCursor | null;
  private readonly queue: FeedbackQueue | null;
  private readonly budget: BudgetSpec | null;
  private trace: Float64Array | null = null;
  readonly result: ScenarioResult;
  /**
   * Under drift, the table the recorders read: a copy whose served cell gets its drifted accuracy, energy,
   * cost and latency each step, so summaries report what was served. The loaded table otherwise.
   */
  readonly metricsTable: PoolTable;
  /** Under drift, the normalised cost term the recorders read, kept like `metricsTable`; null otherwise. */
  readonly costNorm: Float64Array | null;
  private p = 0;

  constructor(
    private readonly t: PoolTable,
    cfg: ScenarioConfig,
    nPolicies: number,
  ) {
    this.drift = cfg.drift && cfg.drift.events.length ? new DriftCursor(cfg.drift) : null;
    this.queue = isInstant(cfg.feedback) ? null : new FeedbackQueue(cfg.feedback!);
    this.budget = cfg.budget ?? null;
    // drifted values are written into float64 copies whatever the table's storage
    const copy = (a: MetricColumn): Float64Array => (a instanceof Float64Array ? a.slice() : asFloat64(a));
    this.metricsTable = this.drift
      ? { ...t, accuracy: t.accuracy instanceof Float64Array ? t.accuracy.slice() : asFloat64(t.accuracy, t.present), energyJ: copy(t.energyJ), latencyS: t.latencyS ? copy(t.latencyS) : null, costUsd: t.costUsd ? copy(t.costUsd) : null }
      : t;
    this.costNorm = this.drift ? copy(cfg.drift!.phases[0].costNorm) : null;
    const grid = <T>(): T[][] => Array.from({ length: nPolicies }, () => []);
    this.result = { budgetTrace: this.budget ? grid<Float64Array>() : null, feedback: this.queue ? grid() : null };
  }

  begin(p: number, seed: number): void {
    this.p = p;
    this.drift?.begin();
    this.queue?.begin(seed);
    if (this.budget) this.trace = new Float64Array(this.t.nQueries).fill(Number.NaN);
  }

  /** Top of step s: the drift moves on and due feedback reaches the policy. */
  before(s: number, policy: Policy): void {
    if (this.drift) this.drift.advance(s);
    if (this.queue) this.queue.deliver(s, policy);
  }

  /** Model m joined the pool with a fresh state: feedback still queued for it is dropped. */
  added(m: number): void {
    if (this.queue) this.queue.drop(m);
  }

  /** After the choice: the reward goes through the queue (or straight to the policy) and the cost is told at once. */
  after(s: number, q: number, m: number, i: number, has: boolean, reward: number, policy: Policy): void {
    if (this.queue) this.queue.push(s, q, m, reward, policy);
    else policy.update(q, m, reward);
    const d = this.drift;
    if (d) {
      const v = this.metricsTable;
      v.accuracy[i] = d.accuracy(i);
      v.energyJ[i] = d.energyJ(i);
      if (v.latencyS) v.latencyS[i] = d.latencyS(i);
      if (v.costUsd) v.costUsd[i] = d.costUsd(i);
      this.costNorm![i] = d.costNorm(i);
    }
    const b = this.budget;
    if (!b || !has) return;
    const t = this.t;
    const v = d
      ? budgetValue(b.kind, d.energyJ(i), d.costUsd(i), d.latencyS(i))
      : budgetValue(b.kind, t.energyJ[i], t.costUsd ? t.costUsd[i] : Number.NaN, valueAt(t.latencyS, i));
    this.trace![s] = v;
    if (!Number.isNaN(v) && policy.updateCost) policy.updateCost(q, m, budgetSignal(b, v));
  }

  end(): void {
    if (this.queue) {
      this.queue.end();
      this.result.feedback![this.p].push({ delivered: this.queue.delivered, unlabelled: this.queue.unlabelled });
    }
    if (this.trace) this.result.budgetTrace![this.p].push(this.trace);
  }
}
