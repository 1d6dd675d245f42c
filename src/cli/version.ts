import { readFileSync } from 'node:fs';

let cached: string | null = null;

/** The package version (from package.json, two levels above dist/src/cli). */
export function version(): string {
  if (cached === null) {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    cached = pkg.version;
  }
  return cached;
}
