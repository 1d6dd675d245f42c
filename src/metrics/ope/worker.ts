/** Worker-thread entry of `ope` with policy modules (thread.ts): evaluates the target policies on the prepared log. */
import { serveWorker } from '../../sim/workerLoop.js';
import { opeOnThread, type OpeInit } from './thread.js';

serveWorker(async (init) => ({ run: () => opeOnThread(init as OpeInit), transfer: () => [] }));
