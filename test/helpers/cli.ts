/** Run the built CLI (bin/greenserv → dist/) as a child process; tests must build first (npm test does). */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const BIN = resolve(__dirname, '../../bin/greenserv');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { maxBuffer: 64 * 1024 * 1024, ...opts });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** Run `greenserv datasets …` in this process, capturing what it prints (errors are thrown, not exited). */
export async function datasetsInProcess(...args: string[]): Promise<{ out: string; err: string }> {
  const [{ Command }, { registerDatasetsCommand }] = await Promise.all([import('commander'), import('../../src/cli/datasets.js')]);
  let out = '';
  let err = '';
  const program = new Command().exitOverride();
  registerDatasetsCommand(program, { out: (x) => (out += x), err: (x) => (err += x) });
  await program.parseAsync(['node', 'greenserv', 'datasets', ...args]);
  return { out, err };
}
