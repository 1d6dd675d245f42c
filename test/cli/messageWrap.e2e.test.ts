/**
 * Error messages on a real pseudo-terminal (util-linux `script`): fitted to its width, they never break a path
 * with spaces or a command to copy across lines. Build first.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cli } from '../helpers/cli.js';

const hasScript = spawnSync('script', ['--version']).status === 0;
if (!hasScript) console.warn('SKIPPED: pseudo-terminal tests need util-linux `script`, which is not installed');

/** The CLI on a pseudo-terminal `cols` wide: its exit code and the lines it wrote (stdout and stderr, as shown). */
function pty(args: string[], cols: number): Promise<{ code: number | null; lines: string[] }> {
  const cmd = `stty cols ${cols} rows 30; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} ${args.map((a) => JSON.stringify(a)).join(' ')}`;
  const p = spawn('script', ['-qfec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((done) => p.on('exit', (code) => done({ code, lines: out.split(/\r?\n/).filter((l) => l !== '') })));
}

/** How many times `s` occurs in `text`. */
const count = (text: string, s: string): number => text.split(s).length - 1;

/**
 * `message`, written on a terminal of `width` + 1 columns as `lines`: every character of it in order, and each
 * of `pieces` as often within one line as in the message.
 */
function checkShown(lines: string[], message: string, pieces: string[], width: number): void {
  expect(lines.join(' ')).toBe(message);
  for (const p of pieces) expect(lines.reduce((n, l) => n + count(l, p), 0), `'${p}' in\n${lines.join('\n')}`).toBe(count(message, p));
  for (const l of lines) if (!pieces.some((p) => l.includes(p))) expect(l.length).toBeLessThanOrEqual(width);
}

describe.skipIf(!hasScript)('error messages on a pseudo-terminal (built binary)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gs-wrap-'));
  const data = join(dir, 'My Data Folder With Spaces');
  mkdirSync(data);
  const table = join(data, 'pool.csv');
  writeFileSync(table, 'query_id,model_id,task,accuracy,energy_j,input_tokens,output_tokens\nq1,a,qa,1,3,1,1\nq1,b,qa,zz,1,1,1\n');

  it('a bad cell: the file the error names stays on one line; piped, the message is one line', async () => {
    const args = ['simulate', '--data', table, '--out', join(dir, 'out')];
    const message = `greenserv: error: ${table}:3 (column 'accuracy'): 'zz' is not a number`;
    // a width that ends inside the path after the prefix, wide enough for the path on a line of its own
    const width = `${table}:3`.length + 4;
    const r = await pty(args, width + 1);
    expect(r.code).toBe(2);
    checkShown(r.lines, message, [`${table}:3`], width);
    const piped = await cli(args);
    expect(piped.stderr).toBe(`${message}\n`);
  }, 30_000);

  it('a directory given to --data: the path typed and the command to copy each stay on one line', async () => {
    const command = `greenserv evaluate --routerbench '${data}'`;
    const message = `greenserv: error: --data ${data} is a directory: simulate replays one table file, so name one of its files (${command} reads a directory of RouterBench files)`;
    const width = command.length + 3;
    const r = await pty(['simulate', '--data', data, '--out', join(dir, 'out')], width + 1);
    expect(r.code).toBe(2);
    checkShown(r.lines, message, [data, command], width);
  }, 30_000);

  it('a checkpoint in the way: its path and the --resume to finish it each stay on one line', async () => {
    const runs = join(dir, 'My Runs');
    const partial = join(runs, 'out.partial');
    mkdirSync(partial, { recursive: true });
    const yaml = join(dir, 'e.yaml');
    writeFileSync(yaml, 'name: e\ndataset: greenserv-pool\nruns: 1\nseed: 7\nlambdas: [0.5]\narms:\n  - policy: random\n');
    const resume = `--resume '${partial}'`;
    const message = `greenserv: error: an interrupted (or still running) run of this experiment is in ${partial}: finish it with ${resume}, or pass --force to start over`;
    const width = `with ${resume},`.length + 2;
    const r = await pty(['experiment', 'run', yaml, '--out', join(runs, 'out')], width + 1);
    expect(r.code).toBe(2);
    checkShown(r.lines, message, [partial, resume], width);
  }, 30_000);
});
