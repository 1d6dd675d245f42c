/** `experiment run --json` prints a versioned object for every kind of run, not only for a whole experiment. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

function config(split: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gs-json-'));
  writeFileSync(join(dir, 'e.yaml'), `name: e\nruns: 1\nseed: 7\nlambdas: [0.5]\n${split}arms:\n  - policy: linucb\n  - policy: train-best-static\n`);
  return join(dir, 'e.yaml');
}

describe('experiment run --json', () => {
  it('a series of splits: {schemaVersion, kind: "splits", out, splits: [{split, dir, summary}]}, each summary as written', async () => {
    const file = config('split: [0.3, 0.6]\n');
    const out = join(file, '../out');
    const r = await cli(['experiment', 'run', file, '--out', out, '--workers', '1', '--no-charts', '--no-progress', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ schemaVersion: 1, kind: 'splits', out });
    expect(j.splits.map((m: { split: unknown }) => m.split)).toEqual([
      { fraction: 0.3, draw: 0 },
      { fraction: 0.6, draw: 0 },
    ]);
    for (const m of j.splits) expect(m.summary).toEqual(JSON.parse(readFileSync(join(m.dir, 'summary.json'), 'utf8')));
  }, 120_000);

  it('a shard: {schemaVersion, kind: "shard", shard, replays, total, out}', async () => {
    const file = config('split: 0.5\n');
    const out = join(file, '../shard');
    const r = await cli(['experiment', 'run', file, '--shard', '1/2', '--out', out, '--workers', '1', '--no-progress', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ schemaVersion: 1, kind: 'shard', shard: { index: 1, count: 2 }, out });
    expect(j.replays).toBeGreaterThan(0);
    expect(j.replays).toBeLessThan(j.total);
  }, 120_000);
});
