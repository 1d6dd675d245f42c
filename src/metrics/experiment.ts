/**
 * Aggregates experiment jobs into the experiment summary: per (λ, arm) statistics across runs, pairwise
 * significance (Mann–Whitney U + Benjamini–Hochberg, docs/model.md §7 X1), curves (mean cumulative regret with a 95%
 * interval, moving-average regret, window 50) and selection shares per 25-query window, single-model
 * reference points, and the comparison with published figures.
 */
import type { SweepProtocolBlock } from './protocol.js';
import type { PoolTable } from '../data/pool.js';
import type { JobResult } from '../sim/experiment.js';
import { armLabel, type ExperimentConfig } from '../sim/experimentConfig.js';
import type { RewardTable } from '../sim/reward.js';
import { oracleTotal } from '../sim/actions.js';
import { scenarioSummary, type ScenarioSummary } from './scenario.js';
import type { WindowStatic } from '../sim/eventReference.js';
import { benjaminiHochberg, mannWhitneyU, meanSd, meanSdCi, movingAverage, snapNearTies, tCritical95, type MeanSd, type MeanSdCi } from './stats.js';

const EXPERIMENT_SCHEMA_VERSION = 1;
export const MA_WINDOW = 50;
export const SELECTION_WINDOW = 25;

export interface CellSummary {
  lambda: number;
  label: string;
  policy: string;
  params: Record<string, number>;
  features: string[];
  finalRegret: MeanSdCi;
  reward: MeanSd;
  accuracy: MeanSd;
  energyWh: MeanSd;
  costNorm: MeanSd;
  latencyS: MeanSd;
  selection: Record<string, number>;
  perRun: { run: number; seed: number; finalRegret: number; reward: number; accuracy: number; energyWh: number }[];
}

interface PairTest {
  lambda: number;
  a: string;
  b: string;
  u: number;
  p: number;
  pAdjusted: number;
  significant: boolean;
  method: string;
}

export interface ModelPoint {
  id: string;
  paramsB: number | null;
  accuracy: number;
  /** Σ energy over every query of the table / 3600 (the "individual model" points of docs/model.md §7 X1). */
  energyWh: number;
  /** Mean reward per λ, in lambdas order. */
  reward: number[];
  onFront: boolean;
}

interface Comparison {
  lambda: number;
  label: string;
  metric: string;
  ours: number;
  published: number;
  gapPct: number;
}

export interface ExperimentSummary {
  schemaVersion: number;
  kind: 'experiment';
  name: string;
  title: string | null;
  dataset: { name: string; queries: number; models: number; sha256: string };
  semantics: string;
  oracle: string;
  runs: number;
  seed: number;
  lambdas: number[];
  oracleTotal: number[];
  events: { step: number; remove: string[]; add: string[] }[];
  cells: CellSummary[];
  significance: PairTest[];
  models: ModelPoint[];
  comparison: { source: string; semantics: string; rows: Comparison[] } | null;
  /** The train/test protocol (`split:`, schemaVersion 2; docs/outputs.md): absent for the online protocol. */
  protocol?: SweepProtocolBlock;
  /** Budget adherence and post-event regret (docs/model.md §11); only when a scenario is used. */
  scenario?: ScenarioSummary;
}

/** Per-step curves of one (λ, arm) cell. */
export interface CellCurves {
  lambda: number;
  label: string;
  meanCum: Float64Array;
  ciLo: Float64Array;
  ciHi: Float64Array;
  movingAvg: Float64Array;
}

export interface SelectionWindows {
  lambda: number;
  label: string;
  /** [window][model] share of picks over all runs. */
  windowStart: number[];
  share: Float64Array[];
}

export interface ExperimentAggregate {
  summary: ExperimentSummary;
  curves: CellCurves[];
  selection: SelectionWindows[];
}

interface AggregateInput {
  cfg: ExperimentConfig;
  table: PoolTable;
  sha256: string;
  results: JobResult[];
  /** Per λ, what the summary needs of its reward table (made one λ at a time: the tables are not all held). */
  rewards: RewardDigest[];
  params: Record<string, number>[];
  runs: number;
  /** Per λ, the best fixed model of each event window (docs/model.md §11.7), when the experiment has events. */
  windowStatic?: Map<number, WindowStatic[][]>;
}

/** Accuracy-vs-energy Pareto front (maximise accuracy, minimise Wh): a model is on it when no other model is at least as good on both and better on one. */
export function paretoFlags(points: { accuracy: number; energyWh: number }[]): boolean[] {
  return points.map((p, i) =>
    !points.some((o, j) => j !== i && o.accuracy >= p.accuracy && o.energyWh <= p.energyWh && (o.accuracy > p.accuracy || o.energyWh < p.energyWh)),
  );
}

/** What the summary reads of one λ's reward table: per model, the sum of rewards over present cells; the oracle's total (feasible models only under `maxLatency`, docs/model.md §5.7). */
export interface RewardDigest {
  modelSum: Float64Array;
  oracleTotal: number;
}

export function rewardDigest(t: PoolTable, rw: RewardTable, feasible: Uint8Array | null = null): RewardDigest {
  const M = t.nModels;
  const modelSum = new Float64Array(M);
  // summed in the order the per-model means always were (model by model, queries in order)
  for (let j = 0; j < M; j++) {
    let s = 0;
    for (let q = 0; q < t.nQueries; q++) {
      const i = q * M + j;
      if (t.present[i]) s += rw.rewards[i];
    }
    modelSum[j] = s;
  }
  return { modelSum, oracleTotal: oracleTotal(rw, t.present, M, feasible) };
}

export function modelPoints(t: PoolTable, rewards: RewardDigest[]): ModelPoint[] {
  const M = t.nModels;
  const pts = t.models.map((m, j) => {
    let acc = 0;
    let nAcc = 0;
    let e = 0;
    let n = 0;
    for (let q = 0; q < t.nQueries; q++) {
      const i = q * M + j;
      if (!t.present[i]) continue;
      n++;
      if (!Number.isNaN(t.accuracy[i])) {
        acc += t.accuracy[i];
        nAcc++;
      }
      if (!Number.isNaN(t.energyJ[i])) e += t.energyJ[i];
    }
    const rs = rewards.map((d) => d.modelSum[j]);
    return {
      id: m.id,
      paramsB: Number.isNaN(m.paramsB) ? null : m.paramsB,
      accuracy: nAcc ? acc / nAcc : Number.NaN,
      energyWh: e / 3600,
      reward: rs.map((s) => (n ? s / n : Number.NaN)),
      onFront: false,
    };
  });
  const front = paretoFlags(pts);
  pts.forEach((p, i) => (p.onFront = front[i]));
  return pts;
}

/**
 * Pairwise two-sided Mann–Whitney U on the final regret of the cells of one λ, Benjamini–Hochberg corrected
 * over those pairs (docs/model.md §7). Regrets equal but for the rounding of their summation order (a fixed
 * model's, in every run) are ties, as they are in the published tests (snapNearTies).
 */
export function pairwiseTests(lambda: number, cells: readonly { label: string; perRun: readonly { finalRegret: number }[] }[]): PairTest[] {
  const pairs: Omit<PairTest, 'pAdjusted' | 'significant'>[] = [];
  for (let i = 0; i < cells.length; i++) {
    for (let j = i + 1; j < cells.length; j++) {
      const r = mannWhitneyU(
        ...snapNearTies(
          cells[i].perRun.map((x) => x.finalRegret),
          cells[j].perRun.map((x) => x.finalRegret),
        ),
      );
      pairs.push({ lambda, a: cells[i].label, b: cells[j].label, u: r.u1, p: r.p, method: r.method });
    }
  }
  const adj = benjaminiHochberg(pairs.map((p) => p.p));
  return pairs.map((p, k) => ({ ...p, pAdjusted: adj[k], significant: adj[k] < 0.05 }));
}

export function aggregateExperiment(inp: AggregateInput): ExperimentAggregate {
  const { cfg, table: t, results } = inp;
  const Q = t.nQueries;
  const M = t.nModels;
  const R = inp.runs;
  const byCell = new Map<string, JobResult[]>();
  for (const r of results) {
    const key = `${r.job.lambdaIndex}/${r.job.armIndex}`;
    const list = byCell.get(key) ?? [];
    list.push(r);
    byCell.set(key, list);
  }
  const cells: CellSummary[] = [];
  const curves: CellCurves[] = [];
  const selection: SelectionWindows[] = [];
  const tcrit = R > 1 ? tCritical95(R - 1) : 0;
  cfg.lambdas.forEach((lambda, l) => {
    cfg.arms.forEach((arm, a) => {
      const rs = (byCell.get(`${l}/${a}`) ?? []).sort((x, y) => x.job.run - y.job.run);
      const label = armLabel(arm);
      const sel = new Float64Array(M);
      for (const r of rs) for (let m = 0; m < M; m++) sel[m] += r.metrics.selection[m];
      // keyed by model id: no prototype, so an id such as __proto__ is an ordinary key
      const selRec: Record<string, number> = Object.create(null);
      for (let m = 0; m < M; m++) if (sel[m] > 0) selRec[t.models[m].id] = sel[m] / (Q * rs.length);
      cells.push({
        lambda,
        label,
        policy: arm.policy,
        params: inp.params[a],
        features: arm.features ?? cfg.features,
        finalRegret: meanSdCi(rs.map((r) => r.metrics.finalRegret)),
        reward: meanSd(rs.map((r) => r.metrics.meanReward)),
        accuracy: meanSd(rs.map((r) => r.metrics.accuracy)),
        energyWh: meanSd(rs.map((r) => r.metrics.energyWh)),
        costNorm: meanSd(rs.map((r) => r.metrics.costNorm)),
        latencyS: meanSd(rs.map((r) => r.metrics.latencyS)),
        selection: selRec,
        perRun: rs.map((r) => ({
          run: r.job.run,
          seed: r.metrics.seed,
          finalRegret: r.metrics.finalRegret,
          reward: r.metrics.meanReward,
          accuracy: r.metrics.accuracy,
          energyWh: r.metrics.energyWh,
        })),
      });
      // curves across runs, step by step
      const meanCum = new Float64Array(Q);
      const ciLo = new Float64Array(Q);
      const ciHi = new Float64Array(Q);
      const movingAvg = new Float64Array(Q);
      const cum = new Float64Array(rs.length);
      const ma = new Float64Array(Q);
      for (const r of rs) {
        movingAverage(r.stepRegret, MA_WINDOW, ma);
        for (let s = 0; s < Q; s++) movingAvg[s] += ma[s] / rs.length;
      }
      for (let s = 0; s < Q; s++) {
        let sum = 0;
        for (let k = 0; k < rs.length; k++) {
          cum[k] += rs[k].stepRegret[s];
          sum += cum[k];
        }
        const m = sum / rs.length;
        let ss = 0;
        for (let k = 0; k < rs.length; k++) ss += (cum[k] - m) * (cum[k] - m);
        const half = rs.length > 1 ? (tcrit * Math.sqrt(ss / (rs.length - 1))) / Math.sqrt(rs.length) : 0;
        meanCum[s] = m;
        ciLo[s] = m - half;
        ciHi[s] = m + half;
      }
      curves.push({ lambda, label, meanCum, ciLo, ciHi, movingAvg });
      const nW = Math.ceil(Q / SELECTION_WINDOW);
      const share = Array.from({ length: nW }, () => new Float64Array(M));
      for (const r of rs) for (let s = 0; s < Q; s++) share[Math.floor(s / SELECTION_WINDOW)][r.chosen[s]]++;
      share.forEach((row, w) => {
        const size = Math.min(SELECTION_WINDOW, Q - w * SELECTION_WINDOW) * rs.length;
        for (let m = 0; m < M; m++) row[m] /= size;
      });
      selection.push({ lambda, label, windowStart: Array.from({ length: nW }, (_, w) => w * SELECTION_WINDOW), share });
    });
  });

  const significance: PairTest[] = cfg.lambdas.flatMap((lambda) => pairwiseTests(lambda, cells.filter((c) => c.lambda === lambda)));

  let comparison: ExperimentSummary['comparison'] = null;
  if (cfg.expected) {
    const rows: Comparison[] = [];
    for (const v of cfg.expected.values) {
      const c = cells.find((x) => x.label === v.label && Math.abs(x.lambda - v.lambda) < 1e-9);
      if (!c) continue;
      const metrics: [string, number | undefined, number][] = [
        ['finalRegret', v.finalRegret, c.finalRegret.mean],
        ['accuracy', v.accuracy, c.accuracy.mean],
        ['energyWh', v.energyWh, c.energyWh.mean],
        ['reward', v.reward, c.reward.mean],
      ];
      for (const [metric, pub, ours] of metrics) {
        if (pub === undefined) continue;
        rows.push({ lambda: v.lambda, label: v.label, metric, ours, published: pub, gapPct: pub !== 0 ? (100 * (ours - pub)) / Math.abs(pub) : Number.NaN });
      }
    }
    comparison = { source: cfg.expected.source, semantics: cfg.expected.semantics, rows };
  }

  const oracleTotal = inp.rewards.map((d) => d.oracleTotal);
  const summary: ExperimentSummary = {
    schemaVersion: EXPERIMENT_SCHEMA_VERSION,
    kind: 'experiment',
    name: cfg.name,
    title: cfg.title ?? null,
    dataset: { name: t.name, queries: Q, models: M, sha256: inp.sha256 },
    semantics: cfg.semantics,
    oracle: cfg.oracle ?? (cfg.semantics === 'repo' ? 'full' : 'pool'),
    runs: R,
    seed: cfg.seed,
    lambdas: cfg.lambdas,
    oracleTotal,
    events: (cfg.pool?.events ?? []).map((e) => ({ step: e.step, remove: e.remove ?? [], add: e.add ?? [] })),
    cells,
    significance,
    models: modelPoints(t, inp.rewards),
    comparison,
  };
  const scenario = scenarioSummary(cfg, t, (l, a) => (byCell.get(`${l}/${a}`) ?? []).sort((x, y) => x.job.run - y.job.run), inp.windowStatic);
  if (scenario) summary.scenario = scenario;
  return { summary, curves, selection };
}
