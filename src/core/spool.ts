/**
 * A spool: blocks of typed arrays appended to one temporary file per key and read back by byte position.
 * A long step trace goes through one so that only a block of it is in memory at a time. The temporary
 * directory is removed by `dispose()`, or on SIGINT, SIGTERM or exit when a run stops early.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { releaseTemporary, trackTemporary } from './atomic.js';
import { userIoError } from './errors.js';

export class Spool {
  private dir: string | null = null;
  private readonly fds = new Map<number, number>();
  private readonly sizes = new Map<number, number>();

  constructor(private readonly parent: string = tmpdir()) {}

  private fd(key: number): number {
    let fd = this.fds.get(key);
    if (fd !== undefined) return fd;
    if (this.dir === null) {
      try {
        this.dir = mkdtempSync(join(this.parent, 'greenserv-spool-'));
      } catch (e) {
        throw userIoError(e, this.parent, 'create a temporary directory in');
      }
      trackTemporary(this.dir);
    }
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

  /** Close the files and remove the directory. */
  dispose(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
    this.sizes.clear();
    if (this.dir !== null) {
      rmSync(this.dir, { recursive: true, force: true });
      releaseTemporary(this.dir);
      this.dir = null;
    }
  }
}
