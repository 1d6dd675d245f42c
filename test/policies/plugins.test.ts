import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeContexts } from '../../src/features/context.js';
import type { PolicyFactory } from '../../src/policies/policy.js';
import { loadPolicyModule, registerPolicy, resolvePolicies } from '../../src/policies/registry.js';
import { simulate } from '../../src/sim/engine.js';
import { buildRewards } from '../../src/sim/reward.js';
import { randomTable } from '../helpers/table.js';
import { stepsOf } from '../helpers/steps.js';
import { writeRouterbenchCsv } from '../helpers/energyTable.js';

/** A plugin as a user would write it: plain ESM, no import of greenserv, randomness only from env.rng. */
const PLUGIN = `
export default [{
  name: 'sticky-random',
  description: 'keeps its last choice with probability keep',
  params: [{ name: 'keep', default: 0.5, min: 0, max: 1, description: 'stay probability' }],
  rewardIndependent: true,
  hindsight: false,
  create(env, p) {
    let last = -1;
    return {
      name: 'sticky-random',
      select(q, arms, n) {
        for (let i = 0; i < n; i++) if (arms[i] === last && env.rng.next() < p.keep) return last;
        last = arms[env.rng.int(n)];
        return last;
      },
      update() {},
      addArm() {},
      removeArm() {},
    };
  },
}];
`;

const dir = mkdtempSync(join(tmpdir(), 'gs-plugin-'));
const file = join(dir, 'sticky.mjs');
writeFileSync(file, PLUGIN);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function setup() {
  const t = randomTable(5, 60, 4);
  const rw = await buildRewards(t, { lambda: 0.5 });
  const ctx = encodeContexts(t, { layout: 'paper', features: ['task'] });
  return { t, rw, ctx };
}

describe('policy plugins', () => {
  it('a module file registers its factories; they run with their parameters, seeded, and stay within the pool', async () => {
    await loadPolicyModule(file);
    await loadPolicyModule(file); // a second load is a no-op, not a name clash
    const { t, rw, ctx } = await setup();
    const policies = resolvePolicies(['sticky-random'], ['sticky-random.keep=1'], t.models);
    expect(policies[0].params).toEqual({ keep: 1 });
    const cfg = { runs: 2, seed: 3, semantics: 'paper' as const, oracle: 'pool' as const, policies, recordSteps: true, initialModels: ['model-1', 'model-2'] };
    const a = stepsOf(simulate(t, ctx, rw, cfg).steps);
    const b = stepsOf(simulate(t, ctx, rw, cfg).steps);
    expect(Array.from(a.model)).toEqual(Array.from(b.model));
    // keep = 1: the first choice of each run sticks for the whole run
    for (let r = 0; r < 2; r++) expect(new Set(a.model.subarray(r * 60, (r + 1) * 60)).size).toBe(1);
    for (const m of a.model) expect([1, 2]).toContain(m);
  });

  it('registerPolicy takes a typed factory; built-in and taken names, bad parameters and broken modules are usage errors naming the file', async () => {
    type P = { bias: number };
    const first: PolicyFactory<P> = {
      name: 'first-arm',
      description: 'always the first allowed arm',
      contextual: false,
      params: [{ name: 'bias', default: 0, description: 'unused' }],
      rewardIndependent: true,
      hindsight: false,
      create: () => ({ name: 'first-arm', select: (_q, arms) => arms[0], update() {}, addArm() {}, removeArm() {} }),
    };
    registerPolicy(first);
    const { t, rw, ctx } = await setup();
    const res = simulate(t, ctx, rw, { runs: 1, seed: 1, semantics: 'paper', oracle: 'pool', policies: resolvePolicies(['first-arm'], [], t.models), recordSteps: true, initialModels: ['model-3', 'model-0'] });
    expect(new Set(stepsOf(res.steps).model)).toEqual(new Set([3]));
    expect(() => registerPolicy(first)).toThrow(/'first-arm': the name is already taken/);
    expect(() => registerPolicy({ ...first, name: 'linucb' })).toThrow(/'linucb': the name is already taken/);
    expect(() => registerPolicy({ ...first, name: 'Bad Name' })).toThrow(/must match/);
    expect(() => registerPolicy({ ...first, name: 'bounded', params: [{ name: 'bias', default: 2, max: 1, description: '' }] })).toThrow(/default of 'bias' is outside its own bounds/);
    await expect(loadPolicyModule(join(dir, 'absent.mjs'))).rejects.toThrow(/policy module '.*absent\.mjs': no such file/);
    const empty = join(dir, 'empty.mjs');
    writeFileSync(empty, 'export const x = 1;\n');
    await expect(loadPolicyModule(empty)).rejects.toThrow(/empty\.mjs': exports no policy factory/);
    const broken = join(dir, 'broken.mjs');
    writeFileSync(broken, 'export default {{;\n');
    await expect(loadPolicyModule(broken)).rejects.toThrow(/broken\.mjs': cannot load it/);
    // was Node's 'cannot load it: Unknown file extension ".csv" for /abs/path'
    const csv = join(dir, 'pairs.csv');
    writeFileSync(csv, 'query_id,model_id,accuracy\n');
    await expect(loadPolicyModule(csv)).rejects.toThrow(
      `policy module '${csv}': not a JavaScript module (a .csv file); give an ES module file (.mjs, or .js) that exports the policy factories, like examples/policies/softmax.mjs`,
    );
    await expect(loadPolicyModule(dir)).rejects.toThrow(`policy module '${dir}': a directory, not a module file; give an ES module file (.mjs, or .js)`);
    // Node names a missing import's importer by its absolute path: the message names the module as given
    const rel = relative(process.cwd(), join(dir, 'imports.mjs'));
    writeFileSync(rel, "import x from 'no-such-package-gs';\nexport default x;\n");
    await expect(loadPolicyModule(rel)).rejects.toThrow(`policy module '${rel}': cannot load it: Cannot find package 'no-such-package-gs' imported from ${rel}`);
    // a module with one bad factory registers none of them
    const half = join(dir, 'half.mjs');
    writeFileSync(half, PLUGIN.replace("'sticky-random'", "'half-ok'").replace('export default [{', "export default [{ name: 'half-bad', params: [], rewardIndependent: true, hindsight: false }, {"));
    await expect(loadPolicyModule(half)).rejects.toThrow(/'half-bad': create must be a function/);
    expect(() => resolvePolicies(['half-ok'], [], t.models)).toThrow(/unknown policy 'half-ok'/);
  });

  const DIST = resolve(__dirname, '../../dist/src');
  it.skipIf(!existsSync(join(DIST, 'sim/worker.js')))('worker threads load the same plugin modules: a sweep gives the same points on 1 and 2 workers', async () => {
    const reg = (await import(join(DIST, 'policies/registry.js'))) as typeof import('../../src/policies/registry.js');
    const sweep = (await import(join(DIST, 'sim/sweep.js'))) as typeof import('../../src/sim/sweep.js');
    await reg.loadPolicyModule(file);
    const t0 = randomTable(8, 80, 4);
    const t = { ...t0, costUsd: Float64Array.from({ length: 320 }, (_, i) => (i % 7) / 1000) };
    const opts = { policies: ['sticky-random', 'linucb'], params: [], lambdas: [0, 0.5, 1], runs: 2, seed: 4, semantics: 'paper' as const, features: ['task' as const] };
    const one = await sweep.runSweep(t, { ...opts, jobs: 1 });
    const two = await sweep.runSweep(t, { ...opts, jobs: 2 });
    expect(Array.from(two.quality)).toEqual(Array.from(one.quality));
    expect(Array.from(two.cost)).toEqual(Array.from(one.cost));
  });
});

describe('a policy registered from code beside a loaded policy module', () => {
  const DIST = resolve(__dirname, '../../dist/src');
  // a loaded module sent work to a worker thread, which cannot import a policy registered from code
  it.skipIf(!existsSync(join(DIST, 'sim/worker.js')))('ope, evaluate and experiments run it on the calling thread, with the results they gave before any module was loaded', async () => {
    const api = (await import(join(DIST, 'app/index.js'))) as typeof import('../../src/app/index.js');
    const logs = join(dir, 'log.csv');
    const rows = Array.from({ length: 40 }, (_, i) => `q${i},${'ab'[i % 2]},0.5,${i % 3 === 0 ? 1 : 0}`);
    writeFileSync(logs, ['query_id,model_id,propensity,accuracy', ...rows, ''].join('\n'));
    writeFileSync(join(dir, 'x.yaml'), ['name: x', 'dataset: greenserv-pool', 'runs: 1', 'lambdas: [0.5]', 'arms:', '  - policy: first-from-code', ''].join('\n'));
    const source = writeRouterbenchCsv(dir);
    const first: PolicyFactory = { name: 'first-from-code', description: 'first allowed model', contextual: false, rewardIndependent: true, hindsight: false, params: [], create: () => ({ name: 'first-from-code', select: (_q, arms) => arms[0], update() {}, addArm() {}, removeArm() {} }) };
    api.registerPolicy(first);
    const runAll = async (k: string) => ({
      ope: (await api.ope({ logs, policies: ['first-from-code'], estimators: 'ips', bootstrap: 20 })).policies,
      evaluate: (await api.evaluateRouterbench({ source, policies: ['first-from-code'], lambdas: [0.5], runs: 1 })).result.summary.policies,
      experiment: (await api.runExperiment(join(dir, 'x.yaml'), { out: join(dir, `x-${k}`), charts: false })).summary.cells.map((c) => c.finalRegret),
    });
    const before = await runAll('before');
    await api.loadPolicyModule(file);
    const after = await runAll('after');
    expect(after).toEqual(before);
    // always model a (index 0), logged at 0.5 on half the decisions: IPS = (1/40) Σ_a accuracy / 0.5 = a's mean accuracy
    const aAcc = rows.filter((_, i) => i % 2 === 0).map((_, k) => ((2 * k) % 3 === 0 ? 1 : 0));
    expect(after.ope[0].estimates.find((e) => e.metric === 'accuracy')?.value).toBeCloseTo(aAcc.reduce((s: number, v) => s + v, 0) / aAcc.length, 12);
  });
});
