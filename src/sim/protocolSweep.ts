/**
 * The λ sweep under the train/test protocol (docs/model.md §13): per split, the sweep of sim/sweep.ts over
 * the test stream, with rewards normalised over the whole stack and trained policies fitted on the train
 * rows at each λ. Every policy runs at every λ (none is skipped), so the replays' metrics line up.
 */
import type { PoolTable } from '../data/pool.js';
import type { ContextSpec } from '../features/contextsFor.js';
import { resolvePolicies } from '../policies/registry.js';
import { checkProtocol, prepareSplit, trainDataOf, type ProtocolSpec } from './protocol.js';
import type { RunMetrics } from './recorders.js';
import { sweepLambda, sweepResultOf, type LambdaBlock, type SweepOptions, type SweepProgress, type SweepResult } from './sweep.js';

export interface ProtocolSweepSplit {
  index: number;
  trainQueries: number;
  testQueries: number;
  /** The test stream (tasks in the source's order). */
  test: PoolTable;
  sweep: SweepResult;
  /** [λ][policy][run] replay metrics on the test stream. */
  metrics: RunMetrics[][][];
}

export async function runProtocolSweep(t: PoolTable, o: SweepOptions, protocol: ProtocolSpec, contexts: ContextSpec, progress?: SweepProgress): Promise<ProtocolSweepSplit[]> {
  const k = checkProtocol(t, protocol, o.runs);
  const policies = resolvePolicies(o.policies, o.params, t.models);
  const L = o.lambdas.length;
  const out: ProtocolSweepSplit[] = [];
  for (let s = 0; s < k; s++) {
    const sp = prepareSplit(t, protocol, contexts, o.seed, s);
    const so: SweepOptions = { ...o, seed: o.seed + s * o.runs };
    const blocks: LambdaBlock[] = [];
    for (let l = 0; l < L; l++) {
      const sub = progress ? (done: number, total: number, label: string) => progress((s * L + l) * total + done, k * L * total, `split ${s + 1} λ=${o.lambdas[l]} ${label}`) : undefined;
      blocks.push(await sweepLambda(sp.test, sp.contexts, policies, so, o.lambdas[l], sub, [], { stack: sp.stack, nTest: sp.nTest, train: (rw) => trainDataOf(sp, rw) }));
    }
    out.push({
      index: s,
      trainQueries: sp.trainRows.length,
      testQueries: sp.nTest,
      test: sp.test,
      sweep: sweepResultOf(sp.test, policies, so, blocks, sp.contexts.d),
      metrics: blocks.map((b) => b.metrics!),
    });
  }
  return out;
}
