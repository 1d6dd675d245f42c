/**
 * Atomic results directories: everything is written into a temporary sibling directory, which is renamed
 * into place only when complete. A failure, SIGINT or SIGTERM leaves nothing behind at the target; temp
 * directories of processes that died harder (SIGKILL, power loss) are removed by the next run. While a
 * temporary exists a signal ends the process (after the command's own handlers ran), so a command that
 * stops gracefully on a signal should open its AtomicDir only once the long work is done.
 */
import { appendFileSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError, userIoError } from './errors.js';

/** File-system calls used for writing, swappable by tests to simulate a full or failing disk. */
export const atomicFs = { writeFileSync, mkdirSync, renameSync, appendFileSync };


function io<T>(path: string, action: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw userIoError(e, path, action);
  }
}

function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw userIoError(e, p, 'inspect');
  }
}

// ---- cleanup on signals and exit ---------------------------------------------------------------------

const pending = new Set<string>();
let hooked = false;

function cleanupPending(): void {
  for (const p of pending) rmSync(p, { recursive: true, force: true });
  pending.clear();
}

function onSignal(sig: NodeJS.Signals): void {
  cleanupPending();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  // alone, die by the signal as if never caught; otherwise let the other handlers (a command's own) end
  // the process, and re-send the signal if none did in this turn (e.g. one that only acts when alone)
  if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
  else setImmediate(() => process.kill(process.pid, sig));
}

function track(p: string): void {
  pending.add(p);
  if (!hooked) {
    hooked = true;
    process.on('exit', cleanupPending);
  }
  // listen only while something is pending: a listener would otherwise keep a busy process from dying
  if (process.listeners('SIGINT').indexOf(onSignal) < 0) process.on('SIGINT', onSignal);
  if (process.listeners('SIGTERM').indexOf(onSignal) < 0) process.on('SIGTERM', onSignal);
}

function untrack(p: string): void {
  pending.delete(p);
  if (pending.size === 0) {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * For writers with their own temporary files: `trackTemporary(p)` has `p` removed on SIGINT, SIGTERM or
 * exit until `releaseTemporary(p)` (after it was renamed into place or removed).
 */
export { track as trackTemporary, untrack as releaseTemporary };

/** Paths of temporary files and directories this process would remove on SIGINT/SIGTERM or exit. */
export function pendingTemporaries(): string[] {
  return [...pending];
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const TEMP_NAME = /^\..+\.tmp-(\d+)-\d+(?:\.old)?$/;

/** Remove temporary entries (`.<name>.tmp-<pid>-<time>[.old]`) left in `dir` by processes no longer running. */
export function removeStaleTemporaries(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const n of names) {
    const m = TEMP_NAME.exec(n);
    if (!m || alive(Number(m[1]))) continue;
    rmSync(join(dir, n), { recursive: true, force: true });
    removed.push(n);
  }
  return removed;
}

function tempName(target: string): string {
  return join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${Date.now()}`);
}

// ---- commit lock -------------------------------------------------------------------------------------

const LOCK_WAIT_MS = 10_000;

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * An exclusive claim on committing to `target`, by every greenserv process: a lock file created with
 * O_EXCL holding the owner's pid. A lock of a dead process is taken over.
 */
function withCommitLock<T>(target: string, fn: () => T): T {
  const lock = join(dirname(target), `.${basename(target)}.lock`);
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw userIoError(e, lock, 'create lock');
    }
    let owner = NaN;
    try {
      owner = Number(readFileSync(lock, 'utf8'));
    } catch {
      continue; // released meanwhile
    }
    if (Number.isInteger(owner) && owner > 0 && !alive(owner)) {
      rmSync(lock, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new UsageError(`cannot commit '${target}': another greenserv process (pid ${owner}) holds ${lock}; remove it if no such process is running`);
    sleep(20);
  }
  track(lock);
  try {
    return fn();
  } finally {
    rmSync(lock, { force: true });
    untrack(lock);
  }
}

// ---- results directories -----------------------------------------------------------------------------

export class AtomicDir {
  readonly target: string;
  readonly tmp: string;
  private done = false;

  constructor(
    target: string,
    private readonly force = false,
  ) {
    this.target = AtomicDir.checkTarget(target, force);
    const parent = dirname(this.target);
    io(parent, 'create output directory', () => atomicFs.mkdirSync(parent, { recursive: true }));
    removeStaleTemporaries(parent);
    this.tmp = tempName(this.target);
    io(this.target, 'create output directory', () => atomicFs.mkdirSync(this.tmp));
    track(this.tmp);
  }

  /** The resolved target after checking it can be (re)placed; a symlink to a directory is followed. */
  static checkTarget(target: string, force: boolean): string {
    let abs = resolve(target);
    let st = lstatOrNull(abs);
    if (st?.isSymbolicLink()) {
      let real: string;
      try {
        real = realpathSync(abs);
      } catch {
        throw new UsageError(`output directory '${target}' is a dangling symbolic link; remove it or choose another --out`);
      }
      abs = real;
      st = lstatOrNull(abs);
    }
    if (!st) return abs;
    if (!st.isDirectory()) throw new UsageError(`output directory '${target}' exists and is not a directory; choose another --out`);
    const parent = lstatOrNull(dirname(abs));
    if (parent && (parent.dev !== st.dev || abs === dirname(abs))) {
      throw new UsageError(`output directory '${target}' is a mount point and cannot be replaced${force ? ' (even with --force)' : ''}; write into a directory inside it`);
    }
    const entries = io(target, 'read', () => readdirSync(abs));
    if (entries.length > 0 && !force) throw new UsageError(`output directory '${target}' already exists and is not empty; choose another --out or pass --force`);
    return abs;
  }

  /** Write one file; chunks (an iterable of strings or bytes) are written as they come, never joined in memory. */
  write(name: string, data: string | Uint8Array | Iterable<string | Uint8Array>): void {
    const p = join(this.tmp, name);
    io(join(this.target, name), 'write', () => {
      atomicFs.mkdirSync(dirname(p), { recursive: true });
      if (typeof data === 'string' || data instanceof Uint8Array) return atomicFs.writeFileSync(p, data);
      atomicFs.writeFileSync(p, '');
      for (const chunk of data) atomicFs.appendFileSync(p, chunk);
    });
  }

  path(name: string): string {
    return join(this.tmp, name);
  }

  /**
   * Move the finished directory into place. Under the commit lock the target is checked again: a directory
   * filled by another run meanwhile is replaced only with force, otherwise this run fails with exit 2.
   */
  commit(): void {
    const t = this.target;
    withCommitLock(t, () => {
      const st = lstatOrNull(t);
      if (st && !st.isDirectory()) throw new UsageError(`output directory '${t}' was replaced by a file while this run was in progress; nothing written`);
      const filled = st !== null && io(t, 'read', () => readdirSync(t)).length > 0;
      if (filled && !this.force) {
        throw new UsageError(`output directory '${t}' was written by another run while this one was in progress; nothing written (choose another --out or pass --force)`);
      }
      if (filled) {
        const old = `${this.tmp}.old`;
        io(t, 'replace', () => atomicFs.renameSync(t, old));
        track(old);
        try {
          io(t, 'write', () => atomicFs.renameSync(this.tmp, t));
        } catch (e) {
          renameSync(old, t);
          untrack(old);
          throw e;
        }
        rmSync(old, { recursive: true, force: true });
        untrack(old);
      } else {
        // rename(2) replaces an empty directory, which is what an empty existing --out may be
        io(t, 'write', () => atomicFs.renameSync(this.tmp, t));
      }
    });
    untrack(this.tmp);
    this.done = true;
  }

  /** Remove the temporary directory (call on failure). */
  abort(): void {
    if (!this.done) rmSync(this.tmp, { recursive: true, force: true });
    untrack(this.tmp);
  }
}

/** Write a single file atomically (temp file in the same directory, then rename). */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  let p = resolve(path);
  let st = lstatOrNull(p);
  if (st?.isSymbolicLink()) {
    // write where the link points, keeping the link
    try {
      p = realpathSync(p);
    } catch {
      throw new UsageError(`cannot write '${path}': it is a dangling symbolic link`);
    }
    st = lstatOrNull(p);
  }
  if (st?.isDirectory()) throw new UsageError(`cannot write '${path}': it is a directory`);
  // a rename would replace a device, FIFO or socket by a regular file
  if (st && !st.isFile()) throw new UsageError(`cannot write '${path}': not a regular file (a device, FIFO or socket); name a file`);
  io(path, 'create the directory of', () => atomicFs.mkdirSync(dirname(p), { recursive: true }));
  const tmp = tempName(p);
  track(tmp);
  try {
    io(path, 'write', () => {
      atomicFs.writeFileSync(tmp, data);
      atomicFs.renameSync(tmp, p);
    });
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  } finally {
    untrack(tmp);
  }
}
