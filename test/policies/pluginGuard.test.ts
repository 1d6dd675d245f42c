/** What a plugin policy that breaks the interface gets: a message naming it, never a silently wrong run. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PluginError, UsageError } from '../../src/core/errors.js';
import { encodeContexts } from '../../src/features/context.js';
import type { Policy, PolicyFactory } from '../../src/policies/policy.js';
import { loadPolicyModule, registerPolicy, resolvePolicies } from '../../src/policies/registry.js';
import { simulate, type SimConfig } from '../../src/sim/engine.js';
import { latencyFeasibility } from '../../src/sim/actions.js';
import { buildRewards } from '../../src/sim/reward.js';
import { randomTable } from '../helpers/table.js';
import { stepsOf } from '../helpers/steps.js';
import { thrown } from '../helpers/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'gs-guard-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A plugin factory whose policy is `make()` (no parameters). */
function plugin(name: string, make: () => Partial<Policy>): PolicyFactory {
  return { name, description: '', contextual: false, params: [], rewardIndependent: true, hindsight: false, create: () => ({ name, update() {}, addArm() {}, removeArm() {}, ...make() }) as Policy };
}

async function run(names: string[], extra: Partial<SimConfig> = {}) {
  const t = randomTable(31, 80, 4);
  const rw = await buildRewards(t, { lambda: 0.5 });
  const ctx = encodeContexts(t, { layout: 'paper', features: ['task'] });
  const res = simulate(t, ctx, rw, { runs: 1, seed: 2, semantics: 'paper', oracle: 'pool', policies: resolvePolicies(names, [], t.models), recordSteps: true, ...extra });
  return { t, steps: stepsOf(res.steps) };
}

describe('plugin policies run behind a guard', () => {
  it('an answer that is not one of the offered models is a usage error naming the policy (NaN, a float, a string, undefined, out of range)', async () => {
    const answers: [string, unknown][] = [['nan', Number.NaN], ['float', 0.5], ['string', '1'], ['undef', undefined], ['big', 9999]];
    for (const [k, v] of answers) registerPolicy(plugin(`answers-${k}`, () => ({ select: () => v as number })));
    for (const [k, v] of answers) {
      const t = randomTable(31, 80, 4);
      const rw = await buildRewards(t, { lambda: 0.5 });
      const ctx = encodeContexts(t, { layout: 'paper', features: ['task'] });
      const e = thrown(() => simulate(t, ctx, rw, { runs: 1, seed: 2, semantics: 'paper', oracle: 'pool', policies: resolvePolicies([`answers-${k}`], [], t.models) }));
      expect(e).toBeInstanceOf(UsageError);
      expect(e.message).toBe(`registerPolicy: policy 'answers-${k}': select() returned ${typeof v === 'string' ? '"1"' : String(v)}, which is not one of the 4 models it was offered (arms[0..n), model indices)`);
    }
  });

  it('a model in the pool but not feasible for the query (latency bound) is refused, not replayed', async () => {
    // always the model that is missing from the offered ones, when one is
    registerPolicy(
      plugin('not-offered', () => ({
        select: (_q: number, arms: Int32Array, n: number) => {
          for (let m = 0; m < 4; m++) if (!arms.subarray(0, n).includes(m)) return m;
          return arms[0];
        },
      })),
    );
    const t = randomTable(31, 80, 4);
    const { feasible } = latencyFeasibility(t, 0.3);
    // the bound leaves some query with fewer than all 4 models but at least one
    let q = 0;
    for (; q < 80; q++) {
      const k = feasible.subarray(q * 4, q * 4 + 4).reduce((s, x) => s + x, 0);
      if (k > 0 && k < 4) break;
    }
    expect(q).toBeLessThan(80);
    await expect(run(['not-offered'], { maxLatency: 0.3 })).rejects.toThrow(/policy 'not-offered': select\(\) returned \d, which is not one of the [123] models it was offered/);
  });

  it('a plugin that changes the array it is given changes nothing the engine offers next', async () => {
    // answers the k-th offered model, then overwrites the whole array with the first
    registerPolicy(
      plugin('scribbler', () => {
        let k = 0;
        return {
          select: (_q: number, arms: Int32Array, n: number) => {
            const m = arms[k++ % n];
            arms.fill(arms[0]);
            return m;
          },
        };
      }),
    );
    const { steps } = await run(['scribbler']);
    // all 4 models offered at every step: the picks cycle 0, 1, 2, 3, 0, …
    expect(Array.from(steps.model.subarray(0, 8))).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
  });

  it("an exception in the plugin's code is a PluginError naming the module, the policy, the method and the line", async () => {
    const file = join(dir, 'crash.mjs');
    writeFileSync(
      file,
      `export default {
  name: 'crash-on-update', description: '', contextual: false, params: [], rewardIndependent: false, hindsight: false,
  create: () => ({ select: (q, arms) => arms[0], addArm() {}, removeArm() {},
    update() { throw new RangeError('no room'); } }),
};
`,
    );
    await loadPolicyModule(file);
    const e = await run(['crash-on-update']).then(
      () => new Error('expected an error'),
      (x: Error) => x,
    );
    expect(e).toBeInstanceOf(PluginError);
    expect(e.message).toBe(`policy module '${file}': policy 'crash-on-update': update() threw: no room (at ${file}:4:22)`);
  });

  it("fitted() is checked as a checkpoint reads it back: an own '__proto__' (JSON.parse makes one) is refused by name, not lost", async () => {
    const answers: [string, () => unknown][] = [
      ['proto', () => JSON.parse('{"reg": 2, "__proto__": 5}')],
      ['nine', () => Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`s${i}`, i]))],
      ['text', () => ({ reg: '2' })],
      ['list', () => [2]],
      ['good', () => JSON.parse('{"reg": 2, "k": 3}')],
    ];
    for (const [k, f] of answers) registerPolicy(plugin(`fits-${k}`, () => ({ select: (_q: number, arms: Int32Array) => arms[0], fitted: f as () => Record<string, number> })));
    const fit = async (k: string) => {
      const t = randomTable(31, 40, 3);
      const rw = await buildRewards(t, { lambda: 0.5 });
      const ctx = encodeContexts(t, { layout: 'paper', features: ['task'] });
      return simulate(t, ctx, rw, { runs: 1, seed: 2, semantics: 'paper', oracle: 'pool', policies: resolvePolicies([`fits-${k}`], [], t.models) }).metrics[0][0].fitted;
    };
    const rule = 'it must be an object of at most 8 settings named like parameters (a letter, then letters and digits, at most 32), each a number';
    await expect(fit('proto')).rejects.toThrow(new UsageError(`registerPolicy: policy 'fits-proto': fitted() returned a setting named "__proto__"; ${rule}`));
    await expect(fit('nine')).rejects.toThrow(new UsageError(`registerPolicy: policy 'fits-nine': fitted() returned 9 settings; ${rule}`));
    await expect(fit('text')).rejects.toThrow(new UsageError(`registerPolicy: policy 'fits-text': fitted() returned "2" for setting 'reg'; ${rule}`));
    await expect(fit('list')).rejects.toThrow(new UsageError(`registerPolicy: policy 'fits-list': fitted() returned an array; ${rule}`));
    const good = await fit('good');
    expect(JSON.stringify(good)).toBe('{"reg":2,"k":3}');
    expect(Object.getPrototypeOf(good)).toBeNull();
  });

  it('create() that throws, or returns no policy, is named too', async () => {
    registerPolicy({ ...plugin('no-create', () => ({})), create: () => { throw new Error('no state'); } });
    registerPolicy({ ...plugin('half-policy', () => ({})), create: () => ({ select: () => 0 }) as unknown as Policy });
    await expect(run(['no-create'])).rejects.toThrow(new PluginError("registerPolicy: policy 'no-create': create() threw: no state"));
    await expect(run(['half-policy'])).rejects.toThrow(new UsageError("registerPolicy: policy 'half-policy': create() must return a policy object with select, update, addArm, removeArm methods; it has no update, addArm, removeArm"));
  });
});
