/**
 * Atomic results directories: everything is written into a temporary sibling directory, which is renamed
 * into place only when complete. A failure, SIGINT or SIGTERM leaves nothing behind at the target; temp
 * directories of processes that died harder (SIGKILL, power loss) are removed by the next run. While a
 * temporary exists a signal ends the process (after the command's own handlers ran), so a command that
 * stops gracefully on a signal should open its AtomicDir only once the long work is done.
 */
import { appendFileSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { SettingError, UsageError, userIoError } from './errors.js';
import { greenservMarker, inputInside, protectedDirectory, type Inputs } from './outputGuard.js';

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

/**
 * The scheme of a path that reads as an address (`s3://bucket/x` gives 's3'), else null: written as a path it
 * would become a local folder named after the scheme ('s3:'), far from where it was meant to go.
 */
export function addressScheme(path: string): string | null {
  return /^([a-z][a-z0-9+.-]*):\/\//i.exec(path)?.[1] ?? null;
}

/**
 * What is wrong when the nearest existing path above `path` is not a directory (`'my.csv' is a file, not a
 * directory` for `my.csv/sub`, named as the user named it): nothing can be made below it. Null when it is one.
 */
export function fileAbove(path: string): string | null {
  for (let p = dirname(path); ; p = dirname(p)) {
    try {
      const st = statSync(p);
      return st.isDirectory() ? null : `'${p}' is ${st.isFile() ? 'a file, ' : ''}not a directory`;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || dirname(p) === p) return null;
    }
  }
}

/**
 * Resolve once a signal that arrived during synchronous work has been handled. Node reads signals in the poll
 * phase of its event loop; the first immediate may run before the next poll (when the work itself ran in a
 * poll callback), the second always runs after one.
 */
export async function signalsHandled(): Promise<void> {
  for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

// ---- cleanup on signals and exit ---------------------------------------------------------------------

/** Tracked paths, each with its own remover if it has one (a lock another process may have taken over by now). */
const pending = new Map<string, (() => void) | undefined>();
let hooked = false;

function cleanupPending(): void {
  for (const [p, remove] of pending) if (remove) remove(); else rmSync(p, { recursive: true, force: true });
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

function track(p: string, remove?: () => void): void {
  pending.set(p, remove);
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
 * For writers with their own temporary files: `trackTemporary(p)` has `p` removed on SIGINT, SIGTERM or exit
 * (by `remove()` if given) until `releaseTemporary(p)`. `removeTemporaries()` does now what a signal does.
 */
export { track as trackTemporary, untrack as releaseTemporary, cleanupPending as removeTemporaries };

/** Paths of temporary files and directories this process would remove on SIGINT/SIGTERM or exit. */
export function pendingTemporaries(): string[] {
  return [...pending.keys()];
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

export const TEMP_NAME = /^\..+\.tmp-(\d+)-\d+(?:\.old)?$/;

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
  /** The target as the user named it, for messages. */
  private readonly label: string;

  /** `inputs`: the files (or directories) the run reads; a directory holding one is never replaced. */
  constructor(
    target: string,
    private readonly force = false,
    private readonly inputs: Inputs = [],
  ) {
    this.label = target;
    this.target = AtomicDir.checkTarget(target, force, inputs);
    const parent = dirname(this.target);
    io(parent, 'create output directory', () => atomicFs.mkdirSync(parent, { recursive: true }));
    removeStaleTemporaries(parent);
    this.tmp = tempName(this.target);
    io(this.target, 'create output directory', () => atomicFs.mkdirSync(this.tmp));
    track(this.tmp);
  }

  /**
   * The resolved target after checking it can be (re)placed; a symlink to a directory is followed. Never
   * replaced, even with force: the root, the home directory, the current directory and its parents, a mount
   * point, and a directory holding one of `inputs`; with force, a non-empty directory only when it holds
   * results greenserv wrote (docs/outputs.md, "Replacing results").
   */
  static checkTarget(target: string, force: boolean, inputs: Inputs = []): string {
    const scheme = addressScheme(target);
    if (scheme) throw new SettingError((n) => `${n('out')} ${target}: results are written to a local directory, not to an address (${scheme}://…); name a local path`);
    const above = fileAbove(target);
    if (above !== null) throw new SettingError((n) => `${n('out')} ${target}: ${above}; choose another ${n('out')}`);
    let abs = resolve(target);
    let st = lstatOrNull(abs);
    if (st?.isSymbolicLink()) {
      let real: string;
      try {
        real = realpathSync(abs);
      } catch {
        throw new SettingError((n) => `output directory '${target}' is a dangling symbolic link; remove it or choose another ${n('out')}`);
      }
      abs = real;
      st = lstatOrNull(abs);
    }
    if (!st) return abs;
    if (!st.isDirectory()) throw new SettingError((n) => `output directory '${target}' exists and is not a directory; choose another ${n('out')}`);
    const never = protectedDirectory(abs);
    if (never) throw new SettingError((n) => `${n('out')} ${target}: refusing to replace ${never}${force ? `, even with ${n('force')}` : ''}; name a new directory for the results`);
    const parent = lstatOrNull(dirname(abs));
    if (parent && (parent.dev !== st.dev || abs === dirname(abs))) {
      throw new SettingError((n) => `output directory '${target}' is a mount point and cannot be replaced${force ? ` (even with ${n('force')})` : ''}; write into a directory inside it`);
    }
    const held = AtomicDir.contents(abs, target, force, inputs, '');
    if (held === 'results' && !force) throw new SettingError((n) => `output directory '${target}' already exists and is not empty; choose another ${n('out')} or pass ${n('force')}`);
    if (held === 'other') throw AtomicDir.notOurs(target, force, '');
    return abs;
  }

  /**
   * What an existing directory holds: nothing, results greenserv wrote, or anything else. One holding an
   * input is refused here, whatever force says.
   */
  private static contents(abs: string, label: string, force: boolean, inputs: Inputs, after: string): 'empty' | 'results' | 'other' {
    const entries = io(label, 'read', () => readdirSync(abs));
    if (entries.length === 0) return 'empty';
    const found = inputInside(abs, inputs);
    if (found !== null) {
      const kind = lstatOrNull(found.input)?.isDirectory() ? 'input directory' : 'input file';
      throw new SettingError((n) => `${n('out')} ${label}: it ${found.itself ? 'is' : 'holds'} the ${kind} ${found.input}; refusing to replace it${force ? `, even with ${n('force')}` : ''}${after}; choose another ${n('out')}`);
    }
    return greenservMarker(abs) === null ? 'other' : 'results';
  }

  private static notOurs(label: string, force: boolean, after: string): SettingError {
    const what = 'it is not empty and holds no results of greenserv (none of the manifest.json, summary.json, state.json, profile.json, sensitivity.json or splits.csv a greenserv run writes)';
    return new SettingError((n) => `${n('out')} ${label}: ${what}; refusing to replace it${force ? `, even with ${n('force')}` : ''}${after} (${n('force')} replaces only earlier results); choose another ${n('out')} or remove it yourself`);
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

  /** write() of many chunks that lets signals in every 50 ms: a Ctrl-C during a long file ends the run at once. */
  async writeChunks(name: string, data: Iterable<string | Uint8Array>): Promise<void> {
    this.write(name, '');
    let turn = Date.now();
    for (const chunk of data) {
      io(join(this.target, name), 'write', () => atomicFs.appendFileSync(join(this.tmp, name), chunk));
      if (Date.now() - turn < 50) continue;
      await signalsHandled();
      turn = Date.now();
    }
  }

  path(name: string): string {
    return join(this.tmp, name);
  }

  /**
   * commit() after one turn of the event loop: a SIGINT or SIGTERM that arrived while the files were written
   * synchronously is handled first (the temporary removed, the process ended by it), not after the commit.
   */
  async commitSettled(): Promise<void> {
    await signalsHandled();
    if (!pending.has(this.tmp)) throw new Error(`interrupted while writing '${this.label}'; nothing written`);
    this.commit();
  }

  /** Move the finished directory into place. Under the commit lock the target is checked again: a directory
   *  filled by another run meanwhile is replaced only with force, otherwise this run fails with exit 2. */
  commit(): void {
    const t = this.target;
    withCommitLock(t, () => {
      const st = lstatOrNull(t);
      if (st && !st.isDirectory()) throw new UsageError(`output directory '${t}' was replaced by a file while this run was in progress; nothing written`);
      const meanwhile = ' (it changed while this run was in progress; nothing written)';
      const held = st === null ? 'empty' : AtomicDir.contents(t, this.label, this.force, this.inputs, meanwhile);
      const filled = held !== 'empty';
      if (held === 'other' && this.force) throw AtomicDir.notOurs(this.label, true, meanwhile);
      if (filled && !this.force) {
        throw new SettingError((n) => `output directory '${t}' was written by another run while this one was in progress; nothing written (choose another ${n('out')} or pass ${n('force')})`);
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

/**
 * One file written atomically in steps, for a file that must appear only together with other results. The
 * constructor checks the destination and creates the temporary file beside it, so an unusable path fails
 * before any work; `write` fills it, `commit` renames it into place, `abort` removes it. A symbolic link is
 * written through (the link stays); a missing directory is made.
 */
export class AtomicFile {
  readonly target: string;
  readonly tmp: string;
  private done = false;

  /** `label`: the path as the user named it, for messages. */
  constructor(readonly label: string) {
    const scheme = addressScheme(label);
    if (scheme) throw new UsageError(`cannot write '${label}': files are written locally, not to an address (${scheme}://…); name a local path`);
    const above = fileAbove(label);
    if (above !== null) throw new UsageError(`cannot write '${label}': ${above}`);
    let p = resolve(label);
    // below a regular file: said of the directory, below
    let st = AtomicFile.lstat(p);
    if (st?.isSymbolicLink()) {
      try {
        p = realpathSync(p);
      } catch {
        throw new UsageError(`cannot write '${label}': it is a dangling symbolic link`);
      }
      st = lstatOrNull(p);
    }
    if (st?.isDirectory()) throw new UsageError(`cannot write '${label}': it is a directory`);
    // a rename would replace a device, FIFO or socket by a regular file
    if (st && !st.isFile()) throw new UsageError(`cannot write '${label}': not a regular file (a device, FIFO or socket); name a file`);
    const parent = dirname(p);
    let dir: Stats | null;
    try {
      dir = statSync(parent);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw userIoError(e, label, 'write');
      dir = null;
    }
    if (!dir) {
      // its folder is made as an output directory's parents are
      io(label, 'write', () => atomicFs.mkdirSync(parent, { recursive: true }));
      dir = statSync(parent);
    }
    if (!dir.isDirectory()) throw new UsageError(`cannot write '${label}': '${dirname(label)}' is not a directory`);
    this.target = p;
    this.tmp = tempName(p);
    io(label, 'write', () => atomicFs.writeFileSync(this.tmp, '', { flag: 'wx' }));
    track(this.tmp);
  }

  /** lstat that also takes a path below a regular file (ENOTDIR) as absent. */
  static lstat(p: string): Stats | null {
    try {
      return lstatSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
      return lstatOrNull(p);
    }
  }

  write(data: string | Uint8Array): void {
    try {
      io(this.label, 'write', () => atomicFs.writeFileSync(this.tmp, data));
    } catch (e) {
      this.abort();
      throw e;
    }
  }

  commit(): void {
    try {
      io(this.label, 'write', () => atomicFs.renameSync(this.tmp, this.target));
    } catch (e) {
      this.abort();
      throw e;
    }
    untrack(this.tmp);
    this.done = true;
  }

  /** Remove the temporary file (call on failure). */
  abort(): void {
    if (!this.done) rmSync(this.tmp, { force: true });
    untrack(this.tmp);
  }
}

/** Write a single file atomically (temp file in the same directory, then rename); its directory is created. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const f = new AtomicFile(path);
  f.write(data);
  f.commit();
}
