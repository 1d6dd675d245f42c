import { ArgMax } from './argmax.js';
import { invertSPD, invertWorkSize, setScaledIdentity } from './linalg.js';
import { UsageError } from '../core/errors.js';
import type { ModelInfo } from '../data/pool.js';
import type { Policy, PolicyEnv, PolicyFactory } from './policy.js';

type HybridLinUCBParams = { alpha: number; reg: number; regModel: number };

/** Model descriptors: row-major nModels × width, with the name of each column. */
interface ModelDescriptors {
  values: Float64Array;
  width: number;
  columns: string[];
}

/** z-scores over the models where `v` is finite (population sd); 0 where unknown or when all are equal. */
function standardised(v: number[]): number[] {
  const known = v.filter((x) => Number.isFinite(x));
  const mean = known.length ? known.reduce((a, b) => a + b, 0) / known.length : 0;
  const sd = known.length > 1 ? Math.sqrt(known.reduce((a, b) => a + (b - mean) ** 2, 0) / known.length) : 0;
  return v.map((x) => (Number.isFinite(x) && sd > 0 ? (x - mean) / sd : 0));
}

/** Largest shared dimension k = descriptors × context dimensions: an update costs about k³/3 multiply-adds. */
export const MAX_HYBRID_SHARED = 160;

/**
 * Model descriptors φ(m) (docs/model.md §11.4): 1, the standardised log₁₀ parameter count, then, only when the
 * models table gives them, the standardised prior accuracy, the standardised log prior energy and a one-hot
 * family (families in order of first appearance). Unknown values are 0, the mean.
 */
export function modelDescriptors(models: readonly ModelInfo[]): ModelDescriptors {
  const cols: { name: string; v: number[] }[] = [
    { name: 'bias', v: models.map(() => 1) },
    { name: 'log10 params', v: standardised(models.map((m) => (m.paramsB > 0 ? Math.log10(m.paramsB) : Number.NaN))) },
  ];
  if (models.some((m) => m.priorAccuracy !== undefined)) cols.push({ name: 'prior accuracy', v: standardised(models.map((m) => m.priorAccuracy ?? Number.NaN)) });
  if (models.some((m) => m.priorEnergyJ !== undefined)) cols.push({ name: 'log prior energy', v: standardised(models.map((m) => (m.priorEnergyJ !== undefined ? Math.log(m.priorEnergyJ) : Number.NaN))) });
  const families = [...new Set(models.flatMap((m) => (m.family !== undefined ? [m.family] : [])))];
  for (const f of families) cols.push({ name: `family ${f}`, v: models.map((m) => (m.family === f ? 1 : 0)) });
  const width = cols.length;
  const values = new Float64Array(models.length * width);
  cols.forEach((c, j) => c.v.forEach((x, m) => (values[m * width + j] = x)));
  return { values, width, columns: cols.map((c) => c.name) };
}

/**
 * Hybrid LinUCB (Li et al. 2010, docs/model.md §11.4): the reward of model m on context x is
 * zᵀβ + xᵀθ_m with shared features z = φ(m) ⊗ x and a per-model part θ_m. β is learnt from every model's
 * feedback, so a model that joins mid-stream starts from zᵀβ rather than from nothing. The state is that of
 * a joint ridge regression over [z, per-model x] kept in the paper's block form (A₀, b₀ shared; A_m, B_m, b_m
 * per model). The per-model part is regularised more than the shared one, so what models have in common is
 * learnt as shared.
 */
class HybridLinUCB implements Policy {
  readonly name = 'hybrid-linucb';
  readonly d: number;
  readonly k: number;
  readonly A0: Float64Array;
  readonly A0inv: Float64Array;
  readonly b0: Float64Array;
  readonly beta: Float64Array;
  readonly A: Float64Array;
  readonly Ainv: Float64Array;
  readonly B: Float64Array;
  readonly bv: Float64Array;
  private readonly phi: Float64Array;
  /** Descriptor width: k = nd·d. */
  private readonly nd: number;
  private readonly am: ArgMax;
  private readonly x: Float64Array;
  private readonly z: Float64Array;
  private readonly v: Float64Array;
  private readonly w: Float64Array;
  private readonly u: Float64Array;
  private readonly T: Float64Array;
  private readonly C: Float64Array;
  private readonly c: Float64Array;
  private readonly work: Float64Array;

  constructor(
    private readonly env: PolicyEnv,
    private readonly p: HybridLinUCBParams,
  ) {
    const M = env.nModels;
    const d = (this.d = env.contexts.d);
    const desc = modelDescriptors(env.models);
    // every update inverts the k×k shared matrix (k³/3 multiply-adds): k bounds a decision's time
    if (desc.width * d > MAX_HYBRID_SHARED) {
      throw new UsageError(
        `hybrid-linucb: its shared part would have ${desc.width * d} dimensions (${desc.width} model descriptors × ${d} context dimensions), more than ${MAX_HYBRID_SHARED}; use fewer model families or a smaller context (--embed-dim, or embedDim in an experiment) (docs/limits.md)`,
      );
    }
    this.phi = desc.values;
    this.nd = desc.width;
    const k = (this.k = desc.width * d);
    this.A0 = new Float64Array(k * k);
    this.A0inv = new Float64Array(k * k);
    this.b0 = new Float64Array(k);
    this.beta = new Float64Array(k);
    setScaledIdentity(this.A0, 0, k, p.reg);
    setScaledIdentity(this.A0inv, 0, k, 1 / p.reg);
    this.A = new Float64Array(M * d * d);
    this.Ainv = new Float64Array(M * d * d);
    this.B = new Float64Array(M * d * k);
    this.bv = new Float64Array(M * d);
    for (let m = 0; m < M; m++) this.resetArm(m);
    this.am = new ArgMax(env.rules.ties === 'uniform', env.rng);
    this.x = new Float64Array(d);
    this.z = new Float64Array(k);
    this.v = new Float64Array(d);
    this.w = new Float64Array(k);
    this.u = new Float64Array(k);
    this.T = new Float64Array(d * k);
    this.C = new Float64Array(k * k);
    this.c = new Float64Array(k);
    this.work = new Float64Array(invertWorkSize(k));
  }

  private resetArm(m: number): void {
    const { d, k } = this;
    setScaledIdentity(this.A, m * d * d, d, this.p.regModel);
    setScaledIdentity(this.Ainv, m * d * d, d, 1 / this.p.regModel);
    this.B.fill(0, m * d * k, (m + 1) * d * k);
    this.bv.fill(0, m * d, (m + 1) * d);
  }

  /** Dense x of query q and z = φ(m) ⊗ x. */
  private features(q: number, m: number): void {
    const { d, x, z, phi, nd } = this;
    const ctx = this.env.contexts;
    x.fill(0);
    for (let i = ctx.ptr[q]; i < ctx.ptr[q + 1]; i++) x[ctx.idx[i]] = ctx.val[i];
    for (let j = 0; j < nd; j++) {
      const f = phi[m * nd + j];
      for (let i = 0; i < d; i++) z[j * d + i] = f * x[i];
    }
  }

  /** Predicted reward and UCB width of model m for query q (Li et al. 2010, Algorithm 2). */
  score(q: number, m: number): { mean: number; width: number } {
    this.features(q, m);
    const mean = this.scoreFeatures(m);
    return { mean, width: this.width };
  }

  /** Width of the last scored model. */
  private width = 0;

  /** Predicted reward of model m for the current features; sets `width`. */
  private scoreFeatures(m: number): number {
    const { d, k, x, z, v, w, u, beta, A0inv } = this;
    const Ai = m * d * d;
    const Bo = m * d * k;
    // θ_m = A_m⁻¹(b_m − B_m β); v = A_m⁻¹x; w = B_mᵀv
    let mean = 0;
    for (let i = 0; i < k; i++) mean += z[i] * beta[i];
    for (let i = 0; i < d; i++) {
      let s = this.bv[m * d + i];
      for (let j = 0; j < k; j++) s -= this.B[Bo + i * k + j] * beta[j];
      this.T[i] = s;
    }
    for (let i = 0; i < d; i++) {
      let t = 0;
      let s = 0;
      for (let j = 0; j < d; j++) {
        t += this.Ainv[Ai + i * d + j] * this.T[j];
        s += this.Ainv[Ai + i * d + j] * x[j];
      }
      mean += x[i] * t;
      v[i] = s;
    }
    w.fill(0);
    for (let i = 0; i < d; i++) {
      const vi = v[i];
      if (vi === 0) continue;
      for (let j = 0; j < k; j++) w[j] += this.B[Bo + i * k + j] * vi;
    }
    // s = zᵀA₀⁻¹z − 2zᵀA₀⁻¹w + xᵀv + wᵀA₀⁻¹w, with u = A₀⁻¹(z − w) giving the first, second and fourth terms at once
    for (let j = 0; j < k; j++) u[j] = z[j] - w[j];
    let quad = 0;
    for (let i = 0; i < k; i++) {
      let t = 0;
      for (let j = 0; j < k; j++) t += A0inv[i * k + j] * u[j];
      quad += u[i] * t;
    }
    for (let i = 0; i < d; i++) quad += x[i] * v[i];
    this.width = Math.sqrt(quad > 0 ? quad : 0);
    return mean;
  }

  select(q: number, arms: Int32Array, n: number): number {
    const am = this.am;
    am.reset();
    for (let i = 0; i < n; i++) {
      const m = arms[i];
      this.features(q, m);
      const mean = this.scoreFeatures(m);
      am.offer(m, mean + this.p.alpha * this.width);
    }
    return am.result();
  }

  /** C = B_mᵀA_m⁻¹B_m, c = B_mᵀA_m⁻¹b_m, added to A₀, b₀ with sign s. */
  private addSchur(m: number, s: number): void {
    const { d, k, T, C, c } = this;
    const Ai = m * d * d;
    const Bo = m * d * k;
    // T = A_m⁻¹B_m (d×k), then v = A_m⁻¹b_m
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < k; j++) {
        let t = 0;
        for (let l = 0; l < d; l++) t += this.Ainv[Ai + i * d + l] * this.B[Bo + l * k + j];
        T[i * k + j] = t;
      }
    }
    C.fill(0);
    c.fill(0);
    for (let l = 0; l < d; l++) {
      const bl = this.bv[m * d + l];
      for (let i = 0; i < k; i++) {
        const Bli = this.B[Bo + l * k + i];
        if (Bli === 0) continue;
        for (let j = 0; j < k; j++) C[i * k + j] += Bli * T[l * k + j];
      }
      // B_mᵀA_m⁻¹b_m = Tᵀb_m (A_m⁻¹ symmetric)
      for (let i = 0; i < k; i++) c[i] += T[l * k + i] * bl;
    }
    for (let i = 0; i < k * k; i++) this.A0[i] += s * C[i];
    for (let i = 0; i < k; i++) this.b0[i] += s * c[i];
  }

  private refreshShared(): void {
    const { k } = this;
    if (!invertSPD(this.A0, 0, k, this.A0inv, 0, this.work)) throw new Error('hybrid-linucb: shared matrix lost positive definiteness');
    for (let i = 0; i < k; i++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += this.A0inv[i * k + j] * this.b0[j];
      this.beta[i] = s;
    }
  }

  update(q: number, m: number, r: number): void {
    const { d, k, x, z } = this;
    this.features(q, m);
    this.addSchur(m, 1);
    const Ao = m * d * d;
    const Bo = m * d * k;
    for (let i = 0; i < d; i++) {
      const xi = x[i];
      if (xi === 0) continue;
      for (let j = 0; j < d; j++) this.A[Ao + i * d + j] += xi * x[j];
      for (let j = 0; j < k; j++) this.B[Bo + i * k + j] += xi * z[j];
      this.bv[m * d + i] += r * xi;
    }
    if (!invertSPD(this.A, Ao, d, this.Ainv, Ao, this.work)) throw new Error('hybrid-linucb: model matrix lost positive definiteness');
    for (let i = 0; i < k; i++) {
      const zi = z[i];
      this.b0[i] += r * zi;
      if (zi === 0) continue;
      for (let j = 0; j < k; j++) this.A0[i * k + j] += zi * z[j];
    }
    this.addSchur(m, -1);
    this.refreshShared();
  }

  /** A (re)joining model drops its own part; its past observations stay in the shared part (docs/model.md §11.4). */
  addArm(m: number): void {
    this.addSchur(m, 1);
    this.resetArm(m);
    this.refreshShared();
  }

  removeArm(_m: number): void {}
}

export const hybridLinucbFactory: PolicyFactory<HybridLinUCBParams> = {
  name: 'hybrid-linucb',
  description: 'hybrid LinUCB with features shared across models through model descriptors (docs/model.md §11.4)',
  contextual: true,
  params: [
    { name: 'alpha', default: 0.1, min: 0, description: 'exploration weight α' },
    { name: 'reg', default: 0.05, positive: true, description: 'regularisation of the shared part β' },
    { name: 'regModel', default: 1, positive: true, description: 'regularisation of each per-model part θ_m (larger: lean on the shared part)' },
  ],
  rewardIndependent: false,
  hindsight: false,
  create: (env, p) => new HybridLinUCB(env, p),
};
