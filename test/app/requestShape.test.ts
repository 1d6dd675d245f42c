/** A JavaScript caller gets no type check: arguments of the wrong kind are UsageErrors naming them, never TypeErrors from inside. */
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_EVALUATE_POLICIES, defaultPolicies, energySensitivity, evaluateRouterbench, loadPolicyModule, loadRouterbench, loadTable, mergeShards, ope, POLICY_NAMES, readBaseline, resolveExperimentFile, runExperiment, runExperimentShard, simulate, simulateTable, UsageError, writeEvaluateResults, writeOpeResults, writeSensitivity, writeSimulateResults } from '../../src/app/index.js';
import type { Evaluation, OpeSummary, PoolTable, SensitivityResult, SimulateOptions, SimulateRecord, SimulateRun } from '../../src/app/index.js';
import { writeRouterbenchCsv } from '../helpers/energyTable.js';
import { evaluateDefaults } from '../../src/app/evaluate.js';
import { userErrorText } from '../../src/cli/errors.js';

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
    // a string λ passed the range check and was written into summary.json as a string
    await expect(ope({ logs, policies: ['random'], lambda: '0.3' } as never)).rejects.toThrow(bad('lambda', 'number', 'string'));
    await expect(ope({ logs, policies: ['random'], lambda: null } as never)).rejects.toThrow(bad('lambda', 'number', 'null'));
    await expect(ope({ logs, policies: ['random'], seed: '5' } as never)).rejects.toThrow(bad('seed', 'number', 'string'));
    await expect(ope({ logs, policies: ['random'], bootstrap: '10' } as never)).rejects.toThrow(bad('bootstrap', 'number', 'string'));
  });

  it('mergeShards checks its options before any shard is read', async () => {
    const dirs = [join(mkdtempSync(join(tmpdir(), 'gs-shape-')), 'absent')];
    // a misspelt force was ignored
    await expect(mergeShards(dirs, { foce: true } as never)).rejects.toThrow(new UsageError('(options): Unrecognized key: "foce"'));
    await expect(mergeShards(dirs, { out: 5 } as never)).rejects.toThrow(bad('out', 'string', 'number'));
  });
});


describe('argument kinds of simulateTable, defaultPolicies and the result writers', () => {
  const base = mkdtempSync(join(tmpdir(), 'gs-writers-'));
  let table: PoolTable;
  let run: SimulateRun;
  let evaluation: Evaluation;
  let sensitivity: SensitivityResult;
  let summary: OpeSummary;
  const options: SimulateOptions = { policies: ['random'], params: [], lambda: 0.5, runs: 1, seed: 1, semantics: 'paper', features: ['task'], binning: 'thresholds', cost: 'energy', maxLatency: null };
  const record = (): SimulateRecord => ({ config: { data: 'greenserv-pool', policies: ['random'], params: [], lambda: 0.5, runs: 1, seed: 1, semantics: 'paper', features: ['task'], binning: 'thresholds', cost: 'energy', maxLatency: null, splits: 1, embedDim: 64 }, source: 'greenserv-pool', steps: 'none' });

  beforeAll(async () => {
    table = await loadTable('greenserv-pool');
    run = await simulateTable(table, options);
    const rb = writeRouterbenchCsv(base);
    const fast = { source: rb, lambdas: [0, 1], runs: 1, policies: ['linucb'], jobs: 1 };
    evaluation = await evaluateRouterbench(fast);
    sensitivity = await energySensitivity({ ...fast, gpus: ['H100'], batches: [8] });
    const logs = join(base, 'log.csv');
    const rows = Array.from({ length: 20 }, (_, i) => `q${i},all,${i % 2 ? 'a' : 'b'},0.5,${i % 3 ? 1 : 0},${10 + i}`);
    writeFileSync(logs, 'query_id,task,model_id,propensity,accuracy,energy_j\n' + rows.join('\n') + '\n');
    summary = await ope({ logs, policies: ['random'], bootstrap: 10 });
  });

  /** `call` is refused with exactly this UsageError, and nothing is written: not the directory, not its parent. */
  async function refused(call: (out: string) => unknown, message: string): Promise<void> {
    const dir = mkdtempSync(join(base, 'case-'));
    const out = join(dir, 'sub', 'out');
    const e = await (async () => call(out))().then(
      () => null,
      (x: unknown) => x,
    );
    expect(e, message).toBeInstanceOf(UsageError);
    expect((e as Error).message).toBe(message);
    expect(readdirSync(dir), message).toEqual([]);
  }

  const kinds: [unknown, string][] = [
    [null, 'null'],
    [undefined, 'undefined'],
    [5, 'number'],
  ];

  it('writeSimulateResults names the argument of the wrong kind, and the field missing from it', async () => {
    for (const [v, k] of kinds) {
      await refused(() => writeSimulateResults(v as never, table, run, record()), `outDir: Invalid input: expected string, received ${k}`);
      await refused((out) => writeSimulateResults(out, v as never, run, record()), `table: Invalid input: expected object, received ${k}`);
      await refused((out) => writeSimulateResults(out, table, v as never, record()), `run: Invalid input: expected object, received ${k}`);
      await refused((out) => writeSimulateResults(out, table, run, v as never), `record: Invalid input: expected object, received ${k}`);
      if (v !== undefined) await refused((out) => writeSimulateResults(out, table, run, record(), v as never), `(options): Invalid input: expected object, received ${k}`);
    }
    // objects missing what the writer reads
    await refused((out) => writeSimulateResults(out, {} as never, run, record()), 'table.name: Invalid input: expected string, received undefined');
    await refused((out) => writeSimulateResults(out, { ...table, energyJ: undefined } as never, run, record()), 'table.energyJ: Invalid input: expected a column of 40000 values (nQueries × nModels = 2500 × 16), received undefined');
    await refused((out) => writeSimulateResults(out, table, {} as never, record()), 'run.prepared: Invalid input: expected object, received undefined');
    await refused((out) => writeSimulateResults(out, table, { prepared: run.prepared } as never, record()), 'run.summary: Invalid input: expected object, received undefined');
    await refused((out) => writeSimulateResults(out, table, { ...run, prepared: { ...run.prepared, result: undefined } } as never, record()), 'run.prepared.result: Invalid input: expected object, received undefined');
    await refused((out) => writeSimulateResults(out, table, run, {} as never), 'record.config: Invalid input: expected object, received undefined');
    await refused((out) => writeSimulateResults(out, table, run, { config: {}, source: 'x' } as never), 'record.steps: Invalid input: expected string, received undefined');
    await refused((out) => writeSimulateResults(out, table, run, { ...record(), steps: 'parquet' as never }), 'record.steps: Invalid option: expected one of "csv"|"arrow"|"none"');
    await refused((out) => writeSimulateResults(out, table, run, { ...record(), config: { runs: 'two' } as never }), 'record.config.runs: Invalid input: expected number, received string');
    await refused((out) => writeSimulateResults(out, table, run, { ...record(), stepz: 'csv' } as never), 'record: Unrecognized key: "stepz"');
    await refused((out) => writeSimulateResults(out, table, run, record(), { foce: true } as never), '(options): Unrecognized key: "foce"');
    await refused((out) => writeSimulateResults(out, table, run, record(), { force: 'yes' } as never), 'force: Invalid input: expected boolean, received string');
    await refused((out) => writeSimulateResults(out, table, run, record(), { inputs: 'x.csv' } as never), 'inputs: Invalid input: expected array, received string');
    // the arguments simulateTable gave are written
    const out = join(base, 'simulate-out');
    await writeSimulateResults(out, table, run, record(), undefined);
    expect(readdirSync(out).sort()).toEqual(['manifest.json', 'runs.csv', 'summary.json']);
  });

  it('writeSimulateResults refuses a table other than the one the run replayed', async () => {
    // the step trace was written with query_id and model_id 'undefined', the manifest named the other table
    const small = join(base, 'small.csv');
    writeFileSync(small, 'query_id,task,model_id,accuracy,energy_j\n' + Array.from({ length: 10 }, (_, i) => `q${i},t,m${i % 2},1,${i + 1}`).join('\n') + '\n');
    const other = await loadTable(small);
    const traced = await simulateTable(table, { ...options, recordSteps: true });
    const why = "table: 'small.csv' (10 queries × 2 models) is not the table the run replayed ('greenserv-pool', 2500 queries × 16 models); give the table simulateTable ran on";
    await refused((out) => writeSimulateResults(out, other, traced, { ...record(), steps: 'csv' }), why);
    await refused((out) => writeSimulateResults(out, other, run, record()), why);
    // under the protocol the summary is of the test stream: the table is the whole one
    const split = await simulateTable(table, { ...options, split: 0.5 });
    const out = join(base, 'split-out');
    await writeSimulateResults(out, table, split, { ...record(), config: { ...record().config, split: 0.5 } });
    expect(readdirSync(out)).toContain('protocol.csv');
    await refused((o) => writeSimulateResults(o, other, split, record()), "table: 'small.csv' (10 queries × 2 models) is not the table the run replayed ('greenserv-pool', 16 models, a test stream of 1250 queries); give the table simulateTable ran on");
  });

  it('simulateTable and defaultPolicies name the argument of the wrong kind, and the field missing from it', async () => {
    for (const [v, k] of kinds) {
      await refused(() => simulateTable(v as never, options), `table: Invalid input: expected object, received ${k}`);
      await refused(() => simulateTable(table, v as never), `(options): Invalid input: expected object, received ${k}`);
      await refused(() => defaultPolicies(v as never), `table: Invalid input: expected object, received ${k}`);
    }
    await refused(() => simulateTable({} as never, options), 'table.name: Invalid input: expected string, received undefined');
    await refused(() => simulateTable({ models: [], nQueries: 3 } as never, options), 'table.name: Invalid input: expected string, received undefined');
    await refused(() => simulateTable(table, {} as never), 'runs: Invalid input: expected number, received undefined');
    const { policies: _, ...noPolicies } = options;
    await refused(() => simulateTable(table, noPolicies as never), 'policies: Invalid input: expected array, received undefined');
    await refused(() => simulateTable(table, { ...options, lamda: 0.3 } as never), '(options): Unrecognized key: "lamda"');
    await refused(() => simulateTable(table, { ...options, runs: 1e9 }), 'runs: at most 10000 (see docs/limits.md)');
    await refused(() => simulateTable(table, { ...options, lambda: Number.NaN }), 'lambda: Invalid input: expected number, received NaN');
    await refused(() => simulateTable(table, { ...options, trainTable: 5 as never }), 'trainTable: Invalid input: expected object, received number');
    await refused(() => simulateTable(table, options, 5 as never), 'progress: Invalid input: expected function, received number');
    await refused(() => defaultPolicies({} as never), 'table.name: Invalid input: expected string, received undefined');
    await refused(() => defaultPolicies(table, 'yes' as never), 'protocol: Invalid input: expected boolean, received string');
    expect(defaultPolicies(table)).toEqual({ policies: expect.arrayContaining(['random', 'linucb']), dropped: [] });
  });

  it('writeEvaluateResults names the argument of the wrong kind, and the field missing from it', async () => {
    for (const [v, k] of kinds) {
      await refused(() => writeEvaluateResults(v as never, evaluation), `outDir: Invalid input: expected string, received ${k}`);
      await refused((out) => writeEvaluateResults(out, v as never), `evaluation: Invalid input: expected object, received ${k}`);
      if (v !== undefined) await refused((out) => writeEvaluateResults(out, evaluation, v as never), `(options): Invalid input: expected object, received ${k}`);
    }
    await refused((out) => writeEvaluateResults(out, {} as never), 'evaluation.table: Invalid input: expected object, received undefined');
    await refused((out) => writeEvaluateResults(out, { ...evaluation, sweep: undefined } as never), 'evaluation.sweep: Invalid input: expected object, received undefined');
    // a simulate run's summary is not an evaluation's
    await refused((out) => writeEvaluateResults(out, { ...evaluation, result: { summary: run.summary, curves: [] } } as never), 'evaluation.result.summary.command: Invalid input: expected "evaluate", received undefined');
    await refused((out) => writeEvaluateResults(out, { ...evaluation, params: { ...evaluation.params, runs: -1 } }), 'evaluation.params.runs: must be an integer ≥ 1');
    await refused((out) => writeEvaluateResults(out, evaluation, { chart: false } as never), '(options): Unrecognized key: "chart"');
    const out = join(base, 'evaluate-out');
    await writeEvaluateResults(out, evaluation, { charts: false });
    expect(readdirSync(out)).toContain('summary.json');
  });

  it('writeSensitivity names the argument of the wrong kind, and the field missing from it', async () => {
    for (const [v, k] of kinds) {
      await refused(() => writeSensitivity(v as never, sensitivity), `outDir: Invalid input: expected string, received ${k}`);
      await refused((out) => writeSensitivity(out, v as never), `result: Invalid input: expected object, received ${k}`);
      if (v !== undefined) await refused((out) => writeSensitivity(out, sensitivity, v as never), `force: Invalid input: expected boolean, received ${k}`);
      if (v !== undefined) await refused((out) => writeSensitivity(out, sensitivity, false, v as never), `inputs: Invalid input: expected array, received ${k}`);
    }
    await refused((out) => writeSensitivity(out, {} as never), 'result.command: Invalid input: expected "energy sensitivity", received undefined');
    await refused((out) => writeSensitivity(out, evaluation as never), 'result.command: Invalid input: expected "energy sensitivity", received undefined');
    await refused((out) => writeSensitivity(out, { ...sensitivity, dataset: { ...sensitivity.dataset, files: undefined } } as never), 'result.dataset.files: Invalid input: expected array, received undefined');
    await refused((out) => writeSensitivity(out, { ...sensitivity, settings: [null] } as never), 'result.settings.0: Invalid input: expected object, received null');
    const out = join(base, 'sensitivity-out');
    await writeSensitivity(out, sensitivity);
    expect(readdirSync(out).sort()).toEqual(['sensitivity.json', 'sensitivity.md']);
  });

  it('writeOpeResults names the argument of the wrong kind, and the field missing from it', async () => {
    for (const [v, k] of kinds) {
      await refused(() => writeOpeResults(v as never, summary), `outDir: Invalid input: expected string, received ${k}`);
      await refused((out) => writeOpeResults(out, v as never), `summary: Invalid input: expected object, received ${k}`);
      if (v !== undefined) await refused((out) => writeOpeResults(out, summary, v as never), `(options): Invalid input: expected object, received ${k}`);
    }
    await refused((out) => writeOpeResults(out, {} as never), 'summary.kind: Invalid input: expected "ope", received undefined');
    // a simulate run's summary is not an ope summary
    await refused((out) => writeOpeResults(out, run.summary as never), 'summary.kind: Invalid input: expected "ope", received undefined');
    await refused((out) => writeOpeResults(out, { ...summary, logs: undefined } as never), 'summary.logs: Invalid input: expected object, received undefined');
    await refused((out) => writeOpeResults(out, summary, { force: 1 } as never), 'force: Invalid input: expected boolean, received number');
    const out = join(base, 'ope-out');
    expect(await writeOpeResults(out, summary)).toContain('summary.json');
  });
});

describe('hostile arguments of the other calls', () => {
  it('loadRouterbench checks its options as loadTable does: a field it does not know, or of the wrong kind, is named', async () => {
    const absent = join(mkdtempSync(join(tmpdir(), 'gs-shape-')), 'absent.csv');
    // a misspelt format was ignored (the file then read by its extension); format: 5 was a TypeError ('name.trim')
    await expect(loadRouterbench(absent, { fromat: 'csv' } as never)).rejects.toThrow(new UsageError('(options): Unrecognized key: "fromat"'));
    await expect(loadRouterbench(absent, { format: 5 } as never)).rejects.toThrow(bad('format', 'string', 'number'));
    await expect(loadRouterbench(absent, { offline: 'yes' } as never)).rejects.toThrow(bad('offline', 'boolean', 'string'));
    await expect(loadRouterbench(absent, { warn: 5 } as never)).rejects.toThrow(bad('warn', 'function', 'number'));
  });

  it('runExperiment without a file is refused unless it resumes; an empty resume is not taken for none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-shape-'));
    const file = join(dir, 'small.yaml');
    writeFileSync(file, 'name: small\nruns: 1\nlambdas: [0.3]\narms:\n  - policy: random\n');
    const out = join(dir, 'o');
    // a TypeError from node:fs ('The "path" argument must be of type string … Received null')
    await expect(runExperiment(null, { out })).rejects.toThrow(new UsageError('file: Invalid input: expected string, received null; give the experiment file, or resume to finish an interrupted run'));
    // resume: '' ran the experiment from the start
    await expect(runExperiment(file, { out, resume: '' })).rejects.toThrow(new UsageError('resume: is empty'));
    expect(readdirSync(dir)).toEqual(['small.yaml']);
  });

  it('runExperimentShard refuses a shard with fields other than index and count', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-shape-'));
    const file = join(dir, 'small.yaml');
    writeFileSync(file, 'name: small\nruns: 1\nlambdas: [0.3]\narms:\n  - policy: random\n');
    // { index, count, cout } wrote shard 0 of 2 without a word about cout
    await expect(runExperimentShard(file, { index: 0, count: 2, cout: 4 } as never, { out: join(dir, 'o') })).rejects.toThrow(new UsageError('shard: Unrecognized key: "cout"'));
    expect(readdirSync(dir)).toEqual(['small.yaml']);
  });

  it("the exported default lists cannot be changed by a caller (they are the library's own defaults)", async () => {
    // DEFAULT_EVALUATE_POLICIES.push('x') made every later evaluateRouterbench() run a policy 'x'
    expect(Object.isFrozen(DEFAULT_EVALUATE_POLICIES)).toBe(true);
    expect(() => (DEFAULT_EVALUATE_POLICIES as unknown as string[]).push('x')).toThrow(TypeError);
    expect(evaluateDefaults({ source: 'x.csv' }).policies).toEqual(['linear-epsilon-greedy', 'linucb', 'thompson', 'random']);
    // POLICY_NAMES feeds every unknown-policy message and the help
    expect(Object.isFrozen(POLICY_NAMES)).toBe(true);
    expect(() => (POLICY_NAMES as unknown as string[]).push('x')).toThrow(TypeError);
  });
});

describe('hostile arguments, checked before any data is read', () => {
  const absent = join(mkdtempSync(join(tmpdir(), 'gs-shape-')), 'absent.csv');

  it('evaluateRouterbench and energySensitivity name a progress that is not a function', async () => {
    // a TypeError ('progress is not a function') once the data was loaded and the sweep had started
    await expect(evaluateRouterbench({ source: absent }, 5 as never)).rejects.toThrow(bad('progress', 'function', 'number'));
    await expect(energySensitivity({ source: absent }, {} as never)).rejects.toThrow(bad('progress', 'function', 'object'));
  });

  it('ope names a policy that is not a name, policies given as one string, and a table that is not a loaded table', async () => {
    // TypeErrors ('name.startsWith is not a function')
    await expect(ope({ logs: absent, policies: [5] } as never)).rejects.toThrow(bad('policies.0', 'string', 'number'));
    await expect(ope({ logs: absent, policies: [{}] } as never)).rejects.toThrow(bad('policies.0', 'string', 'object'));
    // was 'give at least one target policy'
    await expect(ope({ logs: absent, policies: 'random' } as never)).rejects.toThrow(bad('policies', 'array', 'string'));
    // a TypeError, or a DataError blaming the log ('not among the 0 known models')
    await expect(ope({ logs: absent, policies: ['random'], table: { models: [] } } as never)).rejects.toThrow(bad('table.name', 'string', 'undefined'));
  });

  it('energySensitivity refuses an empty sizes file name (the default sizes were used without a word)', async () => {
    const e = (await energySensitivity({ source: absent, sizes: '' }).catch((x: Error) => x)) as Error;
    expect(e).toBeInstanceOf(UsageError);
    // the command's flag for the field is --models
    expect([e.message, userErrorText(e)]).toEqual(['sizes: is empty', '--models: is empty']);
  });
});
