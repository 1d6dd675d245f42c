/** What a user sees when something is wrong, and small-table wording (built binary; build first). */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { didYouMean } from '../../src/core/errors.js';
import { fmtSmall, plural } from '../../src/report/terminalTable.js';

const run = promisify(execFile);
const BIN = resolve(__dirname, '../../bin/greenserv');

async function cli(args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('error messages (built binary)', () => {
  it('a missing file is "<file>: file not found" whichever command reads it, and nothing is written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-err-'));
    const cases: string[][] = [
      ['experiment', 'run', 'missing.yaml', '--out', 'o1'],
      ['experiment', 'run', 'sub/missing.yml', '--out', 'o2'],
      ['simulate', '--data', 'missing.csv', '--out', 'o3'],
      ['simulate', '--task-model', 'missing.json', '--out', 'o4'],
      ['simulate', '--bounds', 'missing.yaml', '--out', 'o5'],
      ['features', 'missing.txt'],
    ];
    for (const args of cases) {
      const file = args.find((a) => a.startsWith('missing') || a.startsWith('sub/'))!;
      const r = await cli(args, dir);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toBe(`greenserv: error: ${file}: file not found\n`);
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('unknown experiment, policy and model names get a "did you mean"', async () => {
    const x = await cli(['experiment', 'run', 'x3']);
    expect(x.code).toBe(2);
    expect(x.stderr).toMatch(/^greenserv: error: no experiment 'x3' \(did you mean 'x3-lambda-sweep'\?\); shipped experiments: x0-warmup, /);
    const p = await cli(['simulate', '--policies', 'random,linucbb', '--out', join(mkdtempSync(join(tmpdir(), 'gs-err-')), 'o')]);
    expect(p.code).toBe(2);
    expect(p.stderr).toMatch(/^greenserv: error: unknown policy 'linucbb' \(did you mean 'linucb'\?\); valid policies: random, /);
    const m = await cli(['simulate', '--policies', 'static:yi-34', '--out', join(mkdtempSync(join(tmpdir(), 'gs-err-')), 'o')]);
    expect(m.stderr).toMatch(/unknown model 'yi-34' in 'static:yi-34' \(did you mean 'yi-34b'\?\)/);
    // nothing close: no guess
    const far = await cli(['experiment', 'run', 'zzzzzz']);
    expect(far.stderr).not.toMatch(/did you mean/);
  });

  it('one prefix for every error, including the option parser’s', async () => {
    const cases = [['simulat'], ['simulate', '--bogus'], ['simulate', '--semantics', 'foo'], ['simulate', '--runs', '0'], ['experiment', 'run']];
    for (const args of cases) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.split('\n')[0]).toMatch(/^greenserv: error: /);
      expect(r.stderr).not.toMatch(/^error:/m);
    }
    expect((await cli(['simulat'])).stderr).toContain('(Did you mean simulate?)');
  });

  it('the did-you-mean guess: close edits, swaps and prefixes only', () => {
    expect(didYouMean('linucbb', ['linucb', 'thompson'])).toBe(" (did you mean 'linucb'?)");
    expect(didYouMean('thomspon', ['linucb', 'thompson'])).toBe(" (did you mean 'thompson'?)");
    expect(didYouMean('x2', ['x2-feature-ablation', 'x3-lambda-sweep'])).toBe(" (did you mean 'x2-feature-ablation'?)");
    expect(didYouMean('foo', ['linucb', 'thompson'])).toBe('');
  });

  it('small numbers keep three significant digits; plurals agree', () => {
    expect(fmtSmall(9 / 3600, 1)).toBe('0.00250');
    expect(fmtSmall(0.5, 1)).toBe('0.500');
    expect(fmtSmall(238.14, 1)).toBe('238.1');
    expect(fmtSmall(0, 1)).toBe('0.0');
    expect(plural(1, 'run')).toBe('1 run');
    expect(plural(2, 'run')).toBe('2 runs');
  });
});

describe('simulate --bounds and --offline on a small table (built binary)', () => {
  // one task, two models; ept = energy_j / (input + output tokens)
  const rows = ['query_id,model_id,task,accuracy,energy_j,input_tokens,output_tokens', 'q1,a,qa,1,3,1,1', 'q1,b,qa,0,1,1,1', 'q2,a,qa,1,6,1,1', 'q2,b,qa,0,2,1,1'];

  it('--bounds sets the energy normalisation; the table shows small energies and one run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-bounds-'));
    writeFileSync(join(dir, 'pairs.csv'), rows.join('\n') + '\n');
    writeFileSync(join(dir, 'bounds.csv'), 'task,ept_min,ept_max\nqa,0,4\n');
    const base = ['simulate', '--data', join(dir, 'pairs.csv'), '--policies', 'static:a', '--runs', '1', '--lambda', '1', '--steps', 'none', '--offline'];
    const given = await cli([...base, '--bounds', join(dir, 'bounds.csv'), '--out', join(dir, 'given')]);
    const computed = await cli([...base, '--out', join(dir, 'computed')]);
    expect(given.code, given.stderr).toBe(0);
    expect(computed.code, computed.stderr).toBe(0);
    const total = (d: string): number => Number(readFileSync(join(dir, d, 'runs.csv'), 'utf8').trim().split('\n')[1].split(',')[4]);
    // λ = 1: r = 1 − e; with bounds [0, 4]: e = 1.5/4 and 3/4; computed from the data [0.5, 3]: e = 0.4 and 1
    expect(total('given')).toBeCloseTo(1 - 1.5 / 4 + (1 - 3 / 4), 12);
    // the table's values are 6-digit decimals, so its rewards are float32 (datasets/README.md, storage)
    expect(total('computed')).toBeCloseTo(Math.fround(1 - 1 / 2.5) + 0, 12);
    expect(JSON.parse(readFileSync(join(dir, 'given', 'manifest.json'), 'utf8')).config.bounds).toBe(join(dir, 'bounds.csv'));
    expect(given.stdout).toContain(' · 1 run · ');
    const line = given.stdout.split('\n').find((l) => l.startsWith('static:a'))!;
    expect(line).toContain(` ${(9 / 3600).toPrecision(3)} `);
    expect(existsSync(join(dir, 'computed', 'summary.json'))).toBe(true);
  });
});

describe('experiment: Ctrl-C after the replays (built binary)', () => {
  it('says the replays are kept in <out>.partial, exits 130, and --resume finishes; progress names the charts it draws', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-int-'));
    const out = join(dir, 'x0');
    const p = spawn(process.execPath, [BIN, 'experiment', 'run', 'x0-warmup', '--runs', '1', '--workers', '1', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (/drawing \d+ charts/.test(stderr)) p.kill('SIGINT');
    });
    const code = await new Promise<number | null>((done) => p.on('exit', (c) => done(c)));
    expect(code).toBe(130);
    expect(stderr).toContain(`greenserv: interrupted (SIGINT) while writing results; every replay is kept in ${out}.partial; finish with: greenserv experiment run --resume ${out}.partial\n`);
    expect(existsSync(out)).toBe(false);
    const charts = Number(/drawing (\d+) charts and report\.html…/.exec(stderr)![1]);
    const r = await cli(['experiment', 'run', '--resume', `${out}.partial`, '--no-progress']);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(join(out, 'charts')).filter((f) => f.endsWith('.svg'))).toHaveLength(charts);
    expect(existsSync(`${out}.partial`)).toBe(false);
  }, 60_000);
});

describe('a pipe closed early (greenserv … | head)', () => {
  it('drops the rest of the output quietly: exit 0, no stack trace, results still written', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gs-pipe-')), 'r');
    const p = spawn(process.execPath, [BIN, 'simulate', '--runs', '2', '--policies', 'linucb,random', '--out', out, '--no-progress'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    // our end closes before the table comes, as `| head -0` would
    p.stdout.destroy();
    const code = await new Promise<number | null>((res) => p.on('close', res));
    expect(stderr).not.toMatch(/Unhandled 'error' event|EPIPE/);
    expect(code).toBe(0);
    expect(existsSync(join(out, 'summary.json'))).toBe(true);
  }, 60_000);
});
