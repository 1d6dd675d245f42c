/** Diagnostics that say how far an off-policy estimate can be trusted (definitions in docs/ope.md). */
import type { LoggedBandit } from './estimators.js';

export interface WeightDiagnostics {
  /** Effective sample size (Σw)² / Σw²; 0 when every weight is 0; finite whenever the weights are. */
  ess: number;
  maxWeight: number;
  meanWeight: number;
}

export function weightDiagnostics(w: Float64Array): WeightDiagnostics {
  let s = 0;
  let s2 = 0;
  let max = 0;
  for (let i = 0; i < w.length; i++) {
    const x = w[i];
    s += x;
    s2 += x * x;
    if (x > max) max = x;
  }
  let ess = s2 > 0 ? (s * s) / s2 : 0;
  // ESS does not change when every weight is scaled: where (Σw)² or Σw² overflows, take it on w / max
  if (!Number.isFinite(ess) && max > 0 && Number.isFinite(max)) ess = scaledEss(w, max);
  return { ess, maxWeight: max, meanWeight: w.length > 0 ? s / w.length : Number.NaN };
}

/** (Σw)² / Σw² over w / max (0 < max < ∞): each scaled weight is at most 1, so neither sum overflows. */
function scaledEss(w: Float64Array, max: number): number {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < w.length; i++) {
    const x = w[i] / max;
    s += x;
    s2 += x * x;
  }
  return s2 > 0 ? (s * s) / s2 : 0;
}

/**
 * Share of the target's probability mass that falls on models with logging support in the decision's
 * context group: (1/n) Σ_i Σ_{a ∈ S(g_i)} π(a|x_i), where S(g) is the set of models logged at least once
 * in group g (e.g. the task). For a deterministic target it is the share of decisions whose target model
 * was ever logged in that group. `group` null puts every decision in one group.
 */
export function supportShare(d: LoggedBandit, target: Float64Array, group: Int32Array | null, nGroups = 1): number {
  const { n, M, action } = d;
  if (n === 0) return Number.NaN;
  const G = group === null ? 1 : nGroups;
  const seen = new Uint8Array(G * M);
  for (let i = 0; i < n; i++) seen[(group === null ? 0 : group[i]) * M + action[i]] = 1;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const g = (group === null ? 0 : group[i]) * M;
    const o = i * M;
    for (let a = 0; a < M; a++) if (seen[g + a] !== 0) s += target[o + a];
  }
  return s / n;
}
