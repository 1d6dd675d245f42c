/**
 * An experiment's settings checked against its table before anything is built or written (app/experiment.ts):
 * each refusal names the YAML file, the line and the field.
 */
import type { PoolTable } from '../data/pool.js';
import { poolProblem, type ExperimentContext } from '../sim/experiment.js';
import { fieldError, type ExperimentConfig, type SplitSpec } from '../sim/experimentConfig.js';
import { sameModelsProblem } from '../sim/protocol.js';
import { scenarioProblem } from '../sim/scenarioConfig.js';

/** A pool model (initial, exclude, events) the table lacks. */
export function checkPoolAgainstTable(file: string, text: string, cfg: ExperimentConfig, table: PoolTable): void {
  const pool = poolProblem(cfg, table);
  if (pool) throw fieldError(text, file, pool.message, pool.path);
}

/** A train table (`train:`) must have the dataset's models, no fewer and no others (docs/model.md §13). */
export function checkTrainAgainstTable(file: string, text: string, cfg: ExperimentConfig, table: PoolTable, train: PoolTable): void {
  const problem = sameModelsProblem(table, train, 'the dataset');
  if (problem) throw fieldError(text, file, `the train table '${cfg.train}' must have the same models as the dataset '${table.name}'; it ${problem}`, ['train']);
}

/**
 * The scenario fields (docs/model.md §11) against the replayed stream, and the budgeted arms against `budget`:
 * a run that would fail in its first replay is refused, at the field's line, before a checkpoint or output
 * directory exists.
 */
export function checkAgainstTable(file: string, text: string, cfg: ExperimentConfig, ctx: ExperimentContext, member?: SplitSpec): void {
  const problem = scenarioProblem(ctx.replay, cfg);
  // in a series, which split's test stream the field does not fit
  if (problem) throw fieldError(text, file, member ? `${problem.message} (the test stream of the split with train share ${member.fraction})` : problem.message, problem.path);
  if (cfg.budget !== undefined) return;
  const i = ctx.arms.findIndex((a) => a.factory.budget === true);
  if (i >= 0) throw fieldError(text, file, `policy '${cfg.arms[i].policy}' needs a budget: add budget: energy=<Wh per query> (or usd=, latency=) to the experiment`, ['arms', i, 'policy']);
}
