/**
 * merge loads the policy modules its shards record (an experiment's module arms, an evaluation's
 * --policy-module): one whose top-level code never finishes is stopped by Ctrl-C or SIGTERM with the
 * `interrupted` message and exit 130/143, and nothing is written.
 */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { hangAtLoad, signalled } from '../helpers/signalled.js';

const EXAMPLE = resolve(__dirname, '../../examples/policies/softmax.mjs');
const SMALL_RB = resolve(__dirname, '../fixtures/routerbench_small_pd1_p4.pkl');

/** `hang.mjs` in `dir` that loads: the example plugin, until hangAtLoad replaces it. */
function loadingPlugin(dir: string): string {
  const file = join(dir, 'hang.mjs');
  writeFileSync(file, `export { default } from ${JSON.stringify(EXAMPLE)};\n`);
  return file;
}

describe('merge: a recorded policy module whose top-level code never finishes', () => {
  it('experiment shards (a module arm): SIGINT exits 130, says so and writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-merge-hang-'));
    loadingPlugin(dir);
    const yaml = join(dir, 'hang.yaml');
    writeFileSync(yaml, ['name: hang', 'dataset: greenserv-pool', 'runs: 1', 'lambdas: [0.5]', 'arms:', '  - {policy: softmax-example, module: hang.mjs}', '  - policy: random', ''].join('\n'));
    for (const i of [0, 1]) {
      const r = await cli(['experiment', 'run', yaml, '--shard', `${i}/2`, '--workers', '1', '--no-progress', '--out', join(dir, `s${i}`)]);
      expect(r.code, r.stderr).toBe(0);
    }
    hangAtLoad(dir);
    const r = await signalled(['merge', join(dir, 's0'), join(dir, 's1'), '--no-charts', '--out', join(dir, 'out')], dir, 'SIGINT');
    expect(r.signal).toBeNull();
    expect(r.code, r.stderr).toBe(130);
    expect(r.stopMs).toBeLessThan(5000);
    expect(r.stderr).toContain('greenserv: interrupted (SIGINT); stopped, no results written');
    expect(readdirSync(dir).sort()).toEqual(['hang.mjs', 'hang.yaml', 's0', 's1', 'started']);
  });

  it('evaluate shards (--policy-module): SIGTERM exits 143, says so and writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-merge-hang-'));
    const plugin = loadingPlugin(dir);
    const s = await cli(['evaluate', '--routerbench', SMALL_RB, '--policy-module', plugin, '--policies', 'softmax-example', '--lambdas', '0.5', '--runs', '1', '--shard', '0/1', '--no-progress', '--out', join(dir, 's0')]);
    expect(s.code, s.stderr).toBe(0);
    hangAtLoad(dir);
    const r = await signalled(['merge', join(dir, 's0'), '--no-charts', '--out', join(dir, 'out')], dir, 'SIGTERM');
    expect(r.signal).toBeNull();
    expect(r.code, r.stderr).toBe(143);
    expect(r.stopMs).toBeLessThan(5000);
    expect(r.stderr).toContain('greenserv: interrupted (SIGTERM); stopped, no results written');
    expect(readdirSync(dir).sort()).toEqual(['hang.mjs', 's0', 'started']);
  });
});
