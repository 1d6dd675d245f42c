/** `greenserv ope` and `simulate --log`: bad input exits 2 naming file, line and field (or the option), writing nothing (through main() in this process: what is refused and how, not process behaviour). */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliInProcess } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gs-ope-cli-'));
const HEAD = 'query_id,task,model_id,propensity,accuracy,energy_j\n';
const GOOD = ['mmlu_1,mmlu,llama-3.1-8b,0.5,1,10', 'mmlu_2,mmlu,qwen2.5-7b,0.5,0,20', 'gsm8k_3,gsm8k,llama-3.1-8b,0.5,1,30'];

function log(name: string, rows: string[]): string {
  const f = join(dir, name);
  writeFileSync(f, HEAD + rows.join('\n') + '\n');
  return f;
}

async function refused(args: string[], out: string): Promise<string> {
  const r = await cliInProcess([...args, '--out', out]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/^greenserv: error: /);
  expect(existsSync(out)).toBe(false);
  return r.stderr;
}

describe('greenserv ope refuses bad logs', () => {
  it('propensity 0: names the file, line 3 and the propensity field', async () => {
    const f = log('p0.csv', [GOOD[0], 'mmlu_2,mmlu,qwen2.5-7b,0,0,20', GOOD[2]]);
    const err = await refused(['ope', '--logs', f, '--policies', 'random'], join(dir, 'o-p0'));
    expect(err).toContain(`${f}:3 (column 'propensity'): propensity 0 is outside (0, 1]`);
  });

  it('missing model: an empty model_id, and a model the table does not have', async () => {
    const f = log('nomodel.csv', [GOOD[0], GOOD[1], 'gsm8k_3,gsm8k,,0.5,1,30']);
    const err = await refused(['ope', '--logs', f, '--policies', 'random'], join(dir, 'o-nm'));
    expect(err).toContain(`${f}:4 (column 'model_id'): model_id is empty`);
    const g = log('unknown.csv', [GOOD[0], 'mmlu_2,mmlu,gpt-9,0.5,0,20']);
    const err2 = await refused(['ope', '--logs', g, '--policies', 'random', '--table', 'greenserv-pool'], join(dir, 'o-um'));
    expect(err2).toContain(`${g}:3 (column 'model_id'): unknown model 'gpt-9'`);
  });

  it('duplicate decisions: the second row of a query names the first', async () => {
    const f = log('dup.csv', [GOOD[0], GOOD[1], 'mmlu_1,mmlu,qwen2.5-7b,0.5,0,20']);
    const err = await refused(['ope', '--logs', f, '--policies', 'random'], join(dir, 'o-dup'));
    expect(err).toContain(`${f}:4 (column 'query_id'): duplicate decision for query 'mmlu_1' (first on line 2`);
  });

  it('a query the table does not have', async () => {
    const f = log('noquery.csv', [GOOD[0], 'nope_9,mmlu,qwen2.5-7b,0.5,0,20']);
    const err = await refused(['ope', '--logs', f, '--policies', 'random', '--table', 'greenserv-pool'], join(dir, 'o-nq'));
    expect(err).toContain(`${f}:3 (column 'query_id'): query 'nope_9' is not in the table greenserv-pool`);
  });

  it('a query the table does not have, with a huge id: the message quotes its start only', async () => {
    const id = 'q'.repeat(100_000);
    const f = log('nq-long.csv', [GOOD[0], `${id},mmlu,llama-3.1-8b,0.5,1,10`]);
    const err = await refused(['ope', '--logs', f, '--policies', 'random', '--table', 'greenserv-pool'], join(dir, 'o-nql'));
    expect(err).toContain(`${f}:3 (column 'query_id'): query '${'q'.repeat(40)}…' is not in the table greenserv-pool`);
    expect(err.length).toBeLessThan(f.length + 200);
  });

  it('bad options are named: estimator, bootstrap, lambda, oracle without a table', async () => {
    const f = log('good.csv', GOOD);
    expect(await refused(['ope', '--logs', f, '--policies', 'random', '--estimators', 'ips,magic'], join(dir, 'o1'))).toBe("greenserv: error: --estimators: unknown estimator 'magic' (expected some of: dm, ips, snips, dr, switch-dr, dros)\n");
    expect(await refused(['ope', '--logs', f, '--policies', 'random', '--estimators', ' , '], join(dir, 'o1'))).toBe('greenserv: error: --estimators: no estimator given\n');
    expect(await refused(['ope', '--logs', f, '--policies', 'random', '--bootstrap', '0'], join(dir, 'o2'))).toContain('--bootstrap: must be an integer ≥ 1');
    expect(await refused(['ope', '--logs', f, '--policies', 'random', '--lambda', '2'], join(dir, 'o3'))).toContain('--lambda: must be in [0, 1]');
    expect(await refused(['ope', '--logs', f, '--policies', 'oracle'], join(dir, 'o4'))).toContain("policy 'oracle' needs every model's outcome");
    expect(await refused(['ope', '--logs', join(dir, 'absent.csv'), '--policies', 'random'], join(dir, 'o5'))).toContain('absent.csv');
    expect(await refused(['ope', '--logs', f, '--policies', 'budgeted-linucb'], join(dir, 'o6'))).toContain("policy 'budgeted-linucb' routes under a budget, which ope does not replay");
  });
});

describe('greenserv ope on context columns a ridge fit cannot hold', () => {
  it('raw-timestamp-sized ctx values are exit 2 naming the log and the model, not an internal error', async () => {
    const f = join(dir, 'ctx.csv');
    // 1.7e12 plus a few units: centring leaves nothing of the variance in double precision
    const rows = Array.from({ length: 60 }, (_, i) => `mmlu_${i},mmlu,${i % 2 ? 'qwen2.5-7b' : 'llama-3.1-8b'},0.5,${i % 3 ? 1 : 0},${10 + i},${1.7e12 + ((i * 7919) % 10) + 0.125 * (i % 5)},${(i % 7) / 7}`);
    writeFileSync(f, 'query_id,task,model_id,propensity,accuracy,energy_j,ctx_t,ctx_u\n' + rows.join('\n') + '\n');
    const msg = await refused(['ope', '--logs', f, '--policies', 'random'], join(dir, 'ctx-out'));
    expect(msg).toMatch(new RegExp(`${f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: the reward model of (llama-3\\.1-8b|qwen2\\.5-7b) cannot be fitted: the ctx_\\* context values span too wide a range`));
    expect(msg).not.toMatch(/internal error/);
  });
});

describe('greenserv report on an ope directory', () => {
  it('an edited summary.json is refused naming the field, and nothing is written', async () => {
    const d = join(dir, 'edited');
    mkdirSync(d);
    writeFileSync(join(d, 'summary.json'), JSON.stringify({ kind: 'ope', schemaVersion: 1, logs: { file: 'x', decisions: -3, models: [], propensity: 'logged', uniform: false }, table: null, lambda: 0.5, estimators: [], seed: 1, bootstrap: 10, policies: [] }));
    const r = await cliInProcess(['report', d]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(d, 'summary.json')} (field 'logs.decisions'): not an ope summary: logs.decisions`);
    expect(existsSync(join(d, 'report.html'))).toBe(false);
  });
});

describe('greenserv ope bounds its memory', () => {
  it('a log of more than 20,000,000 decisions × models is refused before any matrix is allocated', async () => {
    const f = join(dir, 'wide.csv');
    const rows = Array.from({ length: 19_600 }, (_, i) => `q${i},m${i % 1024},0.001,1`);
    writeFileSync(f, 'query_id,model_id,propensity,accuracy\n' + rows.join('\n') + '\n');
    const err = await refused(['ope', '--logs', f, '--policies', 'random'], join(dir, 'o-wide'));
    expect(err).toContain(`${f}: 19600 decisions × 1024 models = 20070400 cells; ope handles at most 20000000`);
  });
});

describe('simulate --log refuses what it cannot write', () => {
  it('more than one policy, or an unknown extension, before any work', async () => {
    const a = join(dir, 'two.csv');
    expect(await refused(['simulate', '--runs', '1', '--policies', 'random,linucb', '--log', a], join(dir, 's1'))).toContain('--log: a routing log records one policy');
    expect(existsSync(a)).toBe(false);
    const b = join(dir, 'log.xlsx');
    expect(await refused(['simulate', '--runs', '1', '--policies', 'random', '--log', b], join(dir, 's2'))).toContain("--log: cannot tell the log format from 'log.xlsx'");
    expect(existsSync(b)).toBe(false);
  });
});
