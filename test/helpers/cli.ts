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

/** Run `greenserv datasets …` in this process, capturing what it prints (errors are thrown, worded as the command shows them, not exited). */
export async function datasetsInProcess(...args: string[]): Promise<{ out: string; err: string }> {
  const [{ Command }, { registerDatasetsCommand }, { userErrorText }] = await Promise.all([import('commander'), import('../../src/cli/datasets.js'), import('../../src/cli/errors.js')]);
  let out = '';
  let err = '';
  const program = new Command().exitOverride();
  registerDatasetsCommand(program, { out: (x) => (out += x), err: (x) => (err += x) });
  try {
    await program.parseAsync(['node', 'greenserv', 'datasets', ...args]);
  } catch (e) {
    // worded as main() shows it: settings by their flags
    if (e instanceof Error) e.message = userErrorText(e);
    throw e;
  }
  return { out, err };
}

/**
 * Run `greenserv <args>` through main() in this process, capturing what it writes to stdout and stderr and the
 * exit code main() resolves to. For checks of what a command line is refused with, where starting a process
 * per case adds only Node's startup: the process behaviour (bin/greenserv, signals, exit) is what cli() tests.
 * Spies on process.stdout/stderr.write while it runs, so only for files of the isolated projects. src/ prints
 * through those two writes only (no console.*, which vitest would route past the spies), so nothing escapes the capture.
 */
export async function cliInProcess(args: string[]): Promise<CliResult> {
  const [{ vi }, { main }] = await Promise.all([import('vitest'), import('../../src/cli/index.js')]);
  let stdout = '';
  let stderr = '';
  const text = (s: string | Uint8Array): string => (typeof s === 'string' ? s : Buffer.from(s).toString('utf8'));
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((stdout += text(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((stderr += text(s)), true));
  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    const code = await main(['node', 'greenserv', ...args]);
    return { code, stdout, stderr };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = before;
  }
}
