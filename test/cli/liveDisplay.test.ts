/** The live display without a terminal: layout of long names, the ETA, plain progress lines and terminal checks. */
import { describe, expect, it } from 'vitest';
import { dashboardLines, finalLine, fitMiddle, formatEta, headerLine, topModelsFit, type LiveRow, type LiveSnapshot } from '../../src/cli/ui/layout.js';
import { LineProgress, LiveStore, noColor, redrawSupported, reflowedRows } from '../../src/cli/ui/live.js';
import { evaluateBarSize } from '../../src/cli/evaluate.js';
import { simulateBarSize } from '../../src/cli/simulateRun.js';

const text = (line: { text: string }[]): string => line.map((s) => s.text).join('');
const longId = (i: number): string => `org/model-family-with-a-very-long-name-instruct-v1-${i}b`;

function row(label: string, sel: [string, number][]): LiveRow {
  return { label, done: 3, total: 10, regretSum: 30, selection: new Map(sel), groups: new Map(), lastGroup: null };
}

function snap(rows: LiveRow[], extra: Partial<LiveSnapshot> = {}): LiveSnapshot {
  return { title: 'simulate', rows, done: 3, total: 10, elapsedMs: 2000, replaysMs: null, firstMs: 1500, phase: null, groupName: null, kept: 0, ...extra };
}

describe('long names on the dashboard', () => {
  const rows = [0, 1, 2].map((i) => row(`static:${longId(i)}`, [[longId(i), 90], [longId(9), 10]]));

  it('policies that differ only at the end stay distinct, and no line reaches the width', () => {
    for (const cols of [200, 80, 40]) {
      const lines = dashboardLines(snap(rows), cols, 24).map(text);
      for (const l of lines) expect(l.length).toBeLessThan(cols);
      const labels = lines.slice(2).map((l) => l.split('  ')[0]);
      expect(new Set(labels).size, `${cols} columns`).toBe(3);
    }
  });

  it('a wide terminal gives names more than 22 characters', () => {
    const lines = dashboardLines(snap(rows), 200, 24).map(text);
    expect(lines[2].split('  ')[0].length).toBeGreaterThan(40);
  });

  it('the most chosen models keep their percentage: fewer models, ids cut in the middle', () => {
    const cell = topModelsFit(new Map([[longId(1), 90], [longId(2), 10]]), 3, 23);
    expect(cell).toMatch(/^org\/model.*….*-1b 90%$/);
    expect(cell.length).toBeLessThanOrEqual(23);
    expect(topModelsFit(new Map([['a', 3], ['b', 1]]), 3, 40)).toBe('a 75%, b 25%');
    expect(topModelsFit(new Map([['aaaa', 3], ['bbbb', 1]]), 3, 10)).toBe('aaaa 75%');
    expect(fitMiddle('abcdefghijkl', 9)).toBe('abcd…ijkl');
    expect(fitMiddle('short', 9)).toBe('short');
  });
});

describe('ETA', () => {
  it('is measured from the end of the first replay, not from the start (which includes loading)', () => {
    // 10 s of loading, then one replay a second: 2 of 10 done at 11 s
    expect(formatEta(snap([], { done: 2, total: 10, elapsedMs: 11_000, firstMs: 10_000 }))).toBe('11.0 s · ETA 8.0 s');
    expect(formatEta(snap([], { done: 1, total: 10, elapsedMs: 10_000, firstMs: 10_000 }))).toBe('10.0 s · ETA –');
  });
});

describe('the header and the summary on a narrow terminal', () => {
  const title = 'experiment /home/someone/experiments/my-long-experiment.yaml';
  const running = snap([], { title, done: 969, total: 1760, elapsedMs: 2200, firstMs: 600 });

  it('the header keeps the counts and ETA whole and cuts the title instead', () => {
    const eta = formatEta(running);
    for (const cols of [120, 60, 45, 40]) {
      const h = text(headerLine(running, cols));
      expect(h.length, `${cols} columns`).toBeLessThan(cols);
      expect(h, `${cols} columns`).toContain(`969/1760 replays · ${eta}`);
    }
    // room for all of it: the title whole, as before
    expect(text(headerLine(running, 120))).toBe(`${title}  969/1760 replays · ${eta}`);
    // some room: the title cut with an ellipsis
    expect(text(headerLine(running, 60))).toMatch(/^experiment \/home\S*…  969\/1760 replays/);
    // a phase goes before the title does
    const writing = { ...running, done: 1760, replaysMs: 3300, phase: 'writing results…' };
    const status = '1760/1760 replays · took 3.3 s';
    expect(text(headerLine(writing, 80))).toBe(`${title.slice(0, 79 - 2 - status.length - 1)}…  ${status}`);
  });

  it('the summary left on screen is broken between words, never cut', () => {
    const done = { ...running, done: 1760, elapsedMs: 3700, replaysMs: 3300 };
    const whole = `${title}: 1760 replays in 3.3 s, then 0.4 s writing results`;
    expect(finalLine(done, 200)).toBe(whole);
    const lines = finalLine(done, 60).split('\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) expect(l.length).toBeLessThan(60);
    expect(lines.join(' ')).toBe(whole);
  });
});

describe('more policies than the terminal has rows', () => {
  /** 12 policies of 5 replays each, the first `finished` of them done and the next one 2 replays in. */
  const rows = (finished: number): LiveRow[] =>
    Array.from({ length: 12 }, (_, i) => ({ ...row(`p${i}`, []), total: 5, done: i < finished ? 5 : i === finished ? 2 : 0 }));
  const labels = (lines: string[]): string[] => lines.slice(2, -1).map((l) => l.split(' ')[0]);

  it('shows the policies from the first one still running, and says how many are above and below', () => {
    // 10 rows: header, column names, 5 policies, the line for the others (and one for the cursor)
    const early = dashboardLines(snap(rows(3)), 80, 10).map(text);
    expect(labels(early)).toEqual(['p3', 'p4', 'p5', 'p6', 'p7']);
    // each row keeps its own counts
    expect(early[2]).toMatch(/^p3 .* 2\/5 /);
    expect(early[3]).toMatch(/^p4 .* 0\/5/);
    expect(early[early.length - 1]).toMatch(/^… and 7 more \(3 above, 4 below; /);
    // near the end the window stops at the last policy
    const late = dashboardLines(snap(rows(9)), 80, 10).map(text);
    expect(labels(late)).toEqual(['p7', 'p8', 'p9', 'p10', 'p11']);
    expect(late[late.length - 1]).toMatch(/^… and 7 more \(7 above, 0 below; /);
    // nothing finished yet: from the top, as before
    const first = dashboardLines(snap(rows(0)), 80, 10).map(text);
    expect(labels(first)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
    expect(first[first.length - 1]).toMatch(/^… and 7 more \(the terminal/);
    for (const l of [...early, ...late, ...first]) expect(l.length).toBeLessThan(80);
  });
});

describe('a resumed run', () => {
  it('times only the replays it runs: the ETA ignores those its checkpoint kept, and the summary says how many were kept', () => {
    // 40 kept from the interrupted run, then 10 replays a second after the first: 60 of 100 done at 2 s
    const s = snap([], { done: 60, total: 100, kept: 40, elapsedMs: 2000, firstMs: 1000, replaysMs: null });
    const rate = 1000 / (60 - 40 - 1);
    expect(formatEta(s)).toBe(`2.0 s · ETA ${((rate * 40) / 1000).toFixed(1)} s`);
    const end = { ...s, done: 100, elapsedMs: 6000, replaysMs: 5000 };
    expect(finalLine(end, 200)).toBe('simulate: 60 replays in 5.0 s (and 40 kept from the interrupted run), then 1.0 s writing results');
  });

  it('the store counts kept replays on their rows but starts the clock at the first one it runs', () => {
    const store = new LiveStore('x', 3, new Map([['p', 3]]));
    store.record('p', 10, new Float64Array([1]), ['m'], undefined, true);
    store.record('p', 20, new Float64Array([1]), ['m'], undefined, true);
    const a = store.snapshot();
    expect([a.done, a.kept, a.firstMs, a.rows[0].done, a.rows[0].regretSum]).toEqual([2, 2, null, 2, 30]);
    store.record('p', 30, new Float64Array([1]), ['m']);
    const b = store.snapshot();
    expect([b.done, b.kept, b.rows[0].regretSum]).toEqual([3, 2, 60]);
    expect(b.firstMs).not.toBeNull();
  });
});

describe('plain progress lines', () => {
  /** The lines of 100 replays, one every `stepMs` of the fake clock, at most one line a second. */
  function lines(stepMs: number): string[] {
    const store = new LiveStore('x', 100, new Map([['p', 100]]));
    const out: string[] = [];
    let t = 0;
    const lp = new LineProgress(store, (s) => out.push(s), 1000, () => t);
    for (let i = 0; i < 100; i++) {
      store.record('p', 1, new Float64Array([1]), ['m']);
      t += stepMs;
      lp.update();
    }
    return out;
  }

  it('a quick run prints a few lines, not one per 10%, and always the last', () => {
    const out = lines(5);
    expect(out).toHaveLength(2);
    expect(out[1]).toMatch(/^x: 100\/100 replays \(100%\) · took /);
  });

  it('end with the summary line the dashboard leaves, once, and none when stopped by a signal', () => {
    const store = new LiveStore('x', 2, new Map([['p', 2]]));
    const out: string[] = [];
    const lp = new LineProgress(store, (s) => out.push(s));
    store.record('p', 1, new Float64Array([1]), ['m']);
    store.record('p', 1, new Float64Array([1]), ['m']);
    lp.update();
    lp.stop();
    lp.stop(false);
    lp.stop();
    expect(out).toHaveLength(2);
    expect(out[1]).toMatch(/^x: 2 replays in \d+\.\d s\n$/);
    const interrupted: string[] = [];
    const li = new LineProgress(store, (s) => interrupted.push(s));
    li.stop(false);
    li.stop();
    expect(interrupted).toEqual([]);
  });

  it('a slow run prints one line per 10%', () => {
    const out = lines(500);
    expect(out.map((l) => l.match(/\((\d+)%\)/)![1])).toEqual(['10', '20', '30', '40', '50', '60', '70', '80', '90', '100']);
  });
});

describe('terminal checks', () => {
  it('no redrawn dashboard under CI or on a dumb terminal; NO_COLOR when set and not empty', () => {
    expect(redrawSupported({ TERM: 'xterm-256color' })).toBe(true);
    expect(redrawSupported({ TERM: 'dumb' })).toBe(false);
    expect(redrawSupported({ CI: 'true' })).toBe(false);
    expect(redrawSupported({ CI: 'false' })).toBe(true);
    expect(redrawSupported({ CONTINUOUS_INTEGRATION: '1' })).toBe(false);
    expect(noColor({ NO_COLOR: '1' })).toBe(true);
    expect(noColor({ NO_COLOR: '' })).toBe(false);
    expect(noColor({})).toBe(false);
  });

  it('counts the rows a frame takes after the window narrows', () => {
    expect(reflowedRows([79, 10, 0], 80)).toBe(3);
    expect(reflowedRows([79, 10, 0], 40)).toBe(4);
    expect(reflowedRows([99, 41], 20)).toBe(5 + 3);
  });

  it('the evaluate bar leaves room for its percentage', () => {
    expect(evaluateBarSize(200)).toBe(40);
    expect(evaluateBarSize(80)).toBe(40);
    expect(evaluateBarSize(60)).toBe(25);
    expect(evaluateBarSize(40)).toBe(10);
    expect(evaluateBarSize(undefined)).toBe(40);
  });

  it('the simulate --no-ui bar leaves room for its counts and the longest policy name', () => {
    const labels = ['random', 'linear-epsilon-greedy'];
    // the line as cli-progress draws it at the end of the run, the longest name showing
    const line = (cols: number): string => `simulate |${'█'.repeat(simulateBarSize(cols, 9999, labels))}| 9999/9999 policy-runs · linear-epsilon-greedy`;
    for (const cols of [80, 100]) expect(line(cols).length, `${cols} columns`).toBeLessThan(cols);
    expect(simulateBarSize(200, 9999, labels)).toBe(40);
    // too narrow for all of it: the bar keeps 10 characters and the counts stay in view
    expect(simulateBarSize(40, 9999, labels)).toBe(10);
    expect(line(40).slice(0, 39)).toContain('9999/9999');
  });
});
