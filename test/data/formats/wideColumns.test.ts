/**
 * The wide builder's column-at-a-time fill (WideTableBuilder.fillColumns, used for Arrow, Parquet and pickle
 * tables) against its row-by-row reader: the same table where the fill applies, and where it does not (a
 * repeated id, a row without a score, a value the row reader refuses) the fill gives up with the builder
 * empty, so the row reader gives the table, warnings and errors it always did.
 */
import { describe, expect, it } from 'vitest';
import { makeVector, tableFromArrays, tableToIPC, vectorFromArray, Utf8 } from 'apache-arrow';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { Rng } from '../../../src/core/rng.js';
import { DataError } from '../../../src/core/errors.js';
import { classifyWideColumns, WideTableBuilder } from '../../../src/data/formats/wide.js';
import { loadColumnar, type ColumnarSource } from '../../../src/data/formats/columnar.js';
import { toCell } from '../../../src/data/formats/cell.js';
import { arrowSource } from '../../../src/data/formats/arrow.js';
import { parquetSource } from '../../../src/data/formats/parquet.js';
import { loadTable } from '../../../src/data/load.js';
import { writeTable } from '../../../src/data/formats/write.js';
import { F64, F32 } from '../../../src/data/columns.js';
import { tableSha256, type PoolTable } from '../../../src/data/pool.js';
import { dataError, scratch } from './helpers.js';

const s = scratch();

type Column = ArrayLike<unknown>;

interface Wide {
  columns: string[];
  values: Column[];
}

/** A GreenServ-wide table: ids, tasks, cluster, complexity, per-model accuracy (0/1 and fractions) and cost. */
function wideTable(Q: number, M: number, seed = 3, opts: { text?: boolean; missingCost?: boolean } = {}): Wide {
  const rng = new Rng(seed);
  const columns = ['query_id', 'task', 'cluster', 'complexity'];
  const values: Column[] = [
    Array.from({ length: Q }, (_, q) => `q${q}`),
    Array.from({ length: Q }, (_, q) => ['mmlu', 'gsm8k', 'mt-bench'][q % 3]),
    Int32Array.from({ length: Q }, (_, q) => (q % 5) - 1),
    Float64Array.from({ length: Q }, (_, q) => (q % 7 === 0 ? Number.NaN : 10 + q / 8)),
  ];
  if (opts.text) {
    columns.push('text');
    values.push(Array.from({ length: Q }, (_, q) => (q % 4 === 0 ? null : `prompt ${q}`)));
  }
  for (let m = 0; m < M; m++) {
    columns.push(`m${m}|accuracy`);
    // one query in 9 scores fractions (as MT-Bench does); some cells are missing, never a whole row
    values.push(Float64Array.from({ length: Q }, (_, q) => (m > 0 && q % 11 === m ? Number.NaN : q % 9 === 2 ? Math.round(rng.next() * 10) / 10 : rng.next() < 0.5 ? 1 : 0)));
    if (opts.missingCost && m === M - 1) continue;
    columns.push(`m${m}|cost_usd`);
    values.push(Float64Array.from({ length: Q }, (_, q) => (q % 13 === 0 ? Number.NaN : (m + 1) * 1e-5 * (0.5 + rng.next()))));
  }
  return { columns, values };
}

function builder(w: Wide, kind: typeof F32 | typeof F64 = F32, warn?: (m: string) => void): WideTableBuilder {
  const layout = classifyWideColumns(w.columns, 't.arrow');
  return new WideTableBuilder('t', 't.arrow', layout, { nanIsMissing: true, rowWord: 'row', minKind: () => kind, warn });
}

function byRows(w: Wide, kind: typeof F32 | typeof F64 = F32, warn?: (m: string) => void): PoolTable {
  const b = builder(w, kind, warn);
  const n = w.values[0].length;
  b.reserveRows(n);
  for (let r = 0; r < n; r++) b.addRow((c) => toCell(w.values[c][r]), r + 1, (c) => w.columns[c], (c) => w.values[c][r]);
  return b.build();
}

async function byColumns(w: Wide, kind: typeof F32 | typeof F64 = F32): Promise<{ filled: boolean; b: WideTableBuilder }> {
  const b = builder(w, kind);
  b.reserveRows(w.values[0].length);
  const filled = await b.fillColumns(w.values[0].length, async (c) => w.values[c]);
  return { filled, b };
}

/** `unscored`: compare the values kept aside for cells without a score too (a long file has none). */
function same(a: PoolTable, b: PoolTable, unscored = true): void {
  expect(a.queryIds).toEqual(b.queryIds);
  expect(a.tasks).toEqual(b.tasks);
  expect(Array.from(a.queryTask)).toEqual(Array.from(b.queryTask));
  expect(a.queryText).toEqual(b.queryText);
  expect(Array.from(a.cluster)).toEqual(Array.from(b.cluster));
  expect(Array.from(a.complexity)).toEqual(Array.from(b.complexity));
  expect(a.accuracy.constructor).toBe(b.accuracy.constructor);
  expect(Array.from(a.accuracy)).toEqual(Array.from(b.accuracy));
  expect(Array.from(a.present)).toEqual(Array.from(b.present));
  expect(a.costUsd?.constructor).toBe(b.costUsd?.constructor);
  expect(Array.from(a.costUsd ?? [])).toEqual(Array.from(b.costUsd ?? []));
  if (unscored) expect(a.unscored).toEqual(b.unscored);
  expect(tableSha256(a)).toBe(tableSha256(b));
}

describe('wide tables filled a column at a time', () => {
  it('give the table the row reader gives: ids, tasks, features, storage widths and missing cells', async () => {
    for (const [w, kind] of [
      [wideTable(200, 4), F32],
      [wideTable(57, 3, 5, { text: true }), F32],
      [wideTable(40, 3, 8, { missingCost: true }), F32],
      [wideTable(64, 2, 9), F64],
    ] as const) {
      const { filled, b } = await byColumns(w, kind);
      expect(filled).toBe(true);
      same(b.build(), byRows(w, kind));
    }
  });

  it('metrics of one kind that only fit float64 widen as the row reader widens them', async () => {
    const w = wideTable(30, 2);
    // an exact float32 (not a short decimal) in one column and a short decimal (not a float32) in the other
    (w.values[5] as Float64Array)[3] = Math.fround(0.1234567);
    (w.values[7] as Float64Array)[20] = 0.3;
    const { filled, b } = await byColumns(w);
    expect(filled).toBe(true);
    const t = b.build();
    expect(t.costUsd).toBeInstanceOf(Float64Array);
    same(t, byRows(w));
  });

  it('gives up, with the builder empty, on a repeated id, a row without a score or a value the row reader refuses', async () => {
    const cases: [string, (w: Wide) => void][] = [
      ['repeated id', (w) => ((w.values[0] as string[])[9] = 'q3')],
      ['empty id', (w) => ((w.values[0] as string[])[4] = ' ')],
      ['row without a score', (w) => w.columns.forEach((c, i) => c.endsWith('|accuracy') && ((w.values[i] as Float64Array)[6] = Number.NaN))],
      ['negative cost', (w) => ((w.values[5] as Float64Array)[7] = -1)],
      ['accuracy above 1', (w) => ((w.values[4] as Float64Array)[2] = 2)],
      ['infinite cost', (w) => ((w.values[5] as Float64Array)[1] = Infinity)],
      ['text in a metric', (w) => (w.values[5] = Array.from(w.values[5] as Float64Array, (v, r) => (r === 8 ? 'x' : v)))],
      ['empty task', (w) => ((w.values[1] as string[])[5] = '')],
      ['fractional cluster', (w) => ((w.values[2] as unknown) = Float64Array.from(w.values[2] as Int32Array, (v, r) => (r === 3 ? 1.5 : v)))],
    ];
    for (const [what, spoil] of cases) {
      const w = wideTable(20, 2);
      spoil(w);
      const { filled, b } = await byColumns(w);
      expect(filled, what).toBe(false);
      // the same builder then reads the rows as a fresh one does: the same table or the same error
      const n = w.values[0].length;
      b.reserveRows(n);
      let got: PoolTable | DataError;
      let want: PoolTable | DataError;
      try {
        for (let r = 0; r < n; r++) b.addRow((c) => toCell(w.values[c][r]), r + 1, (c) => w.columns[c], (c) => w.values[c][r]);
        got = b.build();
      } catch (e) {
        got = e as DataError;
      }
      try {
        want = byRows(w);
      } catch (e) {
        want = e as DataError;
      }
      if (want instanceof DataError) {
        expect(got, what).toBeInstanceOf(DataError);
        expect([(got as DataError).message, (got as DataError).line, (got as DataError).column], what).toEqual([want.message, want.line, want.column]);
      } else same(got as PoolTable, want);
    }
  });

  it('an embedding column is left to the row reader', async () => {
    const w = wideTable(5, 2);
    w.columns.push('emb_0');
    w.values.push(Float64Array.from({ length: 5 }, (_, r) => r));
    const { filled } = await byColumns(w);
    expect(filled).toBe(false);
  });

  it('through loadColumnar, one column is fetched at a time and released before the next', async () => {
    const w = wideTable(12, 3);
    let held = new Set<number>();
    let most = 0;
    const fetched: number[] = [];
    const src: ColumnarSource = {
      file: 't.arrow',
      columns: w.columns,
      nRows: 12,
      column: (i) => {
        expect(held.has(i)).toBe(true);
        return w.values[i];
      },
      async fetch(cols) {
        for (const c of cols) held.add(c);
        fetched.push(...cols);
        most = Math.max(most, held.size);
      },
      release(cols) {
        held = new Set([...held].filter((c) => !cols.includes(c)));
      },
    };
    same(await loadColumnar(src), byRows(w));
    expect(most).toBe(1);
    expect(held.size).toBe(0);
    expect(new Set(fetched).size).toBe(w.columns.length);
  });

  it('Arrow and Parquet files load as the same table as their CSV copy, and a refused value is reported at its row', async () => {
    const Q = 300;
    const w = wideTable(Q, 3);
    const cols: Record<string, ReturnType<typeof makeVector>> = {};
    w.columns.forEach((c, i) => {
      const v = w.values[i];
      cols[c] = ArrayBuffer.isView(v) ? makeVector(v as Float64Array) : vectorFromArray(v as string[], new Utf8());
    });
    const arrow = s.write('w.arrow', tableToIPC(tableFromArrays({}).assign(new (await import('apache-arrow')).Table(cols)), 'file'));
    const t = await loadTable(arrow);
    same(t, byRows(w));
    // Parquet, several row groups, snappy and uncompressed
    for (const codec of ['SNAPPY', 'UNCOMPRESSED'] as const) {
      const columnData = w.columns.map((name, i) => {
        const v = w.values[i];
        return ArrayBuffer.isView(v)
          ? { name, data: v instanceof Int32Array ? v : Float64Array.from(v as Float64Array), type: v instanceof Int32Array ? ('INT32' as const) : ('DOUBLE' as const), nullable: false, encoding: 'PLAIN' as const }
          : { name, data: v as (string | null)[], type: 'STRING' as const };
      });
      const pq = s.write(`w-${codec}.parquet`, new Uint8Array(parquetWriteBuffer({ columnData, rowGroupSize: 70, codec })));
      expect((await parquetSource(pq)).rowChunks?.length).toBe(5);
      same(await loadTable(pq), t);
    }
    const csv = `${s.dir}/w.csv`;
    const { loadHint } = await writeTable(t, csv);
    same(await loadTable(csv, loadHint), t, false);
    // a negative cost on row 123: the row reader names it
    (w.values[5] as Float64Array)[122] = -0.5;
    const bad = s.write('bad.arrow', tableToIPC(new (await import('apache-arrow')).Table({ ...cols, [w.columns[5]]: makeVector(w.values[5] as Float64Array) }), 'file'));
    await dataError(loadTable(bad), { line: 123, column: w.columns[5], message: /negative/ });
  });

  it("an Arrow source's close gives its file's bytes back; the loaded table holds copies", async () => {
    const w = wideTable(50, 2);
    const cols: Record<string, ReturnType<typeof makeVector>> = {};
    w.columns.forEach((c, i) => {
      const v = w.values[i];
      cols[c] = ArrayBuffer.isView(v) ? makeVector(v as Float64Array) : vectorFromArray(v as string[], new Utf8());
    });
    const f = s.write('c.arrow', tableToIPC(new (await import('apache-arrow')).Table(cols), 'file'));
    const src = arrowSource(f);
    const view = src.column(w.columns.indexOf('m0|cost_usd')) as Float64Array;
    expect(view.length).toBe(50);
    const t = await loadColumnar(src);
    // loadColumnar closed the source: views of the file are empty, the table is whole
    expect(view.length).toBe(0);
    same(t, byRows(w));
  });
});
