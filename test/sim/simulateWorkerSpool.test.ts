/**
 * simulate with a policy module replays on a worker thread (sim/simulateWorker.ts) and spools a long step trace
 * there as the main thread does: into a directory the main thread makes, tracks and removes. The step file is
 * byte-identical to the main-thread and in-memory ones, and no directory is left after the run or a failure.
 * Runs the compiled build (a worker thread loads dist/), whose plugin registry is its own: isolated.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spoolRunOptions } from './spoolOptions.js';

const DIST = resolve(__dirname, '../../dist/src');
const built = existsSync(resolve(DIST, 'sim/worker.js')) && existsSync(resolve(DIST, 'sim/simulateWorker.js'));
if (!built) console.warn('simulateWorkerSpool.test: dist/ not built (npx tsc -p tsconfig.json); skipped');

const EXAMPLE = resolve(__dirname, '../../examples/policies/softmax.mjs');

type App = typeof import('../../src/app/index.js');
type AppSimulate = typeof import('../../src/app/simulate.js');
type Worker = typeof import('../../src/sim/simulateWorker.js');
type Workers = typeof import('../../src/sim/workers.js');
type Engine = typeof import('../../src/sim/engine.js');
type Atomic = typeof import('../../src/core/atomic.js');
type Options = import('../../src/sim/run.js').SimulateOptions;

const scratch = mkdtempSync(join(tmpdir(), 'gs-wspool-'));
// the spool's directory is made in the system's temporary directory: here, a scratch one, listed by the tests
const spoolParent = join(scratch, 'tmp');
const previousTmp = process.env['TMPDIR'];
let app: App;
let appSimulate: AppSimulate;
let onWorker: Worker['runSimulationOnWorker'];
let script: string;
let SpooledSteps: Engine['SpooledSteps'];
let pendingTemporaries: Atomic['pendingTemporaries'];

/** A plugin whose select throws at step `at` of its first run: a failure mid-replay. */
function boomPlugin(at: number): string {
  const file = join(scratch, 'boom.mjs');
  writeFileSync(
    file,
    `export default {
  name: 'boom', rewardIndependent: false, hindsight: false, params: [],
  create() {
    let n = 0;
    return { name: 'boom', select(_q, arms) { if (++n === ${at}) throw new Error('boom at step ${at}'); return arms[0]; }, update() {}, addArm() {}, removeArm() {} };
  },
};
`,
  );
  return file;
}

beforeAll(async () => {
  if (!built) return;
  mkdirSync(spoolParent);
  process.env['TMPDIR'] = spoolParent;
  app = (await import(resolve(DIST, 'app/index.js'))) as App;
  appSimulate = (await import(resolve(DIST, 'app/simulate.js'))) as AppSimulate;
  onWorker = ((await import(resolve(DIST, 'sim/simulateWorker.js'))) as Worker).runSimulationOnWorker;
  script = ((await import(resolve(DIST, 'sim/workers.js'))) as Workers).workerScript()!;
  SpooledSteps = ((await import(resolve(DIST, 'sim/engine.js'))) as Engine).SpooledSteps;
  pendingTemporaries = ((await import(resolve(DIST, 'core/atomic.js'))) as Atomic).pendingTemporaries;
  await app.loadPolicyModule(EXAMPLE);
  await app.loadPolicyModule(boomPlugin(100));
});

afterAll(() => {
  if (previousTmp === undefined) delete process.env['TMPDIR'];
  else process.env['TMPDIR'] = previousTmp;
  rmSync(scratch, { recursive: true, force: true });
});

const options = (policies: string[], spool: number | undefined): Options => spoolRunOptions(policies, 5, spool);

/** Spool directories in the temporary directory, each with its files. */
const spoolDirs = (): string[][] =>
  readdirSync(spoolParent)
    .filter((d) => d.startsWith('greenserv-spool-'))
    .map((d) => [d, ...readdirSync(join(spoolParent, d)).sort()]);

const pendingSpools = (): string[] => pendingTemporaries().filter((p) => p.includes('greenserv-spool-'));

describe.skipIf(!built)('a plugin run on the worker thread spools its step trace', () => {
  it('writes the steps.csv of the main thread, spooled or in memory, and leaves no spool behind', async () => {
    const table = await app.loadTable('greenserv-pool');
    const policies = ['softmax-example', 'random'];
    const memory = await app.simulateTable(table, options(policies, undefined));
    const main = await app.simulateTable(table, options(policies, 0));
    const [mainSpool] = spoolDirs();
    const worker = await appSimulate.simulateTableBy((t, o, p) => onWorker(script, t, o, p), table, options(policies, 0));
    expect(main.prepared.result.steps).toBeInstanceOf(SpooledSteps);
    expect(worker.prepared.result.steps).toBeInstanceOf(SpooledSteps);
    expect(worker.prepared.result.steps!.length).toBe(policies.length * 2 * table.nQueries);
    // beside the main thread's spool, the worker's: a file per policy, in a directory this thread removes on a signal
    const dirs = spoolDirs();
    expect(dirs.length).toBe(2);
    const workerSpool = dirs.find((d) => d[0] !== mainSpool[0])!;
    expect(workerSpool.slice(1)).toEqual(['0.bin', '1.bin']);
    expect(readFileSync(join(spoolParent, workerSpool[0], '0.bin')).length).toBe(2 * table.nQueries * 60);
    expect(pendingSpools()).toContain(join(spoolParent, workerSpool[0]));
    expect(worker.summary).toEqual(memory.summary);
    const record = { config: {} as never, source: 'greenserv-pool', steps: 'csv' as const };
    const out = (name: string): string => join(scratch, name);
    await app.writeSimulateResults(out('memory'), table, memory, record);
    await app.writeSimulateResults(out('main'), table, main, record);
    await app.writeSimulateResults(out('worker'), table, worker, record);
    const steps = (name: string): Buffer => readFileSync(join(out(name), 'steps.csv'));
    expect(steps('memory').toString('utf8').split('\n').length).toBe(policies.length * 2 * table.nQueries + 2);
    expect(steps('worker').equals(steps('memory'))).toBe(true);
    expect(steps('worker').equals(steps('main'))).toBe(true);
    // the results are written: the spool is gone, and nothing is left to remove on a signal
    expect(spoolDirs()).toEqual([]);
    expect(pendingSpools()).toEqual([]);
  });

  it('a plugin that throws mid-run leaves no spool behind, on the worker thread or on this one', async () => {
    const table = await app.loadTable('greenserv-pool');
    // boom's first run comes after softmax-example's, which is spooled by then
    const policies = ['softmax-example', 'boom'];
    for (const [where, replay] of [
      ['worker', (t: Parameters<typeof onWorker>[1], o: Options, p?: Parameters<typeof onWorker>[3]) => onWorker(script, t, o, p)],
      ['main', undefined],
    ] as const) {
      const before = spoolDirs().map((d) => d[0]);
      const seen: string[][][] = [];
      // what the temporary directory holds, beyond what it held before, after softmax-example's first run
      const progress = (): number => seen.push(spoolDirs().filter((d) => !before.includes(d[0])));
      const run = replay ? appSimulate.simulateTableBy(replay, table, options(policies, 0), progress) : app.simulateTable(table, options(policies, 0), progress);
      await expect(run, where).rejects.toThrow(/boom at step 100/);
      expect(seen.length, where).toBe(1);
      expect(seen[0].map((d) => d.slice(1)), where).toEqual([['0.bin']]);
      expect(spoolDirs().filter((d) => !before.includes(d[0])), where).toEqual([]);
      expect(pendingSpools().filter((p) => !before.some((d) => p.endsWith(d))), where).toEqual([]);
    }
  });
});
