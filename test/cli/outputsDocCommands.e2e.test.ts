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
import { braceFields, checkAgainstTable, columns, csvHeader, firstSpan, json, type Json, mentioned, names, nestedKeys, section, tableRows } from '../helpers/docTables.js';

const OUTPUTS = readFileSync(resolve(__dirname, '../../docs/outputs.md'), 'utf8');
const OPE = readFileSync(resolve(__dirname, '../../docs/ope.md'), 'utf8');

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

describe('datasets/README.md: the routing log of simulate --log', () => {
  const DATASETS = readFileSync(resolve(__dirname, '../../datasets/README.md'), 'utf8');

  it('simulate --log writes the columns datasets/README.md lists, in its order', () => {
    const logText = section(DATASETS, '## Routing logs').replace(/\s+/g, ' ');
    const said = /writes such a log for any table: every decision of every run, with (.*?) \(e\.g\./.exec(logText)![1];
    const lead = [...said.matchAll(/`(\w+)`/g)].map((m) => m[1]);
    const header = csvHeader(log);
    // the metric columns: any of the log format's own (its column table)
    const metrics = tableRows(section(DATASETS, '## Routing logs')).flatMap((r) => names(r[0]));
    expect(header.slice(0, 6)).toEqual(lead);
    const rest = header.slice(6);
    const k = rest.findIndex((c) => c.startsWith('ctx_'));
    expect(rest.slice(0, k).filter((c) => !metrics.includes(c) || lead.includes(c)), 'metric columns not documented').toEqual([]);
    expect(rest.slice(0, k)).toContain('accuracy');
    expect(rest.slice(k).every((c) => c.startsWith('ctx_'))).toBe(true);
  });
});
