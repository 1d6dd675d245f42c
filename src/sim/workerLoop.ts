/** The message loop of a worker thread (workers.ts's protocol): load the policy modules, build once, then run tasks. */
import { parentPort } from 'node:worker_threads';
import { loadPolicyModule } from '../policies/registry.js';
import { errorResponse, type PoolInit, type WorkerRequest, type WorkerResponse } from './workers.js';

export interface Runner {
  run(task: unknown): Promise<unknown>;
  /** Buffers handed to the parent instead of copied. */
  transfer(result: unknown): ArrayBuffer[];
}

/** Serve the parent of this thread with runners made by `build` (nothing happens on the main thread). */
export function serveWorker(build: (init: PoolInit) => Promise<Runner>): void {
  const port = parentPort;
  let runner: Runner | null = null;
  port?.on('message', async (msg: WorkerRequest) => {
    if (msg.type === 'init') {
      try {
        for (const m of msg.modules) await loadPolicyModule(m.path, m.as);
        runner = await build(msg.init);
        port.postMessage({ type: 'ready' } satisfies WorkerResponse);
      } catch (e) {
        port.postMessage(errorResponse(e, -1));
      }
    } else if (msg.type === 'task') {
      try {
        const result = await runner!.run(msg.task);
        port.postMessage({ type: 'result', id: msg.id, result } satisfies WorkerResponse, runner!.transfer(result));
      } catch (e) {
        port.postMessage(errorResponse(e, msg.id));
      }
    }
  });
}
