/**
 * An experiment made ready to run (app/experiment.ts runs it, app/merge.ts merges its shards): the config
 * parsed, its plugins and tables loaded and checked against each other, its jobs expanded.
 */
import { createHash } from 'node:crypto';
import { dirname, isAbsolute, resolve } from 'node:path';
import { SettingError, UsageError } from '../core/errors.js';
import { loadTable, isBuiltinSource } from '../data/load.js';
import { tableSha256, type PoolTable } from '../data/pool.js';
import { expandJobs, ExperimentContext, type Job } from '../sim/experiment.js';
import { checkAgainstTable, checkArms, checkColumns, checkPolicyNames, checkPoolAgainstTable, checkSourcesExist, checkTrainAgainstTable, contextFieldError } from './experimentChecks.js';
import { ContextError } from '../features/contextsFor.js';
import { armLabel, checkJobCount, fieldError, parseExperiment, resolveSourcePath, splitMember, yamlLine, type ExperimentConfig, type SplitSpec } from '../sim/experimentConfig.js';
import { compileRewardExpression } from '../sim/rewardExpression.js';
import type { JobSource } from '../sim/workers.js';
import { loadPolicyModule } from '../policies/registry.js';

/** An experiment ready to run: its config, table and the jobs it expands into. */
export interface PreparedExperiment {
  file: string;
  text: string;
  configSha256: string;
  cfg: ExperimentConfig;
  src: JobSource;
  table: PoolTable;
  sha256: string;
  ctx: ExperimentContext;
  jobs: Job[];
}

/**
 * Parse a config text, load its plugins and tables, check them against each other and expand the jobs (runs
 * overridden when given). With `checkArms` (default) each arm's contexts and policy are also made once, so a
 * run that would fail in a replay fails here, before its checkpoint exists; a merge of finished shards skips it.
 */
export async function prepareExperiment(file: string, text: string, runs?: number, member?: SplitSpec, o: { checkArms?: boolean; warn?: (msg: string) => void } = {}): Promise<PreparedExperiment> {
  const configSha256 = createHash('sha256').update(text).digest('hex');
  const parsed: ExperimentConfig = parseExperiment(text, file);
  // one split of a series (app/experimentSplits.ts)
  const cfg = member ? splitMember(parsed, member) : parsed;
  // plugin modules named by arms, relative to the YAML file (worker threads load the same files)
  for (const [i, a] of cfg.arms.entries()) {
    if (a.module === undefined) continue;
    try {
      await loadPolicyModule(isAbsolute(a.module) ? a.module : resolve(dirname(file), a.module));
    } catch (e) {
      // a missing or broken module is the file's problem: name its line and field, as every other check does
      if (e instanceof UsageError) throw fieldError(text, file, e.message, ['arms', i, 'module']);
      throw e;
    }
  }
  if (runs !== undefined) cfg.runs = runs;
  if (cfg.reward !== undefined) await compileRewardExpression(cfg.reward, { file, line: () => yamlLine(text, ['reward']), field: 'reward' });
  checkJobCount(cfg, cfg.runs, (m) => new SettingError((n) => `${n('runs')}: ${m}`));
  const rel = (p: string | undefined): string | undefined => resolveSourcePath(file, p, isBuiltinSource);
  const src = { source: rel(cfg.dataset)!, queries: rel(cfg.queries), models: rel(cfg.models), ...(cfg.train !== undefined ? { train: rel(cfg.train)! } : {}) };
  checkSourcesExist(file, text, { dataset: src.source, queries: src.queries, models: src.models, train: src.train }, isBuiltinSource);
  const table = await loadTable(src.source, { queries: src.queries, models: src.models, warn: o.warn });
  const sha256 = tableSha256(table);
  const trainTable = src.train !== undefined ? await loadTable(src.train, { warn: o.warn }) : undefined;
  if (trainTable) checkTrainAgainstTable(file, text, cfg, table, trainTable);
  checkColumns(file, text, cfg, table, trainTable);
  checkPoolAgainstTable(file, text, cfg, table);
  checkPolicyNames(file, text, cfg, table);
  let ctx: ExperimentContext;
  try {
    // under a split the contexts of the experiment's features are built here
    ctx = new ExperimentContext(table, cfg, trainTable);
  } catch (e) {
    if (e instanceof ContextError) throw contextFieldError(file, text, cfg, e);
    throw e;
  }
  checkAgainstTable(file, text, cfg, ctx, member);
  if (o.checkArms !== false) await checkArms(file, text, cfg, ctx, src);
  return { file, text, configSha256, cfg, src, table, sha256, ctx, jobs: expandJobs(cfg) };
}

/**
 * Expected cost of each job, for balancing shards (docs/model.md, "Shards"): one unit per step for the
 * replay and a non-contextual policy's counters, plus d²/16 for a contextual policy's d×d statistics.
 */
export function jobWeights(p: PreparedExperiment): number[] {
  const dims = p.cfg.arms.map((_, a) => {
    if (!p.ctx.arms[a].factory.contextual) return 0;
    const d = p.ctx.contextSet(p.ctx.featuresOf(a)).d;
    return (d * d) / 16;
  });
  return p.jobs.map((j) => 1 + dims[j.armIndex]);
}

/** Key of a job in checkpoints and shard checks. */
export const jobKey = (j: Job): string => `${j.lambdaIndex}/${j.armIndex}/${j.run}`;

/** A job as people read it: `λ=0.3 linucb run 2`. */
export function jobLabel(p: PreparedExperiment, key: string): string {
  const [l, a, r] = key.split('/').map(Number);
  const lambda = p.cfg.lambdas[l];
  const arm = p.cfg.arms[a];
  return `λ=${lambda ?? `#${l}`} ${arm ? armLabel(arm) : `arm #${a}`} run ${r}`;
}

