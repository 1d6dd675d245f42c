/**
 * A plugin whose select (or create) never returns: Ctrl-C and SIGTERM still stop simulate, evaluate on one job
 * and with --shard, ope, and a one-worker experiment in its replays or in its check of the arms (with a policy
 * module loaded these call plugins on a worker thread), as do simulate, evaluate and an experiment whose module's
 * top-level code never finishes (a module is loaded on a worker thread first), and a plugin run on that thread writes the same bytes
 * and the same refusals as the main-thread path (the in-process CLI runs from sources, which stay on the main
 * thread).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, cliInProcess } from '../helpers/cli.js';
import { hangAtLoad, signalled } from '../helpers/signalled.js';

const EXAMPLE = resolve(__dirname, '../../examples/policies/softmax.mjs');
const SMALL_RB = resolve(__dirname, '../fixtures/routerbench_small_pd1_p4.pkl');

/** A plugin that writes `started` in its directory when a policy is made (the replay has begun), then spins. */
function hangPlugin(dir: string): string {
  const file = join(dir, 'hang.mjs');
  const started = JSON.stringify(join(dir, 'started'));
  writeFileSync(
    file,
    `import { writeFileSync } from 'node:fs';
export default {
  name: 'hang', rewardIndependent: false, hindsight: false, params: [],
  create() {
    writeFileSync(${started}, 'x');
    return { name: 'hang', select() { for (;;) {} }, update() {}, addArm() {}, removeArm() {} };
  },
};
`,
  );
  return file;
}

/** A plugin that writes `started` in its directory, then spins in create (an experiment's check of its arms makes each arm's policy). */
function hangInCreate(dir: string): string {
  const file = join(dir, 'hang.mjs');
  writeFileSync(file, `import { writeFileSync } from 'node:fs';
export default {
  name: 'hang', rewardIndependent: false, hindsight: false, params: [],
  create() {
    writeFileSync(${JSON.stringify(join(dir, 'started'))}, 'x');
    for (;;) {}
  },
};
`);
  return file;
}

describe('a plugin that never returns', () => {
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`simulate: ${sig} stops the run with exit ${code}, says so and writes nothing`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gs-hang-'));
      const plugin = hangPlugin(dir);
      // the temporary directory of the run, where the step trace's spool is made for the worker thread
      const tmp = mkdtempSync(join(tmpdir(), 'gs-hang-tmp-'));
      const spools = (): string[] => readdirSync(tmp).filter((d) => d.startsWith('greenserv-spool-'));
      let during: string[] = [];
      const r = await signalled(['simulate', '--policy-module', plugin, '--policies', 'hang', '--runs', '1', '--no-progress', '--out', join(dir, 'out'), '--log', join(dir, 'log.csv')], dir, sig, {
        env: { ...process.env, TMPDIR: tmp },
        beforeSignal: () => (during = spools()),
      });
      expect(r.signal).toBeNull();
      expect(r.code, r.stderr).toBe(code);
      expect(r.stopMs).toBeLessThan(5000);
      expect(r.stderr).toContain(`greenserv: interrupted (${sig}); stopped, no results written`);
      // no results directory, no log, no temporaries beside them
      expect(readdirSync(dir).sort()).toEqual(['hang.mjs', 'started']);
      // the spool made on the main thread while the worker replays is removed by the signal
      expect(during.length).toBe(1);
      expect(spools()).toEqual([]);
    });
  }

  for (const extra of [[], ['--split', '0.5']]) {
    it(`evaluate${extra.length ? ' --split' : ''} on one λ (one job): SIGTERM stops it with exit 143 and writes nothing`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gs-hang-'));
      const plugin = hangPlugin(dir);
      const r = await signalled(['evaluate', '--routerbench', SMALL_RB, '--policy-module', plugin, '--policies', 'hang', '--lambdas', '0.5', '--runs', '1', ...extra, '--no-charts', '--no-progress', '--out', join(dir, 'out')], dir, 'SIGTERM');
      expect(r.code, r.stderr).toBe(143);
      expect(r.stopMs).toBeLessThan(5000);
      expect(r.stderr).toContain('greenserv: interrupted (SIGTERM); stopped, no results written');
      expect(readdirSync(dir).sort()).toEqual(['hang.mjs', 'started']);
    });
  }

  it('evaluate --shard: SIGINT stops it with exit 130 and writes no shard directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-hang-'));
    const plugin = hangPlugin(dir);
    const r = await signalled(['evaluate', '--routerbench', SMALL_RB, '--policy-module', plugin, '--policies', 'hang', '--lambdas', '0.5', '--runs', '1', '--shard', '0/1', '--no-progress', '--out', join(dir, 'out')], dir, 'SIGINT');
    expect(r.signal).toBeNull();
    expect(r.code, r.stderr).toBe(130);
    expect(r.stopMs).toBeLessThan(5000);
    expect(r.stderr).toContain('greenserv: interrupted (SIGINT); stopped, no results written');
    expect(readdirSync(dir).sort()).toEqual(['hang.mjs', 'started']);
  });

  it('experiment run --workers 1: Ctrl-C stops it with exit 130 and keeps the checkpoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-hang-'));
    const plugin = hangPlugin(dir);
    const yaml = join(dir, 'hang.yaml');
    writeFileSync(yaml, ['name: hang', 'dataset: greenserv-pool', 'runs: 1', 'lambdas: [0.5]', 'arms:', `  - {policy: hang, module: ${JSON.stringify(plugin)}}`, ''].join('\n'));
    const out = join(dir, 'out');
    const r = await signalled(['experiment', 'run', yaml, '--workers', '1', '--no-progress', '--no-charts', '--out', out], dir, 'SIGINT');
    expect(r.code, r.stderr).toBe(130);
    expect(r.stopMs).toBeLessThan(5000);
    expect(r.stderr).toContain(`greenserv: interrupted (SIGINT): 0 of 1 replays kept in ${out}.partial`);
    expect(existsSync(out)).toBe(false);
  });

  it('experiment run: SIGTERM while its arms are checked (a create that never returns) exits 143 and writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-hang-'));
    await expectStoppedBeforeReplays(dir, hangInCreate(dir));
  });

  it('ope: SIGINT stops it with exit 130, says so and writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-hang-'));
    const logs = join(mkdtempSync(join(tmpdir(), 'gs-hang-log-')), 'logs.csv');
    const sim = await cli(['simulate', '--policies', 'random', '--runs', '1', '--log', logs, '--no-progress', '--out', join(dirname(logs), 'sim')]);
    expect(sim.code, sim.stderr).toBe(0);
    const plugin = hangPlugin(dir);
    const r = await signalled(['ope', '--logs', logs, '--policy-module', plugin, '--policies', 'hang', '--out', join(dir, 'out')], dir, 'SIGINT');
    expect(r.signal).toBeNull();
    expect(r.code, r.stderr).toBe(130);
    expect(r.stopMs).toBeLessThan(5000);
    expect(r.stderr).toContain('greenserv: interrupted (SIGINT); stopped, no results written');
    expect(readdirSync(dir).sort()).toEqual(['hang.mjs', 'started']);
  });
});

/** `experiment run` of one arm of `plugin` (in `dir`), sent SIGTERM: exit 143 before any replay, no results, no checkpoint. */
async function expectStoppedBeforeReplays(dir: string, plugin: string): Promise<void> {
  const yaml = join(dir, 'hang.yaml');
  writeFileSync(yaml, ['name: hang', 'dataset: greenserv-pool', 'runs: 1', 'lambdas: [0.5]', 'arms:', `  - {policy: hang, module: ${JSON.stringify(plugin)}}`, ''].join('\n'));
  const r = await signalled(['experiment', 'run', yaml, '--workers', '1', '--no-progress', '--no-charts', '--out', join(dir, 'out')], dir, 'SIGTERM');
  expect(r.signal).toBeNull();
  expect(r.code, r.stderr).toBe(143);
  expect(r.stopMs).toBeLessThan(5000);
  expect(r.stderr).toContain('greenserv: interrupted (SIGTERM) before any replay; nothing written');
  expect(readdirSync(dir).sort()).toEqual(['hang.mjs', 'hang.yaml', 'started']);
}

/** A module that appends the thread it is loaded on (main or worker) to `threads.txt` in its directory, then does `rest`. */
function threadLogging(dir: string, name: string, rest: string): { file: string; threads: () => string[] } {
  const file = join(dir, name);
  const log = join(dir, 'threads.txt');
  writeFileSync(file, `import { appendFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
appendFileSync(${JSON.stringify(log)}, isMainThread ? 'main\\n' : 'worker\\n');
${rest}
`);
  return { file, threads: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []) };
}

describe('a policy module whose top-level code never finishes (it is loaded on a worker thread first)', () => {
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    for (const command of ['simulate', 'evaluate'] as const) {
      it(`${command}: ${sig} stops it with exit ${code}, says so and writes nothing`, async () => {
        const dir = mkdtempSync(join(tmpdir(), 'gs-hang-load-'));
        const plugin = hangAtLoad(dir);
        const args =
          command === 'simulate'
            ? ['simulate', '--policy-module', plugin, '--policies', 'hang', '--runs', '1', '--no-progress', '--out', join(dir, 'out'), '--log', join(dir, 'log.csv')]
            : ['evaluate', '--routerbench', SMALL_RB, '--policy-module', plugin, '--policies', 'hang', '--lambdas', '0.5', '--runs', '1', '--no-charts', '--no-progress', '--out', join(dir, 'out')];
        const r = await signalled(args, dir, sig);
        expect(r.signal).toBeNull();
        expect(r.code, r.stderr).toBe(code);
        expect(r.stopMs).toBeLessThan(5000);
        expect(r.stderr).toContain(`greenserv: interrupted (${sig}); stopped, no results written`);
        expect(readdirSync(dir).sort()).toEqual(['hang.mjs', 'started']);
      });
    }
  }

  it('experiment run (a module arm): SIGTERM exits 143 before any replay and writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-hang-load-'));
    await expectStoppedBeforeReplays(dir, hangAtLoad(dir));
  });

  it('a module whose top-level code throws: refused on the worker thread, with the message the main thread gave (absolute and relative paths)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-load-throw-'));
    const { file, threads } = threadLogging(dir, 'boom.mjs', "throw new Error('boom at load');\nexport default {};");
    for (const given of [file, 'boom.mjs']) {
      const r = await cli(['simulate', '--policy-module', given, '--policies', 'x', '--runs', '1', '--no-progress', '--out', join(dir, 'out')], { cwd: dir });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toBe(`greenserv: error: policy module '${given}': cannot load it: boom at load\n`);
    }
    // one load on a worker thread per run, none on the main thread
    expect(threads()).toEqual(['worker', 'worker']);
    expect(readdirSync(dir).sort()).toEqual(['boom.mjs', 'threads.txt']);
  });

  it('a module that loads: its top-level code runs on the worker thread first, then on the main thread; the results are those of the example', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-load-ok-'));
    const { file, threads } = threadLogging(dir, 'soft.mjs', `export { default } from ${JSON.stringify(EXAMPLE)};`);
    const run = (module: string, out: string): ReturnType<typeof cli> =>
      cli(['simulate', '--policy-module', module, '--policies', 'softmax-example', '--runs', '1', '--no-progress', '--out', join(dir, out)]);
    const r = await run(file, 'via');
    expect(r.code, r.stderr).toBe(0);
    // the probe, the main thread, then the worker thread of the replay
    expect(threads()).toEqual(['worker', 'main', 'worker']);
    const direct = await run(EXAMPLE, 'direct');
    expect(direct.code, direct.stderr).toBe(0);
    for (const f of readdirSync(join(dir, 'direct')).filter((f) => f !== 'manifest.json')) expect(readFileSync(join(dir, 'via', f), 'utf8'), f).toBe(readFileSync(join(dir, 'direct', f), 'utf8'));
  });
});

describe('a plugin run on the worker thread writes what the main thread writes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gs-hang-same-'));
  const files = (d: string): string[] => readdirSync(d).filter((f) => f !== 'manifest.json').sort();

  it('simulate: results, step trace and routing log; under a split too', async () => {
    for (const [name, extra] of [
      ['online', ['--policies', 'softmax-example', '--runs', '2', '--steps', 'csv']],
      ['split', ['--policies', 'softmax-example,knn', '--split', '0.5', '--splits', '2', '--runs', '2']],
    ] as const) {
      const args = (where: string): string[] => ['simulate', '--policy-module', EXAMPLE, ...extra, '--no-progress', '--out', join(dir, `${name}-${where}`), ...(name === 'online' ? ['--log', join(dir, `${name}-${where}.csv`)] : [])];
      const worker = await cli(args('worker'));
      expect(worker.code, worker.stderr).toBe(0);
      const main = await cliInProcess(args('main'));
      expect(main.code, main.stderr).toBe(0);
      const a = join(dir, `${name}-main`);
      const b = join(dir, `${name}-worker`);
      expect(files(b)).toEqual(files(a));
      expect(files(a)).toContain(name === 'online' ? 'steps.csv' : 'protocol.csv');
      for (const f of files(a)) expect(readFileSync(join(b, f), 'utf8'), f).toBe(readFileSync(join(a, f), 'utf8'));
      if (name === 'online') expect(readFileSync(`${b}.csv`, 'utf8')).toBe(readFileSync(`${a}.csv`, 'utf8'));
      expect(worker.stdout.split(b).join('DIR')).toBe(main.stdout.split(a).join('DIR'));
    }
  });

  it('simulate: a setting refused during the replay is worded by its flags, as on the main thread', async () => {
    const args = ['simulate', '--policy-module', EXAMPLE, '--policies', 'softmax-example', '--runs', '1', '--budget', 'energy=0.05', '--split', '0.5', '--no-progress', '--out', join(dir, 'refused')];
    const worker = await cli(args);
    const main = await cliInProcess(args);
    expect(worker.code).toBe(2);
    expect(main.code).toBe(2);
    expect(worker.stderr).toContain('--budget, --drift, --feedback-delay and --feedback-rate do not combine with --split or --train');
    expect(worker.stderr).toBe(main.stderr);
    expect(existsSync(join(dir, 'refused'))).toBe(false);
  });

  it('evaluate on one job, with and without --split: the same results as inline', async () => {
    for (const [name, extra] of [
      ['sweep', ['--policies', 'softmax-example,random', '--lambdas', '0.2,0.8']],
      ['split', ['--policies', 'softmax-example,knn', '--lambdas', '0.5', '--split', '0.5']],
    ] as const) {
      const args = (where: string): string[] => ['evaluate', '--routerbench', SMALL_RB, '--policy-module', EXAMPLE, ...extra, '--runs', '2', '--jobs', '1', '--no-charts', '--no-progress', '--out', join(dir, `ev-${name}-${where}`)];
      const worker = await cli(args('worker'));
      expect(worker.code, worker.stderr).toBe(0);
      const main = await cliInProcess(args('main'));
      expect(main.code, main.stderr).toBe(0);
      const a = join(dir, `ev-${name}-main`);
      const b = join(dir, `ev-${name}-worker`);
      expect(files(b)).toEqual(files(a));
      for (const f of files(a)) expect(readFileSync(join(b, f), 'utf8'), f).toBe(readFileSync(join(a, f), 'utf8'));
    }
  });

  it('evaluate --shard: each shard directory as inline', async () => {
    for (const shard of ['0/2', '1/2']) {
      const name = shard.replace('/', '-');
      const args = (where: string): string[] => ['evaluate', '--routerbench', SMALL_RB, '--policy-module', EXAMPLE, '--policies', 'softmax-example,random,linucb', '--lambdas', '0.2,0.8', '--runs', '2', '--shard', shard, '--no-progress', '--out', join(dir, `shard-${name}-${where}`)];
      const worker = await cli(args('worker'));
      expect(worker.code, worker.stderr).toBe(0);
      const main = await cliInProcess(args('main'));
      expect(main.code, main.stderr).toBe(0);
      const a = join(dir, `shard-${name}-main`);
      const b = join(dir, `shard-${name}-worker`);
      expect(files(a)).toEqual(['cells.ndjson', 'state.json']);
      expect(files(b)).toEqual(files(a));
      for (const f of files(a)) expect(readFileSync(join(b, f), 'utf8'), f).toBe(readFileSync(join(a, f), 'utf8'));
    }
  });

  it("experiment run: an arm refused while the arms are checked is reported as on the main thread (YAML line and field, or the plugin's module and line)", async () => {
    const rows = ['query_id,task,model_id,accuracy,energy_j,input_tokens,output_tokens'];
    for (let q = 0; q < 20; q++) for (const m of ['a', 'b']) rows.push(`q${q},${q % 2 ? 'mmlu' : 'gsm8k'},${m},${(q + (m === 'a' ? 1 : 0)) % 2},${m === 'a' ? 5 : 2},10,5`);
    writeFileSync(join(dir, 'pairs.csv'), rows.join('\n') + '\n');
    const boom = join(dir, 'boom.mjs');
    writeFileSync(boom, "export default {\n  name: 'boom', rewardIndependent: false, hindsight: false, params: [],\n  create() {\n    throw new Error('boom in create');\n  },\n};\n");
    const soft = `{policy: softmax-example, module: ${JSON.stringify(EXAMPLE)}}`;
    const head = 'name: bad\nruns: 1\ndataset: pairs.csv\narms:\n';
    // [arms, exit code, what stderr says]
    const cases: [string, number, string][] = [
      [`  - ${soft}\n  - policy: largest\n`, 2, ":6 (field 'arms.1'): arm 'largest': policy 'largest' needs model parameter counts"],
      [`  - policy: largest\n  - {policy: boom, module: boom.mjs}\n`, 2, ":5 (field 'arms.0'): arm 'largest'"],
      [`  - ${soft}\n  - policy: thompson\n    features: [embed]\n`, 2, ":7 (field 'arms.1.features'): embed needs query text"],
      // the plugin's refusal at the first arm comes before the second arm's features
      [`  - {policy: boom, module: boom.mjs}\n  - policy: thompson\n    features: [embed]\n`, 1, `policy module '${boom}': policy 'boom': create() threw: boom in create (at ${boom}:4:`],
    ];
    for (const [arms, code, says] of cases) {
      const yaml = join(dir, 'bad.yaml');
      writeFileSync(yaml, head + arms);
      const args = ['experiment', 'run', yaml, '--workers', '1', '--no-charts', '--no-progress', '--out', join(dir, 'bad')];
      const worker = await cli(args);
      const main = await cliInProcess(args);
      expect(worker.code, worker.stderr).toBe(code);
      expect(worker.stderr).toContain(says);
      expect(worker.stderr).toBe(main.stderr);
      expect(main.code).toBe(code);
      expect(existsSync(join(dir, 'bad'))).toBe(false);
      expect(existsSync(join(dir, 'bad.partial'))).toBe(false);
    }
  });

  it('ope: the same results as inline, with and without the full table; a refusal worded the same', async () => {
    const logs = join(dir, 'ope-logs.csv');
    const sim = await cli(['simulate', '--policies', 'epsilon-greedy', '--runs', '1', '--log', logs, '--no-progress', '--out', join(dir, 'ope-sim')]);
    expect(sim.code, sim.stderr).toBe(0);
    for (const [name, extra] of [
      ['log', []],
      ['table', ['--table', 'greenserv-pool']],
    ] as const) {
      const args = (where: string): string[] => ['ope', '--logs', logs, '--policy-module', EXAMPLE, '--policies', 'softmax-example,linucb,random', ...extra, '--bootstrap', '100', '--out', join(dir, `ope-${name}-${where}`)];
      const worker = await cli(args('worker'));
      expect(worker.code, worker.stderr).toBe(0);
      const main = await cliInProcess(args('main'));
      expect(main.code, main.stderr).toBe(0);
      const a = join(dir, `ope-${name}-main`);
      const b = join(dir, `ope-${name}-worker`);
      expect(files(a)).toContain('estimates.csv');
      expect(files(b)).toEqual(files(a));
      for (const f of ['summary.json', 'estimates.csv']) expect(readFileSync(join(b, f), 'utf8'), f).toBe(readFileSync(join(a, f), 'utf8'));
      expect(worker.stdout.split(b).join('DIR')).toBe(main.stdout.split(a).join('DIR'));
      expect(worker.stderr).toBe(main.stderr);
    }
    // a trained target is refused on the worker thread as it is here: exit 2, the same words
    const args = ['ope', '--logs', logs, '--policy-module', EXAMPLE, '--policies', 'softmax-example,knn', '--out', join(dir, 'ope-refused')];
    const worker = await cli(args);
    const main = await cliInProcess(args);
    expect(worker.code).toBe(2);
    expect(main.code).toBe(2);
    expect(worker.stderr).toContain("policy 'knn' is trained on a train/test split of a full table; ope cannot evaluate it from a log");
    expect(worker.stderr).toBe(main.stderr);
    expect(existsSync(join(dir, 'ope-refused'))).toBe(false);
  });

  it('a plugin that throws, loaded by a relative path: exit 1, its module named as given (as the main thread names it)', async () => {
    const sub = mkdtempSync(join(dir, 'rel-'));
    const boom = join(sub, 'boom.mjs');
    writeFileSync(boom, "export default {\n  name: 'boom', rewardIndependent: false, hindsight: false, params: [],\n  create() {\n    throw new Error('boom in create');\n  },\n};\n");
    const logs = join(dir, 'rel-logs.csv');
    expect((await cli(['simulate', '--policies', 'random', '--runs', '1', '--log', logs, '--no-progress', '--out', join(dir, 'rel-sim')])).code).toBe(0);
    for (const args of [
      ['simulate', '--policies', 'boom', '--runs', '1', '--no-progress'],
      ['evaluate', '--routerbench', SMALL_RB, '--policies', 'boom', '--lambdas', '0.5', '--runs', '1', '--no-charts', '--no-progress'],
      ['ope', '--logs', logs, '--policies', 'random,boom'],
    ]) {
      const r = await cli([...args, '--policy-module', 'boom.mjs', '--out', join(sub, 'out')], { cwd: sub });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr, args[0]).toContain(`greenserv: error: policy module 'boom.mjs': policy 'boom': create() threw: boom in create (at ${boom}:4:`);
      expect(readdirSync(sub), args[0]).toEqual(['boom.mjs']);
    }
  });

  it('experiment run --workers 1 with a module arm: the same results as inline', async () => {
    const yaml = join(dir, 'plug.yaml');
    writeFileSync(yaml, ['name: plug', 'dataset: greenserv-pool', 'runs: 2', 'lambdas: [0.2, 0.8]', 'arms:', `  - {policy: softmax-example, module: ${JSON.stringify(EXAMPLE)}, params: {temperature: 0.05}}`, '  - policy: random', ''].join('\n'));
    const args = (where: string): string[] => ['experiment', 'run', yaml, '--workers', '1', '--no-charts', '--no-progress', '--out', join(dir, `exp-${where}`)];
    const worker = await cli(args('worker'));
    expect(worker.code, worker.stderr).toBe(0);
    const main = await cliInProcess(args('main'));
    expect(main.code, main.stderr).toBe(0);
    for (const f of ['summary.json', 'runs.csv', 'curves.csv']) expect(readFileSync(join(dir, 'exp-worker', f), 'utf8'), f).toBe(readFileSync(join(dir, 'exp-main', f), 'utf8'));
  });
});
