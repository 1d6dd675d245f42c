/**
 * How far an ope estimate can be trusted (docs/ope.md, "Trusting an estimate"): the logging policy's own
 * observed value as the reference, and flags from the weight diagnostics and the reward range.
 */
import type { OpeEstimateRow, OpePolicyResult } from './run.js';
import type { OpeMetric, RewardSourceKind } from './setup.js';
import { mean } from '../stats.js';

/** Below this Kish ESS (or replay's kept count) an estimate rests on too few decisions (docs/ope.md). */
export const MIN_ESS = 100;
/** Below this support share the target picks models the log never shows for that task (docs/ope.md). */
export const MIN_SUPPORT = 0.99;

/** low-ess: ESS or kept < MIN_ESS; low-support: supportShare < MIN_SUPPORT. */
export type PolicyFlag = 'low-ess' | 'low-support';
/** outside-range: the reward's 95 % interval reaches outside the reward range. */
export type EstimateFlag = 'outside-range';

export interface OpeTrustCriteria {
  minEss: number;
  minSupport: number;
  /** Range a policy's mean reward must lie in: [0, 1] for a computed reward (docs/model.md §2.1), else the logged rewards' own. */
  rewardRange: [number, number];
}

/** The logging policy's value: the plain mean per decision of each metric over the log (observed, not estimated). */
export function observedMeans(values: ReadonlyMap<OpeMetric, Float64Array>): Partial<Record<OpeMetric, number>> {
  const out: Partial<Record<OpeMetric, number>> = {};
  for (const [metric, v] of values) out[metric] = mean(v);
  return out;
}

/** [0, 1] when greenserv computed the reward (it is clipped there, docs/model.md §2.1); a logged column's own [min, max]. */
export function rewardRange(source: RewardSourceKind, reward: Float64Array): [number, number] {
  if (source !== 'logged') return [0, 1];
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < reward.length; i++) {
    if (reward[i] < lo) lo = reward[i];
    if (reward[i] > hi) hi = reward[i];
  }
  return [lo, hi];
}

export function policyFlags(p: Pick<OpePolicyResult, 'method' | 'diagnostics' | 'kept'>, c: Pick<OpeTrustCriteria, 'minEss' | 'minSupport'>): PolicyFlag[] {
  const flags: PolicyFlag[] = [];
  // replay keeps decisions with weight 1 each, so its kept count is its effective sample size
  const ess = p.method === 'replay' ? p.kept : p.diagnostics?.ess;
  if (ess !== null && ess !== undefined && !(ess >= c.minEss)) flags.push('low-ess');
  const support = p.diagnostics?.supportShare;
  if (support !== undefined && support < c.minSupport) flags.push('low-support');
  return flags;
}

/** Only the reward has a known range; a non-finite bound has its own note and no flag. */
export function estimateFlags(e: Pick<OpeEstimateRow, 'metric' | 'lo' | 'hi'>, range: readonly [number, number]): EstimateFlag[] {
  return e.metric === 'reward' && (e.lo < range[0] || e.hi > range[1]) ? ['outside-range'] : [];
}

/** Target against the logging policy at 95 % (docs/ope.md, "Better than the logging policy?"). */
export type VsLoggedVerdict = 'better' | 'worse' | 'indistinguishable' | 'no-evidence';

/** One paired interval of the difference: above 0 is better, below 0 worse (strictly), else indistinguishable. */
export function diffVerdict(lo: number, hi: number): Exclude<VsLoggedVerdict, 'no-evidence'> {
  return lo > 0 ? 'better' : hi < 0 ? 'worse' : 'indistinguishable';
}

/**
 * The reward estimates whose difference counts as evidence: no flag on them or their policy, a finite interval,
 * not dm (its interval holds q̂ fixed, too narrow) and not replay on logs that are not uniform (biased).
 */
export function evidenceOf(p: Pick<OpePolicyResult, 'method' | 'unbiased' | 'estimates'>, pflags: readonly PolicyFlag[], range: readonly [number, number]): OpeEstimateRow[] {
  if (pflags.length > 0 || (p.method === 'replay' && !p.unbiased)) return [];
  return p.estimates.filter((e) => e.metric === 'reward' && e.estimator !== 'dm' && e.vsLogged !== undefined && Number.isFinite(e.vsLogged.lo) && Number.isFinite(e.vsLogged.hi) && estimateFlags(e, range).length === 0);
}

/** better (worse) when every estimate of the evidence says so; no-evidence when there is none. */
export function policyVerdict(evidence: readonly OpeEstimateRow[]): { result: VsLoggedVerdict; estimators: string[] } {
  const vs = evidence.map((e) => diffVerdict(e.vsLogged!.lo, e.vsLogged!.hi));
  const result = vs.length === 0 ? 'no-evidence' : vs.every((v) => v === vs[0]) ? vs[0] : 'indistinguishable';
  return { result, estimators: evidence.map((e) => e.estimator) };
}
