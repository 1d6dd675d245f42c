/**
 * Atomic results directories: everything is written into a temporary sibling directory, which is renamed
 * into place only when complete. A failure leaves nothing behind at the target.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../data/errors.js';

export class AtomicDir {
  readonly target: string;
  readonly tmp: string;
  private done = false;

  constructor(target: string, private readonly force = false) {
    this.target = resolve(target);
    if (existsSync(this.target) && readdirSync(this.target).length > 0 && !force) {
      throw new UsageError(`output directory '${target}' already exists and is not empty; choose another --out or pass --force`);
    }
    const parent = dirname(this.target);
    mkdirSync(parent, { recursive: true });
    this.tmp = join(parent, `.${basename(this.target)}.tmp-${process.pid}-${Date.now()}`);
    mkdirSync(this.tmp);
  }

  write(name: string, data: string | Uint8Array): void {
    const p = join(this.tmp, name);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, data);
  }

  path(name: string): string {
    return join(this.tmp, name);
  }

  /** Move the finished directory into place (replacing an existing one only with force). */
  commit(): void {
    if (existsSync(this.target)) {
      const old = `${this.tmp}.old`;
      renameSync(this.target, old);
      renameSync(this.tmp, this.target);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(this.tmp, this.target);
    }
    this.done = true;
  }

  /** Remove the temporary directory (call on failure). */
  abort(): void {
    if (!this.done) rmSync(this.tmp, { recursive: true, force: true });
  }
}

/** Write a single file atomically (temp file in the same directory, then rename). */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const p = resolve(path);
  mkdirSync(dirname(p), { recursive: true });
  const tmp = join(dirname(p), `.${basename(p)}.tmp-${process.pid}-${Date.now()}`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, p);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
