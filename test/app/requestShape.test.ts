/** A JavaScript caller gets no type check: arguments of the wrong kind are UsageErrors naming them, never TypeErrors from inside. */
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
});
