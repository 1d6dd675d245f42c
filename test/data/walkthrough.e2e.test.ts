import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = resolve(__dirname, '../../bin/greenserv');
const README = readFileSync(resolve(__dirname, '../../datasets/README.md'), 'utf8');
const section = README.slice(README.indexOf('## Walkthrough: your own measurements'), README.indexOf('## Other formats'));
const dir = mkdtempSync(join(tmpdir(), 'gs-walk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The walkthrough's files: each "`name`:" line followed by a fenced block. */
const files = Object.fromEntries([...section.matchAll(/^`([\w.-]+)`:\n\n```(?:csv|yaml)\n([\s\S]*?)```/gm)].map((m) => [m[1], m[2]]));
for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: dir });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const SIDE = ['--queries', 'queries.csv', '--models', 'models.csv'];

let outs = 0;

/** Mean reward per policy from a simulate summary. */
async function rewards(data: string, extra: string[] = []): Promise<Record<string, number>> {
  const r = await cli('simulate', '--data', data, ...extra, '--policies', 'largest,smallest', '--runs', '1', '--json', '--out', join(dir, `sim-${++outs}`));
  expect(r.code, r.stderr).toBe(0);
  const s = JSON.parse(r.stdout) as { policies: { name: string; reward: { mean: number } }[] };
  return Object.fromEntries(s.policies.map((p) => [p.name, p.reward.mean]));
}

describe('datasets/README.md walkthrough', () => {
  it('ships every file it uses', () => {
    expect(Object.keys(files).sort()).toEqual(['bounds.csv', 'models.csv', 'my-experiment.yaml', 'pairs.csv', 'queries.csv']);
    expect(files['pairs.csv'].split('\n')[0]).toBe('query_id,model_id,accuracy,energy_j,latency_s,input_tokens,output_tokens');
  });

  it('validate and info print what the walkthrough quotes', async () => {
    const v = await cli('datasets', 'validate', 'pairs.csv', ...SIDE);
    expect(v.code).toBe(0);
    expect(section).toContain(`# ${v.stdout.trim()}`);
    const info = await cli('datasets', 'info', 'pairs.csv', ...SIDE);
    expect(info.code).toBe(0);
    const gsm = info.stdout.slice(info.stdout.indexOf('task gsm8k')).trim().split('\n');
    for (const line of gsm) expect(section).toContain(`# ${line}`);
  });

  it('the token columns carry the energy side: without them energy is normalised per query', async () => {
    const withTokens = await rewards('pairs.csv', SIDE);
    expect(withTokens.smallest).toBeGreaterThan(withTokens.largest);
    writeFileSync(join(dir, 'no-tokens.csv'), files['pairs.csv'].split('\n').map((l) => l.split(',').slice(0, 5).join(',')).join('\n'));
    const without = await rewards('no-tokens.csv', SIDE);
    // direct computation: per task, e = (J − min J)/(max J − min J); r = 0.5·acc + 0.5·(1 − e), averaged per model
    const taskOf = new Map(files['queries.csv'].trim().split('\n').slice(1).map((l) => l.split(',') as [string, string]));
    const rows = files['pairs.csv'].trim().split('\n').slice(1).map((l) => l.split(','));
    const range = new Map<string, [number, number]>();
    for (const [q, , , j] of rows) {
      const t = taskOf.get(q)!;
      const [lo, hi] = range.get(t) ?? [Infinity, -Infinity];
      range.set(t, [Math.min(lo, Number(j)), Math.max(hi, Number(j))]);
    }
    const mean = (model: string): number => {
      const rs = rows.filter((r) => r[1] === model).map(([q, , acc, j]) => {
        const [lo, hi] = range.get(taskOf.get(q)!)!;
        return 0.5 * Number(acc) + 0.5 * (1 - (Number(j) - lo) / (hi - lo));
      });
      return rs.reduce((a, b) => a + b, 0) / rs.length;
    };
    // the file's values and so its rewards are stored as float32 (datasets/README.md, storage): 7 digits
    expect(without.largest).toBeCloseTo(mean('big-8b'), 6);
    expect(without.smallest).toBeCloseTo(mean('small-1b'), 6);
  });

  it('bounds stored with the table by convert are the ones simulate normalises with', async () => {
    const c = await cli('datasets', 'convert', 'pairs.csv', 'pairs.arrow', ...SIDE, '--bounds', 'bounds.csv');
    expect(c.code, c.stderr).toBe(0);
    const info = await cli('datasets', 'info', 'pairs.arrow');
    expect(info.stdout).toContain('task gsm8k (3 queries, J/token bounds 0.0090–19.0000)');
    const fixed = await rewards('pairs.arrow');
    const fromData = await rewards('pairs.csv', SIDE);
    expect(fixed.largest).not.toBeCloseTo(fromData.largest, 3);
  });

  it('the experiment file runs', async () => {
    const r = await cli('experiment', 'run', 'my-experiment.yaml', '--runs', '1', '--no-charts', '--no-progress', '--out', join(dir, 'exp'), '--workers', '1');
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(readFileSync(join(dir, 'exp', 'summary.json'), 'utf8')) as { lambdas: number[]; cells: unknown[] };
    expect(s.lambdas).toEqual([0.2, 0.5, 0.8]);
    expect(s.cells).toHaveLength(9);
  });
});
