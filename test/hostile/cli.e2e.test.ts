/**
 * User-caused I/O problems end in exit 2 with the path and the reason, never a stack trace; results are
 * committed atomically, once, and no temporary directory survives a signal. CLI tests need a build
 * (`npx tsc -p tsconfig.json`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { DataError, UsageError } from '../../src/core/errors.js';
import { parseExperiment } from '../../src/sim/experimentConfig.js';
import { isUserError } from '../../src/cli/errors.js';
import { AtomicDir, atomicFs, pendingTemporaries, removeStaleTemporaries, writeFileAtomic } from '../../src/core/atomic.js';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin/greenserv');

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], cwd?: string): Promise<Ran> {
  return new Promise((res) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('exit', (code, signal) => res({ code, signal, stdout, stderr }));
  });
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'gs-hostile-'));
}

/** Exit 2, the `greenserv: error:` prefix, the expected text, and no stack trace. */
function expectUserError(r: Ran, pattern: RegExp): void {
  expect(r.stderr).toMatch(/^greenserv: error: /m);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.code).toBe(2);
}

function temporaries(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.includes('.tmp-'));
}

/** A pid that belonged to a process which has exited. */
function deadPid(): number {
  const p = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(p.stdout);
}

const SIM = ['simulate', '--runs', '1', '--no-progress', '--policies', 'random,linucb'];

describe('--out problems (simulate)', () => {
  it('--out that is a regular file', async () => {
    const d = tmp();
    writeFileSync(join(d, 'F'), 'x');
    expectUserError(await cli([...SIM, '--out', join(d, 'F'), '--force']), /'.*F' exists and is not a directory/);
    expect(readFileSync(join(d, 'F'), 'utf8')).toBe('x');
    // refused before the simulation: 2,000 runs would take minutes
    const t0 = Date.now();
    expectUserError(await cli(['simulate', '--runs', '2000', '--no-progress', '--out', join(d, 'F')]), /exists and is not a directory/);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(temporaries(d)).toEqual([]);
  });

  it('--out that is a dangling symlink', async () => {
    const d = tmp();
    symlinkSync(join(d, 'nowhere'), join(d, 'L'));
    expectUserError(await cli([...SIM, '--out', join(d, 'L')]), /'.*L' is a dangling symbolic link/);
    expect(existsSync(join(d, 'nowhere'))).toBe(false);
  });

  it('--out below a regular file (ENOTDIR)', async () => {
    const d = tmp();
    writeFileSync(join(d, 'F'), 'x');
    expectUserError(await cli([...SIM, '--out', join(d, 'F', 'sub')]), /--out .*F\/sub: '.*F' is a file, not a directory; choose another --out/);
  });

  // tests run as root, so chmod cannot make a directory read-only; /sys refuses new entries even to root
  it('--out where the file system refuses new entries (/sys)', async () => {
    if (!existsSync('/sys/kernel')) return void console.warn('skipped: no /sys on this system');
    expectUserError(await cli([...SIM, '--out', '/sys/greenserv-out']), /cannot create output directory '\/sys\/greenserv-out': (operation not permitted|permission denied|read-only file system)/);
  });

  it('--out that is a mount point, even with --force (/proc)', async () => {
    if (!existsSync('/proc/self')) return void console.warn('skipped: no /proc on this system');
    expectUserError(await cli([...SIM, '--out', '/proc', '--force']), /'\/proc' is a mount point and cannot be replaced \(even with --force\)/);
  });

  it('two concurrent runs to the same --out: one commits, the other exits 2 and leaves no temp dir', async () => {
    const d = tmp();
    const out = join(d, 'D');
    const [a, b] = await Promise.all([cli([...SIM, '--out', out]), cli([...SIM, '--seed', '41', '--out', out])]);
    const codes = [a.code, b.code].sort();
    expect(codes).toEqual([0, 2]);
    const loser = a.code === 2 ? a : b;
    const winner = a.code === 0 ? a : b;
    expectUserError(loser, /output directory '.*D' was written by another run|already exists and is not empty/);
    // the directory holds the winner's results, whole
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.seed).toBe(winner === a ? 40 : 41);
    expect(temporaries(d)).toEqual([]);
    expect(readdirSync(d).filter((n) => n.endsWith('.lock'))).toEqual([]);
  });

  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    it(`${sig} during simulate --runs 200 leaves neither D nor a .D.tmp-* directory`, async () => {
      const d = tmp();
      const p = spawn(process.execPath, [BIN, 'simulate', '--runs', '200', '--steps', 'none', '--no-progress', '--out', join(d, 'D')], { stdio: 'ignore' });
      const exited = new Promise<void>((res) => p.on('exit', () => res()));
      await new Promise((r) => setTimeout(r, 1500));
      p.kill(sig);
      await exited;
      expect(existsSync(join(d, 'D'))).toBe(false);
      expect(temporaries(d)).toEqual([]);
    });
  }

  it('a stale temp dir of a dead process is removed by the next run; a live one is kept', async () => {
    const d = tmp();
    const stale = join(d, `.D.tmp-${deadPid()}-1700000000000`);
    const live = join(d, `.D.tmp-${process.pid}-1700000000000`);
    mkdirSync(join(stale, 'charts'), { recursive: true });
    mkdirSync(live);
    const r = await cli([...SIM, '--out', join(d, 'D')]);
    expect(r.code).toBe(0);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(live)).toBe(true);
  });
});

/** A child that opens an AtomicDir, writes into it and waits to be signalled. */
type OtherHandler = 'none' | 'exits' | 'only-when-alone';
const HANDLERS: Record<OtherHandler, string> = {
  none: '',
  exits: "process.on('SIGTERM', () => process.exit(130));",
  // what libraries that restore the terminal do: act only when no one else listens
  'only-when-alone': "process.on('SIGTERM', function h() { if (process.listenerCount('SIGTERM') === 1) { process.off('SIGTERM', h); process.kill(process.pid, 'SIGTERM'); } });",
};

function holder(other: OtherHandler, cwd: string): ReturnType<typeof spawn> {
  const atomic = join(ROOT, 'dist/src/core/atomic.js');
  const code = `
    const { AtomicDir } = await import(${JSON.stringify(atomic)});
    ${HANDLERS[other]}
    const d = new AtomicDir(process.argv[1]);
    d.write('a.txt', 'x');
    process.stdout.write(d.tmp + '\\n');
    setInterval(() => {}, 1000);`;
  return spawn(process.execPath, ['--input-type=module', '-e', code, 'X'], { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
}

describe('temporary directories and signals', () => {
  for (const other of ['none', 'exits', 'only-when-alone'] as const) {
    it(`SIGTERM while a temp dir exists removes it (other handler: ${other})`, async () => {
      const d = tmp();
      const atomic = join(ROOT, 'dist/src/core/atomic.js');
      if (!existsSync(atomic)) return void console.warn('skipped: build first (npx tsc -p tsconfig.json)');
      const p = holder(other, d);
      onTestFinished(() => void p.kill('SIGKILL'));
      const tmpDir = await new Promise<string>((res) => p.stdout!.once('data', (b) => res(String(b).trim())));
      expect(existsSync(tmpDir)).toBe(true);
      const exit = new Promise<[number | null, string | null]>((res) => p.on('exit', (c, s) => res([c, s])));
      p.kill('SIGTERM');
      const [code, signal] = await exit;
      if (other === 'exits') expect(code).toBe(130);
      else expect(signal).toBe('SIGTERM');
      expect(existsSync(tmpDir)).toBe(false);
      expect(existsSync(join(d, 'X'))).toBe(false);
    });
  }
});

describe('write failures become user errors naming the path', () => {
  afterEach(() => vi.restoreAllMocks());

  const fail = (code: string) => () => {
    throw Object.assign(new Error(`${code}: simulated`), { code });
  };

  for (const [code, reason] of [
    ['ENOSPC', 'no space left on device'],
    ['EROFS', 'read-only file system'],
    ['EDQUOT', 'disk quota exceeded'],
  ]) {
    it(`${code} while writing a results file`, () => {
      const d = tmp();
      const dir = new AtomicDir(join(d, 'out'));
      vi.spyOn(atomicFs, 'writeFileSync').mockImplementation(fail(code));
      let err: unknown;
      try {
        dir.write('summary.json', '{}');
      } catch (e) {
        err = e;
      }
      dir.abort();
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).toBe(`cannot write '${join(d, 'out', 'summary.json')}': ${reason} [${code}]`);
      expect(readdirSync(d)).toEqual([]);
      expect(pendingTemporaries()).toEqual([]);
    });
  }

  it('ENOSPC in writeFileAtomic leaves the old file and no temp file', () => {
    const d = tmp();
    const f = join(d, 'regress.json');
    writeFileSync(f, 'old');
    vi.spyOn(atomicFs, 'writeFileSync').mockImplementation(fail('ENOSPC'));
    expect(() => writeFileAtomic(f, 'new')).toThrow(new UsageError(`cannot write '${f}': no space left on device [ENOSPC]`));
    expect(readFileSync(f, 'utf8')).toBe('old');
    expect(readdirSync(d)).toEqual(['regress.json']);
  });

  it('a real write to /dev/full is reported as ENOSPC', () => {
    if (!existsSync('/dev/full')) return void console.warn('skipped: no /dev/full');
    vi.spyOn(atomicFs, 'renameSync').mockImplementation(() => undefined);
    // the temp file is the device itself: the rename is skipped so /dev/full stays as it is
    vi.spyOn(atomicFs, 'writeFileSync').mockImplementation((_p, data) => writeFileSync('/dev/full', data as string));
    expect(() => writeFileAtomic(join(tmp(), 'x.json'), 'data')).toThrow(/no space left on device \[ENOSPC\]/);
  });

  it('an unwrapped file-system failure on a named path is a user error at the top; others stay internal', () => {
    const errno = (code: string, path?: string): Error => Object.assign(new Error(`${code}: x`), { code, ...(path ? { path } : {}) });
    expect(isUserError(errno('EACCES', '/x'))).toBe(true);
    expect(isUserError(errno('ENOSPC', '/x'))).toBe(true);
    expect(isUserError(errno('EIO'))).toBe(false);
    expect(isUserError(errno('ERR_INVALID_ARG_TYPE', '/x'))).toBe(false);
    expect(isUserError(new TypeError('bug'))).toBe(false);
  });

  it('an unknown failure stays an internal error', () => {
    const d = tmp();
    const dir = new AtomicDir(join(d, 'out'));
    vi.spyOn(atomicFs, 'writeFileSync').mockImplementation(() => {
      throw new TypeError('bug');
    });
    expect(() => dir.write('a', 'b')).toThrow(TypeError);
    dir.abort();
  });

  it('a file given as chunks is written chunk by chunk, never joined', () => {
    const d = tmp();
    const dir = new AtomicDir(join(d, 'out'));
    const append = vi.spyOn(atomicFs, 'appendFileSync');
    function* chunks(): Generator<string> {
      for (let i = 0; i < 3; i++) yield `row ${i}\n`;
    }
    dir.write('steps.csv', chunks());
    expect(append).toHaveBeenCalledTimes(3);
    dir.commit();
    expect(readFileSync(join(d, 'out', 'steps.csv'), 'utf8')).toBe('row 0\nrow 1\nrow 2\n');
  });

  it('removeStaleTemporaries removes only entries of dead processes', () => {
    const d = tmp();
    const pid = deadPid();
    for (const n of [`.a.tmp-${pid}-1`, `.a.tmp-${pid}-1.old`, `.b.tmp-${process.pid}-2`, 'a.tmp-1-1', '.a.lock']) mkdirSync(join(d, n));
    expect(removeStaleTemporaries(d).sort()).toEqual([`.a.tmp-${pid}-1`, `.a.tmp-${pid}-1.old`]);
    expect(readdirSync(d).sort()).toEqual(['.a.lock', `.b.tmp-${process.pid}-2`, 'a.tmp-1-1']);
  });
});

/** A 40-query long table whose model ids include names that live on Object.prototype. */
function protoTable(d: string): string[] {
  const rows = ['query_id,model_id,accuracy,energy_j,input_tokens,output_tokens'];
  for (let q = 0; q < 40; q++) for (const m of ['__proto__', 'constructor', 'b']) rows.push(`q${q},${m},${(q + m.length) % 2},${m.length},10,5`);
  writeFileSync(join(d, 'pairs.csv'), rows.join('\n') + '\n');
  writeFileSync(join(d, 'queries.csv'), 'query_id,task\n' + Array.from({ length: 40 }, (_, q) => `q${q},${q % 2 ? 'mmlu' : 'gsm8k'}`).join('\n') + '\n');
  return ['--data', join(d, 'pairs.csv'), '--queries', join(d, 'queries.csv'), '--features', 'task'];
}

describe('user-keyed records', () => {
  it('a model named __proto__ keeps its selection share (simulate and experiment)', async () => {
    const d = tmp();
    const data = protoTable(d);
    const r = await cli(['simulate', ...data, '--runs', '2', '--policies', 'random', '--no-progress', '--out', join(d, 'S')]);
    expect(r.code).toBe(0);
    const sel = JSON.parse(readFileSync(join(d, 'S', 'summary.json'), 'utf8')).policies[0].selection;
    expect(Object.keys(sel).sort()).toEqual(['__proto__', 'b', 'constructor']);
    // shares sum to 1 over the three models
    expect(sel.__proto__ + sel.constructor + sel.b).toBeCloseTo(1, 12);

    writeFileSync(join(d, 'x.yaml'), 'name: p\ndataset: pairs.csv\nqueries: queries.csv\nfeatures: [task]\nruns: 2\narms:\n  - policy: random\n');
    const e = await cli(['experiment', 'run', join(d, 'x.yaml'), '--out', join(d, 'E'), '--no-charts', '--no-progress', '--workers', '1']);
    expect(e.code).toBe(0);
    const cell = JSON.parse(readFileSync(join(d, 'E', 'summary.json'), 'utf8')).cells[0].selection;
    expect(Object.keys(cell).sort()).toEqual(['__proto__', 'b', 'constructor']);
  });


  it('a __proto__ key in experiment YAML is refused, not dropped', () => {
    const text = 'name: q\narms:\n  - policy: linucb\n    params: {__proto__: 1, alpha: 0.2}\n';
    expect(() => parseExperiment(text, 'q.yaml')).toThrow(new DataError("'__proto__' is not a valid key", 'q.yaml', 4, 'arms.0.params.__proto__', 'field'));
    expect(parseExperiment(text.replace('__proto__: 1, ', ''), 'q.yaml').arms[0].params).toEqual({ alpha: 0.2 });
  });
});

describe('datasets convert', () => {
  it('refuses an existing destination or side file without --force, a directory always', async () => {
    const d = tmp();
    const data = protoTable(d).slice(0, 4);
    const dst = join(d, 'out.csv');
    writeFileSync(dst, 'mine');
    expectUserError(await cli(['datasets', 'convert', data[1], dst, ...data.slice(2)]), /destination exists: .*out\.csv; pass --force/);
    expect(readFileSync(dst, 'utf8')).toBe('mine');
    const ok = await cli(['datasets', 'convert', data[1], dst, ...data.slice(2), '--force']);
    expect(ok.code).toBe(0);
    expect(readFileSync(dst, 'utf8')).toMatch(/^query_id,model_id/);

    const dst2 = join(d, 'two.csv');
    writeFileSync(join(d, 'two.models.csv'), 'mine');
    expectUserError(await cli(['datasets', 'convert', data[1], dst2, ...data.slice(2)]), /destination exists: .*two\.models\.csv/);
    expect(existsSync(dst2)).toBe(false);

    mkdirSync(join(d, 'dir.csv'));
    expectUserError(await cli(['datasets', 'convert', data[1], join(d, 'dir.csv'), ...data.slice(2), '--force']), /destination '.*dir\.csv' is a directory/);
  });
});

describe('bounds on counts', () => {
  it('simulate --runs 1e15 and experiment --runs 100000000 are refused at once', async () => {
    expectUserError(await cli(['simulate', '--runs', '1e15', '--no-progress', '--out', join(tmp(), 'o')]), /--runs: at most 10000 \(see docs\/limits\.md\), got '1e15'/);
    expectUserError(await cli(['experiment', 'run', 'x0-warmup', '--runs', '100000000', '--out', join(tmp(), 'o')]), /--runs: at most 10000/);
    const grid = Array.from({ length: 2000 }, (_, i) => (i / 2000).toFixed(4)).join(',');
    expectUserError(await cli(['evaluate', '--routerbench', join(tmp(), 'absent.csv'), '--lambdas', grid, '--out', join(tmp(), 'o')]), /--lambdas: 2000 values, at most 1001/);
  });

  it('YAML runs: 100000000, 200k λ values and too many replays name the field', async () => {
    const d = tmp();
    const arms = 'arms:\n  - policy: random\n';
    const cases: [string, RegExp][] = [
      ['runs: 100000000\n', /x\.yaml:2 \(field 'runs'\): at most 10000/],
      [`lambdas: [${Array.from({ length: 200_000 }, (_, i) => (i / 200_000).toFixed(6)).join(', ')}]\n`, /x\.yaml:2 \(field 'lambdas'\): at most 1001/],
      [`runs: 5000\nlambdas: [${Array.from({ length: 101 }, (_, i) => i / 100).join(', ')}]\n`, /x\.yaml:2 \(field 'runs'\): 101 λ values × 1 arms × 5000 runs = 505000 replays, at most 100000/],
    ];
    for (const [body, msg] of cases) {
      writeFileSync(join(d, 'x.yaml'), `name: x\n${body}${arms}`);
      const t0 = Date.now();
      const r = await cli(['experiment', 'run', join(d, 'x.yaml'), '--out', join(d, 'o'), '--no-progress']);
      expectUserError(r, msg);
      expect(Date.now() - t0).toBeLessThan(20_000);
      expect(existsSync(join(d, 'o'))).toBe(false);
    }
  });

  it("a baseline's scenario that does not fit its table names the file and the field", async () => {
    const d = tmp();
    const sim = { command: 'simulate', data: 'greenserv-pool', policies: ['random'], lambda: 0.5, runs: 1, seed: 1, semantics: 'paper', features: ['task'] };
    const drift = { ...sim, drift: [{ step: 100, model: 'mmlu', accuracy: -0.3 }] };
    writeFileSync(join(d, 'a.json'), JSON.stringify({ schemaVersion: 1, name: 'a', config: drift, metrics: {} }));
    expectUserError(await cli(['regress', '--baseline', join(d, 'a.json'), '--out', join(d, 'r.json')]), /a\.json \(field 'config\.drift\.0\.model'\): unknown model 'mmlu'; models: qwen2\.5-0\.5b/);
    // the built-in pool has no dollar cost
    writeFileSync(join(d, 'b.json'), JSON.stringify({ schemaVersion: 1, name: 'b', config: { ...sim, budget: 'usd=0.001' }, metrics: {} }));
    expectUserError(await cli(['regress', '--baseline', join(d, 'b.json'), '--out', join(d, 'r.json')]), /b\.json \(field 'config\.budget'\): /);
    expect(existsSync(join(d, 'r.json'))).toBe(false);
  });

  it('baselines with runs: 1e15 or 200k λ values name the field', async () => {
    const d = tmp();
    const sim = { command: 'simulate', data: 'greenserv-pool', policies: ['random'], lambda: 0.5, runs: 1e15, seed: 1, semantics: 'paper', features: ['task'] };
    writeFileSync(join(d, 'a.json'), JSON.stringify({ schemaVersion: 1, name: 'a', config: sim, metrics: {} }));
    expectUserError(await cli(['regress', '--baseline', join(d, 'a.json'), '--out', join(d, 'r.json')]), /a\.json \(field 'config\.runs'\): invalid baseline: config\.runs: at most 10000/);
    const ev = { command: 'evaluate', routerbench: 'x.csv', policies: ['random'], lambdas: Array.from({ length: 200_000 }, () => 0.5), runs: 1, seed: 1 };
    writeFileSync(join(d, 'b.json'), JSON.stringify({ schemaVersion: 1, name: 'b', config: ev, metrics: {} }));
    expectUserError(await cli(['regress', '--baseline', join(d, 'b.json'), '--out', join(d, 'r.json')]), /b\.json \(field 'config\.lambdas'\): invalid baseline: config\.lambdas: at most 1001/);
    expect(existsSync(join(d, 'r.json'))).toBe(false);
    writeFileSync(join(d, 'c.json'), JSON.stringify({ schemaVersion: 1, name: 'c', config: { command: 'bench', policies: ['nope'], minMs: 50 }, metrics: {} }));
    expectUserError(await cli(['regress', '--baseline', join(d, 'c.json'), '--out', join(d, 'r.json')]), /unknown policy 'nope'; policies: random/);
  });
});

describe('special files', () => {
  const fifo = (p: string): boolean => spawnSync('mkfifo', [p]).status === 0;

  it('a FIFO is never replaced, read or waited on: --out, summary.json, a baseline', async () => {
    const d = tmp();
    const f = join(d, 'pipe.json');
    if (!fifo(f)) return void console.warn('skipped: mkfifo unavailable');
    expectUserError(await cli(['experiment', 'schema', '--out', f]), /cannot write '.*pipe\.json': not a regular file/);
    expect(lstatSync(f).isFIFO()).toBe(true);
    expectUserError(await cli(['regress', '--baseline', f, '--out', join(d, 'r.json')]), /pipe\.json: cannot read baseline: not a regular file/);
    mkdirSync(join(d, 'R'));
    fifo(join(d, 'R', 'summary.json'));
    expectUserError(await cli(['report', join(d, 'R')]), /summary\.json: not a regular file/);
  });

  it('writing to a symlink writes the file it points to and keeps the link', () => {
    const d = tmp();
    writeFileSync(join(d, 'real.json'), 'old');
    symlinkSync(join(d, 'real.json'), join(d, 'link.json'));
    writeFileAtomic(join(d, 'link.json'), 'new');
    expect(lstatSync(join(d, 'link.json')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(d, 'real.json'), 'utf8')).toBe('new');
  });
});

describe('experiment and report', () => {
  it('experiment --out that is a file is exit 2 before any replay', async () => {
    const d = tmp();
    writeFileSync(join(d, 'F'), 'x');
    expectUserError(await cli(['experiment', 'run', 'x0-warmup', '--out', join(d, 'F'), '--no-progress']), /'.*F' exists and is not a directory/);
    expect(existsSync(join(d, 'F.partial'))).toBe(false);
  });

  it('report on a malformed or reshaped summary.json is exit 2 naming the file', async () => {
    const d = tmp();
    mkdirSync(join(d, 'R'));
    writeFileSync(join(d, 'R', 'summary.json'), '{"kind": "experiment",');
    expectUserError(await cli(['report', join(d, 'R')]), /R\/summary\.json: invalid JSON/);
    writeFileSync(join(d, 'R', 'summary.json'), JSON.stringify({ kind: 'experiment', name: 'x', dataset: { name: 'd', queries: 1e12, models: 2 }, runs: 1, lambdas: [0.5], models: [{ id: 'a' }], cells: [] }));
    expectUserError(await cli(['report', join(d, 'R')]), /R\/summary\.json \(field 'dataset\.queries'\): not an experiment summary: dataset\.queries/);
  });
});

describe('hf:// sources in configuration files', () => {
  it('an hf:// dataset in experiment YAML and in a baseline is read from the cache, not mangled into a path', async () => {
    const d = tmp();
    const cache = join(d, 'cache');
    const hub = join(cache, 'hf', 'datasets', 'owner', 'pool', 'main');
    mkdirSync(hub, { recursive: true });
    protoTable(hub);
    // side files (--queries) are local paths, relative to the config file
    cpSync(join(hub, 'queries.csv'), join(d, 'queries.csv'));
    const env = { ...process.env, GREENSERV_CACHE: cache, HF_ENDPOINT: 'http://127.0.0.1:9' };
    const run = (args: string[]): Promise<Ran> =>
      new Promise((res) => {
        const p = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        p.stdout.on('data', (x) => (stdout += x));
        p.stderr.on('data', (x) => (stderr += x));
        p.on('exit', (code, signal) => res({ code, signal, stdout, stderr }));
      });
    writeFileSync(join(d, 'x.yaml'), 'name: h\ndataset: hf://owner/pool/pairs.csv\nqueries: queries.csv\nfeatures: [task]\nruns: 1\narms:\n  - policy: random\n');
    const e = await run(['experiment', 'run', join(d, 'x.yaml'), '--out', join(d, 'E'), '--no-charts', '--no-progress', '--workers', '1']);
    expect(e.stderr).toBe('');
    expect(e.code).toBe(0);
    expect(JSON.parse(readFileSync(join(d, 'E', 'summary.json'), 'utf8')).dataset.queries).toBe(40);

    const sim = { command: 'simulate', data: 'hf://owner/pool/pairs.csv', queries: 'queries.csv', policies: ['random'], lambda: 0.5, runs: 1, seed: 1, semantics: 'paper', features: ['task'] };
    writeFileSync(join(d, 'b.json'), JSON.stringify({ schemaVersion: 1, name: 'hf', config: sim, metrics: {} }));
    const r = await run(['regress', '--baseline', join(d, 'b.json'), '--update', '--out', join(d, 'r.json')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(join(d, 'b.json'), 'utf8')).metrics['random.accuracy']).toBeGreaterThan(0);
  });
});
