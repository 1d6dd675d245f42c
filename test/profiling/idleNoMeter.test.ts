/** --idle-baseline with no meter to read is said to have no effect, not silently dropped. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sideFiles } from '../../src/profiling/live.js';
import { answerFor, writePromptFile } from './fixtures.js';
import { runCli, startFakeServer, tempDir, type FakeServer } from './helpers.js';

let server: FakeServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

describe('live profile: --idle-baseline without a meter', () => {
  it('warns, naming the flag, and subtracts nothing', async () => {
    const dir = tempDir();
    server = await startFakeServer({ answer: (p) => answerFor(p) });
    const out = join(dir, 't.csv');
    const args = ['--endpoint', server.url, '--model', 'm', '--queries', writePromptFile(dir), '--out', out, '--energy', 'none', '--no-progress', '--limit', '1'];
    const r = await runCli([...args, '--idle-baseline', '5']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: --idle-baseline: no energy meter in use, so there is no idle power to measure; ignored/);
    const run = JSON.parse(readFileSync(sideFiles(out).requests, 'utf8').split('\n')[0]) as { idle_w: number };
    expect(run.idle_w).toBe(0);
    // without the flag: no such warning
    const plain = await runCli([...args, '--limit', '2']);
    expect(plain.stderr).not.toMatch(/idle-baseline/);
  });
});
