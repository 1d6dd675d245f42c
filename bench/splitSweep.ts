/**
 * The routers issue's speed target: a RouterBench-size train/test split sweep — a generated 36,497 × 11 table
 * (bench/evaluate.ts) with prompt text, a 50/50 split, the four trained routers (train-best-static added as
 * the protocol does), 11 λ × 5 runs, `embed` contexts at d = 64 — on every core. Target: under 60 s.
 */
import { availableParallelism, cpus } from 'node:os';
import { evaluateSplits } from '../src/app/evaluateProtocol.js';
import { Rng } from '../src/core/rng.js';
import type { PoolTable } from '../src/data/pool.js';
import { FamilyMapper, remapTasks } from '../src/data/families.js';
import { DEFAULT_LAMBDAS } from '../src/sim/sweep.js';
import { generateRouterbenchLike } from './evaluate.js';

export const SPLIT_SWEEP_TARGET_SECONDS = 60;

/** Deterministic prompt text: family words, then words drawn from a small vocabulary (what embed reads). */
function withText(t: PoolTable, seed: number): PoolTable {
  const rng = new Rng(seed);
  const vocab = Array.from({ length: 2000 }, (_, i) => `w${i.toString(36)}`);
  t.queryText = Array.from(t.queryTask, (k) => {
    const words = [`${t.tasks[k].replace(/[-.]/g, ' ')} question:`];
    const n = 20 + rng.int(60);
    for (let k = 0; k < n; k++) words.push(vocab[Math.floor(vocab.length * rng.next() ** 2)]);
    return words.join(' ');
  });
  return t;
}

/** `nQueries` (default RouterBench's size) is smaller only in the test of the JSON's fields. */
export async function benchSplitSweep(nQueries?: number): Promise<Record<string, number | string>> {
  const t0 = performance.now();
  const { table } = remapTasks(withText(generateRouterbenchLike(1, nQueries), 2), new FamilyMapper());
  const t1 = performance.now();
  const c1 = process.cpuUsage();
  const runs = 5;
  const policies = ['knn', 'predictive', 'warm-linucb', 'warm-thompson'];
  const jobs = Math.max(1, Math.min(availableParallelism(), DEFAULT_LAMBDAS.length));
  const so = { policies, params: [], lambdas: [...DEFAULT_LAMBDAS], runs, seed: 40, semantics: 'paper' as const, features: ['embed' as const], embedDim: 64, jobs };
  const { result } = await evaluateSplits(table, { kind: 'split', fraction: 0.5, splits: 1 }, so, { aiqMode: 'paper', features: ['embed'], semantics: 'paper', seed: 40 });
  const t2 = performance.now();
  // CPU time of every thread of the process: on a machine shared with other work, wall time says little
  const cpu = process.cpuUsage(c1);
  if (!result.summary.protocol) throw new Error('the split sweep produced no protocol block');
  const seconds = (t2 - t1) / 1000;
  return {
    queries: table.nQueries,
    models: table.nModels,
    cores: cpus().length,
    jobs,
    generateSeconds: +((t1 - t0) / 1000).toFixed(3),
    sweepSeconds: +seconds.toFixed(3),
    sweepCpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(3),
    targetSeconds: SPLIT_SWEEP_TARGET_SECONDS,
    meetsTarget: seconds < SPLIT_SWEEP_TARGET_SECONDS ? 1 : 0,
    note: '36,497 × 11 generated, --split 0.5, knn/predictive/warm-linucb/warm-thompson + train-best-static, 11 λ × 5 runs, embed d = 64',
  };
}
