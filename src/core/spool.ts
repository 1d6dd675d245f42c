/**
 * A spool: blocks of typed arrays appended to one temporary file per key and read back by byte position.
 * A long step trace goes through one so that only a block of it is in memory at a time. The temporary
 * directory is removed by `dispose()`, or on SIGINT, SIGTERM or exit when a run stops early.
 *
 * A worker thread cannot clean up on a signal, so there the directory comes from the main thread
 * (`spoolDirectory`, tracked there): the worker's spool (`Spool.into`) writes its files into it, closes them
 * with `handOver()` and sends the sizes back, and the main thread reads them through `Spool.adopt`.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { releaseTemporary, trackTemporary } from './atomic.js';
import { userIoError } from './errors.js';

/** The bytes written to each key of a spool handed over: [key, size] pairs. */
export type SpoolSizes = [key: number, size: number][];

/** A new temporary directory for a spool, removed on SIGINT, SIGTERM or exit until `removeSpoolDirectory`. */
export function spoolDirectory(parent: string = tmpdir()): string {
  let dir: string;
  try {
    dir = mkdtempSync(join(parent, 'greenserv-spool-'));
  } catch (e) {
    throw userIoError(e, parent, 'create a temporary directory in');
  }
  // retried: a worker thread may open a file in it while a signal has it removed here
  trackTemporary(dir, () => removeDir(dir));
  return dir;
}

const removeDir = (dir: string): void => rmSync(dir, { recursive: true, force: true, maxRetries: 2 });

/** Remove a spool directory of `spoolDirectory` and stop tracking it. */
export function removeSpoolDirectory(dir: string): void {
  removeDir(dir);
  releaseTemporary(dir);
}

export class Spool {
  private dir: string | null = null;
  private readonly fds = new Map<number, number>();
  private readonly sizes = new Map<number, number>();
  /** A directory given by the caller (`into`): neither made, tracked nor removed here. */
  private given = false;

  constructor(private readonly parent: string = tmpdir()) {}

  /** A spool writing into `dir`, which its caller made and removes (the worker side of a hand-over). */
  static into(dir: string): Spool {
    const s = new Spool();
    s.dir = dir;
    s.given = true;
    return s;
  }

  /**
   * The spool whose files another thread wrote into `dir` (of `spoolDirectory`) with these sizes, opened for
   * reading. It owns `dir` from now on: `dispose()` removes it, also when opening a file fails here.
   */
  static adopt(dir: string, sizes: SpoolSizes): Spool {
    const s = new Spool();
    s.dir = dir;
    try {
      for (const [key, size] of sizes) {
        s.fds.set(key, openSync(join(dir, `${key}.bin`), 'r'));
        s.sizes.set(key, size);
      }
    } catch (e) {
      s.dispose();
      throw e;
    }
    return s;
  }

  private fd(key: number): number {
    let fd = this.fds.get(key);
    if (fd !== undefined) return fd;
    if (this.dir === null) this.dir = spoolDirectory(this.parent);
    const path = join(this.dir, `${key}.bin`);
    try {
      fd = openSync(path, 'w+');
    } catch (e) {
      throw userIoError(e, path, 'create');
    }
    this.fds.set(key, fd);
    this.sizes.set(key, 0);
    return fd;
  }

  /** Append the bytes of `parts`, in order, to key's file. */
  append(key: number, parts: readonly ArrayBufferView[]): void {
    const fd = this.fd(key);
    let size = this.sizes.get(key)!;
    for (const p of parts) {
      const u8 = new Uint8Array(p.buffer, p.byteOffset, p.byteLength);
      let off = 0;
      while (off < u8.length) off += writeSync(fd, u8, off, u8.length - off, size + off);
      size += u8.length;
    }
    this.sizes.set(key, size);
  }

  /** Bytes appended to key so far. */
  size(key: number): number {
    return this.sizes.get(key) ?? 0;
  }

  /** Fill `into` from key's file starting at byte `position` (which must lie within what was appended). */
  read(key: number, position: number, into: Uint8Array): void {
    const fd = this.fds.get(key);
    if (fd === undefined || position + into.length > this.size(key)) throw new Error(`spool: bytes ${position}+${into.length} of key ${key} were never written`);
    let off = 0;
    while (off < into.length) {
      const n = readSync(fd, into, off, into.length - off, position + off);
      if (n === 0) throw new Error(`spool: key ${key} ends at byte ${position + off}`);
      off += n;
    }
  }

  /** Close the files of a spool writing `into` a given directory and tell their sizes, for `Spool.adopt`. */
  handOver(): SpoolSizes {
    if (!this.given) throw new Error('spool: only a spool writing into a given directory is handed over');
    const sizes: SpoolSizes = [...this.sizes];
    this.dispose();
    return sizes;
  }

  /** Close the files and remove the directory (a given one is left to whoever made it). */
  dispose(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
    this.sizes.clear();
    if (this.dir !== null && !this.given) removeSpoolDirectory(this.dir);
    this.dir = null;
  }
}
