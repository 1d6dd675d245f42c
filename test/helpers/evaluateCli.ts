/** `greenserv evaluate` in this process, for the evaluate test files: a fresh program per call, stdio captured. */
import { Command } from 'commander';
import { afterEach, beforeEach, vi } from 'vitest';
import { registerEvaluateCommand } from '../../src/cli/evaluate.js';

/** What the command wrote since the test began; hooks registered for the calling file. */
export function captureStdio(): { out: string[]; err: string[] } {
  const io = { out: [] as string[], err: [] as string[] };
  beforeEach(() => {
    io.out.length = 0;
    io.err.length = 0;
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
      io.out.push(String(s));
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
      io.err.push(String(s));
      return true;
    });
  });
  afterEach(() => vi.restoreAllMocks());
  return io;
}

/** Run `greenserv evaluate …` on a fresh program, as main() would; resolves to the error, if any. */
export async function evaluateInProcess(args: string[]): Promise<unknown> {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerEvaluateCommand(program);
  try {
    await program.parseAsync(['node', 'greenserv', 'evaluate', ...args]);
    return null;
  } catch (e) {
    return e;
  }
}
