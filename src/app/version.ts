import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
