/**
 * Errors raised on the worker pool's threads read as on the main thread: a policy module (here one never
 * selected) sends evaluate's sweeps to worker threads, and the same bad input must give the same message,
 * with the settings named by flag, and the same exit code, with nothing written.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

const SMALL_RB = resolve(__dirname, '../fixtures/routerbench_small_pd1_p4.pkl');
const dir = mkdtempSync(join(tmpdir(), 'gs-worker-wording-'));
const unused = join(dir, 'unused.mjs');
writeFileSync(unused, "export default { name: 'unused-plugin', description: '', contextual: false, params: [], rewardIndependent: false, hindsight: false,\n  create: () => ({ select(q, arms) { return arms[0]; }, update() {}, addArm() {}, removeArm() {} }) };\n");

/** The same evaluate run without and with the module: exit codes and stderr, nothing written either way. */
async function both(name: string, args: string[]): Promise<[{ code: number; stderr: string }, { code: number; stderr: string }]> {
  const base = ['evaluate', '--routerbench', SMALL_RB, ...args, '--lambdas', '0.5', '--runs', '1', '--no-charts', '--no-progress'];
  const main = await cli([...base, '--out', join(dir, `${name}-main`)]);
  const pooled = await cli([...base, '--policy-module', unused, '--out', join(dir, `${name}-pool`)]);
  expect(existsSync(join(dir, `${name}-main`))).toBe(false);
  expect(existsSync(join(dir, `${name}-pool`))).toBe(false);
  return [main, pooled];
}

describe('errors from worker threads are worded as on the main thread', () => {
  it('a trained policy without a train part: the λ sweep and a shard of it name --split and --train', async () => {
    for (const [name, extra] of [['sweep', []], ['shard', ['--shard', '0/2']]] as const) {
      const [main, pooled] = await both(name, ['--policies', 'knn', ...extra]);
      expect(main.code).toBe(2);
      expect(main.stderr).toContain("greenserv: error: policy 'knn' is trained on a train part: give --split <fraction> or --train <source>\n");
      expect(pooled.code).toBe(main.code);
      expect(pooled.stderr).toBe(main.stderr);
    }
  });

  it('--features embedding with a --train table lacking embeddings: the protocol sweep names both flags', async () => {
    const [main, pooled] = await both('embedding', ['--train', SMALL_RB, '--features', 'embedding', '--policies', 'random']);
    expect(main.code).toBe(2);
    expect(main.stderr).toMatch(/greenserv: error: --features embedding with --train: neither the test table .* has an embedding column/);
    expect(pooled.code).toBe(main.code);
    expect(pooled.stderr).toBe(main.stderr);
  });
});
