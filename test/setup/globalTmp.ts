/**
 * Vitest global setup: every test run gets its own temporary directory, TMPDIR points at it for the
 * workers and the CLI processes they spawn, and it is removed when the run ends. The tests make their
 * scratch directories with `mkdtempSync(join(tmpdir(), …))` and leave them behind; without this, each
 * `npm test` left about 200 directories (≈50 MB) in the system's temporary directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

/**
 * Short, so that paths in the tests stay short: some check that output (paths kept whole) fits 80 columns.
 * Exported for the test that checks the setup.
 */
export const PREFIX = 'gt-';

export default function setup(): () => void {
  // Vitest runs a global setup once for the root and once per project that extends it: only the first one acts.
  if (basename(tmpdir()).startsWith(PREFIX)) return () => {};
  const previous = process.env['TMPDIR'];
  const root = mkdtempSync(join(tmpdir(), PREFIX));
  process.env['TMPDIR'] = root;
  return () => {
    if (previous === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = previous;
    rmSync(root, { recursive: true, force: true });
  };
}
