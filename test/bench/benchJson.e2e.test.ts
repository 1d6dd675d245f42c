/**
 * The JSON of `npm run bench` against docs/outputs.md ("`npm run bench` and `npm run bench:large`"): the built
 * bench with its two quickest sections (`--only policies,startup --quick`, about 20 s), and the evaluate and
 * split sections' functions on a small table; every field written is documented and every documented field of
 * those sections is written.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { braceFields, type Json, section } from '../helpers/docTables.js';

const ROOT = resolve(__dirname, '../..');
const doc = section(readFileSync(resolve(ROOT, 'docs/outputs.md'), 'utf8'), '## `npm run bench` and `npm run bench:large` (schemaVersion 1)').replace(/\s+/g, ' ');
const bench = doc.slice(0, doc.indexOf('`npm run bench:large` (`kind: "bench-large"`)'));

/** The docs from `` `name`: `` (a bullet or a part of one) to the next part of the same list. */
function part(name: string, until: RegExp): string {
  const i = bench.indexOf(`\`${name}\`:`);
  expect(i, `'\`${name}\`:' in the docs`).toBeGreaterThanOrEqual(0);
  const rest = bench.slice(i + name.length + 3);
  const end = until.exec(rest);
  return end ? rest.slice(0, end.index) : rest;
}
const NEXT_BULLET = / - `/;
/** The first word of each backticked span (`referenceRatio {linucb, thompson}` → referenceRatio), options and code left out. */
const ticked = (s: string): string[] => [...s.matchAll(/`([\w-]+)[^`]*`/g)].map((m) => m[1]);
const keys = (o: unknown): string[] => Object.keys(o as Json);
const sorted = (xs: string[]): string[] => [...new Set(xs)].sort();

let j: Json;
beforeAll(async () => {
  const r = await promisify(execFile)(process.execPath, ['--expose-gc', resolve(ROOT, 'dist/bench/index.js'), '--only', 'policies,startup', '--quick'], { maxBuffer: 1 << 24 });
  j = JSON.parse(r.stdout) as Json;
});

const targets = part('targets', NEXT_BULLET);
const policies = ticked(/per policy \(([^)]+)\)/.exec(targets)![1]);
const dps = part('decisionsPerSecond', NEXT_BULLET);
const workloads = ticked(/per workload \(([^)]+)\)/.exec(dps)![1]);
const rate = braceFields(/a `Rate` is `(\{[^`]+\})`/.exec(bench)![1]).all;
const startup = part('startup', /; `/);

describe('docs/outputs.md: the JSON of npm run bench', () => {
  it('top level: the documented fields, the sections asked for and no others', () => {
    const head = /`npm run bench` \(`kind: "bench"`\): `\{(.*?)\}`, with only/.exec(bench)![1];
    const always = head.replace(/\{[^{}]*\}/g, '').split(',').map((s) => s.trim()).filter((s) => /^\w+$/.test(s));
    // each section is named by its bullet (`name`: …) or a part of one (; `name`: …); `reference` comes with --reference
    let flat = bench;
    while (/\([^()]*\)/.test(flat)) flat = flat.replace(/\([^()]*\)/g, '');
    const named = [...flat.matchAll(/(?:- |; )((?:`\w+`, )*`\w+`):/g)].flatMap((m) => ticked(m[1]));
    const sections = [...named, /a top-level `(\w+) \{/.exec(bench)![1]].filter((s) => !always.includes(s) && s !== 'targets' && s !== 'meetsTargets');
    expect(sorted(sections)).toEqual(sorted(['decisionsPerSecond', 'simulate', 'x3Sweep', 'startup', 'datasets', 'features', 'evaluate', 'split', 'reference']));
    expect(keys(j).filter((k) => !always.includes(k) && !sections.includes(k)), 'written, not documented').toEqual([]);
    expect([...always, 'decisionsPerSecond', 'startup'].filter((k) => !keys(j).includes(k)), 'documented, missing').toEqual([]);
    expect(keys(j).filter((k) => sections.includes(k))).toEqual(['decisionsPerSecond', 'startup']);
    expect(j).toMatchObject({ schemaVersion: 1, kind: 'bench' });
    expect(keys(j.machine)).toEqual(braceFields(`{${/machine \{([^}]+)\}/.exec(head)![1]}}`).all);
  });

  it('targets: per policy, engineOverPolicy, referenceRatio {linucb, thompson} and the seconds targets', () => {
    const said = ticked(targets.slice(0, targets.indexOf('the other sections'))).filter((n) => !/^-|^targets$/.test(n));
    expect(sorted(keys(j.targets))).toEqual(sorted(said));
    const t = j.targets as Json;
    expect(keys(t.referenceRatio)).toEqual(braceFields(/`referenceRatio (\{[^}]+\})`/.exec(targets)![1]).all);
    for (const p of policies) expect(typeof t[p]).toBe('number');
  });

  it('decisionsPerSecond: a note and each workload, with the fields of its kind, rates as {median, min, max}', () => {
    const d = j.decisionsPerSecond as Record<string, Json>;
    expect(keys(d)).toEqual(['note', ...workloads]);
    expect(typeof d.note).toBe('string');
    const base = braceFields(/per workload \([^)]+\) `(\{[^`]+\})`/.exec(dps)![1]).all;
    const table = /on `tasks10-d16` also (.*?); on the other workloads/.exec(dps)![1].replace(/\([^)]*\)/g, '');
    const other = /; on the other workloads (.*?) for LinUCB/.exec(dps)![1];
    const isRate = (r: unknown): void => expect(keys(r)).toEqual(rate);
    for (const w of workloads) {
      const e = d[w];
      const extra = ticked(w === 'tasks10-d16' ? table : other);
      expect(sorted(keys(e)), w).toEqual(sorted([...base, ...extra]));
      expect(typeof e.description).toBe('string');
      expect(sorted(keys(e.decisionsPerSecond)), `${w} policies`).toEqual(sorted(policies));
      Object.values(e.decisionsPerSecond as Json).forEach(isRate);
      if (w === 'tasks10-d16') {
        for (const k of extra) {
          expect(sorted(keys(e[k])), `${w}.${k}`).toEqual(sorted(policies));
          for (const v of Object.values(e[k] as Json)) (/Rate\}/.test(/`[^`]*`/.exec(table.slice(table.indexOf(`\`${k} `)))![0]) ? isRate(v) : expect(typeof v).toBe('number'));
        }
      } else {
        const inner = braceFields(/`scalarLoops \{policy: (\{[^}]+\})\}`/.exec(other)![1]).all;
        expect(keys(e.scalarLoops), `${w}: LinUCB and Thompson sampling`).toEqual(['linucb', 'thompson']);
        for (const v of Object.values(e.scalarLoops as Json)) {
          expect(keys(v)).toEqual(inner);
          Object.values(v as Json).forEach(isRate);
        }
      }
    }
  });

  it('startup: median seconds per command, its targets and a note', () => {
    const s = j.startup as Json;
    const said = ticked(startup).filter((n) => n !== 'node');
    expect(sorted(keys(s))).toEqual(sorted(said));
    const commands = said.filter((n) => n.endsWith('Seconds'));
    for (const c of commands) expect(typeof s[c]).toBe('number');
    expect(keys(s.targets).length).toBeGreaterThan(0);
    expect(keys(s.targets).filter((k) => !commands.includes(k))).toEqual([]);
    expect(typeof s.note).toBe('string');
  });

  it('meetsTargets: one boolean per documented target of the sections run, and no other', () => {
    const text = part('meetsTargets', NEXT_BULLET).replace(/\([^)]*\)/g, '');
    const patterns = [...text.matchAll(/`([^`{ ]+)`/g)].map((m) => m[1]).filter((p) => !p.startsWith('-'));
    const any = (xs: string[]): string => `(${xs.map((x) => x.replace(/[.-]/g, '\\$&')).join('|')})`;
    const commands = keys((j.startup as Json).targets);
    const re = (p: string): RegExp =>
      new RegExp(`^${p.replace(/\./g, '\\.').replace('<workload>', any(workloads)).replace('<policy>', any(policies)).replace('<command>', any(commands)).replace('<format>', '\\w+')}$`);
    const m = j.meetsTargets as Json;
    expect(keys(m).filter((k) => !patterns.some((p) => re(p).test(k))), 'written, not documented').toEqual([]);
    for (const v of Object.values(m)) expect(typeof v).toBe('boolean');
    // the targets of the sections run (those of --reference aside): each expansion of the pattern is there
    const run = patterns.filter((p) => !p.includes('referenceRatio') && (/^(<workload>|startup)\./.test(p) || workloads.some((w) => p.startsWith(`${w}.`))));
    expect(run.length).toBeGreaterThanOrEqual(3);
    const expand = (ps: string[], slot: string, xs: string[]): string[] => ps.flatMap((p) => (p.includes(slot) ? xs.map((x) => p.replace(slot, x)) : [p]));
    for (const p of run) {
      const want = expand(expand(expand([p], '<workload>', workloads), '<policy>', policies), '<command>', commands);
      expect(want.filter((k) => !(k in m)), p).toEqual([]);
    }
  });
});

describe('docs/outputs.md: the evaluate and split sections of npm run bench', () => {
  type Section = (nQueries?: number) => Promise<Json>;
  const load = async (file: string, fn: string): Promise<Section> => ((await import(resolve(ROOT, 'dist/bench', file))) as Record<string, Section>)[fn];

  // the section functions the bench calls, on a small generated table: the same fields, in seconds
  it.each([
    ['evaluate', 'evaluate.js', 'benchEvaluate'],
    ['split', 'splitSweep.js', 'benchSplitSweep'],
  ])('%s: the documented fields', async (name, file, fn) => {
    const r = await (await load(file, fn))(300);
    expect(keys(r)).toEqual(braceFields(/^ `(\{[^`]+\})`/.exec(part(name, NEXT_BULLET))![1]).all);
    expect(r).toMatchObject({ queries: 300, meetsTarget: expect.any(Number) as unknown });
    expect([0, 1]).toContain(r.meetsTarget);
  });
});
