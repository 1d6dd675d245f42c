/** `maxLatency` in experiment YAML: the same latency filter as `simulate --max-latency`, checked where it is written. */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/app/experiment.js';
import { simulate } from '../../src/app/simulate.js';
import { DataError } from '../../src/core/errors.js';
import { parseExperiment } from '../../src/sim/experimentConfig.js';

function yaml(extra: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gs-lat-'));
  writeFileSync(join(dir, 'lat.yaml'), `name: lat\nruns: 2\nseed: 3\nlambdas: [0.4]\n${extra}arms:\n  - policy: linucb\n  - policy: random\n`);
  return join(dir, 'lat.yaml');
}

describe('experiment maxLatency', () => {
  it('gives the numbers simulate gives with the same bound', async () => {
    const file = yaml('maxLatency: 2.5\n');
    const { summary } = await runExperiment(file, { out: join(file, '../out'), charts: false });
    const sim = await simulate({ policies: ['linucb', 'random'], runs: 2, seed: 3, lambda: 0.4, maxLatency: 2.5 });
    expect(summary.cells.map((c) => c.finalRegret.mean)).toEqual(sim.policies.map((p) => p.finalRegret.mean));
    // and the bound matters: without it the figures differ
    const free = await simulate({ policies: ['linucb', 'random'], runs: 2, seed: 3, lambda: 0.4 });
    expect(free.policies[0].finalRegret.mean).not.toBe(sim.policies[0].finalRegret.mean);
  });

  it('a bound that is not positive names the file and field', () => {
    expect(() => parseExperiment('name: l\nmaxLatency: 0\narms:\n  - policy: random\n', 'l.yaml')).toThrow(DataError);
    expect(() => parseExperiment('name: l\nmaxLatency: 0\narms:\n  - policy: random\n', 'l.yaml')).toThrow(/^l\.yaml:2 \(field 'maxLatency'\): must be > 0 seconds/);
  });

  it('a table without latencies is refused naming the file and field, before any replay', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-lat-'));
    writeFileSync(join(dir, 'nolat.csv'), 'query_id,model_id,task,accuracy\nq1,a,mmlu,1\nq1,b,mmlu,0\nq2,a,mmlu,0\nq2,b,mmlu,1\n');
    writeFileSync(join(dir, 'x.yaml'), 'name: x\ndataset: nolat.csv\nruns: 1\nmaxLatency: 3\narms:\n  - policy: random\n');
    const err = await runExperiment(join(dir, 'x.yaml'), { out: join(dir, 'out'), charts: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toBe(`${join(dir, 'x.yaml')}:4 (field 'maxLatency'): dataset 'nolat.csv' has no latency values`);
    expect(existsSync(join(dir, 'out.partial'))).toBe(false);
  });
});
