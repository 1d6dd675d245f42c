/**
 * Benchmark of `evaluate --routerbench` at full size: a generated table shaped like RouterBench 0-shot
 * (36,497 prompts × 11 models, its eval families and the models' published mean quality and cost) through
 * three bandits and the random baseline over 11 λ × 5 runs with the default task/cluster/complexity
 * contexts, plus every analytic baseline and AIQ. The λ grid runs on one worker thread per core.
 */
import { availableParallelism, cpus } from 'node:os';
import { makePoolTable, type PoolTable } from '../src/data/pool.js';
import { Rng } from '../src/core/rng.js';
import { evaluateSweep } from '../src/metrics/routerbench.js';
import { DEFAULT_LAMBDAS, runSweep } from '../src/sim/sweep.js';

/**
 * Per-model mean quality and mean USD cost per prompt over the full 0-shot set, as published in two
 * independent public reports (../shared/data/routerbench/routerbench_0shot_per_model_mean_quality_cost.csv).
 */
const MODELS: readonly [string, number, number][] = [
  ['WizardLM/WizardLM-13B-V1.2', 0.4311, 0.000073],
  ['claude-instant-v1', 0.5984, 0.000233],
  ['claude-v1', 0.6301, 0.002145],
  ['claude-v2', 0.6358, 0.002419],
  ['gpt-3.5-turbo-1106', 0.6193, 0.000243],
  ['gpt-4-1106-preview', 0.7814, 0.003293],
  ['meta/code-llama-instruct-34b-chat', 0.2022, 0.000172],
  ['meta/llama-2-70b-chat', 0.3287, 0.000203],
  ['mistralai/mistral-7b-chat', 0.3061, 0.000046],
  ['mistralai/mixtral-8x7b-chat', 0.5471, 0.000135],
  ['zero-one-ai/Yi-34B-Chat', 0.6475, 0.000186],
];

/** Family sizes summing to 36,497 (their proportions only matter for speed). */
const FAMILIES: readonly [string, number][] = [
  ['mmlu', 14042],
  ['hellaswag', 10042],
  ['gsm8k', 7450],
  ['arc-challenge', 1470],
  ['winogrande', 1267],
  ['mbpp', 427],
  ['mt-bench', 80],
  ['rag', 1719],
];

/**
 * Deterministic RouterBench-shaped table: correlated correctness (a per-prompt difficulty), log-normal costs,
 * random cluster and complexity features.
 */
export function generateRouterbenchLike(seed = 1, nQueries = 36497): PoolTable {
  const rng = new Rng(seed);
  const M = MODELS.length;
  const total = FAMILIES.reduce((s, f) => s + f[1], 0);
  const queryIds: string[] = [];
  const queryTasks: string[] = [];
  for (const [fam, size] of FAMILIES) {
    const n = Math.round((size / total) * nQueries);
    for (let i = 0; i < n && queryIds.length < nQueries; i++) {
      queryIds.push(`${fam}.${i}`);
      queryTasks.push(fam === 'mmlu' ? `mmlu-subject-${i % 57}` : fam);
    }
  }
  while (queryIds.length < nQueries) {
    queryIds.push(`rag.extra.${queryIds.length}`);
    queryTasks.push('rag');
  }
  const Q = queryIds.length;
  const acc = new Float64Array(Q * M);
  const cost = new Float64Array(Q * M);
  // precomputed features, as the prompt-text pipeline would give: 3 clusters, inverted-Flesch complexity
  const cluster = new Int32Array(Q);
  const complexity = new Float64Array(Q);
  for (let q = 0; q < Q; q++) {
    cluster[q] = rng.int(3);
    complexity[q] = 60 * rng.next();
    const difficulty = rng.normal();
    const length = Math.exp(0.5 * rng.normal());
    for (let m = 0; m < M; m++) {
      const [, meanQ, meanC] = MODELS[m];
      // probit-style: P(correct) falls with difficulty, centred on the model's mean quality
      const z = quantile(meanQ) - 0.9 * difficulty + 0.45 * rng.normal();
      acc[q * M + m] = z > 0 ? 1 : 0;
      cost[q * M + m] = meanC * length * Math.exp(0.1 * rng.normal() - 0.125 - 0.005);
    }
  }
  return makePoolTable({
    name: 'routerbench-like (generated)',
    queryIds,
    queryTasks,
    cluster,
    complexity,
    models: MODELS.map(([id]) => ({ id, name: id, paramsB: Number.NaN })),
    accuracy: acc,
    costUsd: cost,
  });
}

/** Inverse of the standard normal CDF for the threshold of a Bernoulli mean (Acklam's rational approximation). */
function quantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) return -quantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

export const EVALUATE_TARGET_SECONDS = 10;

/**
 * Wall time of the full evaluate computation (family mapping excluded: the generated table already holds
 * families) and its parts, in seconds, plus the decisions per second of the sweep. `nQueries` (default RouterBench's
 * size) is smaller only in the test of the JSON's fields.
 */
export async function benchEvaluate(nQueries?: number): Promise<Record<string, number>> {
  const t0 = performance.now();
  const { remapTasks, FamilyMapper } = await import('../src/data/families.js');
  const raw = generateRouterbenchLike(1, nQueries);
  const t1 = performance.now();
  const { table } = remapTasks(raw, new FamilyMapper());
  const policies = ['linear-epsilon-greedy', 'linucb', 'thompson', 'random'];
  const runs = 5;
  const sweep = await runSweep(table, {
    policies,
    params: [],
    lambdas: [...DEFAULT_LAMBDAS],
    runs,
    seed: 40,
    semantics: 'paper',
    features: ['task', 'cluster', 'complexity'],
    jobs: Math.max(1, Math.min(availableParallelism(), DEFAULT_LAMBDAS.length)),
  });
  const t2 = performance.now();
  const { summary } = evaluateSweep(table, sweep, { aiqMode: 'paper' });
  const t3 = performance.now();
  if (!((summary.baselines.oracle.aiq.mean ?? -1) >= 0)) throw new Error('benchmark produced no oracle AIQ');
  const decisions = policies.length * DEFAULT_LAMBDAS.length * runs * table.nQueries;
  return {
    queries: table.nQueries,
    models: table.nModels,
    cores: cpus().length,
    generateSeconds: +((t1 - t0) / 1000).toFixed(3),
    sweepSeconds: +((t2 - t1) / 1000).toFixed(3),
    metricsSeconds: +((t3 - t2) / 1000).toFixed(3),
    totalSeconds: +((t3 - t0) / 1000).toFixed(3),
    decisionsPerSecond: Math.round(decisions / ((t2 - t1) / 1000)),
    targetSeconds: EVALUATE_TARGET_SECONDS,
    meetsTarget: (t3 - t0) / 1000 < EVALUATE_TARGET_SECONDS ? 1 : 0,
  };
}
