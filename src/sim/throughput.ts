/**
 * Decision throughput (select + update per second) of each policy on synthetic contexts, and a reference
 * workload of the same kind of arithmetic. Their ratio is comparable across machines, unlike seconds.
 */
import { UsageError } from '../data/errors.js';
import type { ModelInfo } from '../data/pool.js';
import { Rng } from '../data/rng.js';
import { denseContexts, withPatterns, type ContextSet } from '../features/context.js';
import type { PolicyEnv } from '../policies/policy.js';
import { FACTORIES } from '../policies/registry.js';

const Q = 4096;
const M = 16;

/** The paper's layout: bias + task(5) + cluster(3) + complexity(3) = 12, four non-zeros. */
export function oneHotContexts(rng: Rng): ContextSet {
  const ptr = new Int32Array(Q + 1);
  const idx = new Int32Array(Q * 4);
  for (let q = 0; q < Q; q++) {
    idx.set([0, 1 + rng.int(5), 6 + rng.int(3), 9 + rng.int(3)], q * 4);
    ptr[q + 1] = (q + 1) * 4;
  }
  // encodeContexts assigns pattern ids the same way
  return withPatterns({ d: 12, nQueries: Q, ptr, idx, val: new Float64Array(Q * 4).fill(1), names: [] });
}

export function dense32(rng: Rng): ContextSet {
  const rows = Float64Array.from({ length: Q * 31 }, () => rng.normal() / Math.sqrt(31));
  return denseContexts(rows, Q, 31);
}

function env(contexts: ContextSet, rng: Rng, rewards: Float64Array): PolicyEnv {
  const models: ModelInfo[] = Array.from({ length: M }, (_, m) => ({ id: `m${m}`, name: `m${m}`, paramsB: m + 1 }));
  return {
    contexts,
    models,
    nModels: M,
    initialArms: models.map((_, m) => m),
    feasible: null,
    rng,
    semantics: 'paper',
    rewards,
    present: new Uint8Array(Q * M).fill(1),
    modelStats: { meanReward: Float64Array.from({ length: M }, (_, m) => m / M), meanAccuracy: Float64Array.from({ length: M }, (_, m) => m / M) },
  };
}

/** Decisions per second of one policy with its default parameters. */
export function measureDecisions(name: string, contexts: ContextSet, rewards: Float64Array, minMs: number): number {
  const f = FACTORIES.find((x) => x.name === name);
  if (!f) throw new UsageError(`unknown policy '${name}'; policies: ${FACTORIES.map((x) => x.name).join(', ')}`);
  const params = Object.fromEntries(f.params.map((p) => [p.name, p.default]));
  const p = f.create(env(contexts, new Rng(7), rewards), params);
  // warm-up so the timing sees optimised code
  for (let t = 0; t < 50_000; t++) {
    const q = t & (Q - 1);
    p.update(q, p.select(q), rewards[q * M]);
  }
  let n = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  const batch = 20_000;
  while (elapsed < minMs) {
    for (let t = 0; t < batch; t++) {
      const q = (n + t) & (Q - 1);
      const m = p.select(q);
      p.update(q, m, rewards[q * M + m]);
    }
    n += batch;
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return Math.round(n / (elapsed / 1000));
}

/** Reference workload: 12×12 matrix–vector products per second (plain Float64Array arithmetic). */
export function referenceOpsPerSecond(minMs: number): number {
  const d = 12;
  const A = Float64Array.from({ length: d * d }, (_, i) => ((i * 7) % 13) / 13);
  const x = Float64Array.from({ length: d }, (_, i) => i / d);
  const y = new Float64Array(d);
  let n = 0;
  let sink = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (let t = 0; t < 20_000; t++) {
      for (let i = 0; i < d; i++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += A[i * d + j] * x[j];
        y[i] = s;
      }
      x[t % d] = y[(t + 1) % d] * 0.5;
      sink += y[0];
    }
    n += 20_000;
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  if (sink === Number.POSITIVE_INFINITY) throw new Error('unreachable');
  return Math.round(n / (elapsed / 1000));
}

export function benchPolicies(minMs = 1000, names: readonly string[] = FACTORIES.map((f) => f.name)): Record<string, Record<string, number>> {
  const rng = new Rng(1);
  const rewards = Float64Array.from({ length: Q * M }, () => rng.next());
  const oneHot = oneHotContexts(rng);
  const dense = dense32(rng);
  const out: Record<string, Record<string, number>> = { 'onehot-d12': {}, 'dense-d32': {} };
  for (const name of names) {
    out['onehot-d12'][name] = measureDecisions(name, oneHot, rewards, minMs);
    out['dense-d32'][name] = measureDecisions(name, dense, rewards, minMs);
  }
  return out;
}

/** Throughput of each policy (one-hot d = 12) divided by the reference workload measured alongside. */
export function throughputRatios(names: readonly string[], minMs: number): { reference: number; decisions: Record<string, number>; ratio: Record<string, number> } {
  const rng = new Rng(1);
  const rewards = Float64Array.from({ length: Q * M }, () => rng.next());
  const oneHot = oneHotContexts(rng);
  const decisions: Record<string, number> = {};
  const ratio: Record<string, number> = {};
  // reference measured before and after; their mean absorbs slow drifts of machine speed
  const r0 = referenceOpsPerSecond(minMs);
  for (const n of names) decisions[n] = measureDecisions(n, oneHot, rewards, minMs);
  const r1 = referenceOpsPerSecond(minMs);
  const reference = (r0 + r1) / 2;
  for (const n of names) ratio[n] = decisions[n] / reference;
  return { reference, decisions, ratio };
}
