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
import { lambdaFree, sweepLambda, sweepResultOf, type LambdaBlock, type SweepOptions, type SweepResult } from './sweep.js';
import { offThreadScript, runPool, type PoolInit } from './workers.js';

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

/** The worker pool's init message for a shard's cells: one task per λ, the policies to replay at it. */
export interface SweepCellsInit extends PoolInit {
  kind: 'sweep-cells';
  table: PoolTable;
  options: SweepOptions;
}

type CellTask = { l: number; ps: number[] };

/** A λ's block with every policy but `ps` skipped (on the thread that calls it). */
export function sweepCellTasks(table: PoolTable, o: SweepOptions): (task: CellTask) => Promise<LambdaBlock> {
  const policies = resolvePolicies(o.policies, o.params, table.models);
  const contexts = contextsFor(table, { layout: o.semantics, features: o.features, binning: o.binning, embedDim: o.embedDim, embedSeed: o.seed });
  return ({ l, ps }) => sweepLambda(table, contexts, policies, o, o.lambdas[l], undefined, policies.map((_, p) => !ps.includes(p)));
}

/**
 * Replay the given cells, one λ at a time, with every other policy skipped. With a policy module loaded they
 * replay on a worker thread (as runSweep's do), so a plugin call that never returns leaves signals heard here.
 */
export async function runSweepCells(table: PoolTable, o: SweepOptions, cells: SweepCell[], progress?: (done: number, total: number) => void): Promise<SweepCellResult[]> {
  const RK = o.runs * (table.tasks.length + 1);
  const byLambda = new Map<number, number[]>();
  for (const c of cells) byLambda.set(c.l, [...(byLambda.get(c.l) ?? []), c.p]);
  const tasks: CellTask[] = [...byLambda.entries()].sort((a, b) => a[0] - b[0]).map(([l, ps]) => ({ l, ps: ps.sort((a, b) => a - b) }));
  const out: SweepCellResult[] = [];
  let done = 0;
  const put = ({ l, ps }: CellTask, b: LambdaBlock): void => {
    for (const p of ps) {
      const at = p * RK;
      out.push({ l, p, cost: b.cost.slice(at, at + RK), quality: b.quality.slice(at, at + RK), misses: b.misses.slice(at, at + RK) });
      progress?.(++done, cells.length);
    }
  };
  const script = offThreadScript();
  if (script) {
    // prompt texts are not needed to replay (unless embedded), as in runSweep
    const init: SweepCellsInit = { kind: 'sweep-cells', table: o.features.includes('embed') ? table : { ...table, queryText: null }, options: { ...o, jobs: 1 } };
    // one worker takes the tasks in order, so results arrive in order
    await runPool<CellTask, LambdaBlock>(script, init, tasks, 1, (id, b) => put(tasks[id], b));
    return out;
  }
  const run = sweepCellTasks(table, o);
  for (const t of tasks) put(t, await run(t));
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
