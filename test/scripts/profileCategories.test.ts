import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CATEGORIES, RULES, categoryOf, classifyFrame, functionEnd, roundShares, sourcePath, summarizeProfile } from '../../scripts/profileCategories.mjs';

const run = promisify(execFile);
const SCRIPT = resolve(__dirname, '../../scripts/profile-decisions.mjs');
const DIST = 'file:///home/u/greenserv/dist/';
const OUTPUTS = readFileSync(resolve(__dirname, '../../docs/outputs.md'), 'utf8');
const profileDoc = OUTPUTS.slice(OUTPUTS.indexOf('## `scripts/profile-decisions.mjs` (schemaVersion 1)'));

interface Frame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface Node {
  id: number;
  callFrame: Frame;
  hitCount: number;
  positionTicks?: { line: number; ticks: number }[];
}

const frame = (functionName: string, file: string, lineNumber = 0): Frame => ({ functionName, url: file === '' || /^(wasm|node|file):/.test(file) ? file : DIST + file, lineNumber, columnNumber: 4 });
let nextId = 1;
const node = (functionName: string, file: string, hitCount: number, extra: Partial<Node> = {}): Node => ({ id: nextId++, callFrame: frame(functionName, file), hitCount, ...extra });
/** Sum of shares in tenths of a percent (the shares are rounded to 0.1). */
const tenths = (o: Record<string, number>): number => Object.values(o).reduce((a, v) => a + Math.round(v * 10), 0);

describe('profile categories', () => {
  it('finds the source path of a url', () => {
    expect(sourcePath('file:///home/u/greenserv/dist/src/policies/linear.js')).toBe('src/policies/linear.js');
    expect(sourcePath('file:///C:/x/dist/src/sim/engine.js')).toBe('src/sim/engine.js');
    expect(sourcePath('file:///home/u/greenserv/scripts/profile-decisions.mjs')).toBe('scripts/profile-decisions.mjs');
    expect(sourcePath('wasm://wasm/a2240bfa')).toBe('wasm');
    expect(sourcePath('node:internal/perf/performance')).toBe('node:internal/perf/performance');
    expect(sourcePath('')).toBe('');
  });

  it('classifies frames by file and function name', () => {
    const cat = (fn: string, file: string): string => classifyFrame(frame(fn, file)).sub;
    expect(cat('freshen', 'src/policies/linear.js')).toBe('cache.refresh');
    expect(cat('slot', 'src/policies/linear.js')).toBe('cache.bookkeeping');
    expect(cat('updateSparse', 'src/policies/linear.js')).toBe('policy.update');
    expect(cat('update', 'src/policies/epsilonGreedy.js')).toBe('policy.update');
    expect(cat('select', 'src/policies/thompson.js')).toBe('policy.select');
    expect(cat('offer', 'src/policies/argmax.js')).toBe('policy.argmax');
    expect(cat('solveSparse', 'src/policies/linalg.js')).toBe('policy.linalg');
    expect(cat('wasm-function[2]', 'wasm://wasm/a2240bfa')).toBe('policy.kernel');
    expect(cat('js-to-wasm:iiii:', '')).toBe('policy.kernel');
    expect(cat('plainRun', 'src/sim/engine.js')).toBe('engine.loop');
    expect(cat('replay', 'src/sim/engine.js')).toBe('engine.replay');
    expect(cat('segmentOracle', 'src/sim/engine.js')).toBe('reward.oracle');
    expect(cat('bestReward', 'src/sim/actions.js')).toBe('reward.oracle');
    expect(cat('allowed', 'src/sim/actions.js')).toBe('feasibility.actionSet');
    expect(cat('sumPacked', 'src/sim/recorders.js')).toBe('recorders.sums');
    expect(cat('step', 'src/sim/recorders.js')).toBe('recorders.step');
    expect(cat('nextU32', 'src/core/rng.js')).toBe('rng.uniform');
    expect(cat('normal', 'src/core/rng.js')).toBe('rng.normal');
    expect(cat('step', 'src/sim/throughput.js')).toBe('harness.loop');
    expect(cat('(garbage collector)', '')).toBe('gc.collector');
    expect(cat('(program)', '')).toBe('other.program');
    expect(classifyFrame(frame('freshen', 'src/policies/linear.js')).category).toBe('cache');
    expect(classifyFrame(frame('wasm-function[0]', 'wasm://wasm/x')).category).toBe('policy');
  });

  it('puts what no rule knows in other', () => {
    expect(classifyFrame(frame('parseCsv', 'src/data/formats/csv.js'))).toEqual({ category: 'other', sub: 'other.unknown' });
    expect(classifyFrame(frame('mystery', 'file:///elsewhere/x.js'))).toEqual({ category: 'other', sub: 'other.unknown' });
    expect(classifyFrame(frame('now', ''))).toEqual({ category: 'other', sub: 'other.native' });
    expect(categoryOf('nonsense.thing')).toBe('other');
    // every rule's detail category belongs to a declared category
    const ids = new Set(CATEGORIES.map((c) => c.id));
    for (const r of RULES) expect(ids.has(r.sub.split('.')[0]), r.sub).toBe(true);
  });

  it('gives shares of self time that sum to 100, unknown frames under other and listed', () => {
    const profile = {
      nodes: [
        node('(root)', '', 0),
        node('plainRun', 'src/sim/engine.js', 30),
        node('freshen', 'src/policies/linear.js', 20),
        node('updateSparse', 'src/policies/linear.js', 17),
        node('wasm-function[2]', 'wasm://wasm/ab', 10),
        node('sumPacked', 'src/sim/recorders.js', 7),
        node('nextU32', 'src/core/rng.js', 5),
        node('(garbage collector)', '', 3),
        node('parseCsv', 'src/data/formats/csv.js', 4),
        node('whatever', 'file:///tmp/other.js', 1),
        // a second node of the same function (another call path) adds to it
        node('freshen', 'src/policies/linear.js', 3),
        node('idle', 'src/sim/engine.js', 0),
      ],
    };
    const s = summarizeProfile(profile, { top: 5 });
    expect(s.samples).toBe(100);
    expect(tenths(s.shares)).toBe(1000);
    expect(tenths(s.detail)).toBe(1000);
    expect(Object.keys(s.shares)).toEqual(CATEGORIES.map((c) => c.id));
    expect(s.shares).toMatchObject({ engine: 30, cache: 23, policy: 27, recorders: 7, rng: 5, gc: 3, other: 5, reward: 0 });
    expect(s.detail['other.unknown']).toBe(5);
    expect(s.unclassified.map((u: { function: string }) => u.function)).toEqual(['parseCsv', 'whatever']);
    expect(s.top).toHaveLength(5);
    expect(s.top[0]).toMatchObject({ function: 'plainRun', file: 'src/sim/engine.js', category: 'engine', selfPct: 30 });
    expect(s.top[1]).toMatchObject({ function: 'freshen', category: 'cache', selfPct: 23 });
  });

  it('rounds shares so that they sum to exactly 100', () => {
    const r = roundShares([1, 1, 1]);
    expect(r.reduce((a, b) => a + Math.round(b * 10), 0)).toBe(1000);
    expect(r).toEqual([33.4, 33.3, 33.3]);
    expect(roundShares([0, 0])).toEqual([0, 0]);
    const many = roundShares([7, 13, 1, 1, 1, 29, 0.5, 3]);
    expect(many.reduce((a, b) => a + Math.round(b * 10), 0)).toBe(1000);
  });

  it('splits a function by the text of its own lines, with inlined lines left to the function', () => {
    const src = [
      'class PatternCache {', // 1
      '    freshen(q, arms, n) {', // 2
      '        for (let i = 0; i < n; i++) {', // 3
      '            if (stamp[k] === ver)', // 4
      '                continue;', // 5
      '            mean += theta[to + i0] * v0;', // 6
      "            const s = '}';", // 7: a brace in a string does not end the function
      '            sd[k] = Math.sqrt(kappa * v);', // 8
      '        }', // 9
      '    }', // 10
      '}', // 11
      'function later() { quad += Ainv[0]; }', // 12
    ];
    expect(functionEnd(src, 1, 4)).toBe(10);
    const freshen = node('freshen', 'src/policies/linear.js', 20, {
      positionTicks: [
        { line: 4, ticks: 4 },
        { line: 5, ticks: 1 },
        { line: 6, ticks: 6 },
        { line: 8, ticks: 4 },
        // a line outside the function (inlined code): stays with the function's own detail category
        { line: 12, ticks: 5 },
      ],
    });
    freshen.callFrame.lineNumber = 1;
    const sourceOf = (url: string): string[] | undefined => (url.endsWith('linear.js') ? src : undefined);
    const profile = { nodes: [freshen, node('plainRun', 'src/sim/engine.js', 20)] };
    const split = summarizeProfile(profile, { splitLines: true, sourceOf });
    expect(split.detail).toEqual({ 'engine.loop': 50, 'cache.refill': 25, 'cache.refresh': 12.5, 'cache.stamps': 12.5 });
    expect(split.shares).toMatchObject({ cache: 50, engine: 50 });
    // plainRun has no ticks and engine.js no source here: it stays whole
    const whole = summarizeProfile(profile, { splitLines: false, sourceOf });
    expect(whole.detail).toEqual({ 'cache.refresh': 50, 'engine.loop': 50 });
  });

  it('splits the engine loop into the reward and oracle reads and the rest', () => {
    const src = ['function plainRun(policy, order) {', '    const m = policy.select(q, arms, na);', '    const has = present[i] === 1;', '    const rew = has ? rewards[i] : 0;', '    const best = oracle[q];', '}'];
    const n = node('plainRun', 'src/sim/engine.js', 10, { positionTicks: [{ line: 2, ticks: 2 }, { line: 3, ticks: 3 }, { line: 4, ticks: 4 }, { line: 5, ticks: 1 }] });
    const s = summarizeProfile({ nodes: [n] }, { splitLines: true, sourceOf: () => src });
    expect(s.detail).toEqual({ 'reward.lookup': 80, 'engine.loop': 20 });
    expect(s.shares).toMatchObject({ reward: 80, engine: 20 });
    // the policy-only loop's reward read too
    const loop = ['const step = (n) => {', '    const m = p.select(q, arms, nModels);', '    p.update(q, m, rewards[q * nModels + m]);', '};'];
    const h = node('step', 'src/sim/throughput.js', 4, { positionTicks: [{ line: 2, ticks: 1 }, { line: 3, ticks: 3 }] });
    expect(summarizeProfile({ nodes: [h] }, { splitLines: true, sourceOf: () => loop }).detail).toEqual({ 'reward.lookup': 75, 'harness.loop': 25 });
  });
});

describe('scripts/profile-decisions.mjs', () => {
  it('profiles a short run and prints the shares', async () => {
    const { stdout } = await run(process.execPath, [SCRIPT, '--workload', 'onehot', '--policy', 'epsilon-greedy', '--mode', 'engine', '--seconds', '0.3', '--warmup', '0.1', '--time', '0.2']);
    const j = JSON.parse(stdout);
    expect(j.schemaVersion).toBe(1);
    expect(j.options).toMatchObject({ workload: 'onehot', policy: 'epsilon-greedy', mode: 'engine', inline: 'on' });
    expect(Object.keys(j.shares)).toEqual(CATEGORIES.map((c) => c.id));
    expect(tenths(j.shares)).toBe(1000);
    expect(j.profile.samples).toBeGreaterThan(0);
    expect(j.decisionsPerSecond.unprofiled.median).toBeGreaterThan(0);
    expect(j.top.length).toBeGreaterThan(0);
    // the fields docs/outputs.md lists, nested objects too
    const said = new Set([...profileDoc.matchAll(/`([^`]+)`/g)].flatMap((m) => m[1].match(/\w+/g) ?? []));
    const keys = (v: unknown): string[] => (v && typeof v === 'object' ? Object.entries(v).flatMap(([k, x]) => [k, ...(['shares', 'detail', 'categories'].includes(k) ? [] : keys(x))]) : []);
    expect(keys(j).filter((k) => !said.has(k) && !/^\d+$/.test(k)), 'fields not documented').toEqual([]);
    const top = /^`\{([^`]+)\}`/.exec(profileDoc.slice(profileDoc.indexOf('`{schemaVersion')))![1];
    expect(Object.keys(j)).toEqual(top.replace(/\{[^}]*\}/g, '').split(',').map((f) => f.trim().replace(/[\s[\]].*$/, '')));
    // and the other way: every documented nested field is written
    const fields = (literal: string): string[] => literal.split(',').map((f) => f.trim().replace(/\[\]$/, ''));
    for (const [, k, inner] of top.matchAll(/(\w+) \{([^}]+)\}/g)) expect(Object.keys(j[k]), k).toEqual(fields(inner));
    const flat = profileDoc.replace(/\s+/g, ' ');
    expect(Object.keys(j.decisionsPerSecond.unprofiled)).toEqual(fields(/`decisionsPerSecond\.unprofiled` is `\{([^}]+)\}`/.exec(flat)![1]));
    for (const [k, re] of [['top', /`top\[\]` entries are `\{([^}]+)\}`/], ['unclassified', /`other`, `\{([^}]+)\}`/]] as const) {
      for (const e of j[k]) expect(Object.keys(e), k).toEqual(fields(re.exec(flat)![1]));
    }
    // without inlining and on-stack replacement the policy's own functions show, and the loop's lines are split
    const off = JSON.parse((await run(process.execPath, [SCRIPT, '--workload', 'onehot', '--policy', 'linucb', '--mode', 'policy', '--inline', 'off', '--seconds', '0.3', '--warmup', '0.1', '--time', '0.2'])).stdout);
    expect(off.profile.lineSplits).toBe(true);
    expect(tenths(off.shares)).toBe(1000);
    expect(off.shares.policy).toBeGreaterThan(0);
  });

  it('refuses a bad option with exit 2', async () => {
    await expect(run(process.execPath, [SCRIPT, '--workload', 'onehot', '--policy', 'ucb9', '--mode', 'engine'])).rejects.toMatchObject({ code: 2 });
    await expect(run(process.execPath, [SCRIPT, '--workload', 'onehot', '--policy', 'linucb', '--mode', 'engine', '--secs', '1'])).rejects.toMatchObject({ code: 2 });
  });
});
