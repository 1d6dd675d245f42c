/** Signals sent to the CLI once a plugin has started, and a module whose top-level code never finishes. */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN } from './cli.js';

/**
 * Start the CLI, send `sig` once the plugin has started (calling `beforeSignal` just before), and resolve with
 * the exit code, stderr and the time it took to stop.
 */
export async function signalled(args: string[], dir: string, sig: NodeJS.Signals, o: { env?: NodeJS.ProcessEnv; beforeSignal?: () => void } = {}): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; stopMs: number }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'], ...(o.env ? { env: o.env } : {}) });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) => child.on('exit', (code, signal) => r([code, signal])));
  const deadline = Date.now() + 60_000;
  while (!existsSync(join(dir, 'started')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  // the plugin is in its endless select now (or about to be)
  await new Promise((r) => setTimeout(r, 200));
  o.beforeSignal?.();
  const sentAt = Date.now();
  child.kill(sig);
  const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const [code, signal] = await exited;
  clearTimeout(killer);
  return { code, signal, stderr, stopMs: Date.now() - sentAt };
}

/** A module whose top-level code writes `started` in its directory, then never finishes (before its export). */
export function hangAtLoad(dir: string): string {
  const file = join(dir, 'hang.mjs');
  writeFileSync(file, `import { writeFileSync } from 'node:fs';
writeFileSync(${JSON.stringify(join(dir, 'started'))}, 'x');
for (;;) {}
export default { name: 'hang', rewardIndependent: false, hindsight: false, params: [], create() { return {}; } };
`);
  return file;
}
