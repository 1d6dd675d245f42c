/**
 * Ctrl-C during an hf:// download (built binary, against a local hub that sends slowly): no partial file is
 * left in the cache, and on a terminal the progress bar gives the cursor back. Build first.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const BIN = resolve(__dirname, '../../bin/greenserv');
const hasScript = spawnSync('script', ['--version']).status === 0;
if (!hasScript) console.warn('SKIPPED: the terminal case needs util-linux `script`, which is not installed');

const BODY = Buffer.alloc(4_000_000, 'q1,a,1\n');
let server: Server | null = null;
const timers: NodeJS.Timeout[] = [];

afterEach(async () => {
  for (const t of timers.splice(0)) clearInterval(t);
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
});

/** A hub that answers the size probe at once and sends the file 20 KB every 50 ms; `sent` counts body bytes. */
async function slowHub(): Promise<{ url: string; sent: () => number }> {
  let sent = 0;
  server = createServer((req, res) => {
    if (req.url?.startsWith('/api/')) return void res.writeHead(404, { 'X-Error-Code': 'EntryNotFound' }).end();
    if (req.headers.range === 'bytes=0-0') {
      return void res.writeHead(206, { 'Content-Range': `bytes 0-0/${BODY.length}`, ETag: '"opaque"', 'Content-Length': 1 }).end(BODY.subarray(0, 1));
    }
    res.writeHead(200, { 'Content-Length': BODY.length });
    timers.push(
      setInterval(() => {
        if (sent < BODY.length) res.write(BODY.subarray(sent, (sent += 20_000)));
      }, 50),
    );
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sent: () => sent };
}

const cacheFiles = (cache: string): string[] => {
  const dir = join(cache, 'hf', 'datasets', 'acme', 'bench', 'main');
  return existsSync(dir) ? readdirSync(dir) : [];
};

async function until(cond: () => boolean, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > 20_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Ctrl-C during an hf:// download', () => {
  it('removes the partial download at once (a cache path with a space and non-ASCII letters)', async () => {
    const hub = await slowHub();
    const cache = join(mkdtempSync(join(tmpdir(), 'gs-hubsig-')), 'cache dir ü');
    const p = spawn(process.execPath, [BIN, 'datasets', 'info', 'hf://acme/bench/pairs.csv'], {
      env: { ...process.env, GREENSERV_CACHE: cache, HF_ENDPOINT: hub.url, HF_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<[number | null, string | null]>((r) => p.on('exit', (code, sig) => r([code, sig])));
    await until(() => hub.sent() >= 200_000 && cacheFiles(cache).some((f) => f.startsWith('.greenserv-tmp-')), 'the download to start');
    p.kill('SIGINT');
    const [code, sig] = await exited;
    expect(code === 130 || sig === 'SIGINT').toBe(true);
    expect(cacheFiles(cache)).toEqual([]);
  });

  it.skipIf(!hasScript)('on a terminal, shows the cursor again', async () => {
    const hub = await slowHub();
    const cache = mkdtempSync(join(tmpdir(), 'gs-hubsig-'));
    const cmd = `'${process.execPath}' '${BIN}' datasets info hf://acme/bench/pairs.csv`;
    const p = spawn('script', ['-qfec', cmd, '/dev/null'], {
      env: { ...process.env, GREENSERV_CACHE: cache, HF_ENDPOINT: hub.url, HF_TOKEN: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<void>((r) => p.on('exit', () => r()));
    await until(() => hub.sent() >= 200_000 && /pairs\.csv \[/.test(out), 'the progress bar');
    p.stdin.write('\x03');
    await exited;
    const hidden = out.lastIndexOf('\x1b[?25l');
    expect(hidden).toBeGreaterThanOrEqual(0);
    expect(out.indexOf('\x1b[?25h', hidden)).toBeGreaterThan(hidden);
    expect(cacheFiles(cache)).toEqual([]);
  });
});
