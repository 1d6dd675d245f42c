/**
 * The documented schemas of docs/outputs.md and docs/ope.md against real results directories: every field a
 * file holds is documented, every field documented as always there is there, and the CSV and Arrow columns are
 * the documented ones, so the docs cannot drift from the writers unnoticed.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliInProcess } from '../helpers/cli.js';

const OUTPUTS = readFileSync(resolve(__dirname, '../../docs/outputs.md'), 'utf8');
const OPE = readFileSync(resolve(__dirname, '../../docs/ope.md'), 'utf8');

type Json = Record<string, unknown>;

/** The text from `start` to the next heading of the same or a higher level (or the end). */
function section(doc: string, start: string): string {
  const i = doc.indexOf(start);
  if (i < 0) throw new Error(`no '${start}' in the doc`);
  const level = /^#+/.exec(start)?.[0].length ?? 6;
  const rest = doc.slice(i + start.length);
  const next = new RegExp(`\\n#{1,${level}} `).exec(rest);
  return next ? rest.slice(0, next.index) : rest;
}

/** The rows of the first markdown table in `text`, cells split at unescaped pipes (header and rule left out). */
function tableRows(text: string): string[][] {
  const lines = text.split('\n').map((l) => l.trim());
  const start = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[][] = [];
  for (let i = start + 2; i < lines.length && lines[i].startsWith('|'); i++) {
    rows.push(lines[i].slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim()));
  }
  return rows;
}

/** The field names of a table's first cell: backticked names outside parentheses, `[]` and `protocol.` dropped. */
function names(cell: string, prefix = ''): string[] {
  return [...cell.replace(/\([^)]*\)/g, '').matchAll(/`([^`]+)`/g)].map((m) => m[1].replace(/\[\]$/, '').replace(prefix, ''));
}

/** A first cell or meaning that says the field is there only sometimes. */
const conditional = (row: string[]): boolean => /\(|only|absent/.test(row[0]) || /^(object, absent|only )/.test(row[2] ?? '') || /^only /.test(row[1] ?? '');

interface Fields {
  all: string[];
  required: string[];
}

/** The fields of a `{a, b[], c: [lo, hi], d[, e], f?}` literal: `e` and `f` optional, nested braces skipped. */
function braceFields(literal: string): Fields {
  const open = literal.indexOf('{');
  let depth = 0;
  let item = '';
  const items: string[] = [];
  for (const ch of literal.slice(open + 1).replace(/\[,\s*(\w+)\]/g, ', $1?')) {
    if ('{['.includes(ch)) depth++;
    if ('}]'.includes(ch)) depth--;
    if (depth < 0) break;
    if (ch === ',' && depth === 0) {
      items.push(item);
      item = '';
    } else item += ch;
  }
  items.push(item);
  const all: string[] = [];
  const required: string[] = [];
  for (const it of items.map((s) => s.trim())) {
    const m = /^(\w+)/.exec(it);
    if (!m) continue;
    all.push(m[1]);
    if (!/^\w+(\[\])?\?/.test(it)) required.push(m[1]);
  }
  return { all, required };
}

/** Every identifier of the row's backticked spans: what a prose description of nested fields mentions. */
function mentioned(text: string): Set<string> {
  return new Set([...text.matchAll(/`([^`]+)`/g)].flatMap((m) => m[1].match(/\w+/g) ?? []));
}

/** The keys of `v` at every depth (array items included), those of maps keyed by ids left out. */
function nestedKeys(v: unknown, maps: Set<string>, out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) for (const x of v) nestedKeys(x, maps, out);
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      out.add(k);
      if (!maps.has(k)) nestedKeys(x, maps, out);
    }
  }
  return out;
}

/** Checks `obj` against the rows of a field table: its keys documented, the unconditional ones present, brace literals field by field. */
function checkAgainstTable(obj: Json, rows: string[][], what: string, opts: { prefix?: string; always?: string[] } = {}): void {
  const documented = new Map<string, string[]>();
  for (const row of rows) for (const n of names(row[0], opts.prefix)) documented.set(n, row);
  const keys = Object.keys(obj);
  expect(keys.filter((k) => !documented.has(k)), `${what}: fields written but not documented`).toEqual([]);
  const required = [...documented].filter(([n, row]) => !conditional(row) || opts.always?.includes(n)).map(([n]) => n);
  expect(required.filter((n) => !keys.includes(n)), `${what}: documented fields missing`).toEqual([]);
  for (const [n, row] of documented) {
    const literal = row.slice(1).find((c) => /^`\{/.test(c) && !c.includes('<'));
    const v = obj[n];
    if (!literal || v === null || v === undefined) continue;
    const f = braceFields(literal);
    for (const item of (Array.isArray(v) ? v : [v]) as Json[]) {
      const ks = Object.keys(item);
      expect(ks.filter((k) => !f.all.includes(k)), `${what}.${n}: fields written but not documented`).toEqual([]);
      expect(f.required.filter((k) => !ks.includes(k)), `${what}.${n}: documented fields missing`).toEqual([]);
    }
  }
}

/** The comma-separated column list of a backticked span, whitespace normalised. */
const columns = (span: string): string[] => span.replace(/\s+/g, ' ').split(',').map((c) => c.trim());
const firstSpan = (text: string): string => /`([^`]+)`/.exec(text)![1];
const csvHeader = (file: string): string[] => readFileSync(file, 'utf8').split('\n')[0].split(',');
const json = (file: string): Json => JSON.parse(readFileSync(file, 'utf8')) as Json;

const dir = mkdtempSync(join(tmpdir(), 'gs-outdoc-'));
const sim = join(dir, 'sim');
const scen = join(dir, 'scen');
const split = join(dir, 'split');
const exp = join(dir, 'exp');
const expSplit = join(dir, 'exp-split');
const opeOut = join(dir, 'ope');
const log = join(dir, 'log.csv');

async function run(args: string[]): Promise<void> {
  const r = await cliInProcess(args[0] === 'ope' ? args : [...args, '--no-progress']);
  expect(r.code, r.stderr).toBe(0);
}

beforeAll(async () => {
  const base = ['simulate', '--runs', '2', '--steps', 'arrow'];
  await run([...base, '--policies', 'random,linucb', '--out', sim]);
  await run([...base, '--policies', 'epsilon-greedy', '--log', log, '--out', join(dir, 'logged')]);
  await run([...base, '--policies', 'random,budgeted-linucb', '--budget', 'energy=0.05', '--drift', 'step=1000,model=phi-4-mini-4b,accuracy=-0.3', '--feedback-delay', '5', '--out', scen]);
  await run(['simulate', '--runs', '1', '--split', '0.5', '--splits', '2', '--policies', 'random,knn,train-best-static', '--out', split]);
  writeFileSync(
    join(dir, 'e.yaml'),
    'name: e\nruns: 2\nlambdas: [0.5]\npool:\n  exclude: [gemma-3-12b]\n  events:\n    - {step: 1000, add: [gemma-3-12b]}\narms:\n  - policy: linucb\n  - policy: random\nexpected:\n  source: doc test\n  values:\n    - {lambda: 0.5, label: linucb, finalRegret: 400}\n',
  );
  await run(['experiment', 'run', join(dir, 'e.yaml'), '--no-charts', '--out', exp]);
  writeFileSync(join(dir, 's.yaml'), 'name: s\nruns: 1\nlambdas: [0.3, 0.5]\nsplit: 0.5\nbudget: energy=0.05\narms:\n  - policy: train-best-static\n  - policy: budgeted-linucb\n');
  await run(['experiment', 'run', join(dir, 's.yaml'), '--no-charts', '--out', expSplit]);
  await run(['ope', '--logs', log, '--policies', 'best-static,random,linucb', '--table', 'greenserv-pool', '--bootstrap', '50', '--out', opeOut]);
}, 120_000);

describe('docs/outputs.md: simulate', () => {
  const top = tableRows(section(OUTPUTS, '## `summary.json` (schemaVersion 1)'));
  const policyRows = tableRows(section(OUTPUTS, 'Each `policies[]` entry:'));

  it('summary.json has the documented fields, and each policies[] entry too', () => {
    for (const d of [sim, scen]) {
      const s = json(join(d, 'summary.json'));
      expect(s.schemaVersion).toBe(1);
      checkAgainstTable(s, top, 'summary.json', { always: d === scen ? ['scenario'] : [] });
      for (const p of s.policies as Json[]) {
        checkAgainstTable(p, policyRows, 'policies[]');
        expect(Object.keys(p.finalRegret as Json)).toEqual(['mean', 'sd', 'ci95']);
      }
    }
    expect(json(join(sim, 'summary.json')).scenario).toBeUndefined();
  });

  it('the scenario section holds the documented sections, each field of them described', () => {
    const rows = tableRows(section(OUTPUTS, '`scenario` (docs/model.md §11;'));
    const s = json(join(scen, 'summary.json')).scenario as Json;
    checkAgainstTable(s, rows, 'scenario', { always: ['budget', 'events', 'feedback'] });
    for (const row of rows) {
      const [name] = names(row[0]);
      const said = mentioned(row.slice(1).join(' '));
      expect([...nestedKeys(s[name], new Set())].filter((k) => !said.has(k)), `scenario.${name}: fields not described`).toEqual([]);
    }
  });

  it('runs.csv, steps.arrow and manifest.json have the documented columns and fields', () => {
    expect(csvHeader(join(sim, 'runs.csv'))).toEqual(columns(firstSpan(section(OUTPUTS, '## `runs.csv`'))));
    const steps = tableFromIPC(readFileSync(join(sim, 'steps.arrow')));
    expect(steps.schema.fields.map((f) => f.name)).toEqual(columns(firstSpan(section(OUTPUTS, '## `steps.csv` / `steps.arrow`'))));
    const m = json(join(sim, 'manifest.json'));
    const doc = braceFields(firstSpan(section(OUTPUTS, '## `manifest.json` (schemaVersion 1)')));
    expect(Object.keys(m)).toEqual(doc.all);
    expect(m.schemaVersion).toBe(1);
  });

  it('under --split: schemaVersion 2, the protocol block and protocol.csv as documented', () => {
    const s = json(join(split, 'summary.json'));
    expect(s.schemaVersion).toBe(2);
    checkAgainstTable(s, [...top, ['`protocol`', 'object', '']], 'summary.json');
    const protoText = section(OUTPUTS, '## `summary.json` under the train/test protocol (schemaVersion 2)');
    checkAgainstTable(s.protocol as Json, tableRows(protoText), 'protocol', { prefix: 'protocol.' });
    const rows = tableRows(section(OUTPUTS, 'Each `protocol.policies[]` row:'));
    for (const p of (s.protocol as Json).policies as Json[]) checkAgainstTable(p, rows, 'protocol.policies[]');
    expect(csvHeader(join(split, 'protocol.csv'))).toEqual(columns(/`protocol\.csv` holds the same rows \(`([^`]+)`/.exec(protoText)![1]));
  });
});

describe('docs/outputs.md: experiment results', () => {
  const text = section(OUTPUTS, '## Experiment results: `greenserv experiment run` and `merge`');
  const top = tableRows(section(text, '`summary.json` (schemaVersion 1; 2 with `split:` or `train:`):'));

  it('the CSV files have the documented columns', () => {
    const files = new Map(tableRows(text).map((r) => [names(r[0])[0], r[1]]));
    for (const f of ['runs.csv', 'curves.csv', 'selection.csv', 'significance.csv', 'comparison.csv']) {
      expect(csvHeader(join(exp, f)), f).toEqual(columns(firstSpan(files.get(f)!)));
    }
  });

  it('summary.json, its cells[] and their perRun[] have the documented fields', () => {
    const cellText = /Each `cells\[\]` entry is (`\{[^`]+\}`)[\s\S]*?`perRun\[\]` entries\s+(`\{[^`]+\}`)/.exec(text)!;
    for (const [d, always] of [
      [exp, []],
      [expSplit, ['protocol', 'scenario']],
    ] as const) {
      const s = json(join(d, 'summary.json'));
      expect(s.kind).toBe('experiment');
      checkAgainstTable(s, top, `${d} summary.json`, { always: [...always] });
      for (const c of s.cells as Json[]) {
        expect(Object.keys(c).sort()).toEqual(braceFields(cellText[1]).all.sort());
        for (const r of c.perRun as Json[]) expect(Object.keys(r).sort()).toEqual(braceFields(cellText[2]).all.sort());
      }
    }
    const withSplit = json(join(expSplit, 'summary.json'));
    const protoRows = tableRows(section(OUTPUTS, '## `summary.json` under the train/test protocol (schemaVersion 2)'));
    checkAgainstTable(withSplit.protocol as Json, protoRows, 'protocol', { prefix: 'protocol.', always: ['protocol.lambda', 'protocol.byLambda'] });
  });
});

describe('docs/ope.md and docs/outputs.md: ope results', () => {
  const rows = tableRows(section(OPE, '### Outputs'));

  it('summary.json has the documented fields, each nested field described in its row', () => {
    const s = json(join(opeOut, 'summary.json'));
    expect(s).toMatchObject({ kind: 'ope', schemaVersion: 1 });
    checkAgainstTable(s, rows, 'ope summary.json');
    const extra = tableRows(section(OUTPUTS, '## `greenserv ope` results'));
    for (const row of rows) {
      for (const name of names(row[0])) {
        // the fields outputs.md adds to the policies' (flags, vsLogged, verdict) are described there
        const said = mentioned([row[1], ...extra.filter((e) => names(e[0])[0].startsWith(`${name}.`) || names(e[0])[0] === name).map((e) => e.join(' '))].join(' '));
        expect([...nestedKeys(s[name], new Set(['truth', 'params']))].filter((k) => !said.has(k)), `${name}: fields not described`).toEqual([]);
      }
    }
  });

  it('estimates.csv has the documented columns', () => {
    const span = /`estimates\.csv`: one row per policy, metric and estimator — `([^`]+)`/.exec(OPE)![1];
    expect(csvHeader(join(opeOut, 'estimates.csv'))).toEqual(columns(span));
  });
});
