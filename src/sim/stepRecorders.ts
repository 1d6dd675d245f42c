/**
 * Step-level recorders: the whole step trace (held, or spooled to disk one policy-run at a time) and the
 * regret of every step alone. The run-level ones are in recorders.ts.
 */
import type { PoolTable } from '../data/pool.js';
import { Spool, type SpoolSizes } from '../core/spool.js';
import type { Recorder, RunStart } from './recorders.js';

/**
 * The regret of every step, in the step trace's order (policy, run, step), 8 bytes a step: the post-event
 * regret of a drift run (docs/model.md §11.7) when no step trace is kept (`--steps none`).
 */
export class RegretRecorder implements Recorder {
  readonly regret: Float64Array;
  private off = 0;

  constructor(
    nPolicies: number,
    private readonly nRuns: number,
    private readonly nQueries: number,
  ) {
    this.regret = new Float64Array(nPolicies * nRuns * nQueries);
  }

  begin(run: RunStart): void {
    this.off = (run.p * this.nRuns + run.ri) * this.nQueries;
  }

  step(s: number, _q: number, _m: number, _present: boolean, _reward: number, regret: number): void {
    this.regret[this.off + s] = regret;
  }

  end(): void {}
}

/** Per-step trace in columns; row i = (policy, run, step) in that nesting order. */
export interface StepTrace {
  length: number;
  policy: Int32Array;
  run: Int32Array;
  step: Int32Array;
  query: Int32Array;
  model: Int32Array;
  reward: Float64Array;
  regret: Float64Array;
  cumRegret: Float64Array;
  accuracy: Float64Array;
  energyJ: Float64Array;
}

function newTrace(n: number): StepTrace {
  return {
    length: n,
    policy: new Int32Array(n),
    run: new Int32Array(n),
    step: new Int32Array(n),
    query: new Int32Array(n),
    model: new Int32Array(n),
    reward: new Float64Array(n),
    regret: new Float64Array(n),
    cumRegret: new Float64Array(n),
    accuracy: new Float64Array(n),
    energyJ: new Float64Array(n),
  };
}

/** A block's columns in spool order: the float64 ones first, so every column stays aligned when read back. */
const blockColumns = (b: StepTrace): (Float64Array | Int32Array)[] => [b.reward, b.regret, b.cumRegret, b.accuracy, b.energyJ, b.policy, b.run, b.step, b.query, b.model];

/** A spooled trace as a worker thread hands it over: its files' sizes and its shape (SpooledSteps.adopt). */
export interface SpooledHandOver {
  sizes: SpoolSizes;
  nPolicies: number;
  nRuns: number;
  nQueries: number;
}

/**
 * A step trace held in a spool, one block of Q rows per policy-run, read back in the trace's row order
 * (policy, run, step). `blocks()` reuses one block's memory: use each before asking for the next.
 */
export class SpooledSteps {
  readonly length: number;

  constructor(
    private readonly spool: Spool,
    private readonly nPolicies: number,
    private readonly nRuns: number,
    private readonly nQueries: number,
  ) {
    this.length = nPolicies * nRuns * nQueries;
  }

  *blocks(): Generator<StepTrace> {
    const Q = this.nQueries;
    const buf = new ArrayBuffer(Q * 60);
    const bytes = new Uint8Array(buf);
    const f64 = (k: number): Float64Array => new Float64Array(buf, k * 8 * Q, Q);
    const i32 = (k: number): Int32Array => new Int32Array(buf, 40 * Q + k * 4 * Q, Q);
    const block: StepTrace = { length: Q, reward: f64(0), regret: f64(1), cumRegret: f64(2), accuracy: f64(3), energyJ: f64(4), policy: i32(0), run: i32(1), step: i32(2), query: i32(3), model: i32(4) };
    for (let p = 0; p < this.nPolicies; p++) {
      for (let ri = 0; ri < this.nRuns; ri++) {
        this.spool.read(p, ri * bytes.length, bytes);
        yield block;
      }
    }
  }

  /** The whole trace in memory (for writers that need it at once). */
  whole(): StepTrace {
    const Q = this.nQueries;
    const out = newTrace(this.length);
    let j = 0;
    for (const b of this.blocks()) {
      const from = blockColumns(b);
      const to = blockColumns(out);
      for (let k = 0; k < to.length; k++) to[k].set(from[k], j);
      j += Q;
    }
    return out;
  }

  dispose(): void {
    this.spool.dispose();
  }

  /** Close the files of a trace spooled into a given directory (Spool.into), to be adopted by the thread that made it. */
  handOver(): SpooledHandOver {
    return { sizes: this.spool.handOver(), nPolicies: this.nPolicies, nRuns: this.nRuns, nQueries: this.nQueries };
  }

  /** The trace another thread spooled into `dir` and handed over; it owns `dir` from now on. */
  static adopt(dir: string, h: SpooledHandOver): SpooledSteps {
    return new SpooledSteps(Spool.adopt(dir, h.sizes), h.nPolicies, h.nRuns, h.nQueries);
  }
}

/** Rows of a step trace above which simulate spools it (60 bytes a row: 250 MB in memory at most). */
export const STEPS_SPOOL_ROWS = 1 << 22;

/** The trace when it is in memory (it always is for experiments and under a scenario, see SimConfig.stepsSpoolRows). */
export function traceInMemory(st: StepTrace | SpooledSteps | null): StepTrace | null {
  return st !== null && !(st instanceof SpooledSteps) ? st : null;
}

/**
 * Every step of every policy-run, for plots and the step file. With a spool, each policy-run's block goes to
 * it when the run ends, so the recorder holds Q rows instead of the whole trace.
 */
export class StepsRecorder implements Recorder {
  /** The trace in memory, or its current block when spooling. */
  private readonly cur: StepTrace;
  private base = 0;
  private p = 0;
  private r = 0;
  private cum = 0;

  constructor(
    private readonly t: PoolTable,
    private readonly nPolicies: number,
    private readonly nRuns: number,
    private readonly spool: Spool | null = null,
  ) {
    this.cur = newTrace(spool ? t.nQueries : nPolicies * nRuns * t.nQueries);
  }

  /** The recorded trace. */
  get trace(): StepTrace | SpooledSteps {
    return this.spool ? new SpooledSteps(this.spool, this.nPolicies, this.nRuns, this.t.nQueries) : this.cur;
  }

  begin(run: RunStart): void {
    this.base = this.spool ? 0 : (run.p * this.nRuns + run.ri) * this.t.nQueries;
    this.p = run.p;
    this.r = run.r;
    this.cum = 0;
  }

  step(s: number, q: number, m: number, has: boolean, rew: number, regret: number): void {
    const tr = this.cur;
    const i = q * this.t.nModels + m;
    const j = this.base + s;
    this.cum += regret;
    tr.policy[j] = this.p;
    tr.run[j] = this.r;
    tr.step[j] = s;
    tr.query[j] = q;
    tr.model[j] = m;
    tr.reward[j] = rew;
    tr.regret[j] = regret;
    tr.cumRegret[j] = this.cum;
    tr.accuracy[j] = has ? this.t.accuracy[i] : Number.NaN;
    tr.energyJ[j] = has ? this.t.energyJ[i] : Number.NaN;
  }

  end(): void {
    // runs of one policy reach its file in run order (the engine runs every policy of a run in turn)
    if (this.spool) this.spool.append(this.p, blockColumns(this.cur));
  }
}
