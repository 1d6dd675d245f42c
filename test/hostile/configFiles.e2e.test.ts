/**
 * Non-table inputs the configuration fuzzer (fuzz/configs.ts) found mishandled: an experiment YAML naming an
 * unknown policy or a missing dataset file, a results directory whose curves.csv, profile.json or manifest.json
 * was edited, an evaluation shard whose settings were edited. Each must end in exit 2 with a message naming
 * the file (and line and field where there are ones), nothing written, in bounded time.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin/greenserv');
const dir = mkdtempSync(join(tmpdir(), 'gs-configs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await run(process.execPath, [BIN, ...args], { maxBuffer: 16 * 2 ** 20, timeout: 30_000 });
    return { code: 0, stderr };
  } catch (e) {
    const err = e as { code: number; stderr: string };
    return { code: err.code, stderr: err.stderr };
  }
}

const X0 = readFileSync(join(ROOT, 'experiments/x0-warmup.yaml'), 'utf8').replace(/^runs: \d+/m, 'runs: 1');

describe('experiment YAML checked against the registry and the file system', () => {
  it('an unknown policy: exit 2 at the arm\'s line and field, nothing written', async () => {
    const f = join(dir, 'policy.yaml');
    writeFileSync(f, X0.replace('  - policy: random', '  - policy: rnadom'));
    const line = X0.split('\n').findIndex((l) => l === '  - policy: random') + 1;
    const out = join(dir, 'out-policy');
    const r = await cli(['experiment', 'run', f, '--out', out, '--no-progress']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`greenserv: error: ${f}:${line} (field 'arms.1.policy'): unknown policy 'rnadom' (did you mean 'random'?)`);
    expect(existsSync(out)).toBe(false);
  });

  it('a dataset file that does not exist: exit 2 at the dataset line, the resolved path shown', async () => {
    const f = join(dir, 'dataset.yaml');
    writeFileSync(f, X0.replace('dataset: greenserv-pool', 'dataset: tables/none.csv'));
    const line = X0.split('\n').findIndex((l) => l.startsWith('dataset:')) + 1;
    const out = join(dir, 'out-dataset');
    const r = await cli(['experiment', 'run', f, '--out', out, '--no-progress']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`greenserv: error: ${f}:${line} (field 'dataset'): file not found: ${join(dir, 'tables/none.csv')} (and not a built-in dataset`);
    expect(existsSync(out)).toBe(false);
  });

  it('a NUL byte in a comment: exit 2 at its line, nothing written', async () => {
    const f = join(dir, 'nul.yaml');
    writeFileSync(f, X0.replace(/^runs: 1$/m, 'runs: 1 # one \u0000 run'));
    const line = X0.split('\n').findIndex((l) => l === 'runs: 1') + 1;
    const out = join(dir, 'out-nul');
    const r = await cli(['experiment', 'run', f, '--out', out, '--no-progress']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`greenserv: error: ${f}:${line}: control character U+0000 (NUL) at column 15: `);
    expect(existsSync(out)).toBe(false);
  });
});

describe('report on an edited experiment results directory', () => {
  const base = join(dir, 'x0');
  beforeAll(async () => {
    const r = await cli(['experiment', 'run', 'x0-warmup', '--runs', '1', '--out', base, '--no-charts', '--no-progress']);
    expect(r.code).toBe(0);
  });

  /** A copy of the results with one file rewritten; report must refuse it and write no chart. */
  async function refused(name: string, edit: (text: string) => string): Promise<{ file: string; stderr: string }> {
    const copy = join(dir, `edit-${name.replace('.', '-')}-${Math.random().toString(36).slice(2)}`);
    cpSync(base, copy, { recursive: true });
    const file = join(copy, name);
    writeFileSync(file, edit(readFileSync(file, 'utf8')));
    const t0 = Date.now();
    const r = await cli(['report', copy]);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(r.code).toBe(2);
    expect(existsSync(join(copy, 'charts'))).toBe(false);
    expect(existsSync(join(copy, 'report.html'))).toBe(false);
    return { file, stderr: r.stderr };
  }

  it('a curves.csv row cut short: not a CSV, at its line (was an internal error)', async () => {
    const { file, stderr } = await refused('curves.csv', (t) => t.replace(/\n0\.5,random,7,[^\n]*/, '\n0.5'));
    const lines = readFileSync(file, 'utf8').split('\n');
    const line = lines.indexOf('0.5') + 1;
    expect(stderr).toContain(`greenserv: error: ${file}:${line}: not a valid CSV: Invalid Record Length: columns length is 7, got 1 on line ${line}`);
  });

  it('a curves.csv without its ci95_hi column: the column named (the chart renderer used to run without end)', async () => {
    const { file, stderr } = await refused('curves.csv', (t) => t.split('\n').map((l) => l.split(',').filter((_, i) => i !== 5).join(',')).join('\n'));
    expect(stderr).toContain(`greenserv: error: ${file}:1 (column 'ci95_hi'): missing column 'ci95_hi'`);
  });

  it('curves.csv: a step past the stream, a label of no cell, a cell that is not a number', async () => {
    let r = await refused('curves.csv', (t) => t.replace('\n0.5,random,3,', '\n0.5,random,2501,'));
    expect(r.stderr).toContain(`greenserv: error: ${r.file}:`);
    expect(r.stderr).toMatch(/ \(column 'step'\): step '2501' is not in 1…2500 \(summary\.json: 2500 queries\)/);
    r = await refused('curves.csv', (t) => t.replace('\n0.5,random,3,', '\n0.5,nobody,3,'));
    expect(r.stderr).toMatch(/curves\.csv:\d+ \(column 'label'\): λ 0\.5, label 'nobody' is not a cell of summary\.json/);
    r = await refused('curves.csv', (t) => t.replace(/\n0\.5,random,3,[^,\n]*/, '\n0.5,random,3,lots'));
    const line = readFileSync(r.file, 'utf8').split('\n').findIndex((l) => l.startsWith('0.5,random,3,lots')) + 1;
    expect(r.stderr).toContain(`greenserv: error: ${r.file}:${line} (column 'mean_cum_regret'): 'lots' is not a number`);
  });

  it('selection.csv naming a model summary.json does not have', async () => {
    const r = await refused('selection.csv', (t) => t.replace(/\n(0\.5,random,0,)[^,\n]+/, '\n$1gpt-9'));
    const line = readFileSync(r.file, 'utf8').split('\n').findIndex((l) => l.includes('gpt-9')) + 1;
    expect(r.stderr).toContain(`greenserv: error: ${r.file}:${line} (column 'model_id'): model 'gpt-9' is not among the models of summary.json`);
  });

  it('profile.json or manifest.json that is no longer JSON: the file named, not the directory', async () => {
    let r = await refused('profile.json', (t) => t.slice(0, 100));
    expect(r.stderr).toContain(`greenserv: error: ${r.file}: invalid JSON (`);
    r = await refused('manifest.json', (t) => t.replace('{', 'schemaVersion: 1\n{'));
    expect(r.stderr).toContain(`greenserv: error: ${r.file}: invalid JSON (`);
  });
});

describe('merge of evaluation shards with edited settings', () => {
  it('settings that no longer validate: state.json and the setting named, nothing written', async () => {
    const shards = [0, 1].map((i) => join(dir, `ev-${i}`));
    for (const [i, s] of shards.entries()) {
      const r = await cli(['evaluate', '--routerbench', join(ROOT, 'test/fixtures/routerbench_small_pd1_p2.pkl'), '--runs', '1', '--lambdas', '0,1', '--shard', `${i}/2`, '--out', s, '--no-progress']);
      expect(r.code).toBe(0);
    }
    const state = join(shards[0], 'state.json');
    const j = JSON.parse(readFileSync(state, 'utf8'));
    j.settings.lambdas = [0, 3];
    writeFileSync(state, JSON.stringify(j, null, 2));
    const out = join(dir, 'merged');
    const r = await cli(['merge', ...shards, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`greenserv: error: ${state} (field 'settings'): settings.lambdas.1: must be in [0, 1]`);
    expect(existsSync(out)).toBe(false);
  });
});
