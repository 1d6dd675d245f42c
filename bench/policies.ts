/** Decisions per second (select + update) per policy on one core. */
import type { ModelInfo } from '../src/data/pool.js';
import { Rng } from '../src/data/rng.js';
import { denseContexts, withPatterns, type ContextSet } from '../src/features/context.js';
import type { PolicyEnv } from '../src/policies/policy.js';
import { FACTORIES } from '../src/policies/registry.js';

const Q = 4096;
const M = 16;

/** The paper's layout: bias + task(5) + cluster(3) + complexity(3) = 12, four non-zeros. */
function oneHotContexts(rng: Rng): ContextSet {
  const ptr = new Int32Array(Q + 1);
  const idx = new Int32Array(Q * 4);
  for (let q = 0; q < Q; q++) {
    idx.set([0, 1 + rng.int(5), 6 + rng.int(3), 9 + rng.int(3)], q * 4);
    ptr[q + 1] = (q + 1) * 4;
  }
  // encodeContexts assigns pattern ids the same way
  return withPatterns({ d: 12, nQueries: Q, ptr, idx, val: new Float64Array(Q * 4).fill(1), names: [] });
}

function dense32(rng: Rng): ContextSet {
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

function measure(name: string, contexts: ContextSet, rewards: Float64Array, minMs: number): number {
  const f = FACTORIES.find((x) => x.name === name)!;
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

export function benchPolicies(minMs = 1000): Record<string, Record<string, number>> {
  const rng = new Rng(1);
  const rewards = Float64Array.from({ length: Q * M }, () => rng.next());
  const oneHot = oneHotContexts(rng);
  const dense = dense32(rng);
  const out: Record<string, Record<string, number>> = { 'onehot-d12': {}, 'dense-d32': {} };
  for (const f of FACTORIES) {
    out['onehot-d12'][f.name] = measure(f.name, oneHot, rewards, minMs);
    out['dense-d32'][f.name] = measure(f.name, dense, rewards, minMs);
  }
  return out;
}
