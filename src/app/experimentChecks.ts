/**
 * An experiment's settings checked against its tables before anything is written (app/experimentPrepare.ts):
 * each refusal names the YAML file, the line and the field, and comes before the checkpoint directory exists.
 */
import { existsSync } from 'node:fs';
import { DataError, keepWhole, UsageError } from '../core/errors.js';
import type { PoolTable } from '../data/pool.js';
import { resolvePolicies } from '../policies/registry.js';
import { ContextError } from '../features/contextsFor.js';
import { poolProblem, poolStepProblem, type ExperimentContext } from '../sim/experiment.js';
import { armLabel, fieldError, paramProblem, type ExperimentConfig, type SplitSpec } from '../sim/experimentConfig.js';
import type { ParamSpec } from '../policies/policy.js';
import { sameModelsProblem } from '../sim/protocol.js';
import { scenarioProblem } from '../sim/scenarioConfig.js';
import { tableHasLatency } from './runConfig.js';
import { checkArmsOnWorker } from '../sim/armCheck.js';
import { offThreadScript, type JobSource } from '../sim/workers.js';

/**
 * The data files the YAML names (dataset, queries, models, train; resolved beside it) must exist: the loader's
 * 'file not found' would name the path but not the field that holds it.
 */
export function checkSourcesExist(file: string, text: string, src: Partial<Record<'dataset' | 'queries' | 'models' | 'train', string>>, isBuiltin: (s: string) => boolean): void {
  for (const [field, p] of Object.entries(src)) {
    if (p === undefined || p.startsWith('hf://') || (field === 'dataset' && isBuiltin(p)) || existsSync(p)) continue;
    throw keepWhole(fieldError(text, file, `file not found: ${p}${field === 'dataset' ? ' (and not a built-in dataset: see `greenserv datasets list`)' : ''}`, [field]), p, '`greenserv datasets list`');
  }
}

/**
 * Each arm's policy name against the registry and the table's models (static:<model>), at the arm's line; and
 * a plugin arm's `params`, which parsing could not check before its module was loaded.
 */
export function checkPolicyNames(file: string, text: string, cfg: ExperimentConfig, table: PoolTable): void {
  cfg.arms.forEach((a, i) => {
    let specs: readonly ParamSpec[];
    try {
      specs = resolvePolicies([a.policy], [], table.models)[0].factory.params;
    } catch (e) {
      if (e instanceof UsageError) throw fieldError(text, file, e.message, ['arms', i, 'policy']);
      throw e;
    }
    for (const [key, v] of Object.entries(a.params ?? {})) {
      const spec = specs.find((p) => p.name === key);
      if (!spec) throw fieldError(text, file, `policy '${a.policy}' has no parameter '${key}'; valid parameters: ${specs.map((p) => p.name).join(', ') || '(none)'}`, ['arms', i, 'params', key]);
      const problem = paramProblem(spec, v);
      if (problem) throw fieldError(text, file, problem, ['arms', i, 'params', key]);
    }
  });
}

/** A pool model (initial, exclude, events) the table lacks, or a pool left with no model. */
export function checkPoolAgainstTable(file: string, text: string, cfg: ExperimentConfig, table: PoolTable): void {
  const pool = poolProblem(cfg, table);
  if (pool) throw fieldError(text, file, pool.message, pool.path);
}

/** A train table (`train:`) must have the dataset's models, no fewer and no others (docs/model.md §13). */
export function checkTrainAgainstTable(file: string, text: string, cfg: ExperimentConfig, table: PoolTable, train: PoolTable): void {
  const problem = sameModelsProblem(table, train, 'the dataset');
  if (problem) throw fieldError(text, file, `the train table '${cfg.train}' must have the same models as the dataset '${table.name}'; it ${problem}`, ['train']);
}

/** `maxLatency` and the reward's cost column (`cost: usd` or `latency`) need values in the dataset and the train table. */
export function checkColumns(file: string, text: string, cfg: ExperimentConfig, table: PoolTable, train?: PoolTable): void {
  if (cfg.maxLatency !== null && !tableHasLatency(table)) throw fieldError(text, file, `dataset '${table.name}' has no latency values`, ['maxLatency']);
  const has = (t: PoolTable): boolean => (cfg.cost === 'usd' ? t.costUsd !== null : cfg.cost === 'latency' ? tableHasLatency(t) : true);
  const what = cfg.cost === 'usd' ? 'cost_usd' : 'latency';
  if (!has(table)) throw fieldError(text, file, `dataset '${table.name}' has no ${what} values`, ['cost']);
  if (train && !has(train)) throw fieldError(text, file, `the train table '${cfg.train}' has no ${what} values`, ['cost']);
}

/**
 * The scenario fields (docs/model.md §11) and pool event steps against the replayed stream, and the arms that
 * need a budget or a train part: a run that would fail in its first replay is refused, at the field's line,
 * before a checkpoint or output directory exists.
 */
export function checkAgainstTable(file: string, text: string, cfg: ExperimentConfig, ctx: ExperimentContext, member?: SplitSpec): void {
  const problem = scenarioProblem(ctx.replay, cfg) ?? poolStepProblem(cfg, ctx.replay.nQueries);
  // in a series, which split's test stream the field does not fit
  if (problem) throw fieldError(text, file, member ? `${problem.message} (the test stream of the split with train share ${member.fraction})` : problem.message, problem.path);
  const trained = ctx.split ? -1 : ctx.arms.findIndex((a) => a.factory.train === true);
  if (trained >= 0) throw fieldError(text, file, `policy '${cfg.arms[trained].policy}' is trained on a train part: add split: <train share> or train: <table> to the experiment (docs/model.md §13)`, ['arms', trained, 'policy']);
  if (cfg.budget !== undefined) return;
  const i = ctx.arms.findIndex((a) => a.factory.budget === true);
  if (i >= 0) throw fieldError(text, file, `policy '${cfg.arms[i].policy}' needs a budget: add budget: energy=<Wh per query> (or usd=, latency=) to the experiment`, ['arms', i, 'policy']);
}

/** Where a feature choice the table cannot give was written: the arm's own features, or the experiment's. */
export function contextFieldError(file: string, text: string, cfg: ExperimentConfig, e: ContextError, arm?: number): DataError {
  const own = arm !== undefined && cfg.arms[arm].features !== undefined;
  if (e.setting === 'embedDim') return fieldError(text, file, own ? `arm '${armLabel(cfg.arms[arm!])}' has features: [embed]; ${e.message}` : e.message, ['embedDim']);
  return fieldError(text, file, e.message, own ? ['arms', arm!, 'features'] : ['features']);
}

/**
 * Build what the replays build first, once: the reward table at the first λ (and, for a reward expression that
 * uses lambda, at every λ of the grid), then each arm's contexts and policy. A refusal names the field
 * (`reward`, the arm's `features`, `embedDim`, the arm) instead of ending the first replay of that arm.
 */
export async function checkArms(file: string, text: string, cfg: ExperimentConfig, ctx: ExperimentContext, src?: JobSource): Promise<void> {
  const user = (e: unknown): e is Error => e instanceof UsageError || e instanceof DataError;
  const ls = cfg.lambdas;
  // not only the ends: an expression such as 1 / (lambda - 0.5) fails inside the grid
  const others = cfg.reward !== undefined && /\blambda\b/.test(cfg.reward) ? ls.map((_, l) => l).filter((l) => l !== 0) : [];
  // the first λ last, so its table is the one kept for the first jobs (one λ's table is held at a time)
  for (const l of [...others, 0]) {
    try {
      await ctx.rewardTable(l);
    } catch (e) {
      if (cfg.reward !== undefined && user(e)) throw fieldError(text, file, `${e.message} at λ = ${ls[l]}`, ['reward']);
      throw e;
    }
  }
  await ctx.scenario(0);
  const refuse = (a: number, e: unknown): never => {
    if (e instanceof ContextError) throw contextFieldError(file, text, cfg, e, a);
    if (user(e)) throw fieldError(text, file, `arm '${armLabel(cfg.arms[a])}': ${e.message}`, ['arms', a]);
    throw e;
  };
  // with a policy module loaded the arms are made on a worker thread (a create or fit that never returns then
  // blocks that thread, and signals are still heard here); their contexts first, here, arm by arm, so a
  // feature the table cannot give is reported at the same arm as below
  const script = src !== undefined ? offThreadScript() : null;
  if (script) {
    let upTo = cfg.arms.length;
    let contextError: unknown = null;
    for (let a = 0; a < cfg.arms.length && contextError === null; a++) {
      try {
        ctx.contextSet(ctx.featuresOf(a));
      } catch (e) {
        if (!(e instanceof ContextError)) throw e;
        upTo = a;
        contextError = e;
      }
    }
    const refused = await checkArmsOnWorker(script, src!, ctx.cfg, Array.from({ length: upTo }, (_, a) => a));
    if (refused) refuse(refused.arm, refused.error);
    if (contextError !== null) refuse(upTo, contextError);
    return;
  }
  for (let a = 0; a < cfg.arms.length; a++) {
    try {
      await ctx.createArm(a);
    } catch (e) {
      refuse(a, e);
    }
  }
}
