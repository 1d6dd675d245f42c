/**
 * simulate's replay on one worker thread, for runs with policy modules: a plugin call that never returns then
 * blocks that thread, not the main one, whose event loop stays free to hear Ctrl-C and SIGTERM (a signal
 * handler cannot run while the main thread is in synchronous code). The worker replays the same table with
 * the same options, so the results are the same; runs without plugins keep the main-thread path. A long step
 * trace is spooled there too, into a directory this thread makes and removes (a signal reaches this thread only).
 */
import { Worker } from 'node:worker_threads';
import type { PoolTable } from '../data/pool.js';
import { policyModuleSources } from '../policies/plugins.js';
import { resolvePolicy } from '../policies/registry.js';
import { removeSpoolDirectory, spoolDirectory } from '../core/spool.js';
import { SpooledSteps, type Progress } from './engine.js';
import { LogRecorder } from './logRecorder.js';
import { runSimulation, type PreparedRun, type SimulateOptions } from './run.js';
import type { SpooledHandOver } from './stepRecorders.js';
import { rebuild, type PoolInit, type WorkerRequest, type WorkerResponse } from './workers.js';

export interface SimulateInit extends PoolInit {
  kind: 'simulate';
  table: PoolTable;
  options: SimulateOptions;
  /** Record a routing log (simulate --log) on the worker, handed back with the result. */
  log: boolean;
  /** Where a spooled step trace goes (made by the parent, which removes it); null: the trace stays in memory. */
  spoolDir: string | null;
}

type LogState = Parameters<LogRecorder['adopt']>[0];

export interface SimulateReply {
  prepared: PreparedRun;
  /** The table with the features the run filled in (the main thread's copy is updated as the replay would have). */
  table: PoolTable;
  log: LogState | null;
  /** The step trace when it was spooled (result.steps is then null): the parent adopts the spool's files. */
  spooled: SpooledHandOver | null;
}

export interface ProgressMessage {
  done: number;
  total: number;
  label: string;
  metrics: Parameters<Progress>[3];
}

/** The worker's side: replay, reporting progress through `post`, and reply with what the parent needs. */
export async function replayOnWorker(init: SimulateInit, post: (p: ProgressMessage) => void): Promise<SimulateReply> {
  const { table, options } = init;
  const log = init.log ? new LogRecorder(table.nQueries, options.runs) : null;
  const progress: Progress = (done, total, label, metrics) => post({ done, total, label, metrics });
  const prepared = await runSimulation(table, { ...options, ...(log ? { recorders: [log] } : {}) }, progress, init.spoolDir ?? undefined);
  // functions and recorders do not cross threads: the parent puts its own factories back
  const { config } = prepared;
  config.policies = config.policies.map((p) => ({ name: p.name, params: p.params }) as (typeof config.policies)[number]);
  delete config.recorders;
  // the parent's config, as on the main thread, names no directory
  delete config.stepsSpoolDir;
  const { steps } = prepared.result;
  const spooled = steps instanceof SpooledSteps ? steps.handOver() : null;
  if (spooled) prepared.result.steps = null;
  const state = log ? { run: log.run, query: log.query, model: log.model, propensity: log.propensity, reward: log.reward, hasPropensity: log.hasPropensity, length: log.length } : null;
  return { prepared, table, log: state, spooled };
}

/** The buffers of a reply's step trace and log, handed to the parent instead of copied (the thread ends after). */
export function replyBuffers(r: SimulateReply): ArrayBuffer[] {
  const steps = r.prepared.result.steps;
  const views: ArrayBufferView[] = [];
  if (steps && !(steps instanceof SpooledSteps)) views.push(steps.policy, steps.run, steps.step, steps.query, steps.model, steps.reward, steps.regret, steps.cumRegret, steps.accuracy, steps.energyJ);
  if (r.log) views.push(r.log.run, r.log.query, r.log.model, r.log.propensity, r.log.reward);
  return [...new Set(views.map((v) => v.buffer as ArrayBuffer))];
}

/** A directory for the worker's spool, or null when the trace is not spooled or no directory can be made. */
function workerSpoolDir(o: SimulateOptions): string | null {
  if (o.stepsSpoolRows === undefined || !o.recordSteps) return null;
  try {
    return spoolDirectory();
  } catch {
    // made before the run knows whether it spools, so a failure here must not fail a run that would not:
    // without a directory the worker keeps the trace in memory
    return null;
  }
}

/**
 * `runSimulation` on a worker thread running `script` (worker.js), which loads the same policy modules. A
 * LogRecorder among `o.recorders` is filled from the worker's. A spooled step trace is written by the worker
 * into a directory made (and tracked for signals) here and read from here; it is removed here when the run fails.
 */
export async function runSimulationOnWorker(script: string, table: PoolTable, o: SimulateOptions, progress?: Progress): Promise<PreparedRun> {
  const { recorders = [], ...rest } = o;
  const log = recorders.find((r): r is LogRecorder => r instanceof LogRecorder) ?? null;
  if (recorders.length > (log ? 1 : 0)) throw new Error('a replay on a worker thread takes no recorder other than the routing log');
  const w = new Worker(script);
  // made once the worker is constructed (which can throw), so that no failure before the try leaves it behind
  const spoolDir = workerSpoolDir(rest);
  const { stepsSpoolRows: _noDir, ...inMemory } = rest;
  const options = spoolDir !== null ? rest : inMemory;
  const init: SimulateInit = { kind: 'simulate', table, options, log: log !== null, spoolDir };
  let adopted = false;
  try {
    const reply = await new Promise<SimulateReply>((resolveReply, reject) => {
      w.on('message', (m: WorkerResponse) => {
        if (m.type === 'ready') w.postMessage({ type: 'task', id: 0, task: null } satisfies WorkerRequest);
        else if (m.type === 'progress') {
          const p = m.progress as ProgressMessage;
          try {
            progress?.(p.done, p.total, p.label, p.metrics);
          } catch (e) {
            reject(e);
          }
        } else if (m.type === 'result') resolveReply(m.result as SimulateReply);
        else reject(rebuild(m));
      });
      w.on('error', reject);
      w.on('exit', (code) => reject(new Error(`the worker thread of the replay stopped (exit code ${code}) before it was done`)));
      w.postMessage({ type: 'init', init, modules: policyModuleSources() } satisfies WorkerRequest);
    });
    const { prepared } = reply;
    for (const p of prepared.config.policies) p.factory = resolvePolicy(p.name, table.models);
    // the replay fills derived features into the table it is given: so does this one
    Object.assign(table, reply.table);
    if (log && reply.log) log.adopt(reply.log);
    // last: from here the trace's spool owns the directory and whoever reads the trace disposes of it
    if (reply.spooled) {
      prepared.result.steps = SpooledSteps.adopt(spoolDir!, reply.spooled);
      adopted = true;
    }
    return prepared;
  } finally {
    await w.terminate();
    // not spooled, or the run failed: nothing of the worker's is read from it
    if (spoolDir !== null && !adopted) removeSpoolDirectory(spoolDir);
  }
}
