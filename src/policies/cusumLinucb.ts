import { ArgMax } from './argmax.js';
import type { Policy, PolicyEnv, PolicyFactory } from './policy.js';
import { RefitRidge } from './refitRidge.js';

type CusumLinUCBParams = { alpha: number; reg: number; shift: number; minObs: number };

/**
 * LinUCB with change detection (docs/model.md §11.8): per model, a two-sided CUSUM over the residuals
 * e = r − θ_mᵀx of its own feedback, e measured before the update. S⁺ ← max(0, S⁺ + e − δ/2) and
 * S⁻ ← max(0, S⁻ − e − δ/2), δ the smallest shift of the mean reward worth detecting; an alarm when either
 * exceeds h = σ̂²·ln T / δ forgets the model's evidence (as a model that re-joins). That h makes the CUSUM
 * of the Gaussian log-likelihood ratio stop at ln T, so a model without change raises an alarm about once
 * in T of its updates at most. σ̂² is the residual variance since the last alarm; tests start after `minObs`
 * residuals. Score as LinUCB (§5.3).
 */
class CusumLinUCB implements Policy {
  readonly name = 'cusum-linucb';
  private readonly st: RefitRidge;
  private readonly am: ArgMax;
  private readonly logT: number;
  /** Per model: residuals since the last alarm, their mean and sum of squared deviations (Welford), S⁺, S⁻. */
  private readonly n: Int32Array;
  private readonly mean: Float64Array;
  private readonly m2: Float64Array;
  private readonly up: Float64Array;
  private readonly down: Float64Array;
  /** Alarms raised so far, per model. */
  readonly alarms: Int32Array;

  constructor(
    private readonly env: PolicyEnv,
    private readonly p: CusumLinUCBParams,
  ) {
    const M = env.nModels;
    this.st = new RefitRidge(M, env.contexts.d, p.reg);
    this.am = new ArgMax(env.rules.ties === 'uniform', env.rng);
    // T is the stream's length (docs/model.md §11.8), not the contexts' rows, which include a split's train part
    this.logT = Math.log(Math.max(2, env.horizon));
    this.n = new Int32Array(M);
    this.mean = new Float64Array(M);
    this.m2 = new Float64Array(M);
    this.up = new Float64Array(M);
    this.down = new Float64Array(M);
    this.alarms = new Int32Array(M);
  }

  select(q: number, arms: Int32Array, n: number): number {
    return this.st.pick(this.am, this.env.contexts, q, arms, n, this.p.alpha);
  }

  /** The alarm threshold of model m now (NaN before `minObs` residuals). */
  threshold(m: number): number {
    const n = this.n[m];
    if (n < this.p.minObs || n < 2) return Number.NaN;
    // a floor keeps a model with near-constant rewards from alarming on round-off
    const v = Math.max(this.m2[m] / (n - 1), 1e-6);
    return (v * this.logT) / this.p.shift;
  }

  update(q: number, arm: number, reward: number): void {
    const ctx = this.env.contexts;
    const e = reward - this.st.mean(arm, ctx, q);
    const k = this.n[arm] + 1;
    const d = e - this.mean[arm];
    this.n[arm] = k;
    this.mean[arm] += d / k;
    this.m2[arm] += d * (e - this.mean[arm]);
    const h = this.threshold(arm);
    if (!Number.isNaN(h)) {
      const half = this.p.shift / 2;
      this.up[arm] = Math.max(0, this.up[arm] + e - half);
      this.down[arm] = Math.max(0, this.down[arm] - e - half);
      if (this.up[arm] > h || this.down[arm] > h) {
        this.alarms[arm]++;
        this.forget(arm);
      }
    }
    this.st.add(arm, ctx, q, reward, 1);
    this.st.refit(arm);
  }

  private forget(m: number): void {
    this.st.reset(m);
    this.n[m] = 0;
    this.mean[m] = this.m2[m] = this.up[m] = this.down[m] = 0;
  }

  addArm(m: number): void {
    this.forget(m);
  }

  removeArm(_m: number): void {}

  /** The ridge state (for tests). */
  state(): RefitRidge {
    return this.st;
  }
}

export const cusumLinucbFactory: PolicyFactory<CusumLinUCBParams> = {
  name: 'cusum-linucb',
  description: 'LinUCB that forgets a model when a CUSUM test on its residuals detects a change (docs/model.md §11.8)',
  contextual: true,
  params: [
    { name: 'alpha', default: 0.1, min: 0, description: 'exploration weight α' },
    { name: 'reg', default: 0.05, positive: true, description: 'regularisation (A starts at reg·I)' },
    { name: 'shift', default: 0.1, positive: true, max: 1, description: 'smallest change of a model’s mean reward worth detecting' },
    { name: 'minObs', default: 20, min: 2, integer: true, description: 'residuals of a model before its test starts (a whole number; for the variance)' },
  ],
  rewardIndependent: false,
  hindsight: false,
  create: (env, p) => new CusumLinUCB(env, p),
};
