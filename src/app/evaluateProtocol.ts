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
  // each split is scored as it completes; only the first keeps its sweep and evaluation (the outputs are its)
  const splits = await runProtocolSweep(
    table,
    { ...so, policies },
    spec,
    { layout: so.semantics, features: so.features, binning: so.binning, embedDim: so.embedDim },
    (s) => {
      const e = evaluateSweep(s.test, s.sweep, { ...eo, sha256: eo.sha256 });
      return {
        trainQueries: s.trainQueries,
        testQueries: s.testQueries,
        policyNames: s.sweep.policyNames,
        metrics: s.metrics,
        aiq: { policies: e.summary.policies.map((p) => p.aiq.mean), zeroRouter: e.summary.baselines.zeroRouter.aiq.mean },
        first: s.index === 0 ? { sweep: s.sweep, result: e } : null,
      };
    },
    progress,
  );
  const { sweep, result } = splits[0].first!;
  result.summary.schemaVersion = 2;
  result.summary.protocol = sweepProtocolBlock({
    kind: spec.kind,
    fraction: spec.kind === 'split' ? spec.fraction : null,
    train: spec.kind === 'train-table' ? spec.source : null,
    hindsight: HINDSIGHT_POLICIES,
    lambdas: so.lambdas,
    splits: splits.map((s) => ({ trainQueries: s.trainQueries, testQueries: s.testQueries, policyNames: s.policyNames, metrics: s.metrics })),
    aiq: splits.map((s) => s.aiq),
    models: table.models.map((m) => m.id),
  });
  return { sweep, result };
}
