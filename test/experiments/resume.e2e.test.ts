import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = resolve(__dirname, '../../bin/greenserv');

const CONFIG = `name: resume-check
dataset: greenserv-pool
semantics: paper
runs: 8
seed: 7
lambdas: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]
arms:
  - policy: linucb
  - policy: thompson
  - policy: linear-epsilon-greedy
  - policy: random
`;

function runCli(args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((res) => {
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.on('exit', (code, signal) => res({ code, signal, stderr }));
  });
}

describe('interrupted experiments', () => {
  it('SIGTERM keeps completed runs too, and exits 143 as every other command does (128 + the signal)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-resume-'));
    const cfg = join(dir, 'resume.yaml');
    writeFileSync(cfg, CONFIG);
    const out = join(dir, 'out');
    const child = spawn(process.execPath, [BIN, 'experiment', 'run', cfg, '--out', out, '--workers', '1', '--no-charts', '--no-progress'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    for (let i = 0; i < 2000 && !existsSync(join(`${out}.partial`, 'jobs.ndjson')); i++) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(stderr).toMatch(/interrupted \(SIGTERM\): \d+ of 352 replays kept in .*\.partial; finish with: greenserv experiment run --resume/);
    expect(existsSync(out)).toBe(false);
  });

  it('SIGINT keeps completed runs; --resume finishes with results identical to an uninterrupted run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-resume-'));
    const cfg = join(dir, 'resume.yaml');
    writeFileSync(cfg, CONFIG);
    const out = join(dir, 'out');
    const partial = `${out}.partial`;
    const child = spawn(process.execPath, [BIN, 'experiment', 'run', cfg, '--out', out, '--workers', '1', '--no-charts', '--no-progress'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    // interrupt as soon as a few replays are on disk
    let kept = 0;
    for (let i = 0; i < 2000; i++) {
      await new Promise((r) => setTimeout(r, 5));
      const f = join(partial, 'jobs.ndjson');
      if (existsSync(f)) {
        kept = readFileSync(f, 'utf8').split('\n').filter(Boolean).length;
        if (kept >= 3) break;
      }
    }
    child.kill('SIGINT');
    const code = await exited;
    expect(code).toBe(130);
    expect(stderr).toMatch(/replays kept in .*\.partial; finish with: greenserv experiment run --resume/);
    const lines = readFileSync(join(partial, 'jobs.ndjson'), 'utf8').split('\n').filter(Boolean).length;
    expect(lines).toBeGreaterThanOrEqual(3);
    expect(lines).toBeLessThan(11 * 4 * 8);
    expect(existsSync(out)).toBe(false);

    // a fresh run refuses to overwrite the checkpoint
    const again = await runCli(['experiment', 'run', cfg, '--out', out, '--no-charts', '--no-progress']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/--resume/);

    const resumed = await runCli(['experiment', 'run', '--resume', partial, '--workers', '2', '--no-progress']);
    expect(resumed.code).toBe(0);
    expect(existsSync(partial)).toBe(false);

    const ref = join(dir, 'ref');
    expect((await runCli(['experiment', 'run', cfg, '--out', ref, '--workers', '1', '--no-charts', '--no-progress'])).code).toBe(0);
    for (const f of ['summary.json', 'runs.csv', 'curves.csv', 'selection.csv']) {
      expect(readFileSync(join(out, f)).equals(readFileSync(join(ref, f))), f).toBe(true);
    }
  }, 120_000);
});
