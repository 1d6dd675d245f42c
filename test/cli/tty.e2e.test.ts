/**
 * The live display as a person sees it: the layout for a terminal size, and the built binary on a real
 * pseudo-terminal (util-linux `script`; tmux for what is left in the scrollback). Build first.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dashboardLines, finalLine, type LiveRow, type LiveSnapshot } from '../../src/cli/ui/layout.js';
import { LiveStore } from '../../src/cli/ui/live.js';
import { hangAtLoad } from '../helpers/signalled.js';

const BIN = resolve(__dirname, '../../bin/greenserv');
const hasScript = spawnSync('script', ['--version']).status === 0;
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (!hasScript) console.warn('SKIPPED: pseudo-terminal tests need util-linux `script`, which is not installed');
if (!hasTmux) console.warn('SKIPPED: scrollback test needs tmux, which is not installed');

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
const text = (line: { text: string }[]): string => line.map((s) => s.text).join('');

function row(label: string, done: number, total: number, regrets: [string, number][] = []): LiveRow {
  const groups = new Map<string, { n: number; regretSum: number }>();
  for (const [g, r] of regrets) {
    const e = groups.get(g) ?? { n: 0, regretSum: 0 };
    e.n++;
    e.regretSum += r;
    groups.set(g, e);
  }
  return {
    label,
    done,
    total,
    regretSum: regrets.reduce((a, [, r]) => a + r, 0),
    selection: new Map([
      ['qwen2.5-14b', 60],
      ['gemma-3-12b', 30],
      ['llama-3.1-8b', 10],
    ]),
    groups,
    lastGroup: regrets.length ? regrets[regrets.length - 1][0] : null,
  };
}

function snap(rows: LiveRow[], groupName: string | null = null): LiveSnapshot {
  const done = rows.reduce((a, r) => a + r.done, 0);
  const total = rows.reduce((a, r) => a + r.total, 0);
  return { title: 'experiment x3-lambda-sweep', rows, done, total, elapsedMs: 2000, replaysMs: null, firstMs: 500, phase: null, groupName, kept: 0 };
}

describe('dashboard layout', () => {
  const rows = [
    row('epsilon-greedy', 9, 22, [['0', 600], ['0.1', 580], ['0.1', 590]]),
    row('linear-epsilon-greedy', 4, 22, [['0', 550], ['0.1', 500]]),
    row('largest', 20, 22, [['0.9', 1298.2]]),
  ];

  it('no line reaches the terminal width, at 150, 80 and 40 columns', () => {
    for (const cols of [150, 80, 40]) {
      for (const l of dashboardLines(snap(rows, 'λ'), cols, 30)) expect(text(l).length).toBeLessThan(cols);
    }
  });

  it('keeps whole names and the most chosen models when there is room, cuts and drops them when not', () => {
    const wide = dashboardLines(snap(rows, 'λ'), 150, 30).map(text);
    expect(wide[3]).toMatch(/^linear-epsilon-greedy /);
    expect(wide[2]).toContain('qwen2.5-14b 60%, gemma-3-12b 30%, llama-3.1-8b 10%');
    const narrow = dashboardLines(snap(rows, 'λ'), 40, 30).map(text);
    expect(narrow.some((l) => l.includes('qwen'))).toBe(false);
    // cut in the middle, so names that share a prefix stay apart
    expect(narrow[3]).toMatch(/^linear-[a-z-]*…[a-z-]*greedy /);
    // counts are never cut
    expect(narrow[3]).toContain('4/22');
  });

  it('a sweep shows each policy the mean regret of the λ it is running, not the mean over every λ', () => {
    const lines = dashboardLines(snap(rows, 'λ'), 80, 30).map(text);
    expect(lines[2]).toContain(`λ=0.1 ${((580 + 590) / 2).toFixed(1)}`);
    expect(lines[2]).not.toContain(((600 + 580 + 590) / 3).toFixed(1));
    expect(lines[4]).toContain('λ=0.9 1298.2');
    // without groups, the mean over all replays
    const plain = dashboardLines(snap([row('linucb', 2, 5, [['a', 10], ['b', 20]])]), 80, 30).map(text);
    expect(plain[2]).toContain('15.0');
  });

  it('never more lines than the terminal has rows', () => {
    const many = Array.from({ length: 30 }, (_, i) => row(`policy-${i}`, 1, 5, [['0', i]]));
    const lines = dashboardLines(snap(many), 80, 12).map(text);
    expect(lines.length).toBeLessThan(12);
    // header, column names, 7 policies and a line for the 23 others
    expect(lines).toHaveLength(10);
    expect(lines[9]).toMatch(/and 23 more/);
  });

  it('the store times the replays once, and the summary line says so with the right plural', () => {
    const store = new LiveStore('simulate', 1, new Map([['random', 1]]));
    store.record('random', 5, new Float64Array([1]), ['m']);
    const a = store.snapshot(Date.now() + 5000);
    expect(a.replaysMs).not.toBeNull();
    expect(a.replaysMs!).toBeLessThan(1000);
    expect(finalLine(a, 80)).toMatch(/^simulate: 1 replay in \d+\.\d s, then \d+\.\d s writing results$/);
  });
});

interface PtyRun {
  code: number | null;
  out: string;
  /** [ms since start, replays done] for every redraw of the header. */
  frames: [number, number][];
  /** ms from Ctrl-C to the line saying the run stopped (when Ctrl-C was sent). */
  stopMs: number | null;
}

/** Run the CLI on a pseudo-terminal of the given size; optionally press Ctrl-C once `ctrlC` holds. */
function pty(args: string[], cols: number, rows: number, ctrlC?: (out: string) => boolean, extraEnv: NodeJS.ProcessEnv = {}): Promise<PtyRun> {
  const cmd = `stty cols ${cols} rows ${rows}; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} ${args.map((a) => JSON.stringify(a)).join(' ')}`;
  // a person's terminal unless the test says otherwise (CI=true makes the display plain lines)
  const env = { ...process.env };
  delete env.CI;
  delete env.NO_COLOR;
  Object.assign(env, extraEnv);
  const p = spawn('script', ['-qfec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env });
  const t0 = Date.now();
  const res: PtyRun = { code: null, out: '', frames: [], stopMs: null };
  let sentAt = 0;
  return new Promise((done, fail) => {
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      fail(new Error(`no exit within 60 s; output so far: ${res.out.slice(-500)}`));
    }, 60_000);
    p.stdout.on('data', (d: Buffer) => {
      const s = d.toString();
      res.out += s;
      for (const m of s.matchAll(/ (\d+)\/[\d,]+ replays? ·/g)) res.frames.push([Date.now() - t0, Number(m[1])]);
      if (ctrlC && !sentAt && ctrlC(res.out)) {
        sentAt = Date.now();
        p.stdin.write('\x03');
      }
      if (sentAt && res.stopMs === null && /interrupted/.test(res.out)) res.stopMs = Date.now() - sentAt;
    });
    p.on('exit', (code) => {
      clearTimeout(timer);
      res.code = code;
      done(res);
    });
  });
}

describe.skipIf(!hasScript)('greenserv on a pseudo-terminal (built binary)', () => {
  it('simulate redraws its dashboard at least every 250 ms, and it and the results table fit 80 columns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-tty-'));
    const r = await pty(['simulate', '--runs', '12', '--steps', 'none', '--out', join(dir, 'res')], 80, 30);
    expect(r.code).toBe(0);
    const counts = new Set(r.frames.map(([, n]) => n));
    expect(counts.size).toBeGreaterThanOrEqual(4);
    // gaps between redraws while the replays run (the median, robust to a busy machine)
    const gaps = r.frames.slice(1).map(([t], i) => t - r.frames[i][0]).sort((a, b) => a - b);
    expect(gaps[Math.floor(gaps.length / 2)]).toBeLessThanOrEqual(250);
    // the dashboard, then the results table: columns that do not fit are left out rather than wrapped
    for (const line of r.out.replace(ANSI, '').split(/\r?\n|\r/)) expect(line.length).toBeLessThan(80);
    expect(r.out).toMatch(/^policy +final regret +accuracy +energy Wh/m);
    expect(r.out).not.toMatch(/^policy .*Wh vs rnd/m);
    // the columns given way are named under the table
    expect(r.out).toMatch(/^\(left out to fit the terminal: acc vs rnd, Wh vs rnd\)\r?$/m);
    expect(r.out).toMatch(/simulate: 120 replays in \d+\.\d s/);
    expect(existsSync(join(dir, 'res', 'summary.json'))).toBe(true);
  }, 90_000);

  it('datasets info and list, experiment list and energy attach fit 80 columns; piped they are not broken', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-tty-'));
    const csv = join(dir, 'rb.csv');
    writeFileSync(csv, routerbenchCsv(20));
    for (const args of [['datasets', 'info', 'greenserv-pool'], ['datasets', 'list'], ['experiment', 'list'], ['energy', 'attach', csv, '--gpu', 'H100', '--batch', '32', '--out', join(dir, 'out.csv')]]) {
      const r = await pty(args, 80, 30);
      expect(r.code, args.join(' ')).toBe(0);
      const lines = r.out.replace(ANSI, '').split(/\r?\n|\r/);
      // 'read it back with: --data …' is a command to copy, left whole
      for (const line of lines.filter((l) => !l.startsWith('read it back with:'))) expect(line.length, line).toBeLessThan(80);
      if (args[0] === 'energy') expect(r.out).toMatch(/^model .* energy J +90 % band J\r?$/m);
    }
    const piped = spawnSync(process.execPath, [BIN, 'datasets', 'info', 'greenserv-pool'], { encoding: 'utf8' });
    expect(piped.stdout).toMatch(/^tasks {6}mmlu \(500\), gsm8k \(500\), hellaswag \(500\), winogrande \(500\), cnn_dailymail \(500\)$/m);
  }, 90_000);

  it('CI=true or TERM=dumb on a terminal: plain progress lines, no cursor movement; NO_COLOR: the dashboard without colour', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-tty-'));
    for (const env of [{ CI: 'true' }, { TERM: 'dumb' }]) {
      const r = await pty(['simulate', '--runs', '30', '--steps', 'none', '--out', join(dir, env.CI ? 'ci' : 'dumb')], 80, 30, undefined, env);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^simulate: 300\/300 replays \(100%\) · took \d+\.\d s\r?$/m);
      // and the summary the dashboard leaves
      expect(r.out).toMatch(/^simulate: 300 replays in \d+\.\d s(, then \d+\.\d s writing results)?\r?$/m);
      // no cursor-up, erase-line or cursor-hide sequences
      expect(r.out).not.toMatch(/\x1b\[(\d*A|2K|\?25l)/);
    }
    // --no-ui: the bar, then the same summary
    const bar = await pty(['simulate', '--runs', '30', '--steps', 'none', '--no-ui', '--out', join(dir, 'bar')], 80, 30);
    expect(bar.code).toBe(0);
    // on the line the bar was cleared from (erase-line, then the text)
    expect(bar.out).toMatch(/\x1b\[2Ksimulate: 300 replays in \d+\.\d s(, then \d+\.\d s writing results)?\r?\n/);
    const r = await pty(['simulate', '--runs', '30', '--steps', 'none', '--out', join(dir, 'nc')], 80, 30, undefined, { NO_COLOR: '1' });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/simulate: 300 replays in/);
    expect(r.out).not.toMatch(/\x1b\[[0-9;]*m/);
  }, 90_000);

  it('Ctrl-C stops simulate within 0.5 s with one line, exit 130 and nothing written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-tty-'));
    const r = await pty(['simulate', '--runs', '200', '--out', join(dir, 'res')], 80, 30, (out) => / [1-9]\d*\/2,?000 replays ·/.test(out));
    expect(r.code).toBe(130);
    expect(r.stopMs).not.toBeNull();
    expect(r.stopMs!).toBeLessThanOrEqual(500);
    const after = r.out.slice(r.out.lastIndexOf('\x1b[?25h', r.out.indexOf('interrupted')));
    expect(after.replace(ANSI, '').trim()).toBe('greenserv: interrupted (SIGINT); stopped, no results written');
    // the message goes on the dashboard's first row, not under an empty line: the cursor goes back up onto it
    expect(after).toMatch(/^\x1b\[\?25h\x1b\[1Agreenserv: interrupted/);
    expect(readdirSync(dir)).toEqual([]);
  }, 90_000);
});

/**
 * Run `greenserv <args>` (a shell fragment) in a detached 80 × 30 tmux window on its own server until it prints
 * EXIT=<code>, and return the whole scrollback with wrapped lines joined (-J). `before`: a shell command run
 * first (e.g. an echo standing for the prompt line); `ctrlC`: press Ctrl-C once the screen matches it.
 */
async function tmuxScreen(sock: string, args: string, opts: { before?: string; ctrlC?: RegExp | (() => boolean) } = {}): Promise<string> {
  const tmux = (...a: string[]): string => spawnSync('tmux', ['-L', sock, ...a], { encoding: 'utf8' }).stdout;
  tmux('new-session', '-d', '-x', '80', '-y', '30', `${opts.before ? `${opts.before}; ` : ''}env -u CI ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} ${args}; echo EXIT=$?; sleep 30`);
  try {
    let screen = '';
    let pressed = false;
    const t0 = Date.now();
    while (!/EXIT=\d+/.test(screen) && Date.now() - t0 < 60_000) {
      await new Promise((r) => setTimeout(r, 100));
      screen = tmux('capture-pane', '-p', '-J', '-S', '-2000');
      if (opts.ctrlC && !pressed && (typeof opts.ctrlC === 'function' ? opts.ctrlC() : opts.ctrlC.test(screen))) {
        tmux('send-keys', 'C-c');
        pressed = true;
      }
    }
    // whether the program left the cursor shown
    return screen + `CURSOR=${tmux('display', '-p', '#{cursor_flag}').trim()}\n`;
  } finally {
    tmux('kill-server');
  }
}

describe.skipIf(!hasTmux)('experiment dashboard in an 80-column tmux window (built binary)', () => {
  it('leaves one summary line and no stale progress in the scrollback; nothing wraps', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-tmux-'));
    const screen = await tmuxScreen(`gs-test-${process.pid}`, `experiment run x3-lambda-sweep --runs 1 --workers 1 --no-charts --out ${JSON.stringify(join(dir, 'x3'))}`);
    expect(screen).toMatch(/EXIT=0/);
    const lines = screen.split('\n');
    expect(lines.filter((l) => /replays? ·/.test(l))).toEqual([]);
    expect(lines.filter((l) => /^experiment x3-lambda-sweep: 88 replays in \d+\.\d s/.test(l))).toHaveLength(1);
    expect(lines.filter((l) => / done in /.test(l))).toEqual([]);
    // the results table follows the summary line directly
    const at = lines.findIndex((l) => l.startsWith('experiment x3-lambda-sweep: 88'));
    expect(lines[at + 1]).toMatch(/^X3/);
    // -J joins wrapped lines: nothing was wider than the window
    for (const l of lines) expect(l.length).toBeLessThan(80);
  }, 90_000);
});

describe.skipIf(!hasTmux)('Ctrl-C on the experiment dashboard (built binary)', () => {
  it('the checkpoint message takes the dashboard\'s place, right under the line before it, and the cursor is shown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-tmux-'));
    const out = join(dir, 'x3');
    const screen = await tmuxScreen(`gs-test-int-${process.pid}`, `experiment run x3-lambda-sweep --runs 20 --workers 1 --no-charts --out ${JSON.stringify(out)}`, {
      before: 'echo the-line-before',
      ctrlC: / [1-9]\d*\/1760 replays ·/,
    });
    expect(screen).toMatch(/EXIT=130/);
    const lines = screen.split('\n');
    const at = lines.indexOf('the-line-before');
    // no blank line and no stale dashboard between the line before and the message
    expect(lines[at + 1]).toMatch(/^greenserv: interrupted \(SIGINT\): \d+ of 1760 replays kept in/);
    expect(lines.slice(at + 1).join(' ')).toContain(`finish with: greenserv experiment run --resume ${out}.partial`);
    expect(screen).toMatch(/^CURSOR=1$/m);
    expect(existsSync(join(`${out}.partial`, 'state.json'))).toBe(true);
  }, 90_000);

  it('before any replay (no dashboard yet) the message starts a line of its own, not after the echoed ^C', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-tmux-'));
    const yaml = join(dir, 'hang.yaml');
    writeFileSync(yaml, ['name: hang', 'dataset: greenserv-pool', 'runs: 1', 'lambdas: [0.5]', 'arms:', `  - {policy: hang, module: ${JSON.stringify(hangAtLoad(dir))}}`, ''].join('\n'));
    const screen = await tmuxScreen(`gs-test-load-${process.pid}`, `experiment run ${JSON.stringify(yaml)} --workers 1 --no-charts --out ${JSON.stringify(join(dir, 'out'))}`, {
      ctrlC: () => existsSync(join(dir, 'started')),
    });
    expect(screen).toMatch(/EXIT=130/);
    expect(screen).toMatch(/^greenserv: interrupted \(SIGINT\) before any replay; nothing written$/m);
  }, 90_000);
});

const SHARED_RB = resolve(__dirname, '../../../shared/data/routerbench');

describe.skipIf(!hasTmux)('Ctrl-C on a progress bar (built binary)', () => {
  // the bar is cleared when it stops, taking the echoed ^C with it: the message goes on its line, no blank line
  const cases: [string, string, boolean][] = [
    ['simulate --no-ui', 'simulate --runs 1000 --steps none --no-ui --out', true],
    ['evaluate', `evaluate --routerbench ${JSON.stringify(SHARED_RB)} --runs 30 --no-charts --out`, existsSync(SHARED_RB)],
  ];
  for (const [name, args, runnable] of cases) {
    it.skipIf(!runnable)(`${name}: the message takes the bar's line`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gs-tmux-'));
      const screen = await tmuxScreen(`gs-test-bar-${process.pid}`, `${args} ${JSON.stringify(join(dir, 'out'))} >/dev/null`, { ctrlC: / \|[█░]+\| /, before: 'echo the-line-before' });
      expect(screen).toMatch(/EXIT=130/);
      const lines = screen.split('\n');
      const at = lines.findIndex((l) => l.startsWith('greenserv: interrupted'));
      expect(lines[at]).toBe('greenserv: interrupted (SIGINT); stopped, no results written');
      // the line above is the last one written before the bar (the line before, or a warning of loading)
      expect(lines[at - 1]).not.toBe('');
      expect(readdirSync(dir)).toEqual([]);
    }, 90_000);
  }
});

/** A small RouterBench CSV: `n` prompts of two families, two models, their cost columns. */
function routerbenchCsv(n: number): string {
  const models = ['gpt-4-1106-preview', 'mistralai/mistral-7b-chat'];
  const head = ['', 'sample_id', 'prompt', 'eval_name', ...models, ...models.map((m) => `${m}|model_response`), ...models.map((m) => `${m}|total_cost`), 'oracle_model_to_route_to'];
  const rows = Array.from({ length: n }, (_, i) => [i, `mmlu-x.${i}`, `"['Question ${i} about this']"`, i % 2 ? 'mmlu-anatomy' : 'hellaswag', i % 3 ? 1 : 0, i % 2, 'a', 'b', 0.003, 0.0001, models[1]]);
  return [head, ...rows].map((r) => r.join(',')).join('\n') + '\n';
}

describe.skipIf(!hasTmux)('evaluate in an 80-column tmux window (built binary)', () => {
  it('keeps the warnings of loading whole and on screen: the progress bar starts after them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-tmux-'));
    const data = join(dir, 'rb');
    mkdirSync(data);
    writeFileSync(join(data, 'bench.csv'), routerbenchCsv(40));
    // a file in the directory that is not a RouterBench table: loading skips it with a warning
    writeFileSync(join(data, 'notes-about-this-benchmark-run.csv'), 'a,b\n1,2\n');
    const screen = await tmuxScreen(`gs-test-ev-${process.pid}`, `evaluate --routerbench ${JSON.stringify(data)} --runs 1 --lambdas 0,0.5,1 --jobs 1 --no-charts --out ${JSON.stringify(join(dir, 'ev'))} >/dev/null`);
    expect(screen).toMatch(/EXIT=0/);
    // the warning breaks between words to fit the window (-J would join a line the terminal wrapped) and all of
    // it is there, not cut at the width nor overwritten
    const lines = screen.split('\n');
    for (const l of lines) expect(l.length, l).toBeLessThan(80);
    const at = lines.findIndex((l) => l.startsWith('greenserv: warning: skipping'));
    expect(lines.slice(at, at + 4).join(' ')).toMatch(/^greenserv: warning: skipping \S*notes-about-this-benchmark-run\.csv: not a RouterBench table: missing columns sample_id, eval_name/);
    expect(screen).not.toMatch(/evaluate \|/);
  }, 90_000);
});
