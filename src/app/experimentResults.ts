/**
 * An experiment's results directory: the finished jobs aggregated (with the event reference of a scenario and
 * the protocol block of a split or train table) and written atomically.
 */
import { aggregateExperiment, rewardDigest, type ExperimentSummary, type RewardDigest } from '../metrics/experiment.js';
import { buildProfile } from '../metrics/profile.js';
import { profileJson } from '../report/profile.js';
import { toJson } from '../metrics/summary.js';
import { AtomicDir } from '../core/atomic.js';
import type { Inputs } from '../core/outputGuard.js';
import { experimentInputs } from './experimentFiles.js';
import { experimentCharts } from '../report/charts.js';
import { writeChartsAndReport, writeExperimentData } from '../report/experimentOutputs.js';
import { latencyFeasibility } from '../sim/actions.js';
import { runSeed } from '../sim/engine.js';
import { windowStatic, type WindowStatic } from '../sim/eventReference.js';
import type { RewardTable } from '../sim/reward.js';
import { DEFAULT_EVENT_WINDOW, eventList, wantsScenario } from '../metrics/scenario.js';
import type { JobResult } from '../sim/experiment.js';
import { armLabel, splitFractionOf, type ExperimentConfig } from '../sim/experimentConfig.js';
import type { PreparedSplit } from '../sim/protocol.js';
import { sweepProtocolBlock, type SweepProtocolBlock } from '../metrics/protocol.js';
import { protocolCsv } from '../report/protocol.js';
import { HINDSIGHT_POLICIES } from './evaluateProtocol.js';
import type { PreparedExperiment } from './experimentPrepare.js';
import { version } from './version.js';

/** The best fixed model of each event window at the l-th λ (docs/model.md §11.7). */
async function eventReference(p: PreparedExperiment, l: number, rw: RewardTable): Promise<WindowStatic[][]> {
  const { cfg, ctx } = p;
  const Q = ctx.replay.nQueries;
  const W = cfg.eventWindow ?? DEFAULT_EVENT_WINDOW;
  const windows = eventList(cfg).map((e) => ({ from: e.step, to: Math.min(Q, e.step + W) }));
  const runs = Array.from({ length: cfg.runs }, (_, r) => r);
  const drift = (await ctx.scenario(l))?.drift ?? null;
  const ref = { seed: cfg.seed, oracle: ctx.semantics.oracle, initialModels: ctx.pool.initial, events: ctx.pool.events, drift, maxLatency: cfg.maxLatency };
  return windowStatic(ctx.replay, rw, ref, runs, windows);
}

/** Aggregate the finished jobs (in job order) and write the results directory atomically. */
export async function writeExperimentResults(
  p: PreparedExperiment,
  results: JobResult[],
  o: { out: string; force?: boolean; charts?: boolean; onPhase?: (text: string) => void | Promise<void>; inputs?: Inputs },
): Promise<ExperimentSummary> {
  const { cfg, table, sha256, ctx, text } = p;
  await o.onPhase?.('aggregating…');
  // one λ's reward table at a time (the context keeps only the latest)
  const rewards: RewardDigest[] = [];
  const events = eventList(cfg);
  const windowStatic = wantsScenario(cfg) && events.length > 0 ? new Map<number, WindowStatic[][]>() : undefined;
  // the oracle total is regret's reference: the best feasible model under the latency filter
  const feasible = cfg.maxLatency !== null ? latencyFeasibility(ctx.replay, cfg.maxLatency).feasible : null;
  for (let l = 0; l < cfg.lambdas.length; l++) {
    const rw = await ctx.rewardTable(l);
    rewards.push(rewardDigest(ctx.replay, rw, feasible));
    if (windowStatic) windowStatic.set(cfg.lambdas[l], await eventReference(p, l, rw));
  }
  const agg = aggregateExperiment({ cfg, table: ctx.replay, sha256, results, rewards, params: ctx.arms.map((a) => a.params), runs: cfg.runs, windowStatic });
  if (ctx.split) {
    // the protocol's rows per λ from the same replays (docs/model.md §13); split or train table
    agg.summary.schemaVersion = 2;
    agg.summary.protocol = experimentProtocol(cfg, ctx.split, results);
  }
  const dir = new AtomicDir(o.out, o.force === true, [...experimentInputs(p.file, cfg, o.out), ...(o.inputs ?? [])]);
  try {
    const manifest = {
      schemaVersion: 1,
      command: 'experiment run',
      greenserv: version(),
      node: process.version,
      experiment: cfg.name,
      dataset: { name: table.name, sha256, source: cfg.dataset },
      config: cfg,
      runSeeds: Array.from({ length: cfg.runs }, (_, r) => runSeed(cfg.seed, r)),
    };
    writeExperimentData(dir, agg, text);
    if (agg.summary.protocol) dir.write('protocol.csv', protocolCsv(agg.summary.protocol));
    dir.write('manifest.json', toJson(manifest));
    // the dataset's model profile (front, static baselines) at the λ nearest 0.5, for the report
    const lambda = cfg.lambdas.reduce((b, l) => (Math.abs(l - 0.5) < Math.abs(b - 0.5) ? l : b), cfg.lambdas[0]);
    const profile = await buildProfile(table, { lambda, cost: cfg.cost === 'usd' ? 'usd' : cfg.cost === 'latency' ? 'latency' : 'energy' });
    dir.write('profile.json', profileJson(profile));
    if (o.charts !== false) {
      await o.onPhase?.(`drawing ${experimentCharts(agg).length} charts and report.html…`);
      await writeChartsAndReport(dir, agg, text, manifest, profile);
    }
    await dir.commitSettled();
  } catch (e) {
    dir.abort();
    throw e;
  }
  return agg.summary;
}

/** The protocol block of an experiment with a split or a train table: arms by label, rows at every λ. */
function experimentProtocol(cfg: ExperimentConfig, split: PreparedSplit, results: readonly JobResult[]): SweepProtocolBlock {
  const labels = cfg.arms.map(armLabel);
  const metrics = cfg.lambdas.map((_, l) =>
    cfg.arms.map((_a, a) =>
      results
        .filter((r) => r.job.lambdaIndex === l && r.job.armIndex === a)
        .sort((x, y) => x.job.run - y.job.run)
        .map((r) => r.metrics),
    ),
  );
  return sweepProtocolBlock({
    kind: cfg.split !== undefined ? 'split' : 'train-table',
    fraction: splitFractionOf(cfg) ?? null,
    train: cfg.train ?? null,
    hindsight: HINDSIGHT_POLICIES,
    lambdas: cfg.lambdas,
    splits: [{ trainQueries: split.trainRows.length, testQueries: split.nTest, policyNames: labels, metrics }],
    aiq: [{ policies: [], zeroRouter: null }],
    models: split.test.models.map((m) => m.id),
  });
}
