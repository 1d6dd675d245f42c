/** Worker-thread entry of the pool in workers.ts: builds its state once from the init message, then runs tasks. */
import { parentPort } from 'node:worker_threads';
import { loadTable } from '../data/load.js';
import { armCheckTasks, type ArmCheckInit } from './armCheck.js';
import { ExperimentContext, type Job, type JobResult } from './experiment.js';
import { protocolSweepTasks, type ProtocolSweepInit } from './protocolSweep.js';
import { sweepTasks, type LambdaBlock, type SweepInit } from './sweep.js';
import { sweepCellTasks, type SweepCellsInit } from './sweepShard.js';
import type { ExperimentInit, WorkerResponse } from './workers.js';
import { serveWorker, type Runner } from './workerLoop.js';
import { replayOnWorker, replyBuffers, type ProgressMessage, type SimulateInit, type SimulateReply } from './simulateWorker.js';

type WorkerInit = ExperimentInit | ArmCheckInit | SweepInit | SweepCellsInit | ProtocolSweepInit | SimulateInit;

async function build(init: WorkerInit): Promise<Runner> {
  if (init.kind === 'simulate') {
    const post = (progress: ProgressMessage): void => port!.postMessage({ type: 'progress', id: 0, progress } satisfies WorkerResponse);
    return { run: () => replayOnWorker(init, post), transfer: (r) => replyBuffers(r as SimulateReply) };
  }
  if (init.kind === 'arm-check') {
    const check = await armCheckTasks(init);
    return { run: (a) => check(a as number), transfer: () => [] };
  }
  if (init.kind === 'experiment') {
    const table = await loadTable(init.source, { queries: init.queries, models: init.models });
    const train = init.train !== undefined ? await loadTable(init.train) : undefined;
    const ctx = new ExperimentContext(table, init.cfg, train);
    return {
      run: (job) => ctx.run(job as Job),
      transfer: (r) => {
        const x = r as JobResult;
        const bufs = [x.stepRegret.buffer as ArrayBuffer, x.chosen.buffer as ArrayBuffer, x.metrics.selection.buffer as ArrayBuffer];
        if (x.budgetTrace) bufs.push(x.budgetTrace.buffer as ArrayBuffer);
        return bufs;
      },
    };
  }
  const run = init.kind === 'protocol-sweep' ? protocolSweepTasks(init) : init.kind === 'sweep-cells' ? sweepCellTasks(init.table, init.options) : sweepTasks(init.table, init.options);
  return {
    run: (task) => run(task as number & [number, number] & { l: number; ps: number[] }),
    transfer: (r) => {
      const b = r as LambdaBlock;
      return [b.cost.buffer as ArrayBuffer, b.quality.buffer as ArrayBuffer, b.misses.buffer as ArrayBuffer];
    },
  };
}

const port = parentPort;

serveWorker((init) => build(init as WorkerInit));
