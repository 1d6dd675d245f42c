/**
 * `npm run fuzz:configs`: feed mutated experiment YAMLs, results directories, shard and checkpoint directories,
 * baselines, routing logs, bounds files, reward expressions and task models to the CLI, one child process per
 * input, and check that each ends in success or in exit 2 with a message naming the edited file (or flag) and
 * nothing written. Exit 1, a signal, a timeout or an unnamed exit 2 is a failure: its directory is saved.
 *
 *   node dist/fuzz/configs.js [--iterations N] [--seed S] [--target experiment,report,…] [--jobs J]
 *                             [--timeout MS] [--failures DIR] [--work DIR]
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fuzzArgs } from './args.js';
import { join, resolve } from 'node:path';
import { Rng } from '../src/core/rng.js';
import { BIN, buildCase, CONFIG_TARGETS, prepare, type ConfigCase, type ConfigTarget } from './configTargets.js';

export type ConfigFailure = { kind: 'failure'; reason: 'internal-error' | 'crash' | 'hang' | 'unnamed' | 'wrote' | 'exit'; detail: string };
export type ConfigOutcome = { kind: 'ok' } | { kind: 'typed' } | ConfigFailure;

/** Heap cap of each child: a config that makes it allocate without bound ends in a crash, not a stalled host. */
const CHILD_HEAP_MB = 2048;
const MAX_STDERR = 64 * 1024;

/** Success, or exit 2 naming what was edited and writing nothing; anything else is a failure. */
export function classifyExit(c: ConfigCase, code: number | null, signal: string | null, stderr: string, timedOut: boolean): ConfigOutcome {
  const first = stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 400);
  if (timedOut) return { kind: 'failure', reason: 'hang', detail: `no exit within the time limit; ${first}` };
  if (signal) return { kind: 'failure', reason: 'crash', detail: `killed by ${signal}; ${first}` };
  if (/internal error/.test(stderr)) return { kind: 'failure', reason: 'internal-error', detail: stderr.split('\n').slice(0, 4).join(' | ').slice(0, 600) };
  if (code === 0 || (code === 1 && c.exit1Ok)) return { kind: 'ok' };
  if (code !== 2) return { kind: 'failure', reason: 'exit', detail: `exit ${code}; ${first}` };
  const msg = stderr.split('\n').filter((l) => l.startsWith('greenserv: error:')).join('\n');
  const named = c.names.some((n) => msg.includes(n)) || (c.namedWith ?? []).some((g) => g.every((n) => msg.includes(n)));
  if (!msg || !named) return { kind: 'failure', reason: 'unnamed', detail: `exit 2 without naming ${c.names.join(' or ')}: ${first}` };
  const wrote = c.outputs.find((p) => existsSync(p));
  if (wrote) return { kind: 'failure', reason: 'wrote', detail: `exit 2 but ${wrote} exists: ${first}` };
  return { kind: 'typed' };
}

/** Run one case's command in a child process, killed after `timeoutMs`. */
export function runConfigCase(c: ConfigCase, cwd: string, timeoutMs: number): Promise<ConfigOutcome> {
  return new Promise((done) => {
    let child;
    try {
      child = spawn(process.execPath, [`--max-old-space-size=${CHILD_HEAP_MB}`, BIN, ...c.args], {
        cwd,
        // a closed port: an hf:// source in a mutated config fails at once, offline
        env: { ...process.env, NO_COLOR: '1', GREENSERV_CACHE: join(cwd, '.cache'), HF_ENDPOINT: 'http://127.0.0.1:9' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    } catch (e) {
      // an argument Node refuses to pass (a NUL byte): the case cannot be run, which is the fuzzer's problem
      done({ kind: 'failure', reason: 'exit', detail: `could not start: ${(e as Error).message}` });
      return;
    }
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < MAX_STDERR) stderr += d.toString('utf8');
    });
    // an argument past the system's limit (E2BIG): the input cannot be given, which is the fuzzer's problem
    child.on('error', (e) => done({ kind: 'failure', reason: 'exit', detail: `could not start: ${e.message}` }));
    let timedOut = false;
    // Building the next case runs in this process (a 60 MB input takes tens of seconds on a loaded machine);
    // meanwhile a child's exit waits unread and its timer comes due. A timer that fires late gives the child
    // the time this process was busy, so that the exit is read before the child is called hung.
    const arm = (ms: number): NodeJS.Timeout => {
      const due = Date.now() + ms;
      return setTimeout(() => {
        const late = Date.now() - due;
        if (late > 1000) {
          timer = arm(late);
          return;
        }
        timedOut = true;
        child.kill('SIGKILL');
      }, ms);
    };
    let timer = arm(timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done(classifyExit(c, code, timedOut ? null : signal, stderr, timedOut));
    });
  });
}

export interface TargetSummary {
  target: ConfigTarget;
  inputs: number;
  ok: number;
  typedErrors: number;
  failures: number;
  seconds: number;
}

export interface ConfigFuzzOptions {
  target: ConfigTarget;
  iterations: number;
  seed: number;
  /** Base inputs (made once) and case directories live here. */
  work: string;
  jobs: number;
  timeoutMs: number;
  failuresDir?: string;
  onFailure?: (c: ConfigCase, o: ConfigFailure) => void;
}

/** The valid inputs of a target, made with the CLI (once per work directory). */
export function prepareTarget(target: ConfigTarget, work: string): void {
  const base = join(work, 'base');
  prepare(target, base, (args, cwd) => {
    execFileSync(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  });
}

/** Build case `index` of a target in a fresh directory: its content depends only on the seed and the index. */
export function makeConfigCase(target: ConfigTarget, work: string, seed: number, index: number): { c: ConfigCase; dir: string } {
  const dir = join(work, 'cases', `${target}-${index}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const c = buildCase(target, join(work, 'base'), dir, Rng.derive(seed, CONFIG_TARGETS.indexOf(target), index), index);
  return { c, dir };
}

/**
 * A hang is run once more, from a fresh copy of the case, with `HANG_RETRY`× the limit: a valid input that
 * runs a whole shipped experiment can outlast the limit on a loaded machine (x7, seed 30 input 20) without
 * hanging. Only an input that outlasts the longer limit as well is called hung.
 */
export const HANG_RETRY = 4;
export async function runWithRetry(
  c: ConfigCase,
  timeoutMs: number,
  run: (c: ConfigCase, timeoutMs: number) => Promise<ConfigOutcome>,
  rebuild: () => ConfigCase,
): Promise<ConfigOutcome> {
  const r = await run(c, timeoutMs);
  if (r.kind !== 'failure' || r.reason !== 'hang') return r;
  return run(rebuild(), timeoutMs * HANG_RETRY);
}

export async function fuzzTarget(o: ConfigFuzzOptions): Promise<TargetSummary> {
  const t0 = performance.now();
  prepareTarget(o.target, o.work);
  const s: TargetSummary = { target: o.target, inputs: 0, ok: 0, typedErrors: 0, failures: 0, seconds: 0 };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < o.iterations) {
      const index = next++;
      let made;
      try {
        made = makeConfigCase(o.target, o.work, o.seed, index);
      } catch (e) {
        // a bug of the fuzzer, not of the CLI: reported, and the run goes on
        process.stderr.write(`  SKIP ${o.target} #${index}: building the case failed: ${(e as Error).message}\n`);
        continue;
      }
      const { c, dir } = made;
      const r = await runWithRetry(c, o.timeoutMs, (cc, ms) => runConfigCase(cc, dir, ms), () => makeConfigCase(o.target, o.work, o.seed, index).c);
      s.inputs++;
      if (r.kind === 'ok') s.ok++;
      else if (r.kind === 'typed') s.typedErrors++;
      else {
        s.failures++;
        o.onFailure?.(c, r);
        if (o.failuresDir) {
          const to = join(o.failuresDir, `${o.target}-${index}`);
          cpSync(dir, to, { recursive: true });
          writeFileSync(join(to, 'case.json'), JSON.stringify({ seed: o.seed, index, target: o.target, ops: c.ops, args: c.args, outcome: r }, null, 2) + '\n');
        }
      }
      rmSync(dir, { recursive: true, force: true });
    }
  };
  await Promise.all(Array.from({ length: o.jobs }, worker));
  s.seconds = Math.round((performance.now() - t0) / 100) / 10;
  return s;
}

const HELP = `usage: node dist/fuzz/configs.js [options]   (npm run fuzz:configs)

Feed the CLI mutated copies of its configuration inputs, one child process each; exit 0 when every input
ended in success or a named exit 2, 1 when some input failed (saved under --failures), 2 on a bad option.
See fuzz/README.md.

  --iterations N   inputs per target (default 200)
  --seed S         input i of a target depends only on the seed and i (default 1)
  --target LIST    some of ${CONFIG_TARGETS.join(', ')} (default: all)
  --jobs J         child processes at a time (default 2, 1 on a one-core machine)
  --timeout MS     time one input may take (default 20000)
  --work DIR       where the valid inputs are made and the cases run (default: greenserv-fuzz-configs in the temporary directory)
  --failures DIR   where failing inputs are saved (default: greenserv-fuzz-config-failures-<seed> in the temporary directory)
  -h, --help       this text
`;

async function main(): Promise<void> {
  const { int, str, usage, common } = fuzzArgs('fuzz:configs', { target: { type: 'string' }, timeout: { type: 'string' }, failures: { type: 'string' }, work: { type: 'string' } }, 200, HELP);
  const { iterations, seed, jobs } = common;
  const timeoutMs = int('timeout', 20_000, 1);
  const targets = (str('target') ?? CONFIG_TARGETS.join(',')).split(',').map((t) => t.trim());
  for (const t of targets) if (!CONFIG_TARGETS.includes(t as ConfigTarget)) usage(`unknown target '${t}' (expected ${CONFIG_TARGETS.join(', ')})`);
  const work = resolve(str('work') ?? join(tmpdir(), 'greenserv-fuzz-configs'));
  const failuresDir = resolve(str('failures') ?? join(tmpdir(), `greenserv-fuzz-config-failures-${seed}`));
  const summaries: TargetSummary[] = [];
  for (const target of targets as ConfigTarget[]) {
    process.stderr.write(`fuzzing ${target}: ${iterations} inputs, seed ${seed}…\n`);
    const s = await fuzzTarget({
      target,
      iterations,
      seed,
      work,
      jobs,
      timeoutMs,
      failuresDir,
      onFailure: (c, o) => process.stderr.write(`  FAIL ${target} #${c.index} (${o.reason}; ${c.ops.join(' + ').slice(0, 300)}): ${o.detail.split('\n')[0].slice(0, 400)}\n`),
    });
    summaries.push(s);
    process.stdout.write(JSON.stringify(s) + '\n');
  }
  const sum = (k: 'inputs' | 'ok' | 'typedErrors' | 'failures'): number => summaries.reduce((a, s) => a + s[k], 0);
  process.stdout.write(JSON.stringify({ total: { targets: summaries.length, inputs: sum('inputs'), ok: sum('ok'), typedErrors: sum('typedErrors'), failures: sum('failures') } }) + '\n');
  if (sum('failures') > 0) {
    process.stderr.write(`${sum('failures')} failing input(s) saved under ${failuresDir}\n`);
    process.exitCode = 1;
  }
}

// run as a script, not when the test imports it
if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  main().catch((err) => {
    process.stderr.write(`fuzz:configs: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  });
}
