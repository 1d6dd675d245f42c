/** Diagnostics that say how far an off-policy estimate can be trusted (definitions in docs/ope.md). */
import type { LoggedBandit } from './estimators.js';

export interface WeightDiagnostics {
  /** Effective sample size (Σw)² / Σw²; 0 when every weight is 0. */
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
  return { ess: s2 > 0 ? (s * s) / s2 : 0, maxWeight: max, meanWeight: w.length > 0 ? s / w.length : Number.NaN };
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
