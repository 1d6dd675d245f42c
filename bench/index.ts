/**
 * `npm run bench`: prints one JSON object with throughput, wall-time and memory figures, and whether each
 * target is met. `--only a,b` runs a subset (policies, simulate, experiment, datasets, features, evaluate,
 * split, startup); `--quick` shortens the timing loops; `--reference <dir>` (with `--python <exe>`) times the
 * GreenServ authors' bandit classes from a checkout of their repository beside greenserv's policies.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkArgs, parseOnly } from './only.js';
import { sectionMeets } from './meets.js';
import { BENCH_POLICIES, benchDecisions } from './decisions.js';
import { BenchUsageError, ReferenceRunner, THREAD_ENV, UNSET_ENV, checkoutCommit, parseReferenceArgs } from './reference.js';

const BIN = fileURLToPath(new URL('../../bin/greenserv', import.meta.url));
const SECTIONS = ['policies', 'simulate', 'experiment', 'datasets', 'features', 'evaluate', 'split', 'startup'];
const TARGETS = {
  linucb: 1_500_000,
  'linear-epsilon-greedy': 1_500_000,
  thompson: 800_000,
  'epsilon-greedy': 10_000_000,
  engineOverPolicy: 0.8,
  /** With --reference: greenserv ÷ the authors' class on both one-hot workloads (median of slice ratios). */
  referenceRatio: { linucb: 200, thompson: 600 },
  simulateSeconds: 2,
  x3SweepSeconds: 5,
};

/** Wall time of a CLI command as a user runs it (best of n), and the child's peak RSS. */
function timeCli(args: string[], n: number): { seconds: number; peakRssMiB: number } {
  const dir = mkdtempSync(join(tmpdir(), 'gs-bench-'));
  const times: number[] = [];
  let peak = 0;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    // a tiny wrapper reports the child's own peak RSS (worker threads included)
    const res = spawnSync(
      process.execPath,
      ['-e', `process.argv=[process.argv[0], ${JSON.stringify(BIN)}, ...${JSON.stringify([...args, '--out', join(dir, `r${i}`)])}]; import(${JSON.stringify(BIN.replace(/bin\/greenserv$/, 'dist/src/cli/index.js'))}).then(m=>m.main(process.argv)).then(c=>{process.stderr.write('@@RSS '+process.resourceUsage().maxRSS+'\\n'); process.exitCode=c;})`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    if (res.status !== 0) throw new Error(`greenserv ${args.join(' ')} failed: ${res.stderr}`);
    const out = res.stderr.toString();
    times.push((performance.now() - t0) / 1000);
    const m = /@@RSS (\d+)/.exec(out);
    if (m) peak = Math.max(peak, Number(m[1]) / 1024);
  }
  rmSync(dir, { recursive: true, force: true });
  return { seconds: +Math.min(...times).toFixed(3), peakRssMiB: Math.round(peak) };
}

const HELP = `Usage: npm run bench -- [options]

Prints one JSON object with throughput, wall-time and memory figures and whether each target is met.

Options:
  --only <list>       sections to run: ${SECTIONS.join(', ')} (default: all)
  --quick             shorter timing loops
  --reference <dir>   also time the GreenServ authors' bandit classes from a checkout of their repository
                      (src/bandit/*.py), interleaved with greenserv on the same workloads (policies section)
  --python <exe>      the Python with numpy that runs them (default: python3)
  --help              this text
`;

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(HELP);
    return;
  }
  const bad = checkArgs(process.argv.slice(2), { only: { type: 'string' }, quick: { type: 'boolean' }, reference: { type: 'string' }, python: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (bad !== null) {
    process.stderr.write(`bench: error: ${bad} (see npm run bench -- --help)\n`);
    process.exitCode = 2;
    return;
  }
  const quick = process.argv.includes('--quick');
  const only = parseOnly(process.argv.slice(2), SECTIONS);
  if ('error' in only) {
    process.stderr.write(`bench: error: ${only.error}\n`);
    process.exitCode = 2;
    return;
  }
  const want = (k: string): boolean => only.sections.has(k);
  let refArgs: ReturnType<typeof parseReferenceArgs>;
  try {
    refArgs = parseReferenceArgs(process.argv.slice(2));
    if (refArgs && !want('policies')) throw new BenchUsageError('--reference: times the policies section, which --only leaves out');
  } catch (e) {
    if (!(e instanceof BenchUsageError)) throw e;
    process.stderr.write(`bench: error: ${e.message}\n`);
    process.exitCode = 2;
    return;
  }
  // docs/outputs.md, `npm run bench`
  const result: Record<string, unknown> = {
    schemaVersion: 1,
    kind: 'bench',
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: process.platform },
    targets: TARGETS,
  };
  const meets: Record<string, boolean> = {};
  if (want('policies')) {
    let ref: ReferenceRunner | null = null;
    try {
      if (refArgs) ref = new ReferenceRunner(refArgs);
      const slices = quick ? 3 : 9;
      const decisions = await benchDecisions({ slices, sliceMs: quick ? 20 : 50, referenceSliceMs: quick ? 100 : 300, denseDims: [32, 64, 256], reference: ref, referenceDenseDims: [32, 64] });
      result.decisionsPerSecond = {
        note: `select + update per second of process CPU time: median, min and max over ${slices} slices; the table workload is replayed in shuffled order, and its engine rows are whole simulate runs (metrics recorder on, step trace off); policyFreshRuns is the policy-only loop as the engine runs it (a fresh policy and a reshuffled order per run of the table), so engineOverFreshRuns is the engine's own bookkeeping`,
        ...decisions,
      };
      if (ref) result.reference = { dir: ref.args.dir, commit: checkoutCommit(ref.args.dir), python: ref.args.python, numpy: ref.numpy, env: { ...THREAD_ENV, unset: UNSET_ENV } };
      for (const w of ['onehot-d12', 'tasks10-d16']) {
        const rates = (decisions[w] as { decisionsPerSecond: Record<string, { median: number }> }).decisionsPerSecond;
        for (const p of BENCH_POLICIES) meets[`${w}.${p}`] = rates[p].median >= TARGETS[p];
        const vs = (decisions[w] as { reference?: Record<string, { ratio: { median: number } }> }).reference;
        if (vs) for (const [p, min] of Object.entries(TARGETS.referenceRatio)) if (vs[p]) meets[`${w}.${p}.referenceRatio`] = vs[p].ratio.median >= min;
      }
      const eop = (decisions['tasks10-d16'] as { engineOverPolicy: Record<string, number> }).engineOverPolicy;
      for (const p of BENCH_POLICIES) meets[`tasks10-d16.${p}.engineOverPolicy`] = eop[p] >= TARGETS.engineOverPolicy;
    } catch (e) {
      if (!(e instanceof BenchUsageError)) throw e;
      process.stderr.write(`bench: error: ${e.message}\n`);
      process.exitCode = 2;
      return;
    } finally {
      ref?.close();
    }
  }
  if (want('simulate')) {
    const sim = timeCli(['simulate'], 3);
    result.simulate = sim;
    meets.simulate = sim.seconds < TARGETS.simulateSeconds;
  }
  if (want('experiment')) {
    const x3 = timeCli(['experiment', 'run', 'x3-lambda-sweep', '--workers', '2', '--no-progress'], quick ? 1 : 2);
    result.x3Sweep = { ...x3, note: '11 λ × 8 policies × 5 runs × 2,500 queries, charts and report.html included' };
    meets.x3Sweep = x3.seconds < TARGETS.x3SweepSeconds;
  }
  if (want('startup')) {
    const { benchStartup, STARTUP_TARGETS } = await import('./startup.js');
    const r = benchStartup(quick);
    result.startup = { ...r.figures, targets: STARTUP_TARGETS, note: 'median wall seconds of child processes' };
    Object.assign(meets, r.meets);
  }
  const sections: [string, string, string][] = [
    ['datasets', './datasets.js', 'benchDatasets'],
    ['features', './features.js', 'benchFeatures'],
    ['evaluate', './evaluate.js', 'benchEvaluate'],
    ['split', './splitSweep.js', 'benchSplitSweep'],
  ];
  for (const [key, mod, fn] of sections) {
    if (!want(key)) continue;
    const m = (await import(mod)) as Record<string, () => Promise<Record<string, unknown>>>;
    result[key] = await m[fn]();
    Object.assign(meets, sectionMeets(key, result[key] as Record<string, unknown>, m));
  }
  result.meetsTargets = meets;
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

await main();
