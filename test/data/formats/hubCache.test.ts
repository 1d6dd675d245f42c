/** The hf:// cache checks every cached file against the record written when it was downloaded. */
import { describe, it, expect, beforeAll, afterAll, type TestContext } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { cachedPath, listCachedFiles, parseHfUri, resolveHfSource } from '../../../src/data/hub.js';
import { acquireDownloadLock, downloadLockPath, guardPath } from '../../../src/data/hubLock.js';
import { recordPath, withRecordLock } from '../../../src/data/hubRecord.js';
import { pendingTemporaries, removeTemporaries } from '../../../src/core/atomic.js';
import { loadTable } from '../../../src/data/load.js';
import { wholePieces } from '../../../src/core/errors.js';
import { scratch, dataError } from './helpers.js';

const s = scratch();
const URI = 'hf://acme/bench/pairs.csv';
const BODY = Buffer.from('query_id,model_id,accuracy,cost_usd\nq1,a,1,0.01\nq1,b,0,0.001\nq2,a,1,0.02\n');
let server: Server;
let hubUrl = '';
let downloads = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url !== '/datasets/acme/bench/resolve/main/pairs.csv') return void res.writeHead(404).end();
    // the hub client asks for the first byte to learn the size; only the whole file counts as a download
    const range = /^bytes=(\d+)-(\d+)$/.exec(String(req.headers.range ?? ''));
    if (range) {
      const a = Number(range[1]);
      const z = Math.min(Number(range[2]), BODY.length - 1);
      return void res.writeHead(206, { 'Content-Range': `bytes ${a}-${z}/${BODY.length}`, ETag: '"opaque"', 'Content-Length': z - a + 1 }).end(BODY.subarray(a, z + 1));
    }
    downloads++;
    res.writeHead(200, { ETag: '"opaque"', 'Content-Length': BODY.length }).end(BODY);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  hubUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

let n = 0;
/** A fresh cache holding the file as downloaded; its path and its record's. */
async function cached(): Promise<{ cacheDir: string; file: string; record: string }> {
  const cacheDir = join(s.dir, `c${n++}`);
  const file = await resolveHfSource(URI, { hubUrl, cacheDir, progress: false });
  return { cacheDir, file, record: recordPath(cacheDir, file) };
}

/** Make `dir` read-only (root writes through modes, not through an immutable directory), or undo it. */
function readOnly(dir: string, on: boolean): void {
  if (process.getuid?.() === 0) execFileSync('chattr', [on ? '+i' : '-i', dir]);
  else chmodSync(dir, on ? 0o555 : 0o755);
}

/** readOnly(dir, true), or skip the test with a message where the file system has no immutable files (tmpfs, overlay). */
function readOnlyOrSkip(ctx: TestContext, dir: string): void {
  try {
    readOnly(dir, true);
  } catch (e) {
    console.warn(`skipped: cannot make ${dir} read-only here (${(e as Error).message.split('\n')[0]})`);
    ctx.skip();
  }
}

describe('hf:// cache records', () => {
  it('a download writes a record of its size and sha256 beside the cache tree', async () => {
    const { cacheDir, file, record } = await cached();
    expect(file).toBe(cachedPath(parseHfUri(URI), { cacheDir }));
    expect(record).toBe(join(cacheDir, 'hf', 'records', 'datasets', 'acme', 'bench', 'main', 'pairs.csv.json'));
    const rec = JSON.parse(readFileSync(record, 'utf8'));
    expect(rec).toMatchObject({ kind: 'greenserv-hf-download', version: 1, source: URI, size: BODY.length, sha256: createHash('sha256').update(BODY).digest('hex') });
    expect(readFileSync(file)).toEqual(BODY);
  });

  it("the command to clear a damaged file works pasted into a shell, also for a cache path with a quote and a space", async () => {
    const cacheDir = join(s.dir, `it's a cache ${n++}`);
    const file = await resolveHfSource(URI, { hubUrl, cacheDir, progress: false });
    const record = recordPath(cacheDir, file);
    truncateSync(file, 20);
    const e = await dataError(loadTable(URI, { offline: true, hub: { cacheDir } }));
    const rm = /\((rm .*)\) and run again/.exec(e.message)?.[1];
    expect(rm).toBeDefined();
    expect(spawnSync('sh', ['-c', rm!]).status).toBe(0);
    expect([existsSync(file), existsSync(record)]).toEqual([false, false]);
  });

  it('a truncated file: offline, a clear error naming the file and how to clear it; online, downloaded again', async () => {
    const { cacheDir, file, record } = await cached();
    truncateSync(file, 20);
    const e = await dataError(loadTable(URI, { offline: true, hub: { cacheDir } }));
    expect(e.message).toContain(`the cached file ${file} cannot be used: it is 20 bytes, its download record says ${BODY.length}`);
    expect(e.message).toContain(`rm ${file} ${record}) and run again without --offline to download it anew`);
    // on a terminal the command to copy stays on one line
    expect(wholePieces(e)).toContain(`rm ${file} ${record}`);
    expect(readFileSync(file).length).toBe(20);
    const before = downloads;
    const warnings: string[] = [];
    const t = await loadTable(URI, { warn: (m) => warnings.push(m), hub: { hubUrl, cacheDir, progress: false } });
    expect(t.queryIds).toEqual(['q1', 'q2']);
    expect(downloads).toBe(before + 1);
    expect(warnings.join('\n')).toMatch(/is 20 bytes.*downloading it again/);
    expect(readFileSync(file)).toEqual(BODY);
  });

  it('one byte altered, same size: caught by the hash', async () => {
    const { cacheDir, file } = await cached();
    const bad = Buffer.from(BODY);
    bad[bad.length - 3] = '9'.charCodeAt(0);
    writeFileSync(file, bad);
    const e = await dataError(resolveHfSource(URI, { offline: true, cacheDir }));
    expect(e.message).toContain(`its sha256 is ${createHash('sha256').update(bad).digest('hex')}, its download record says ${createHash('sha256').update(BODY).digest('hex')}`);
    const before = downloads;
    await resolveHfSource(URI, { hubUrl, cacheDir, progress: false, warn: () => {} });
    expect(downloads).toBe(before + 1);
    expect(readFileSync(file)).toEqual(BODY);
  });

  it('an intact file is served without a request, online or offline', async () => {
    const { cacheDir, file } = await cached();
    const before = downloads;
    expect(await resolveHfSource(URI, { hubUrl, cacheDir })).toBe(file);
    expect(await resolveHfSource(URI, { offline: true, cacheDir })).toBe(file);
    expect(downloads).toBe(before);
  });

  it('a file without a record (older versions, placed by hand) is used as it is', async () => {
    const { cacheDir, file, record } = await cached();
    rmSync(record);
    const other = 'query_id,model_id,accuracy,cost_usd\nq7,a,1,0.01\n';
    writeFileSync(file, other);
    const before = downloads;
    expect((await loadTable(URI, { offline: true, hub: { cacheDir } })).queryIds).toEqual(['q7']);
    expect((await loadTable(URI, { hub: { hubUrl, cacheDir } })).queryIds).toEqual(['q7']);
    expect(downloads).toBe(before);
  });

  it('a file where the records folder would be: no record can exist, so the file is used as one without', async () => {
    const { cacheDir, file } = await cached();
    rmSync(join(cacheDir, 'hf', 'records'), { recursive: true });
    writeFileSync(join(cacheDir, 'hf', 'records'), 'not a folder');
    expect(await resolveHfSource(URI, { offline: true, cacheDir })).toBe(file);
    const before = downloads;
    expect(await resolveHfSource(URI, { hubUrl, cacheDir })).toBe(file);
    expect(downloads).toBe(before);
  });

  it('a record whose file is gone is dropped, so a copy placed by hand is used', async () => {
    const { cacheDir, file, record } = await cached();
    rmSync(file);
    const e = await dataError(resolveHfSource(URI, { offline: true, cacheDir }));
    expect(e.message).toContain('offline and not in the cache');
    expect(existsSync(record)).toBe(false);
    writeFileSync(file, BODY);
    expect(await resolveHfSource(URI, { offline: true, cacheDir })).toBe(file);
  });

  const garbage: [string, (record: string) => void, RegExp][] = [
    ['not JSON', (r) => writeFileSync(r, '{"kind": "greenserv-hf-dow'), /it is not JSON/],
    ['another kind', (r) => writeFileSync(r, JSON.stringify({ kind: 'other', version: 1, size: 1, sha256: 'a'.repeat(64) })), /not a greenserv download record/],
    ['an array', (r) => writeFileSync(r, '[1,2]'), /not a greenserv download record/],
    ['null', (r) => writeFileSync(r, 'null'), /not a greenserv download record/],
    ['a later version', (r) => writeFileSync(r, JSON.stringify({ kind: 'greenserv-hf-download', version: 2, size: 1, sha256: 'a'.repeat(64) })), /version 2 is not one/],
    ['a bad size', (r) => writeFileSync(r, JSON.stringify({ kind: 'greenserv-hf-download', version: 1, size: -1, sha256: 'a'.repeat(64) })), /"size" is not a byte count/],
    ['a bad hash', (r) => writeFileSync(r, JSON.stringify({ kind: 'greenserv-hf-download', version: 1, size: BODY.length, sha256: '../x' })), /"sha256" is not 64/],
    ['a huge file', (r) => writeFileSync(r, Buffer.alloc(200_000, 0x20)), /200000 bytes, far more than a record/],
    ['a directory', (r) => (rmSync(r), mkdirSync(r)), /not a regular file/],
    ['a FIFO', (r) => (rmSync(r), execFileSync('mkfifo', [r])), /not a regular file/],
    ['a symbolic link', (r) => (rmSync(r), symlinkSync('/dev/zero', r)), /symbolic link/],
  ];
  for (const [what, make, reason] of garbage) {
    it(`a record that is ${what}: offline, a clear error naming it`, async () => {
      const { cacheDir, file, record } = await cached();
      make(record);
      const e = await dataError(resolveHfSource(URI, { offline: true, cacheDir }));
      expect(e.message).toContain(`the cached file ${file} cannot be used: its download record ${record} is unusable`);
      expect(e.message).toMatch(reason);
    });
  }

  it('a garbage record online: the file is downloaded again and the record replaced', async () => {
    const { cacheDir, file, record } = await cached();
    writeFileSync(record, 'garbage');
    const warnings: string[] = [];
    await resolveHfSource(URI, { hubUrl, cacheDir, progress: false, warn: (m) => warnings.push(m) });
    expect(warnings.join('\n')).toMatch(/not JSON; downloading it again/);
    expect(JSON.parse(readFileSync(record, 'utf8')).sha256).toBe(createHash('sha256').update(BODY).digest('hex'));
    expect(await resolveHfSource(URI, { offline: true, cacheDir })).toBe(file);
  });

  it('another process between its two renames holds the lock: the download waits for it; a stale lock is taken over', async () => {
    const cacheDir = join(s.dir, 'locked');
    const record = recordPath(cacheDir, cachedPath(parseHfUri(URI), { cacheDir }));
    mkdirSync(join(record, '..'), { recursive: true });
    writeFileSync(`${record}.lock`, '');
    let settled = false;
    const p = resolveHfSource(URI, { hubUrl, cacheDir, progress: false }).finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 400));
    expect(settled).toBe(false);
    rmSync(`${record}.lock`);
    expect(readFileSync(await p)).toEqual(BODY);

    const cacheDir2 = join(s.dir, 'stale');
    const record2 = recordPath(cacheDir2, cachedPath(parseHfUri(URI), { cacheDir: cacheDir2 }));
    mkdirSync(join(record2, '..'), { recursive: true });
    writeFileSync(`${record2}.lock`, '');
    utimesSync(`${record2}.lock`, new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));
    expect(readFileSync(await resolveHfSource(URI, { hubUrl, cacheDir: cacheDir2, progress: false }))).toEqual(BODY);
    expect(existsSync(`${record2}.lock`)).toBe(false);
    // nor the guard of its removal
    expect(readdirSync(join(record2, '..'))).toEqual(['pairs.csv.json']);
  });

  it('a record lock taken over from its holder is left to the new holder, at the release as by a signal', async () => {
    const record = recordPath(join(s.dir, 'rtaken'), cachedPath(parseHfUri(URI), { cacheDir: join(s.dir, 'rtaken') }));
    const lock = `${record}.lock`;
    // another process found it stale, removed it and made its own
    const takeOver = (): void => {
      rmSync(lock);
      writeFileSync(lock, 'theirs\n');
    };
    await withRecordLock(record, takeOver);
    expect(readFileSync(lock, 'utf8')).toBe('theirs\n');
    rmSync(lock);
    await withRecordLock(record, () => {
      expect(pendingTemporaries()).toContain(lock);
      takeOver();
      removeTemporaries();
    });
    expect(readFileSync(lock, 'utf8')).toBe('theirs\n');
    rmSync(lock);
    await withRecordLock(record, () => expect(existsSync(lock)).toBe(true));
    expect(readdirSync(join(lock, '..'))).toEqual([]);
  });

  it('a stale record lock is not taken over while the guard of its removal is held, nor after the guard is left old', async () => {
    const record = recordPath(join(s.dir, 'rguard'), cachedPath(parseHfUri(URI), { cacheDir: join(s.dir, 'rguard') }));
    const lock = `${record}.lock`;
    mkdirSync(join(lock, '..'), { recursive: true });
    writeFileSync(lock, '');
    utimesSync(lock, new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));
    writeFileSync(guardPath(lock), '');
    let ran = false;
    const t0 = Date.now();
    const p = withRecordLock(record, () => (ran = true));
    await new Promise((r) => setTimeout(r, 300));
    expect([ran, existsSync(lock)]).toEqual([false, true]);
    // left by a process killed inside it
    utimesSync(guardPath(lock), new Date(Date.now() - 20_000), new Date(Date.now() - 20_000));
    await p;
    expect(ran).toBe(true);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(readdirSync(join(lock, '..'))).toEqual([]);
  });

  it('a directory where the lock would be is not waited for, nor removed: the download proceeds unlocked', async () => {
    const cacheDir = join(s.dir, 'lockdir');
    const record = recordPath(cacheDir, cachedPath(parseHfUri(URI), { cacheDir }));
    mkdirSync(`${record}.lock`, { recursive: true });
    const t0 = Date.now();
    const file = await resolveHfSource(URI, { hubUrl, cacheDir, progress: false });
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(readFileSync(file)).toEqual(BODY);
    expect(JSON.parse(readFileSync(record, 'utf8')).size).toBe(BODY.length);
    expect(existsSync(`${record}.lock`)).toBe(true);
  }, 40_000);
});

describe('hf:// record lock', () => {
  const staleRecordLock = (name: string, body: string | Buffer): string => {
    const record = recordPath(join(s.dir, name), cachedPath(parseHfUri(URI), { cacheDir: join(s.dir, name) }));
    mkdirSync(join(record, '..'), { recursive: true });
    writeFileSync(`${record}.lock`, body);
    utimesSync(`${record}.lock`, new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));
    return record;
  };

  it('a live lock is taken over once the wait runs out; a file too large to be a lock is neither read nor removed', async () => {
    const record = staleRecordLock('rlive', '');
    utimesSync(`${record}.lock`, new Date(), new Date());
    const t0 = Date.now();
    expect(await withRecordLock(record, () => readFileSync(`${record}.lock`, 'utf8'), 300)).toMatch(/^\d+ [0-9a-f]{16}\n$/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(readdirSync(join(record, '..'))).toEqual([]);

    const big = staleRecordLock('rbig', Buffer.alloc(100_000));
    expect(await withRecordLock(big, () => 'ran')).toBe('ran');
    expect(readFileSync(`${big}.lock`).length).toBe(100_000);
  });

  it('a stale lock in a records directory nothing can be removed from: the work runs unlocked, at once', async (ctx) => {
    const record = staleRecordLock('rro', '');
    const dir = join(record, '..');
    readOnlyOrSkip(ctx, dir);
    try {
      expect(await withRecordLock(record, () => 'ran')).toBe('ran');
    } finally {
      readOnly(dir, false);
    }
    expect(readdirSync(dir)).toEqual(['pairs.csv.json.lock']);
  });
});

describe('hf:// download lock', () => {
  const lockIn = (cacheDir: string): string => downloadLockPath(cachedPath(parseHfUri(URI), { cacheDir }));
  const plant = (cacheDir: string, pid: number, startedAt: number): string => {
    const lock = lockIn(cacheDir);
    mkdirSync(join(lock, '..'), { recursive: true });
    writeFileSync(lock, JSON.stringify({ host: hostname(), pid, startedAt: new Date(startedAt).toISOString() }));
    return lock;
  };

  it('two uses of one file at once in one process download it once', async () => {
    const cacheDir = join(s.dir, 'twice');
    const before = downloads;
    const warnings: string[] = [];
    const [a, b] = await Promise.all([0, 1].map(() => resolveHfSource(URI, { hubUrl, cacheDir, progress: false, onWait: (m) => warnings.push(m) })));
    expect(downloads).toBe(before + 1);
    expect(a).toBe(b);
    expect(readFileSync(a)).toEqual(BODY);
    expect(warnings.join('\n')).toMatch(/another greenserv process \(pid \d+\) is downloading .*pairs\.csv; waiting for it \(at most 3600 s, GREENSERV_HUB_TIMEOUT\)/);
    expect(existsSync(lockIn(cacheDir))).toBe(false);
  });

  it('a lock naming a process that is no longer running is taken over at once', async () => {
    const cacheDir = join(s.dir, 'deadpid');
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const lock = plant(cacheDir, dead, Date.now());
    const before = downloads;
    const t0 = Date.now();
    const warnings: string[] = [];
    expect(readFileSync(await resolveHfSource(URI, { hubUrl, cacheDir, progress: false, onWait: (m) => warnings.push(m), warn: (m) => warnings.push(m) }))).toEqual(BODY);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(warnings).toEqual([]);
    expect(downloads).toBe(before + 1);
    expect(existsSync(lock)).toBe(false);
  });

  it('a live process\'s lock older than the whole-download limit is taken over', async () => {
    const cacheDir = join(s.dir, 'oldlock');
    // the parent of this test process runs for as long as it does
    const lock = plant(cacheDir, process.ppid, Date.now() - 60_000);
    const t0 = Date.now();
    expect(readFileSync(await resolveHfSource(URI, { hubUrl, cacheDir, progress: false, limits: { totalMs: 30_000 } }))).toEqual(BODY);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(existsSync(lock)).toBe(false);
  });

  it('a stale lock in a cache directory nothing can be removed from is not retried: the download goes ahead unlocked at once', async (ctx) => {
    const cacheDir = join(s.dir, 'rolock');
    const lock = plant(cacheDir, spawnSync(process.execPath, ['-e', '']).pid!, Date.now());
    const dir = join(lock, '..');
    readOnlyOrSkip(ctx, dir);
    try {
      const waits: unknown[] = [];
      const held = await acquireDownloadLock(cachedPath(parseHfUri(URI), { cacheDir }), 30_000, (pid) => waits.push(pid));
      expect(held.waited).toBe(false);
      expect(waits).toEqual([]);
    } finally {
      readOnly(dir, false);
    }
    expect(existsSync(lock)).toBe(true);
  });

  it('a guard of the lock\'s removals left by a killed process is removed when old, and waited for while new', async () => {
    const cacheDir = join(s.dir, 'guardleft');
    const lock = plant(cacheDir, spawnSync(process.execPath, ['-e', '']).pid!, Date.now());
    const planted = readFileSync(lock, 'utf8');
    writeFileSync(guardPath(lock), '');
    const t0 = Date.now();
    const waiting = acquireDownloadLock(cachedPath(parseHfUri(URI), { cacheDir }), 30_000, () => {});
    await new Promise((r) => setTimeout(r, 300));
    expect(readFileSync(lock, 'utf8')).toBe(planted);
    utimesSync(guardPath(lock), new Date(Date.now() - 20_000), new Date(Date.now() - 20_000));
    const held = await waiting;
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(JSON.parse(readFileSync(lock, 'utf8')).pid).toBe(process.pid);
    held.release();
    expect(readdirSync(join(lock, '..'))).toEqual([]);
  });

  it('a signal removes a lock its process holds, but not one another process took over from it meanwhile', async () => {
    const dest = cachedPath(parseHfUri(URI), { cacheDir: join(s.dir, 'sigown') });
    await acquireDownloadLock(dest, 30_000, () => {});
    expect(pendingTemporaries()).toContain(lockIn(join(s.dir, 'sigown')));
    removeTemporaries();
    expect(existsSync(lockIn(join(s.dir, 'sigown')))).toBe(false);

    const cacheDir = join(s.dir, 'sigtaken');
    await acquireDownloadLock(cachedPath(parseHfUri(URI), { cacheDir }), 30_000, () => {});
    // another process found it stale (older than its own limit), removed it and made its own
    rmSync(lockIn(cacheDir));
    const theirs = plant(cacheDir, process.ppid, Date.now());
    removeTemporaries();
    expect(readFileSync(theirs, 'utf8')).toContain(`"pid":${process.ppid}`);
  });

  it('a lock in the cache is not listed as a cached file', async () => {
    const { cacheDir } = await cached();
    plant(cacheDir, process.ppid, Date.now());
    expect(listCachedFiles({ cacheDir }).map((f) => f.uri)).toEqual([URI]);
  });
});
