/** Errors name what the user wrote: a flag on the command line, a setting in YAML or a library call — never a flag not typed. */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { energySensitivity } from '../../src/app/energySensitivity.js';
import { evaluateDefaults, evaluateRouterbench } from '../../src/app/evaluate.js';
import { runExperiment } from '../../src/app/experiment.js';
import { ope } from '../../src/app/ope.js';
import { simulate } from '../../src/app/simulate.js';
import { parseShard } from '../../src/sim/shard.js';
import { DataError, UsageError } from '../../src/core/errors.js';
import { cliInProcess } from '../helpers/cli.js';

describe('setting names in errors', () => {
  it('a YAML experiment asking for the usd cost on a table without it does not mention --cost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-names-'));
    writeFileSync(join(dir, 'c.yaml'), 'name: c\nruns: 1\ncost: usd\narms:\n  - policy: random\n');
    const err = await runExperiment(join(dir, 'c.yaml'), { out: join(dir, 'out'), charts: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toBe(`${join(dir, 'c.yaml')}:3 (field 'cost'): dataset 'greenserv-pool' has no cost_usd values`);
    expect((err as Error).message).not.toMatch(/--cost/);
  });

  it('library calls name the setting: parameter overrides, a reward expression', async () => {
    await expect(simulate({ policies: ['linucb'], params: ['linucb.alpha=-1'], runs: 1 })).rejects.toThrow(new UsageError("parameter override 'linucb.alpha=-1': alpha must be ≥ 0"));
    await expect(simulate({ policies: ['random'], params: ['alpha'], runs: 1 })).rejects.toThrow(/^bad parameter override 'alpha'/);
    await expect(simulate({ policies: ['random'], reward: 'accuracy +', runs: 1 })).rejects.toThrow(/^reward 'accuracy \+': cannot parse/);
  });

  it('an override naming an unknown policy names the params field, and --param on the command line', async () => {
    const rest = "unknown policy 'nope' in 'nope.alpha=0.1'; valid policies: ";
    const lib = await simulate({ policies: ['random'], params: ['nope.alpha=0.1'], runs: 1 }).catch((e: unknown) => e);
    expect(lib).toBeInstanceOf(UsageError);
    expect((lib as Error).message.startsWith(`params: ${rest}`)).toBe(true);
    const out = join(mkdtempSync(join(tmpdir(), 'gs-names-')), 'o');
    const cli = await cliInProcess(['simulate', '--param', 'nope.alpha=0.1', '--runs', '1', '--no-progress', '--out', out]);
    expect(cli.code).toBe(2);
    expect(cli.stderr.startsWith(`greenserv: error: --param: ${rest}`)).toBe(true);
    expect(cli.stderr).not.toMatch(/--params|parameter override/);
    expect(existsSync(out)).toBe(false);
  });

  it('a library call to ope with λ, seed or bootstrap out of range names the setting, before any file is read', async () => {
    const logs = join(mkdtempSync(join(tmpdir(), 'gs-names-')), 'absent.csv');
    for (const lambda of [-0.1, 1.5, Number.NaN]) await expect(ope({ logs, policies: ['random'], lambda })).rejects.toThrow(new UsageError(`lambda must be in [0, 1], got ${lambda}`));
    await expect(ope({ logs, policies: ['random'], seed: -1 })).rejects.toThrow(new UsageError('seed must be an integer in [0, 4294967295], got -1'));
    await expect(ope({ logs, policies: ['random'], bootstrap: 0 })).rejects.toThrow(/^bootstrap must be an integer in \[1, \d+\], got 0$/);
    await expect(ope({ logs, policies: ['random'], estimators: 'ips,magic' })).rejects.toThrow(new UsageError("estimators: unknown estimator 'magic' (expected some of: dm, ips, snips, dr, switch-dr, dros)"));
  });

  it('a library call breaking the train/test protocol names the settings, not flags', async () => {
    const cases: [Parameters<typeof simulate>[0], string][] = [
      [{ policies: ['random'], splits: 3 }, 'splits needs split <fraction>'],
      [{ policies: ['random'], split: 0.5, train: 'greenserv-pool' }, 'give either split (a split of the data) or train (a separate training table), not both'],
      [{ policies: ['knn'] }, "policy 'knn' is trained on a train part: give split <fraction> or train <source>"],
      [{ policies: ['random'], split: 0.5, splits: 10000, runs: 5 }, 'splits 10000 × runs 5 = 50000 replays per policy, at most 10000 (see docs/limits.md)'],
      [{ policies: ['random'], split: 0.5, feedbackRate: 0.5 }, 'budget, drift, feedbackDelay and feedbackRate do not combine with split or train in simulate; run an experiment with split: and the scenario fields instead (docs/experiments.md)'],
    ];
    for (const [req, message] of cases) await expect(simulate({ runs: 1, ...req })).rejects.toThrow(new UsageError(message));
    const cli = await cliInProcess(['simulate', '--splits', '3', '--runs', '1', '--out', join(mkdtempSync(join(tmpdir(), 'gs-names-')), 'o')]);
    expect(cli.stderr).toBe('greenserv: error: --splits needs --split <fraction>\n');
  });

  it('evaluateRouterbench names the protocol settings too, before any data is read; the command names its flags', async () => {
    const source = join(mkdtempSync(join(tmpdir(), 'gs-names-')), 'absent.csv');
    const cases: [Parameters<typeof evaluateRouterbench>[0], string][] = [
      [{ splits: 3 }, 'splits needs split <fraction>'],
      [{ split: 0.5, train: 't.csv' }, 'give either split (a split of the data) or train (a separate training table), not both'],
      [{ train: 't.csv', splits: 2 }, 'splits applies to split; a train table is one split'],
    ];
    for (const [req, message] of cases) await expect(evaluateRouterbench({ source, runs: 1, ...req })).rejects.toThrow(new UsageError(message));
    const cli = await cliInProcess(['evaluate', '--routerbench', source, '--splits', '3', '--runs', '1', '--out', join(mkdtempSync(join(tmpdir(), 'gs-names-')), 'o')]);
    expect(cli.stderr).toBe('greenserv: error: --splits needs --split <fraction>\n');
  });

  it('a library call to ope asking for the oracle without a table names the table setting', async () => {
    const logs = join(mkdtempSync(join(tmpdir(), 'gs-names-')), 'log.csv');
    writeFileSync(logs, 'query_id,model_id,propensity,accuracy\nq1,a,0.5,1\nq2,b,0.5,0\n');
    await expect(ope({ logs, policies: ['oracle'] })).rejects.toThrow(new UsageError("policy 'oracle' needs every model's outcome for each query: give the full table with table"));
    const cli = await cliInProcess(['ope', '--logs', logs, '--policies', 'oracle', '--out', join(mkdtempSync(join(tmpdir(), 'gs-names-')), 'o')]);
    expect(cli.stderr).toBe("greenserv: error: policy 'oracle' needs every model's outcome for each query: give the full table with --table\n");
  });

  it('ope of a policy ranking models by size without a table names the table, the only source of parameter counts', async () => {
    const logs = join(mkdtempSync(join(tmpdir(), 'gs-names-')), 'log.csv');
    writeFileSync(logs, 'query_id,model_id,propensity,accuracy\nq1,a,0.5,1\nq2,b,0.5,0\n');
    // it asked for a models file, which ope has no way to take
    const tail = 'needs model parameter counts, which a log does not carry: give the full table with';
    await expect(ope({ logs, policies: ['random', 'smallest'] })).rejects.toThrow(new UsageError(`policy 'smallest' ${tail} table`));
    const cli = await cliInProcess(['ope', '--logs', logs, '--policies', 'largest', '--out', join(mkdtempSync(join(tmpdir(), 'gs-names-')), 'o')]);
    expect(cli.stderr).toBe(`greenserv: error: policy 'largest' ${tail} --table\n`);
  });

  it('a library call to ope with a budgeted policy names the budget setting, not the flag; the command names the flag', async () => {
    const logs = join(mkdtempSync(join(tmpdir(), 'gs-names-')), 'log.csv');
    writeFileSync(logs, 'query_id,model_id,propensity,accuracy\nq1,a,0.5,1\nq2,b,0.5,0\n');
    const tail = "routes under a budget, which ope does not replay; evaluate it with simulate";
    await expect(ope({ logs, policies: ['budgeted-linucb'] })).rejects.toThrow(new UsageError(`policy 'budgeted-linucb' ${tail} budget or an experiment's budget:`));
    const cli = await cliInProcess(['ope', '--logs', logs, '--policies', 'budgeted-linucb', '--out', join(mkdtempSync(join(tmpdir(), 'gs-names-')), 'o')]);
    expect(cli.stderr).toBe(`greenserv: error: policy 'budgeted-linucb' ${tail} --budget or an experiment's budget:\n`);
  });

  it('an evaluation request listing a λ twice is refused, as --lambdas and experiment YAML refuse it', () => {
    // a repeated λ would weigh its point twice in the average accuracy
    expect(() => evaluateDefaults({ source: 'x.csv', lambdas: [0, 0.5, 0.5, 1] })).toThrow(new UsageError('lambdas: λ 0.5 is listed twice (lambdas.1 and lambdas.2); list each λ once'));
    expect(evaluateDefaults({ source: 'x.csv', lambdas: [0, 0.5, 1] }).lambdas).toEqual([0, 0.5, 1]);
  });

  it('a shard, an energy model and a tokenizer are named as the fields a library caller wrote; the command names its flags', async () => {
    expect(() => parseShard('x')).toThrow(new UsageError("shard: 'x' is not of the form i/n (shard i of n, counted from 0), e.g. 0/4"));
    expect(() => parseShard('5/4')).toThrow(new UsageError('shard: shard index 5 is not in 0…3 (shards are counted from 0)'));
    expect(parseShard(' 3 / 4 ')).toEqual({ index: 3, count: 4 });
    const source = join(mkdtempSync(join(tmpdir(), 'gs-names-')), 'absent.csv');
    await expect(evaluateRouterbench({ source, runs: 1, cost: 'energy', energyModel: 'gpu=H100,batch=0' })).rejects.toThrow(new UsageError("energyModel batch must be a number from 1 to 65536, got '0'"));
    await expect(evaluateRouterbench({ source, runs: 1, cost: 'energy', energyModel: 'gpu=Z80,batch=8' })).rejects.toThrow(new UsageError("energyModel: 'Z80' is not one of H100, B200, A100"));
    // refused before the (absent) source is read
    await expect(energySensitivity({ source, runs: 1, tokenizer: 'nope' })).rejects.toThrow(new UsageError("tokenizer: 'nope' is not one of cl100k, o200k"));
    const out = join(mkdtempSync(join(tmpdir(), 'gs-names-')), 'o');
    const cli = await cliInProcess(['evaluate', '--routerbench', source, '--cost', 'energy', '--energy-model', 'gpu=H100,batch=0', '--runs', '1', '--out', out]);
    expect(cli.stderr).toBe("greenserv: error: --energy-model batch must be a number from 1 to 65536, got '0'\n");
    const shard = await cliInProcess(['evaluate', '--routerbench', source, '--shard', '5/4', '--runs', '1', '--out', out]);
    expect(shard.stderr).toBe('greenserv: error: --shard: shard index 5 is not in 0…3 (shards are counted from 0)\n');
  });

  // through main() in this process: what is named is the command's doing, not the process's
  it('the command line still names the flag typed', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gs-names-')), 'o');
    const usd = await cliInProcess(['simulate', '--cost', 'usd', '--runs', '1', '--out', out]);
    expect(usd.code).toBe(2);
    expect(usd.stderr).toBe("greenserv: error: --cost usd: dataset 'greenserv-pool' has no cost_usd column\n");
    const reward = await cliInProcess(['simulate', '--reward', 'accuracy +', '--runs', '1', '--out', out]);
    expect(reward.code).toBe(2);
    expect(reward.stderr).toMatch(/^greenserv: error: --reward 'accuracy \+': cannot parse/);
  });
});
