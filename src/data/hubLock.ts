/**
 * The download lock of the hf:// cache: `.greenserv-lock-<file>` beside a cached file, created with O_EXCL by
 * the process that downloads the file and holding that process's host, pid and start time. Another process
 * that needs the same file waits for the lock instead of downloading it too, then uses what the owner left.
 * A lock whose owner is gone, or older than the waiter's whole-download limit, is taken over.
 */
import { closeSync, lstatSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, type Stats } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { releaseTemporary, trackTemporary } from '../core/atomic.js';

export const LOCK_PREFIX = '.greenserv-lock-';
/** A lock naming no owner (its process died between creating and writing it) is taken over after this. */
const UNNAMED_STALE_MS = 10_000;
const POLL_MS = 200;
const LOCK_MAX = 4096;
/** A guard is held for a few system calls: one older than this was left by a process killed inside it. */
const GUARD_STALE_MS = 10_000;
export const GUARD_POLL_MS = 10;

/** Locks this process holds, by content: a lock with our pid but none of these is a former process's. */
const held = new Set<string>();

/** The lock of the cached file `dest`; a name with no room for the prefix is replaced by its sha256. */
export function downloadLockPath(dest: string): string {
  const name = basename(dest);
  const leaf = Buffer.byteLength(LOCK_PREFIX + name) <= 255 ? name : createHash('sha256').update(name).digest('hex');
  return join(dirname(dest), LOCK_PREFIX + leaf);
}

interface Owner {
  host: string;
  pid: number;
  startedAt: number;
}

function parseOwner(text: string): Owner | null {
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    const startedAt = typeof v.startedAt === 'string' ? Date.parse(v.startedAt) : NaN;
    if (typeof v.host !== 'string' || !Number.isSafeInteger(v.pid) || (v.pid as number) <= 0 || !Number.isFinite(startedAt)) return null;
    return { host: v.host, pid: v.pid as number, startedAt };
  } catch {
    return null;
  }
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it runs, as another user
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Whether a lock may be taken over: its owner is gone, or it is older than any download of the waiter's. */
function stale(text: string, mtimeMs: number, boundMs: number): boolean {
  const o = parseOwner(text);
  if (o === null) return Date.now() - mtimeMs > UNNAMED_STALE_MS;
  // a pid means nothing on another host sharing the cache: there only the age tells
  if (o.host === hostname()) {
    if (o.pid === process.pid ? !held.has(text) : !running(o.pid)) return true;
  }
  return Date.now() - o.startedAt > boundMs;
}

export interface DownloadLock {
  /** True when another process held the lock first: the file may be in the cache now. */
  waited: boolean;
  release(): void;
}

/**
 * Hold the download lock of `dest`, waiting while another live process holds it, for `boundMs` at most
 * (a lock older than that is stale). Where no lock can be made (an unwritable cache, a directory or link in
 * its place), the lock cannot be read or removed, or the wait ran out, the download goes ahead unlocked: the
 * file/record pair stays consistent either way (hubRecord.ts), only the bytes are fetched twice. `onWait` is
 * told once, when the wait starts.
 */
export async function acquireDownloadLock(dest: string, boundMs: number, onWait: (pid: number | null) => void): Promise<DownloadLock> {
  const lock = downloadLockPath(dest);
  const deadline = Date.now() + boundMs;
  let waited = false;
  const unlocked = (): DownloadLock => ({ waited, release: () => {} });
  for (;;) {
    const mine = `${JSON.stringify({ host: hostname(), pid: process.pid, startedAt: new Date().toISOString(), token: randomBytes(8).toString('hex') })}\n`;
    try {
      mkdirSync(dirname(lock), { recursive: true });
      writeFileSync(lock, mine, { flag: 'wx' });
      held.add(mine);
      // a signal while we hold it removes it (core/atomic.ts), unless it was taken over; a wait holds nothing
      trackTemporary(lock, () => removeOwn(lock, mine));
      return { waited, release: () => release(lock, mine) };
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code !== 'EEXIST') {
        // created but not written (a full disk): ours to remove
        if (err.syscall === 'write') rmSync(lock, { force: true });
        return unlocked();
      }
    }
    let text: string;
    let st: Stats;
    try {
      st = lstatSync(lock);
      // a directory or link there is no lock of ours, and cannot be taken over safely
      if (!st.isFile() || st.size > LOCK_MAX) return unlocked();
      text = readFileSync(lock, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile
      // unreadable (another user's): retried, it would hold this process in a loop for good
      return unlocked();
    }
    if (stale(text, st.mtimeMs, boundMs)) {
      const done = removeGuarded(lock, text, st);
      // one that cannot be removed (a read-only cache) would be retried forever
      if (done === false) return unlocked();
      if (done === 'busy') {
        if (Date.now() > deadline) return unlocked();
        await new Promise((r) => setTimeout(r, GUARD_POLL_MS));
      }
      continue;
    }
    if (Date.now() > deadline) return unlocked();
    if (!waited) onWait(parseOwner(text)?.pid ?? null);
    waited = true;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** For tests: runs between the check of a lock about to be removed and its removal, where another process may act. */
export const lockTesting = { beforeRemove: (): void => {} };

/*
 * Every removal of a lock by greenserv (a takeover, a release, a signal's cleanup), of this download lock as of
 * the record lock (hubRecord.ts), is made holding the lock's guard, a file beside it created with O_EXCL, and
 * only after checking, under the guard, that the lock is still the file the remover means: the stale one it
 * judged, or its own. While the guard is held no one else removes the lock, and no new lock can be created while
 * that one exists, so the file checked is the file removed: two waiters never both take over one stale lock, and
 * an owner never removes the lock taken over from it. A guard left by a process killed inside it is removed
 * after GUARD_STALE_MS; two processes doing that at the same moment could both pass, and where no guard can be
 * made the removal is unguarded: a second download at most, or a record its file does not match, downloaded again.
 */
export function guardPath(lock: string): string {
  // in the temporaries' namespace: never a lock's name, never listed, removed by the stale-temporary sweep
  return join(dirname(lock), `.greenserv-tmp-guard-${createHash('sha256').update(basename(lock)).digest('hex').slice(0, 32)}`);
}

/** Take the guard of `lock`: its release, 'busy' while another process holds it, 'none' where none can be made. */
function takeGuard(lock: string): (() => void) | 'busy' | 'none' {
  const guard = guardPath(lock);
  try {
    closeSync(openSync(guard, 'wx'));
    return () => rmSync(guard, { force: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return 'none';
  }
  try {
    const st = lstatSync(guard);
    if (!st.isFile()) return 'none';
    if (Date.now() - st.mtimeMs > GUARD_STALE_MS) rmSync(guard);
    return 'busy';
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'busy' : 'none';
  }
}

/**
 * Remove `lock` under its guard if it still holds `text` and, given `was`, is still that file (a new lock may
 * reuse the inode; one not yet written reads as empty as an unnamed stale one, but is newer). True when done
 * or nothing is to be done, 'busy' while another process holds the guard, false when it cannot be removed.
 */
export function removeGuarded(lock: string, text: string, was?: Stats): boolean | 'busy' {
  const guard = takeGuard(lock);
  if (guard === 'busy') return 'busy';
  try {
    const st = lstatSync(lock);
    if (was && (st.ino !== was.ino || st.dev !== was.dev || st.mtimeMs !== was.mtimeMs)) return true;
    if (readFileSync(lock, 'utf8') !== text) return true;
    lockTesting.beforeRemove();
    rmSync(lock, { force: true });
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT'; // gone already
  } finally {
    if (typeof guard === 'function') {
      try {
        guard();
      } catch {
        // left: removed as stale later
      }
    }
  }
}

/** Remove our own lock; its guard is waited for synchronously, as a signal's cleanup cannot wait otherwise. */
export function removeOwn(lock: string, mine: string): void {
  const until = Date.now() + 2 * GUARD_STALE_MS;
  while (removeGuarded(lock, mine) === 'busy' && Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, GUARD_POLL_MS);
}

function release(lock: string, mine: string): void {
  removeOwn(lock, mine);
  held.delete(mine);
  releaseTemporary(lock);
}
