/** Drift under a train/test split: drifted rewards keep the cost bounds of the whole table they are scored on. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/app/experiment.js';

function config(extra: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gs-splitdrift-'));
  writeFileSync(join(dir, 'd.yaml'), `name: d\nruns: 2\nseed: 3\nlambdas: [0.5]\ncost: latency\nsplit: 0.4\n${extra}arms:\n  - policy: linucb\n  - policy: train-best-static\n`);
  return join(dir, 'd.yaml');
}

describe('drift under a split', () => {
  it('an event that changes nothing leaves regret and rewards exactly as without it', async () => {
    const none = config('');
    const same = config('drift:\n  - {step: 0, model: phi-4-mini-4b, latency: 1}\n');
    const a = await runExperiment(none, { out: join(none, '../out'), charts: false, workers: 1 });
    const b = await runExperiment(same, { out: join(same, '../out'), charts: false, workers: 1 });
    expect(b.summary.cells.map((c) => c.finalRegret.mean)).toEqual(a.summary.cells.map((c) => c.finalRegret.mean));
    expect(b.summary.cells.map((c) => c.reward.mean)).toEqual(a.summary.cells.map((c) => c.reward.mean));
  }, 60_000);
});
