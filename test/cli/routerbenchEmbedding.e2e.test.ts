/**
 * `evaluate --routerbench <file> --features embedding` on RouterBench tables that carry their own embedding
 * (emb_j columns in CSV, an embedding list column in Parquet), through the CLI: the runs succeed with and
 * without --split, knn routes by the embedding, and bad embeddings exit 2 naming file, row and column.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { Rng } from '../../src/core/rng.js';
import { cli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'greenserv-rb-emb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MODELS = ['alpha', 'beta'];
const COST = [0.002, 0.0005];

/**
 * 48 prompts in two eval families. In each family every third prompt is one only beta answers, the others
 * ones only alpha answers; the embedding says which (a unit axis per kind, plus small noise), the eval
 * family does not.
 */
function rows(): { id: string; evalName: string; acc: number[]; emb: number[] }[] {
  const rng = new Rng(11);
  const noise = (): number => (rng.next() - 0.5) * 0.2;
  return Array.from({ length: 48 }, (_, i) => {
    const fam = i % 2 ? 'hellaswag' : 'mmlu-anatomy';
    const beta = Math.floor(i / 2) % 3 === 0;
    const emb = beta ? [noise(), 1, noise(), noise()] : [1, noise(), noise(), noise()];
    return { id: `p${String(i).padStart(2, '0')}`, evalName: fam, acc: beta ? [0, 1] : [1, 0], emb };
  });
}

function csv(): string {
  const head = ['', 'sample_id', 'prompt', 'eval_name', 'emb_0', ...MODELS, 'emb_1', ...MODELS.map((m) => `${m}|model_response`), ...MODELS.map((m) => `${m}|total_cost`), 'emb_2', 'emb_3', 'oracle_model_to_route_to'];
  const lines = [head.join(',')];
  rows().forEach((r, i) => lines.push([i, r.id, `"['question ${i}']"`, r.evalName, r.emb[0], ...r.acc, r.emb[1], `"['x']"`, `"['y']"`, ...COST, r.emb[2], r.emb[3], MODELS[r.acc.indexOf(1)]].join(',')));
  return lines.join('\n') + '\n';
}

function parquet(rs = rows()): Uint8Array {
  const list = [
    { name: 'embedding', repetition_type: 'OPTIONAL', num_children: 1, converted_type: 'LIST' },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    { name: 'element', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
  ];
  const str = (name: string) => ({ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' });
  const dbl = (name: string) => ({ name, type: 'DOUBLE', repetition_type: 'REQUIRED' });
  const buf = parquetWriteBuffer({
    columnData: [
      { name: 'sample_id', data: rs.map((r) => r.id) },
      { name: 'eval_name', data: rs.map((r) => r.evalName) },
      ...MODELS.flatMap((m, j) => [
        { name: m, data: rs.map((r) => r.acc[j]) },
        { name: `${m}|total_cost`, data: rs.map(() => COST[j]) },
      ]),
      { name: 'embedding', data: rs.map((r) => r.emb) },
    ],
    schema: [{ name: 'root', num_children: 3 + 2 * MODELS.length }, str('sample_id'), str('eval_name'), ...MODELS.flatMap((m) => [dbl(m), dbl(`${m}|total_cost`)]), ...list] as never[],
  });
  return new Uint8Array(buf);
}

const rbCsv = join(dir, 'rb-emb.csv');
writeFileSync(rbCsv, csv());
const rbParquet = join(dir, 'rb-emb.parquet');
writeFileSync(rbParquet, parquet());

interface ProtocolRow {
  name: string;
  testRegret: { mean: number };
  gapClosed: { mean: number } | null;
  accuracy: number;
}

/** The protocol rows of a split run at λ = 0, where the reward is the correctness. */
async function splitRun(source: string, features: string, out: string): Promise<{ knn: ProtocolRow; base: ProtocolRow; testQueries: number; d: number }> {
  const r = await cli(['evaluate', '--routerbench', source, '--features', features, '--split', '0.5', '--policies', 'knn,train-best-static', '--param', 'knn.k=3', '--lambdas', '0', '--runs', '2', '--jobs', '1', '--no-charts', '--no-progress', '--out', out]);
  expect(r.code, r.stderr).toBe(0);
  const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  const row = (n: string): ProtocolRow => s.protocol.policies.find((p: { name: string }) => p.name === n);
  return { knn: row('knn'), base: row('train-best-static'), testQueries: s.protocol.testQueries, d: s.contexts.d };
}

describe('evaluate --routerbench with user embeddings', () => {
  for (const [kind, source] of [
    ['CSV emb_j columns', rbCsv],
    ['Parquet embedding list column', rbParquet],
  ] as const) {
    it(`${kind}: --split 0.5, knn routes by the embedding and closes the whole gap`, async () => {
      const { knn, base, testQueries, d } = await splitRun(source, 'embedding', join(dir, `split-${kind.replace(/\W+/g, '-')}`));
      // bias + the 4 embedding values
      expect(d).toBe(5);
      expect(testQueries).toBe(24);
      // at λ = 0 one model answers each prompt: the oracle scores 1 per prompt, so regret = prompts routed wrongly
      // knn: the 3 nearest train prompts are of the same kind (noise 0.1 ≪ the unit axes), so it never errs
      expect(knn.accuracy).toBe(1);
      expect(knn.testRegret.mean).toBe(0);
      // train-best-static sends everything to alpha (right on ⅔ of the train prompts): wrong on the beta prompts
      const baseRegret = testQueries * (1 - base.accuracy);
      expect(base.testRegret.mean).toBeCloseTo(baseRegret, 9);
      expect(baseRegret).toBeGreaterThan(0);
      // gap closed = (R_base − R_knn) / R_base
      expect(knn.gapClosed!.mean).toBeCloseTo((baseRegret - 0) / baseRegret, 12);
    });
  }

  it('without the embedding (eval family only), knn cannot tell the prompts apart', async () => {
    const { knn } = await splitRun(rbCsv, 'task', join(dir, 'split-task'));
    // both kinds are in both families: per family knn predicts the kind the train part holds more of, wrong on
    // every prompt of the other kind, so it closes far less of the gap than with the embedding (where it is 1)
    expect(knn.gapClosed!.mean).toBeLessThan(0.5);
  });

  it('runs without --split (online bandits on the embedding)', async () => {
    const out = join(dir, 'online');
    const r = await cli(['evaluate', '--routerbench', rbCsv, '--features', 'embedding', '--policies', 'linucb', '--lambdas', '0,1', '--runs', '1', '--jobs', '1', '--no-charts', '--no-progress', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(s.contexts.d).toBe(5);
    expect(s.contexts.features).toEqual(['embedding']);
    expect(s.dataset.queries).toBe(48);
  });

  it('bad embeddings exit 2 naming the file, the row and the column, and write nothing', async () => {
    const lines = csv().trimEnd().split('\n');
    // header: ,sample_id,prompt,eval_name,emb_0,alpha,beta,emb_1,…responses,…costs,emb_2,emb_3,oracle
    /** The file with cell `col` of line `line` (the header is line 1) replaced. */
    const cell = (line: number, col: number, v: string): string => {
      const out = [...lines];
      const c = out[line - 1].split(',');
      c[col] = v;
      out[line - 1] = c.join(',');
      return out.join('\n') + '\n';
    };
    const bad = join(dir, 'bad');
    mkdirSync(bad);
    const ragged = rows().map((r, i) => (i === 4 ? { ...r, emb: r.emb.slice(0, 2) } : r));
    const cases: [string, string | Uint8Array, RegExp][] = [
      ['text.csv', cell(3, 7, 'abc'), /text\.csv:3 \(column 'emb_1'\): 'abc' is not a number/],
      ['nan.csv', cell(6, 12, 'nan'), /nan\.csv:6 \(column 'emb_2'\): embedding value is not a finite number: every component of an embedding needs one/],
      ['empty.csv', cell(2, 13, ''), /empty\.csv:2 \(column 'emb_3'\): embedding value is empty: every component of an embedding needs a finite number/],
      ['gap.csv', lines.join('\n').replace('emb_1', 'emb_7') + '\n', /gap\.csv:1 \(column 'emb_7'\): embedding columns must run emb_0 … emb_n without gaps; emb_1 is missing/],
      ['ragged.parquet', parquet(ragged), /ragged\.parquet:5 \(column 'embedding'\): embedding has 2 values, expected 4 \(as on row 1\)/],
    ];
    for (const [name, content, msg] of cases) {
      const f = join(bad, name);
      writeFileSync(f, content);
      const out = join(dir, `out-bad-${name}`);
      const r = await cli(['evaluate', '--routerbench', f, '--features', 'embedding', '--split', '0.5', '--policies', 'knn,train-best-static', '--lambdas', '0', '--runs', '1', '--no-progress', '--out', out]);
      expect(r.code, name).toBe(2);
      expect(r.stderr, name).toMatch(/^greenserv: error: /);
      expect(r.stderr, name).toContain(f);
      expect(r.stderr, name).toMatch(msg);
      expect(existsSync(out), name).toBe(false);
    }
  });
});
