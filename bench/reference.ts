/**
 * `npm run bench -- --reference <dir>`: the GreenServ authors' bandit classes, from a checkout of their public
 * repository that the user provides (greenserv ships none of their code), timed on greenserv's workloads by
 * bench/reference_driver.py in one long-lived Python process. numpy runs single-threaded, with the OpenBLAS
 * overrides OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from its environment, which is the fair setting on
 * a machine where they slow numpy down.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Workload } from '../src/sim/workloads.js';

/** Files of the checkout the driver imports (module paths under the checkout's root). */
export const REFERENCE_FILES = ['src/bandit/linucb.py', 'src/bandit/thompson_sampling.py', 'src/bandit/epsilon_greedy.py', 'src/bandit/base.py'];

/** Environment variables removed for the reference process, and the thread limits set for it. */
export const UNSET_ENV = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'];
export const THREAD_ENV: Record<string, string> = { OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };

export interface ReferenceArgs {
  dir: string;
  python: string;
}

/** A user error of the bench's reference options (exit 2). */
export class BenchUsageError extends Error {}

/** `--reference <dir>` and `--python <exe>` (default python3); null when --reference is absent. */
export function parseReferenceArgs(argv: readonly string[]): ReferenceArgs | null {
  const value = (flag: string): string | undefined => {
    const i = argv.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
    if (i < 0) return undefined;
    const v = argv[i] === flag ? argv[i + 1] : argv[i].slice(flag.length + 1);
    if (v === undefined || v === '' || v.startsWith('--')) throw new BenchUsageError(`${flag}: expected a value`);
    return v;
  };
  const dir = value('--reference');
  const python = value('--python');
  if (dir === undefined) {
    if (python !== undefined) throw new BenchUsageError('--python: only used with --reference <dir>');
    return null;
  }
  return { dir: resolve(dir), python: python ?? 'python3' };
}

/** The commit a reference checkout is at (null when it is not a git checkout or git is absent). */
export function checkoutCommit(dir: string): string | null {
  const r = spawnSync('git', ['-C', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8' });
  return r.status === 0 && /^[0-9a-f]{40}$/.test(r.stdout.trim()) ? r.stdout.trim() : null;
}

/** The checkout has the classes the driver imports; otherwise a message naming the first missing file. */
export function checkReferenceDir(dir: string): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new BenchUsageError(`--reference ${dir}: not a directory (expected a checkout of the GreenServ repository)`);
  for (const f of REFERENCE_FILES) {
    if (!existsSync(join(dir, f))) throw new BenchUsageError(`--reference ${dir}: missing ${f} (expected a checkout of the GreenServ repository)`);
  }
}

/** The reference process's environment: single-threaded BLAS, no OpenBLAS overrides, the checkout importable. */
export function referenceEnv(dir: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const path = base.PYTHONPATH ? `${dir}${delimiter}${base.PYTHONPATH}` : dir;
  const env: NodeJS.ProcessEnv = { ...base, ...THREAD_ENV, PYTHONPATH: path, PYTHONDONTWRITEBYTECODE: '1' };
  for (const k of UNSET_ENV) delete env[k];
  return env;
}

function driverPath(): string {
  // from dist/bench/ after the build, or from bench/ when run from source
  for (const rel of ['./reference_driver.py', '../../bench/reference_driver.py']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error('bench/reference_driver.py not found');
}

/** One Python process running the reference classes; every call is one request and one answer line. */
export class ReferenceRunner {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly tmp: string;
  private stderr = '';
  numpy = '';

  constructor(readonly args: ReferenceArgs) {
    checkReferenceDir(args.dir);
    const probe = spawnSync(args.python, ['-c', 'import numpy'], { env: referenceEnv(args.dir), encoding: 'utf8' });
    if (probe.error || probe.status !== 0) {
      const why = probe.error ? probe.error.message : probe.stderr.trim().split('\n').pop();
      throw new BenchUsageError(`--python ${args.python}: cannot run it with numpy (${why}); install numpy or pass --python <exe>`);
    }
    this.tmp = mkdtempSync(join(tmpdir(), 'gs-bench-ref-'));
    this.child = spawn(args.python, [driverPath()], { env: referenceEnv(args.dir), stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (b: Buffer) => {
      this.stderr = (this.stderr + b.toString()).slice(-4000);
    });
    this.lines = createInterface({ input: this.child.stdout });
  }

  private async request(msg: Record<string, unknown>): Promise<Record<string, unknown>> {
    const answer = new Promise<string>((res, rej) => {
      const onLine = (l: string): void => {
        this.child.off('exit', onExit);
        res(l);
      };
      const onExit = (code: number | null): void => {
        this.lines.off('line', onLine);
        rej(new BenchUsageError(`reference process exited (${code}): ${this.stderr.trim().split('\n').slice(-3).join(' | ')}`));
      };
      this.lines.once('line', onLine);
      this.child.once('exit', onExit);
    });
    this.child.stdin.write(JSON.stringify(msg) + '\n');
    const a = JSON.parse(await answer) as Record<string, unknown>;
    if (typeof a.error === 'string') throw new BenchUsageError(`--reference ${this.args.dir}: ${a.error}`);
    return a;
  }

  /** Hand a workload to the reference: its contexts as dense rows, its rewards. */
  async load(w: Workload): Promise<void> {
    const { d, nQueries: Q, ptr, idx, val } = w.contexts;
    const dense = new Float64Array(Q * d);
    for (let q = 0; q < Q; q++) for (let k = ptr[q]; k < ptr[q + 1]; k++) dense[q * d + idx[k]] += val[k];
    const ctx = join(this.tmp, 'ctx.f64');
    const rew = join(this.tmp, 'rew.f64');
    writeFileSync(ctx, dense);
    writeFileSync(rew, w.rewards);
    const a = await this.request({ cmd: 'load', ctx, rew, q: Q, d, m: w.nModels });
    this.numpy = String(a.numpy ?? '');
  }

  /** A fresh instance of the reference class for a greenserv policy name. */
  async make(policy: string): Promise<void> {
    await this.request({ cmd: 'make', policy });
  }

  /** Decisions per CPU second over one slice of about `ms`. */
  async run(ms: number): Promise<number> {
    const a = await this.request({ cmd: 'run', ms });
    return Number(a.rate);
  }

  close(): void {
    this.child.stdin.end();
    this.child.kill();
    rmSync(this.tmp, { recursive: true, force: true });
  }
}
