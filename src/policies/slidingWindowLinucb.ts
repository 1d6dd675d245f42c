import { UsageError } from '../core/errors.js';
import { ArgMax } from './argmax.js';
import type { Policy, PolicyEnv, PolicyFactory } from './policy.js';
import { RefitRidge } from './refitRidge.js';

type SlidingWindowLinUCBParams = { alpha: number; reg: number; window: number };

/**
 * Sliding-window LinUCB (docs/model.md §11.3): each model's ridge uses only its last W observations; the
 * oldest leaves when a new one arrives. Score as LinUCB (§5.3).
 */
class SlidingWindowLinUCB implements Policy {
  readonly name = 'sliding-window-linucb';
  private readonly st: RefitRidge;
  private readonly am: ArgMax;
  private readonly W: number;
  /** Ring buffers per model: query index and reward of the last W observations. */
  private readonly qs: Int32Array;
  private readonly rs: Float64Array;
  private readonly count: Int32Array;
  private readonly head: Int32Array;

  constructor(
    private readonly env: PolicyEnv,
    private readonly p: SlidingWindowLinUCBParams,
  ) {
    this.st = new RefitRidge(env.nModels, env.contexts.d, p.reg);
    this.am = new ArgMax(env.rules.ties === 'uniform', env.rng);
    this.W = p.window;
    this.qs = new Int32Array(env.nModels * this.W);
    this.rs = new Float64Array(env.nModels * this.W);
    this.count = new Int32Array(env.nModels);
    this.head = new Int32Array(env.nModels);
  }

  select(q: number, arms: Int32Array, n: number): number {
    return this.st.pick(this.am, this.env.contexts, q, arms, n, this.p.alpha);
  }

  update(q: number, arm: number, reward: number): void {
    const { W, st } = this;
    const ctx = this.env.contexts;
    const slot = arm * W + this.head[arm];
    if (this.count[arm] === W) st.add(arm, ctx, this.qs[slot], this.rs[slot], -1);
    else this.count[arm]++;
    this.qs[slot] = q;
    this.rs[slot] = reward;
    this.head[arm] = (this.head[arm] + 1) % W;
    st.add(arm, ctx, q, reward, 1);
    st.refit(arm);
  }

  addArm(m: number): void {
    this.count[m] = 0;
    this.head[m] = 0;
    this.st.reset(m);
  }

  removeArm(_m: number): void {}

  state(): RefitRidge {
    return this.st;
  }
}

export const slidingWindowLinucbFactory: PolicyFactory<SlidingWindowLinUCBParams> = {
  name: 'sliding-window-linucb',
  description: "LinUCB over each model's last W observations, for drifting models (docs/model.md §11.3)",
  contextual: true,
  params: [
    { name: 'alpha', default: 0.1, min: 0, description: 'exploration weight α' },
    { name: 'reg', default: 0.05, positive: true, description: 'regularisation (A = reg·I + Σ over the window xxᵀ)' },
    { name: 'window', default: 200, min: 1, max: 100000, integer: true, description: 'observations kept per model (an integer)' },
  ],
  rewardIndependent: false,
  hindsight: false,
  create: (env, p) => {
    if (!Number.isInteger(p.window)) throw new UsageError(`sliding-window-linucb.window must be an integer, got ${p.window}`);
    return new SlidingWindowLinUCB(env, p);
  },
};
