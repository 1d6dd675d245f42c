/**
 * An experiment whose reward expression never names lambda gets the same rewards at every λ of its grid, so the
 * grid only repeats one experiment: the run warns, at the reward's line, before it loads anything.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExperimentOrShard } from '../../src/app/experiment.js';

/** The warnings a run of `yaml` gives before it fails on its missing dataset (nothing is replayed). */
async function warnings(yaml: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'gs-rewardlambda-'));
  const file = join(dir, 'e.yaml');
  writeFileSync(file, yaml);
  const seen: string[] = [];
  await expect(runExperimentOrShard(file, { out: join(dir, 'out'), warn: (m) => seen.push(m) })).rejects.toThrow(/no-such-table\.csv/);
  return seen.map((m) => m.replace(file, 'e.yaml'));
}

const config = (reward: string, lambdas: string): string => `name: e\ndataset: no-such-table.csv\nlambdas: ${lambdas}\n${reward}arms: [{policy: linucb}]\n`;

describe('a reward without lambda under a λ grid', () => {
  it('warns once, naming the file, the reward line and the number of λ values', async () => {
    expect(await warnings(config('reward: accuracy - 0.001 * energy_j\n', '[0.2, 0.5, 0.8]'))).toEqual([
      'e.yaml:4: reward: the expression does not use lambda, so the 3 values of lambdas all give the same rewards and results',
    ]);
  });

  it('does not warn when the reward uses lambda, when there is one λ, or without a reward expression', async () => {
    expect(await warnings(config('reward: accuracy - lambda * energy_j\n', '[0.2, 0.8]'))).toEqual([]);
    expect(await warnings(config('reward: accuracy - 0.001 * energy_j\n', '[0.2]'))).toEqual([]);
    expect(await warnings(config('', '[0.2, 0.8]'))).toEqual([]);
  });
});
