/**
 * The warm start of warm-linucb and warm-thompson (docs/model.md §5.11): each model's ridge state starts from
 * its usable train cells, A_m += s·Σ x xᵀ, b_m += s·Σ r x, with s = discount × the policy's reward weight.
 * The Gram matrix of the rows every model has is summed once and shared.
 */
import { addOuterSparse } from './linalg.js';
import type { RidgeArms } from './linear.js';
import type { ContextSet } from '../features/context.js';
import type { PolicyEnv, TrainData } from './policy.js';
import { predictSparse } from './ridge.js';
import { CV_FOLDS, crossValidatePenalty, foldSums, shared, sharedCache, solveSums, usable } from './supervised.js';

/**
 * The penalty ρ of the train part's own ridge fit θ_m = (ρI + Σ x xᵀ)⁻¹ Σ r x (the posterior mean the warm start
 * begins from, up to the discount) chosen by 5-fold cross-validation on the train part, scoring the train reward
 * of argmax_m θ_mᵀx on the held-out folds (docs/model.md §5.11); null when the train part is too small.
 */
export function warmPenalty(env: PolicyEnv, t: TrainData, se = 0): number | null {
  if (t.queries.length < 2 * CV_FOLDS) return null;
  // the runs of a replay share the choice
  return shared(PENALTY, env.contexts, t, String(se), () => choosePenalty(env, t, se));
}

const PENALTY = sharedCache<number>();
const PRIORS = sharedCache<WarmPrior>();

/** The warm start of a train part at this weight, shared by the runs of a replay (it is read only). */
export function warmPrior(env: PolicyEnv, t: TrainData, scale: number): WarmPrior {
  return shared(PRIORS, env.contexts, t, String(scale), () => new WarmPrior(env, t, scale));
}

function choosePenalty(env: PolicyEnv, t: TrainData, se: number): number {
  const M = env.nModels;
  const c = env.contexts;
  const sums = foldSums(c, M, t, [t.rewards], CV_FOLDS);
  return crossValidatePenalty(
    t,
    M,
    sums,
    (x, reg) => solveSums(x, M, 1, c.d, reg, false),
    (fit, q, m) => predictSparse(fit.theta, m * c.d, 0, c.idx, c.val, c.ptr[q], c.ptr[q + 1]),
    se,
  );
}

/** Σ x xᵀ per (contexts, train rows, rows usable for every model): the λ values and policies of a sweep share it. */
const GRAMS = new WeakMap<ContextSet, WeakMap<Int32Array, { all: Uint8Array; G: Float64Array }[]>>();

/** Σ x xᵀ over the train rows i with all[i] = 1, in row order; made once per contexts, rows and mask. */
function gramOf(c: ContextSet, queries: Int32Array, all: Uint8Array): Float64Array {
  let byRows = GRAMS.get(c);
  if (!byRows) GRAMS.set(c, (byRows = new WeakMap()));
  let list = byRows.get(queries);
  if (!list) byRows.set(queries, (list = []));
  for (const e of list) if (sameBytes(e.all, all)) return e.G;
  const G = new Float64Array(c.d * c.d);
  for (let i = 0; i < queries.length; i++) {
    const q = queries[i];
    if (all[i]) addOuterSparse(G, 0, c.d, c.idx, c.val, c.ptr[q], c.ptr[q + 1], 1);
  }
  list.push({ all, G });
  return G;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Largest warm state kept per prior value (doubles); beyond it every run recomputes its warm start. */
const MAX_SNAPSHOT = 1 << 22;

/** A model's state right after its warm start, per model (done[m] once filled). */
interface Snapshot {
  done: Uint8Array;
  A: Float64Array;
  Ainv: Float64Array;
  b: Float64Array;
  theta: Float64Array;
}

export class WarmPrior {
  /** Warm states by the ridge prior they started from: the runs of a replay copy them instead of recomputing. */
  private readonly snapshots = new Map<number, Snapshot>();
  /** Σ x xᵀ over the train rows usable for every model. */
  private readonly G: Float64Array;
  /** Per train row: usable for every model (already in G). */
  private readonly all: Uint8Array = new Uint8Array(0);

  constructor(
    private readonly env: PolicyEnv,
    private readonly t: TrainData,
    /** Weight of one train observation (0 switches the warm start off). */
    readonly scale: number,
  ) {
    const c = env.contexts;
    const M = env.nModels;
    if (scale === 0) {
      this.G = new Float64Array(0);
      return;
    }
    const all = new Uint8Array(t.queries.length);
    for (let i = 0; i < t.queries.length; i++) {
      const q = t.queries[i];
      let ok = 1;
      for (let m = 0; m < M && ok; m++) if (!usable(t, t.rewards, q, m, M)) ok = 0;
      all[i] = ok;
    }
    this.all = all;
    this.G = gramOf(c, t.queries, all);
  }

  /**
   * Add model m's train part to its (freshly reset) state and refresh A⁻¹ and θ. The result depends only on the
   * prior, the model and this train part, so it is computed once and copied after that (the same numbers).
   */
  apply(st: RidgeArms, m: number): void {
    const { scale, G, all, t } = this;
    if (scale === 0) return;
    const { idx, val, ptr, d } = this.env.contexts;
    const M = this.env.nModels;
    const dd = d * d;
    const off = m * dd;
    const snap = this.snapshot(st.prior, M, d);
    if (snap !== null && snap.done[m] === 1) {
      st.A.set(snap.A.subarray(off, off + dd), off);
      st.Ainv.set(snap.Ainv.subarray(off, off + dd), off);
      st.b.set(snap.b.subarray(m * d, (m + 1) * d), m * d);
      st.theta.set(snap.theta.subarray(m * d, (m + 1) * d), m * d);
      st.version[m]++;
      return;
    }
    for (let a = 0; a < d * d; a++) st.A[off + a] += scale * G[a];
    for (let i = 0; i < t.queries.length; i++) {
      const q = t.queries[i];
      if (!usable(t, t.rewards, q, m, M)) continue;
      if (!all[i]) addOuterSparse(st.A, off, d, idx, val, ptr[q], ptr[q + 1], scale);
      const sr = scale * t.rewards[q * M + m];
      for (let a = ptr[q]; a < ptr[q + 1]; a++) st.b[m * d + idx[a]] += sr * val[a];
    }
    st.refresh(m);
    if (snap !== null) {
      snap.A.set(st.A.subarray(off, off + dd), off);
      snap.Ainv.set(st.Ainv.subarray(off, off + dd), off);
      snap.b.set(st.b.subarray(m * d, (m + 1) * d), m * d);
      snap.theta.set(st.theta.subarray(m * d, (m + 1) * d), m * d);
      snap.done[m] = 1;
    }
  }

  private snapshot(prior: number, M: number, d: number): Snapshot | null {
    if (2 * M * d * d > MAX_SNAPSHOT) return null;
    let s = this.snapshots.get(prior);
    if (s === undefined) {
      s = { done: new Uint8Array(M), A: new Float64Array(M * d * d), Ainv: new Float64Array(M * d * d), b: new Float64Array(M * d), theta: new Float64Array(M * d) };
      this.snapshots.set(prior, s);
    }
    return s;
  }
}
