/**
 * Two runs of one experiment into one --out, the second claiming its checkpoint just after the first finished
 * (the first removes its checkpoint once its results are in place): the second gives way, exit 2, and leaves
 * no checkpoint behind. The finish of the other run is staged inside the claim, so the test does not depend
 * on timing.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';

const staged: { from: string; to: string } = { from: '', to: '' };

vi.mock('../../src/sim/checkpoint.js', async (importOriginal) => {
  const orig = await importOriginal<typeof import('../../src/sim/checkpoint.js')>();
  class StagedCheckpoint extends orig.Checkpoint {
    constructor(dir: string, state: ConstructorParameters<typeof orig.Checkpoint>[1], fresh: boolean) {
      // the other run's results land in --out just before this run claims its checkpoint directory
      if (fresh && staged.from !== '' && !existsSync(staged.to)) cpSync(staged.from, staged.to, { recursive: true });
      super(dir, state, fresh);
    }
  }
  return { ...orig, Checkpoint: StagedCheckpoint };
});

const { runExperiment } = await import('../../src/app/experiment.js');
const { UsageError, wordedMessage } = await import('../../src/core/errors.js');
const { flagName } = await import('../../src/cli/errors.js');

let root: string;
let cfg: string;
let other: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'gs-race-'));
  cfg = join(root, 'race.yaml');
  writeFileSync(cfg, 'name: race\ndataset: greenserv-pool\nruns: 1\nseed: 3\narms:\n  - policy: random\n');
  other = join(root, 'other');
  await runExperiment(cfg, { out: other, charts: false, workers: 1 });
}, 60_000);

describe('a run whose --out is filled by another run while it starts', () => {
  it('is exit 2 (UsageError) naming --out, and leaves neither a checkpoint nor a change to the results there', async () => {
    const out = join(root, 'out');
    staged.from = other;
    staged.to = out;
    const e = await runExperiment(cfg, { out, charts: false, workers: 1 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).toBe(`output directory '${out}' already exists and is not empty; choose another out or pass force`);
    // the command words the same error by its flags
    expect(wordedMessage(e as Error, flagName)).toBe(`output directory '${out}' already exists and is not empty; choose another --out or pass --force`);
    expect(existsSync(`${out}.partial`)).toBe(false);
    expect(readFileSync(join(out, 'summary.json')).equals(readFileSync(join(other, 'summary.json')))).toBe(true);
  });
});
