/**
 * `evaluate` under the train/test protocol (docs/model.md §13): the λ sweep per split on the test stream,
 * each split scored as `evaluate` scores a table (AIQ against the zero router of the same test points), and
 * the protocol block over all splits. Points, charts and tables other than the protocol's are split 1's.
 */
import type { PoolTable } from '../data/pool.js';
import { sweepProtocolBlock } from '../metrics/protocol.js';
import { evaluateSweep, type EvaluateOptions, type EvaluationResult } from '../metrics/routerbench.js';
import { PROTOCOL_BASELINE } from '../sim/run.js';
import type { ProtocolSpec } from '../sim/protocol.js';
import { runProtocolSweep } from '../sim/protocolSweep.js';
import type { SweepOptions, SweepProgress, SweepResult } from '../sim/sweep.js';

/** Baselines that see the test stream's outcomes (marked in the protocol table). */
export const HINDSIGHT_POLICIES = ['best-static', 'oracle', 'most-accurate'];

export async function evaluateSplits(
  table: PoolTable,
  spec: ProtocolSpec,
  so: SweepOptions,
  eo: EvaluateOptions,
  progress?: SweepProgress,
): Promise<{ sweep: SweepResult; result: EvaluationResult }> {
  // the gap closed is measured against train-best-static: it runs whether listed or not
  const policies = so.policies.includes(PROTOCOL_BASELINE) ? so.policies : [...so.policies, PROTOCOL_BASELINE];
  const splits = await runProtocolSweep(table, { ...so, policies }, spec, { layout: so.semantics, features: so.features, binning: so.binning, embedDim: so.embedDim }, progress);
  const evals = splits.map((s) => evaluateSweep(s.test, s.sweep, { ...eo, sha256: eo.sha256 }));
  const result = evals[0];
  result.summary.schemaVersion = 2;
  result.summary.protocol = sweepProtocolBlock({
    kind: spec.kind,
    fraction: spec.kind === 'split' ? spec.fraction : null,
    train: spec.kind === 'train-table' ? spec.source : null,
    hindsight: HINDSIGHT_POLICIES,
    lambdas: so.lambdas,
    splits: splits.map((s) => ({ trainQueries: s.trainQueries, testQueries: s.testQueries, policyNames: s.sweep.policyNames, metrics: s.metrics })),
    aiq: evals.map((e) => ({ policies: e.summary.policies.map((p) => p.aiq.mean), zeroRouter: e.summary.baselines.zeroRouter.aiq.mean })),
  });
  return { sweep: splits[0].sweep, result };
}
