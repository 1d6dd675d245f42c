/**
 * An experiment's up-front check of its arms (app/experimentChecks.ts) on a worker thread, for runs with policy
 * modules: making a plugin's policy (its create, its fit) could otherwise never return on the main thread,
 * whose signal handlers then never run. The worker builds the context the jobs' workers build, makes each arm
 * once in order and reports the first refusal with its wording, so the caller words it as before.
 */
import { loadTable } from '../data/load.js';
import { errorResponse, rebuild, runPool, type ExperimentInit, type JobSource, type WorkerResponse } from './workers.js';
import { ExperimentContext } from './experiment.js';
import type { ExperimentConfig } from './experimentConfig.js';

export interface ArmCheckInit extends Omit<ExperimentInit, 'kind'> {
  kind: 'arm-check';
}

type ArmOutcome = Extract<WorkerResponse, { type: 'error' }> | null;

/** The worker's side: arm index → null, or the error making it threw (sent as a result, so the parent knows which arm). */
export async function armCheckTasks(init: ArmCheckInit): Promise<(a: number) => Promise<ArmOutcome>> {
  const table = await loadTable(init.source, { queries: init.queries, models: init.models });
  const train = init.train !== undefined ? await loadTable(init.train) : undefined;
  const ctx = new ExperimentContext(table, init.cfg, train);
  return async (a) => {
    try {
      await ctx.createArm(a);
      return null;
    } catch (e) {
      return errorResponse(e, a) as ArmOutcome;
    }
  };
}

/** Make arms `arms` once each, in order, on a worker thread running `script`: the first refusal and its arm, or null. */
export async function checkArmsOnWorker(script: string, src: JobSource, cfg: ExperimentConfig, arms: readonly number[]): Promise<{ arm: number; error: Error } | null> {
  const init: ArmCheckInit = { kind: 'arm-check', source: src.source, queries: src.queries, models: src.models, ...(src.train !== undefined ? { train: src.train } : {}), cfg };
  let refused: { arm: number; error: Error } | null = null;
  const stop = new Error('arm refused');
  try {
    await runPool<number, ArmOutcome>(script, init, arms, 1, (id, r) => {
      if (r === null) return;
      refused = { arm: arms[id], error: rebuild(r) };
      // ends the pool: the arms after a refused one are not made, as on the main thread
      throw stop;
    });
  } catch (e) {
    if (e !== stop) throw e;
  }
  return refused;
}
