/**
 * The one worker pool: experiment jobs and λ-sweep blocks run on worker threads through it. Tasks go out in
 * order to whichever worker is free; results are stored by task index, and every task is deterministic, so
 * the output does not depend on the worker count. Worker threads run the compiled worker.js next to this
 * module; when this module is not compiled (the TypeScript sources under test) callers run inline.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DataError, PluginError, SettingError, UsageError, type Wording } from '../core/errors.js';
import { policyModuleSources, policyModules } from '../policies/plugins.js';
import { policiesFromCode } from '../policies/registry.js';
import type { ExperimentContext, Job, JobResult } from './experiment.js';
import type { ExperimentConfig } from './experimentConfig.js';

/** What a worker builds once before taking tasks; `kind` picks the builder in worker.ts. */
export interface PoolInit {
  kind: string;
}

export interface ExperimentInit extends PoolInit {
  kind: 'experiment';
  source: string;
  queries?: string;
  models?: string;
  train?: string;
  cfg: ExperimentConfig;
}

/** `modules`: policy plugin files loaded in the parent (and how it names them), loaded again in each worker before it builds. */
export type WorkerRequest = { type: 'init'; init: PoolInit; modules: { path: string; as: string }[] } | { type: 'task'; id: number; task: unknown };
export type WorkerResponse =
  | { type: 'ready' }
  | { type: 'result'; id: number; result: unknown }
  | { type: 'progress'; id: number; progress: unknown }
  /** `worded`: the message with field names marked (errorResponse), for a SettingError (`setting`) or DataError. */
  | { type: 'error'; id: number; message: string; name: string; worded?: string; setting?: boolean };

/** The compiled worker script beside this module, or null when running from sources. */
export function workerScript(): string | null {
  return scriptBeside(import.meta.url, './worker.js');
}

/**
 * The worker script to run work on (`script`, by default workerScript()) when it must leave this thread: for
 * parallel jobs, and whenever policy modules are loaded, so a plugin call that never returns blocks a worker
 * and this thread still hears Ctrl-C and SIGTERM — but not when a policy was added from code, which no worker
 * can import (parallel work with one is refused before: app/policies.ts checkThreadBound). Null: run it here.
 */
export function offThreadScript(parallel = false, script: () => string | null = workerScript): string | null {
  return parallel || (policyModules().length > 0 && policiesFromCode().size === 0) ? script() : null;
}

/** The compiled script `name` beside the module at `moduleUrl`, or null when that module is not compiled. */
export function scriptBeside(moduleUrl: string, name: string): string | null {
  if (!fileURLToPath(moduleUrl).endsWith('.js')) return null;
  const script = fileURLToPath(new URL(name, moduleUrl));
  return existsSync(script) ? script : null;
}

// a worded error's field names travel marked, so the parent words them again (by flag at the command line)
const OPEN = '\u0000';
const CLOSE = '\u0001';
const MARKED = /\u0000([^\u0001]*)\u0001/g;

/** An error as a worker sends it: a SettingError or worded DataError keeps its wording. */
export function errorResponse(e: unknown, id: number): WorkerResponse {
  const x = e instanceof Error ? e : new Error(String(e));
  const base = { type: 'error' as const, id, message: x.message, name: x.name };
  if (x instanceof SettingError) return { ...base, worded: x.worded((f) => `${OPEN}${f}${CLOSE}`), setting: true };
  if (x instanceof DataError) return { ...base, worded: x.worded((f) => `${OPEN}${f}${CLOSE}`) };
  return base;
}

/**
 * A worker's error as the class the CLI maps to its exit code; a worded one is worded again by whoever shows
 * it, so its message is the same whichever thread raised it.
 */
export function rebuild(m: Extract<WorkerResponse, { type: 'error' }>): Error {
  if (m.worded !== undefined) {
    const text = m.worded;
    const render: Wording = (name) => text.replace(MARKED, (_, f: string) => name(f));
    return m.setting ? new SettingError(render) : new DataError(render);
  }
  const Err = m.name === 'DataError' ? DataError : m.name === 'UsageError' ? UsageError : m.name === 'PluginError' ? PluginError : Error;
  return new Err(m.message);
}

/**
 * Run `tasks` on `n` worker threads built from `init`; `onResult` gets each result with its task index as it
 * arrives (an exception from it ends the pool with that error). Workers are always terminated.
 */
export async function runPool<T, R>(script: string, init: PoolInit, tasks: readonly T[], n: number, onResult: (id: number, result: R) => void): Promise<void> {
  let next = 0;
  const pool: Worker[] = [];
  try {
    await Promise.all(
      Array.from(
        { length: Math.max(1, Math.min(n, tasks.length)) },
        () =>
          new Promise<void>((resolveWorker, reject) => {
            const w = new Worker(script);
            pool.push(w);
            const send = (m: WorkerRequest): void => w.postMessage(m);
            const feed = (): void => {
              if (next >= tasks.length) {
                resolveWorker();
                return;
              }
              const id = next++;
              send({ type: 'task', id, task: tasks[id] });
            };
            w.on('message', (m: WorkerResponse) => {
              if (m.type === 'ready') feed();
              else if (m.type === 'progress') return;
              else if (m.type === 'result') {
                // a failing callback (e.g. a full disk while checkpointing) ends the run with its error
                try {
                  onResult(m.id, m.result as R);
                } catch (e) {
                  reject(e);
                  return;
                }
                feed();
              } else reject(rebuild(m));
            });
            w.on('error', reject);
            // a thread that ends (a plugin's process.exit) sends nothing more: without this the pool waited
            // for it until the event loop ran dry and the process quit with no message
            w.on('exit', (code) => reject(new Error(`a worker thread stopped (exit code ${code}) before its tasks were done`)));
            send({ type: 'init', init, modules: policyModuleSources() });
          }),
      ),
    );
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}

export interface JobSource {
  source: string;
  queries?: string;
  models?: string;
  /** The experiment's separate training table (`train:`), resolved. */
  train?: string;
}

/**
 * Experiment jobs inline or on worker threads. `ctx` is the caller's context (table, config, shared reward
 * tables and contexts): inline runs use it, so what they compute is reused afterwards; workers build their
 * own from `src`. Results come back in job order.
 */
export async function runJobs(
  ctx: ExperimentContext,
  src: JobSource,
  jobs: Job[],
  workers: number,
  onResult?: (r: JobResult, done: number, total: number) => void,
): Promise<JobResult[]> {
  const out = new Array<JobResult>(jobs.length);
  let done = 0;
  const n = Math.max(1, Math.min(workers, jobs.length));
  const script = offThreadScript(n > 1);
  if (!script) {
    for (let i = 0; i < jobs.length; i++) {
      out[i] = await ctx.run(jobs[i]);
      onResult?.(out[i], ++done, jobs.length);
      // let signal handlers and progress output run between replays
      await new Promise((r) => setImmediate(r));
    }
    return out;
  }
  const init: ExperimentInit = { kind: 'experiment', source: src.source, queries: src.queries, models: src.models, ...(src.train !== undefined ? { train: src.train } : {}), cfg: ctx.cfg };
  await runPool<Job, JobResult>(script, init, jobs, n, (id, r) => {
    out[id] = r;
    onResult?.(r, ++done, jobs.length);
  });
  return out;
}
