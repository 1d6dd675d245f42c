import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SweepInit } from '../../src/sim/sweep.js';
import { DataError, PluginError, SettingError, UsageError, wordedMessage } from '../../src/core/errors.js';
import { errorResponse, rebuild, runPool, workerScript } from '../../src/sim/workers.js';
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

  it('an error sent by a worker comes back as its class, a worded one worded again by whoever shows it', () => {
    const back = (e: unknown): Error => rebuild(errorResponse(e, 0) as Parameters<typeof rebuild>[0]);
    const flag = (f: string): string => `--${f}`;
    const setting = back(new SettingError((n) => `give ${n('split')} or ${n('train')}`));
    expect(setting).toBeInstanceOf(SettingError);
    expect(setting.message).toBe('give split or train');
    expect(wordedMessage(setting, flag)).toBe('give --split or --train');
    const data = back(new DataError((n) => `start over with ${n('force')}`, 'state.json', 3, 'runs', 'field'));
    expect(data).toBeInstanceOf(DataError);
    expect(wordedMessage(data, flag)).toBe("state.json:3 (field 'runs'): start over with --force");
    expect(back(new DataError('bad row', 'a.csv', 2)).message).toBe('a.csv:2: bad row');
    for (const E of [UsageError, PluginError]) expect(back(new E('no')).constructor).toBe(E);
    const plain = back('thrown string');
    expect([plain.constructor, plain.message]).toEqual([Error, 'thrown string']);
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
