/**
 * The protocol's figures per policy (docs/model.md §13): test regret, the share of the train-best-static
 * model's regret a policy removes (gap closed) with a 95 % CI over splits (over runs for one split),
 * accuracy, energy, cost and, where given, AIQ against the zero router.
 */
import type { SimResult } from '../sim/engine.js';
import type { RunMetrics } from '../sim/recorders.js';
import { mean, meanSdCi, type MeanSdCi } from './stats.js';

import { dict, own } from '../core/dict.js';
import { PROTOCOL_BASELINE } from '../sim/run.js';

export { PROTOCOL_BASELINE };

interface GapClosed {
  mean: number;
  ci95: [number, number];
  /** What the interval is over: 'splits' (k ≥ 2) or 'runs' (one split). */
  over: 'splits' | 'runs';
  n: number;
}

export interface ProtocolPolicyRow {
  name: string;
  testRegret: MeanSdCi;
  /** null when the baseline's regret is 0 (nothing to close). */
  gapClosed: GapClosed | null;
  accuracy: number;
  energyWh: number;
  costUsd: number;
  costNorm: number;
  /** AIQ of the policy's λ sweep over the test points, and the zero router's (evaluate --routerbench). */
  aiq?: { policy: number; zeroRouter: number; ratio: number } | null;
  /** Settings a trained router fitted on the train part, one value per split (e.g. {reg: [10, 10, 100]}). */
  fitted?: Record<string, number[]>;
  /** The baseline's row only: its share of the test decisions per model, largest first (the model each split's
   * train part chose; a model that leaves the pool mid-stream shares them). */
  chose?: Record<string, number>;
}

/** gapClosed of one replay: (R_base − R_policy) / R_base (docs/model.md §13); NaN when R_base is 0. */
export function gapClosedOf(baseRegret: number, policyRegret: number): number {
  return baseRegret === 0 ? Number.NaN : (baseRegret - policyRegret) / baseRegret;
}

/**
 * Rows of the protocol table. `metrics[split][policy][run]`: every split replays the same policies and runs;
 * the baseline is the policy named `train-best-static` (its regret in the same split and run).
 */
export function protocolRows(names: readonly string[], metrics: readonly (readonly (readonly RunMetrics[])[])[], models?: readonly string[]): ProtocolPolicyRow[] {
  const b = names.indexOf(PROTOCOL_BASELINE);
  if (b < 0) throw new Error(`the protocol table needs the ${PROTOCOL_BASELINE} baseline among the policies`);
  const K = metrics.length;
  return names.map((name, p) => {
    const all = metrics.flatMap((sp) => sp[p]);
    // per split, the mean over its runs of the run-by-run gap
    const perSplit: number[] = [];
    const perRun: number[] = [];
    for (const sp of metrics) {
      const g = sp[p].map((r, i) => gapClosedOf(sp[b][i].finalRegret, r.finalRegret));
      perRun.push(...g);
      perSplit.push(mean(g));
    }
    const xs = K >= 2 ? perSplit : perRun;
    const ok = xs.every((x) => Number.isFinite(x));
    const ci = meanSdCi(xs);
    return {
      name,
      testRegret: meanSdCi(all.map((r) => r.finalRegret)),
      gapClosed: ok ? { mean: ci.mean, ci95: ci.ci95, over: K >= 2 ? 'splits' : 'runs', n: xs.length } : null,
      accuracy: mean(all.map((r) => r.accuracy)),
      energyWh: mean(all.map((r) => r.energyWh)),
      costUsd: mean(all.map((r) => r.costUsd)),
      costNorm: mean(all.map((r) => r.costNorm)),
      ...fittedOf(metrics.map((sp) => sp[p])),
      ...(p === b && models ? choseOf(all, models) : {}),
    };
  });
}

/** Share of the decisions per model over every split and run, largest first (ties by id); models never chosen are left out. */
function choseOf(runs: readonly RunMetrics[], models: readonly string[]): { chose?: Record<string, number> } {
  const n = new Float64Array(models.length);
  for (const r of runs) for (let m = 0; m < models.length; m++) n[m] += r.selection[m];
  let total = 0;
  for (const x of n) total += x;
  if (total === 0) return {};
  const order = models.map((_, m) => m).filter((m) => n[m] > 0);
  order.sort((x, y) => n[y] - n[x] || (models[x] < models[y] ? -1 : 1));
  return { chose: Object.fromEntries(order.map((m) => [models[m], n[m] / total])) };
}

/**
 * A trained router's fitted settings, one value per split (its runs share one fit); nothing for policies
 * that fit none, so their rows keep their bytes.
 */
function fittedOf(splits: readonly (readonly RunMetrics[])[]): { fitted?: Record<string, number[]> } {
  const first = splits.map((runs) => runs[0]?.fitted);
  if (!first.every((f) => f !== undefined)) return {};
  // a plugin names its settings: '__proto__' from JSON.parse is an own key like any other
  const out = dict<number[]>();
  for (const key of Object.keys(first[0]!)) out[key] = first.map((f) => own(f!, key) ?? Number.NaN);
  return { fitted: out };
}

/** summary.json's schemaVersion when the protocol block is present (plain runs keep version 1). */
export const PROTOCOL_SCHEMA_VERSION = 2;

/** The `protocol` block of summary.json (docs/outputs.md). */
export interface ProtocolBlock {
  /** 'split': a seeded split of the table; 'train-table': a separate train table (`--train`). */
  kind: 'split' | 'train-table';
  /** Train share of each split (null for a train table). */
  fraction: number | null;
  splits: number;
  /** The train table's source (null for a split). */
  train: string | null;
  trainQueries: number;
  testQueries: number;
  baseline: typeof PROTOCOL_BASELINE;
  /** Hindsight baselines (best-static, oracle, most-accurate) look at the test stream itself. */
  hindsight: string[];
  policies: ProtocolPolicyRow[];
}

interface ProtocolSplitResult {
  testQueries: number;
  trainQueries: number;
  result: SimResult;
}

export function protocolBlock(o: { kind: 'split' | 'train-table'; fraction: number | null; train: string | null; splits: readonly ProtocolSplitResult[]; hindsight: string[]; models?: readonly string[] }): ProtocolBlock {
  const names = o.splits[0].result.policyNames;
  return { ...blockHead(o), policies: protocolRows(names, o.splits.map((s) => s.result.metrics), o.models) };
}

/** What every protocol block starts with: how the data was split, and the reference. */
function blockHead(o: { kind: 'split' | 'train-table'; fraction: number | null; train: string | null; splits: readonly { trainQueries: number; testQueries: number }[]; hindsight: string[] }): Omit<ProtocolBlock, 'policies'> {
  return {
    kind: o.kind,
    fraction: o.fraction,
    splits: o.splits.length,
    train: o.train,
    trainQueries: o.splits[0].trainQueries,
    testQueries: o.splits[0].testQueries,
    baseline: PROTOCOL_BASELINE,
    hindsight: o.hindsight,
  };
}

/** Gap closed per λ of a sweep (evaluate), each row set computed as for one λ. */
interface LambdaRows {
  lambda: number;
  policies: ProtocolPolicyRow[];
}

/** evaluate's protocol block: the main rows at `lambda` (with AIQ) and the rows of every λ of the grid. */
export type SweepProtocolBlock = ProtocolBlock & { lambda: number; byLambda: LambdaRows[] };

/** The grid λ nearest 0.5: the λ of evaluate's main protocol table. */
export function tableLambda(lambdas: readonly number[]): number {
  return lambdas.reduce((a, b) => (Math.abs(b - 0.5) < Math.abs(a - 0.5) ? b : a), lambdas[0]);
}

/**
 * The protocol block of a λ sweep: rows per λ from each split's replays, the main rows at `tableLambda`
 * with AIQ over the test points (policy and zero router, means over splits).
 */
export function sweepProtocolBlock(o: {
  kind: 'split' | 'train-table';
  fraction: number | null;
  train: string | null;
  hindsight: string[];
  lambdas: readonly number[];
  splits: readonly { trainQueries: number; testQueries: number; policyNames: readonly string[]; metrics: readonly (readonly (readonly RunMetrics[])[])[] }[];
  /** Per split: AIQ (family mean) of each policy, and of the zero router. */
  aiq: readonly { policies: readonly (number | null)[]; zeroRouter: number | null }[];
  /** The table's model ids, in selection-count order: the baseline's rows then say which models it chose. */
  models?: readonly string[];
}): SweepProtocolBlock {
  const names = o.splits[0].policyNames;
  const byLambda = o.lambdas.map((lambda, l) => ({ lambda, policies: protocolRows(names, o.splits.map((s) => s.metrics[l]), o.models) }));
  const l0 = o.lambdas.indexOf(tableLambda(o.lambdas));
  const finite = (xs: (number | null)[]): number => (xs.every((x) => x !== null && Number.isFinite(x)) ? mean(xs as number[]) : Number.NaN);
  const zero = finite(o.aiq.map((a) => a.zeroRouter));
  const rows = byLambda[l0].policies.map((r, p) => {
    const a = finite(o.aiq.map((x) => x.policies[p]));
    return { ...r, aiq: Number.isFinite(a) && Number.isFinite(zero) ? { policy: a, zeroRouter: zero, ratio: a / zero } : null };
  });
  return {
    ...blockHead(o),
    lambda: o.lambdas[l0],
    policies: rows,
    byLambda,
  };
}
