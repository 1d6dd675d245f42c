/**
 * End to end on real tables (slow: npm run test:e2e), with the train part built here: a 50/50 split stratified
 * by task, each router trained on one half and replayed over the other, its test regret compared with the model
 * that has the best mean train reward.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRouterbench } from '../../src/app/routerbenchSource.js';
import { Rng } from '../../src/core/rng.js';
import { decisionRules } from '../../src/core/semantics.js';
import { asFloat64 } from '../../src/data/columns.js';
import { loadTable } from '../../src/data/load.js';
import type { PoolTable } from '../../src/data/pool.js';
import { ALL_FEATURES, encodeContexts, type ContextSet } from '../../src/features/context.js';
import { embedContexts } from '../../src/features/embed.js';
import type { TrainData } from '../../src/policies/policy.js';
import { resolvePolicies } from '../../src/policies/registry.js';
import { buildRewards, type RewardTable } from '../../src/sim/reward.js';

const ROUTERS = ['knn', 'predictive', 'warm-linucb', 'warm-thompson'];
const RB = resolve(__dirname, '../../../shared/data/routerbench');
const haveRb = existsSync(RB);
if (!haveRb) console.warn(`skipping the RouterBench trained-router check: ${RB} not found (shared reference data is absent)`);

function split(t: PoolTable, seed: number): { train: number[]; test: number[] } {
  const rng = new Rng(seed);
  const isTrain = new Uint8Array(t.nQueries);
  for (let k = 0; k < t.tasks.length; k++) {
    const qs: number[] = [];
    for (let q = 0; q < t.nQueries; q++) if (t.queryTask[q] === k) qs.push(q);
    for (let i = qs.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [qs[i], qs[j]] = [qs[j], qs[i]];
    }
    for (let i = 0; i < qs.length / 2; i++) isTrain[qs[i]] = 1;
  }
  const train: number[] = [];
  const test: number[] = [];
  for (let q = 0; q < t.nQueries; q++) (isTrain[q] ? train : test).push(q);
  for (let i = test.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [test[i], test[j]] = [test[j], test[i]];
  }
  return { train, test };
}

/** Test-stream regret per router and of the train-best model. */
function replay(t: PoolTable, rw: RewardTable, ctx: ContextSet, s: { train: number[]; test: number[] }, lambda: number): Record<string, number> {
  const M = t.nModels;
  const rewards = new Float64Array(t.nQueries * M).fill(NaN);
  for (let i = 0; i < rewards.length; i++) if (t.present[i]) rewards[i] = rw.rewards[i];
  const train: TrainData = { queries: Int32Array.from(s.train), rewards, accuracy: asFloat64(t.accuracy, t.present), cost: rw.costNorm, present: t.present, lambda };
  const mean = new Float64Array(M);
  for (const q of s.train) for (let m = 0; m < M; m++) mean[m] += rw.rewards[q * M + m];
  const best = mean.indexOf(Math.max(...mean));
  const out: Record<string, number> = { 'train-best-static': 0 };
  for (const q of s.test) out['train-best-static'] += rw.oracle[q] - rw.rewards[q * M + best];
  const arms = Int32Array.from({ length: M }, (_, m) => m);
  for (const rp of resolvePolicies(ROUTERS, [], t.models)) {
    const env = { contexts: ctx, models: t.models, nModels: M, initialArms: [...arms], rng: new Rng(7), horizon: s.test.length, rules: decisionRules('paper') };
    const p = rp.factory.create(env, rp.params, undefined, train);
    let R = 0;
    for (const q of s.test) {
      const m = p.select(q, arms, M);
      p.update(q, m, rw.rewards[q * M + m]);
      R += rw.oracle[q] - rw.rewards[q * M + m];
    }
    out[rp.name] = R;
  }
  return out;
}

describe('routers trained on half of a real table', () => {
  it('built-in pool, one-hot contexts, λ = 0.5: each closes more than 10 % of the train-best model’s test regret', async () => {
    const t = await loadTable('greenserv-pool');
    const rw = await buildRewards(t, { lambda: 0.5 });
    const ctx = encodeContexts(t, { layout: 'paper', features: ALL_FEATURES });
    const R = replay(t, rw, ctx, split(t, 1), 0.5);
    for (const r of ROUTERS) expect((R['train-best-static'] - R[r]) / R['train-best-static']).toBeGreaterThan(0.1);
  }, 60_000);

  it.skipIf(!haveRb)('RouterBench ARC + Winogrande, embed contexts, λ = 0.5: knn, predictive and warm-linucb lose at most 2 % to the train-best model where the text carries little signal', async () => {
    const { table: t } = await loadRouterbench(RB, { warn: () => {} });
    const rw = await buildRewards(t, { lambda: 0.5, cost: 'usd' });
    const s = split(t, 2);
    // the prompts share a long few-shot prefix: read them whole so the question itself is embedded
    const ctx = embedContexts(t.queryText!.map((x) => x ?? ''), { train: s.train, maxChars: 100_000 });
    const R = replay(t, rw, ctx, s, 0.5);
    for (const r of ['knn', 'predictive', 'warm-linucb']) expect(R[r]).toBeLessThan(1.02 * R['train-best-static']);
  }, 60_000);
});
