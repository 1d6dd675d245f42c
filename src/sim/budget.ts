/**
 * Budgets (docs/model.md §11.1): a limit on the stream average of energy (Wh per query), dollars per query, or
 * the p95 latency (s). The engine turns the chosen pair's cost into the signal κ a budgeted policy learns
 * from — cost over limit, or for latency 1[latency > limit]/0.05 — so every budget reads "mean κ ≤ 1".
 */
import { parseDecimal } from '../core/format.js';
import { at, UsageError } from '../core/errors.js';
import type { PoolTable } from '../data/pool.js';
import type { BudgetSpec } from '../policies/policy.js';

export type { BudgetSpec } from '../policies/policy.js';

/** The share of queries a latency budget lets exceed its limit (p95). */
export const LATENCY_EXCESS_SHARE = 0.05;

const UNITS: Record<BudgetSpec['kind'], string> = { energy: 'Wh per query', usd: 'dollars per query', latency: 's (p95)' };

export function budgetUnit(kind: BudgetSpec['kind']): string {
  return UNITS[kind];
}

/** The budget `text` describes (`energy=<Wh per query>`, `usd=<dollars per query>` or `latency=<p95 seconds>`), or why it is not one. */
export function readBudget(text: string): BudgetSpec | string {
  if (/(energy|usd|latency)\s*=.*,\s*(energy|usd|latency)\s*=/.test(text)) return 'one budget at a time: energy=<Wh per query>, usd=<dollars per query> or latency=<p95 seconds>';
  const m = /^\s*(energy|usd|latency)\s*=\s*([^\s]+)\s*$/.exec(text);
  if (!m) return 'expected energy=<Wh per query>, usd=<dollars per query> or latency=<p95 seconds>, e.g. energy=0.05';
  const limit = parseDecimal(m[2]);
  if (!(Number.isFinite(limit) && limit > 0)) return `the ${m[1]} budget must be a finite number > 0`;
  return { kind: m[1] as BudgetSpec['kind'], limit };
}

/** `readBudget`, or a UsageError; `where` names the option. */
export function parseBudget(text: string, where: string): BudgetSpec {
  const r = readBudget(text);
  if (typeof r === 'string') throw new UsageError(at(where, `${r}, got '${text}'`));
  return r;
}

/** Why the table cannot take the budget (its dataset column has no value), or null. */
export function budgetDataProblem(t: PoolTable, b: BudgetSpec): string | null {
  const col = b.kind === 'energy' ? t.energyJ : b.kind === 'usd' ? t.costUsd : t.latencyS;
  if (col) for (let i = 0; i < col.length; i++) if (t.present[i] && Number.isFinite(col[i])) return null;
  return `dataset '${t.name}' has no ${b.kind === 'energy' ? 'energy' : b.kind === 'usd' ? 'cost_usd' : 'latency'} values to budget`;
}

/** The budget's dataset column must exist. */
export function checkBudgetData(t: PoolTable, b: BudgetSpec, where: string): void {
  const problem = budgetDataProblem(t, b);
  if (problem) throw new UsageError(at(where, problem));
}

/** The budgeted quantity of one served query: Wh, dollars or seconds (NaN when unknown). */
export function budgetValue(kind: BudgetSpec['kind'], energyJ: number, usd: number, latencyS: number): number {
  return kind === 'energy' ? energyJ / 3600 : kind === 'usd' ? usd : latencyS;
}

/** κ of a served query: value/limit, or for latency 1[value > limit]/0.05 (docs/model.md §11.1). */
export function budgetSignal(b: BudgetSpec, value: number): number {
  if (b.kind === 'latency') return value > b.limit ? 1 / LATENCY_EXCESS_SHARE : 0;
  return value / b.limit;
}

interface BudgetAdherence {
  /** Final stream statistic: the mean (energy, usd) or the p95 (latency) over served queries with a value. */
  final: number;
  /** final/limit − 1 (positive: over budget). */
  overshoot: number;
  /** Running statistic at `steps` (the mean so far; for latency the share above the limit so far). */
  steps: number[];
  running: number[];
}

/** p-quantile by linear interpolation between order statistics (the usual "type 7"). */
export function quantile(sorted: Float64Array, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** Adherence of one trace of per-step values (NaN: unknown, skipped), sampled at about `points` steps. */
export function adherence(b: BudgetSpec, trace: Float64Array, points = 100): BudgetAdherence {
  const n = trace.length;
  const every = Math.max(1, Math.ceil(n / points));
  const steps: number[] = [];
  const running: number[] = [];
  let sum = 0;
  let cnt = 0;
  let over = 0;
  for (let s = 0; s < n; s++) {
    const v = trace[s];
    if (!Number.isNaN(v)) {
      sum += v;
      cnt++;
      if (v > b.limit) over++;
    }
    if ((s + 1) % every === 0 || s === n - 1) {
      steps.push(s + 1);
      running.push(cnt ? (b.kind === 'latency' ? over / cnt : sum / cnt) : Number.NaN);
    }
  }
  let final: number;
  if (b.kind === 'latency') {
    const vals = trace.filter((v) => !Number.isNaN(v)).sort();
    final = quantile(vals, 1 - LATENCY_EXCESS_SHARE);
  } else final = cnt ? sum / cnt : Number.NaN;
  return { final, overshoot: final / b.limit - 1, steps, running };
}
