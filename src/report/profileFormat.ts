/** Number formats and cost-axis helpers shared by the profile tables, charts and HTML section. */
import { costOf, type CellStats, type FrontCost, type ModelProfile } from '../metrics/profile.js';

/** Energy with about three significant digits: 0.0123, 5.81, 227, 3101. */
export function fmtEnergy(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  if (a >= 99.95) return x.toFixed(0);
  return x.toPrecision(a >= 0.001 ? 3 : 2);
}

/** Labels of the front's cost axis. */
export const COST_AXIS: Record<FrontCost, { noun: string; axis: string; short: string; perQuery: string }> = {
  energy: { noun: 'energy', axis: 'Mean energy per query (J, log scale)', short: 'J/query', perQuery: 'Mean energy per query (J)' },
  usd: { noun: 'cost', axis: 'Mean cost per query (USD, log scale)', short: 'USD/query', perQuery: 'Mean cost per query (USD)' },
  latency: { noun: 'latency', axis: 'Mean latency per query (s, log scale)', short: 's/query', perQuery: 'Mean latency per query (s)' },
};

/** The cost-axis value when it can sit on a log axis (finite, > 0), else null. */
export function axisValue(s: CellStats | undefined, cost: FrontCost): number | null {
  if (!s) return null;
  const v = costOf(s, cost);
  return Number.isFinite(v) && v > 0 ? v : null;
}

export function fmtCi(s: CellStats): string {
  const a = s.accuracy;
  if (a.mean === null) return '–';
  if (!a.ci95) return a.mean.toFixed(3);
  return `${a.mean.toFixed(3)} ± ${((a.ci95[1] - a.ci95[0]) / 2).toFixed(3)}`;
}

export function frontCell(p: ModelProfile): string {
  if (p.pareto) return 'front';
  if (p.dominatedBy.length === 0) return '–';
  const more = p.dominatedBy.length > 1 ? ` +${p.dominatedBy.length - 1}` : '';
  return `by ${p.dominatedBy[0]}${more}`;
}


export function costOrNull(s: CellStats, cost: FrontCost): number | null {
  const v = costOf(s, cost);
  return Number.isFinite(v) ? v : null;
}
