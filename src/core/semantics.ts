/**
 * The two behaviours greenserv offers (docs/model.md §6): `paper`, the corrected one, and `repo`, the
 * reference code's. A run resolves its choice once into the explicit settings each layer reads.
 */
export type Semantics = 'repo' | 'paper';

/** How a semantics choice shows up in a policy's decisions. */
export interface DecisionRules {
  /** Exact ties of the linear policies: the first maximum in model order, or uniform from the policy's RNG (docs/model.md §5.3). */
  ties: 'first' | 'uniform';
  /** Thompson sampling covariance: σ²·B⁻¹ as the reference code has it, or the posterior B⁻¹ (docs/model.md §5.4). */
  thompsonCovariance: 'sigma2' | 'posterior';
}

export function decisionRules(s: Semantics): DecisionRules {
  return s === 'repo' ? { ties: 'first', thompsonCovariance: 'sigma2' } : { ties: 'uniform', thompsonCovariance: 'posterior' };
}
