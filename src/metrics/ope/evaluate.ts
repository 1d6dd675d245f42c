/** One target policy through several estimators: estimates, paired bootstrap intervals and diagnostics. */
import { at, UsageError } from '../../core/errors.js';
import { bootstrapMany } from './bootstrap.js';
import { supportShare, weightDiagnostics, type WeightDiagnostics } from './diagnostics.js';
import { checkTarget, ESTIMATOR_NAMES, estimate, importanceWeights, type Estimate, type EstimatorName, type LoggedBandit } from './estimators.js';
import { tuneDrosLambda, tuneSwitchTau } from './tuning.js';
import { mean } from '../stats.js';

interface OpeOptions {
  estimators: readonly EstimatorName[];
  /** Reward model predictions (n×M); required by dm, dr, switch-dr and dros. */
  qhat?: Float64Array;
  /** A fixed τ, or 'auto' (default) to choose it by estimated MSE. */
  switchTau?: number | 'auto';
  /** A fixed λ, or 'auto' (default) to choose it by estimated MSE. */
  drosLambda?: number | 'auto';
  seed: number;
  resamples?: number;
  level?: number;
  /** Context group per decision (task) for the support share; null = one group. */
  group?: Int32Array | null;
  nGroups?: number;
}

export interface OpeRow {
  estimator: EstimatorName;
  value: number;
  lo: number;
  hi: number;
  sd: number;
  /** τ for switch-dr, λ for dros. */
  param: number | null;
  /** Why value, lo, hi or sd is not a finite number (summary.json writes those null); absent when all are. */
  note?: string;
  /** Estimate minus the logged mean, with its paired 95 % interval (docs/ope.md, "Better than the logging policy?"). */
  vsLogged?: VsLogged;
}

export interface VsLogged {
  value: number;
  lo: number;
  hi: number;
}

/** The difference of an estimate from the logged mean m, with the bootstrap's paired interval. */
export function vsLogged(value: number, m: number, diff: { lo: number; hi: number } | undefined): VsLogged {
  return { value: value - m, lo: diff?.lo ?? Number.NaN, hi: diff?.hi ?? Number.NaN };
}

interface OpeResult {
  rows: OpeRow[];
  diagnostics: WeightDiagnostics & { n: number; supportShare: number };
}

/** Parse a comma-separated estimator list; an unknown name is a UsageError naming `where` (`--estimators` or the field). */
export function parseEstimators(list: string, where = 'estimators'): EstimatorName[] {
  const out: EstimatorName[] = [];
  for (const raw of list.split(',')) {
    const s = raw.trim().toLowerCase();
    if (s === '') continue;
    if (!(ESTIMATOR_NAMES as readonly string[]).includes(s)) throw new UsageError(at(where, `unknown estimator '${raw.trim()}' (expected some of: ${ESTIMATOR_NAMES.join(', ')})`));
    if (!out.includes(s as EstimatorName)) out.push(s as EstimatorName);
  }
  if (out.length === 0) throw new UsageError(at(where, 'no estimator given'));
  return out;
}

export function evaluateTarget(d: LoggedBandit, target: Float64Array, opts: OpeOptions): OpeResult {
  const bad = checkTarget(target, d.n, d.M);
  if (bad) throw new Error(bad);
  const q = opts.qhat;
  const params = new Map<EstimatorName, number>();
  const ests: Estimate[] = opts.estimators.map((name) => {
    let p: number | null = null;
    if (name === 'switch-dr') {
      const t = opts.switchTau ?? 'auto';
      p = t === 'auto' && q ? tuneSwitchTau(d, target, q).best : (t as number);
    } else if (name === 'dros') {
      const l = opts.drosLambda ?? 'auto';
      p = l === 'auto' && q ? tuneDrosLambda(d, target, q).best : (l as number);
    }
    if (p !== null) params.set(name, p);
    return estimate(name, d, target, { qhat: q, switchTau: p ?? undefined, drosLambda: p ?? undefined });
  });
  // the logged rewards ride along the same resamples: the difference from the logged mean is paired
  const logged = d.reward.subarray(0, d.n);
  const cis = bootstrapMany(ests, { seed: opts.seed, resamples: opts.resamples, level: opts.level, reference: logged });
  // the plain mean, as the summary's observed value is, so the two agree to the bit
  const m = mean(logged);
  const rows = opts.estimators.map((estimator, k): OpeRow => {
    const r = { estimator, value: ests[k].value, lo: cis[k].lo, hi: cis[k].hi, sd: cis[k].sd, param: params.get(estimator) ?? null };
    const note = nonFiniteNote(r, ests[k]);
    return { ...r, ...(note === undefined ? {} : { note }), vsLogged: vsLogged(r.value, m, cis[k].diff) };
  });
  const w = weightDiagnostics(importanceWeights(d, target));
  return { rows, diagnostics: { n: d.n, ...w, supportShare: supportShare(d, target, opts.group ?? null, opts.nGroups ?? 1) } };
}

const ESTIMATE_FIELDS = ['value', 'lo', 'hi', 'sd'] as const;

function allFinite(xs: Float64Array): boolean {
  for (let i = 0; i < xs.length; i++) if (!Number.isFinite(xs[i])) return false;
  return true;
}

/**
 * Why some of an estimate's numbers are not finite, or undefined when all are. Overflow (a contribution,
 * sum or bootstrap square beyond the double range) is told apart from an undefined estimate (no decision
 * carries weight: SNIPS with Σw = 0, a replay that kept no decision).
 */
export function nonFiniteNote(r: Record<(typeof ESTIMATE_FIELDS)[number], number>, e: Estimate): string | undefined {
  const bad = ESTIMATE_FIELDS.filter((k) => !Number.isFinite(r[k]));
  if (bad.length === 0) return undefined;
  const overflow = bad.some((k) => Math.abs(r[k]) === Number.POSITIVE_INFINITY) || !allFinite(e.contrib) || (e.norm !== null && !allFinite(e.norm));
  return overflow
    ? `${bad.join(', ')} overflowed (beyond the range of a double: importance weights or values too large)`
    : `${bad.join(', ')} undefined (no logged decision carries weight: SNIPS with no weight on the logged choices, or a replay that kept no decision)`;
}
