/**
 * The public API as a user gets it: `npm pack` the project, unpack the tarball into a fresh project's
 * node_modules, type-check the docs/api.md example against the shipped declarations, run it with node and
 * compare every figure it prints with what the packed CLI writes for the same settings.
 *
 * The tarball is unpacked rather than `npm install`ed: an offline install would need every dependency in the
 * npm cache. Dependencies resolve from a node_modules link in the temp directory's parent, as for a hoisted
 * install; the package's own files, `exports` and `types` are exactly those of the tarball.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTable } from '../../src/data/load.js';

const ROOT = resolve(__dirname, '../..');
const RB = resolve(ROOT, '../shared/data/routerbench');
const haveRb = existsSync(RB);
if (!haveRb) console.warn(`api e2e: ${RB} not found (shared reference data is absent); the evaluateRouterbench part of the example is not compared`);

let tmp = '';
let proj = '';
let pkg = '';

/** The example: the only ```ts block of docs/api.md. */
function example(): string {
  const m = /```ts\n([\s\S]*?)```/.exec(readFileSync(join(ROOT, 'docs/api.md'), 'utf8'));
  if (!m) throw new Error('docs/api.md has no ```ts example');
  return m[1];
}

/** `name key=value …` lines printed by the example, as name → key → number. */
function figures(out: string, kind: string): Map<string, Record<string, number>> {
  const res = new Map<string, Record<string, number>>();
  for (const line of out.split('\n')) {
    const parts = line.split(' ');
    if (parts[0] !== kind) continue;
    res.set(parts[1], Object.fromEntries(parts.slice(2).map((kv) => [kv.split('=')[0], Number(kv.split('=')[1])])));
  }
  return res;
}

function cli(args: string[]): unknown {
  const r = spawnSync(process.execPath, [join(pkg, 'bin/greenserv'), ...args, '--json'], { cwd: proj, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`greenserv ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

beforeAll(() => {
  expect(existsSync(join(ROOT, 'dist/src/app/index.js')), 'build first (npm run test:e2e does)').toBe(true);
  tmp = mkdtempSync(join(tmpdir(), 'greenserv-api-'));
  proj = join(tmp, 'proj');
  pkg = join(proj, 'node_modules/greenserv');
  mkdirSync(pkg, { recursive: true });
  // prepare would rebuild; the build is already there
  const packed = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], { cwd: ROOT, encoding: 'utf8' })) as { filename: string }[];
  execFileSync('tar', ['-xzf', join(tmp, packed[0].filename), '-C', pkg, '--strip-components=1']);
  symlinkSync(join(ROOT, 'node_modules'), join(tmp, 'node_modules'), 'dir');
  writeFileSync(join(proj, 'package.json'), JSON.stringify({ name: 'api-user', private: true, type: 'module' }));
  writeFileSync(join(proj, 'example.mjs'), example());
  writeFileSync(join(proj, 'example.mts'), example());
  writeFileSync(
    join(proj, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: ['node'], skipLibCheck: true }, files: ['example.mts'] }),
  );
}, 120_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('public API from the packed tarball', () => {
  it('ships the entry point, its declarations and the CLI, but no tests or sources', () => {
    const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { exports: Record<string, { types: string; default: string }> };
    expect(existsSync(join(pkg, manifest.exports['.'].default))).toBe(true);
    expect(readFileSync(join(pkg, manifest.exports['.'].types), 'utf8')).toMatch(/registerPolicy/);
    expect(existsSync(join(pkg, 'bin/greenserv'))).toBe(true);
    expect(readdirSync(pkg).sort()).not.toContain('test');
    expect(existsSync(join(pkg, 'src'))).toBe(false);
  });

  it('ships the library documentation the README links to, and no build cache, benchmarks, fuzzers or dangling source maps', () => {
    const all = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? all(join(dir, e.name)).map((f) => `${e.name}/${f}`) : [e.name]));
    const files = all(pkg);
    // the README's "Library API" section points a user at docs/api.md
    for (const link of readFileSync(join(pkg, 'README.md'), 'utf8').match(/\]\(docs\/[a-z-]+\.md/g) ?? []) expect(files).toContain(link.slice(2));
    expect(files).toContain('docs/api.md');
    expect(readdirSync(join(pkg, 'dist'))).toEqual(['src']);
    // a source map would name ../../../src/…, which the package does not hold
    expect(files.filter((f) => f.endsWith('.map') || f.endsWith('.tsbuildinfo'))).toEqual([]);
  });

  it('the docs example type-checks against the shipped declarations', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: proj, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
    // and a wrong call does not: the declarations are real, not `any`
    writeFileSync(join(proj, 'bad.mts'), "import { simulate } from 'greenserv';\nawait simulate({ runs: 'two' });\n");
    const config = JSON.parse(readFileSync(join(proj, 'tsconfig.json'), 'utf8')) as { files: string[] };
    writeFileSync(join(proj, 'tsconfig.bad.json'), JSON.stringify({ ...config, files: ['bad.mts'] }));
    const bad = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.bad.json'], { cwd: proj, encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stdout).toMatch(/bad\.mts\(2,18\): error TS2322: Type 'string' is not assignable to type 'number'/);
  });

  it('the signatures and types docs/api.md documents type-check against the shipped declarations', () => {
    // never run: every documented call with the arguments the docs give as optional left out, and the types
    // a program needs to name what those calls take and give
    const calls = [
      "import { energySensitivity, evaluateRouterbench, mergeShards, profileTable, regressOne, simulate, simulateTable, writeSimulateResults, loadTable } from 'greenserv';",
      "import type { AccuracyColumn, BudgetSpec, EvaluateEnergy, Evaluation, HindsightData, MetricColumn, Params, PolicyFactory, RunConfig, SimulateOptions, SimulateRecord, SimulateRun, Summary, Tolerance, TrainData, WriteSimulateOptions } from 'greenserv';",
      'const ev: Evaluation = await evaluateRouterbench();',
      'const energy: EvaluateEnergy | null = ev.energy;',
      'await energySensitivity();',
      "await energySensitivity({ source: 'rb.csv', gpus: ['H100'], batches: [8], sizes: 'sizes.csv', tokenizer: 'o200k', policyModules: ['p.mjs'], embedDim: 8 });",
      "await regressOne('baseline.json');",
      "const tolerance: Record<string, Tolerance> = { 'linucb.finalRegret': { rel: 0.01 } };",
      "await regressOne('baseline.json', { tolerance });",
      'await profileTable();',
      "await mergeShards(['shard-0']);",
      "const s: Summary = await simulate({ budget: 'energy=0.05', drift: [{ step: 1250, model: 'phi-4-mini-4b', accuracy: -0.3 }], feedbackDelay: 'geometric:20', feedbackRate: 0.3 });",
      "await simulate({ split: 0.5, splits: 5, policies: ['linucb'] });",
      "const table = await loadTable('greenserv-pool');",
      'const accuracy: AccuracyColumn = table.accuracy;',
      'const cost: MetricColumn | null = table.costUsd;',
      "const options: SimulateOptions = { policies: ['linucb'], params: [], lambda: 0.5, runs: 2, seed: 40, semantics: 'paper', features: ['task'] };",
      'const run: SimulateRun = await simulateTable(table, options);',
      "const config: RunConfig = { data: 'greenserv-pool', policies: ['linucb'], params: [], lambda: 0.5, runs: 2, seed: 40, semantics: 'paper', features: ['task'], binning: 'thresholds', cost: 'energy', maxLatency: null, splits: 1, embedDim: 64 };",
      "const record: SimulateRecord = { config, source: 'greenserv-pool', steps: 'none' };",
      'const write: WriteSimulateOptions = { force: true };',
      "await writeSimulateResults('out', table, run, record, write);",
      '/** A policy that reads the train part: the declared types of what `create` gets. */',
      'class FirstTrained {',
      "  readonly name = 'first-trained';",
      '  constructor(readonly train: TrainData, readonly budget: BudgetSpec | null | undefined, readonly hindsight: HindsightData | undefined, readonly params: Params) {}',
      '  select(_q: number, arms: Int32Array): number { return arms[0]; }',
      '  update(): void {}',
      '  addArm(): void {}',
      '  removeArm(): void {}',
      '}',
      "const trained: PolicyFactory = { name: 'first-trained', description: '', contextual: false, rewardIndependent: true, hindsight: false, train: true, params: [], create: (env, params, hindsight, train) => new FirstTrained(train!, env.budget, hindsight, params) };",
      'export { accuracy, cost, energy, s, trained };',
      '',
    ];
    writeFileSync(join(proj, 'signatures.mts'), calls.join('\n'));
    const config = JSON.parse(readFileSync(join(proj, 'tsconfig.json'), 'utf8')) as { compilerOptions: Record<string, unknown>; files: string[] };
    // the shipped declarations are checked too, not skipped
    writeFileSync(join(proj, 'tsconfig.signatures.json'), JSON.stringify({ compilerOptions: { ...config.compilerOptions, skipLibCheck: false }, files: ['signatures.mts'] }));
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.signatures.json'], { cwd: proj, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('the shipped plugin example runs from the installed package, the same through the library and the CLI', async () => {
    const example = join(pkg, 'examples/policies/softmax.mjs');
    expect(existsSync(example)).toBe(true);
    const s = cli(['simulate', '--policy-module', example, '--policies', 'softmax-example,random', '--runs', '2', '--steps', 'none', '--out', join(tmp, 'plug')]) as { policies: { name: string; finalRegret: { mean: number } }[] };
    expect(s.policies.map((p) => p.name)).toEqual(['softmax-example', 'random']);
    // the same through the packed library, in a separate process of the temp project
    writeFileSync(
      join(proj, 'plugin.mjs'),
      [
        "import { loadPolicyModule, simulate } from 'greenserv';",
        `await loadPolicyModule(${JSON.stringify(example)});`,
        "const r = await simulate({ policies: ['softmax-example', 'random'], runs: 2 });",
        'console.log(JSON.stringify(r.policies.map((p) => p.finalRegret.mean)));',
        '',
      ].join('\n'),
    );
    const lib = spawnSync(process.execPath, ['plugin.mjs'], { cwd: proj, encoding: 'utf8' });
    expect(lib.status, lib.stderr).toBe(0);
    expect(JSON.parse(lib.stdout)).toEqual(s.policies.map((p) => p.finalRegret.mean));
  });

  it('prints the numbers the CLI writes for the same settings', async () => {
    const run = spawnSync(process.execPath, ['example.mjs', ...(haveRb ? [RB] : [])], { cwd: proj, encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(run.status, run.stderr).toBe(0);
    const first = (await loadTable('greenserv-pool')).models[0].id;

    // the registered first-model policy always routes to model 0, as static:<model 0> does
    const sim = figures(run.stdout, 'simulate');
    expect([...sim.keys()]).toEqual(['linucb', 'random', 'first-model']);
    const s = cli(['simulate', '--policies', `linucb,random,static:${first}`, '--runs', '2', '--steps', 'none', '--out', join(tmp, 'sim')]) as { policies: { finalRegret: { mean: number }; accuracy: { mean: number } }[] };
    expect(s.policies.map((p) => [p.finalRegret.mean, p.accuracy.mean])).toEqual([...sim.values()].map((f) => [f.finalRegret, f.accuracy]));

    const exp = figures(run.stdout, 'experiment');
    expect([...exp.keys()]).toEqual(['thompson', 'first-model']);
    writeFileSync(join(tmp, 'small.yaml'), ['name: small', 'dataset: greenserv-pool', 'runs: 2', 'seed: 7', 'lambdas: [0.3]', 'arms:', '  - policy: thompson', `  - policy: static:${first}`, ''].join('\n'));
    const e = cli(['experiment', 'run', join(tmp, 'small.yaml'), '--no-charts', '--no-progress', '--workers', '1', '--out', join(tmp, 'exp')]) as { cells: { finalRegret: { mean: number } }[] };
    expect(e.cells.map((c) => c.finalRegret.mean)).toEqual([...exp.values()].map((f) => f.finalRegret));

    if (!haveRb) return;
    const ev = figures(run.stdout, 'evaluate');
    expect([...ev.keys()]).toEqual(['linear-epsilon-greedy', 'linucb', 'thompson', 'random']);
    const r = cli(['evaluate', '--routerbench', RB, '--lambdas', '0.5', '--runs', '1', '--jobs', '1', '--no-charts', '--no-progress', '--out', join(tmp, 'ev')]) as { policies: { name: string; avgAccuracy: number }[] };
    expect(r.policies.map((p) => [p.name, p.avgAccuracy])).toEqual([...ev].map(([n, f]) => [n, f.avgAccuracy]));
  });
});
