import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SweepInit } from '../../src/sim/sweep.js';
import { runPool, workerScript } from '../../src/sim/workers.js';
import { randomTable } from '../helpers/table.js';

const DIST = resolve(__dirname, '../../dist/src');
const built = existsSync(resolve(DIST, 'sim/workers.js')) && existsSync(resolve(DIST, 'sim/worker.js'));
if (!built) console.warn('workers.test: dist/ not built (npx tsc -p tsconfig.json); worker-thread cases skipped');

const pool = (script: string): Promise<void> => runPool(script, { kind: 'none' }, [0, 1, 2], 2, () => {});

describe('worker pool', () => {
  it('a worker thread that ends before its tasks are done (process.exit in a plugin) ends the pool with an error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-workers-'));
    // at once, and after being ready and taking a task
    const early = join(dir, 'early.mjs');
    writeFileSync(early, 'process.exit(0);\n');
    const late = join(dir, 'late.mjs');
    writeFileSync(late, "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', (m) => { if (m.type === 'init') parentPort.postMessage({ type: 'ready' }); else process.exit(7); });\n");
    for (const [script, code] of [[early, 0], [late, 7]] as const) {
      const err = await pool(script).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toBe(`a worker thread stopped (exit code ${code}) before its tasks were done`);
    }
  });

  it('from the TypeScript sources there is no worker script (callers run inline, nothing is loaded from dist/)', () => {
    expect(workerScript()).toBeNull();
  });

  it.skipIf(!built)('a worker error comes back as its class with its message; a failing callback ends the pool', async () => {
    const pool = (await import(resolve(DIST, 'sim/workers.js'))) as typeof import('../../src/sim/workers.js');
    const t = randomTable(3, 30, 3);
    const costed = { ...t, costUsd: new Float64Array(90).fill(0.01) };
    const options = { policies: ['nope'], params: [], lambdas: [0, 1], runs: 1, seed: 1, semantics: 'paper' as const, features: ['task' as const] };
    const bad: SweepInit = { kind: 'sweep', table: costed, options };
    const err = await pool.runPool(pool.workerScript()!, bad, [0, 1], 2, () => {}).catch((e: Error) => e);
    expect((err as Error).name).toBe('UsageError');
    expect((err as Error).message).toMatch(/unknown policy 'nope'/);
    const stop = new Error('disk full');
    const good: SweepInit = { kind: 'sweep', table: costed, options: { ...options, policies: ['random'] } };
    await expect(pool.runPool(pool.workerScript()!, good, [0, 1], 2, () => { throw stop; })).rejects.toBe(stop);
  });
});
