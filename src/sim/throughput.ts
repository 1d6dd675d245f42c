/**
 * Decision throughput (select + update per second) of each policy on synthetic contexts, and a reference
 * workload of the same kind of arithmetic. Their ratio is comparable across machines, unlike seconds.
 */
import { UsageError } from '../core/errors.js';
import type { ModelInfo } from '../data/pool.js';
import { Rng } from '../core/rng.js';
import type { ContextSet } from '../features/context.js';
import { WORKLOAD_QUERIES, oneHotContexts } from './workloads.js';
import { defaultParams, type HindsightData, type PolicyEnv } from '../policies/policy.js';
import { builtinFactory, FACTORIES, resolvePolicies } from '../policies/registry.js';
import type { Semantics } from '../policies/policy.js';
import type { PoolTable } from '../data/pool.js';
import { nameKey, runSeed, simulate } from './engine.js';
import type { RewardTable } from './reward.js';
import { decisionRules } from '../core/semantics.js';

const Q = WORKLOAD_QUERIES;
const M = 16;

function env(contexts: ContextSet, rng: Rng, nModels: number): PolicyEnv {
  const models: ModelInfo[] = Array.from({ length: nModels }, (_, m) => ({ id: `m${m}`, name: `m${m}`, paramsB: m + 1 }));
  // budgeted routers need a budget to start; with no cost signal their price stays 0
  return { contexts, models, nModels, initialArms: models.map((_, m) => m), rng, horizon: contexts.nQueries, rules: decisionRules('paper'), budget: { kind: 'energy', limit: 1 } };
}

function hindsight(rewards: Float64Array, nModels: number): HindsightData {
  return {
    rewards,
    present: new Uint8Array(rewards.length).fill(1),
    meanReward: Float64Array.from({ length: nModels }, (_, m) => m / nModels),
    meanAccuracy: Float64Array.from({ length: nModels }, (_, m) => m / nModels),
  };
}

/** Milliseconds from an arbitrary origin; injectable so the slicing logic can be tested without timing. */
type Clock = () => number;
export const hrClock: Clock = () => Number(process.hrtime.bigint()) / 1e6;
/** This process's CPU time (user + system), ms: a busy machine that deschedules the process does not count. */
export const cpuClock: Clock = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Operations per second of `step(batch)` repeated until `sliceMs` has passed on `clock`. */
export function timedRate(step: (n: number) => void, batch: number, sliceMs: number, clock: Clock = hrClock): number {
  let n = 0;
  const start = clock();
  let elapsed = 0;
  while (elapsed < sliceMs) {
    step(batch);
    n += batch;
    elapsed = clock() - start;
  }
  return n / (elapsed / 1000);
}

/**
 * A policy with its default parameters, warmed up; the returned step makes n select + update decisions,
 * cycling through the queries (in index order, or in `order`) with every model allowed.
 */
export function decisionStepper(name: string, contexts: ContextSet, rewards: Float64Array, nModels = M, warmup = 50_000, order?: Int32Array): (n: number) => void {
  // any built-in that learns online (the routers trained on a split need a train part)
  const f = builtinFactory(name);
  if (!f || f.train) throw new UsageError(`unknown policy '${name}'; policies: ${FACTORIES.map((x) => x.name).join(', ')}`);
  const p = f.create(env(contexts, new Rng(7), nModels), defaultParams(f), f.hindsight ? hindsight(rewards, nModels) : undefined);
  const arms = Int32Array.from({ length: nModels }, (_, m) => m);
  const nq = contexts.nQueries;
  const seq = order ?? Int32Array.from({ length: nq }, (_, q) => q);
  let s = 0;
  const step = (n: number): void => {
    for (let i = 0; i < n; i++) {
      const q = seq[s];
      const m = p.select(q, arms, nModels);
      p.update(q, m, rewards[q * nModels + m]);
      if (++s === nq) s = 0;
    }
  };
  // warm-up so the timing sees optimised code
  step(warmup);
  return step;
}

/** Reference workload: n 12×12 matrix–vector products (plain Float64Array arithmetic). */
function referenceStepper(): (n: number) => void {
  const d = 12;
  const A = Float64Array.from({ length: d * d }, (_, i) => ((i * 7) % 13) / 13);
  const x = Float64Array.from({ length: d }, (_, i) => i / d);
  const y = new Float64Array(d);
  let sink = 0;
  const step = (n: number): void => {
    let acc = 0;
    for (let t = 0; t < n; t++) {
      for (let i = 0; i < d; i++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += A[i * d + j] * x[j];
        y[i] = s;
      }
      x[t % d] = y[(t + 1) % d] * 0.5;
      acc += y[0];
    }
    sink += acc;
    if (sink === Number.POSITIVE_INFINITY) throw new Error('unreachable');
  };
  step(200_000);
  return step;
}

interface InterleavedRatio {
  /** Median over slices of policy rate / reference rate. */
  ratio: number;
  policyRate: number;
  referenceRate: number;
  ratios: Float64Array;
}

/**
 * Policy and reference measured in alternating short slices, each slice pair giving one ratio; the median ratio
 * ignores the slices a busy machine slowed down on one side only. The order alternates (R P, P R, …) so a steady
 * drift in machine speed favours neither side.
 */
export function interleavedRatio(policySlice: () => number, referenceSlice: () => number, slices: number): InterleavedRatio {
  const ratios = new Float64Array(slices);
  const pr = new Float64Array(slices);
  const rr = new Float64Array(slices);
  for (let i = 0; i < slices; i++) {
    if (i % 2 === 0) {
      rr[i] = referenceSlice();
      pr[i] = policySlice();
    } else {
      pr[i] = policySlice();
      rr[i] = referenceSlice();
    }
    ratios[i] = pr[i] / rr[i];
  }
  return { ratio: median(ratios), policyRate: median(pr), referenceRate: median(rr), ratios };
}

/** Median of a copy (mean of the two middle values for an even count). */
export function median(xs: ArrayLike<number>): number {
  const s = Float64Array.from(xs).sort();
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** Length of one measuring slice, ms: short enough that a burst of load spoils few slices. */
const SLICE_MS = 20;

/**
 * Throughput of each policy (one-hot d = 12) as the median ratio to the reference workload over interleaved
 * slices; `minMs` is the time spent measuring each policy (as much again goes to the reference).
 */
export function throughputRatios(names: readonly string[], minMs: number, sliceMs = SLICE_MS): { reference: number; decisions: Record<string, number>; ratio: Record<string, number> } {
  const rng = new Rng(1);
  const rewards = Float64Array.from({ length: Q * M }, () => rng.next());
  const oneHot = oneHotContexts(rng);
  // an odd count so the median is one slice's ratio
  const slices = Math.max(5, Math.ceil(minMs / sliceMs)) | 1;
  const ref = referenceStepper();
  const refSlice = (): number => timedRate(ref, 1000, sliceMs);
  const decisions: Record<string, number> = {};
  const ratio: Record<string, number> = {};
  const refRates: number[] = [];
  for (const n of names) {
    const step = decisionStepper(n, oneHot, rewards);
    const r = interleavedRatio(() => timedRate(step, 1000, sliceMs), refSlice, slices);
    decisions[n] = Math.round(r.policyRate);
    ratio[n] = r.ratio;
    refRates.push(r.referenceRate);
  }
  return { reference: median(refRates), decisions, ratio };
}

/**
 * The full engine on a table workload: each call of the returned step is one `simulate` of `runs` runs over
 * every query (shuffled orders, pool oracle, metrics recorder on, step trace off), so it makes
 * runs × queries decisions whatever n says; time it with that batch.
 */
/**
 * The policy-only loop as the engine runs it: per run of the table's queries a fresh policy (seeded as the
 * engine seeds it) over a freshly shuffled order, so beside engineStepper the difference is the engine's own
 * bookkeeping, not the policy's start-up. n is rounded up to whole runs.
 */
export function freshRunStepper(name: string, table: PoolTable, contexts: ContextSet, rewards: Float64Array, onRun?: (r: number, totalReward: number) => void): (n: number) => void {
  const f = builtinFactory(name);
  if (!f || f.train) throw new UsageError(`unknown policy '${name}'; policies: ${FACTORIES.map((x) => x.name).join(', ')}`);
  const M = table.nModels;
  const Q = table.nQueries;
  const arms = Int32Array.from({ length: M }, (_, m) => m);
  const order = new Int32Array(Q);
  let r = 0;
  const step = (n: number): void => {
    for (let done = 0; done < n; done += Q) {
      const seed = runSeed(40, r++);
      const env: PolicyEnv = { contexts, models: table.models, nModels: M, initialArms: Array.from(arms), rng: Rng.derive(seed, 1, nameKey(name)), horizon: Q, rules: decisionRules('paper') };
      const p = f.create(env, defaultParams(f), f.hindsight ? hindsight(rewards, M) : undefined);
      for (let q = 0; q < Q; q++) order[q] = q;
      Rng.derive(seed, 0).shuffle(order);
      let total = 0;
      for (let s = 0; s < Q; s++) {
        const q = order[s];
        const m = p.select(q, arms, M);
        const rew = rewards[q * M + m];
        p.update(q, m, rew);
        total += rew;
      }
      p.dispose?.();
      onRun?.(r - 1, total);
    }
  };
  step(5 * Q);
  return step;
}

export function engineStepper(name: string, table: PoolTable, contexts: ContextSet, rw: RewardTable, runs = 5, semantics: Semantics = 'paper'): (n: number) => void {
  const policies = resolvePolicies([name], [], table.models);
  let seed = 40;
  const step = (): void => {
    simulate(table, contexts, rw, { runs, seed, semantics, oracle: semantics === 'repo' ? 'full' : 'pool', policies });
    seed += runs;
  };
  step();
  return step;
}
