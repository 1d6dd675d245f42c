import { mkdirSync, mkdtempSync, readdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTable } from '../../src/data/load.js';
import { buildRewards } from '../../src/sim/reward.js';
import { timestamp } from '../../src/core/format.js';
import { cli, cliInProcess } from '../helpers/cli.js';

// The full runs go through the built binary; the refusals and the printed table through main() in this process
// (the same parsing and checks, without a Node start per case).
describe('greenserv simulate', () => {
  it('writes summary, runs, steps and manifest; the summary has the documented fields', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-'));
    const out = join(dir, 'res');
    const r = await cli(['simulate', '--runs', '2', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/linucb/);
    expect(r.stdout).toMatch(/final regret/);
    expect(readdirSync(out).sort()).toEqual(['manifest.json', 'runs.csv', 'steps.csv', 'summary.json']);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(s.schemaVersion).toBe(1);
    expect(s.dataset).toMatchObject({ name: 'greenserv-pool', queries: 2500, models: 16 });
    expect(s.dataset.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(s).toMatchObject({ lambda: 0.5, runs: 2, seed: 40, semantics: 'paper' });
    // Σ over queries of the best model's reward at λ = 0.5, from the reward table directly
    const rw = await buildRewards(await loadTable('greenserv-pool'), { lambda: 0.5 });
    let oracle = 0;
    for (let q = 0; q < 2500; q++) oracle += Math.max(...rw.rewards.subarray(q * 16, (q + 1) * 16));
    expect(s.oracle.totalReward).toBeCloseTo(oracle, 6);
    const names = s.policies.map((p: { name: string }) => p.name);
    expect(names).toEqual(['random', 'largest', 'smallest', 'most-accurate', 'best-static', 'oracle', 'epsilon-greedy', 'linear-epsilon-greedy', 'linucb', 'thompson']);
    for (const p of s.policies) {
      expect(p.finalRegret.ci95).toHaveLength(2);
      expect(p.finalRegret.ci95[0]).toBeLessThanOrEqual(p.finalRegret.mean);
      for (const k of ['accuracy', 'energyWh', 'reward']) expect(typeof p[k].mean).toBe('number');
      const shares = Object.values(p.selection as Record<string, number>).reduce((a, b) => a + b, 0);
      expect(shares).toBeCloseTo(1, 9);
      // spec §2: final regret + total reward (2,500 × mean reward) = Σ oracle
      expect(p.finalRegret.mean + 2500 * p.reward.mean).toBeCloseTo(oracle, 6);
    }
    const runsCsv = readFileSync(join(out, 'runs.csv'), 'utf8').trim().split('\n');
    expect(runsCsv).toHaveLength(1 + 10 * 2);
    const steps = readFileSync(join(out, 'steps.csv'), 'utf8').trim().split('\n');
    expect(steps).toHaveLength(1 + 10 * 2 * 2500);
    // the last step of each (policy, run) carries the run's final regret
    const last = steps.filter((l) => l.startsWith('1,2499,') && l.includes(',linucb,'))[0].split(',');
    const lin = s.policies.find((p: { name: string }) => p.name === 'linucb');
    expect(Number(last[7])).toBeCloseTo(lin.perRun[1].finalRegret, 9);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.dataset.sha256).toBe(s.dataset.sha256);
    expect(manifest.runSeeds).toEqual([40, 41]);
  });

  it('--embed-dim without --features embed is named as ignored; with embed it is not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-ed-'));
    const args = ['simulate', '--runs', '1', '--policies', 'random', '--steps', 'none', '--no-progress'];
    const a = await cliInProcess([...args, '--embed-dim', '8', '--out', join(dir, 'a')]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stderr).toContain('greenserv: warning: --embed-dim applies to --features embed only; it is ignored here');
    // with embed the option is used (the built-in pool has no query text, so that run stops on its own reason)
    const b = await cliInProcess([...args, '--features', 'embed', '--embed-dim', '8', '--out', join(dir, 'b')]);
    expect(b.stderr).toContain('--features embed needs query text');
    expect(b.stderr).not.toContain('--embed-dim applies');
  });

  it('a typed --lambda beside a --reward that never names lambda is named as having no effect', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-rl-'));
    const args = ['simulate', '--runs', '1', '--policies', 'random', '--steps', 'none', '--no-progress'];
    const msg = 'greenserv: warning: --lambda 0.3 has no effect: the --reward expression does not use lambda';
    const a = await cliInProcess([...args, '--reward', 'accuracy - 0.001 * energy_j', '--lambda', '0.3', '--out', join(dir, 'a')]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stderr).toContain(msg);
    // λ used by the expression, or not typed: nothing to say
    const b = await cliInProcess([...args, '--reward', '(1 - lambda) * accuracy + lambda * (1 - energy_norm)', '--lambda', '0.3', '--out', join(dir, 'b')]);
    const c = await cliInProcess([...args, '--reward', 'accuracy', '--out', join(dir, 'c')]);
    for (const r of [b, c]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toContain('has no effect');
    }
  });

  it('a directory as --data or --train says simulate reads one file and where a directory of RouterBench files goes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-dir-'));
    for (const [flag, there] of [['--data', '--routerbench'], ['--train', '--train']]) {
      const r = await cliInProcess(['simulate', flag, dir, '--out', join(dir, 'out')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`greenserv: error: ${flag} ${dir} is a directory: simulate replays one table file, so name one of its files (greenserv evaluate ${there} ${dir} reads a directory of RouterBench files)\n`);
      expect(readdirSync(dir)).toEqual([]);
    }
  });

  it('--json prints summary.json to stdout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-'));
    const r = await cliInProcess(['simulate', '--runs', '1', '--policies', 'random,linucb', '--json', '--steps', 'none', '--out', join(dir, 'j')]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(readFileSync(join(dir, 'j', 'summary.json'), 'utf8')));
  });

  it('the "vs rnd" columns are shown only when random is among the policies (else every cell would be –)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-'));
    const without = await cliInProcess(['simulate', '--runs', '1', '--policies', 'linucb,thompson', '--steps', 'none', '--out', join(dir, 'a')]);
    expect(without.code).toBe(0);
    expect(without.stdout).toMatch(/^policy +final regret +accuracy +energy Wh +reward$/m);
    const withRandom = await cliInProcess(['simulate', '--runs', '1', '--policies', 'random,linucb', '--steps', 'none', '--out', join(dir, 'b')]);
    expect(withRandom.stdout).toMatch(/^policy +final regret +accuracy +energy Wh +reward +regret vs rnd +acc vs rnd +Wh vs rnd$/m);
    expect(withRandom.stdout).toMatch(/^random +.* \+0\.0% +\+0\.0% +\+0\.0%$/m);
  });

  it('features computed from query text are a note on stderr (greenserv: note: …, as docs/outputs.md says)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-txt-'));
    writeFileSync(join(dir, 'p.csv'), 'query_id,model_id,accuracy\nq1,a,1\nq1,b,0\nq2,a,0\nq2,b,1\n');
    writeFileSync(join(dir, 'q.csv'), 'query_id,task,text\nq1,t,Which gas do plants absorb from the air?\nq2,t,How many eggs are left in the box?\n');
    const r = await cliInProcess(['simulate', '--data', join(dir, 'p.csv'), '--queries', join(dir, 'q.csv'), '--runs', '1', '--policies', 'random', '--steps', 'none', '--no-progress', '--out', join(dir, 'o')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('greenserv: note: computed from query text: the cluster of 2 queries, the complexity of 2\n');
    // clusters given in the queries file: the note names only what was computed
    writeFileSync(join(dir, 'qc.csv'), 'query_id,task,text,cluster\nq1,t,Which gas do plants absorb from the air?,0\nq2,t,How many eggs are left in the box?,1\n');
    const c = await cliInProcess(['simulate', '--data', join(dir, 'p.csv'), '--queries', join(dir, 'qc.csv'), '--runs', '1', '--policies', 'random', '--steps', 'none', '--no-progress', '--out', join(dir, 'o2')]);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stderr).toContain('greenserv: note: computed from query text: the complexity of 2 queries\n');
  });

  const bad: [string[], RegExp][] = [
    [['--policies', 'linucb,foo'], /unknown policy 'foo'; valid policies: random, largest/],
    [['--param', 'linucb.beta=2'], /unknown parameter 'beta' for policy 'linucb'; valid parameters: alpha, reg/],
    [['--policies', 'static:gpt-9'], /unknown model 'gpt-9'.*models: qwen2.5-0.5b/],
    [['--lambda', '1.5'], /--lambda: must be in \[0, 1\], got '1.5'/],
    [['--lambda', 'abc'], /--lambda: 'abc' is not a number/],
    [['--runs', '0'], /--runs: must be an integer ≥ 1, got '0'/],
    [['--data', 'does-not-exist.csv'], /does-not-exist\.csv/],
    [['--reward', 'accuracy * speed'], /unknown name 'speed'/],
    [['--features', 'task,colour'], /unknown feature 'colour'/],
    [['--semantics', 'other'], /^greenserv: error: option '--semantics <mode>' argument 'other' is invalid\. Allowed choices are paper, repo\./],
    // --format with the built-in pool (the default --data): a bad name as with a file, a good one as not applying
    [['--format', 'bogus'], /^greenserv: error: unknown --format 'bogus' \(expected one of: csv, .*parquet/],
    [['--data', 'greenserv-pool', '--format', 'csv'], /^greenserv: error: --format applies to files; the built-in dataset 'greenserv-pool' has no file format/],
  ];
  it.each(bad)('bad input %j exits 2 with a clear message and writes nothing', async (args, msg) => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-'));
    const out = join(dir, 'out');
    const r = await cliInProcess(['simulate', '--runs', '1', '--out', out, ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(msg);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('without --out, a second run in the same second gets results/<timestamp>-simulate-2, not a refusal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-'));
    writeFileSync(join(dir, 'pairs.csv'), 'query_id,model_id,accuracy,energy_j\nq1,a,1,2\nq1,b,0,1\nq2,a,0,3\nq2,b,1,1\n');
    // an earlier run's directory for every second the run below may start in
    const t0 = Date.now();
    const taken: string[] = [];
    for (let s = 0; s < 60; s++) {
      const d = `${timestamp(new Date(t0 + s * 1000))}-simulate`;
      mkdirSync(join(dir, 'results', d), { recursive: true });
      writeFileSync(join(dir, 'results', d, 'summary.json'), '{}');
      taken.push(d);
    }
    const r = await cli(['simulate', '--data', 'pairs.csv', '--policies', 'random', '--runs', '1'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const made = readdirSync(join(dir, 'results')).filter((d) => !taken.includes(d));
    expect(made).toHaveLength(1);
    expect(taken).toContain(made[0].replace(/-2$/, ''));
    expect(made[0]).toMatch(/-simulate-2$/);
    expect(r.stdout).toContain(`results: results/${made[0]}`);
    expect(readdirSync(join(dir, 'results', made[0])).sort()).toEqual(['manifest.json', 'runs.csv', 'steps.csv', 'summary.json']);
    for (const d of taken) expect(readdirSync(join(dir, 'results', d))).toEqual(['summary.json']);
  });
});
