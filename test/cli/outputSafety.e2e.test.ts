/**
 * What a run may never overwrite or replace, and what a signal leaves behind, against the CLI: `--log`
 * refuses an input file and an existing file without --force and is checked before the run; `--out --force`
 * never replaces the current directory, a parent of it, the home directory, a directory holding an input, or
 * a directory greenserv did not write; Ctrl-C or SIGTERM during simulate commits nothing. CLI tests need a
 * build (`npx tsc -p tsconfig.json`).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const BIN = resolve(__dirname, '../../bin/greenserv');

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function cli(args: string[], o: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Ran> {
  const t0 = Date.now();
  return new Promise((res) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd: o.cwd, env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('exit', (code, signal) => res({ code, signal, stdout, stderr, ms: Date.now() - t0 }));
  });
}

/** Exit 2 with one `greenserv: error:` line matching `pattern`, and no stack trace. */
function expectRefused(r: Ran, pattern: RegExp): void {
  expect(r.stderr).toMatch(/^greenserv: error: /m);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.code).toBe(2);
}

/** Entries of a directory that are temporaries of greenserv (`.x.tmp-<pid>-<time>`) or commit locks. */
function leftovers(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.includes('.tmp-') || n.endsWith('.lock'));
}

const SIM = ['simulate', '--policies', 'random', '--runs', '1', '--steps', 'none', '--no-progress'];

const root = mkdtempSync(join(tmpdir(), 'gs-out-safety-'));
/** The built-in table as a long CSV file (an input that is a plain file). */
const TABLE = join(root, 'table.csv');

beforeAll(async () => {
  const r = await cli(['datasets', 'convert', 'greenserv-pool', TABLE]);
  expect(r.code, r.stderr).toBe(0);
});

function fresh(name: string): string {
  const d = join(root, name);
  mkdirSync(d);
  return d;
}

describe('simulate --log', () => {
  it('never overwrites an input file, even with --force, under any spelling of its path', async () => {
    const d = fresh('log-input');
    const p = join(d, 'p.csv');
    writeFileSync(p, readFileSync(TABLE));
    const before = readFileSync(p);
    const r = await cli([...SIM, '--data', 'p.csv', '--log', 'p.csv', '--out', 'o', '--force'], { cwd: d });
    expectRefused(r, /--log p\.csv: it is the input file p\.csv; refusing to overwrite it, even with --force/);
    const r2 = await cli([...SIM, '--data', './p.csv', '--log', p, '--out', 'o'], { cwd: d });
    expectRefused(r2, /it is the input file \.\/p\.csv/);
    expect(readFileSync(p).equals(before)).toBe(true);
    expect(readdirSync(d)).toEqual(['p.csv']);
  });

  it('refuses an existing file without --force and replaces it with --force', async () => {
    const d = fresh('log-exists');
    const log = join(d, 'log.csv');
    writeFileSync(log, 'mine');
    const r = await cli([...SIM, '--log', log, '--out', join(d, 'o')]);
    expectRefused(r, /--log .*log\.csv: the file exists; pass --force to replace it/);
    expect(readFileSync(log, 'utf8')).toBe('mine');
    expect(existsSync(join(d, 'o'))).toBe(false);
    const ok = await cli([...SIM, '--log', log, '--out', join(d, 'o'), '--force']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(readFileSync(log, 'utf8')).toMatch(/^run,query_id,task,model_id,propensity/);
    expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(2501);
    expect(leftovers(d)).toEqual([]);
  });

  it('a path below a file or inside --out fails before the run: no results, no temporaries', async () => {
    const d = fresh('log-bad');
    writeFileSync(join(d, 'afile'), 'x');
    const out = join(d, 'o');
    // 2,000 runs would take minutes: each refusal comes before the simulation
    const slow = ['simulate', '--runs', '2000', '--steps', 'none', '--no-progress', '--policies', 'random', '--out', out];
    const below = await cli([...slow, '--log', join(d, 'afile', 'x.csv')]);
    expectRefused(below, /--log: cannot write '.*afile\/x\.csv': '.*afile' is a file, not a directory/);
    const inside = await cli([...slow, '--log', join(out, 'log.csv')]);
    expectRefused(inside, /--log .*o\/log\.csv: it is inside the --out directory .*o, which the results replace as a whole/);
    for (const r of [below, inside]) expect(r.ms).toBeLessThan(15_000);
    expect(readdirSync(d)).toEqual(['afile']);
  });

  it('a log in a directory that does not exist yet gets it made, as --out does', async () => {
    const d = fresh('log-newdir');
    const log = join(d, 'logs', 'day1', 'x.csv');
    const r = await cli(['simulate', '--runs', '1', '--steps', 'none', '--no-progress', '--policies', 'random', '--out', join(d, 'o'), '--log', log]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(2501);
    expect(leftovers(join(d, 'logs', 'day1'))).toEqual([]);
  });

  it('a directory that takes no new files (/proc) fails before the run', async () => {
    if (!existsSync('/proc/self')) return void console.warn('skipped: no /proc on this system');
    const d = fresh('log-proc');
    const r = await cli(['simulate', '--runs', '2000', '--steps', 'none', '--no-progress', '--policies', 'random', '--out', join(d, 'o'), '--log', '/proc/greenserv-x.csv']);
    expectRefused(r, /--log: cannot write '\/proc\/greenserv-x\.csv'/);
    expect(r.ms).toBeLessThan(15_000);
    expect(readdirSync(d)).toEqual([]);
  });
});

describe('a line feed in a path', () => {
  it('is shown as \\u000a where the results are named and in an error, each on one line', async () => {
    const d = fresh('newline');
    const ok = await cli([...SIM, '--out', 'o\nx'], { cwd: d });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('\nresults: o\\u000ax\n');
    expect(existsSync(join(d, 'o\nx', 'summary.json'))).toBe(true);
    const bad = await cli([...SIM, '--data', 'a\nb.csv'], { cwd: d });
    expectRefused(bad, /^greenserv: error: a\\u000ab\.csv: file not found\n$/);
  });
});

describe('--out with --force replaces only earlier results', () => {
  it('refuses the current directory and its parent, even with --force, and deletes nothing', async () => {
    const d = fresh('cwd');
    const sub = join(d, 'sub');
    mkdirSync(sub);
    writeFileSync(join(sub, 'mine.txt'), 'keep');
    const r = await cli([...SIM, '--out', '.', '--force'], { cwd: sub });
    expectRefused(r, /--out \.: refusing to replace the current directory, even with --force/);
    const up = await cli([...SIM, '--out', '..', '--force'], { cwd: sub });
    expectRefused(up, /--out \.\.: refusing to replace a parent of the current directory/);
    expect(readdirSync(sub)).toEqual(['mine.txt']);
    expect(readdirSync(d)).toEqual(['sub']);
  });

  it('refuses the home directory and the file-system root', async () => {
    const home = fresh('home');
    writeFileSync(join(home, '.profile'), 'keep');
    const r = await cli([...SIM, '--out', home, '--force'], { env: { HOME: home } });
    expectRefused(r, /refusing to replace the home directory, even with --force/);
    expect(readdirSync(home)).toEqual(['.profile']);
    expectRefused(await cli([...SIM, '--out', '/', '--force']), /--out \/: refusing to replace the file-system root/);
  });

  it('simulate and evaluate refuse a directory holding their input, even with --force', async () => {
    const d = fresh('inputs');
    mkdirSync(join(d, 'd'));
    writeFileSync(join(d, 'd', 'x.csv'), readFileSync(TABLE));
    const r = await cli([...SIM, '--data', 'd/x.csv', '--out', 'd', '--force'], { cwd: d });
    expectRefused(r, /--out d: it holds the input file d\/x\.csv; refusing to replace it, even with --force/);
    expect(readdirSync(join(d, 'd'))).toEqual(['x.csv']);

    const rb = join(d, 'rb');
    mkdirSync(rb);
    const models = ['gpt-4-1106-preview', 'mistralai/mistral-7b-chat'];
    const head = ['', 'sample_id', 'prompt', 'eval_name', ...models, ...models.map((m) => `${m}|model_response`), ...models.map((m) => `${m}|total_cost`), 'oracle_model_to_route_to'];
    const rows = [0, 1, 2, 3].map((i) => [i, `mmlu-x.${i}`, `"['Q${i}']"`, i % 2 ? 'mmlu-anatomy' : 'hellaswag', i % 2, 1, 'a', 'b', 0.003, 0.0001, models[1]].join(','));
    writeFileSync(join(rb, 'rb.csv'), [head.join(','), ...rows].join('\n') + '\n');
    const ev = await cli(['evaluate', '--routerbench', 'rb', '--policies', 'random', '--runs', '1', '--no-charts', '--no-progress', '--out', 'rb', '--force'], { cwd: d });
    expectRefused(ev, /--out rb: it is the input directory rb; refusing to replace it, even with --force/);
    expect(readdirSync(rb)).toEqual(['rb.csv']);
    // the same evaluation into a directory of its own works, and may then be replaced
    const ok = await cli(['evaluate', '--routerbench', 'rb', '--policies', 'random', '--runs', '1', '--no-charts', '--no-progress', '--out', 'ev'], { cwd: d });
    expect(ok.code, ok.stderr).toBe(0);
    const again = await cli(['evaluate', '--routerbench', 'rb', '--policies', 'random', '--runs', '1', '--no-charts', '--no-progress', '--out', 'ev', '--force'], { cwd: d });
    expect(again.code, again.stderr).toBe(0);
    expect(leftovers(d)).toEqual([]);
  });

  it('refuses a non-empty directory greenserv did not write, with or without --force', async () => {
    const d = fresh('foreign');
    const out = join(d, 'notes');
    mkdirSync(out);
    writeFileSync(join(out, 'todo.txt'), 'keep');
    // a manifest.json of someone else's is not one of greenserv's
    writeFileSync(join(out, 'manifest.json'), '{"name": "my project"}');
    const forced = await cli([...SIM, '--out', out, '--force']);
    expectRefused(forced, /--out .*notes: it is not empty and holds no results of greenserv .*refusing to replace it, even with --force/);
    const plain = await cli([...SIM, '--out', out]);
    expectRefused(plain, /holds no results of greenserv/);
    expect(readdirSync(out).sort()).toEqual(['manifest.json', 'todo.txt']);
  });

  it("replaces with --force what simulate, ope and profile-models wrote, each recognised by its own file", async () => {
    const d = fresh('ours');
    const sim = join(d, 'sim');
    const log = join(d, 'log.csv');
    expect((await cli([...SIM, '--out', sim, '--log', log])).code).toBe(0);
    const ope = join(d, 'ope');
    expect((await cli(['ope', '--logs', log, '--policies', 'random', '--bootstrap', '10', '--out', ope])).code).toBe(0);
    const prof = join(d, 'prof');
    expect((await cli(['profile-models', '--out', prof])).code).toBe(0);
    // ope and profile-models write no manifest.json: summary.json (kind ope) and profile.json tell them
    expect(existsSync(join(ope, 'manifest.json')) || existsSync(join(prof, 'manifest.json'))).toBe(false);
    for (const dir of [sim, ope, prof]) {
      const r = await cli([...SIM, '--seed', '7', '--out', dir, '--force']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).seed).toBe(7);
    }
    // ope never replaces the directory holding its log
    const logDir = join(d, 'logs');
    mkdirSync(logDir);
    writeFileSync(join(logDir, 'log.csv'), readFileSync(log));
    expectRefused(await cli(['ope', '--logs', join(logDir, 'log.csv'), '--policies', 'random', '--out', logDir, '--force']), /it holds the input file .*logs\/log\.csv/);
    expect(leftovers(d)).toEqual([]);
  });
});

/** A policy plugin that signals its own process on its first decision: the signal arrives mid-replay, deterministically. */
const SELF_SIGNAL = `
let sent = false;
class SelfSignal {
  name = 'self-signal';
  select(_q, arms) {
    if (!sent) {
      sent = true;
      process.kill(process.pid, process.env.GS_SELF_SIGNAL);
    }
    return arms[0];
  }
  propensity(_q, arms, _n, m) {
    return m === arms[0] ? 1 : 0;
  }
  update() {}
  addArm() {}
  removeArm() {}
}
export default { name: 'self-signal', description: 'signals its own process on its first decision', contextual: false, rewardIndependent: false, hindsight: false, params: [], create: () => new SelfSignal() };
`;

describe('a signal during a one-run simulate', () => {
  for (const [sig, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${sig} during the only policy-run: exit ${code}, neither results nor log, no temporaries`, async () => {
      const d = fresh(`signal-${sig}`);
      writeFileSync(join(d, 'self-signal.mjs'), SELF_SIGNAL);
      // one run of a fast policy: the replay ends well within one slice of the engine, which never yields
      const r = await cli(['simulate', '--policy-module', 'self-signal.mjs', '--policies', 'self-signal', '--runs', '1', '--no-progress', '--out', 'o', '--log', 'log.csv'], { cwd: d, env: { GS_SELF_SIGNAL: sig } });
      expect(r.code, r.stderr).toBe(code);
      expect(r.stderr).toContain(`greenserv: interrupted (${sig}); stopped, no results written`);
      expect(r.stdout).not.toContain('results:');
      expect(readdirSync(d)).toEqual(['self-signal.mjs']);
    });
  }
});

describe('a signal during an evaluate sweep', () => {
  for (const [sig, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${sig}: exit ${code}, the message simulate gives, no results, no temporaries`, async () => {
      const d = fresh(`evaluate-signal-${sig}`);
      writeFileSync(join(d, 'self-signal.mjs'), SELF_SIGNAL);
      writeFileSync(join(d, 'rb.csv'), 'sample_id,prompt,eval_name,big,small,big|total_cost,small|total_cost\nq1,"[\'a\']",arc,1,0,0.002,0.0005\nq2,"[\'b\']",arc,1,1,0.003,0.0004\n');
      // one job: the sweep runs in this thread without yielding, so the signal is handled after it, before writing
      const r = await cli(['evaluate', '--routerbench', 'rb.csv', '--policy-module', 'self-signal.mjs', '--policies', 'self-signal', '--runs', '1', '--lambdas', '0,1', '--jobs', '1', '--no-progress', '--out', 'o'], { cwd: d, env: { GS_SELF_SIGNAL: sig } });
      expect(r.code, r.stderr).toBe(code);
      expect(r.stderr).toContain(`greenserv: interrupted (${sig}); stopped, no results written`);
      expect(r.stdout).not.toContain('results:');
      expect(readdirSync(d).sort()).toEqual(['rb.csv', 'self-signal.mjs']);
    });
  }
});
