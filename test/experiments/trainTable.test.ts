/**
 * An experiment's `train:` table must have the dataset's models (as `simulate --train` requires): other models,
 * or some missing, are refused at the field before anything is written.
 */
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/app/experiment.js';
import { DataError } from '../../src/core/errors.js';
import { cli } from '../helpers/cli.js';

/** A wide CSV of `n` mmlu queries with one accuracy column per model. */
function wide(models: string[], n: number, tag: string): string {
  const rows = [`query_id,task,${models.map((m) => `${m}|accuracy`).join(',')}`];
  for (let i = 0; i < n; i++) rows.push(`${tag}${i},mmlu,${models.map((_, k) => (i + k) % 2).join(',')}`);
  return rows.join('\n') + '\n';
}

const ARMS = 'arms:\n  - policy: linucb\n  - policy: train-best-static\n  - policy: knn\n  - policy: predictive\n  - policy: warm-linucb\n';

function setup(trainModels: string[]): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gs-train-'));
  writeFileSync(join(dir, 'test.csv'), wide(['a', 'b'], 30, 't'));
  writeFileSync(join(dir, 'train.csv'), wide(trainModels, 20, 'r'));
  const file = join(dir, 'x.yaml');
  writeFileSync(file, `name: x\ndataset: test.csv\ntrain: train.csv\nruns: 1\n${ARMS}`);
  return { dir, file };
}

describe('experiment train table against the dataset', () => {
  it('a train table with other models, or lacking some, is refused at the train field; nothing is written', async () => {
    const cases: [string[], string][] = [
      [['a', 'c'], 'it lacks b and has c not in the dataset'],
      [['a'], 'it lacks b'],
      [['a', 'b', 'c'], 'it has c not in the dataset'],
    ];
    for (const [models, why] of cases) {
      const { dir, file } = setup(models);
      const err = await runExperiment(file, { out: join(dir, 'out'), charts: false }).catch((e: unknown) => e);
      expect(err, models.join()).toBeInstanceOf(DataError);
      expect((err as Error).message).toBe(`${file}:3 (field 'train'): the train table 'train.csv' must have the same models as the dataset 'test.csv'; ${why}`);
      expect(readdirSync(dir).sort()).toEqual(['test.csv', 'train.csv', 'x.yaml']);
    }
  });

  it('the same models in another order run', async () => {
    const { dir, file } = setup(['b', 'a']);
    const { summary } = await runExperiment(file, { out: join(dir, 'out'), charts: false });
    expect(summary.protocol?.trainQueries).toBe(20);
    expect(existsSync(join(dir, 'out', 'summary.json'))).toBe(true);
  });

  it('through the CLI: exit 2, and neither the results nor a checkpoint', async () => {
    const { dir, file } = setup(['a', 'c']);
    const out = join(dir, 'out');
    const r = await cli(['experiment', 'run', file, '--out', out, '--no-progress', '--no-charts']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^greenserv: error: .*x\.yaml:3 \(field 'train'\): the train table 'train\.csv' must have the same models/);
    expect(existsSync(out) || existsSync(`${out}.partial`)).toBe(false);
  });
});
