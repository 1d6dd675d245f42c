/**
 * The λ sweep under the train/test protocol (docs/model.md §13): per split, the sweep of sim/sweep.ts over
 * the test stream, with rewards normalised over the whole stack and trained policies fitted on the train
 * rows at each λ. Every policy runs at every λ (none is skipped), so the replays' metrics line up.
 */
import type { PoolTable } from '../data/pool.js';
import type { ContextSpec } from '../features/contextsFor.js';
import { resolvePolicies, type ResolvedPolicy } from '../policies/registry.js';
import { checkProtocol, prepareSplit, trainDataOf, type PreparedSplit, type ProtocolSpec } from './protocol.js';
import { offThreadScript, runPool, type PoolInit } from './workers.js';
import type { RunMetrics } from './recorders.js';
import { sweepLambda, sweepResultOf, type LambdaBlock, type SweepOptions, type SweepProgress, type SweepResult } from './sweep.js';

interface ProtocolSweepSplit {
  index: number;
  trainQueries: number;
  testQueries: number;
  /** The test stream (tasks in the source's order). */
  test: PoolTable;
  sweep: SweepResult;
  /** [λ][policy][run] replay metrics on the test stream. */
  metrics: RunMetrics[][][];
}

/** The worker pool's init message for a protocol sweep: every (split, λ) cell is one task. */
export interface ProtocolSweepInit extends PoolInit {
  kind: 'protocol-sweep';
  table: PoolTable;
  options: SweepOptions;
  protocol: ProtocolSpec;
  contexts: ContextSpec;
}

/** Split s's replay options: its runs take seeds after those of the splits before it (docs/model.md §13). */
const splitOptions = (o: SweepOptions, s: number): SweepOptions => ({ ...o, seed: o.seed + s * o.runs });

/** One (split, λ) cell of the sweep on a prepared split. */
function cell(sp: PreparedSplit, policies: ResolvedPolicy[], o: SweepOptions, s: number, l: number, progress?: SweepProgress): Promise<LambdaBlock> {
  return sweepLambda(sp.test, sp.contexts, policies, splitOptions(o, s), o.lambdas[l], progress, [], { stack: sp.stack, nTest: sp.nTest, train: (rw) => trainDataOf(sp, rw) });
}

/** A worker's cell runner: splits are prepared as their cells arrive (cells come in split order). */
export function protocolSweepTasks(init: ProtocolSweepInit): (task: [number, number]) => Promise<LambdaBlock> {
  const { table, options: o, protocol, contexts } = init;
  const policies = resolvePolicies(o.policies, o.params, table.models);
  let current: { s: number; sp: PreparedSplit } | null = null;
  return ([s, l]) => {
    if (current?.s !== s) current = { s, sp: prepareSplit(table, protocol, contexts, o.seed, s) };
    return cell(current.sp, policies, o, s, l);
  };
}

/**
 * Every split's λ sweep on its test stream. With `jobs` > 1 and the compiled pool available, the (split, λ)
 * cells run on worker threads; each cell is computed the same way either way, so results do not depend on it.
 */
/**
 * Every split's λ sweep on its test stream. Each split is handed to `reduce` as soon as it is complete and only
 * what `reduce` returns is kept, so memory does not grow with the number of splits.
 */
export async function runProtocolSweep<T>(
  t: PoolTable,
  o: SweepOptions,
  protocol: ProtocolSpec,
  contexts: ContextSpec,
  reduce: (s: ProtocolSweepSplit) => T,
  progress?: SweepProgress,
): Promise<T[]> {
  const k = checkProtocol(t, protocol, o.runs);
  const policies = resolvePolicies(o.policies, o.params, t.models);
  const L = o.lambdas.length;
  const blocks: LambdaBlock[][] = Array.from({ length: k }, () => []);
  const jobs = Math.min(o.jobs ?? 1, k * L);
  const script = offThreadScript(jobs > 1);
  // the first split's test stream, prepared here while the workers prepare theirs (not after them)
  let first: PreparedSplit | null = null;
  if (script) {
    const tasks: [number, number][] = [];
    for (let s = 0; s < k; s++) for (let l = 0; l < L; l++) tasks.push([s, l]);
    const init: ProtocolSweepInit = { kind: 'protocol-sweep', table: t, options: { ...o, jobs: 1 }, protocol, contexts };
    let done = 0;
    const pool = runPool<[number, number], LambdaBlock>(script, init, tasks, jobs, (id, b) => {
      const [s, l] = tasks[id];
      blocks[s][l] = b;
      progress?.(++done, tasks.length, `split ${s + 1} λ=${o.lambdas[l]}`);
    });
    // handled below; this only keeps an early failure from counting as unhandled while the main thread works
    pool.catch(() => {});
    try {
      // once the init messages are out; the workers' first cells take longer than this, so none waits for a task
      await new Promise<void>((resolve) => setImmediate(resolve));
      first = prepareSplit(t, protocol, contexts, o.seed, 0);
    } finally {
      await pool;
    }
  }
  const out: T[] = [];
  for (let s = 0; s < k; s++) {
    const sp = s === 0 && first !== null ? first : prepareSplit(t, protocol, contexts, o.seed, s);
    if (!script) {
      for (let l = 0; l < L; l++) {
        const sub = progress ? (done: number, total: number, label: string) => progress((s * L + l) * total + done, k * L * total, `split ${s + 1} λ=${o.lambdas[l]} ${label}`) : undefined;
        blocks[s][l] = await cell(sp, policies, o, s, l, sub);
      }
    }
    out.push(
      reduce({
        index: s,
        trainQueries: sp.trainRows.length,
        testQueries: sp.nTest,
        test: sp.test,
        sweep: sweepResultOf(sp.test, policies, splitOptions(o, s), blocks[s], sp.contexts.d),
        metrics: blocks[s].map((b) => b.metrics!),
      }),
    );
    // a worker's blocks are not needed once reduced
    blocks[s] = [];
  }
  return out;
}
