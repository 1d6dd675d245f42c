/** `npm run bench`: prints one JSON object with throughput and wall-time figures. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadGreenservPool } from '../src/data/builtin/greenserv-pool.js';
import { DEFAULT_POLICIES } from '../src/policies/registry.js';
import { runSimulation } from '../src/sim/run.js';
import { benchPolicies } from './policies.js';

const TARGETS = { linucb: 1_000_000, thompson: 300_000, 'epsilon-greedy': 5_000_000, simulateSeconds: 2 };

async function simulateInProcess(): Promise<number> {
  const t0 = performance.now();
  const table = loadGreenservPool();
  await runSimulation(table, {
    policies: [...DEFAULT_POLICIES],
    params: [],
    lambda: 0.5,
    runs: 5,
    seed: 40,
    semantics: 'paper',
    features: ['task', 'cluster', 'complexity'],
    recordSteps: true,
  });
  return (performance.now() - t0) / 1000;
}

/** Wall time of `greenserv simulate` as a user runs it (process start, table build, replay, writing). */
function simulateCli(): number {
  const bin = fileURLToPath(new URL('../../bin/greenserv', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'gs-bench-'));
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    execFileSync(process.execPath, [bin, 'simulate', '--out', join(dir, `r${i}`)], { stdio: 'ignore' });
    times.push((performance.now() - t0) / 1000);
  }
  rmSync(dir, { recursive: true, force: true });
  return Math.min(...times);
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const decisions = benchPolicies(quick ? 200 : 1000);
  const inProcess = await simulateInProcess();
  const cli = simulateCli();
  const d = decisions['onehot-d12'];
  const result = {
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    decisionsPerSecond: decisions,
    simulate: { inProcessSeconds: +inProcess.toFixed(3), cliSeconds: +cli.toFixed(3) },
    targets: TARGETS,
    meetsTargets: {
      linucb: d.linucb >= TARGETS.linucb,
      thompson: d.thompson >= TARGETS.thompson,
      'epsilon-greedy': d['epsilon-greedy'] >= TARGETS['epsilon-greedy'],
      simulate: cli < TARGETS.simulateSeconds,
    },
  };
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

await main();
