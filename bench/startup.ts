/**
 * Start-up section of `npm run bench`: wall time of CLI invocations as a user runs them (child processes,
 * median of several runs): `--version`, `--help`, `simulate --help` and the default `simulate` end to end.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/greenserv', import.meta.url));

export const STARTUP_TARGETS = { versionSeconds: 0.2, helpSeconds: 0.2, simulateHelpSeconds: 0.3, simulateSeconds: 1 };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Median wall seconds of `greenserv <args>` over n runs (`{out}` is replaced by a fresh directory). */
function timeMedian(args: string[], n: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'gs-bench-startup-'));
  const times: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const a = args.map((x) => (x === '{out}' ? join(dir, `r${i}`) : x));
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [BIN, ...a], { stdio: ['ignore', 'ignore', 'pipe'] });
      times.push((performance.now() - t0) / 1000);
      if (r.status !== 0) throw new Error(`greenserv ${a.join(' ')} failed: ${r.stderr}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return +median(times).toFixed(3);
}

export function benchStartup(quick: boolean): { figures: Record<string, number>; meets: Record<string, boolean> } {
  const n = quick ? 5 : 11;
  const figures = {
    versionSeconds: timeMedian(['--version'], n),
    helpSeconds: timeMedian(['--help'], n),
    simulateHelpSeconds: timeMedian(['simulate', '--help'], n),
    simulateSeconds: timeMedian(['simulate', '--out', '{out}'], quick ? 3 : 5),
    nodeSeconds: 0,
  };
  // the floor: a bare Node process on this machine
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    t.push((performance.now() - t0) / 1000);
  }
  figures.nodeSeconds = +median(t).toFixed(3);
  const meets: Record<string, boolean> = {};
  for (const [k, target] of Object.entries(STARTUP_TARGETS)) meets[`startup.${k}`] = figures[k as keyof typeof figures] < target;
  return { figures, meets };
}
