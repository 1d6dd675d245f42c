/**
 * The `policies` section of `npm run bench`: decisions per second (select + update) of each learning policy on
 * each workload, as the median and range over short slices of process CPU time, and on the 7-model table the
 * full engine beside the policy-only loop. With `--reference` the GreenServ authors' classes run in
 * interleaved slices on the same workloads (bench/reference.ts).
 */
import { Rng } from '../src/core/rng.js';
import { RidgeArms } from '../src/policies/linear.js';
import { cpuClock, decisionStepper, engineStepper, freshRunStepper, hrClock, median, timedRate } from '../src/sim/throughput.js';
import { denseWorkload, oneHotWorkload, taskTableWorkload, type Workload } from '../src/sim/workloads.js';
import type { ReferenceRunner } from './reference.js';

export const BENCH_POLICIES = ['epsilon-greedy', 'linear-epsilon-greedy', 'linucb', 'thompson'] as const;
/** Policies timed on the synthetic workloads also with the scalar loops instead of the WebAssembly kernels. */
const KERNEL_AB_POLICIES = ['linucb', 'thompson'] as const;

/** Decisions per second over slices: the median and the spread. */
export interface Rate {
  median: number;
  min: number;
  max: number;
}

export function rateOf(xs: number[]): Rate {
  return { median: Math.round(median(xs)), min: Math.round(Math.min(...xs)), max: Math.round(Math.max(...xs)) };
}

function ratioOf(xs: number[]): Rate {
  const r = (v: number): number => +v.toPrecision(4);
  return { median: r(median(xs)), min: r(Math.min(...xs)), max: r(Math.max(...xs)) };
}

export interface DecisionOptions {
  /** Slices per measurement (odd, so the median is one slice). */
  slices: number;
  sliceMs: number;
  /** Slice length on the reference side (its rates are ~100× lower, so it needs longer slices to count). */
  referenceSliceMs: number;
  /** Dense widths to measure. */
  denseDims: number[];
  reference: ReferenceRunner | null;
  /** Dense widths the reference also runs (its cost grows as d³ per decision). */
  referenceDenseDims: number[];
}

/**
 * Batch per timing check: about 1 ms of work, so reading the clock costs nothing beside it. The least of
 * three timings at each size, so a descheduled moment (wall time) or a burst of the compiler's threads
 * (process CPU time) cannot stop the doubling early.
 */
function calibrate(step: (n: number) => void): number {
  let n = 1;
  for (;;) {
    let least = Infinity;
    for (let k = 0; k < 3; k++) {
      const t0 = hrClock();
      step(n);
      least = Math.min(least, hrClock() - t0);
    }
    if (least >= 1 || n >= 1 << 22) return n;
    n *= 2;
  }
}

/** Warm-up decisions before timing (enough for the optimising compiler; fewer at large d). */
function warmupFor(w: Workload): number {
  const d = w.contexts.d;
  return d <= 16 ? 50_000 : Math.max(200, Math.round(2e8 / (d * d * w.nModels)));
}

/** A shuffled visiting order, as the engine replays queries. */
function shuffledOrder(n: number, seed: number): Int32Array {
  const o = Int32Array.from({ length: n }, (_, q) => q);
  new Rng(seed).shuffle(o);
  return o;
}

export async function benchDecisions(o: DecisionOptions): Promise<Record<string, unknown>> {
  const tasks = await taskTableWorkload();
  const workloads: Workload[] = [oneHotWorkload(), tasks, ...o.denseDims.map((d) => denseWorkload(d))];
  const out: Record<string, unknown> = {};
  for (const w of workloads) {
    const isTable = w === tasks;
    // the table is replayed in shuffled order by the engine; the policy-only loop sees the same kind of order
    const order = isTable ? shuffledOrder(w.contexts.nQueries, 5) : undefined;
    const withRef = o.reference !== null && (w.contexts.d <= 16 || o.referenceDenseDims.includes(w.contexts.d));
    if (withRef) await o.reference!.load(w);
    const policies: Record<string, Rate> = {};
    const engine: Record<string, Rate> = {};
    const engineOverPolicy: Record<string, number> = {};
    const freshRuns: Record<string, Rate> = {};
    const engineOverFreshRuns: Record<string, number> = {};
    const reference: Record<string, { decisionsPerSecond: Rate; ratio: Rate }> = {};
    const scalar: Record<string, { decisionsPerSecond: Rate; kernelOverScalar: Rate }> = {};
    for (const name of BENCH_POLICIES) {
      const step = decisionStepper(name, w.contexts, w.rewards, w.nModels, warmupFor(w), order);
      const batch = calibrate(step);
      const slice = (): number => timedRate(step, batch, o.sliceMs, cpuClock);
      if (withRef) {
        await o.reference!.make(name);
        const gs: number[] = [];
        const ref: number[] = [];
        const ratios: number[] = [];
        for (let i = 0; i < o.slices; i++) {
          // alternate which side goes first, so a drift in machine speed favours neither
          let g: number;
          let r: number;
          if (i % 2 === 0) {
            g = slice();
            r = await o.reference!.run(o.referenceSliceMs);
          } else {
            r = await o.reference!.run(o.referenceSliceMs);
            g = slice();
          }
          gs.push(g);
          ref.push(r);
          ratios.push(g / r);
        }
        policies[name] = rateOf(gs);
        reference[name] = { decisionsPerSecond: rateOf(ref), ratio: ratioOf(ratios) };
      } else {
        policies[name] = rateOf(Array.from({ length: o.slices }, slice));
      }
      if (!isTable && (KERNEL_AB_POLICIES as readonly string[]).includes(name)) {
        // the same policy on the scalar loops, in slices alternating with the kernels' (the same numbers, docs/model.md §5.6)
        RidgeArms.accelerate = false;
        let plain: (n: number) => void;
        try {
          plain = decisionStepper(name, w.contexts, w.rewards, w.nModels, warmupFor(w), order);
        } finally {
          RidgeArms.accelerate = true;
        }
        const ss: number[] = [];
        const ratios: number[] = [];
        for (let i = 0; i < o.slices; i++) {
          let k: number;
          let sc: number;
          if (i % 2 === 0) {
            k = slice();
            sc = timedRate(plain, batch, o.sliceMs, cpuClock);
          } else {
            sc = timedRate(plain, batch, o.sliceMs, cpuClock);
            k = slice();
          }
          ss.push(sc);
          ratios.push(k / sc);
        }
        scalar[name] = { decisionsPerSecond: rateOf(ss), kernelOverScalar: ratioOf(ratios) };
      }
      if (isTable) {
        const { table, rw } = tasks;
        const runs = 5;
        const eng = engineStepper(name, table, w.contexts, rw, runs);
        const fresh = freshRunStepper(name, table, w.contexts, w.rewards);
        const es: number[] = [];
        const ps: number[] = [];
        const fs: number[] = [];
        for (let i = 0; i < o.slices; i++) {
          ps.push(slice());
          es.push(timedRate(eng, runs * table.nQueries, o.sliceMs, cpuClock));
          fs.push(timedRate(fresh, runs * table.nQueries, o.sliceMs, cpuClock));
        }
        engine[name] = rateOf(es);
        engineOverPolicy[name] = +(median(es) / median(ps)).toFixed(3);
        freshRuns[name] = rateOf(fs);
        engineOverFreshRuns[name] = +(median(es) / median(fs)).toFixed(3);
      }
    }
    const entry: Record<string, unknown> = { description: w.description, decisionsPerSecond: policies };
    if (isTable) Object.assign(entry, { engineDecisionsPerSecond: engine, engineOverPolicy, policyFreshRunsDecisionsPerSecond: freshRuns, engineOverFreshRuns });
    if (withRef) entry.reference = reference;
    if (Object.keys(scalar).length > 0) entry.scalarLoops = scalar;
    out[w.name] = entry;
  }
  return out;
}
