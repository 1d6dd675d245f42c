/** The live progress bar comes back after a per-query warning instead of staying cleared for the rest of the run. */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURE, answerFor, writePromptFile } from './fixtures.js';
import { runCli, startFakeServer, tempDir, type FakeServer } from './helpers.js';

let server: FakeServer | null = null;
const tty = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
afterEach(async () => {
  await server?.close();
  server = null;
  if (tty) Object.defineProperty(process.stderr, 'isTTY', tty);
  else delete (process.stderr as { isTTY?: boolean }).isTTY;
});

describe('live profile progress bar', () => {
  it('shows the queries after a failed one', async () => {
    const dir = tempDir();
    // the second query is refused (a per-query failure and its warning); each answer takes long enough to be drawn
    server = await startFakeServer({ answer: (p, _r, n) => (n === 2 ? { status: 400, body: '{"error":{"message":"too long"}}' } : answerFor(p)), delayMs: 120 });
    Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true });
    const r = await runCli(['--endpoint', server.url, '--model', 'm', '--queries', writePromptFile(dir), '--out', join(dir, 't.csv'), '--energy', 'none']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: query \S+ failed: /);
    const after = r.stderr.slice(r.stderr.indexOf('warning: query '));
    // every query after the failed one is counted on a bar drawn again
    const counts = [...after.matchAll(/\| (\d+)\/(\d+) queries/g)].map((m) => Number(m[1]));
    expect(counts.length).toBeGreaterThan(0);
    expect(Math.max(...counts)).toBe(FIXTURE.length);
  });
});
