/** summary.json of `greenserv ope` (kind "ope"; schema in docs/ope.md, "Outputs"). */
import type { EstimatorName } from './estimators.js';
import type { OpePolicyResult } from './run.js';
import type { OpeData, OpeMetric, RewardSourceKind } from './setup.js';
import { estimateFlags, evidenceOf, MIN_ESS, MIN_SUPPORT, observedMeans, policyFlags, policyVerdict, rewardRange, type EstimateFlag, type OpeTrustCriteria, type PolicyFlag, type VsLoggedVerdict } from './trust.js';

const OPE_SCHEMA_VERSION = 1;

export interface OpeSummary {
  kind: 'ope';
  schemaVersion: number;
  logs: { file: string; decisions: number; models: string[]; tasks: string[]; propensity: 'logged' | 'estimated'; uniform: boolean };
  table: { name: string; queries: number } | null;
  lambda: number;
  rewardSource: RewardSourceKind;
  metrics: OpeMetric[];
  estimators: EstimatorName[];
  seed: number;
  bootstrap: number;
  level: number;
  /** The logging policy's own mean per decision of each metric (observed; absent from summaries before it). */
  observed?: Partial<Record<OpeMetric, number>>;
  /** The criteria of the flags (docs/ope.md, "Trusting an estimate"). */
  trust?: OpeTrustCriteria;
  policies: OpeSummaryPolicy[];
}

/** A policy's result with its trust flags (optional: older summaries have none). */
export interface OpeSummaryPolicy extends Omit<OpePolicyResult, 'estimates'> {
  estimates: (OpePolicyResult['estimates'][number] & { flags?: EstimateFlag[] })[];
  flags?: PolicyFlag[];
  /** Better or worse than the logging policy at 95 %, and the reward estimators that say so (absent from older summaries). */
  verdict?: { result: VsLoggedVerdict; estimators: string[] };
}

export function buildOpeSummary(data: OpeData, a: { file: string; lambda: number; estimators: EstimatorName[]; seed: number; bootstrap: number; uniform: boolean }, policies: OpePolicyResult[]): OpeSummary {
  const { log, table } = data;
  const trust: OpeTrustCriteria = { minEss: MIN_ESS, minSupport: MIN_SUPPORT, rewardRange: rewardRange(data.rewardSource, data.values.get('reward')!) };
  return {
    kind: 'ope',
    schemaVersion: OPE_SCHEMA_VERSION,
    logs: { file: a.file, decisions: log.n, models: data.models.map((m) => m.id), tasks: log.tasks, propensity: log.propensityEstimated ? 'estimated' : 'logged', uniform: a.uniform },
    table: table ? { name: table.name, queries: table.nQueries } : null,
    lambda: a.lambda,
    rewardSource: data.rewardSource,
    metrics: [...data.values.keys()],
    estimators: a.estimators,
    seed: a.seed,
    bootstrap: a.bootstrap,
    level: 0.95,
    observed: observedMeans(data.values),
    trust,
    // flags, then vsLogged and verdict last, so every earlier field keeps its place
    policies: policies.map((p) => {
      const flags = policyFlags(p, trust);
      const estimates = p.estimates.map(({ vsLogged, ...e }) => ({ ...e, flags: estimateFlags(e, trust.rewardRange), ...(vsLogged ? { vsLogged } : {}) }));
      return { ...p, estimates, flags, verdict: policyVerdict(evidenceOf(p, flags, trust.rewardRange)) };
    }),
  };
}

/**
 * JSON with every non-finite number as null (JSON has no NaN or ∞; an estimate's `note` says why), except a
 * parameter set to ∞ (switch-dr's τ, dros's λ), written as the string "inf". No other field is ever "inf".
 */
export function opeSummaryJson(s: OpeSummary): string {
  return JSON.stringify(s, (k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? (k === 'param' && v === Number.POSITIVE_INFINITY ? 'inf' : null) : v), 2) + '\n';
}
