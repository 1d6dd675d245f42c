/**
 * Several greenserv processes needing one hf:// file (built binary, against a local hub that counts
 * downloads): one downloads it, the others wait for its lock and use the verified file; Ctrl-C during the
 * wait leaves the other's lock alone; two waiters never both take over one stale lock; cached files get the mode of any file the user creates. Build first.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cachedPath, parseHfUri, resolveHfSource } from '../../src/data/hub.js';
import { acquireDownloadLock, downloadLockPath, lockTesting } from '../../src/data/hubLock.js';
import { recordPath, withRecordLock } from '../../src/data/hubRecord.js';

const BIN = resolve(__dirname, '../../bin/greenserv');
const URI = 'hf://acme/bench/pairs.csv';
const BODY = Buffer.from(`query_id,model_id,accuracy\n${Array.from({ length: 2000 }, (_, i) => `q${i},a,1\nq${i},b,0\n`).join('')}`);
const HALF = 20_000;

let server: Server | null = null;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
});

/**
 * A hub that answers the size probe at once and sends the first HALF bytes of a download at once, the rest
 * when `finish()` is called; `downloads` counts requests for the whole file.
 */
async function heldHub(): Promise<{ url: string; downloads: () => number; started: () => boolean; finish: () => void }> {
  let downloads = 0;
  const held: ServerResponse[] = [];
  let go = false;
  server = createServer((req, res) => {
    if (req.url?.startsWith('/api/')) return void res.writeHead(404, { 'X-Error-Code': 'EntryNotFound' }).end();
    if (req.headers.range === 'bytes=0-0') {
      return void res.writeHead(206, { 'Content-Range': `bytes 0-0/${BODY.length}`, ETag: '"opaque"', 'Content-Length': 1 }).end(BODY.subarray(0, 1));
    }
    downloads++;
    res.writeHead(200, { 'Content-Length': BODY.length });
    if (go) return void res.end(BODY);
    res.write(BODY.subarray(0, HALF));
    held.push(res);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    downloads: () => downloads,
    started: () => held.length > 0,
    finish: () => {
      go = true;
      for (const res of held.splice(0)) res.end(BODY.subarray(HALF));
    },
  };
}

interface Run {
  out: () => string;
  err: () => string;
  pid: number;
  exited: Promise<[number | null, string | null]>;
  kill: (sig: NodeJS.Signals) => void;
}

function run(args: string[], env: Record<string, string>, umask?: string): Run {
  const cmd = umask === undefined ? [process.execPath, BIN, ...args] : ['sh', '-c', `umask ${umask} && exec "$0" "$@"`, process.execPath, BIN, ...args];
  const p = spawn(cmd[0], cmd.slice(1), { env: { ...process.env, HF_TOKEN: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return {
    out: () => out,
    err: () => err,
    pid: p.pid!,
    exited: new Promise((r) => p.on('exit', (code, sig) => r([code, sig]))),
    kill: (sig) => p.kill(sig),
  };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > 20_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const newCache = (): string => mkdtempSync(join(tmpdir(), 'gs-hublock-'));
const destIn = (cache: string): string => cachedPath(parseHfUri(URI), { cacheDir: cache });

describe('hf:// downloads of one file by several processes', () => {
  it('the second process waits for the first one\'s download and uses it: one download, identical results', async () => {
    const hub = await heldHub();
    const cache = newCache();
    const env = { GREENSERV_CACHE: cache, HF_ENDPOINT: hub.url };
    const a = run(['datasets', 'info', URI], env);
    await until(() => hub.started() && existsSync(downloadLockPath(destIn(cache))), 'the first download to start');
    const b = run(['datasets', 'info', URI], env);
    await until(() => /is downloading .*; waiting for it/.test(b.err()), 'the second process to wait');
    expect(b.err()).toContain(`greenserv: another greenserv process (pid ${a.pid}) is downloading ${destIn(cache)}; waiting for it (at most 3600 s, GREENSERV_HUB_TIMEOUT)`);
    hub.finish();
    const [[ca], [cb]] = await Promise.all([a.exited, b.exited]);
    expect([ca, cb]).toEqual([0, 0]);
    expect(hub.downloads()).toBe(1);
    expect(b.out()).toBe(a.out());
    expect(a.out()).toContain('4000');
    expect(readFileSync(destIn(cache))).toEqual(BODY);
    expect(readdirSync(join(destIn(cache), '..'))).toEqual(['pairs.csv']);
  }, 60_000);

  it('Ctrl-C while waiting exits 130 and leaves the other process\'s lock as it was', async () => {
    const hub = await heldHub();
    const cache = newCache();
    const lock = downloadLockPath(destIn(cache));
    mkdirSync(join(lock, '..'), { recursive: true });
    // held by this test process, alive throughout
    const held = JSON.stringify({ host: hostname(), pid: process.pid, startedAt: new Date().toISOString() });
    writeFileSync(lock, held);
    const b = run(['datasets', 'info', URI], { GREENSERV_CACHE: cache, HF_ENDPOINT: hub.url });
    await until(() => /waiting for it/.test(b.err()), 'the process to wait');
    b.kill('SIGINT');
    const [code, sig] = await b.exited;
    expect(code === 130 || sig === 'SIGINT').toBe(true);
    expect(readFileSync(lock, 'utf8')).toBe(held);
    expect(readdirSync(join(lock, '..'))).toEqual([lock.split('/').pop()]);
    expect(hub.downloads()).toBe(0);
  }, 60_000);

  it('a live lock is waited for no longer than the whole-download limit, then the file is downloaded', async () => {
    const hub = await heldHub();
    hub.finish();
    const cacheDir = newCache();
    const lock = downloadLockPath(destIn(cacheDir));
    mkdirSync(join(lock, '..'), { recursive: true });
    writeFileSync(lock, JSON.stringify({ host: hostname(), pid: process.ppid, startedAt: new Date().toISOString() }));
    const t0 = Date.now();
    const file = await resolveHfSource(URI, { hubUrl: hub.url, cacheDir, progress: false, onWait: () => {}, limits: { totalMs: 1500 } });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
    expect(Date.now() - t0).toBeLessThan(8000);
    expect(readFileSync(file)).toEqual(BODY);
    expect(hub.downloads()).toBe(1);
  }, 30_000);
});

/**
 * Another waiter, run to its end while this process is stopped: a process that takes the lock of `dest` if it can
 * within `boundMs` (a lock older than that is stale to it), says whether it holds it, and dies holding it
 * (SIGKILL: no cleanup) as if still downloading.
 */
function otherWaiter(dest: string, boundMs: number): string {
  const other = `const { acquireDownloadLock, downloadLockPath } = await import(${JSON.stringify(resolve(__dirname, '../../dist/src/data/hubLock.js'))});
    const dest = ${JSON.stringify(dest)};
    await acquireDownloadLock(dest, ${boundMs}, () => {});
    let holds = false;
    try { holds = JSON.parse(require('node:fs').readFileSync(downloadLockPath(dest), 'utf8')).pid === process.pid; } catch {}
    process.stdout.write(String(holds), () => process.kill(process.pid, 'SIGKILL'));`;
  return spawnSync(process.execPath, ['--input-type=commonjs', '-e', `(async () => { ${other} })()`], { encoding: 'utf8' }).stdout;
}

describe('removing a download lock while another process takes it over', () => {
  afterEach(() => {
    lockTesting.beforeRemove = () => {};
  });

  it('another waiter acting between a takeover\'s check of the stale lock and its removal does not get the lock too', async () => {
    const dest = destIn(newCache());
    const lock = downloadLockPath(dest);
    mkdirSync(join(lock, '..'), { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    writeFileSync(lock, JSON.stringify({ host: hostname(), pid: dead, startedAt: new Date().toISOString() }));
    let otherHolds: string | null = null;
    lockTesting.beforeRemove = () => {
      lockTesting.beforeRemove = () => {};
      otherHolds = otherWaiter(dest, 1000);
    };
    const held = await acquireDownloadLock(dest, 30_000, () => {});
    expect(otherHolds).toBe('false');
    expect(JSON.parse(readFileSync(lock, 'utf8')).pid).toBe(process.pid);
    held.release();
    // nor the guard of the removals
    expect(readdirSync(join(lock, '..'))).toEqual([]);
  }, 30_000);

  it('a waiter taking the lock over (by age) between its owner\'s check at release and the removal does not lose it', async () => {
    const dest = destIn(newCache());
    const lock = downloadLockPath(dest);
    const held = await acquireDownloadLock(dest, 30_000, () => {});
    let otherHolds: string | null = null;
    lockTesting.beforeRemove = () => {
      lockTesting.beforeRemove = () => {};
      // a lock older than 1 ms is stale to it
      otherHolds = otherWaiter(dest, 1);
    };
    held.release();
    // either it could not take the lock over, or it holds it still
    if (otherHolds === 'true') expect(existsSync(lock)).toBe(true);
    else expect([otherHolds, existsSync(lock)]).toEqual(['false', false]);
  }, 30_000);
});

/**
 * Another user of the record lock of `record`, run to its end while this process is stopped: it runs its work
 * holding the lock if it can take it within `waitMs` (after which any lock is stale to it), says whether it held
 * it, and dies holding it (SIGKILL: no cleanup) as if still inside its two renames.
 */
function otherRecordUser(record: string, waitMs: number): string {
  const other = `const { withRecordLock } = await import(${JSON.stringify(resolve(__dirname, '../../dist/src/data/hubRecord.js'))});
    const { pendingTemporaries } = await import(${JSON.stringify(resolve(__dirname, '../../dist/src/core/atomic.js'))});
    const record = ${JSON.stringify(record)};
    await withRecordLock(record, () => new Promise(() => {
      process.stdout.write(String(pendingTemporaries().includes(record + '.lock')), () => process.kill(process.pid, 'SIGKILL'));
    }), ${waitMs});`;
  return spawnSync(process.execPath, ['--input-type=commonjs', '-e', `(async () => { ${other} })()`], { encoding: 'utf8' }).stdout;
}

describe('removing a record lock while another process takes it over', () => {
  afterEach(() => {
    lockTesting.beforeRemove = () => {};
  });

  it('another process acting between a takeover\'s check of the stale lock and its removal does not get the lock too', async () => {
    const cache = newCache();
    const record = recordPath(cache, destIn(cache));
    const lock = `${record}.lock`;
    mkdirSync(join(lock, '..'), { recursive: true });
    writeFileSync(lock, '');
    utimesSync(lock, new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));
    let otherHolds: string | null = null;
    lockTesting.beforeRemove = () => {
      lockTesting.beforeRemove = () => {};
      otherHolds = otherRecordUser(record, 1000);
    };
    const ours = await withRecordLock(record, () => readFileSync(lock, 'utf8'));
    expect(otherHolds).toBe('false');
    expect(ours).toMatch(new RegExp(`^${process.pid} [0-9a-f]{16}\\n$`));
    // nor the guard of the removals
    expect(readdirSync(join(lock, '..'))).toEqual([]);
  }, 30_000);

  it('another process taking the lock over (by its wait) between its holder\'s check at release and the removal does not lose it', async () => {
    const cache = newCache();
    const record = recordPath(cache, destIn(cache));
    const lock = `${record}.lock`;
    let otherHolds: string | null = null;
    await withRecordLock(record, () => {
      lockTesting.beforeRemove = () => {
        lockTesting.beforeRemove = () => {};
        // any lock is stale to it after 1 ms
        otherHolds = otherRecordUser(record, 1);
      };
    });
    // either it could not take the lock over, or it holds it still
    if (otherHolds === 'true') expect(existsSync(lock)).toBe(true);
    else expect([otherHolds, existsSync(lock)]).toEqual(['false', false]);
  }, 30_000);
});

describe('a download lock this process cannot read', () => {
  it('(another user\'s, made under umask 077) is not retried forever: the download goes ahead unlocked at once', () => {
    const dest = destIn(newCache());
    const lock = downloadLockPath(dest);
    mkdirSync(join(lock, '..'), { recursive: true });
    writeFileSync(lock, JSON.stringify({ host: hostname(), pid: process.pid, startedAt: new Date().toISOString() }), { mode: 0o000 });
    const script = `import(${JSON.stringify(resolve(__dirname, '../../dist/src/data/hubLock.js'))}).then(async ({ acquireDownloadLock }) => {
      const t0 = Date.now();
      const held = await acquireDownloadLock(${JSON.stringify(dest)}, 30000, () => process.stdout.write('waiting '));
      process.stdout.write(held.waited + ' ' + (Date.now() - t0 < 2000));
    })`;
    // root reads any file: it runs without that power here
    const drop = ['--bounding-set', '-dac_override,-dac_read_search', '--inh-caps', '-dac_override,-dac_read_search'];
    const cmd = process.getuid?.() === 0 ? ['setpriv', ...drop, process.execPath] : [process.execPath];
    const r = spawnSync(cmd[0], [...cmd.slice(1), '--input-type=commonjs', '-e', script], { encoding: 'utf8', timeout: 15_000 });
    expect([r.signal, r.stderr]).toEqual([null, '']);
    expect(r.stdout).toBe('false true');
    expect(statSync(lock).mode & 0o777).toBe(0);
  }, 30_000);
});

describe('hf:// cache file modes', () => {
  for (const [umask, mode] of [
    ['000', 0o666],
    ['077', 0o600],
  ] as const) {
    it(`umask ${umask}: the download is 0600 while it is written, then ${mode.toString(8)} like any new file, and so is its record`, async () => {
      const hub = await heldHub();
      const cache = newCache();
      const dir = join(destIn(cache), '..');
      const p = run(['datasets', 'info', URI], { GREENSERV_CACHE: cache, HF_ENDPOINT: hub.url }, umask);
      const temp = (): string | undefined => (existsSync(dir) ? readdirSync(dir).find((f) => f.startsWith('.greenserv-tmp-')) : undefined);
      await until(() => hub.started() && temp() !== undefined && statSync(join(dir, temp()!)).size >= HALF, 'the download to start');
      expect(statSync(join(dir, temp()!)).mode & 0o777).toBe(0o600);
      hub.finish();
      const [code] = await p.exited;
      expect(code).toBe(0);
      expect(statSync(destIn(cache)).mode & 0o777).toBe(mode);
      expect(statSync(recordPath(cache, destIn(cache))).mode & 0o777).toBe(mode);
    }, 60_000);
  }
});
