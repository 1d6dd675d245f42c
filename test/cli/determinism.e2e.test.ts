/**
 * Determinism of the built binary: two runs of one seed write the same bytes, another seed does not. Three
 * whole runs as child processes, so an e2e file (npm test covers determinism in process, test/sim).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

describe('greenserv simulate', () => {
  it('same seed ⇒ byte-identical summary.json, runs.csv and steps', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-'));
    const a = await cli(['simulate', '--runs', '2', '--steps', 'arrow', '--out', join(dir, 'a')]);
    const b = await cli(['simulate', '--runs', '2', '--steps', 'arrow', '--out', join(dir, 'b')]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    for (const f of ['summary.json', 'runs.csv', 'steps.arrow']) {
      expect(readFileSync(join(dir, 'a', f)).equals(readFileSync(join(dir, 'b', f)))).toBe(true);
    }
    const c = await cli(['simulate', '--runs', '2', '--seed', '41', '--steps', 'none', '--out', join(dir, 'c')]);
    expect(c.code).toBe(0);
    expect(readFileSync(join(dir, 'c', 'summary.json')).equals(readFileSync(join(dir, 'a', 'summary.json')))).toBe(false);
  });
});
