/**
 * Regression comparison: metrics of a re-run against a committed baseline, with a per-metric tolerance
 * and a direction (is higher better or worse). Pure functions; the command lives in cli/regress.ts.
 */
import { closest, UsageError } from '../core/errors.js';
import { own } from '../core/dict.js';

type Direction = 'lower-is-better' | 'higher-is-better';

export interface Tolerance {
  abs?: number;
  rel?: number;
}

/** Metric families by the last segment of a metric key (e.g. "linucb.finalRegret" → finalRegret). */
const METRIC_RULES: Record<string, { direction: Direction; tolerance: Tolerance }> = {
  finalRegret: { direction: 'lower-is-better', tolerance: { rel: 0.01 } },
  accuracy: { direction: 'higher-is-better', tolerance: { abs: 0.005 } },
  energyWh: { direction: 'lower-is-better', tolerance: { rel: 0.02 } },
  reward: { direction: 'higher-is-better', tolerance: { abs: 0.002 } },
  aiq: { direction: 'higher-is-better', tolerance: { abs: 0.005 } },
  peakAccuracy: { direction: 'higher-is-better', tolerance: { abs: 0.005 } },
  avgAccuracy: { direction: 'higher-is-better', tolerance: { abs: 0.005 } },
  /** Scenario figures (docs/model.md §11): a budget's final mean and overshoot, regret after an event, labels delivered. */
  budgetFinal: { direction: 'lower-is-better', tolerance: { rel: 0.02 } },
  overshoot: { direction: 'lower-is-better', tolerance: { abs: 0.02 } },
  regretAfter: { direction: 'lower-is-better', tolerance: { rel: 0.02 } },
  delivered: { direction: 'higher-is-better', tolerance: { rel: 0.01 } },
  /** Benchmark throughput as a ratio to a reference workload measured in the same run. */
  throughputRatio: { direction: 'higher-is-better', tolerance: { rel: 0.35 } },
};

function metricFamily(key: string): string {
  const parts = key.split('.');
  return parts[parts.length - 1];
}

/** Parse `--tolerance "finalRegret=rel:0.005,accuracy=abs:0.01"`. */
export function parseTolerance(spec: string | undefined): Record<string, Tolerance> {
  const out: Record<string, Tolerance> = Object.create(null);
  if (!spec) return out;
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([A-Za-z][\w.-]*)=(abs|rel):([0-9.eE+-]+)$/.exec(part);
    if (!m) throw new UsageError(`--tolerance: bad entry '${part}': expected <metric>=abs:<x> or <metric>=rel:<x>, e.g. finalRegret=rel:0.01`);
    const v = Number(m[3]);
    if (!(v >= 0)) throw new UsageError(`--tolerance: '${part}': tolerance must be ≥ 0`);
    // a full key may name a metric of any family that some baseline records
    const problem = m[1].includes('.') ? null : toleranceKeyProblem(m[1]);
    if (problem) throw new UsageError(`--tolerance: ${problem}`);
    out[m[1]] = { ...(out[m[1]] ?? {}), [m[2]]: v };
  }
  return out;
}

/**
 * Why a tolerance key (a metric family, a full key such as linucb.finalRegret, or one of `metrics`) matches no
 * metric, or null: a misspelt one would otherwise be ignored and the default tolerance applied.
 */
export function toleranceKeyProblem(key: string, metrics: readonly string[] = []): string | null {
  const known = Object.keys(METRIC_RULES);
  const fam = metricFamily(key);
  if (known.includes(fam) || metrics.includes(key)) return null;
  const best = closest(fam, known);
  const meant = best === null ? '' : ` (did you mean '${key.slice(0, key.length - fam.length)}${best}'?)`;
  return `unknown metric '${key}'${meant}; metrics: ${known.join(', ')} (or a full key such as linucb.finalRegret)`;
}


type Verdict = 'ok' | 'improved' | 'regressed' | 'missing' | 'new';

export interface MetricDiff {
  metric: string;
  baseline: number | null;
  now: number | null;
  delta: number | null;
  /** Allowed change in the worse direction, in the metric's units. */
  allowed: number | null;
  verdict: Verdict;
}

function allowedChange(base: number, tol: Tolerance): number {
  return Math.max(tol.abs ?? 0, (tol.rel ?? 0) * Math.abs(base));
}

/**
 * Compare metric maps. A change in the worse direction beyond the tolerance is a regression; beyond the
 * tolerance in the better direction is "improved" (passes, suggests --update); metrics that disappeared fail.
 */
export function compareMetrics(
  baseline: Record<string, number>,
  now: Record<string, number>,
  overrides: Record<string, Tolerance> = {},
  baselineTolerance: Record<string, Tolerance> = {},
): MetricDiff[] {
  const out: MetricDiff[] = [];
  for (const key of Object.keys(baseline)) {
    const fam = metricFamily(key);
    const rule = own(METRIC_RULES, fam) ?? { direction: 'lower-is-better' as Direction, tolerance: { rel: 0 } };
    const tol = own(overrides, key) ?? own(overrides, fam) ?? own(baselineTolerance, key) ?? own(baselineTolerance, fam) ?? rule.tolerance;
    const b = baseline[key];
    const n = own(now, key);
    if (n === undefined || n === null || !Number.isFinite(n)) {
      out.push({ metric: key, baseline: b, now: n ?? null, delta: null, allowed: null, verdict: 'missing' });
      continue;
    }
    const allowed = allowedChange(b, tol);
    const delta = n - b;
    const worse = rule.direction === 'lower-is-better' ? delta : -delta;
    const verdict: Verdict = worse > allowed ? 'regressed' : -worse > allowed ? 'improved' : 'ok';
    out.push({ metric: key, baseline: b, now: n, delta, allowed, verdict });
  }
  for (const key of Object.keys(now)) {
    if (!Object.hasOwn(baseline, key)) out.push({ metric: key, baseline: null, now: now[key], delta: null, allowed: null, verdict: 'new' });
  }
  return out;
}

export function failed(diffs: MetricDiff[]): boolean {
  return diffs.some((d) => d.verdict === 'regressed' || d.verdict === 'missing');
}
