/** A results directory's own config.yaml can be rerun into it with --force; a user's YAML inside --out cannot be replaced. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/app/experiment.js';
import { UsageError } from '../../src/core/errors.js';

const CONFIG = 'name: rerun\nruns: 1\nseed: 3\nlambdas: [0.5]\narms:\n  - policy: random\n  - policy: linucb\n';

describe('experiment run --force and the config it reads', () => {
  it('reruns <out>/config.yaml into <out> with the same bytes', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gs-rerun-'));
    writeFileSync(join(root, 'e.yaml'), CONFIG);
    const out = join(root, 'res');
    await runExperiment(join(root, 'e.yaml'), { out, charts: false, workers: 1 });
    const before = readFileSync(join(out, 'summary.json'), 'utf8');
    await runExperiment(join(out, 'config.yaml'), { out, charts: false, workers: 1, force: true });
    expect(readFileSync(join(out, 'summary.json'), 'utf8')).toBe(before);
    expect(readFileSync(join(out, 'config.yaml'), 'utf8')).toBe(CONFIG);
  }, 60_000);

  it('a YAML of the user\'s inside the directory to replace is refused, even with --force', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gs-rerun-'));
    const out = join(root, 'res');
    mkdirSync(out);
    writeFileSync(join(out, 'mine.yaml'), CONFIG);
    // a greenserv results directory (a manifest) that also holds the user's YAML
    writeFileSync(join(out, 'manifest.json'), JSON.stringify({ schemaVersion: 1, command: 'experiment', greenserv: '0' }));
    const e = await runExperiment(join(out, 'mine.yaml'), { out, charts: false, workers: 1, force: true }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).toMatch(/it holds the input file .*mine\.yaml/);
    expect(existsSync(join(out, 'mine.yaml'))).toBe(true);
  });
});
