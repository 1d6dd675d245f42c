import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataError } from '../core/errors.js';

let root: string | null = null;
let cached: string | null = null;

/** The package root (where package.json is), found from this file whether it runs from src/ or dist/. */
export function packageRoot(): string {
  if (root === null) {
    let d = dirname(fileURLToPath(import.meta.url));
    while (!existsSync(join(d, 'package.json')) && dirname(d) !== d) d = dirname(d);
    root = d;
  }
  return root;
}

/** The package version from package.json. */
export function version(): string {
  if (cached === null) {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
    cached = pkg.version;
  }
  return cached;
}

/**
 * A shard's greenserv version must be this one: a merge recomputes every summary from the replays, so shards
 * of another version would give results that no single version writes.
 */
export function checkShardVersion(recorded: unknown, stateFile: string): void {
  if (recorded === version()) return;
  const by = typeof recorded === 'string' ? `greenserv ${recorded}` : 'an older greenserv, which records no version';
  throw new DataError(`written by ${by}, and this is greenserv ${version()}; merge with the version that ran the shards, or re-run them with this one`, stateFile, undefined, 'greenserv', 'field');
}
