/**
 * User embeddings in RouterBench tables (datasets/README.md, user embeddings): `emb_j` columns or an `embedding`
 * list column are read as the query embedding, never taken for models, validated as in every wide table, and
 * kept through what `evaluate` does to a table (family mapping, combining a directory's files). Fixtures are
 * written here; the expected values are the ones written.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tableToIPC, makeVector, vectorFromArray, Field, List, Float64, Table } from 'apache-arrow';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { evaluateDefaults, prepareEvaluation } from '../../../src/app/evaluate.js';
import { loadRouterbench, routerbenchHeaderProblems } from '../../../src/app/routerbenchSource.js';
import { loadTable } from '../../../src/data/load.js';
import { loadColumnar } from '../../../src/data/formats/columnar.js';
import { frameColumns, NDArray, PdBlock, PdBlockManager, PdDataFrame, PdIndex } from '../../../src/data/formats/pickle.js';
import type { PoolTable } from '../../../src/data/pool.js';
import { dataError, scratch } from './helpers.js';

const s = scratch();

/** The bits of each double, so -0, subnormals and the last ulp count. */
const bits = (xs: ArrayLike<number>): bigint[] => Array.from(new BigUint64Array(Float64Array.from(xs).buffer));

/** Text that reads back as exactly x (String(-0) is "0"). */
const num = (x: number): string => (Object.is(x, -0) ? '-0' : String(x));

/** Per row: id, eval name, correctness of m1 and m2, and the embedding. Ids are not in sorted order. */
const ROWS: { id: string; evalName: string; acc: [number, number]; emb: number[] }[] = [
  { id: 'mmlu.3', evalName: 'mmlu-anatomy', acc: [1, 0], emb: [-0, 1 / 3, 5e-324, 1.7976931348623157e308] },
  { id: 'arc.1', evalName: 'arc-challenge', acc: [0, 1], emb: [0.1, -2.5e-7, Math.PI, 123456789.123] },
  { id: 'mmlu.1', evalName: 'mmlu-virology', acc: [1, 1], emb: [1e-300, -1, 2 ** -30, 0.1 + 0.2] },
];
const COST: [number, number] = [0.003, 0.0002];

/**
 * A RouterBench CSV: the index column, sample_id, prompt, eval_name, a correctness column per model, responses,
 * costs, the oracle column, and (with `emb`) emb_0 … emb_3 spread among them in the order `embOrder`.
 */
function rbCsv(rows = ROWS, emb = true, embOrder = [2, 0, 3, 1]): string {
  const e = (j: number): string[] => (emb ? [`emb_${embOrder[j]}`] : []);
  const head = ['', 'sample_id', ...e(0), 'prompt', 'eval_name', 'm1', ...e(1), 'm2', 'm1|model_response', 'm2|model_response', 'm1|total_cost', ...e(2), 'm2|total_cost', 'oracle_model_to_route_to', ...e(3)];
  const lines = [head.join(',')];
  rows.forEach((r, i) => {
    const v = (j: number): string[] => (emb ? [num(r.emb[embOrder[j]])] : []);
    lines.push([i, r.id, ...v(0), `"['prompt ${i}']"`, r.evalName, r.acc[0], ...v(1), r.acc[1], `"['a']"`, `"['b']"`, COST[0], ...v(2), COST[1], 'm1', ...v(3)].join(','));
  });
  return lines.join('\n') + '\n';
}

/** RouterBench columns as Parquet, with an `embedding` LIST<DOUBLE> column (three-level layout, as pyarrow writes it). */
function rbParquetList(rows: { id: string; evalName: string; acc: [number, number]; emb: (number | null)[] }[]): Uint8Array {
  // the writer's own schema element type (it bundles another hyparquet version than the reader)
  type SchemaElement = NonNullable<Parameters<typeof parquetWriteBuffer>[0]['schema']>[number];
  const list: SchemaElement[] = [
    { name: 'embedding', repetition_type: 'OPTIONAL', num_children: 1, converted_type: 'LIST' },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    { name: 'element', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
  ];
  const str = (name: string) => ({ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' }) as const;
  const dbl = (name: string) => ({ name, type: 'DOUBLE', repetition_type: 'REQUIRED' }) as const;
  const buf = parquetWriteBuffer({
    columnData: [
      { name: 'sample_id', data: rows.map((r) => r.id) },
      { name: 'eval_name', data: rows.map((r) => r.evalName) },
      { name: 'm1', data: rows.map((r) => r.acc[0]) },
      { name: 'm1|total_cost', data: rows.map(() => COST[0]) },
      { name: 'm2', data: rows.map((r) => r.acc[1]) },
      { name: 'm2|total_cost', data: rows.map(() => COST[1]) },
      { name: 'embedding', data: rows.map((r) => r.emb) },
    ],
    schema: [{ name: 'root', num_children: 7 }, str('sample_id'), str('eval_name'), dbl('m1'), dbl('m1|total_cost'), dbl('m2'), dbl('m2|total_cost'), ...list],
  });
  return new Uint8Array(buf);
}

/** RouterBench columns as Parquet with emb_0 … emb_3 DOUBLE columns. */
function rbParquetColumns(rows = ROWS): Uint8Array {
  const d = (name: string, xs: number[]) => ({ name, data: Float64Array.from(xs), type: 'DOUBLE' as const });
  const buf = parquetWriteBuffer({
    columnData: [
      { name: 'sample_id', data: rows.map((r) => r.id), type: 'STRING' },
      { name: 'eval_name', data: rows.map((r) => r.evalName), type: 'STRING' },
      d('emb_1', rows.map((r) => r.emb[1])),
      d('m1', rows.map((r) => r.acc[0])),
      d('m1|total_cost', rows.map(() => COST[0])),
      d('emb_0', rows.map((r) => r.emb[0])),
      d('m2', rows.map((r) => r.acc[1])),
      d('m2|total_cost', rows.map(() => COST[1])),
      d('emb_3', rows.map((r) => r.emb[3])),
      d('emb_2', rows.map((r) => r.emb[2])),
    ],
  });
  return new Uint8Array(buf);
}

/** What model detection and the metrics give, apart from the embedding. */
function shape(t: PoolTable) {
  return { ids: t.queryIds, models: t.models.map((m) => m.id), tasks: t.tasks, acc: Array.from(t.accuracy), cost: Array.from(t.costUsd!), present: Array.from(t.present) };
}

/** The table `evaluate --features embedding` runs on: loaded, mapped to families, features chosen. */
async function evaluated(source: string | string[], warn: (m: string) => void = () => {}) {
  return await prepareEvaluation(evaluateDefaults({ source, features: ['embedding'], policies: ['linucb'] }), warn);
}

describe('RouterBench tables with user embeddings', () => {
  it('CSV: emb_j columns are the embedding, bit for bit, and not models', async () => {
    const csv = rbCsv();
    expect(routerbenchHeaderProblems(csv.split('\n')[0].split(','))).toEqual([]);
    const f = s.write('rb-emb.csv', csv);
    const prep = await evaluated(f);
    expect(prep.usable).toEqual(['embedding']);
    const t = prep.table;
    expect(t.embedding!.dim).toBe(4);
    expect(bits(t.embedding!.values)).toEqual(bits(ROWS.flatMap((r) => r.emb)));
    // the same file without the embedding columns gives the same models, prompts and metrics
    const plain = (await evaluated(s.write('rb-plain.csv', rbCsv(ROWS, false)))).table;
    expect(plain.embedding).toBeUndefined();
    expect(shape(t)).toEqual(shape(plain));
    expect(t.models.map((m) => m.id)).toEqual(['m1', 'm2']);
    // eval names are mapped to families; the embedding rows stay with their prompts
    expect(t.tasks).toEqual(['mmlu', 'arc-challenge']);
  });

  it('CSV: an embedding column of JSON lists', async () => {
    const lines = rbCsv(ROWS, false).trimEnd().split('\n');
    const csv = [`${lines[0]},embedding`, ...ROWS.map((r, i) => `${lines[i + 1]},"[${r.emb.map(num).join(', ')}]"`)].join('\n');
    expect(routerbenchHeaderProblems(lines[0].split(',').concat('embedding'))).toEqual([]);
    const t = (await evaluated(s.write('rb-json.csv', csv))).table;
    expect(bits(t.embedding!.values)).toEqual(bits(ROWS.flatMap((r) => r.emb)));
    expect(t.models.map((m) => m.id)).toEqual(['m1', 'm2']);
  });

  it('Parquet: an embedding LIST<DOUBLE> column, or emb_j columns', async () => {
    for (const [name, bytes] of [
      ['rb-list.parquet', rbParquetList(ROWS)],
      ['rb-cols.parquet', rbParquetColumns()],
    ] as const) {
      const t = (await evaluated(s.write(name, bytes))).table;
      expect(t.embedding?.dim, name).toBe(4);
      expect(bits(t.embedding!.values), name).toEqual(bits(ROWS.flatMap((r) => r.emb)));
      expect(t.models.map((m) => m.id), name).toEqual(['m1', 'm2']);
      expect(Array.from(t.accuracy), name).toEqual(ROWS.flatMap((r) => r.acc));
    }
  });

  it('Arrow: an embedding list<float64> column', async () => {
    const tbl = new Table({
      sample_id: vectorFromArray(ROWS.map((r) => r.id)),
      eval_name: vectorFromArray(ROWS.map((r) => r.evalName)),
      m1: makeVector(Float64Array.from(ROWS.map((r) => r.acc[0]))),
      m2: makeVector(Float64Array.from(ROWS.map((r) => r.acc[1]))),
      'm1|total_cost': makeVector(Float64Array.from(ROWS.map(() => COST[0]))),
      'm2|total_cost': makeVector(Float64Array.from(ROWS.map(() => COST[1]))),
      embedding: vectorFromArray(
        ROWS.map((r) => r.emb),
        new List(new Field('item', new Float64(), false)),
      ),
    });
    const t = (await evaluated(s.write('rb.arrow', tableToIPC(tbl, 'file')))).table;
    expect(bits(t.embedding!.values)).toEqual(bits(ROWS.flatMap((r) => r.emb)));
    expect(t.models.map((m) => m.id)).toEqual(['m1', 'm2']);
  });

  it('pickle: a DataFrame with emb_j float columns, or an embedding column of numpy vectors or Python lists', async () => {
    // the frame as the unpickler builds it (pickleSource reads it the same way); no pandas needed to write one
    const n = ROWS.length;
    const arr = (kind: string, shape: number[], data: ArrayLike<unknown>): NDArray => Object.assign(new NDArray(), { dtype: { kind, itemsize: 8, littleEndian: true }, shape, data });
    const frame = (labels: string[], floats: number[][], objects: unknown[][]): PdDataFrame => {
      const df = new PdDataFrame();
      const nf = floats.length;
      df.mgr = new PdBlockManager(
        [new PdBlock(arr('f', [nf, n], Float64Array.from(floats.flat())), floats.map((_, i) => i), 2), new PdBlock(arr('O', [objects.length, n], objects.flat()), objects.map((_, i) => nf + i), 2)],
        [new PdIndex('pandas.core.indexes.base.Index', labels, null, null), new PdIndex('pandas.core.indexes.range.RangeIndex', null, { start: 0, stop: n, step: 1 }, null)],
      );
      return df;
    };
    const metrics = [ROWS.map((r) => r.acc[0]), ROWS.map((r) => r.acc[1]), ROWS.map(() => COST[0]), ROWS.map(() => COST[1])];
    const names = ['m1', 'm2', 'm1|total_cost', 'm2|total_cost'];
    const text = [ROWS.map((r) => r.id), ROWS.map((r) => r.evalName)];
    const load = (df: PdDataFrame, file: string) => {
      const f = frameColumns(df);
      return loadColumnar({ file, columns: f.columns, nRows: f.nRows, column: (i) => f.column(i), float64: true });
    };
    const cols = await load(frame([...names, 'emb_3', 'emb_0', 'emb_2', 'emb_1', 'sample_id', 'eval_name'], [...metrics, ...[3, 0, 2, 1].map((j) => ROWS.map((r) => r.emb[j]))], text), 'cols.pkl');
    const numpy = await load(frame([...names, 'sample_id', 'eval_name', 'embedding'], metrics, [...text, ROWS.map((r) => arr('f', [4], Float64Array.from(r.emb)))]), 'numpy.pkl');
    const lists = await load(frame([...names, 'sample_id', 'eval_name', 'embedding'], metrics, [...text, ROWS.map((r) => [...r.emb])]), 'lists.pkl');
    for (const t of [cols, numpy, lists]) {
      expect(bits(t.embedding!.values), t.name).toEqual(bits(ROWS.flatMap((r) => r.emb)));
      expect(t.models.map((m) => m.id), t.name).toEqual(['m1', 'm2']);
    }
    // a 2-d array in a cell is not a vector
    const bad = frame([...names, 'sample_id', 'eval_name', 'embedding'], metrics, [...text, ROWS.map((r) => arr('f', [2, 2], Float64Array.from(r.emb)))]);
    await dataError(load(bad, 'bad.pkl'), { line: 1, column: 'embedding', message: /embedding is not a list of numbers \(got a numpy array of shape \(2, 2\)/ });
  });

  it('a prompt split over two rows: the repeat may leave the embedding empty or repeat it; a different one is refused', async () => {
    const lines = rbCsv(ROWS, true, [0, 1, 2, 3]).trimEnd().split('\n');
    // row 1 again: the repeat scores m2 only (complementary empty cells)
    const cells = lines[1].split(',');
    const repeat = (emb: string[]): string => {
      const c = [...cells];
      c[0] = '9';
      c[5] = '';
      [2, 6, 11, 14].forEach((at, j) => (c[at] = emb[j]));
      return c.join(',');
    };
    expect([2, 6, 11, 14].map((at) => lines[0].split(',')[at])).toEqual(['emb_0', 'emb_1', 'emb_2', 'emb_3']);
    const e0 = ROWS[0].emb.map(num);
    for (const [name, emb] of [
      ['empty', ['', '', '', '']],
      ['same', e0],
    ] as const) {
      const t = await loadTable(s.write(`rb-split-${name}.csv`, [...lines, repeat([...emb])].join('\n')), { warn: () => {} });
      expect(t.queryIds, name).toEqual(ROWS.map((r) => r.id));
      expect(bits(t.embedding!.values), name).toEqual(bits(ROWS.flatMap((r) => r.emb)));
    }
    const other = [...e0];
    other[1] = '0.5';
    await dataError(loadTable(s.write('rb-split-diff.csv', [...lines, repeat(other)].join('\n')), { warn: () => {} }), {
      line: 5,
      column: 'emb_1',
      message: /query 'mmlu\.3' repeats with a different embedding \(value 1: 0\.5 here, 0\.3333333333333333 on line 2\)/,
    });
    const partial = [...e0];
    partial[2] = '';
    await dataError(loadTable(s.write('rb-split-part.csv', [...lines, repeat(partial)].join('\n')), { warn: () => {} }), {
      line: 5,
      column: 'emb_2',
      message: /embedding value is empty: every component of an embedding needs a finite number/,
    });
  });

  it('bad embeddings are refused naming the file, the row and the column', async () => {
    const lines = rbCsv(ROWS, true, [0, 1, 2, 3]).trimEnd().split('\n');
    const withCell = (row: number, col: number, v: string): string => {
      const out = [...lines];
      const c = out[row].split(',');
      c[col] = v;
      out[row] = c.join(',');
      return out.join('\n');
    };
    // header: ,sample_id,emb_0,prompt,eval_name,m1,emb_1,m2,…,m1|total_cost,emb_2,m2|total_cost,oracle…,emb_3
    const cases: [string, string, { line: number; column: string; message: RegExp }][] = [
      ['text.csv', withCell(2, 6, 'abc'), { line: 3, column: 'emb_1', message: /'abc' is not a number/ }],
      ['nan.csv', withCell(3, 11, 'NaN'), { line: 4, column: 'emb_2', message: /embedding value is not a finite number: every component of an embedding needs one/ }],
      ['empty.csv', withCell(2, 14, ''), { line: 3, column: 'emb_3', message: /embedding value is empty/ }],
      ['inf.csv', withCell(1, 2, '1e400'), { line: 2, column: 'emb_0', message: /too large/ }],
      ['gap.csv', lines.join('\n').replace('emb_2', 'emb_5'), { line: 1, column: 'emb_5', message: /must run emb_0 … emb_n without gaps; emb_2 is missing/ }],
    ];
    for (const [name, csv, want] of cases) {
      const f = s.write(`bad-${name}`, csv);
      const e = await dataError(evaluated(f), want);
      expect(e.file, name).toBe(f);
    }
    // ragged: JSON lists in a CSV embedding column, and a Parquet list
    const plain = rbCsv(ROWS, false).trimEnd().split('\n');
    const lists = ['[1, 2]', '[3, 4]', '[5, 6, 7]'];
    const ragged = [`${plain[0]},embedding`, ...plain.slice(1).map((l, i) => `${l},"${lists[i]}"`)].join('\n');
    await dataError(evaluated(s.write('bad-ragged.csv', ragged)), { line: 4, column: 'embedding', message: /embedding has 3 values, expected 2 \(as on line 2\)/ });
    const raggedRows = ROWS.map((r, i) => ({ ...r, emb: i === 1 ? r.emb.slice(0, 3) : r.emb }));
    await dataError(evaluated(s.write('bad-ragged.parquet', rbParquetList(raggedRows))), { line: 2, column: 'embedding', message: /embedding has 3 values, expected 4 \(as on row 1\)/ });
    const holed = ROWS.map((r, i) => ({ ...r, emb: i === 2 ? [1, null, 2, 3] : r.emb }));
    await dataError(evaluated(s.write('bad-hole.parquet', rbParquetList(holed))), { line: 3, column: 'embedding', message: /embedding value 1 is not a number/ });
    const nanList = ROWS.map((r, i) => ({ ...r, emb: i === 2 ? [1, Number.NaN, 2, 3] : r.emb }));
    await dataError(evaluated(s.write('bad-nan-list.parquet', rbParquetList(nanList))), { line: 3, column: 'embedding', message: /embedding value 1 is not a number \(NaN\)/ });
    const nanCol = ROWS.map((r, i) => ({ ...r, emb: i === 1 ? [r.emb[0], r.emb[1], r.emb[2], Number.NaN] : r.emb }));
    await dataError(evaluated(s.write('bad-nan-col.parquet', rbParquetColumns(nanCol))), { line: 2, column: 'emb_3', message: /embedding value is not a number \(NaN\)/ });
  });

  describe('a directory of RouterBench files', () => {
    const rows = (ids: string[], offset: number) => ids.map((id, i) => ({ id, evalName: 'winogrande', acc: [i % 2, 1 - (i % 2)] as [number, number], emb: [offset + i, -(offset + i) / 8, 0.25, 1e-9 * (i + 1)] }));
    const dir = (name: string): string => {
      const d = join(s.dir, name);
      mkdirSync(d);
      // a file of the directory that is not a RouterBench table is skipped, as before
      s.write(join(name, 'means.csv'), 'model,mean_quality\nm1,0.5\n');
      return d;
    };

    it('combines the files; embedding rows follow the prompts sorted by id, a split prompt takes its first file\'s', async () => {
      const d = dir('rb-dir');
      const a = rows(['q3', 'q1', 'q4'], 0);
      const b = rows(['q2', 'q0'], 10);
      // q4 is split: its second half (m2 only, same embedding) is in the other file
      const q4b = { ...a[2], acc: [Number.NaN, a[2].acc[1]] as [number, number] };
      s.write(join('rb-dir', 'a_train.csv'), rbCsv(a));
      s.write(join('rb-dir', 'b_test.csv'), rbCsv([...b, q4b]).replace(',NaN,', ',,'));
      const warnings: string[] = [];
      const prep = await evaluated(d, (m) => warnings.push(m));
      expect(warnings.join('')).toMatch(/skipping .*means\.csv: not a RouterBench table/);
      const byId = new Map([...a, ...b].map((r) => [r.id, r.emb]));
      const ids = ['q0', 'q1', 'q2', 'q3', 'q4'];
      expect(prep.table.queryIds).toEqual(ids);
      expect(bits(prep.table.embedding!.values)).toEqual(bits(ids.flatMap((id) => byId.get(id)!)));
      expect(prep.files.map((f) => f.slice(d.length + 1))).toEqual(['a_train.csv', 'b_test.csv']);
    });

    it('a query with another embedding in the second file is refused naming both files', async () => {
      const d = dir('rb-dir-conflict');
      const a = rows(['q1', 'q2'], 0);
      // q2 repeats with the same outcomes and one embedding value changed
      const b = [{ ...a[1], emb: [a[1].emb[0], a[1].emb[1], 0.5, a[1].emb[3]] }, ...rows(['q3'], 5)];
      s.write(join('rb-dir-conflict', 'a.csv'), rbCsv(a));
      const fb = s.write(join('rb-dir-conflict', 'b.csv'), rbCsv(b));
      const e = await dataError(evaluated(d), { message: /query 'q2': embedding value 2 is 0\.5 here but 0\.25 in .*a\.csv/ });
      expect(e.file).toBe(fb);
    });

    it('files with and without embeddings: the combined table has none, and says why', async () => {
      const d = dir('rb-dir-mixed');
      s.write(join('rb-dir-mixed', 'a.csv'), rbCsv(rows(['q1'], 0)));
      s.write(join('rb-dir-mixed', 'b.csv'), rbCsv(rows(['q2'], 0), false));
      const warnings: string[] = [];
      const { table } = await loadRouterbench(d, { warn: (m) => warnings.push(m) });
      expect(table.embedding).toBeUndefined();
      expect(warnings.join('\n')).toMatch(/the files' embeddings differ \(.*a\.csv: 4 values, .*b\.csv: none\); the combined table has no embedding/);
    });

    it('a RouterBench file with a bad embedding is an error, not skipped', async () => {
      const d = dir('rb-dir-bad');
      s.write(join('rb-dir-bad', 'a.csv'), rbCsv(rows(['q1', 'q2'], 0)));
      const bad = s.write(join('rb-dir-bad', 'b.csv'), rbCsv(rows(['q3'], 0), true, [0, 1, 2, 3]).replace(/,1e-9$/m, ',x'));
      const e = await dataError(loadRouterbench(d, { warn: () => {} }), { line: 2, column: 'emb_3', message: /'x' is not a number/ });
      expect(e.file).toBe(bad);
    });
  });
});
