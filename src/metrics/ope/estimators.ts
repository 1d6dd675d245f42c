/**
 * Off-policy value estimators over logged bandit feedback (formulas in docs/ope.md).
 * Matrices are n×M row-major Float64Arrays: row i holds one value per model for decision i.
 * Every estimator returns per-decision contributions so the bootstrap can resample decisions.
 */

/** Logged decisions: the model chosen, the logging policy's probability of that choice, the reward seen. */
export interface LoggedBandit {
  n: number;
  /** Number of models (actions). */
  M: number;
  action: Int32Array;
  /** π0(a_i | x_i), in (0, 1]. */
  propensity: Float64Array;
  reward: Float64Array;
}

/**
 * An estimate: `value` = Σ contrib / n, or Σ contrib / Σ norm for self-normalised estimators
 * (`norm` non-null). NaN when the denominator is 0.
 */
export interface Estimate {
  value: number;
  contrib: Float64Array;
  norm: Float64Array | null;
}

export type EstimatorName = 'dm' | 'ips' | 'snips' | 'dr' | 'switch-dr' | 'dros';
export const ESTIMATOR_NAMES: readonly EstimatorName[] = ['dm', 'ips', 'snips', 'dr', 'switch-dr', 'dros'];

function checkShapes(d: LoggedBandit, target: Float64Array, qhat?: Float64Array): void {
  const { n, M } = d;
  if (d.action.length < n || d.propensity.length < n || d.reward.length < n) throw new Error('logged arrays shorter than n');
  if (target.length !== n * M) throw new Error(`target distribution has ${target.length} entries, expected n×M = ${n * M}`);
  if (qhat && qhat.length !== n * M) throw new Error(`reward model has ${qhat.length} predictions, expected n×M = ${n * M}`);
}

/** Importance weights w_i = π(a_i|x_i) / π0(a_i|x_i). */
export function importanceWeights(d: LoggedBandit, target: Float64Array, out = new Float64Array(d.n)): Float64Array {
  checkShapes(d, target);
  const { n, M, action, propensity } = d;
  for (let i = 0; i < n; i++) out[i] = target[i * M + action[i]] / propensity[i];
  return out;
}

/** Mean of contributions, or ratio of sums when self-normalised. */
function finish(contrib: Float64Array, norm: Float64Array | null): Estimate {
  let s = 0;
  for (let i = 0; i < contrib.length; i++) s += contrib[i];
  if (norm === null) return { value: contrib.length > 0 ? s / contrib.length : Number.NaN, contrib, norm };
  let w = 0;
  for (let i = 0; i < norm.length; i++) w += norm[i];
  return { value: w > 0 ? s / w : Number.NaN, contrib, norm };
}

/** Σ_a π(a|x_i) q̂(x_i, a) for every i: the reward model's value of the target at each context. */
function modelValue(d: LoggedBandit, target: Float64Array, qhat: Float64Array, out: Float64Array): Float64Array {
  const { n, M } = d;
  for (let i = 0; i < n; i++) {
    let s = 0;
    const o = i * M;
    for (let a = 0; a < M; a++) s += target[o + a] * qhat[o + a];
    out[i] = s;
  }
  return out;
}

/** Direct method: the reward model's value of the target, averaged over logged contexts. */
export function dm(d: LoggedBandit, target: Float64Array, qhat: Float64Array): Estimate {
  checkShapes(d, target, qhat);
  return finish(modelValue(d, target, qhat, new Float64Array(d.n)), null);
}

/** Inverse propensity scoring: mean of w_i r_i. */
export function ips(d: LoggedBandit, target: Float64Array): Estimate {
  const c = importanceWeights(d, target);
  for (let i = 0; i < d.n; i++) c[i] *= d.reward[i];
  return finish(c, null);
}

/** Self-normalised IPS: Σ w_i r_i / Σ w_i. */
export function snips(d: LoggedBandit, target: Float64Array): Estimate {
  const w = importanceWeights(d, target);
  const c = new Float64Array(d.n);
  for (let i = 0; i < d.n; i++) c[i] = w[i] * d.reward[i];
  return finish(c, w);
}

/**
 * The doubly robust family: DM term plus a shrunk weight times the reward model's residual on the logged
 * action. `shrink(w)` maps the importance weight to the weight the residual gets.
 */
function drFamily(d: LoggedBandit, target: Float64Array, qhat: Float64Array, shrink: (w: number) => number): Estimate {
  checkShapes(d, target, qhat);
  const { n, M, action, propensity, reward } = d;
  const c = modelValue(d, target, qhat, new Float64Array(n));
  for (let i = 0; i < n; i++) {
    const k = i * M + action[i];
    const w = target[k] / propensity[i];
    if (w !== 0) c[i] += shrink(w) * (reward[i] - qhat[k]);
  }
  return finish(c, null);
}

const identity = (w: number): number => w;

/** Doubly robust (Dudík et al. 2011). */
export function dr(d: LoggedBandit, target: Float64Array, qhat: Float64Array): Estimate {
  return drFamily(d, target, qhat, identity);
}

/** Switch-DR (Wang et al. 2017): the residual is corrected only where w_i ≤ τ; above it, DM alone. */
export function switchDr(d: LoggedBandit, target: Float64Array, qhat: Float64Array, tau: number): Estimate {
  if (!(tau >= 0)) throw new RangeError(`switch threshold τ must be ≥ 0, got ${tau}`);
  return drFamily(d, target, qhat, (w) => (w <= tau ? w : 0));
}

/**
 * DR with optimistic shrinkage (Su et al. 2020): weight λw / (w² + λ). λ = 0 gives DM, λ = ∞ gives DR.
 */
export function dros(d: LoggedBandit, target: Float64Array, qhat: Float64Array, lambda: number): Estimate {
  if (!(lambda >= 0)) throw new RangeError(`shrinkage λ must be ≥ 0, got ${lambda}`);
  if (lambda === Number.POSITIVE_INFINITY) return drFamily(d, target, qhat, identity);
  return drFamily(d, target, qhat, (w) => (lambda * w) / (w * w + lambda));
}

interface EstimatorParams {
  /** Reward model predictions (n×M); required by dm, dr, switch-dr and dros. */
  qhat?: Float64Array;
  /** Switch-DR threshold τ on the importance weight. */
  switchTau?: number;
  /** DRos shrinkage λ. */
  drosLambda?: number;
}

/**
 * Check that a target is a distribution per decision: entries in [0, 1] summing to 1 (within 1e-9 per row).
 * Returns a message for the first bad row, or null.
 */
export function checkTarget(target: Float64Array, n: number, M: number): string | null {
  if (target.length !== n * M) return `target distribution has ${target.length} entries, expected n×M = ${n * M}`;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let a = 0; a < M; a++) {
      const v = target[i * M + a];
      if (!(v >= 0 && v <= 1)) return `target probability ${v} for model ${a} at decision ${i} is outside [0, 1]`;
      s += v;
    }
    if (Math.abs(s - 1) > 1e-9) return `target probabilities at decision ${i} sum to ${s}, not 1`;
  }
  return null;
}

/** Run one estimator by name. */
export function estimate(name: EstimatorName, d: LoggedBandit, target: Float64Array, p: EstimatorParams = {}): Estimate {
  if (name === 'ips') return ips(d, target);
  if (name === 'snips') return snips(d, target);
  const q = p.qhat;
  if (!q) throw new Error(`estimator '${name}' needs reward model predictions`);
  if (name === 'dm') return dm(d, target, q);
  if (name === 'dr') return dr(d, target, q);
  if (name === 'switch-dr') {
    if (p.switchTau === undefined) throw new Error("estimator 'switch-dr' needs a threshold τ");
    return switchDr(d, target, q, p.switchTau);
  }
  if (p.drosLambda === undefined) throw new Error("estimator 'dros' needs a shrinkage λ");
  return dros(d, target, q, p.drosLambda);
}

/** One-hot n×M distribution of a deterministic target that picks `choice[i]` at decision i. */
export function oneHot(choice: ArrayLike<number>, M: number): Float64Array {
  const n = choice.length;
  const out = new Float64Array(n * M);
  for (let i = 0; i < n; i++) {
    const a = choice[i];
    if (!(a >= 0 && a < M && Number.isInteger(a))) throw new RangeError(`choice ${a} at decision ${i} is not a model index in [0, ${M})`);
    out[i * M + a] = 1;
  }
  return out;
}
