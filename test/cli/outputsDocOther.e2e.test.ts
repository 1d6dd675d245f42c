/**
 * The outputs outputsDocCommands.e2e.test.ts does not cover, against their docs: evaluate (docs/evaluate.md), profile-models
 * (docs/profile-models.md), energy sensitivity (docs/energy-model.md), regress.json and state.json
 * (docs/outputs.md), datasets list/info --json (datasets/README.md), features (docs/features.md). Every field written is documented, every field documented as always there is there.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliInProcess, type CliResult } from '../helpers/cli.js';
import { braceFields, checkAgainstTable, columns, csvHeader, firstSpan, json, type Json, mentioned, names, nestedKeys, section, tableRows } from '../helpers/docTables.js';

const doc = (p: string): string => readFileSync(resolve(__dirname, '../..', p), 'utf8');
const OUTPUTS = doc('docs/outputs.md');
const EVALUATE = doc('docs/evaluate.md');
const PROFILE = doc('docs/profile-models.md');
const ENERGY = doc('docs/energy-model.md');
const FEATURES = doc('docs/features.md');
const DATASETS = doc('datasets/README.md');

const dir = mkdtempSync(join(tmpdir(), 'gs-outdoc2-'));
const at = (...p: string[]): string => join(dir, ...p);
const out: Record<string, string> = {};

async function run(name: string, args: string[], code = 0): Promise<CliResult> {
  const r = await cliInProcess(args);
  expect(r.code, r.stderr).toBe(code);
  out[name] = r.stdout;
  return r;
}

/** A small RouterBench-layout table: two models the energy model knows, two eval families. */
function routerbench(): string {
  const m = ['gpt-4-1106-preview', 'mistralai/mistral-7b-chat'];
  const head = ['', 'sample_id', 'prompt', 'eval_name', ...m, ...m.map((x) => `${x}|model_response`), ...m.map((x) => `${x}|total_cost`), 'oracle_model_to_route_to'];
  const rows = Array.from({ length: 40 }, (_, i) => [i, `x.${i}`, `"['Question ${i} about things?']"`, i % 2 ? 'mmlu-anatomy' : 'hellaswag', i % 3 ? 1 : 0, i % 2, 'a', 'b', 0.003, 0.0001, m[1]].join(','));
  return [head.join(','), ...rows].join('\n') + '\n';
}

beforeAll(async () => {
  writeFileSync(at('rb.csv'), routerbench());
  const ev = ['evaluate', '--routerbench', at('rb.csv'), '--runs', '1', '--lambdas', '0,1', '--policies', 'random,linucb', '--no-charts', '--no-progress'];
  await run('ev', [...ev, '--out', at('ev'), '--json']);
  await run('evEnergy', [...ev, '--cost', 'energy', '--energy-model', 'gpu=H100,batch=8', '--out', at('ev-energy')]);
  await run('evSplit', ['evaluate', '--routerbench', at('rb.csv'), '--runs', '1', '--lambdas', '0.5', '--policies', 'random,knn', '--split', '0.5', '--no-charts', '--no-progress', '--out', at('ev-split')]);
  await run('evShard', [...ev, '--shard', '0/2', '--out', at('ev-shard'), '--json']);
  await run('profile', ['profile-models', '--data', at('rb.csv'), '--cost', 'usd', '--out', at('prof'), '--json']);
  await run('sens', ['energy', 'sensitivity', at('rb.csv'), '--gpus', 'H100', '--batches', '8', '--runs', '1', '--lambdas', '0,1', '--policies', 'random', '--out', at('sens')]);
  writeFileSync(at('e.yaml'), 'name: e\nruns: 1\nlambdas: [0.5]\narms:\n  - policy: random\n  - policy: largest\n');
  await run('expShard', ['experiment', 'run', at('e.yaml'), '--shard', '0/2', '--out', at('exp-shard'), '--json', '--no-progress']);
  const base = { schemaVersion: 1, config: { command: 'simulate', data: 'greenserv-pool', policies: ['random'], lambda: 0.5, runs: 1 } };
  // a changed dataset, a metric gone and new ones: every conditional field of a result is written
  writeFileSync(at('b1.json'), JSON.stringify({ ...base, name: 'b1', dataset: { name: 'greenserv-pool', sha256: '0'.repeat(64) }, metrics: { 'random.finalRegret': 1, 'gone.accuracy': 1 } }));
  writeFileSync(at('b2.json'), JSON.stringify({ ...base, name: 'b2', requires: 'absent-dir', metrics: {} }));
  await run('regress', ['regress', '--baseline', at('b1.json'), '--baseline', at('b2.json'), '--out', at('regress.json'), '--json'], 1);
  await run('list', ['datasets', 'list', '--json']);
  await run('info', ['datasets', 'info', 'greenserv-pool', '--json']);
  writeFileSync(at('q.csv'), 'query_id,text\nq1,What is the capital of France?\nq2,Compute 2+2 and explain.\n');
  await run('featuresJson', ['features', at('q.csv'), '--json']);
  await run('featuresCsv', ['features', at('q.csv')]);
}, 60_000);

describe('docs/evaluate.md: evaluate results', () => {
  const text = section(EVALUATE, '## Outputs');
  const files = new Map(tableRows(text).map((r) => [names(r[0])[0], r[1]]));
  const rows = tableRows(section(text, '`summary.json`:'));
  const top = [...rows.filter((r) => !r[0].includes('.')), ['`baselines`', '']];
  const baselines = rows.filter((r) => r[0].startsWith('`baselines.'));

  it('summary.json: every field documented, the unconditional ones present, nested literals field by field', () => {
    for (const [d, always] of [
      ['ev', []],
      ['ev-energy', ['energy']],
      ['ev-split', ['protocol']],
    ] as const) {
      const s = json(at(d, 'summary.json'));
      expect(s).toMatchObject({ command: 'evaluate', schemaVersion: d === 'ev-split' ? 2 : 1 });
      checkAgainstTable(s, top, `${d} summary.json`, { always: [...always] });
      checkAgainstTable(s.baselines as Json, baselines, `${d} baselines`, { prefix: 'baselines.' });
      for (const f of (s.dataset as Json).families as Json[]) expect(Object.keys(f)).toEqual(braceFields(/each family (`\{[^`]+\}`)/.exec(rows.find((r) => r[0] === '`dataset`')![1])![1]).all);
    }
    expect(json(at('ev', 'summary.json')).energy).toBeUndefined();
    expect(JSON.parse(out.ev)).toEqual(json(at('ev', 'summary.json')));
  });

  it('the energy block: each nested field described in its row', () => {
    const said = mentioned(rows.find((r) => r[0] === '`energy`')![1]);
    const e = json(at('ev-energy', 'summary.json')).energy;
    expect([...nestedKeys(e, new Set())].filter((k) => !said.has(k))).toEqual([]);
  });

  it('the protocol block under --split is the one docs/outputs.md describes', () => {
    const proto = json(at('ev-split', 'summary.json')).protocol as Json;
    checkAgainstTable(proto, tableRows(section(OUTPUTS, '## `summary.json` under the train/test protocol (schemaVersion 2)')), 'protocol', { prefix: 'protocol.', always: ['protocol.lambda', 'protocol.byLambda'] });
    const protoText = section(OUTPUTS, '## `summary.json` under the train/test protocol (schemaVersion 2)');
    expect(csvHeader(at('ev-split', 'protocol.csv'))).toEqual(columns(/`protocol\.csv` holds the same rows \(`([^`]+)`/.exec(protoText)![1]));
  });

  it('runs.csv and points.csv have the documented columns, energy_j in place of cost_usd under --cost energy', () => {
    for (const f of ['runs.csv', 'points.csv']) {
      const cols = columns(firstSpan(files.get(f)!));
      expect(csvHeader(at('ev', f)), f).toEqual(cols);
      expect(csvHeader(at('ev-energy', f)), f).toEqual(cols.map((c) => (c === 'cost_usd' ? 'energy_j' : c)));
    }
  });

  it('manifest.json: the documented fields, config with the always-there settings and only documented ones', () => {
    const cell = files.get('manifest.json')!;
    const [always, sometimes] = cell.slice(cell.indexOf('`config` holds')).split('only when used');
    const all = new Set([...mentioned(always), ...mentioned(sometimes)]);
    for (const d of ['ev', 'ev-energy', 'ev-split']) {
      const m = json(at(d, 'manifest.json'));
      expect(Object.keys(m)).toEqual(braceFields(firstSpan(cell)).all);
      expect(m).toMatchObject({ schemaVersion: 1, command: 'evaluate' });
      const config = Object.keys(m.config as Json);
      expect(config.filter((k) => !all.has(k)), `${d} config: not documented`).toEqual([]);
      const required = names(always.split(/ \(not /)[0]).filter((n) => n !== 'config' && !n.includes(' '));
      expect(required.filter((k) => !config.includes(k)), `${d} config: documented, missing`).toEqual([]);
    }
  });
});

describe('docs/outputs.md: state.json and --json of shard directories', () => {
  const text = section(OUTPUTS, '## Checkpoints and shard directories: `state.json` (schemaVersion 1)');

  it('state.json of an experiment shard and of an evaluation shard have the documented fields', () => {
    checkAgainstTable(json(at('exp-shard', 'state.json')), tableRows(section(text, "An experiment's `state.json`:")), 'experiment state.json', { always: ['shard'] });
    const ev = json(at('ev-shard', 'state.json'));
    expect(ev).toMatchObject({ schemaVersion: 1, kind: 'evaluate' });
    checkAgainstTable(ev, tableRows(section(text, "An evaluation shard's `state.json`:")), 'evaluate state.json');
    for (const f of ['exp-shard/jobs.ndjson', 'ev-shard/cells.ndjson']) {
      expect(Object.keys(JSON.parse(readFileSync(at(f), 'utf8').split('\n')[0]) as Json)).toEqual(braceFields(/Each `\.ndjson` line is\s+(`\{[^`]+\}`)/.exec(text)![1]).all);
    }
  });

  it('--json of a shard prints the documented object', () => {
    const [exp, ev] = [...text.matchAll(/`(\{schemaVersion: 1, kind: "shard"[^`]+\})`/g)].map((m) => braceFields(m[1]).all);
    expect(Object.keys(JSON.parse(out.expShard) as Json)).toEqual(exp);
    expect(Object.keys(JSON.parse(out.evShard) as Json)).toEqual(ev);
  });
});

describe('docs/profile-models.md: profile.json, profile.csv and --json', () => {
  const text = section(PROFILE, '### Files (`--out`)');
  const jsonText = /`profile\.json` — ([\s\S]*?)\. Non-finite/.exec(text)![1];

  it('profile.json has the documented fields, and each models[] entry and its tasks too; --json prints the same', () => {
    const p = json(at('prof', 'profile.json'));
    expect(p.schemaVersion).toBe(1);
    expect(JSON.parse(out.profile)).toEqual(p);
    const top = [...jsonText.replace(/\([^()]*(\([^()]*\)[^()]*)*\)/g, '').matchAll(/`(\w+)(\[\])?`/g)].map((m) => m[1]);
    expect(Object.keys(p)).toEqual(top);
    expect(Object.keys(p.dataset as Json)).toEqual(braceFields(/`dataset` \(`(\{[^`]+\})`/.exec(jsonText)![1]).all);
    const model = /`models\[\]` \(([^]*?)\),\s+`pareto`/.exec(jsonText)![1];
    const [perModel, perTask] = model.split('`tasks.<task>`');
    const except = mentioned(perTask.slice(perTask.indexOf('except'), perTask.indexOf(';')));
    for (const m of p.models as Json[]) {
      const said = mentioned(perModel.replace(/`\{[^`]+\}`/g, ''));
      expect(Object.keys(m).filter((k) => k !== 'tasks' && !said.has(k) && !mentioned(perTask).has(k)), 'models[]: not documented').toEqual([]);
      expect([...said].filter((k) => !Object.keys(m).includes(k)), 'models[]: documented, missing').toEqual([]);
      for (const t of Object.values(m.tasks as Record<string, Json>)) {
        expect(Object.keys(t).filter((k) => !said.has(k) || except.has(k)), 'tasks.<task>: not documented').toEqual([]);
        expect([...said].filter((k) => Object.keys(m).includes(k) && !except.has(k) && !Object.keys(t).includes(k)), 'tasks.<task>: missing').toEqual([]);
      }
      expect(Object.keys(m.accuracy as Json)).toEqual(['mean', 'ci95']);
      expect(Object.keys(m.latencyS as Json)).toEqual(['mean', 'p50', 'p95']);
    }
    expect(Object.keys(p.baselines as Json)).toEqual(braceFields(/`baselines` \(ids: (`\{[^`]+\}`)\)/.exec(jsonText)![1].replace(/\s+/g, ' ')).all);
    for (const d of p.dominated as Json[]) expect(Object.keys(d)).toEqual(['id', 'by']);
  });

  it('profile.csv has the documented columns', () => {
    expect(csvHeader(at('prof', 'profile.csv'))).toEqual(columns(firstSpan(text.slice(text.indexOf('- `profile.csv` — ') + 17))));
  });
});

describe('docs/energy-model.md: sensitivity.json', () => {
  const text = section(ENERGY, '## Sensitivity: `greenserv energy sensitivity`');
  const literal = /`sensitivity\.json` \(schemaVersion 1\): `([^`]+)`/.exec(text)![1];

  it('has the documented fields, its settings[] and routers[] entries too', () => {
    const s = json(at('sens', 'sensitivity.json'));
    expect(s).toMatchObject({ schemaVersion: 1, command: 'energy sensitivity' });
    expect(Object.keys(s)).toEqual(braceFields(literal).all);
    for (const k of ['dataset', 'config', 'tokens']) {
      const inner = braceFields(literal.slice(literal.indexOf(`${k}:`) + k.length + 1)).all;
      expect(Object.keys(s[k] as Json), k).toEqual(inner);
    }
    const setting = braceFields(/Each setting is (`\{[^`]+\}`)/.exec(text)![1]).all;
    for (const x of s.settings as Json[]) expect(Object.keys(x)).toEqual(setting);
    const router = braceFields(/each entry of `routers` is `(\{[^`]+\})`/.exec(text.replace(/\s+/g, ' '))![1]).all;
    for (const x of s.routers as Json[]) expect(Object.keys(x)).toEqual(router);
  });
});

describe('docs/outputs.md: regress.json', () => {
  const text = section(OUTPUTS, '## `greenserv regress`: `regress.json` and baseline files (schemaVersion 1)');

  it('has the documented fields, its results[] and diffs[] entries too; --json prints the same', () => {
    const r = json(at('regress.json'));
    expect(JSON.parse(out.regress)).toEqual(r);
    const rows = tableRows(text);
    checkAgainstTable(r, rows, 'regress.json');
    const result = braceFields(firstSpan(rows.find((x) => x[0] === '`results[]`')![2].replace(/^[^`]*/, ''))).all;
    const diff = braceFields(/Each `diffs\[\]` entry is (`\{[^`]+\}`)/.exec(text)![1]).all;
    const results = r.results as Json[];
    for (const x of results) {
      expect(Object.keys(x).filter((k) => !result.includes(k))).toEqual([]);
      expect(result.filter((k) => !['reason', 'datasetMismatch'].includes(k) && !Object.keys(x).includes(k))).toEqual([]);
      for (const d of x.diffs as Json[]) expect(Object.keys(d)).toEqual(diff);
    }
    expect(Object.keys(results[0].datasetMismatch as Json)).toEqual(['baseline', 'now']);
    expect(results.map((x) => x.status)).toEqual(['fail', 'skipped']);
  });
});

describe('datasets/README.md and docs/features.md: JSON printed to stdout', () => {
  const text = section(DATASETS, '## Inspecting and converting: `greenserv datasets`').replace(/\s+/g, ' ');

  it('datasets list --json and info --json print the documented objects', () => {
    const list = JSON.parse(out.list) as Json;
    const listDoc = /`list` gives `(\{[^`]+\})`/.exec(text)![1];
    expect(Object.keys(list)).toEqual(braceFields(listDoc).all);
    expect(Object.keys(list.cache as Json)).toEqual(['dir', 'files']);
    const info = JSON.parse(out.info) as Json;
    // the optional `files[]` is written only for several files or a directory
    const infoDoc = braceFields(/and `info` `(\{[^`]+\})`/.exec(text)![1]).all;
    expect(Object.keys(info).filter((k) => !infoDoc.includes(k)), 'info: not documented').toEqual([]);
    expect(infoDoc.filter((k) => k !== 'files' && !Object.keys(info).includes(k)), 'info: missing').toEqual([]);
    const said = mentioned(text.slice(text.indexOf('`greenserv datasets list --json`'), text.indexOf('`convert` writes')));
    expect([...nestedKeys(info, new Set(['byTask']))].filter((k) => !said.has(k)), 'info: nested fields not described').toEqual([]);
  });

  it('features --json and the features CSV are as documented', () => {
    const j = JSON.parse(out.featuresJson) as Json;
    expect(Object.keys(j)).toEqual(['schemaVersion', 'queries']);
    const row = braceFields(/one (`\{query_id[^`]+\}`) per query/.exec(FEATURES)![1]).all;
    for (const q of j.queries as Json[]) expect(Object.keys(q)).toEqual(row);
    expect(out.featuresCsv.split('\n')[0].split(',')).toEqual(columns(/printed as CSV:\s+`([^`]+)`/.exec(FEATURES)![1]));
  });
});
