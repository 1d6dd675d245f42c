/** A series of splits in experiment YAML (several train shares or draws): each split as its own experiment, and splits.csv. Whole series of experiments and the built binary, so an e2e file. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExperiment, runExperimentShard } from '../../src/app/experiment.js';
import { DataError, UsageError } from '../../src/core/errors.js';
import { parseExperiment, splitSeries } from '../../src/sim/experimentConfig.js';
import { cli } from '../helpers/cli.js';

const ARMS = 'arms:\n  - policy: linucb\n  - policy: train-best-static\n';

function config(split: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gs-splits-'));
  writeFileSync(join(dir, 's.yaml'), `name: s\nruns: 2\nseed: 7\nlambdas: [0.5]\n${split}${ARMS}`);
  return join(dir, 's.yaml');
}

describe('experiment split series', () => {
  it('runs each listed share as the one-share experiment would, and lists every split in splits.csv', async () => {
    const file = config('split: [0.3, 0.6]\n');
    const out = join(file, '../out');
    const r = await runExperiment(file, { out, charts: false, workers: 1 });
    expect(r.series!.map((m) => m.split)).toEqual([
      { fraction: 0.3, draw: 0 },
      { fraction: 0.6, draw: 0 },
    ]);
    const csv = readFileSync(join(out, 'splits.csv'), 'utf8').trimEnd().split('\n');
    expect(csv[0]).toMatch(/^split,draw,dir,train_queries,test_queries,policy,test_regret_mean,/);
    expect(csv.length).toBe(1 + 2 * 2);
    for (const f of [0.3, 0.6]) {
      // the same experiment with that one share, run on its own
      const single = config(`split: ${f}\n`);
      await runExperiment(single, { out: join(single, '../out'), charts: false, workers: 1 });
      const want = readFileSync(join(single, '../out/protocol.csv'), 'utf8');
      expect(readFileSync(join(out, `split-${f}`, 'protocol.csv'), 'utf8')).toBe(want);
      const mine = csv.filter((l) => l.startsWith(`${f},0,split-${f},`)).map((l) => l.split(',').slice(5).join(','));
      expect(mine).toEqual(want.trimEnd().split('\n').slice(1));
      const s = JSON.parse(readFileSync(join(out, `split-${f}`, 'summary.json'), 'utf8'));
      expect(s.protocol.fraction).toBe(f);
      expect(s.protocol.trainQueries + s.protocol.testQueries).toBe(2500);
    }
  }, 120_000);

  it('several draws of one share: draw 0 is the single split, the next draws differ', async () => {
    const file = config('split: 0.5\nsplits: 2\n');
    const out = join(file, '../out');
    const r = await runExperiment(file, { out, charts: false, workers: 1 });
    expect(r.series!.map((m) => m.dir)).toEqual([join(out, 'split-0.5-draw-0'), join(out, 'split-0.5-draw-1')]);
    const single = config('split: 0.5\n');
    await runExperiment(single, { out: join(single, '../out'), charts: false, workers: 1 });
    expect(readFileSync(join(out, 'split-0.5-draw-0', 'protocol.csv'), 'utf8')).toBe(readFileSync(join(single, '../out/protocol.csv'), 'utf8'));
    expect(readFileSync(join(out, 'split-0.5-draw-1', 'protocol.csv'), 'utf8')).not.toBe(readFileSync(join(out, 'split-0.5-draw-0', 'protocol.csv'), 'utf8'));
  }, 120_000);

  it('the command prints each split\'s protocol table, and --shard of a series exits 2 writing nothing', async () => {
    const file = config('split: [0.3, 0.6]\n');
    const out = join(file, '../cli');
    const r = await cli(['experiment', 'run', file, '--out', out, '--runs', '1', '--workers', '1', '--no-charts', '--no-progress']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`split 0.3, draw 0 (${join(out, 'split-0.3')}), λ = 0.5:`);
    expect(r.stdout).toContain(`split 0.6, draw 0 (${join(out, 'split-0.6')}), λ = 0.5:`);
    expect(r.stdout).toContain(`results: ${out} (one directory per split; splits.csv lists them all)`);
    const sh = await cli(['experiment', 'run', file, '--out', join(file, '../sh'), '--shard', '0/2', '--no-progress']);
    expect(sh.code).toBe(2);
    expect(sh.stderr).toMatch(/^greenserv: error: .*a series of 2 splits runs whole; --resume and --shard apply to one split/);
    expect(existsSync(join(file, '../sh'))).toBe(false);
  }, 120_000);

  it('bad series name the file and field; --shard is refused and nothing is written', async () => {
    const p = (t: string) => () => parseExperiment(`name: s\n${t}${ARMS}`, 's.yaml');
    expect(p('split: [0.3, 0.3]\n')).toThrow(DataError);
    expect(p('split: [0.3, 0.3]\n')).toThrow(/^s\.yaml:2 \(field 'split'\): a train share is listed twice/);
    expect(p('split: [0.3, 1.5]\n')).toThrow(/split/);
    expect(p('splits: 3\n')).toThrow(/\(field 'splits'\): needs split/);
    expect(p('split: [0.1, 0.2, 0.3, 0.4, 0.5]\nsplits: 5\n')).toThrow(/split × splits = 25 splits, at most 20/);
    expect(splitSeries(parseExperiment(`name: s\nsplit: [0.2, 0.4]\nsplits: 2\n${ARMS}`, 's.yaml'))).toEqual([
      { fraction: 0.2, draw: 0 },
      { fraction: 0.2, draw: 1 },
      { fraction: 0.4, draw: 0 },
      { fraction: 0.4, draw: 1 },
    ]);
    const file = config('split: [0.3, 0.6]\n');
    const err = await runExperimentShard(file, { index: 0, count: 2 }, { out: join(file, '../sh'), charts: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(existsSync(join(file, '../sh'))).toBe(false);
  });

  it('a drift step past a later split\'s test stream is refused before the first split runs, naming the share', async () => {
    // 2,500 queries: train share 0.3 leaves 1,750 test steps, 0.7 leaves 750, so step 1,000 fits only the first
    const file = config('split: [0.3, 0.7]\ndrift:\n  - {step: 1000, model: phi-4-mini-4b, accuracy: -0.3}\n');
    // not even the output's parent folders are made
    const out = join(file, '../nest/out');
    let ran = 0;
    const err = await runExperiment(file, { out, charts: false, workers: 1, progress: () => void ran++ }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toMatch(/s\.yaml:7 \(field 'drift\.0\.step'\): .*0\.\.749.*\(the test stream of the split with train share 0\.7\)/);
    expect(ran).toBe(0);
    expect(existsSync(join(file, '../nest'))).toBe(false);
  });
});
