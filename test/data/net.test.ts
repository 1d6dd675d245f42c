/** data/net.ts: bounded fetches, against a local server only. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timedFetch } from '../../src/data/net.js';

let server: Server;
let url = '';

beforeAll(async () => {
  // answers after 150 ms: a timer that fires at once would cut it off
  server = createServer((_req, res) => void setTimeout(() => res.end('x'.repeat(4096)), 150));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

describe('timedFetch', () => {
  it('limits beyond what a Node timer holds (2^31-1 ms) act as that, not as 1 ms', async () => {
    const huge = 3_000_000_000;
    expect(huge).toBeGreaterThan(2 ** 31 - 1);
    for (const l of [
      { connectMs: huge, idleMs: 60_000, minBytes: 1, totalMs: 60_000 },
      { connectMs: 60_000, idleMs: huge, minBytes: 1, totalMs: 60_000 },
      { connectMs: 60_000, idleMs: 60_000, minBytes: 1, totalMs: huge },
      { connectMs: Infinity, idleMs: Infinity, minBytes: 1, totalMs: Infinity },
    ]) {
      const res = await timedFetch(l, (phase) => `timed out (${phase})`)(url);
      expect((await res.text()).length).toBe(4096);
    }
  });

  it('an ordinary limit still ends a slow answer', async () => {
    const f = timedFetch({ connectMs: 50, idleMs: 60_000, minBytes: 1, totalMs: 60_000 }, (phase) => `timed out (${phase})`);
    await expect(f(url)).rejects.toThrow('timed out (connect)');
  });
});
