#!/usr/bin/env node
/**
 * Hindsight floors of the x6-drift target (README, "Routing under budgets, drift and new models"): the regret per
 * 500 steps of the best model per group of queries, chosen after seeing the whole stream, on the built-in pool at
 * λ = 0.5 with the paper's contexts. A router whose choice depends only on a query's context (and its own
 * history) cannot tell the queries of one context pattern apart, so in expectation it pays at least the
 * per-pattern floor over a window of them. Groups: one (a single model), each task, and each context pattern
 * (task × cluster × complexity bin). `drifted` applies x6-drift's change (phi-4-mini-4b loses 0.3 accuracy on
 * every task; reward docs/model.md §2.1, §11.2) to the whole stream.
 *
 *   npx tsc -p . && node scripts/hindsight-floor.mjs
 *
 * Prints JSON: {schemaVersion: 1, lambda, queries, patterns, unchanged: {global, perTask, perPattern},
 * drifted: {global, perTask, perPattern}}, each a regret per 500 steps.
 */
import { loadTable } from '../dist/src/data/load.js';
import { runSimulation } from '../dist/src/sim/run.js';

const LAMBDA = 0.5;
const DRIFT = { model: 'phi-4-mini-4b', accuracy: -0.3 };

const t = await loadTable('greenserv-pool');
const prep = await runSimulation(t, { policies: ['random'], params: [], runs: 1, seed: 40, semantics: 'paper', features: ['task', 'cluster', 'complexity'], lambda: LAMBDA });
const { rewards, costNorm, oracle } = prep.rewards;
const Q = oracle.length;
const M = t.models.length;
const pattern = prep.contexts.pattern;

/** Regret per 500 steps of the best model per group (in hindsight) under rewards r with per-query oracle o. */
function floor(r, o, group) {
  const sums = new Map();
  for (let q = 0; q < Q; q++) {
    const g = group(q);
    if (!sums.has(g)) sums.set(g, new Float64Array(M));
    const s = sums.get(g);
    for (let m = 0; m < M; m++) s[m] += r[q * M + m];
  }
  const best = new Map([...sums].map(([g, s]) => [g, s.indexOf(Math.max(...s))]));
  let regret = 0;
  for (let q = 0; q < Q; q++) regret += o[q] - r[q * M + best.get(group(q))];
  return (regret / Q) * 500;
}

const clip = (x) => Math.min(1, Math.max(0, x));
const mi = t.models.findIndex((m) => m.id === DRIFT.model);
const drifted = Float64Array.from(rewards);
const driftedOracle = new Float64Array(Q);
for (let q = 0; q < Q; q++) {
  const k = q * M + mi;
  if (!Number.isNaN(t.accuracy[k])) drifted[k] = clip((1 - LAMBDA) * clip(t.accuracy[k] + DRIFT.accuracy) + LAMBDA * (1 - costNorm[k]));
  driftedOracle[q] = Math.max(...drifted.subarray(q * M, (q + 1) * M));
}
const groups = { global: () => 0, perTask: (q) => t.queryTask[q], perPattern: (q) => pattern[q] };
const of = (r, o) => Object.fromEntries(Object.entries(groups).map(([k, g]) => [k, Number(floor(r, o, g).toFixed(2))]));
console.log(JSON.stringify({ schemaVersion: 1, lambda: LAMBDA, queries: Q, patterns: new Set(pattern).size, unchanged: of(rewards, oracle), drifted: of(drifted, driftedOracle) }, null, 2));
