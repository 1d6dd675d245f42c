/** Policy plugins through the CLI: the shipped example (examples/policies/softmax.mjs) by flag and by YAML. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

const EXAMPLE = resolve(__dirname, '../../examples/policies/softmax.mjs');
const SMALL_RB = resolve(__dirname, '../fixtures/routerbench_small_pd1_p4.pkl');

interface Summary {
  policies: { name: string; finalRegret: { mean: number } }[];
}

describe('--policy-module and YAML module:', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gs-plugins-'));

  it('simulate runs a plugin policy by name, takes its parameters, records the module, and repeats byte for byte', async () => {
    const args = (out: string): string[] => ['simulate', '--policy-module', EXAMPLE, '--policies', 'softmax-example,random', '--param', 'softmax-example.temperature=0.02', '--runs', '2', '--steps', 'none', '--no-progress', '--out', join(dir, out)];
    const a = await cli(args('a'));
    expect(a.code, a.stderr).toBe(0);
    const b = await cli(args('b'));
    expect(b.code, b.stderr).toBe(0);
    const sa = readFileSync(join(dir, 'a', 'summary.json'), 'utf8');
    expect(sa).toBe(readFileSync(join(dir, 'b', 'summary.json'), 'utf8'));
    const s = JSON.parse(sa) as Summary;
    expect(s.policies.map((p) => p.name)).toEqual(['softmax-example', 'random']);
    // a greedy softmax learns: clearly below random's regret
    expect(s.policies[0].finalRegret.mean).toBeLessThan(s.policies[1].finalRegret.mean);
    const manifest = JSON.parse(readFileSync(join(dir, 'a', 'manifest.json'), 'utf8')) as { config: { policyModules?: string[]; policies: { name: string; params: Record<string, number> }[] } };
    expect(manifest.config.policyModules).toEqual([EXAMPLE]);
    expect(manifest.config.policies[0]).toEqual({ name: 'softmax-example', params: { temperature: 0.02, initial: 1 } });
  });

  it('a bad module or an unknown plugin parameter is exit 2 naming it', async () => {
    const bad = join(dir, 'bad.mjs');
    writeFileSync(bad, "export default { name: 'Bad Name', create() {} };\n");
    const r = await cli(['simulate', '--policy-module', bad, '--runs', '1', '--out', join(dir, 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/greenserv: error: policy module '.*bad\.mjs': policy name "Bad Name" must match/);
    const p = await cli(['simulate', '--policy-module', EXAMPLE, '--policies', 'softmax-example', '--param', 'softmax-example.tau=1', '--runs', '1', '--out', join(dir, 'y')]);
    expect(p.code).toBe(2);
    expect(p.stderr).toContain("unknown parameter 'tau' for policy 'softmax-example'; valid parameters: temperature, initial");
  });

  it('evaluate records the module, and its shards merge (in a process that never saw the flag) to the same bytes', async () => {
    const args = ['evaluate', '--routerbench', SMALL_RB, '--policy-module', EXAMPLE, '--policies', 'softmax-example,random', '--lambdas', '0.2,0.8', '--runs', '2', '--no-charts', '--no-progress'];
    const whole = await cli([...args, '--out', join(dir, 'ev')]);
    expect(whole.code, whole.stderr).toBe(0);
    for (const i of [0, 1]) {
      const s = await cli([...args, '--shard', `${i}/2`, '--out', join(dir, `ev-s${i}`)]);
      expect(s.code, s.stderr).toBe(0);
    }
    const m = await cli(['merge', join(dir, 'ev-s0'), join(dir, 'ev-s1'), '--no-charts', '--out', join(dir, 'ev-merged')]);
    expect(m.code, m.stderr).toBe(0);
    for (const f of ['summary.json', 'runs.csv', 'points.csv', 'manifest.json']) expect(readFileSync(join(dir, 'ev-merged', f), 'utf8')).toBe(readFileSync(join(dir, 'ev', f), 'utf8'));
    const manifest = JSON.parse(readFileSync(join(dir, 'ev', 'manifest.json'), 'utf8')) as { config: { policyModules?: string[] } };
    expect(manifest.config.policyModules).toEqual([EXAMPLE]);
    expect(readFileSync(join(dir, 'ev', 'summary.json'), 'utf8')).toContain('"softmax-example"');
  });

  it('experiment YAML names the module per arm; 1 and 2 worker threads give identical results', async () => {
    const yaml = join(dir, 'plug.yaml');
    writeFileSync(
      yaml,
      ['name: plug', 'dataset: greenserv-pool', 'runs: 2', 'lambdas: [0.5]', 'arms:', `  - {policy: softmax-example, module: ${JSON.stringify(EXAMPLE)}, params: {temperature: 0.05}}`, '  - policy: random', ''].join('\n'),
    );
    const one = await cli(['experiment', 'run', yaml, '--workers', '1', '--no-charts', '--no-progress', '--out', join(dir, 'w1')]);
    expect(one.code, one.stderr).toBe(0);
    const two = await cli(['experiment', 'run', yaml, '--workers', '2', '--no-charts', '--no-progress', '--out', join(dir, 'w2')]);
    expect(two.code, two.stderr).toBe(0);
    for (const f of ['summary.json', 'runs.csv']) expect(readFileSync(join(dir, 'w2', f), 'utf8')).toBe(readFileSync(join(dir, 'w1', f), 'utf8'));
    expect(readFileSync(join(dir, 'w1', 'summary.json'), 'utf8')).toContain('"softmax-example"');
  });
  it('a plugin that throws at run time is exit 1 with its message and line, one that answers a model it was not offered exit 2; no stack, nothing written', async () => {
    const mod = (name: string, select: string, update: string): string => {
      const f = join(dir, `${name}.mjs`);
      writeFileSync(f, `export default { name: '${name}', description: '', contextual: false, params: [], rewardIndependent: false, hindsight: false,\n  create: () => ({ select(q, arms, n) { ${select} }, update() { ${update} }, addArm() {}, removeArm() {} }) };\n`);
      return f;
    };
    const throws = mod('throws-late', 'return arms[0];', "throw new Error('lost state');");
    const t = await cli(['simulate', '--policy-module', throws, '--policies', 'throws-late', '--runs', '1', '--steps', 'none', '--no-progress', '--out', join(dir, 't1')]);
    expect(t.code).toBe(1);
    expect(t.stderr).toBe(`greenserv: error: policy module '${throws}': policy 'throws-late': update() threw: lost state (at ${throws}:2:77)\n`);
    expect(existsSync(join(dir, 't1'))).toBe(false);
    const nan = mod('answers-nan', 'return NaN;', '');
    const yaml = join(dir, 'nan.yaml');
    writeFileSync(yaml, ['name: nan', 'dataset: greenserv-pool', 'runs: 2', 'lambdas: [0.5]', 'arms:', `  - {policy: answers-nan, module: ${JSON.stringify(nan)}}`, ''].join('\n'));
    const e = await cli(['experiment', 'run', yaml, '--workers', '2', '--no-charts', '--no-progress', '--out', join(dir, 'n2')]);
    expect(e.code).toBe(2);
    expect(e.stderr).toContain(`greenserv: error: policy module '${nan}': policy 'answers-nan': select() returned NaN, which is not one of the 16 models it was offered`);
    expect(e.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(existsSync(join(dir, 'n2'))).toBe(false);
  });
});
