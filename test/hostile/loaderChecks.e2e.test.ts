/**
 * Hostile input through the CLI, loader checks: each case exits 2 with one bounded message naming the
 * file (and line and column or field where there is one), writes nothing, and is not silently read.
 * CLI tests need a build (`npx tsc -p tsconfig.json`).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Field, Float64, List, makeVector, Table, tableToIPC, vectorFromArray } from 'apache-arrow';
import { cli, type CliResult } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'greenserv-loader-checks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** Exit 2, one `greenserv: error:` line matching `msg`, no stack trace, and `out` not created. */
function refused(r: CliResult, msg: RegExp, out?: string): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(/^greenserv: error: /m);
  expect(r.stderr).toMatch(msg);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  if (out !== undefined) expect(existsSync(out), out).toBe(false);
}

/** A RouterBench CSV: models m-a and m-b, `n` prompts from `start`, and `emb` emb_j columns when > 0. */
function rbCsv(n: number, emb: number, start = 0): string {
  const head = ['', 'sample_id', 'prompt', 'eval_name', 'm-a', 'm-b', 'm-a|total_cost', 'm-b|total_cost', 'oracle_model_to_route_to'];
  for (let j = 0; j < emb; j++) head.push(`emb_${j}`);
  const lines = [head.join(',')];
  for (let i = 0; i < n; i++) {
    const q = start + i;
    const task = q % 2 ? 'gsm8k' : 'mmlu';
    const row = [String(i), `${task}.${q}`, `prompt ${q}`, task, String(q % 2), String(Math.floor(q / 2) % 2), '0.001', '0.01', 'm-a'];
    for (let j = 0; j < emb; j++) row.push(String(Math.sin(q * 7 + j)));
    lines.push(row.join(','));
  }
  return lines.join('\n') + '\n';
}

const SIM = ['--runs', '1', '--no-progress', '--policies', 'random,linucb'];
const EVAL = ['--policies', 'knn,train-best-static', '--lambdas', '0', '--runs', '1', '--no-progress', '--no-charts'];

describe('an Arrow embedding list with a null element', () => {
  const type = new List(new Field('item', new Float64(), true));
  const rows = [[0.1, 0.2, 0.3, 0.4], [0.5, 0.6, -0.1, 0.2], [0.3, 0.1, 0.9, -0.3], [0.67, null, -0.4, -0.5], [0.2, 0.2, 0.2, 0.1]];
  const arrow = write(
    'null-emb.arrow',
    tableToIPC(
      new Table({
        query_id: vectorFromArray(rows.map((_, i) => `q${i}`)),
        task: vectorFromArray(rows.map(() => 'mmlu')),
        'a|accuracy': makeVector(Float64Array.from(rows, (_, i) => i % 2)),
        'b|accuracy': makeVector(Float64Array.from(rows, (_, i) => 1 - (i % 2))),
        embedding: vectorFromArray(rows, type),
      }),
      'file',
    ),
  );
  const msg = /null-emb\.arrow:4 \(column 'embedding'\): embedding value 1 is not a number/;

  it('simulate --features embedding refuses it (it read as 0)', async () => {
    const out = join(dir, 'out-null-sim');
    refused(await cli(['simulate', '--data', arrow, '--features', 'embedding', ...SIM, '--out', out]), msg, out);
  });

  it('datasets convert refuses it and writes nothing', async () => {
    const to = join(dir, 'null-emb.jsonl');
    refused(await cli(['datasets', 'convert', arrow, to]), msg, to);
  });
});

describe('--features embedding with --train: the message names the table that differs', () => {
  const test = write('rb_emb.csv', rbCsv(40, 4));
  const plain = write('rb.csv', rbCsv(40, 0, 100));
  const narrow = write('rb_emb3.csv', rbCsv(40, 3, 100));

  it('evaluate: a train table without embeddings, or of another width', async () => {
    const out = join(dir, 'out-train-emb');
    let r = await cli(['evaluate', '--routerbench', test, '--train', plain, '--features', 'embedding', ...EVAL, '--out', out]);
    refused(r, /the train table '[^']*rb\.csv' has no embedding column, while the test table 'rb_emb\.csv' has one \(4 values\)/, out);
    expect(r.stderr).not.toMatch(/'rb_emb\.csv' has no embedding/);
    r = await cli(['evaluate', '--routerbench', test, '--train', narrow, '--features', 'embedding', ...EVAL, '--out', out]);
    refused(r, /embeddings differ in width: 3 values in the train table '[^']*rb_emb3\.csv', 4 values in the test table 'rb_emb\.csv'/, out);
    r = await cli(['evaluate', '--routerbench', plain, '--train', test, '--features', 'embedding', ...EVAL, '--out', out]);
    refused(r, /the test table 'rb\.csv' has no embedding column, while the train table '[^']*rb_emb\.csv' has one/, out);
  });

  it('simulate: the same', async () => {
    const out = join(dir, 'out-train-emb-sim');
    const r = await cli(['simulate', '--data', test, '--train', plain, '--features', 'embedding', ...SIM, '--out', out]);
    refused(r, /the train table '[^']*rb\.csv' has no embedding column, while the test table 'rb_emb\.csv' has one/, out);
  });
});

describe('RouterBench model columns without a filled cell', () => {
  /** rbCsv with the cells of `blank` columns emptied, and `junk` stray empty columns appended. */
  const variant = (blank: string[], junk = 0): string => {
    const lines = rbCsv(12, 0).trimEnd().split('\n');
    const head = lines[0].split(',');
    const at = blank.map((c) => head.indexOf(c));
    const extra = Array.from({ length: junk }, (_, j) => `junk${j}`);
    return [[...head, ...extra].join(','), ...lines.slice(1).map((l) => [...l.split(',').map((v, k) => (at.includes(k) ? '' : v)), ...extra.map(() => '')].join(','))].join('\n') + '\n';
  };

  it('evaluate names the model no cell of which is filled; exit 2, nothing written', async () => {
    for (const blank of [['m-b'], ['m-b', 'm-b|total_cost']]) {
      const f = write(`blank-${blank.length}.csv`, variant(blank));
      const out = join(dir, `out-blank-${blank.length}`);
      const r = await cli(['evaluate', '--routerbench', f, ...EVAL, '--out', out]);
      refused(r, /not a RouterBench table: no cell of model m-b is filled/, out);
      expect(r.stderr).not.toMatch(/missing column/);
    }
  });

  it('20,000 stray columns: evaluate gives a short message; simulate warns (briefly) that they have no cell', async () => {
    const f = write('junk.csv', variant([], 20_000));
    const out = join(dir, 'out-junk');
    const r = await cli(['evaluate', '--routerbench', f, ...EVAL, '--out', out]);
    refused(r, /missing columns junk0\|total_cost, .* … and 19990 more/, out);
    expect(r.stderr.length).toBeLessThan(1000);
    const s = await cli(['simulate', '--data', f, ...SIM, '--cost', 'usd', '--out', join(dir, 'out-junk-sim')]);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stderr).toMatch(/warning: .*junk\.csv: 20000 of 20002 model column\(s\) have no filled cell: junk0, .* and 19990 more/);
    expect(s.stderr.length).toBeLessThan(3000);
  });
});

describe('ope: rewards that would overflow the estimators', () => {
  const head = 'query_id,model_id,propensity,accuracy,task,reward\n';
  const rows = (last: string): string => head + Array.from({ length: 20 }, (_, i) => `q${i},${i % 2 ? 'a' : 'b'},0.5,${i % 3 ? 1 : 0},mmlu,${i === 19 ? last : (i % 3 ? 0.8 : 0)}`).join('\n') + '\n';

  it('a reward of 1e308 is refused naming file, line and column; nothing is written', async () => {
    const f = write('log-big.csv', rows('1e308'));
    const out = join(dir, 'out-ope-big');
    refused(await cli(['ope', '--logs', f, '--policies', 'static:a,random', '--bootstrap', '50', '--out', out]), /log-big\.csv:21 \(column 'reward'\): reward 1e\+308 is outside \[-1e\+6, 1e\+6\]/, out);
  });

  it('an estimate that overflows anyway (a propensity of 1e-300) is null with a note in summary.json, never "inf"', async () => {
    const f = write('log-tiny-p.csv', rows('1e6').replace(/q19,a,0\.5,/, 'q19,a,1e-300,'));
    const out = join(dir, 'out-ope-tiny');
    const r = await cli(['ope', '--logs', f, '--policies', 'static:a', '--estimators', 'ips,snips,dm', '--bootstrap', '50', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: \d+ estimate\(s\) overflowed the range of a double: static:a ips \(reward\)/);
    const text = readFileSync(join(out, 'summary.json'), 'utf8');
    expect(text).not.toContain('"inf"');
    const ips = (JSON.parse(text) as { policies: { estimates: { metric: string; estimator: string; sd: unknown; note?: string }[] }[] }).policies[0].estimates.find((e) => e.metric === 'reward' && e.estimator === 'ips')!;
    expect(ips.sd).toBeNull();
    expect(ips.note).toMatch(/^sd overflowed/);
  });
});
