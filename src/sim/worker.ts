/** Worker-thread entry: loads the table once, then runs experiment jobs sent by the parent. */
import { parentPort } from 'node:worker_threads';
import { loadTable } from '../data/load.js';
import { ExperimentContext, type Job, type JobResult } from './experiment.js';
import type { ExperimentConfig } from './experimentConfig.js';

export interface WorkerInit {
  type: 'init';
  source: string;
  queries?: string;
  models?: string;
  cfg: ExperimentConfig;
}

export type WorkerRequest = WorkerInit | { type: 'job'; id: number; job: Job } | { type: 'stop' };
export type WorkerResponse = { type: 'ready' } | { type: 'result'; id: number; result: JobResult } | { type: 'error'; id: number; message: string; name: string };

let ctx: ExperimentContext | null = null;

parentPort?.on('message', async (msg: WorkerRequest) => {
  if (msg.type === 'init') {
    try {
      const table = await loadTable(msg.source, { queries: msg.queries, models: msg.models });
      ctx = new ExperimentContext(table, msg.cfg);
      parentPort!.postMessage({ type: 'ready' } satisfies WorkerResponse);
    } catch (e) {
      parentPort!.postMessage({ type: 'error', id: -1, message: (e as Error).message, name: (e as Error).name } satisfies WorkerResponse);
    }
  } else if (msg.type === 'job') {
    try {
      const result = await ctx!.run(msg.job);
      parentPort!.postMessage({ type: 'result', id: msg.id, result } satisfies WorkerResponse, [
        result.stepRegret.buffer as ArrayBuffer,
        result.chosen.buffer as ArrayBuffer,
        result.metrics.selection.buffer as ArrayBuffer,
      ]);
    } catch (e) {
      parentPort!.postMessage({ type: 'error', id: msg.id, message: (e as Error).message, name: (e as Error).name } satisfies WorkerResponse);
    }
  } else if (msg.type === 'stop') {
    process.exit(0);
  }
});
