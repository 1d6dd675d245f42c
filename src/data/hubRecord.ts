/**
 * Download records of the hf:// cache. Beside the tree of cached files, `<cache>/hf/records/` mirrors it with
 * one small JSON file per cached file, holding the size and sha256 the file had when it was downloaded and
 * verified; every later use checks the file against it, so a copy truncated or changed on disk is never read
 * as data. A file with no record (cached by an older version, or placed by hand) is used unchecked.
 */
import { constants, closeSync, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { basename, dirname, join, relative } from 'node:path';
import { releaseTemporary, trackTemporary } from '../core/atomic.js';
import { GUARD_POLL_MS, removeGuarded, removeOwn } from './hubLock.js';

export const RECORD_KIND = 'greenserv-hf-download';
/** A record is a few hundred bytes: anything much larger is not one, and is not read whole. */
const RECORD_MAX = 64 * 1024;

export interface DownloadRecord {
  size: number;
  sha256: string;
}

export type RecordState = { kind: 'absent' } | { kind: 'bad'; reason: string } | { kind: 'ok'; record: DownloadRecord };

/** The record of a cached file: the same path under `hf/records` instead of `hf`, plus `.json`. */
export function recordPath(cacheRoot: string, file: string): string {
  const rel = relative(join(cacheRoot, 'hf'), file);
  const name = basename(rel);
  // a file name near the 255-byte limit has no room for '.json': its record is named by its hash
  const leaf = Buffer.byteLength(name) <= 250 ? `${name}.json` : `${createHash('sha256').update(name).digest('hex')}.json`;
  return join(cacheRoot, 'hf', 'records', dirname(rel), leaf);
}

/** The record at `path`, or why it is not one (never throws: a record is input like any other). */
export function readRecord(path: string): RecordState {
  let fd: number;
  try {
    // no symbolic links, and a FIFO must not block the open
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // ENOTDIR: a file stands where the records' folder would be, so no record can exist
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'absent' };
    return { kind: 'bad', reason: code === 'ELOOP' ? 'it is a symbolic link' : `it cannot be read (${code ?? String(e)})` };
  }
  let text: string;
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { kind: 'bad', reason: 'it is not a regular file' };
    if (st.size > RECORD_MAX) return { kind: 'bad', reason: `it is ${st.size} bytes, far more than a record` };
    const buf = Buffer.alloc(RECORD_MAX + 1);
    const n = readSync(fd, buf, 0, buf.length, 0);
    text = buf.subarray(0, n).toString('utf8');
  } catch (e) {
    return { kind: 'bad', reason: `it cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})` };
  } finally {
    closeSync(fd);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { kind: 'bad', reason: 'it is not JSON' };
  }
  const r = v as Record<string, unknown> | null;
  if (typeof r !== 'object' || r === null || Array.isArray(r) || r.kind !== RECORD_KIND) return { kind: 'bad', reason: `it is not a greenserv download record (no "kind": "${RECORD_KIND}")` };
  if (r.version !== 1) return { kind: 'bad', reason: `its version ${JSON.stringify(r.version)} is not one this greenserv reads (1)` };
  if (typeof r.size !== 'number' || !Number.isSafeInteger(r.size) || r.size < 0) return { kind: 'bad', reason: 'its "size" is not a byte count' };
  if (typeof r.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(r.sha256)) return { kind: 'bad', reason: 'its "sha256" is not 64 lower-case hex digits' };
  return { kind: 'ok', record: { size: r.size, sha256: r.sha256 } };
}

/**
 * Null when the file has the record's size and sha256, else what differs. Hashing costs about 50 ms per
 * 50 MB (docs/limits.md), well under parsing the same bytes, so every use checks the hash, not just the size.
 */
export async function mismatch(file: string, rec: DownloadRecord): Promise<string | null> {
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    if (size !== rec.size) return `it is ${size} bytes, its download record says ${rec.size}`;
    const hash = createHash('sha256');
    for await (const chunk of fh.createReadStream({ autoClose: false, start: 0, highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
    const got = hash.digest('hex');
    return got === rec.sha256 ? null : `its sha256 is ${got}, its download record says ${rec.sha256}`;
  } finally {
    await fh.close();
  }
}

/** Two renames to be made together: a lock file held only around them, taken over when older than this. */
const LOCK_STALE_MS = 30_000;
const LOCK_WAIT_MS = 60_000;
/** A record lock is a line of a few dozen bytes: anything larger is not one, and is not read. */
const LOCK_MAX = 4096;

/**
 * Run `fn` holding `<record>.lock`, so that another greenserv process never pairs its record with this one's
 * file. Where no lock can be made (a read-only cache) `fn` runs unlocked: nothing is written there anyway.
 * The lock holds a token of its own, and every removal of it (a takeover, the release) is made under its guard
 * once it is checked to be the file meant (hubLock.ts). `waitMs` is for tests.
 */
export async function withRecordLock<T>(record: string, fn: () => T | Promise<T>, waitMs = LOCK_WAIT_MS): Promise<T> {
  const lock = `${record}.lock`;
  const deadline = Date.now() + waitMs;
  const mine = `${process.pid} ${randomBytes(8).toString('hex')}\n`;
  let held = false;
  for (;;) {
    try {
      mkdirSync(dirname(lock), { recursive: true });
      writeFileSync(lock, mine, { flag: 'wx' });
      // a signal while we hold it removes it (core/atomic.ts), unless it was taken over
      trackTemporary(lock, () => removeOwn(lock, mine));
      held = true;
      break;
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code !== 'EEXIST') {
        // created but not written (a full disk): ours to remove
        if (err.syscall === 'write') rmSync(lock, { force: true });
        break;
      }
    }
    let st: Stats;
    let text: string;
    try {
      st = lstatSync(lock);
      // a directory, link or large file there is no lock of ours, and cannot be taken over safely
      if (!st.isFile() || st.size > LOCK_MAX) break;
      text = readFileSync(lock, 'utf8');
    } catch (e) {
      // released meanwhile: try again at once; unreadable, it could never be checked before its removal
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      break;
    }
    // left by a killed process, or one stuck far beyond two renames
    if (Date.now() - st.mtimeMs > LOCK_STALE_MS || Date.now() > deadline) {
      const done = removeGuarded(lock, text, st);
      // one that cannot be removed (a read-only cache) would be retried forever
      if (done === false || (done === 'busy' && Date.now() > deadline)) break;
      if (done === 'busy') await new Promise((r) => setTimeout(r, GUARD_POLL_MS));
    } else await new Promise((r) => setTimeout(r, 20));
  }
  try {
    return await fn();
  } finally {
    if (held) {
      removeOwn(lock, mine);
      releaseTemporary(lock);
    }
  }
}

/** What a file system may answer to a mode or a directory sync it does not support: nothing to do then. */
const UNSUPPORTED = new Set(['EINVAL', 'EISDIR', 'EPERM', 'EACCES', 'EBADF', 'ENOTSUP', 'EOPNOTSUPP']);

function unsupported(e: unknown): boolean {
  return UNSUPPORTED.has((e as NodeJS.ErrnoException).code ?? '');
}

/**
 * A complete temporary file (created 0o600, so nobody else can change it between its check and its rename)
 * given the mode of any file the user creates, 0o666 less the umask, and flushed to disk: a crash after the
 * rename cannot leave an empty or partial file under the final name.
 */
export async function finishTemporary(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    try {
      await fh.chmod(0o666 & ~process.umask());
    } catch (e) {
      if (!unsupported(e)) throw e;
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Make the renames in `dir` durable, where the platform can sync a directory. */
function syncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch (e) {
    if (unsupported(e)) return;
    throw e;
  }
  try {
    fsyncSync(fd);
  } catch (e) {
    if (!unsupported(e)) throw e;
  } finally {
    closeSync(fd);
  }
}

/**
 * Put a verified download (`tmp`, already through finishTemporary) in place at `dest` with its record: the
 * record first, then the file, both by rename under the lock, each flushed to disk before its rename. A crash
 * between the two leaves a record the old file does not match: the next use downloads again rather than
 * trusting it.
 */
export async function commitWithRecord(tmp: string, dest: string, record: string, rec: DownloadRecord & { source: string }): Promise<void> {
  mkdirSync(dirname(record), { recursive: true });
  const recTmp = join(dirname(record), `.greenserv-tmp-${randomBytes(6).toString('hex')}`);
  trackTemporary(recTmp);
  try {
    const body = { kind: RECORD_KIND, version: 1, source: rec.source, size: rec.size, sha256: rec.sha256, downloadedAt: new Date().toISOString() };
    writeFileSync(recTmp, JSON.stringify(body, null, 2) + '\n', { flag: 'wx', mode: 0o600 });
    await finishTemporary(recTmp);
    await withRecordLock(record, () => {
      renameSync(recTmp, record);
      renameSync(tmp, dest);
    });
    syncDirectory(dirname(record));
    syncDirectory(dirname(dest));
  } finally {
    rmSync(recTmp, { force: true });
    releaseTemporary(recTmp);
  }
}

/** Null when the cached file may be used (it matches its record, or has none), else why it may not. */
export async function cacheDamage(file: string, record: string): Promise<string | null> {
  const check = async (): Promise<string | null> => {
    const st = readRecord(record);
    if (st.kind === 'absent') return null;
    if (st.kind === 'bad') return `its download record ${record} is unusable: ${st.reason}`;
    try {
      const m = await mismatch(file, st.record);
      return m && `${m}: it was truncated or changed after it was downloaded`;
    } catch (e) {
      return `it cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`;
    }
  };
  // a mismatch may be another process between its two renames: look again once it is done
  return (await check()) === null ? null : withRecordLock(record, check);
}
