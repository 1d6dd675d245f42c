import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, expect } from 'vitest';
import { DataError } from '../../../src/core/errors.js';

/** A per-test-file scratch directory, removed after the file's tests. */
export function scratch(): { dir: string; write: (name: string, content: string | Uint8Array, gzip?: boolean) => string } {
  const dir = mkdtempSync(join(tmpdir(), 'greenserv-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    write(name, content, gzip = false) {
      const p = join(dir, name);
      const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
      writeFileSync(p, gzip ? gzipSync(bytes) : bytes);
      return p;
    },
  };
}

/** Await a promise that must reject with a DataError; returns it for further checks. */
export async function dataError(p: Promise<unknown>, match?: { line?: number; column?: string; message?: RegExp }): Promise<DataError> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a DataError').toBeInstanceOf(DataError);
  const d = err as DataError;
  if (match?.line !== undefined) expect(d.line).toBe(match.line);
  if (match?.column !== undefined) expect(d.column).toBe(match.column);
  if (match?.message) expect(d.message).toMatch(match.message);
  return d;
}

/** Shared reference data beside the checkout (`../shared/data` from the repo root); absent in a fresh clone. */
export const SHARED = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));

export function sharedFile(rel: string): string | null {
  const p = join(SHARED, rel);
  if (existsSync(p)) return p;
  console.warn(`skipping: ${p} not found (shared reference data is absent)`);
  return null;
}
