/**
 * Delayed and sampled feedback (docs/model.md §11.5): the engine queues each decision's reward and hands it to
 * the policy `delay` steps later, and only for a share `rate` of decisions. Which decisions get a label and
 * their delays are drawn from one generator per run, the same for every policy of the run. The engine builds
 * no queue when the delay is 0 and the rate 1, so the default replay pays nothing.
 */
import { parseDecimal } from '../core/format.js';
import { at, UsageError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { Policy } from '../policies/policy.js';

/** Largest delay in steps (a bound on the queue's memory, docs/limits.md). */
export const MAX_FEEDBACK_DELAY = 1_000_000;

type DelaySpec = { kind: 'fixed'; n: number } | { kind: 'uniform'; lo: number; hi: number } | { kind: 'geometric'; mean: number };

export interface FeedbackSpec {
  delay: DelaySpec;
  /** Share of decisions that ever get a label, in (0, 1]. */
  rate: number;
}

/** Key of the feedback generator among the streams derived from a run's seed (0: order, 1: policies). */
const FEEDBACK_STREAM = 2;

const INT = /^(0|[1-9][0-9]{0,6})$/;

/** The accepted forms, for messages. */
export const DELAY_FORMS = 'expected <steps>, uniform:<a>-<b> or geometric:<mean> (e.g. 20, uniform:5-50, geometric:20)';

/** The delay `text` describes, or why it is not one (a phrase that names the part at fault). */
export function readDelay(text: string): DelaySpec | string {
  const s = text.trim();
  let spec: DelaySpec;
  if (INT.test(s)) spec = { kind: 'fixed', n: Number(s) };
  else if (/^[1-9][0-9]*$/.test(s)) return `at most ${MAX_FEEDBACK_DELAY} steps (see docs/limits.md)`;
  else if (s.startsWith('uniform:')) {
    const m = /^uniform:(0|[1-9]\d{0,6})-(0|[1-9]\d{0,6})$/.exec(s);
    if (!m) return 'uniform:<a>-<b> needs integers a ≤ b, e.g. uniform:5-50';
    spec = { kind: 'uniform', lo: Number(m[1]), hi: Number(m[2]) };
    if (spec.lo > spec.hi) return `uniform:<a>-<b> needs a ≤ b (a = ${spec.lo} > b = ${spec.hi})`;
  } else if (s.startsWith('geometric:')) {
    const mean = parseDecimal(s.slice('geometric:'.length));
    if (!(Number.isFinite(mean) && mean >= 0) || s.length > 40) return 'geometric:<mean> needs a finite mean ≥ 0, e.g. geometric:20';
    spec = { kind: 'geometric', mean };
  } else return DELAY_FORMS;
  if (maxDelay(spec) > MAX_FEEDBACK_DELAY) {
    return spec.kind === 'geometric' ? `geometric delays are cut at 20 × mean + 1 steps, which must stay at most ${MAX_FEEDBACK_DELAY} (see docs/limits.md)` : `at most ${MAX_FEEDBACK_DELAY} steps (see docs/limits.md)`;
  }
  return spec;
}

/**
 * `<n>`, `uniform:<a>-<b>` (integers, inclusive) or `geometric:<mean>` (a mean delay ≥ 0, integer steps).
 * `where` names the option or field in messages.
 */
export function parseDelay(text: string, where: string): DelaySpec {
  const r = readDelay(text);
  if (typeof r === 'string') throw new UsageError(at(where, `${r}, got '${text}'`));
  return r;
}

/**
 * Why the delay delivers no label on a stream of `steps` steps, or null. The label of step s arrives before
 * step s + d + 1, so a shortest delay d ≥ 1 with d ≥ steps − 1 delivers none (docs/model.md §11.5).
 */
export function delayStreamProblem(d: DelaySpec, steps: number): string | null {
  const min = d.kind === 'fixed' ? d.n : d.kind === 'uniform' ? d.lo : 0;
  // a delay of 0 is delivered right after the choice, whatever the stream's length
  if (min === 0 || min < steps - 1) return null;
  const what = d.kind === 'fixed' ? `a delay of ${min} steps delivers` : `delays of at least ${min} steps deliver`;
  return `${what} no label on a stream of ${steps} steps (the label of step s arrives before step s + d + 1); give less than ${Math.max(1, steps - 1)}`;
}

export function checkRate(rate: number, where: string): number {
  if (!(Number.isFinite(rate) && rate > 0 && rate <= 1)) throw new UsageError(at(where, `the feedback rate must be in (0, 1], got ${rate}`));
  return rate;
}

/** Geometric delays are cut at 20× their mean so the queue stays bounded (P(cut) = (m/(m+1))^(20m+1) < e⁻¹⁹). */
function maxDelay(d: DelaySpec): number {
  if (d.kind === 'fixed') return d.n;
  if (d.kind === 'uniform') return d.hi;
  return Math.ceil(20 * d.mean) + 1;
}

/** True when the spec changes nothing (delay 0, rate 1): the engine then skips the queue. */
export function isInstant(spec: FeedbackSpec | null | undefined): boolean {
  return !spec || (spec.rate === 1 && maxDelay(spec.delay) === 0);
}

/**
 * The pending updates of one policy-run, bucketed by the step they are due at. A delay of d steps means the
 * policy makes d more choices before it learns the reward: it is delivered before the choice of step s + d + 1
 * (d = 0 is the plain replay's update right after the choice).
 */
export class FeedbackQueue {
  private readonly D: number;
  private readonly head: Int32Array;
  private readonly tail: Int32Array;
  private readonly next: Int32Array;
  private readonly qs: Int32Array;
  private readonly ms: Int32Array;
  private readonly rs: Float64Array;
  private free = 0;
  private rng = new Rng(0);
  /** Labels delivered and decisions never labelled (unsampled or still pending at the end). */
  delivered = 0;
  unlabelled = 0;

  constructor(private readonly spec: FeedbackSpec) {
    this.D = maxDelay(spec.delay);
    // a decision of step s with delay d is due at step s + d + 1, so due steps span D + 1 buckets
    const n = this.D + 2;
    this.head = new Int32Array(n);
    this.tail = new Int32Array(n);
    // at most one entry per step and each is delivered within D + 1 steps, so D + 2 entries suffice
    this.next = new Int32Array(n);
    this.qs = new Int32Array(n);
    this.ms = new Int32Array(n);
    this.rs = new Float64Array(n);
  }

  /** Start a policy-run: empty queue, labels and delays drawn from the run's seed, so every policy shares them. */
  begin(seed: number): void {
    this.head.fill(-1);
    this.tail.fill(-1);
    for (let i = 0; i < this.next.length; i++) this.next[i] = i + 1;
    this.next[this.next.length - 1] = -1;
    this.free = 0;
    this.rng = Rng.derive(seed, FEEDBACK_STREAM);
    this.delivered = this.unlabelled = 0;
  }

  private draw(): number {
    const d = this.spec.delay;
    if (d.kind === 'fixed') return d.n;
    if (d.kind === 'uniform') return d.lo + this.rng.int(d.hi - d.lo + 1);
    if (d.mean === 0) return 0;
    // P(k) = (1 − p)^k p on k = 0, 1, …, mean (1 − p)/p
    const p = 1 / (1 + d.mean);
    const k = Math.floor(Math.log(1 - this.rng.next()) / Math.log(1 - p));
    return k < this.D ? k : this.D;
  }

  /**
   * The decision of step s. Both draws are made for every decision, so whether step s is labelled and its
   * delay never depend on the policy's choices.
   */
  push(s: number, q: number, m: number, reward: number, policy: Policy): void {
    const labelled = this.rng.next() < this.spec.rate;
    const delay = this.draw();
    if (!labelled) {
      this.unlabelled++;
      return;
    }
    if (delay === 0) {
      this.delivered++;
      policy.update(q, m, reward);
      return;
    }
    const e = this.free;
    this.free = this.next[e];
    this.qs[e] = q;
    this.ms[e] = m;
    this.rs[e] = reward;
    this.next[e] = -1;
    const b = (s + delay + 1) % (this.D + 2);
    if (this.tail[b] < 0) this.head[b] = e;
    else this.next[this.tail[b]] = e;
    this.tail[b] = e;
  }

  /** Hand the policy every update due at step s, in decision order (call before the step's choice). */
  deliver(s: number, policy: Policy): void {
    const b = s % (this.D + 2);
    let e = this.head[b];
    if (e < 0) return;
    this.head[b] = this.tail[b] = -1;
    while (e >= 0) {
      const nx = this.next[e];
      policy.update(this.qs[e], this.ms[e], this.rs[e]);
      this.delivered++;
      this.next[e] = this.free;
      this.free = e;
      e = nx;
    }
  }

  /** A model (re)joins with a fresh state: its pending updates, from before, are dropped (counted unlabelled). */
  drop(m: number): void {
    for (let b = 0; b < this.D + 2; b++) {
      let prev = -1;
      let e = this.head[b];
      while (e >= 0) {
        const nx = this.next[e];
        if (this.ms[e] === m) {
          if (prev < 0) this.head[b] = nx;
          else this.next[prev] = nx;
          if (this.tail[b] === e) this.tail[b] = prev;
          this.next[e] = this.free;
          this.free = e;
          this.unlabelled++;
        } else prev = e;
        e = nx;
      }
    }
  }

  /** Updates still pending when the stream ends (they are never delivered). */
  end(): void {
    for (let b = 0; b < this.D + 2; b++) for (let e = this.head[b]; e >= 0; e = this.next[e]) this.unlabelled++;
  }
}

/** A delay spec as written (`20`, `uniform:5-50`, `geometric:20`). */
export function delayText(d: DelaySpec): string {
  return d.kind === 'fixed' ? String(d.n) : d.kind === 'uniform' ? `uniform:${d.lo}-${d.hi}` : `geometric:${d.mean}`;
}
