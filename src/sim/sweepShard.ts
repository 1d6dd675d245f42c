/**
 * A λ sweep in shards: its cells are the (λ, policy) blocks of every run, except that a policy whose picks
 * ignore the reward is one cell at the first λ (the sweep copies it to the others). A shard replays its
 * cells with the sweep's own per-λ code, skipping the other policies, and `assembleSweep` puts the cells
 * of all shards back into the SweepResult `runSweep` returns, value for value.
 */
import type { PoolTable } from '../data/pool.js';
import { contextsFor } from '../features/contextsFor.js';
import { resolvePolicies } from '../policies/registry.js';
import { runSeed } from './engine.js';
import { lambdaFree, sweepLambda, sweepResultOf, type SweepOptions, type SweepResult } from './sweep.js';

interface SweepCell {
  l: number;
  p: number;
}

/** One cell's results: runs × (tasks…, all) values of each array, as in SweepResult's block of (l, p). */
export interface SweepCellResult extends SweepCell {
  cost: Float64Array;
  quality: Float64Array;
  misses: Float64Array;
}

/** The sweep's cells in order (λ, then policy) and their expected costs (docs/model.md, "Shards"). */
export function sweepCells(table: PoolTable, o: SweepOptions): { cells: SweepCell[]; weights: number[] } {
  const policies = resolvePolicies(o.policies, o.params, table.models);
  const d = contextsFor(table, { layout: o.semantics, features: o.features, binning: o.binning, embedDim: o.embedDim, embedSeed: o.seed }).d;
  const cells: SweepCell[] = [];
  const weights: number[] = [];
  for (let l = 0; l < o.lambdas.length; l++) {
    policies.forEach((rp, p) => {
      if (l > 0 && lambdaFree(rp)) return;
      cells.push({ l, p });
      weights.push(o.runs * (1 + (rp.factory.contextual ? (d * d) / 16 : 0)));
    });
  }
  return { cells, weights };
}

/** Replay the given cells, one λ at a time, with every other policy skipped. */
export async function runSweepCells(table: PoolTable, o: SweepOptions, cells: SweepCell[], progress?: (done: number, total: number) => void): Promise<SweepCellResult[]> {
  const policies = resolvePolicies(o.policies, o.params, table.models);
  const contexts = contextsFor(table, { layout: o.semantics, features: o.features, binning: o.binning, embedDim: o.embedDim, embedSeed: o.seed });
  const RK = o.runs * (table.tasks.length + 1);
  const byLambda = new Map<number, number[]>();
  for (const c of cells) byLambda.set(c.l, [...(byLambda.get(c.l) ?? []), c.p]);
  const out: SweepCellResult[] = [];
  let done = 0;
  for (const [l, ps] of [...byLambda.entries()].sort((a, b) => a[0] - b[0])) {
    const skip = policies.map((_, p) => !ps.includes(p));
    const b = await sweepLambda(table, contexts, policies, o, o.lambdas[l], undefined, skip);
    for (const p of ps.sort((a, b) => a - b)) {
      const at = p * RK;
      out.push({ l, p, cost: b.cost.slice(at, at + RK), quality: b.quality.slice(at, at + RK), misses: b.misses.slice(at, at + RK) });
      progress?.(++done, cells.length);
    }
  }
  return out;
}

/** The SweepResult of the whole grid from every cell's results (each cell exactly once). */
export function assembleSweep(table: PoolTable, o: SweepOptions, results: SweepCellResult[]): SweepResult {
  const policies = resolvePolicies(o.policies, o.params, table.models);
  const d = contextsFor(table, { layout: o.semantics, features: o.features, binning: o.binning, embedDim: o.embedDim, embedSeed: o.seed }).d;
  const L = o.lambdas.length;
  const P = policies.length;
  const RK = o.runs * (table.tasks.length + 1);
  const block = P * RK;
  const cost = new Float64Array(L * block);
  const quality = new Float64Array(L * block);
  const misses = new Float64Array(L * block);
  for (const c of results) {
    const at = c.l * block + c.p * RK;
    cost.set(c.cost, at);
    quality.set(c.quality, at);
    misses.set(c.misses, at);
  }
  // λ-free policies were replayed at the first λ only, as runSweep does
  for (let l = 1; l < L; l++) {
    for (let p = 0; p < P; p++) {
      if (!lambdaFree(policies[p])) continue;
      const to = l * block + p * RK;
      cost.copyWithin(to, p * RK, (p + 1) * RK);
      quality.copyWithin(to, p * RK, (p + 1) * RK);
      misses.copyWithin(to, p * RK, (p + 1) * RK);
    }
  }
  const runSeeds = Array.from({ length: o.runs }, (_, r) => runSeed(o.seed, r));
  const view = (x: Float64Array, l: number): Float64Array => x.subarray(l * block, (l + 1) * block);
  const blocks = Array.from({ length: L }, (_, l) => ({ cost: view(cost, l), quality: view(quality, l), misses: view(misses, l), runSeeds }));
  return sweepResultOf(table, policies, o, blocks, d);
}
