/**
 * A short run of `npm run fuzz:configs`: six mutated experiment YAMLs and four --reward expressions (the targets
 * that need no results made first), each through the built CLI in its own process, classified as the script
 * does. The full run covers results directories, shards, checkpoints, baselines, logs, bounds and task models.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { classifyExit, fuzzTarget, HANG_RETRY, makeConfigCase, runWithRetry, type ConfigOutcome } from '../../fuzz/configs.js';
import type { ConfigCase } from '../../fuzz/configTargets.js';
import { mutateTree } from '../../fuzz/configMutate.js';
import { Rng } from '../../src/core/rng.js';

const SEED = 3;
const work = mkdtempSync(join(tmpdir(), 'gs-fuzz-configs-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('configuration fuzzing, short run', () => {
  for (const [target, n] of [['experiment', 6], ['reward', 4]] as const) {
    it(`${target}: ${n} mutated inputs end in success or a named exit 2`, async () => {
      const failures: string[] = [];
      const s = await fuzzTarget({ target, iterations: n, seed: SEED, work, jobs: 2, timeoutMs: 20_000, onFailure: (c, o) => failures.push(`#${c.index} ${o.reason} (${c.ops.join(' + ')}): ${o.detail}`) });
      expect(failures).toEqual([]);
      expect(s.ok + s.typedErrors).toBe(n);
      expect(s.typedErrors).toBeGreaterThan(0);
    });
  }
});

describe('configuration fuzzing harness', () => {
  it('builds the same input for the same seed and index, and others for other indices', () => {
    const text = (i: number): string => {
      const { c, dir } = makeConfigCase('experiment', work, SEED, i);
      return `${c.ops.join('|')}\n${readFileSync(c.args[2], 'utf8')}${dir}`.replace(dir, '');
    };
    expect(text(4)).toBe(text(4));
    expect(new Set([0, 1, 2, 3, 4].map(text)).size).toBeGreaterThan(1);
  });

  it('counts exit 0 and a named exit 2 as fine; exit 1, signals, timeouts and unnamed errors as failures', () => {
    const c = { names: ['/x/a.yaml'], outputs: [join(work, 'none')], exit1Ok: false } as unknown as ConfigCase;
    expect(classifyExit(c, 0, null, '', false).kind).toBe('ok');
    expect(classifyExit(c, 2, null, 'greenserv: error: /x/a.yaml:3 (field \'runs\'): bad\n', false).kind).toBe('typed');
    expect(classifyExit(c, 2, null, 'greenserv: error: /x/other.csv: bad\n', false)).toMatchObject({ reason: 'unnamed' });
    expect(classifyExit(c, 1, null, 'greenserv: internal error: TypeError: x\n', false)).toMatchObject({ reason: 'internal-error' });
    expect(classifyExit(c, null, 'SIGABRT', '', false)).toMatchObject({ reason: 'crash' });
    expect(classifyExit(c, null, null, '', true)).toMatchObject({ reason: 'hang' });
    expect(classifyExit({ ...c, outputs: [work] }, 2, null, 'greenserv: error: /x/a.yaml: bad\n', false)).toMatchObject({ reason: 'wrote' });
    expect(classifyExit({ ...c, exit1Ok: true }, 1, null, 'regression\n', false).kind).toBe('ok');
    // a results file that disagrees with the edited one is named where it shows, the edited one by its name
    const r = { ...c, names: ['/r/summary.json'], namedWith: [['/r/', ' summary.json']] };
    expect(classifyExit(r, 2, null, "greenserv: error: /r/selection.csv:2 (column 'model_id'): model 'm' is not among the models of summary.json\n", false).kind).toBe('typed');
    expect(classifyExit(r, 2, null, 'greenserv: error: /r/selection.csv:2: bad\n', false)).toMatchObject({ reason: 'unnamed' });
    expect(classifyExit(r, 2, null, 'greenserv: error: summary.json: bad\n', false)).toMatchObject({ reason: 'unnamed' });
  });

  it('an edit of a value an earlier edit nested 3,000 deep is dropped, not a crash of the case builder', () => {
    // seed 1010: a 'deep' edit then a 'swap' copying the deep value (resume input 39 of seed 30 did this)
    const m = mutateTree({ a: { b: [1, 2] }, c: 'x' }, new Rng(1010));
    expect(m.ops.some((o) => o.includes('edit dropped: too deep to copy'))).toBe(true);
    for (let s = 0; s < 1500; s++) expect(() => mutateTree({ a: { b: [1, 2] }, c: 'x' }, new Rng(s))).not.toThrow();
  });

  it('runs a hang again from a fresh case with a longer limit, and calls it hung only if it outlasts that too', async () => {
    const c = { index: 0 } as unknown as ConfigCase;
    const hang: ConfigOutcome = { kind: 'failure', reason: 'hang', detail: 'no exit' };
    const calls: number[] = [];
    let rebuilt = 0;
    // slow but valid: late on the first run (a loaded machine), done on the second
    const slow = (_: ConfigCase, ms: number): Promise<ConfigOutcome> => (calls.push(ms), Promise.resolve(calls.length === 1 ? hang : { kind: 'ok' }));
    expect(await runWithRetry(c, 1000, slow, () => (rebuilt++, c))).toEqual({ kind: 'ok' });
    expect(calls).toEqual([1000, 1000 * HANG_RETRY]);
    expect(rebuilt).toBe(1);
    expect(await runWithRetry(c, 1000, () => Promise.resolve(hang), () => c)).toEqual(hang);
    // any other outcome is final at once
    const exit: ConfigOutcome = { kind: 'failure', reason: 'exit', detail: 'exit 3' };
    let runs = 0;
    expect(await runWithRetry(c, 1000, () => (runs++, Promise.resolve(exit)), () => c)).toEqual(exit);
    expect(runs).toBe(1);
  });
});
