/**
 * Runs experiment jobs inline or on worker threads. Results come back in job order whatever the worker
 * count, and every job is deterministic, so the output does not depend on --workers.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DataError, UsageError } from '../core/errors.js';
import type { ExperimentContext, Job, JobResult } from './experiment.js';
import type { WorkerRequest, WorkerResponse } from './worker.js';

export interface JobSource {
  source: string;
  queries?: string;
  models?: string;
}

/** The compiled worker script (tests run from TypeScript sources, so fall back to the build output). */
function workerPath(): string {
  const here = fileURLToPath(import.meta.url);
  const sibling = resolve(dirname(here), 'worker.js');
  if (here.endsWith('.js') && existsSync(sibling)) return sibling;
  const built = resolve(dirname(here), '../../dist/src/sim/worker.js');
  if (existsSync(built)) return built;
  throw new Error('worker script not found: build with `npm run build`');
}

/**
 * `ctx` is the caller's context (table, config, shared reward tables and contexts): inline runs use it, so
 * what they compute is reused afterwards; workers build their own from `src`.
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
  if (n === 1) {
    for (let i = 0; i < jobs.length; i++) {
      out[i] = await ctx.run(jobs[i]);
      onResult?.(out[i], ++done, jobs.length);
      // let signal handlers and progress output run between replays
      await new Promise((r) => setImmediate(r));
    }
    return out;
  }
  const { cfg } = ctx;
  const path = workerPath();
  let next = 0;
  const pool: Worker[] = [];
  try {
    await Promise.all(
      Array.from({ length: n }, () =>
        new Promise<void>((resolveWorker, reject) => {
          const w = new Worker(path);
          pool.push(w);
          const send = (m: WorkerRequest): void => w.postMessage(m);
          const feed = (): void => {
            if (next >= jobs.length) {
              resolveWorker();
              return;
            }
            const id = next++;
            send({ type: 'job', id, job: jobs[id] });
          };
          w.on('message', (m: WorkerResponse) => {
            if (m.type === 'ready') feed();
            else if (m.type === 'result') {
              out[m.id] = m.result;
              // a failing callback (e.g. a full disk while checkpointing) ends the run with its error
              try {
                onResult?.(m.result, ++done, jobs.length);
              } catch (e) {
                reject(e);
                return;
              }
              feed();
            } else {
              const Err = m.name === 'DataError' ? DataError : m.name === 'UsageError' ? UsageError : Error;
              reject(new Err(m.message));
            }
          });
          w.on('error', reject);
          send({ type: 'init', source: src.source, queries: src.queries, models: src.models, cfg });
        }),
      ),
    );
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return out;
}
