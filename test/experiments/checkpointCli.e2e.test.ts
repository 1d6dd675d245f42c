/**
 * Resuming a checkpoint through the built CLI: from another working directory, two runs of one experiment at
 * once, a corrupted state file (exit 2, no stack trace). Whole child processes, so an e2e file.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { checkpointFixture, damaged as damagedCopy, editState, type CheckpointFixture } from '../helpers/checkpointFixture.js';

let fx: CheckpointFixture;
let root: string;
let cfg: string;
let pristine: string;
let reference: string;

beforeAll(async () => {
  fx = await checkpointFixture('gs-ckpt-cli-');
  ({ root, cfg, pristine, reference } = fx);
}, 60_000);

const damaged = (name: string, edit: (partial: string) => void): string => damagedCopy(fx, name, edit);

function cli(args: string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((res) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.on('exit', (code) => res({ code, stderr }));
  });
}

describe('resume from the command line', () => {
  it('from another working directory, with the relative --out recorded by older runs', async () => {
    const a = join(root, 'cwdA');
    const b = join(root, 'cwdB');
    mkdirSync(b, { recursive: true });
    cpSync(pristine, join(a, 'out.partial'), { recursive: true });
    editState(join(a, 'out.partial'), (s) => (s.out = 'out'));
    const r = await cli(['experiment', 'run', '--resume', '../cwdA/out.partial', '--no-charts', '--no-progress', '--workers', '1'], b);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(join(a, 'out', 'summary.json')).equals(readFileSync(join(reference, 'summary.json')))).toBe(true);
    expect(existsSync(join(b, 'out'))).toBe(false);
    expect(existsSync(join(a, 'out.partial'))).toBe(false);
  });

  it('two runs of one experiment started at once: one finishes, the other exits 2', async () => {
    const out = join(root, 'twice');
    const args = ['experiment', 'run', cfg, '--out', out, '--no-charts', '--no-progress', '--workers', '1'];
    const [a, b] = await Promise.all([cli(args, root), cli(args, root)]);
    expect([a.code, b.code].sort()).toEqual([0, 2]);
    expect((a.code === 2 ? a : b).stderr).toMatch(/^greenserv: error: .*(twice\.partial|twice')/);
    expect(readFileSync(join(out, 'summary.json')).equals(readFileSync(join(reference, 'summary.json')))).toBe(true);
    expect(existsSync(`${out}.partial`)).toBe(false);
  });

  it('a corrupted state.json is exit 2 with the file, no stack trace', async () => {
    const p = damaged('cli-state', (q) => writeFileSync(join(q, 'state.json'), '\u0000\u0001'));
    const r = await cli(['experiment', 'run', '--resume', p, '--no-progress'], root);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^greenserv: error: .*out\.partial\/state\.json: corrupted checkpoint state/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
