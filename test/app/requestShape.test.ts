/** A JavaScript caller gets no type check: arguments of the wrong kind are UsageErrors naming them, never TypeErrors from inside. */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { energySensitivity, evaluateRouterbench, loadPolicyModule, loadRouterbench, loadTable, mergeShards, ope, readBaseline, resolveExperimentFile, runExperiment, runExperimentShard, simulate, UsageError } from '../../src/app/index.js';

const bad = (field: string, expected: string, received: string) => new UsageError(`${field}: Invalid input: expected ${expected}, received ${received}`);

describe('argument shapes of the library calls', () => {
  it('simulate refuses a request that is not an object, and a data source that is neither a name nor a table', async () => {
    // data: 5 used to run the default dataset without a word
    await expect(simulate({ data: 5 as unknown as string, runs: 1 })).rejects.toThrow(new UsageError('data: Invalid input: expected a source (string) or a loaded PoolTable, received number'));
    await expect(simulate({ data: null as unknown as string, runs: 1 })).rejects.toThrow(new UsageError('data: Invalid input: expected a source (string) or a loaded PoolTable, received null'));
    await expect(simulate(null as never)).rejects.toThrow(bad('(request)', 'object', 'null'));
    await expect(simulate({ runs: 1, warn: 5 as never })).rejects.toThrow(bad('warn', 'function', 'number'));
    await expect(simulate({ runs: 1, progress: 'x' as never })).rejects.toThrow(bad('progress', 'function', 'string'));
    await expect(simulate({ runs: 1, offline: 'yes' as never })).rejects.toThrow(bad('offline', 'boolean', 'string'));
  });

  it('loadTable names the source and the option of the wrong kind', async () => {
    await expect(loadTable(42 as never)).rejects.toThrow(bad('source', 'string', 'number'));
    await expect(loadTable('greenserv-pool', null as never)).rejects.toThrow(bad('(options)', 'object', 'null'));
    await expect(loadTable('greenserv-pool', { models: [] as never })).rejects.toThrow(bad('models', 'string', 'array'));
    await expect(loadTable('greenserv-pool', { queries: Number.NaN as never })).rejects.toThrow(bad('queries', 'string', 'NaN'));
  });

  it('the other requests and options: not an object is refused by name', async () => {
    await expect(evaluateRouterbench(null as never)).rejects.toThrow(bad('(request)', 'object', 'null'));
    await expect(energySensitivity(null as never)).rejects.toThrow(bad('(request)', 'object', 'null'));
    await expect(energySensitivity({ gpus: 'H100' as never })).rejects.toThrow(bad('gpus', 'array', 'string'));
    await expect(ope(undefined as never)).rejects.toThrow(bad('(request)', 'object', 'undefined'));
    await expect(runExperiment('x.yaml', undefined as never)).rejects.toThrow(bad('(options)', 'object', 'undefined'));
    await expect(runExperimentShard('x.yaml', null as never, { out: 'o' })).rejects.toThrow(bad('shard', 'object', 'null'));
    await expect(mergeShards('dir' as never)).rejects.toThrow(bad('dirs', 'array', 'string'));
    await expect(loadRouterbench(5 as never)).rejects.toThrow(bad('source', 'string or array', 'number'));
    await expect(loadPolicyModule(5 as never)).rejects.toThrow(bad('path', 'string', 'number'));
    expect(() => readBaseline(5 as never)).toThrow(bad('file', 'string', 'number'));
    expect(() => resolveExperimentFile(5 as never)).toThrow(bad('name', 'string', 'number'));
  });

  it('runExperimentShard holds a shard given as numbers to what i/n allows, and writes nothing for one out of range', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-shape-'));
    const file = join(dir, 'small.yaml');
    writeFileSync(file, 'name: small\nruns: 1\nlambdas: [0.3]\narms:\n  - policy: random\n');
    // each of these wrote a shard directory of 0 replays (index NaN recorded as null)
    const cases: [{ index: number; count: number }, string][] = [
      [{ index: 5, count: 2 }, 'shard: shard index 5 is not in 0…1 (shards are counted from 0)'],
      [{ index: -1, count: 2 }, 'shard: shard index -1 is not in 0…1 (shards are counted from 0)'],
      [{ index: Number.NaN, count: 2 }, 'shard: shard index NaN is not in 0…1 (shards are counted from 0)'],
      [{ index: 0, count: 0 }, 'shard: the shard count must be in 1…10000, got 0 (see docs/limits.md)'],
      [{ index: 0, count: 1.5 }, 'shard: the shard count must be in 1…10000, got 1.5 (see docs/limits.md)'],
    ];
    for (const [shard, message] of cases) {
      const out = join(dir, 'shard');
      await expect(runExperimentShard(file, shard, { out })).rejects.toThrow(new UsageError(message));
      expect(existsSync(out)).toBe(false);
    }
  });

  it('runExperiment checks its options as requests are checked: unknown keys, workers, charts', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gs-shape-')), 'o');
    await expect(runExperiment('x.yaml', { out, bogus: 1 } as never)).rejects.toThrow(new UsageError('(options): Unrecognized key: "bogus"'));
    await expect(runExperiment('x.yaml', { out, workers: 0 })).rejects.toThrow(new UsageError('workers: must be an integer ≥ 1'));
    await expect(runExperiment('x.yaml', { out, charts: 'no' as never })).rejects.toThrow(bad('charts', 'boolean', 'string'));
    await expect(runExperiment('x.yaml', { out: 5 as never })).rejects.toThrow(bad('out', 'string', 'number'));
    expect(existsSync(out)).toBe(false);
  });

  it('ope refuses a field it does not know and fields of the wrong kind, before the log is read', async () => {
    const logs = join(mkdtempSync(join(tmpdir(), 'gs-shape-')), 'absent.csv');
    // lamda was ignored: the run went on with the logged reward
    await expect(ope({ logs, policies: ['random'], lamda: 0.3 } as never)).rejects.toThrow(new UsageError('(request): Unrecognized key: "lamda"'));
    await expect(ope({ logs, policies: ['random'], table: 5 } as never)).rejects.toThrow(new UsageError('table: Invalid input: expected a source (string) or a loaded PoolTable, received number'));
    // a string was read letter by letter as module files
    await expect(ope({ logs, policies: ['random'], policyModules: 'x.mjs' } as never)).rejects.toThrow(bad('policyModules', 'array', 'string'));
    await expect(ope({ logs, policies: ['random'], params: [3] } as never)).rejects.toThrow(bad('params.0', 'string', 'number'));
  });

  it('mergeShards checks its options before any shard is read', async () => {
    const dirs = [join(mkdtempSync(join(tmpdir(), 'gs-shape-')), 'absent')];
    // a misspelt force was ignored
    await expect(mergeShards(dirs, { foce: true } as never)).rejects.toThrow(new UsageError('(options): Unrecognized key: "foce"'));
    await expect(mergeShards(dirs, { out: 5 } as never)).rejects.toThrow(bad('out', 'string', 'number'));
  });
});

