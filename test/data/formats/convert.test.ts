import { describe, it, expect } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromArrays, tableToIPC, tableFromIPC } from 'apache-arrow';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { parquetMetadata, type PageHeader } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { toCell } from '../../../src/data/formats/cell.js';
import { loadTable, type LoadOptions } from '../../../src/data/load.js';
import { writeTable } from '../../../src/data/formats/write.js';
import { tableSha256, makePoolTable, type PoolTable } from '../../../src/data/pool.js';
import { scratch, dataError, SHARED } from './helpers.js';
import { column } from '../../helpers/table.js';

const s = scratch();

/** A small table with every feature: text with quotes/newlines, clusters, complexity, missing cells, cost. */
function sample(): PoolTable {
  const nan = Number.NaN;
  return makePoolTable({
    name: 'sample',
    queryIds: ['q1', 'q 2', 'q,3'],
    queryTasks: ['mmlu', 'gsm8k', 'mmlu'],
    queryText: ['He said "hi",\nthen left', null, ' leading space'],
    cluster: Int32Array.from([0, -1, 2]),
    complexity: Float64Array.from([12.5, nan, 40]),
    models: [
      { id: 'a/b', name: 'Org/A-B', paramsB: 7 },
      { id: 'c', name: 'c', paramsB: nan },
    ],
    accuracy: Float64Array.from([1, 0.25, 0, nan, 1, 1]),
    energyJ: Float64Array.from([1.5, 2e-7, 3, nan, 5, nan]),
    latencyS: Float64Array.from([0.1, 0.2, 0.3, nan, 0.5, 0.6]),
    inputTokens: Float64Array.from([10, 20, 30, nan, 50, 60]),
    outputTokens: Float64Array.from([1, 2, 3, nan, 5, 6]),
    costUsd: Float64Array.from([0.001, 0.002, 0.003, nan, 0.005, 0.006]),
    taskBounds: new Map([
      ['mmlu', { eptMin: 0.001, eptMax: 0.9 }],
      ['gsm8k', { eptMin: 0.01, eptMax: 19 }],
    ]),
  });
}

/** The table with every metric column rounded to float32. */
function float32Copy(t: PoolTable): PoolTable {
  const f = (c: ArrayLike<number> | null): Float32Array | null => (c ? Float32Array.from(c) : null);
  return { ...t, accuracy: f(t.accuracy)!, energyJ: f(t.energyJ)!, latencyS: f(t.latencyS), inputTokens: f(t.inputTokens), outputTokens: f(t.outputTokens), costUsd: f(t.costUsd) };
}

async function roundTrip(t: PoolTable, name: string): Promise<{ back: PoolTable; files: string[] }> {
  const dst = join(s.dir, name);
  const res = await writeTable(t, dst);
  const opts: LoadOptions = { ...res.loadHint };
  const back = await loadTable(dst, opts);
  return { back, files: res.files };
}

describe('datasets convert round trips', () => {
  for (const name of ['s.arrow', 's.arrows', 's.parquet', 's.csv', 's.tsv', 's.jsonl', 's.csv.gz']) {
    it(`${name}: every field survives`, async () => {
      const t = sample();
      const { back, files } = await roundTrip(t, name);
      expect(back.queryIds).toEqual(t.queryIds);
      expect(back.models).toEqual(t.models);
      expect(back.queryText).toEqual(t.queryText);
      expect(Array.from(back.present)).toEqual(Array.from(t.present));
      expect(back.taskBounds).toEqual(t.taskBounds);
      // every value has at most 6 significant digits: it loads back as float32 (datasets/README.md, storage)
      expect(back.energyJ).toBeInstanceOf(Float32Array);
      expect(tableSha256(back)).toBe(tableSha256(float32Copy(t)));
      if (name.endsWith('.csv')) expect(files.map((f) => f.slice(s.dir.length + 1))).toEqual(['s.csv', 's.queries.csv', 's.models.csv', 's.bounds.csv']);
    });
  }

  it('built-in pool → Parquet → CSV → Arrow keeps the same content hash', async () => {
    const t = await loadTable('greenserv-pool');
    const h = tableSha256(t);
    const a = await roundTrip(t, 'pool.parquet');
    expect(tableSha256(a.back)).toBe(h);
    const b = await roundTrip(a.back, 'pool.csv');
    expect(tableSha256(b.back)).toBe(h);
    const c = await roundTrip(b.back, 'pool.arrow');
    expect(tableSha256(c.back)).toBe(h);
  });

  it('writes nothing when the destination format is unknown', async () => {
    const before = readdirSync(s.dir).length;
    await expect(writeTable(sample(), join(s.dir, 'out.xlsx'))).rejects.toThrow(/output format/);
    expect(readdirSync(s.dir).length).toBe(before);
  });

  const rb = join(SHARED, 'routerbench', 'winograde_test.csv');
  const haveRb = existsSync(rb);
  if (!haveRb) console.warn(`skipping RouterBench convert test: ${rb} not found (shared reference data is absent)`);
  it.skipIf(!haveRb)('RouterBench CSV → Arrow/Parquet/CSV round-trips', async () => {
    const t = await loadTable(rb);
    for (const n of ['rb.arrow', 'rb.parquet', 'rb.csv']) {
      const { back } = await roundTrip(t, n);
      expect(tableSha256(back)).toBe(tableSha256(t));
      expect(back.queryText).toEqual(t.queryText);
    }
  });
});

describe('Arrow and Parquet readers', () => {
  const long = {
    query_id: ['a', 'a', 'b'],
    model_id: ['m1', 'm2', 'm1'],
    accuracy: Float64Array.from([1, 0, 0.5]),
    energy_j: Float64Array.from([1, 2, 3]),
    input_tokens: BigInt64Array.from([10n, 20n, 30n]),
  };

  it('reads a long-layout Arrow file and stream', async () => {
    const table = tableFromArrays(long);
    for (const kind of ['file', 'stream'] as const) {
      const f = s.write(`long-${kind}.arrow`, tableToIPC(table, kind));
      const t = await loadTable(f);
      expect(t.queryIds).toEqual(['a', 'b']);
      expect(Array.from(t.present)).toEqual([1, 1, 1, 0]);
      expect(Array.from(column(t, 'inputTokens')).slice(0, 3)).toEqual([10, 20, 30]);
    }
  });

  it('reads a long-layout Parquet file (with nulls)', async () => {
    const buf = parquetWriteBuffer({
      columnData: [
        { name: 'query_id', data: ['a', 'a', 'b'], type: 'STRING' },
        { name: 'model_id', data: ['m1', 'm2', 'm1'], type: 'STRING' },
        { name: 'accuracy', data: [1, 0, 0.5], type: 'DOUBLE' },
        { name: 'latency_s', data: [0.1, null, 0.3], type: 'DOUBLE' },
      ],
    });
    const t = await loadTable(s.write('long.parquet', new Uint8Array(buf)));
    expect(t.queryIds).toEqual(['a', 'b']);
    expect(Array.from(t.accuracy)).toEqual([1, 0, 0.5, Number.NaN]);
    expect(Number.isNaN(column(t, 'latencyS')[1])).toBe(true);
  });

  it('a long Parquet or Arrow table names an earlier row by its row number, a CSV by its line', async () => {
    const cols = { query_id: ['a', 'b', 'a'], model_id: ['m1', 'm1', 'm1'], task: ['x', 'y', 'x'], accuracy: [1, 0, 0] };
    const parquet = (c: typeof cols): Uint8Array =>
      new Uint8Array(
        parquetWriteBuffer({
          columnData: [
            { name: 'query_id', data: c.query_id, type: 'STRING' },
            { name: 'model_id', data: c.model_id, type: 'STRING' },
            { name: 'task', data: c.task, type: 'STRING' },
            { name: 'accuracy', data: c.accuracy, type: 'DOUBLE' },
          ],
        }),
      );
    const arrow = (c: typeof cols): Uint8Array => tableToIPC(tableFromArrays({ ...c, accuracy: Float64Array.from(c.accuracy) }), 'file');
    const csv = (c: typeof cols): string => ['query_id,model_id,task,accuracy', ...c.query_id.map((q, r) => `${q},${c.model_id[r]},${c.task[r]},${c.accuracy[r]}`)].join('\n') + '\n';
    // the third row conflicts with the first: its accuracy (same model), or its task (another model)
    const task = { ...cols, model_id: ['m1', 'm1', 'm2'], task: ['x', 'y', 'z'] };
    for (const [ext, bytes, first] of [
      ['parquet', parquet, 'row 1'],
      ['arrow', arrow, 'row 1'],
      ['csv', csv, 'line 2'],
    ] as const) {
      const row3 = ext === 'csv' ? 4 : 3;
      await dataError(loadTable(s.write(`dup.${ext}`, bytes(cols))), { line: row3, column: 'accuracy', message: new RegExp(`accuracy is 0 here but 1 on ${first}$`) });
      await dataError(loadTable(s.write(`task.${ext}`, bytes(task))), { line: row3, column: 'task', message: new RegExp(`has task 'z' here but 'x' on ${first}$`) });
    }
  });

  it('reads a RouterBench-layout (wide) Parquet file', async () => {
    const buf = parquetWriteBuffer({
      columnData: [
        { name: 'sample_id', data: ['s1', 's2'], type: 'STRING' },
        { name: 'prompt', data: ["['hello']", "['bye']"], type: 'STRING' },
        { name: 'eval_name', data: ['mmlu', 'mmlu'], type: 'STRING' },
        { name: 'gpt-4', data: [1, Number.NaN], type: 'DOUBLE' },
        { name: 'llama', data: [0, 1], type: 'DOUBLE' },
        { name: 'gpt-4|total_cost', data: [0.01, 0.02], type: 'DOUBLE' },
        { name: 'llama|total_cost', data: [0.001, 0.002], type: 'DOUBLE' },
        { name: 'gpt-4|model_response', data: ['x', 'y'], type: 'STRING' },
      ],
    });
    const t = await loadTable(s.write('wide.parquet', new Uint8Array(buf)));
    expect(t.models.map((m) => m.id)).toEqual(['gpt-4', 'llama']);
    expect(t.queryText).toEqual(['hello', 'bye']);
    expect(Array.from(t.present)).toEqual([1, 1, 0, 1]);
    // 6-digit values are stored as float32 (datasets/README.md, storage)
    expect(Array.from(t.costUsd!)).toEqual([0.01, 0.001, Number.NaN, 0.002].map(Math.fround));
  });

  it('reports bad values with the row and column', async () => {
    const table = tableFromArrays({ ...long, accuracy: Float64Array.from([1, 2, 0.5]) });
    await dataError(loadTable(s.write('bad.arrow', tableToIPC(table, 'file'))), { line: 2, column: 'accuracy', message: /outside/ });
    const inf = tableFromArrays({ ...long, energy_j: Float64Array.from([1, Infinity, 3]) });
    await dataError(loadTable(s.write('inf.arrow', tableToIPC(inf, 'file'))), { line: 2, column: 'energy_j', message: /not allowed/ });
  });

  it('rejects truncated Arrow and Parquet files', async () => {
    const ipc = tableToIPC(tableFromArrays(long), 'file');
    await dataError(loadTable(s.write('trunc.arrow', ipc.subarray(0, ipc.length - 40))), { message: /Arrow/ });
    const pq = new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'query_id', data: ['a'], type: 'STRING' }] }));
    await dataError(loadTable(s.write('trunc.parquet', pq.subarray(0, pq.length - 10))), { message: /Parquet/ });
    await dataError(loadTable(s.write('empty.parquet', '')), { message: /empty/ });
  });

  it('Arrow output carries model info and bounds in schema metadata', async () => {
    const dst = join(s.dir, 'meta.arrow');
    await writeTable(sample(), dst);
    const { readFileSync } = await import('node:fs');
    const table = tableFromIPC(readFileSync(dst));
    expect(JSON.parse(table.schema.metadata.get('greenserv')!).models[0]).toEqual({ id: 'a/b', name: 'Org/A-B', paramsB: 7 });
    expect(table.schema.fields.map((f) => f.name)).toContain('a/b|accuracy');
  });
});

describe('corrupt Arrow and Parquet files found by fuzzing', () => {
  const long = {
    query_id: ['a', 'a', 'b'],
    model_id: ['m1', 'm2', 'm1'],
    accuracy: Float64Array.from([1, 0, 0.5]),
  };

  // Just enough flatbuffer reading to find the fields the corruptions below overwrite.
  const deref = (dv: DataView, p: number): number => p + dv.getUint32(p, true);
  function fbField(dv: DataView, t: number, f: number): number {
    const vt = t - dv.getInt32(t, true);
    const o = 4 + 2 * f;
    if (o >= dv.getUint16(vt, true)) return -1;
    const fo = dv.getUint16(vt + o, true);
    return fo ? t + fo : -1;
  }
  /** Message tables of an Arrow stream, with their header type. */
  function messages(b: Uint8Array): { table: number; type: number }[] {
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const out: { table: number; type: number }[] = [];
    let pos = 0;
    while (pos + 8 <= b.length && dv.getUint32(pos, true) === 0xffffffff) {
      const len = dv.getInt32(pos + 4, true);
      if (len === 0) break;
      const meta = pos + 8;
      const table = deref(dv, meta);
      const type = dv.getUint8(fbField(dv, table, 1));
      const bl = fbField(dv, table, 3);
      out.push({ table, type });
      pos = meta + len + (bl < 0 ? 0 : Number(dv.getBigInt64(bl, true)));
    }
    return out;
  }

  it('a corrupt vector length in the schema metadata (apache-arrow looped over it for hours)', async () => {
    const table = tableFromArrays(long);
    table.schema.metadata.set('greenserv', '{}');
    const b = tableToIPC(table, 'stream').slice();
    const dv = new DataView(b.buffer);
    const schema = deref(dv, fbField(dv, messages(b)[0].table, 2));
    // Schema field 2: the custom_metadata key/value pairs.
    dv.setUint32(deref(dv, fbField(dv, schema, 2)), 0x7fffffff, true);
    await dataError(loadTable(s.write('fz-veclen.arrows', b)), { message: /not a readable Arrow.*Schema field 2 lies outside the metadata/ });
  });

  it('a record batch block that points at a dictionary batch (apache-arrow re-read it forever)', async () => {
    const b = tableToIPC(tableFromArrays(long), 'file').slice();
    const dv = new DataView(b.buffer);
    const footer = deref(dv, b.length - 10 - dv.getInt32(b.length - 10, true));
    const dictionaries = deref(dv, fbField(dv, footer, 2));
    const batches = deref(dv, fbField(dv, footer, 3));
    expect(dv.getUint32(dictionaries, true)).toBeGreaterThan(0);
    dv.setBigInt64(batches + 4, dv.getBigInt64(dictionaries + 4, true), true);
    await dataError(loadTable(s.write('fz-block.arrow', b)), { message: /record batch 0: block points at a message of type 2, expected 3/ });
  });

  it('a record batch claiming a billion rows (the loader allocated for all of them)', async () => {
    const b = tableToIPC(tableFromArrays(long), 'stream').slice();
    const dv = new DataView(b.buffer);
    const batch = messages(b).find((m) => m.type === 3)!;
    dv.setBigInt64(fbField(dv, deref(dv, fbField(dv, batch.table, 2)), 0), 1_000_000_000n, true);
    await dataError(loadTable(s.write('fz-rows.arrows', b)), { message: /record batch claims 1000000000 rows, more than the file can hold/ });
  });

  /** Byte offset of a column chunk's first page and the header in front of it. */
  function firstPage(buf: Uint8Array, column: string): { at: number; dataAt: number; header: PageHeader } {
    const meta = parquetMetadata(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
    const chunk = meta.row_groups[0].columns.find((c) => c.meta_data!.path_in_schema[0] === column)!.meta_data!;
    const at = Number(chunk.dictionary_page_offset || chunk.data_page_offset);
    const reader = { view: new DataView(buf.buffer, buf.byteOffset + at), offset: 0 };
    const header = parquetHeader(reader);
    return { at, dataAt: at + reader.offset, header };
  }

  it('a column chunk that names no schema column next to a corrupt one (left rejections unhandled)', async () => {
    const buf = new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          { name: 'query_id', data: ['a', 'a', 'b'], type: 'STRING' },
          { name: 'model_id', data: ['m1', 'm2', 'm1'], type: 'STRING' },
          { name: 'accuracy', data: [1, 0, 0.5], type: 'DOUBLE' },
        ],
      }),
    );
    // Rename the schema's 'accuracy' (the footer's first mention) and break the snappy data of query_id.
    const footerAt = buf.length - 8 - new DataView(buf.buffer).getInt32(buf.length - 8, true);
    const name = Buffer.from(buf.buffer).indexOf('accuracy', footerAt);
    buf[name + 7] = 'x'.charCodeAt(0);
    const q = firstPage(buf, 'query_id');
    buf.fill(0xff, q.dataAt, q.dataAt + 4);
    const unhandled: unknown[] = [];
    const onUnhandled = (r: unknown): void => void unhandled.push(r);
    process.on('unhandledRejection', onUnhandled);
    try {
      await dataError(loadTable(s.write('fz-names.parquet', buf)), { message: /not a readable Parquet file/ });
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });

  it('a definition-level run of 2^30 values in a page of three (hyparquet grew an array to that size)', async () => {
    const buf = new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          { name: 'query_id', data: ['a', 'a', 'b'], type: 'STRING' },
          { name: 'model_id', data: ['m1', 'm2', 'm1'], type: 'STRING' },
          { name: 'accuracy', data: [1, null, 0.5], type: 'DOUBLE' },
        ],
        codec: 'UNCOMPRESSED',
      }),
    );
    const page = firstPage(buf, 'accuracy');
    expect(page.header.type).toBe('DATA_PAGE_V2');
    // RLE run header (count << 1) as a varint, then the repeated level.
    buf.set([0xfe, 0xff, 0xff, 0xff, 0x07, 0x01], page.dataAt + page.header.data_page_header_v2!.repetition_levels_byte_length);
    await dataError(loadTable(s.write('fz-rle.parquet', buf)), { message: /column 'accuracy', row group 0: page at byte 0: run of 1073741823 values where 3 remain/ });
  });

  it('cells that are invalid dates or nested lists read as text without throwing', () => {
    expect(toCell(new Date(Number.NaN))).toBeNull();
    const cyclic: unknown[] = ['a'];
    cyclic.push(cyclic);
    expect(toCell(cyclic)).toBe('[a, [a, [a, [a, […]]]]]');
    expect(toCell([1, [2, 3]])).toBe('[1, [2, 3]]');
  });
});
