/**
 * The JSON of `npm run bench` against docs/outputs.md ("`npm run bench` and `npm run bench:large`"): the built
 * bench with its two quickest sections (`--only policies,startup --quick`, about 20 s) and with the simulate
 * and x3 sections (`--only simulate,experiment --quick`, about 10 s), the evaluate, split, datasets and
 * features sections' functions on small inputs, and the built `bench:large` on 300 queries; every field
 * written is documented and every documented field of those sections is written.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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

/** The `meetsTargets` entries the bench adds for a section of these figures. */
async function meetsOf(section: string, figures: Json): Promise<Json> {
  const { sectionMeets } = (await import(resolve(ROOT, 'dist/bench/meets.js'))) as { sectionMeets: (k: string, f: Json, m: Json) => Json };
  const file = { datasets: 'datasets.js', features: 'features.js', split: 'splitSweep.js', evaluate: 'evaluate.js' }[section]!;
  return sectionMeets(section, figures, (await import(resolve(ROOT, 'dist/bench', file))) as Json);
}

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
    // meetsTargets: `splitSweep` for split; evaluate's target is not one of them
    expect(await meetsOf(name, r)).toEqual(name === 'split' ? { splitSweep: r.meetsTarget === 1 } : {});
  });
});

describe('docs/outputs.md: the simulate and x3Sweep sections of npm run bench', () => {
  let x: Json;
  beforeAll(async () => {
    const r = await promisify(execFile)(process.execPath, ['--expose-gc', resolve(ROOT, 'dist/bench/index.js'), '--only', 'simulate,experiment', '--quick'], { maxBuffer: 1 << 24 });
    x = JSON.parse(r.stdout) as Json;
  });

  it('simulate {seconds, peakRssMiB}, x3Sweep the same with a note, and their targets in meetsTargets', () => {
    const said = /`simulate`: `(\{[^`]+\})` of child processes; `x3Sweep`: the same with a `(\w+)`/.exec(bench)!;
    const sim = braceFields(said[1]).all;
    expect(keys(x).filter((k) => !['schemaVersion', 'kind', 'machine', 'targets', 'meetsTargets'].includes(k))).toEqual(['simulate', 'x3Sweep']);
    expect(keys(x.simulate)).toEqual(sim);
    expect(keys(x.x3Sweep)).toEqual([...sim, said[2]]);
    for (const k of sim) for (const s of [x.simulate, x.x3Sweep] as Json[]) expect(s[k], k).toBeGreaterThan(0);
    expect(typeof (x.x3Sweep as Json).note).toBe('string');
    // the targets the top-level `targets` names for them, each checked against its own figure
    const t = x.targets as Json;
    const secs = (s: unknown): number => (s as Json).seconds as number;
    expect(x.meetsTargets).toEqual({ simulate: secs(x.simulate) < (t.simulateSeconds as number), x3Sweep: secs(x.x3Sweep) < (t.x3SweepSeconds as number) });
  });
});

/**
 * The documented names of a flat section (`datasets`, `features`): backticked names outside parentheses; in
 * each clause (up to `, then` or `;`) a `{a, b}` or `.{a, b}` after bare names applies to each of them,
 * `x.{a, b}` gives x.a and x.b, and a bare name that heads dotted ones (`embed` of `embed.dim`) is no field.
 */
function flatNames(text: string): string[] {
  let t = text;
  while (/\([^()]*\)/.test(t)) t = t.replace(/\([^()]*\)/g, '');
  const out: string[] = [];
  const inner = (lit: string): string[] => braceFields(lit).all;
  for (const clause of t.split(/, then |; /)) {
    let bare: string[] = [];
    for (const [, span] of clause.matchAll(/`([^`]+)`/g)) {
      if (/^\.?\{/.test(span)) {
        out.push(...bare.flatMap((b) => inner(span).map((f) => `${b}.${f}`)));
        bare = [];
      } else if (/^\w+$/.test(span)) bare.push(span);
      else if (/^\w+\.\{/.test(span)) out.push(...inner(span).map((f) => `${span.split('.')[0]}.${f}`));
      else if (/^\w+(\.\w+)+$/.test(span)) out.push(span);
    }
    out.push(...bare);
  }
  return sorted(out.filter((n) => !out.some((m) => m.startsWith(`${n}.`))));
}

describe('docs/outputs.md: the datasets and features sections of npm run bench', () => {
  const fn = async <A extends unknown[]>(file: string, name: string): Promise<(...a: A) => Promise<Json>> =>
    ((await import(resolve(ROOT, 'dist/bench', file))) as Record<string, (...a: A) => Promise<Json>>)[name];
  const prefixed = (r: Json, p: string): string[] => sorted(keys(r).map((k) => (k.startsWith(`${p}.`) ? k.slice(p.length + 1) : `(unprefixed) ${k}`)));

  it('datasets: every documented figure, each a number, and no other (on 300 prompts)', async () => {
    const r = await (await fn<[number]>('datasets.js', 'benchDatasets'))(300);
    const said = flatNames(bench.slice(bench.indexOf('`datasets` (loads') + 10, bench.indexOf('; `features` (')));
    expect(said.length).toBeGreaterThan(20);
    // without a Python with pandas the pickle's four figures are one string saying why
    const skipped = typeof r['datasets.pickle'] === 'string';
    if (skipped) console.warn(`datasets: ${r['datasets.pickle'] as string}`);
    const want = skipped ? sorted([...said.filter((n) => !n.startsWith('pickle.')), 'pickle']) : said;
    expect(prefixed(r, 'datasets')).toEqual(want);
    for (const [k, v] of Object.entries(r)) if (k !== 'datasets.pickle' || !skipped) expect(typeof v, k).toBe('number');
    expect(r).toMatchObject({ 'datasets.prompts': 300, 'datasets.models': 11 });
    // the three formats meetsTargets names (`datasets.<format>`) each have the two figures it compares
    const formats = [.../`datasets\.<format>` \(([^)]*):/.exec(part('meetsTargets', NEXT_BULLET))![1].matchAll(/`(\w+)`/g)].map((m) => m[1]);
    expect(formats.length).toBeGreaterThan(0);
    for (const f of formats) {
      expect(r[`datasets.${f}.loadSeconds`], f).toBeGreaterThan(0);
      expect(r[`datasets.${f}.peakOverTable`], f).toEqual(expect.any(Number));
    }
    // one boolean per format: its load time and its peak over the table each under the section's targets
    const { DATASET_TARGETS: t } = (await import(resolve(ROOT, 'dist/bench/datasets.js'))) as { DATASET_TARGETS: Record<string, number> };
    const meets = (x: Json): Json => Object.fromEntries(formats.map((f) => [`datasets.${f}`, (x[`datasets.${f}.loadSeconds`] as number) < t[`${f}Seconds`] && (x[`datasets.${f}.peakOverTable`] as number) < t.peakOverTable]));
    expect(await meetsOf('datasets', r)).toEqual(meets(r));
    const slow = { ...r, 'datasets.csv.loadSeconds': t.csvSeconds, 'datasets.arrow.peakOverTable': 0, 'datasets.arrow.loadSeconds': 0 };
    expect(await meetsOf('datasets', slow)).toMatchObject({ 'datasets.csv': false, 'datasets.arrow': true });
  });

  it('features: every documented figure, each a number, and no other (200 prompts, embed on 400)', async () => {
    const r = await (await fn<[{ prompts: number; embedQueries: number }]>('features.js', 'benchFeatures'))({ prompts: 200, embedQueries: 400 });
    const said = flatNames(bench.slice(bench.indexOf('`features` (queries per second') + 10, bench.indexOf('; `evaluate`:')));
    expect(prefixed(r, 'features')).toEqual(said);
    for (const [k, v] of Object.entries(r)) expect(typeof v, k).toBe('number');
    const real = existsSync(resolve(ROOT, '../shared/data/greenserv/prompts'));
    if (!real) console.warn('features: ../shared/data/greenserv/prompts not found, so the synthetic prompts were timed (realPrompts 0)');
    const { FEATURE_TARGETS } = (await import(resolve(ROOT, 'dist/bench/features.js'))) as { FEATURE_TARGETS: { embedQps: number } };
    expect(r).toMatchObject({
      'features.queries': 200,
      'features.realPrompts': real ? 1 : 0,
      'features.embed.queries': 400,
      'features.embed.trainQueries': 200,
      'features.embed.dim': Number(/`embed\.dim` \((\d+)\)/.exec(bench)![1]),
      'features.embed.targetQps': FEATURE_TARGETS.embedQps,
    });
    // `features.embed`: `features.embed.qps` ≥ `features.embed.targetQps`
    const at = (qps: number): Json => ({ ...r, 'features.embed.qps': qps });
    expect(await meetsOf('features', r)).toEqual({ 'features.embed': (r['features.embed.qps'] as number) >= FEATURE_TARGETS.embedQps });
    expect(await meetsOf('features', at(FEATURE_TARGETS.embedQps))).toEqual({ 'features.embed': true });
    expect(await meetsOf('features', at(FEATURE_TARGETS.embedQps - 1))).toEqual({ 'features.embed': false });
  });
});

describe('docs/outputs.md: the JSON of npm run bench:large', () => {
  const large = doc.slice(doc.indexOf('`npm run bench:large` (`kind: "bench-large"`)'));
  const head = braceFields(/^`npm run bench:large` \(`kind: "bench-large"`\): `(\{[^`]+\})`/.exec(large)![1]).all;
  const inner = (name: string): string[] => braceFields(new RegExp(`${name} (\\{[^}]+\\})`).exec(large)![1]).all;
  const each = braceFields(/each is `(\{[^`]+\})`/.exec(large)![1]).all;
  const simExtra = /the simulations with `(\w+)`/.exec(large)![1];
  const convExtra = /the conversions with `(\w+)`/.exec(large)![1];
  const parts = head.slice(-5);
  const run = async (...args: string[]): Promise<Json> =>
    JSON.parse((await promisify(execFile)(process.execPath, ['--expose-gc', resolve(ROOT, 'dist/bench/large.js'), ...args], { maxBuffer: 1 << 24 })).stdout) as Json;

  it('every part on 300 queries: the documented fields, and each part {seconds, peakMB} with its extra field', async () => {
    const j = await run('--queries', '300');
    expect(keys(j)).toEqual(head);
    expect(j).toMatchObject({ schemaVersion: 1, kind: 'bench-large', queries: 300, models: 16, cells: 300 * 16 });
    expect(keys(j.machine)).toEqual(inner('machine'));
    expect(keys(j.targets)).toEqual(inner('targets'));
    for (const k of ['csvFileMB', 'generateSeconds']) expect(typeof j[k], k).toBe('number');
    expect(parts).toEqual(['simulateCsv', 'convert', 'simulateParquet', 'convertStream', 'simulateLongParquet']);
    for (const p of parts) {
      const extra = p.startsWith('simulate') ? simExtra : convExtra;
      expect(keys(j[p]), p).toEqual([...each, extra]);
      for (const v of Object.values(j[p] as Json)) expect(typeof v, p).toBe('number');
      if (p.startsWith('simulate')) expect((j[p] as Json).bytesPerCell).toBeCloseTo((((j[p] as Json).peakMB as number) * 1e6) / (300 * 16), 1);
    }
  });

  it('--only: the parts asked for and no others (convert also with parquet, which needs the file)', async () => {
    const a = await run('--queries', '50', '--only=csv');
    expect(keys(a).filter((k) => parts.includes(k))).toEqual(['simulateCsv']);
    expect(a.queries).toBe(50);
    const b = await run('--queries', '50', '--only', 'parquet');
    expect(keys(b).filter((k) => parts.includes(k))).toEqual(['convert', 'simulateParquet']);
  });
});
