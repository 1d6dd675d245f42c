/** experiments/ope-validation.mjs runs against the built library, and its true values are the engine's. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/app/index.js';

const run = promisify(execFile);
const SCRIPT = resolve(__dirname, '../../experiments/ope-validation.mjs');
const CLI = resolve(__dirname, '../../bin/greenserv');
const SOFTMAX = resolve(__dirname, '../../examples/policies/softmax.mjs');

interface Row { dataset: string; logger: string; size: number; target: string; estimator: string; truth: number; reps: number; bias: number }
interface Ope { policies: { name: string; estimates: { metric: string; estimator: string; value: number }[] }[] }

describe('ope-validation experiment', () => {
  it('runs (one log per cell) and takes the static targets’ true values from the whole table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opeval-'));
    const out = join(dir, 'v.json');
    await run(process.execPath, [SCRIPT, '--reps', '1', '--bootstrap', '20', '--out', out]);
    const v = JSON.parse(readFileSync(out, 'utf8')) as { results: Row[]; sizes: number[] };
    const pool = v.results.filter((r) => r.dataset === 'greenserv-pool');
    expect(pool.length).toBe(3 * v.sizes.length * 3 * 6);
    // a static policy's mean reward over any run is its mean over all queries
    const s = await simulate({ policies: ['best-static', 'most-accurate'], runs: 1, lambda: 0.5 });
    for (const p of s.policies) {
      const truths = new Set(pool.filter((r) => r.target === p.name).map((r) => r.truth));
      expect([...truths]).toHaveLength(1);
      expect([...truths][0]).toBeCloseTo(p.reward.mean, 10);
    }
    // the skewed logger is the plugin example at τ = 0.02 (README): its first log (500 decisions, seed
    // 1000 + 500) written and estimated through the commands gives the script's IPS errors
    const log = join(dir, 'log.csv');
    await run(process.execPath, [CLI, 'simulate', '--policy-module', SOFTMAX, '--policies', 'softmax-example', '--param', 'softmax-example.temperature=0.02', '--runs', '1', '--seed', '1500', '--log', log, '--steps', 'none', '--out', join(dir, 'sim'), '--no-progress']);
    writeFileSync(log, readFileSync(log, 'utf8').split('\n').slice(0, 501).join('\n') + '\n');
    const ope = JSON.parse((await run(process.execPath, [CLI, 'ope', '--logs', log, '--table', 'greenserv-pool', '--lambda', '0.5', '--policies', 'random,best-static,most-accurate', '--estimators', 'ips', '--seed', '1500', '--bootstrap', '20', '--json', '--out', join(dir, 'ope')])).stdout) as Ope;
    for (const p of ope.policies) {
      const row = pool.find((r) => r.logger === 'skewed softmax' && r.size === 500 && r.target === p.name && r.estimator === 'ips');
      const ips = p.estimates.find((e) => e.metric === 'reward' && e.estimator === 'ips');
      expect(row!.truth + row!.bias).toBeCloseTo(ips!.value, 10);
    }
  });
});
