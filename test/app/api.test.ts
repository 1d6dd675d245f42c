/** The library entry point in-process: defaults match the CLI's, registered policies run by name, bad registrations are refused. */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError, DEFAULT_ROUTERBENCH_SOURCE, ope, energySensitivity, evaluateRouterbench, loadPolicyModule, loadTable, profileTable, registerPolicy, regressOne, runExperiment, simulate, simulateTable, UsageError, type PolicyFactory } from '../../src/app/index.js';
import { evaluateDefaults } from '../../src/app/evaluate.js';
import { wholePieces } from '../../src/core/errors.js';
import { cachedPath, parseHfUri } from '../../src/data/hub.js';
import { buildProfile } from '../../src/metrics/profile.js';
import { pluginFactories } from '../../src/policies/plugins.js';

/** Always the model at index `m`, whatever the pool: what static:<model m> does. */
function fixedFactory(name: string, m: number): PolicyFactory {
  return {
    name,
    description: 'always one model',
    contextual: false,
    rewardIndependent: true,
    hindsight: false,
    params: [],
    // always model m, as static:<model m> does (the engine keeps m allowed: every model stays in this pool)
    create: () => ({ name, select: () => m, update: () => {}, addArm: () => {}, removeArm: () => {} }),
  };
}

describe('library API', () => {
  it('simulate without options runs what `greenserv simulate` runs by default', async () => {
    const table = await loadTable('greenserv-pool');
    const lib = await simulate({ policies: ['linucb', 'random'], runs: 2 });
    const explicit = await simulateTable(table, { policies: ['linucb', 'random'], params: [], lambda: 0.5, runs: 2, seed: 40, semantics: 'paper', features: ['task', 'cluster', 'complexity'], binning: 'thresholds', cost: 'energy', maxLatency: null });
    expect(lib).toEqual(explicit.summary);
    expect(lib.lambda).toBe(0.5);
    expect(lib.seed).toBe(40);
  });

  it('a registered policy runs by name and scores like the built-in policy it copies', async () => {
    const table = await loadTable('greenserv-pool');
    registerPolicy(fixedFactory('always-model-two', 2));
    const s = await simulate({ data: table, policies: ['always-model-two', `static:${table.models[2].id}`], runs: 2 });
    expect(s.policies.map((p) => p.name)).toEqual(['always-model-two', `static:${table.models[2].id}`]);
    expect(s.policies[0].finalRegret).toEqual(s.policies[1].finalRegret);
    expect(s.policies[0].accuracy).toEqual(s.policies[1].accuracy);
  });

  it('what a trained policy reports through fitted() reaches the protocol rows, one value per split', async () => {
    // fits nothing, reports the train part it was given: 250 of each task's 500 queries at --split 0.5
    const probe: PolicyFactory = {
      ...fixedFactory('train-probe', 0),
      contextual: false,
      train: true,
      create: (_env, _p, _h, t) => ({ name: 'train-probe', select: (_q, arms) => arms[0], update: () => {}, addArm: () => {}, removeArm: () => {}, fitted: () => ({ n: t!.queries.length, lambda: t!.lambda }) }),
    };
    registerPolicy(probe);
    const s = await simulate({ policies: ['train-probe', 'random'], runs: 2, split: 0.5, splits: 3 });
    const rows = s.protocol!.policies;
    expect(rows.find((r) => r.name === 'train-probe')!.fitted).toEqual({ n: [1250, 1250, 1250], lambda: [0.5, 0.5, 0.5] });
    expect('fitted' in rows.find((r) => r.name === 'random')!).toBe(false);
  });

  it('refuses a duplicate or malformed registration without touching the registry', () => {
    const before = pluginFactories().length;
    expect(() => registerPolicy(fixedFactory('linucb', 0))).toThrow(new UsageError("registerPolicy: policy 'linucb': the name is already taken"));
    expect(() => registerPolicy(fixedFactory('Bad Name', 0))).toThrow(UsageError);
    expect(() => registerPolicy({ ...fixedFactory('no-create', 0), create: undefined as never })).toThrow(/create must be a function/);
    expect(pluginFactories().length).toBe(before);
  });

  it('a policy registered from code on worker threads is refused by name, before any data is read', async () => {
    registerPolicy(fixedFactory('thread-bound', 0));
    const why = "policy 'thread-bound' was added with registerPolicy and runs on the calling thread only";
    // a worker thread would have called it an unknown policy
    await expect(evaluateRouterbench({ source: '/nonexistent.csv', policies: ['thread-bound', 'random'], jobs: 2 })).rejects.toThrow(new UsageError(`jobs: ${why}; set jobs: 1, or load it from an ES module file with loadPolicyModule (worker threads load those too)`));
    await expect(energySensitivity({ source: '/nonexistent.csv', policies: ['thread-bound'], jobs: 2 })).rejects.toThrow(`jobs: ${why}`);
    const dir = mkdtempSync(join(tmpdir(), 'gs-api-threads-'));
    writeFileSync(join(dir, 'e.yaml'), 'name: e\ndataset: /nonexistent.csv\nruns: 1\nlambdas: [0.5]\narms:\n  - policy: random\n  - policy: thread-bound\n');
    await expect(runExperiment(join(dir, 'e.yaml'), { out: join(dir, 'out'), workers: 2 })).rejects.toThrow(`workers: ${why}`);
    expect(existsSync(join(dir, 'out.partial'))).toBe(false);
    // one thread reaches the data
    await expect(evaluateRouterbench({ source: '/nonexistent.csv', policies: ['thread-bound'], jobs: 1 })).rejects.toBeInstanceOf(DataError);
  });

  it('a failed experiment leaves no results directory, and its finished replays in <out>.partial, which resume finishes', async () => {
    // a late replay fails once: the finished ones are kept, and a resumed run scores as an uninterrupted one
    let replays = 0;
    let failed = false;
    const flaky: PolicyFactory = {
      ...fixedFactory('flaky-once', 1),
      create: (env, params, h, t) => {
        replays += 1;
        if (replays === 3 && !failed) {
          failed = true;
          throw new Error('replay failed');
        }
        return fixedFactory('flaky-once', 1).create(env, params, h, t);
      },
    };
    registerPolicy(flaky);
    const dir = mkdtempSync(join(tmpdir(), 'gs-api-partial-'));
    writeFileSync(join(dir, 'e.yaml'), 'name: e\ndataset: greenserv-pool\nruns: 3\nseed: 7\nlambdas: [0.5]\narms:\n  - policy: flaky-once\n');
    await expect(runExperiment(join(dir, 'e.yaml'), { out: join(dir, 'out'), charts: false })).rejects.toThrow('replay failed');
    expect(existsSync(join(dir, 'out'))).toBe(false);
    // the first create is the arm's check before the checkpoint exists, then one per run in job order on the
    // calling thread: run 0 finished and is kept, run 1 failed, run 2 never started
    const kept = readFileSync(join(dir, 'out.partial', 'jobs.ndjson'), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l).data.job);
    expect(kept).toEqual([{ lambdaIndex: 0, armIndex: 0, run: 0 }]);
    expect(replays).toBe(3);
    await expect(runExperiment(join(dir, 'e.yaml'), { out: join(dir, 'out'), charts: false })).rejects.toThrow(`an interrupted (or still running) run of this experiment is in ${join(dir, 'out.partial')}: finish it with resume ${join(dir, 'out.partial')}, or pass force to start over`);
    // the plan names the experiment (the live display's title); the kept replay is reported first, with done 0
    const plans: unknown[][] = [];
    const dones: number[] = [];
    const resumed = await runExperiment(null, { resume: join(dir, 'out.partial'), charts: false, onPlan: (...a) => void plans.push(a), progress: (d) => void dones.push(d) });
    expect(plans.map((a) => [a[1], a[5]])).toEqual([[3, 'e']]);
    // onPlan runs with the run's signal handler in place: the checkpoint exists, so a Ctrl-C then is reported
    // as the run's (with the checkpoint to resume), not as one before anything was written
    const before = process.listenerCount('SIGINT');
    let during = -1;
    await runExperiment(join(dir, 'e.yaml'), { out: join(dir, 'third'), charts: false, onPlan: () => void (during = process.listenerCount('SIGINT')) });
    expect(during).toBe(before + 1);
    expect(dones).toEqual([0, 2, 3]);
    expect(existsSync(join(dir, 'out.partial'))).toBe(false);
    const whole = await runExperiment(join(dir, 'e.yaml'), { out: join(dir, 'again'), charts: false });
    expect(resumed.summary).toEqual(whole.summary);
  });

  it('an ope request without its log or policies is a UsageError naming the field', async () => {
    await expect(ope({ logs: 'log.csv' } as never)).rejects.toThrow(new UsageError('policies: give at least one target policy'));
    await expect(ope({ policies: ['random'] } as never)).rejects.toThrow(new UsageError('logs: give the routing log file'));
    await expect(ope({ logs: 'log.csv', policies: [] })).rejects.toThrow(new UsageError('policies: give at least one target policy'));
  });

  it('loadPolicyModule resolves to a copy of the registered plugins, not the registry itself', async () => {
    const got = (await loadPolicyModule(resolve(__dirname, '../../examples/policies/softmax.mjs'))) as PolicyFactory[];
    expect(got.map((f) => f.name)).toContain('softmax-example');
    const before = pluginFactories().length;
    got.length = 0;
    expect(pluginFactories().length).toBe(before);
  });

  it('simulate validates its request against the run configuration schema, naming the field', async () => {
    await expect(simulate({ lambda: 1.5 })).rejects.toThrow(new UsageError('lambda: must be in [0, 1]'));
    await expect(simulate({ runs: 0 })).rejects.toThrow(new UsageError('runs: must be an integer ≥ 1'));
    await expect(simulate({ policies: [] })).rejects.toThrow(new UsageError('policies: no policy given'));
    await expect(simulate({ bogus: 1 } as never)).rejects.toThrow(new UsageError('(request): Unrecognized key: "bogus"'));
  });

  it('evaluateRouterbench fills what a request leaves out with the CLI defaults', () => {
    const d = evaluateDefaults({ source: 'x.csv', runs: 2 });
    expect(d).toMatchObject({ source: 'x.csv', runs: 2, seed: 40, semantics: 'paper', policies: ['linear-epsilon-greedy', 'linucb', 'thompson', 'random'], costScale: 'linear', aiqMode: 'paper', defaultFamilies: true, jobs: 1 });
    expect(d.lambdas).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    // under the train/test protocol the routers trained on the train part join the default list
    const trained = ['knn', 'predictive', 'warm-linucb', 'warm-thompson'];
    expect(evaluateDefaults({ source: 'x.csv', split: 0.5 }).policies).toEqual([...d.policies, ...trained]);
    expect(evaluateDefaults({ source: 'x.csv', train: 't.csv' }).policies).toEqual([...d.policies, ...trained]);
    expect(evaluateDefaults({ source: 'x.csv', split: 0.5, policies: ['linucb'] }).policies).toEqual(['linucb']);
  });
});

describe('evaluateRouterbench requests', () => {
  it('are checked against the shared field definitions before any data is read, naming the field', async () => {
    const { evaluateRouterbench } = await import('../../src/app/index.js');
    await expect(evaluateRouterbench({ source: '/nonexistent.csv', runs: 0 })).rejects.toThrow(new UsageError('runs: must be an integer ≥ 1'));
    await expect(evaluateRouterbench({ source: '/nonexistent.csv', lambdas: [0.5, 2] })).rejects.toThrow(new UsageError('lambdas.1: must be in [0, 1]'));
    await expect(evaluateRouterbench({ source: '/nonexistent.csv', policies: [] })).rejects.toThrow(new UsageError('policies: no policy given'));
  });
});

describe('arguments docs/api.md gives as optional', () => {
  it('evaluateRouterbench() and energySensitivity() take the request {}: the default RouterBench source', async () => {
    // the default source already in a fresh cache, so nothing is downloaded
    const cache = mkdtempSync(join(tmpdir(), 'gs-api-cache-'));
    const dest = cachedPath(parseHfUri(DEFAULT_ROUTERBENCH_SOURCE), { cacheDir: cache });
    mkdirSync(dirname(dest), { recursive: true });
    copyFileSync(resolve(__dirname, '../fixtures/routerbench_small_pd2_p5.pkl'), dest);
    const before = process.env.GREENSERV_CACHE;
    process.env.GREENSERV_CACHE = cache;
    try {
      const none = await evaluateRouterbench();
      expect(none.params.source).toBe(DEFAULT_ROUTERBENCH_SOURCE);
      expect(none.result.summary).toEqual((await evaluateRouterbench({})).result.summary);
      // the same table named by its path scores the same
      expect(none.result.summary.policies).toEqual((await evaluateRouterbench({ source: dest })).result.summary.policies);
      // this table has no response text to count output tokens from: both calls stop at the same point of the same run
      const failure = (p: Promise<unknown>): Promise<unknown> => p.then(() => null, (e: unknown) => e);
      const noArg = await failure(energySensitivity());
      expect(noArg).toBeInstanceOf(DataError);
      expect(noArg).toEqual(await failure(energySensitivity({})));
      // the command it gives to copy stays on one line on a terminal
      const command = 'greenserv energy attach <source> --assume-output-tokens <n>';
      expect((noArg as Error).message).toContain(`write a table with tokens first: ${command}`);
      expect(wholePieces(noArg as Error)).toContain(command);
    } finally {
      if (before === undefined) delete process.env.GREENSERV_CACHE;
      else process.env.GREENSERV_CACHE = before;
    }
  });

  it('regressOne(file) compares as regressOne(file, {}) does', async () => {
    const policies = ['random', 'best-static'];
    const s = await simulate({ policies, runs: 2 });
    const metrics = Object.fromEntries(s.policies.flatMap((p) => [[`${p.name}.finalRegret`, p.finalRegret.mean], [`${p.name}.accuracy`, p.accuracy.mean]]));
    const file = join(mkdtempSync(join(tmpdir(), 'gs-api-regress-')), 'baseline.json');
    writeFileSync(file, JSON.stringify({ schemaVersion: 1, name: 'api', config: { command: 'simulate', data: 'greenserv-pool', policies, lambda: 0.5, runs: 2, seed: 40 }, metrics }));
    const r = await regressOne(file);
    expect(r).toEqual(await regressOne(file, {}));
    expect(r.status).toBe('pass');
    // the recorded metrics are compared and agree (the others the run measures are reported beside them)
    for (const k of Object.keys(metrics)) expect(r.diffs.find((d) => d.metric === k)?.verdict).toBe('ok');
  });
});

describe('profileTable requests', () => {
  it('take the defaults of `greenserv profile-models` for what they leave out', async () => {
    const byHand = await buildProfile(await loadTable('greenserv-pool'), { lambda: 0.5, estimated: null, cost: 'energy' });
    expect(await profileTable()).toEqual(byHand);
    expect(await profileTable({ data: 'greenserv-pool' })).toEqual(byHand);
    const latency = await profileTable({ cost: 'latency', lambda: 0.2 });
    expect(latency).toEqual(await buildProfile(await loadTable('greenserv-pool'), { lambda: 0.2, estimated: null, cost: 'latency' }));
  });

  it('are checked before any data is read, a bad value a UsageError naming the field', async () => {
    const bad = { data: '/nonexistent.csv' };
    await expect(profileTable({ ...bad, lambda: 2 })).rejects.toThrow(new UsageError('lambda: must be in [0, 1]'));
    await expect(profileTable({ ...bad, cost: 'joules' as never })).rejects.toThrow(/^cost: Invalid option: expected one of "energy"\|"usd"\|"latency"$/);
    await expect(profileTable({ ...bad, estimateBatch: 0 })).rejects.toThrow(new UsageError('estimateBatch: must be ≥ 1'));
    await expect(profileTable({ ...bad, estimateBatch: 8, estimateGpu: 'H200' as never })).rejects.toThrow(/^estimateGpu: Invalid option/);
    await expect(profileTable({ ...bad, lamda: 0.5 } as never)).rejects.toThrow(new UsageError('(request): Unrecognized key: "lamda"'));
    // a valid request reaches the data
    await expect(profileTable(bad)).rejects.toBeInstanceOf(DataError);
  });
});
