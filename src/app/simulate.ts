/**
 * The simulation use case: replay a table's query stream through routing policies, summarise, and write a
 * results directory. `simulate`, `regress` and the library API call it.
 */
import { AtomicDir } from '../core/atomic.js';
import { UsageError } from '../core/errors.js';
import { loadTable } from '../data/load.js';
import type { PoolTable } from '../data/pool.js';
import { ALL_FEATURES, type ComplexityBinning, type FeatureName } from '../features/context.js';
import { buildSummary, type Summary } from '../metrics/summary.js';
import { DEFAULT_POLICIES } from '../policies/registry.js';
import { writeSimulateOutputs, type StepsFormat } from '../report/simulateOutputs.js';
import type { OracleMode, Progress } from '../sim/engine.js';
import type { CostKind } from '../sim/reward.js';
import { compileRewardExpression } from '../sim/rewardExpression.js';
import { runSimulation, type PreparedRun, type SimulateOptions } from '../sim/run.js';
import { version } from './version.js';

export interface SimulateRun {
  prepared: PreparedRun;
  /** What summary.json holds. */
  summary: Summary;
}

/** Run the policies over an in-memory table and summarise (the table's derived features are filled in place). */
export async function simulateTable(table: PoolTable, o: SimulateOptions, progress?: Progress): Promise<SimulateRun> {
  const prepared = await runSimulation(table, o, progress);
  const summary = buildSummary({
    table,
    sha256: prepared.sha256,
    config: prepared.config,
    rewards: prepared.rewards,
    result: prepared.result,
    layout: prepared.layout,
    features: prepared.features,
    d: prepared.d,
  });
  return { prepared, summary };
}

/**
 * The policies `simulate` runs when none are named: every registered one, less the size baselines when the
 * table has no parameter counts (`dropped` says which were left out).
 */
export function defaultPolicies(table: PoolTable): { policies: string[]; dropped: string[] } {
  const policies = [...DEFAULT_POLICIES];
  if (!table.models.every((m) => Number.isNaN(m.paramsB))) return { policies, dropped: [] };
  const dropped = ['largest', 'smallest'];
  return { policies: policies.filter((p) => !dropped.includes(p)), dropped };
}

/** What a library caller gives `simulate`; every field but `data` has the CLI's default. */
export interface SimulateRequest {
  /** Built-in dataset name, a file, or a table already loaded (default greenserv-pool). */
  data?: string | PoolTable;
  queries?: string;
  models?: string;
  format?: string;
  offline?: boolean;
  /** Default: every registered policy (as `simulate` without --policies). */
  policies?: string[];
  /** `policy.param=value` overrides, e.g. `linucb.alpha=0.2`. */
  params?: string[];
  lambda?: number;
  runs?: number;
  seed?: number;
  semantics?: 'paper' | 'repo';
  oracle?: OracleMode;
  features?: FeatureName[];
  binning?: ComplexityBinning;
  cost?: CostKind;
  reward?: string;
  maxLatency?: number | null;
  progress?: Progress;
}

/** Load (when needed) and simulate with the CLI's defaults; the summary equals `simulate`'s summary.json. */
export async function simulate(req: SimulateRequest = {}): Promise<Summary> {
  const lambda = req.lambda ?? 0.5;
  if (!(lambda >= 0 && lambda <= 1)) throw new UsageError(`lambda must be in [0, 1], got ${lambda}`);
  if (req.reward !== undefined) await compileRewardExpression(req.reward, { field: 'reward' });
  const table = typeof req.data === 'object' ? req.data : await loadTable(req.data ?? 'greenserv-pool', { queries: req.queries, models: req.models, format: req.format, offline: req.offline });
  const policies = req.policies ?? defaultPolicies(table).policies;
  if (policies.length === 0) throw new UsageError('policies: no policy given');
  const run = await simulateTable(
    table,
    {
      policies,
      params: req.params ?? [],
      lambda,
      runs: req.runs ?? 5,
      seed: req.seed ?? 40,
      semantics: req.semantics ?? 'paper',
      oracle: req.oracle,
      features: req.features ?? [...ALL_FEATURES],
      binning: req.binning ?? 'thresholds',
      cost: req.cost ?? 'energy',
      reward: req.reward,
      maxLatency: req.maxLatency ?? null,
    },
    req.progress,
  );
  return run.summary;
}

/** How the run was asked for, as recorded in manifest.json beside what the run resolved. */
export interface SimulateRecord {
  source: string;
  binning: string;
  cost: string;
  reward?: string;
  queries?: string;
  models?: string;
  bounds?: string;
  energyModel?: string;
  steps: StepsFormat;
}

/** Write summary.json, runs.csv, the step trace and manifest.json atomically into `outDir`. */
export async function writeSimulateResults(outDir: string, table: PoolTable, run: SimulateRun, r: SimulateRecord, o: { force?: boolean; onDir?: (dir: AtomicDir) => void } = {}): Promise<void> {
  const { prepared, summary } = run;
  const c = prepared.config;
  const dir = new AtomicDir(outDir, o.force === true);
  o.onDir?.(dir);
  try {
    const files = ['summary.json', 'runs.csv', ...(r.steps === 'none' ? [] : [`steps.${r.steps}`]), 'manifest.json'];
    await writeSimulateOutputs(
      dir,
      summary,
      prepared.result,
      table,
      {
        schemaVersion: 1,
        command: 'simulate',
        greenserv: version(),
        node: process.version,
        dataset: { name: table.name, sha256: prepared.sha256, source: r.source },
        config: {
          policies: c.policies.map((p) => ({ name: p.name, params: p.params })),
          lambda: prepared.rewards.lambda,
          runs: c.runs,
          seed: c.seed,
          semantics: c.semantics,
          oracle: c.oracle,
          features: prepared.features,
          binning: r.binning,
          cost: r.cost,
          reward: r.reward ?? null,
          maxLatency: c.maxLatency ?? null,
          queries: r.queries ?? null,
          models: r.models ?? null,
          // only when given, so default manifests keep their bytes
          ...(r.bounds !== undefined ? { bounds: r.bounds } : {}),
          ...(r.energyModel !== undefined ? { energyModel: r.energyModel } : {}),
          steps: r.steps,
        },
        runSeeds: prepared.result.runSeeds,
        files,
      },
      r.steps,
    );
    dir.commit();
  } catch (e) {
    dir.abort();
    throw e;
  }
}
