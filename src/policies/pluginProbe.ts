/**
 * Worker-thread entry: import one policy module, so that its top-level code runs here first and a module that
 * never finishes loading blocks this thread, not the main one (which then still hears Ctrl-C and SIGTERM).
 * Replies once: whether the import succeeded, and if not, its error's message.
 */
import { parentPort, workerData } from 'node:worker_threads';

export type ProbeReply = { ok: true } | { ok: false; message: string };

try {
  await import(workerData as string);
  parentPort!.postMessage({ ok: true } satisfies ProbeReply);
} catch (e) {
  parentPort!.postMessage({ ok: false, message: String((e as Error)?.message ?? e) } satisfies ProbeReply);
}
