/** One run configuration: flags, baselines and library requests meet in the same schema with the same defaults. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBaseline, regressOne } from '../../src/app/regress.js';
import { runConfigFromBaseline, runConfigFromRequest, simulateOptions } from '../../src/app/runConfig.js';
import { buildProgram } from '../../src/cli/index.js';
import { runConfigFromFlags, type SimulateCliOptions } from '../../src/cli/simulateOptions.js';
import { DataError } from '../../src/core/errors.js';
import { loadTable } from '../../src/data/load.js';
import { experimentSchema, parseExperiment } from '../../src/sim/experimentConfig.js';
import { changedRunSettings, resolveSemantics, runConfigSchema, runSettingsShape } from '../../src/sim/runConfig.js';
import { configFromFlags } from '../../src/cli/runFlags.js';
import { z } from 'zod';

/** `simulate`'s options as commander gives them when no flag is typed: the defaults declared for --help. */
async function flagDefaults(): Promise<SimulateCliOptions> {
  const program = await buildProgram([], true);
  const cmd = program.commands.find((c) => c.name() === 'simulate')!;
  return Object.fromEntries(cmd.options.map((o) => [o.attributeName(), o.defaultValue])) as unknown as SimulateCliOptions;
}

describe('RunConfig', () => {
  it('the flags with nothing typed give the schema defaults (so --help and the library agree)', async () => {
    const o = await flagDefaults();
    expect(o.lambda).toBe('0.5');
    expect(runConfigFromFlags(o)).toEqual(runConfigFromRequest({}));
    expect(runConfigFromRequest({})).toEqual({ data: 'greenserv-pool', params: [], lambda: 0.5, runs: 5, seed: 40, semantics: 'paper', features: ['task', 'cluster', 'complexity'], binning: 'thresholds', cost: 'energy', maxLatency: null, splits: 1, embedDim: 64 });
  });

  it('a flag error names the flag typed, a request error the field', async () => {
    const o = await flagDefaults();
    expect(() => runConfigFromFlags({ ...o, lambda: '2' })).toThrow("--lambda: must be in [0, 1], got '2'");
    expect(() => runConfigFromFlags({ ...o, oracle: 'half' })).toThrow(/--oracle/);
    expect(() => runConfigFromRequest({ maxLatency: -1 })).toThrow(/^maxLatency: /);
    // past 2⁵³ − 1 a seed is told the bound, not that it is no integer ≥ 0
    expect(() => runConfigFromFlags({ ...o, seed: '99999999999999999999' })).toThrow(`--seed: must be an integer ≤ ${Number.MAX_SAFE_INTEGER} (2⁵³ − 1), got '99999999999999999999'`);
    expect(() => runConfigFromFlags({ ...o, seed: '1.5' })).toThrow("--seed: must be an integer ≥ 0, got '1.5'");
  });

  it('a committed baseline becomes the configuration it records, what-if params after its own', async () => {
    const b = readBaseline(join(__dirname, '../../results/baselines/x1-builtin.json'));
    if (b.config.command !== 'simulate') throw new Error('x1-builtin is a simulate baseline');
    const { command: _, ...c } = b.config;
    const rc = runConfigFromBaseline(c, ['linucb.alpha=0.2']);
    expect(rc).toMatchObject({ data: 'greenserv-pool', lambda: 0.5, runs: 5, seed: 40, semantics: 'repo', params: ['linucb.alpha=0.2'], maxLatency: null, binning: 'thresholds', cost: 'energy' });
    const table = await loadTable('greenserv-pool');
    expect(simulateOptions(rc, table).policies).toEqual(b.config.policies);
  });

  it('λ is checked by the same definition in experiment YAML and baselines, named where it was written', () => {
    expect(() => parseExperiment('name: l\nlambdas: [0.5, 1.5]\narms:\n  - policy: random\n', 'l.yaml')).toThrow(DataError);
    expect(() => parseExperiment('name: l\nlambdas: [0.5, 1.5]\narms:\n  - policy: random\n', 'l.yaml')).toThrow(/l\.yaml:2 \(field 'lambdas\.1'\): must be in \[0, 1\]/);
    const dir = mkdtempSync(join(tmpdir(), 'gs-rc-'));
    const f = join(dir, 'b.json');
    writeFileSync(f, JSON.stringify({ schemaVersion: 1, name: 'b', config: { command: 'simulate', data: 'greenserv-pool', policies: ['random'], lambda: 1.5, runs: 1, seed: 0, semantics: 'paper', features: [] }, metrics: {} }));
    expect(() => readBaseline(f)).toThrow(/invalid baseline: config\.lambda: must be in \[0, 1\]/);
  });

  it('what a baseline records and the run would refuse is refused naming the baseline file and its key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-rc-'));
    const f = join(dir, 'b.json');
    const simulate = { command: 'simulate', data: 'greenserv-pool', policies: ['random', 'linucb'], params: [] as string[], lambda: 0.5, runs: 1, seed: 0 };
    const refused = async (config: object, field: string, message: RegExp): Promise<void> => {
      writeFileSync(f, JSON.stringify({ schemaVersion: 1, name: 'b', config, metrics: {} }));
      const e = await regressOne(f).then(() => null, (x: unknown) => x);
      expect(e, JSON.stringify(config)).toBeInstanceOf(DataError);
      expect((e as Error).message).toContain(`${f} (field '${field}'): `);
      expect((e as Error).message).toMatch(message);
    };
    // an empty policy name passed the baseline schema and failed the run's schema: an internal ZodError
    await refused({ ...simulate, policies: ['', 'linucb'] }, 'config.policies.0', /expected string to have >=1 characters/);
    // the rest named only what went wrong, not the baseline that asked for it
    await refused({ ...simulate, data: 'usd=0' }, 'config.data', /file not found: .*usd=0/);
    await refused({ ...simulate, policies: ['random', 'linucbb'] }, 'config.policies', /unknown policy 'linucbb'/);
    await refused({ ...simulate, params: ['linucb.zz=1'] }, 'config.params', /unknown parameter 'zz'/);
    // the key is the location: the message does not name the setting again
    await refused({ ...simulate, params: ['nope.alpha=1'] }, 'config.params', /\(field 'config\.params'\): unknown policy 'nope' in 'nope\.alpha=1'; valid policies: /);
    await refused({ command: 'bench', policies: ['linucb', 'nope'], minMs: 50 }, 'config.policies', /unknown policy 'nope'/);
    const evaluate = { command: 'evaluate', routerbench: join(__dirname, '../fixtures/routerbench_small_pd1_p2.pkl'), policies: ['linucb'], params: [] as string[], lambdas: [0.5], runs: 1, seed: 0 };
    await refused({ ...evaluate, policies: [''] }, 'config.policies.0', /expected string to have >=1 characters/);
    await refused({ ...evaluate, routerbench: 'nothere' }, 'config.routerbench', /file not found: .*nothere/);
    await refused({ ...evaluate, policies: ['linucb', 'nope'] }, 'config.policies', /unknown policy 'nope'/);
    await refused({ ...evaluate, params: ['linucb.zz=1'] }, 'config.params', /unknown parameter 'zz'/);
    // static:<model> waits for the table's models: checked once it is loaded, still naming the key
    await refused({ ...evaluate, policies: ['linucb', 'static:nope'] }, 'config.policies', /unknown model 'nope' in 'static:nope'/);
  });

  it('semantics is resolved once into layout, tie rule, Thompson covariance and oracle; an explicit oracle wins', () => {
    expect(resolveSemantics('repo')).toEqual({ semantics: 'repo', layout: 'repo', rules: { ties: 'first', thompsonCovariance: 'sigma2' }, oracle: 'full' });
    expect(resolveSemantics('paper')).toEqual({ semantics: 'paper', layout: 'paper', rules: { ties: 'uniform', thompsonCovariance: 'posterior' }, oracle: 'pool' });
    expect(resolveSemantics('repo', 'pool').oracle).toBe('pool');
  });

  it('every simulate flag that is a run setting is read generically: each field of the schema has its flag', async () => {
    const program = await buildProgram([], true);
    const cmd = program.commands.find((c) => c.name() === 'simulate')!;
    const attrs = new Set(cmd.options.map((o) => o.attributeName()));
    for (const key of Object.keys(runConfigSchema.shape)) expect(attrs.has(key === 'params' ? 'param' : key), `--${key}`).toBe(true);
  });

  it('a new setting needs only its schema field and its flag: coerced by type, errors name the flag', () => {
    const schema = runConfigSchema.extend({ budgetWh: z.number().positive('must be > 0'), tags: z.array(z.string()).default([]), limits: z.array(z.number()).optional() });
    const rc = configFromFlags(schema, { budgetWh: '0.05', tags: 'a, b', limits: '1,2.5', param: ['linucb.alpha=0.2'] }, { flagFor: { params: 'param' } });
    expect(rc).toMatchObject({ budgetWh: 0.05, tags: ['a', 'b'], limits: [1, 2.5], params: ['linucb.alpha=0.2'], lambda: 0.5 });
    expect(() => configFromFlags(schema, { budgetWh: '-1' })).toThrow("--budget-wh: must be > 0, got '-1'");
    expect(() => configFromFlags(schema, { budgetWh: 'x' })).toThrow("--budget-wh: 'x' is not a number");
    expect(() => configFromFlags(schema, { limits: '1,y' })).toThrow("--limits: 'y' is not a number");
    expect(() => configFromFlags(schema, { semantics: 'both' })).toThrow("--semantics: 'both' is not one of paper, repo");
    // a repeatable flag of specs: the message names the field and shows only the value at fault
    const ev = z.object({ events: z.array(z.object({ step: z.number().int('must be an integer'), model: z.string() })).optional() });
    const parsers = { events: (raw: string[]) => raw.map((r) => Object.fromEntries(r.split(',').map((kv) => kv.split('=')).map(([k, x]) => [k, k === 'step' ? Number(x) : x]))) };
    expect(configFromFlags(ev, { events: ['step=1,model=a', 'step=2,model=b'] }, { parsers })).toEqual({ events: [{ step: 1, model: 'a' }, { step: 2, model: 'b' }] });
    expect(() => configFromFlags(ev, { events: ['step=1,model=a', 'step=x,model=b'] }, { parsers })).toThrow("--events: step must be a number, got 'step=x,model=b'");
    expect(() => configFromFlags(ev, { events: ['step=1.5,model=a'] }, { parsers })).toThrow("--events: step must be an integer, got 'step=1.5,model=a'");
  });

  it('too many repeats of a flag are counted, not echoed: 1,001 --drift specs made a 34 kB message', () => {
    const n = 1001;
    const drift = Array.from({ length: n }, (_, k) => `step=${k},model=yi-34b,accuracy=-0.1`);
    let message = '';
    try {
      runConfigFromFlags({ drift } as unknown as SimulateCliOptions);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe(`--drift: at most 1000 (see docs/limits.md), got ${n}`);
  });

  it('a setting added to the shared run settings reaches YAML experiments, baselines and the manifest record', () => {
    // the shared shape is spread into every schema: adding a key there adds it everywhere
    const keys = Object.keys(runSettingsShape);
    for (const k of keys) expect(Object.keys(experimentSchema.shape)).toContain(k);
    const cfg = parseExperiment('name: s\nmaxLatency: 2\narms:\n  - policy: random\n', 's.yaml');
    expect(cfg.maxLatency).toBe(2);
    // settings not recorded by name appear in the manifest only when they differ from their default
    const base = runConfigFromRequest({});
    expect(changedRunSettings(base, [])).toEqual({});
    expect(changedRunSettings({ ...base, runs: 3, binning: 'equal-width' }, ['runs'])).toEqual({ binning: 'equal-width' });
  });
});

