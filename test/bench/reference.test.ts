import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BenchUsageError, ReferenceRunner, checkReferenceDir, checkoutCommit, parseReferenceArgs, referenceEnv } from '../../bench/reference.js';
import { oneHotWorkload } from '../../src/sim/workloads.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'gs-ref-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
if (!hasNumpy) console.warn('skipping the reference-harness run: python3 with numpy is not available');

/**
 * A stand-in checkout with the reference's module layout and class names. Each class logs what it is given
 * to $FAKE_LOG and refuses to start unless BLAS is single-threaded and the OpenBLAS overrides are unset.
 */
function fakeCheckout(dir: string): void {
  mkdirSync(join(dir, 'src', 'bandit'), { recursive: true });
  const common = `
import json, os
class _Fake:
    def __init__(self, model_ids, seed=None, **kw):
        assert os.environ.get("OMP_NUM_THREADS") == "1" and os.environ.get("OPENBLAS_NUM_THREADS") == "1", "threads"
        assert "OPENBLAS_CORETYPE" not in os.environ and "OPENBLAS_L2_SIZE" not in os.environ, "openblas overrides"
        self.model_ids = list(model_ids)
        self.kw = kw
        self.n = 0
        self.log = open(os.environ["FAKE_LOG"], "a")
    def select_model(self, context=None):
        m = self.model_ids[self.n % len(self.model_ids)]
        self.n += 1
        return m
    def update(self, model_id, reward, context=None):
        if self.n <= 3:
            self.log.write(json.dumps({"cls": type(self).__name__, "kw": self.kw, "ctx": [float(v) for v in context], "m": model_id, "r": reward}) + "\\n")
            self.log.flush()
`;
  writeFileSync(join(dir, 'src', 'bandit', 'base.py'), common);
  const mod = (classes: string[]): string => `from src.bandit.base import _Fake\n${classes.map((c) => `class ${c}(_Fake):\n    pass\n`).join('')}`;
  writeFileSync(join(dir, 'src', 'bandit', 'linucb.py'), mod(['LinUCB']));
  writeFileSync(join(dir, 'src', 'bandit', 'thompson_sampling.py'), mod(['ThompsonSampling']));
  writeFileSync(join(dir, 'src', 'bandit', 'epsilon_greedy.py'), mod(['EpsilonGreedy', 'LinearEpsilonGreedy']));
}

describe('bench --reference: options and environment', () => {
  it('parses --reference and --python, and refuses --python alone or an empty value', () => {
    expect(parseReferenceArgs(['--only', 'policies'])).toBeNull();
    expect(parseReferenceArgs(['--reference', '/x/y'])).toEqual({ dir: '/x/y', python: 'python3' });
    expect(parseReferenceArgs(['--reference=/x/y', '--python', '/usr/bin/python3'])).toEqual({ dir: '/x/y', python: '/usr/bin/python3' });
    expect(() => parseReferenceArgs(['--python', 'python3'])).toThrow(/--python: only used with --reference/);
    expect(() => parseReferenceArgs(['--reference'])).toThrow(/--reference: expected a value/);
    expect(() => parseReferenceArgs(['--reference', '--quick'])).toThrow(BenchUsageError);
  });

  it('names the first missing class file of the checkout', () => {
    const dir = join(tmp, 'partial');
    mkdirSync(join(dir, 'src', 'bandit'), { recursive: true });
    writeFileSync(join(dir, 'src', 'bandit', 'linucb.py'), '');
    expect(() => checkReferenceDir(dir)).toThrow(`--reference ${dir}: missing src/bandit/thompson_sampling.py`);
    expect(() => checkReferenceDir(join(tmp, 'nope'))).toThrow(/not a directory/);
  });

  it('records the commit of a git checkout, and null for a plain directory', () => {
    const plain = join(tmp, 'plain');
    mkdirSync(plain, { recursive: true });
    expect(checkoutCommit(plain)).toBeNull();
    const repo = join(tmp, 'repo');
    mkdirSync(repo, { recursive: true });
    const git = (...a: string[]) => spawnSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', ...a], { encoding: 'utf8' });
    if (git('init', '-q').status !== 0) return; // no git here: nothing to compare with
    writeFileSync(join(repo, 'f'), 'x');
    git('add', 'f');
    git('commit', '-qm', 'c');
    expect(checkoutCommit(repo)).toBe(git('rev-parse', 'HEAD').stdout.trim());
  });

  it('single-threaded BLAS without the OpenBLAS overrides, the checkout on the import path', () => {
    const env = referenceEnv('/co', { PATH: '/bin', OPENBLAS_CORETYPE: 'Haswell', OPENBLAS_L2_SIZE: '1', OMP_NUM_THREADS: '8' });
    expect(env).toEqual({ PATH: '/bin', OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1', PYTHONPATH: '/co', PYTHONDONTWRITEBYTECODE: '1' });
    // a user's own import path (where numpy may live) is kept, after the checkout
    expect(referenceEnv('/co', { PYTHONPATH: '/site' }).PYTHONPATH).toBe('/co:/site');
  });
});

describe.skipIf(!hasNumpy)('bench --reference: the driver against a stand-in checkout', () => {
  it("hands each class greenserv's contexts and rewards, with greenserv's default parameters, and times it", async () => {
    const dir = join(tmp, 'checkout');
    fakeCheckout(dir);
    const log = join(tmp, 'calls.jsonl');
    process.env.FAKE_LOG = log;
    // the parent's overrides must not reach the reference process
    process.env.OPENBLAS_CORETYPE = 'Haswell';
    const w = oneHotWorkload(3);
    const r = new ReferenceRunner({ dir, python: 'python3' });
    try {
      await r.load(w);
      for (const p of ['linucb', 'thompson', 'epsilon-greedy', 'linear-epsilon-greedy']) {
        await r.make(p);
        expect(await r.run(20)).toBeGreaterThan(0);
      }
    } finally {
      r.close();
      delete process.env.OPENBLAS_CORETYPE;
      delete process.env.FAKE_LOG;
    }
    const calls = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { cls: string; kw: Record<string, number>; ctx: number[]; m: number; r: number });
    expect(calls.map((c) => c.cls)).toEqual(['LinUCB', 'LinUCB', 'LinUCB', 'ThompsonSampling', 'ThompsonSampling', 'ThompsonSampling', 'EpsilonGreedy', 'EpsilonGreedy', 'EpsilonGreedy', 'LinearEpsilonGreedy', 'LinearEpsilonGreedy', 'LinearEpsilonGreedy']);
    expect(calls[0].kw).toEqual({ context_dimension: 12, alpha: 0.1, regularization: 0.05 });
    expect(calls[3].kw).toEqual({ context_dimension: 12, sigma: 0.25, prior_variance: 2 });
    // query q = call index within an instance; the fake picks models 0, 1, 2 in turn
    const { ptr, idx, val, d } = w.contexts;
    calls.slice(0, 3).forEach((c, q) => {
      const x = new Array(d).fill(0);
      for (let k = ptr[q]; k < ptr[q + 1]; k++) x[idx[k]] += val[k];
      expect(c.ctx).toEqual(x);
      expect(c.m).toBe(q);
      expect(c.r).toBe(w.rewards[q * w.nModels + q]);
    });
  });

  it('a class that does not load stops the bench with the file it came from', async () => {
    const dir = join(tmp, 'broken');
    fakeCheckout(dir);
    writeFileSync(join(dir, 'src', 'bandit', 'thompson_sampling.py'), 'class Other:\n    pass\n');
    const r = new ReferenceRunner({ dir, python: 'python3' });
    try {
      await r.load(oneHotWorkload(3));
      await expect(r.make('thompson')).rejects.toThrow(/cannot load ThompsonSampling from src\/bandit\/thompson_sampling\.py/);
    } finally {
      r.close();
    }
  });
});

describe('npm run bench -- --reference: user errors exit 2 before any timing', () => {
  const bench = join(ROOT, 'dist', 'bench', 'index.js');
  it('a directory without the classes, and a python that cannot be run', () => {
    const missing = spawnSync(process.execPath, [bench, '--only', 'policies', '--reference', join(tmp, 'nope')], { encoding: 'utf8', timeout: 60_000 });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain(`bench: error: --reference ${join(tmp, 'nope')}: not a directory`);
    expect(missing.stdout).toBe('');
    const dir = join(tmp, 'py');
    fakeCheckout(dir);
    const nopy = spawnSync(process.execPath, [bench, '--only', 'policies', '--reference', dir, '--python', join(tmp, 'no-python')], { encoding: 'utf8', timeout: 60_000 });
    expect(nopy.status).toBe(2);
    expect(nopy.stderr).toContain(`--python ${join(tmp, 'no-python')}: cannot run it with numpy`);
  });

  it('--reference without the policies section, and --python alone, are refused at once', () => {
    const off = spawnSync(process.execPath, [bench, '--only', 'simulate', '--reference', tmp], { encoding: 'utf8', timeout: 60_000 });
    expect(off.status).toBe(2);
    expect(off.stderr).toBe('bench: error: --reference: times the policies section, which --only leaves out\n');
    const alone = spawnSync(process.execPath, [bench, '--python', 'python3'], { encoding: 'utf8', timeout: 60_000 });
    expect(alone.status).toBe(2);
    expect(alone.stderr).toBe('bench: error: --python: only used with --reference <dir>\n');
    expect(alone.stdout).toBe('');
  });
});
