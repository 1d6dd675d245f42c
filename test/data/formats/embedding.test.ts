import { describe, expect, it } from 'vitest';
import { tableToIPC, makeVector, vectorFromArray, Field, List, Float64, Table } from 'apache-arrow';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { loadTable } from '../../../src/data/load.js';
import { dataError, scratch } from './helpers.js';

const s = scratch();
const E = [
  [0.5, -1, 2],
  [3, 0, 0.25],
];

describe('user embeddings in the loaders', () => {
  it('wide CSV: emb_0 … emb_n columns, in any column order', async () => {
    const f = s.write('w.csv', 'query_id,task,emb_2,a|accuracy,emb_0,b|accuracy,emb_1\nq1,mmlu,2,1,0.5,0,-1\nq2,mmlu,0.25,0,3,1,0\n');
    const t = await loadTable(f);
    expect(t.models.map((m) => m.id)).toEqual(['a', 'b']);
    expect(t.embedding!.dim).toBe(3);
    expect([...t.embedding!.values]).toEqual(E.flat());
  });

  it('wide JSONL: emb_j keys', async () => {
    const rows = E.map((e, q) => JSON.stringify({ query_id: `q${q}`, task: 'gsm8k', 'a|accuracy': q, emb_0: e[0], emb_1: e[1], emb_2: e[2] }));
    const t = await loadTable(s.write('w.jsonl', rows.join('\n') + '\n'));
    expect([...t.embedding!.values]).toEqual(E.flat());
  });

  it('wide JSONL: an embedding key holding an array, as pandas to_json(orient="records", lines=True) writes it', async () => {
    const rows = E.map((e, q) => JSON.stringify({ query_id: `q${q}`, task: 'gsm8k', 'a|accuracy': q, embedding: e }));
    const t = await loadTable(s.write('wl.jsonl', rows.join('\n') + '\n'));
    expect(t.embedding!.dim).toBe(3);
    expect([...t.embedding!.values]).toEqual(E.flat());
    // the array is read as the same JSON-encoded list in a string cell is
    const str = E.map((e, q) => JSON.stringify({ query_id: `q${q}`, task: 'gsm8k', 'a|accuracy': q, embedding: JSON.stringify(e) }));
    expect([...(await loadTable(s.write('ws.jsonl', str.join('\n') + '\n'))).embedding!.values]).toEqual(E.flat());
  });

  it('wide JSONL: only a flat array of numbers under the embedding key; other arrays stay refused', async () => {
    const line = (v: string, key = 'embedding'): string => `{"query_id":"q1","task":"t","a|accuracy":1,"${key}":${v}}\n`;
    await dataError(loadTable(s.write('n1.jsonl', line('[[1,2],[3,4]]'))), { line: 1, column: 'embedding', message: /an embedding is a flat list of at most 4096 numbers/ });
    await dataError(loadTable(s.write('n2.jsonl', line('{"x":1}'))), { line: 1, column: 'embedding', message: /an embedding is a flat list of at most 4096 numbers/ });
    // the widest embedding read (4,096) passes; one more is refused before the line is parsed
    const wide = (n: number): string => `[${Array(n).fill(1).join(',')}]`;
    expect((await loadTable(s.write('n7.jsonl', line(wide(4096))))).embedding!.dim).toBe(4096);
    await dataError(loadTable(s.write('n8.jsonl', line(wide(4097)))), { line: 1, column: 'embedding', message: /an embedding is a flat list of at most 4096 numbers/ });
    await dataError(loadTable(s.write('n3.jsonl', line('[1,2]', 'b|accuracy'))), { line: 1, column: 'b|accuracy', message: /nested values are not supported/ });
    await dataError(loadTable(s.write('n4.jsonl', line('[1,"x"]'))), { line: 1, column: 'embedding', message: /embedding value 1 is not a number \(got "x"\)/ });
    await dataError(loadTable(s.write('n5.jsonl', line('[1,1e400]'))), { line: 1, column: 'embedding', message: /embedding value 1 is not a number \(got "Infinity"\)/ });
    await dataError(loadTable(s.write('n6.jsonl', line('[1,null]'))), { line: 1, column: 'embedding', message: /embedding value 1 is not a number \(got nothing\)/ });
  });

  it('long CSV: emb_j or embedding columns in the pairs file are ignored with a warning that says where they go', async () => {
    const warnings: string[] = [];
    const t = await loadTable(s.write('lp.csv', 'query_id,model_id,accuracy,emb_0,emb_1,notes\nq1,a,1,0.5,-1,x\n'), { warn: (m) => warnings.push(m) });
    expect(t.embedding).toBeUndefined();
    expect(warnings).toEqual([expect.stringMatching(/^.*lp\.csv: ignoring unknown column\(s\): emb_0, emb_1, notes \(a long table's embedding goes in its queries file, as emb_0 … emb_n columns\)$/)]);
    // no hint without an embedding column
    const plain: string[] = [];
    await loadTable(s.write('lp2.csv', 'query_id,model_id,accuracy,notes\nq1,a,1,x\n'), { warn: (m) => plain.push(m) });
    expect(plain).toEqual([expect.stringMatching(/ignoring unknown column\(s\): notes$/)]);
  });

  it('long CSV: emb_j columns of the queries file, kept with their query when others are dropped', async () => {
    const q = s.write('q.csv', 'query_id,task,emb_0,emb_1,emb_2\nq0,mmlu,9,9,9\nq1,mmlu,0.5,-1,2\nq2,mmlu,3,0,0.25\n');
    const o = s.write('o.csv', 'query_id,model_id,accuracy\nq1,a,1\nq2,a,0\n');
    const t = await loadTable(o, { queries: q });
    expect(t.queryIds).toEqual(['q1', 'q2']);
    expect([...t.embedding!.values]).toEqual(E.flat());
  });

  it('Arrow: an embedding list column', async () => {
    const type = new List(new Field('item', new Float64(), false));
    const tbl = new Table({
      query_id: vectorFromArray(['q1', 'q2']),
      task: vectorFromArray(['mmlu', 'mmlu']),
      'a|accuracy': makeVector(Float64Array.from([1, 0])),
      embedding: vectorFromArray(E, type),
    });
    const t = await loadTable(s.write('w.arrow', tableToIPC(tbl, 'file')));
    expect([...t.embedding!.values]).toEqual(E.flat());
  });

  it('Parquet: emb_j columns', async () => {
    const buf = parquetWriteBuffer({
      columnData: [
        { name: 'query_id', data: ['q1', 'q2'], type: 'STRING' },
        { name: 'a|accuracy', data: Float64Array.from([1, 0]), type: 'DOUBLE' },
        ...[0, 1, 2].map((j) => ({ name: `emb_${j}`, data: Float64Array.from(E.map((e) => e[j])), type: 'DOUBLE' as const })),
      ],
    });
    const t = await loadTable(s.write('w.parquet', new Uint8Array(buf)));
    expect([...t.embedding!.values]).toEqual(E.flat());
    // a row repeating q2 with every emb_j NaN (how pandas marks missing) gives no embedding; it is not refused
    const repeat = parquetWriteBuffer({
      columnData: [
        { name: 'query_id', data: ['q1', 'q2', 'q2'], type: 'STRING' },
        { name: 'a|accuracy', data: Float64Array.from([1, 0, Number.NaN]), type: 'DOUBLE' },
        ...[0, 1, 2].map((j) => ({ name: `emb_${j}`, data: Float64Array.from([...E.map((e) => e[j]), Number.NaN]), type: 'DOUBLE' as const })),
      ],
    });
    const r = await loadTable(s.write('r.parquet', new Uint8Array(repeat)), { warn: () => {} });
    expect(r.queryIds).toEqual(['q1', 'q2']);
    expect([...r.embedding!.values]).toEqual(E.flat());
  });

  it('Parquet: an embedding column of JSON-encoded lists', async () => {
    const buf = parquetWriteBuffer({
      columnData: [
        { name: 'query_id', data: ['q1', 'q2'] },
        { name: 'a|accuracy', data: [1, 0] },
        { name: 'embedding', data: E },
      ],
    });
    const t = await loadTable(s.write('l.parquet', new Uint8Array(buf)));
    expect([...t.embedding!.values]).toEqual(E.flat());
  });

  it('refuses ragged, non-finite and gapped embeddings, naming file, line and column', async () => {
    // the gap is named once, with no numbered bound that could be the missing column itself
    await dataError(loadTable(s.write('gap.csv', 'query_id,a|accuracy,emb_0,emb_2\nq1,1,0,0\n')), {
      line: 1,
      column: 'emb_2',
      message: /: embedding columns must run emb_0 … emb_n without gaps; emb_1 is missing$/,
    });
    await dataError(loadTable(s.write('inf.csv', 'query_id,a|accuracy,emb_0,emb_1\nq1,1,0,0\nq2,1,1e309,0\n')), { line: 3, column: 'emb_0', message: /too large|not a finite/ });
    await dataError(loadTable(s.write('empty.csv', 'query_id,a|accuracy,emb_0,emb_1\nq1,1,0,\n')), { line: 2, column: 'emb_1', message: /embedding value is empty/ });
    // a literal NaN gets the embedding's own rule, not the table's advice to leave the cell empty
    await dataError(loadTable(s.write('nan.csv', 'query_id,a|accuracy,emb_0,emb_1\nq1,1,NaN,0\n')), { line: 2, column: 'emb_0', message: /^(?!.*leave the cell empty).*embedding value is not a finite number/ });
    await dataError(loadTable(s.write('txt.csv', 'query_id,a|accuracy,emb_0\nq1,1,abc\n')), { line: 2, column: 'emb_0' });
    const type = new List(new Field('item', new Float64(), false));
    const ragged = new Table({ query_id: vectorFromArray(['q1', 'q2']), 'a|accuracy': makeVector(Float64Array.from([1, 0])), embedding: vectorFromArray([[1, 2], [1, 2, 3]], type) });
    await dataError(loadTable(s.write('ragged.arrow', tableToIPC(ragged, 'file'))), { line: 2, column: 'embedding', message: /3 values, expected 2 \(as on row 1\)/ });
    // a NaN stored in an emb_j column is named as such, not called empty
    const nanCol = parquetWriteBuffer({
      columnData: [
        { name: 'query_id', data: ['q1', 'q2'], type: 'STRING' },
        { name: 'a|accuracy', data: Float64Array.from([1, 0]), type: 'DOUBLE' },
        { name: 'emb_0', data: Float64Array.from([1, Number.NaN]), type: 'DOUBLE' },
      ],
    });
    await dataError(loadTable(s.write('nan-col.parquet', new Uint8Array(nanCol))), { line: 2, column: 'emb_0', message: /embedding value is not a number \(NaN\)/ });
    const q = s.write('bad-q.csv', 'query_id,task,emb_0,emb_1\nq1,mmlu,1,2\nq2,mmlu,1,nan\n');
    await dataError(loadTable(s.write('o2.csv', 'query_id,model_id,accuracy\nq1,a,1\n'), { queries: q }), { line: 3, column: 'emb_1' });
  });

  it('Arrow: a null or NaN element of an embedding list is refused, not read as 0 (as Parquet and CSV refuse it)', async () => {
    const type = new List(new Field('item', new Float64(), true));
    const arrowWith = (rows: (number | null)[][], ids = rows.map((_, i) => `q${i + 1}`)): Uint8Array =>
      tableToIPC(
        new Table({
          query_id: vectorFromArray(ids),
          'a|accuracy': makeVector(Float64Array.from(ids.map((_, i) => i % 2))),
          embedding: vectorFromArray(rows, type),
        }),
        'file',
      );
    const rows = [[0.1, 0.2, 0.3, 0.4], [0.5, 0.6, -0.1, 0.2], [0.3, 0.1, 0.9, -0.3], [0.67, null, -0.4, -0.5]];
    const e = await dataError(loadTable(s.write('null.arrow', arrowWith(rows))), { line: 4, column: 'embedding', message: /embedding value 1 is not a number \(got nothing\)/ });
    expect(e.file).toMatch(/null\.arrow$/);
    // the same list without the null loads, value for value
    const full = rows.map((r) => r.map((x) => x ?? 0.25));
    expect([...(await loadTable(s.write('full.arrow', arrowWith(full)))).embedding!.values]).toEqual(full.flat());
    const nan = rows.map((r) => r.map((x) => x ?? Number.NaN));
    await dataError(loadTable(s.write('nan.arrow', arrowWith(nan))), { line: 4, column: 'embedding', message: /^(?!.*is empty).*embedding value 1 is not a number \(NaN\)/ });
    // a row repeating a query is checked the same way
    const repeat = [...full, [0.67, null, -0.4, -0.5]];
    await dataError(loadTable(s.write('repeat.arrow', arrowWith(repeat, ['q1', 'q2', 'q3', 'q4', 'q4'])), { warn: () => {} }), {
      line: 5,
      column: 'embedding',
      message: /embedding value 1 is not a number/,
    });
  });
});
