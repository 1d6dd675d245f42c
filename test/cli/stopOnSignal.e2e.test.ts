/**
 * A signal while profile-models (table mode) or energy sensitivity computes results: a message, exit 130/143 and
 * no results directory. The child signals itself as soon as the command listens for that signal (a preload
 * patches process.on), so the signal always lands while the command is running, not before or after.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { writeRouterbenchCsv } from '../helpers/energyTable.js';

const PRELOAD = `
const sig = process.env.GS_SELF_SIGNAL;
const on = process.on.bind(process);
let fired = false;
process.on = (ev, fn) => {
  const r = on(ev, fn);
  if (ev === sig && !fired) { fired = true; setTimeout(() => process.kill(process.pid, sig), 0); }
  return r;
};
`;

// signals itself once the first temporary output file exists, i.e. in the middle of writing a table
const PRELOAD_WRITE = `
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
const create = fs.createWriteStream;
let fired = false;
fs.createWriteStream = (p, ...rest) => {
  const s = create(p, ...rest);
  if (!fired && String(p).includes('.greenserv-tmp-')) { fired = true; s.once('open', () => process.kill(process.pid, process.env.GS_SELF_SIGNAL)); }
  return s;
};
syncBuiltinESMExports();
`;

// signals itself at the first chunk of steps.csv, each chunk made 20 ms slower (a large trace on a slow disk);
// the exit hook records how long the process went on after the signal
const PRELOAD_STEPS = `
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
const append = fs.appendFileSync;
let sentAt = 0;
fs.appendFileSync = (p, ...rest) => {
  if (String(p).endsWith('steps.csv')) {
    if (!sentAt) { sentAt = Date.now(); process.kill(process.pid, process.env.GS_SELF_SIGNAL); }
    const t = Date.now();
    while (Date.now() - t < 20);
  }
  return append(p, ...rest);
};
process.on('exit', () => { if (sentAt) fs.writeFileSync(process.env.GS_STOP_FILE, String(Date.now() - sentAt)); });
syncBuiltinESMExports();
`;

// signals itself when the first chart is written, each chart file made 150 ms slower (a slow disk, a big chart)
const PRELOAD_CHARTS = `
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
const write = fs.writeFileSync;
let sentAt = 0;
fs.writeFileSync = (p, ...rest) => {
  if (/charts[\\\\/][^\\\\/]+\\.(svg|png)$/.test(String(p))) {
    if (!sentAt) { sentAt = Date.now(); process.kill(process.pid, process.env.GS_SELF_SIGNAL); }
    const t = Date.now();
    while (Date.now() - t < 150);
  }
  return write(p, ...rest);
};
process.on('exit', () => { if (sentAt) write(process.env.GS_STOP_FILE, String(Date.now() - sentAt)); });
syncBuiltinESMExports();
`;

// stderr a terminal of GS_COLUMNS columns, as the command sees it
const TTY = `
Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true });
Object.defineProperty(process.stderr, 'columns', { value: Number(process.env.GS_COLUMNS), configurable: true });
`;

function withSelfSignal(dir: string, sig: string, preload = PRELOAD): NodeJS.ProcessEnv {
  const p = join(dir, 'self-signal.mjs');
  writeFileSync(p, preload);
  return { ...process.env, GS_SELF_SIGNAL: sig, NODE_OPTIONS: `--import=${pathToFileURL(p).href}` };
}

describe('a signal while results are computed', () => {
  for (const [sig, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    it(`profile-models --out: ${sig} says so, exits ${code} and writes nothing`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gs-sig-'));
      const out = join(dir, 'profile');
      const r = await cli(['profile-models', '--out', out], { env: withSelfSignal(dir, sig) });
      expect(r.stderr).toBe(`greenserv: interrupted (${sig}); stopped, no results written\n`);
      expect(r.code).toBe(code);
      expect(r.stdout).toBe('');
      expect(existsSync(out)).toBe(false);
      expect(readdirSync(dir).sort()).toEqual(['self-signal.mjs']);
    });
  }

  it('simulate: Ctrl-C while a long steps.csv is written stops within 0.5 s, exits 130 and writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-sig-'));
    const out = join(dir, 'res');
    const stopFile = join(dir, 'stop-ms');
    const env = { ...withSelfSignal(dir, 'SIGINT', PRELOAD_STEPS), GS_STOP_FILE: stopFile };
    // 4 fixed policies × 60 runs × 2,500 steps = 600,000 rows: 74 chunks, at least 1.5 s to write
    const r = await cli(['simulate', '--policies', 'random,largest,smallest,most-accurate', '--runs', '60', '--no-ui', '--out', out], { env });
    expect(r.stderr.endsWith('greenserv: interrupted (SIGINT); stopped, no results written\n')).toBe(true);
    expect(r.code).toBe(130);
    expect(Number(readFileSync(stopFile, 'utf8'))).toBeLessThan(500);
    expect(readdirSync(dir).sort()).toEqual(['self-signal.mjs', 'stop-ms']);
  });

  it('experiment run: Ctrl-C while the charts are drawn stops after the chart under way, keeping the checkpoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-sig-'));
    const out = join(dir, 'x');
    const stopFile = join(dir, 'stop-ms');
    const env = { ...withSelfSignal(dir, 'SIGINT', PRELOAD_CHARTS), GS_STOP_FILE: stopFile };
    // X1 draws 8 charts, 16 files: 2.4 s of writes after the signal if nothing lets it in
    const r = await cli(['experiment', 'run', 'x1-algorithm-comparison', '--runs', '1', '--no-ui', '--out', out], { env });
    expect(r.stderr).toContain(`greenserv: interrupted (SIGINT) while writing results; every replay is kept in ${out}.partial;`);
    expect(r.code).toBe(130);
    expect(Number(readFileSync(stopFile, 'utf8'))).toBeLessThan(1000);
    expect(readdirSync(dir).sort()).toEqual(['self-signal.mjs', 'stop-ms', 'x.partial']);
  });

  it('on a terminal the message is wrapped to its width', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-sig-'));
    const r = await cli(['profile-models', '--out', join(dir, 'profile')], { env: { ...withSelfSignal(dir, 'SIGTERM', PRELOAD + TTY), GS_COLUMNS: '40' } });
    // width 39, after a line end that leaves the echoed ^C alone
    expect(r.stderr).toBe('\ngreenserv: interrupted (SIGTERM);\nstopped, no results written\n');
    expect(r.code).toBe(143);
  });

  it('experiment run on a terminal: the checkpoint path and the command to resume stay whole, spaces and all', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-sig-'));
    const out = join(dir, 'my results');
    const env = { ...withSelfSignal(dir, 'SIGINT', PRELOAD + TTY), GS_COLUMNS: '50' };
    const r = await cli(['experiment', 'run', 'x1-algorithm-comparison', '--runs', '1', '--no-ui', '--out', out], { env });
    expect(r.code).toBe(130);
    // quoted for the shell: the path holds a space
    const resume = `greenserv experiment run --resume '${out}.partial'`;
    const text = r.stderr.slice(r.stderr.lastIndexOf('\ngreenserv: interrupted') + 1);
    const [, done, total] = /^greenserv: interrupted \(SIGINT\): (\d+) of (\d+) /.exec(text)!;
    // the piped message, broken at some of its spaces: outside the path and the command, and only where needed
    expect(text.replace(/\n(?!$)/g, ' ')).toBe(`greenserv: interrupted (SIGINT): ${done} of ${total} replays kept in ${out}.partial; finish with: ${resume}\n`);
    const lines = text.split('\n').slice(0, -1);
    expect(lines).toContain(resume);
    expect(lines.some((l) => l.startsWith(`${out}.partial;`))).toBe(true);
    for (const [i, l] of lines.entries()) {
      if (!l.includes(out)) expect(l.length).toBeLessThanOrEqual(49);
      // a line starts where its first piece (a word, the path or the command) would not fit on the one before
      const first = l.startsWith(resume) ? resume : l.startsWith(out) ? `${out}.partial;` : l.split(' ')[0];
      if (i > 0) expect(lines[i - 1].length + 1 + first.length).toBeGreaterThan(49);
    }
  });

  it('energy sensitivity: SIGTERM says so, exits 143 and writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-sig-'));
    const src = writeRouterbenchCsv(dir);
    const before = readdirSync(dir);
    const out = join(dir, 'sens');
    const r = await cli(['energy', 'sensitivity', src, '--gpus', 'H100', '--batches', '8', '--policies', 'random', '--lambdas', '0,1', '--runs', '1', '--out', out], { env: withSelfSignal(dir, 'SIGTERM') });
    expect(r.stderr).toBe('greenserv: interrupted (SIGTERM); stopped, no results written\n');
    expect(r.code).toBe(143);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).sort()).toEqual([...before, 'self-signal.mjs'].sort());
  });

  it('energy attach: SIGTERM while the table is written says so, exits 143 and leaves no file, temporary or not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-sig-'));
    const src = writeRouterbenchCsv(dir);
    const before = readdirSync(dir);
    const r = await cli(['energy', 'attach', src, '--gpu', 'H100', '--batch', '8', '--out', join(dir, 'att.csv')], { env: withSelfSignal(dir, 'SIGTERM', PRELOAD_WRITE) });
    expect(r.stderr).toBe('greenserv: interrupted (SIGTERM); stopped, no results written\n');
    expect(r.code).toBe(143);
    expect(readdirSync(dir).sort()).toEqual([...before, 'self-signal.mjs'].sort());
  });
});
