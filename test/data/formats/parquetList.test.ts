/**
 * A Parquet LIST column of numbers is read as the query embedding (datasets/README.md, user embeddings), with
 * errors naming file, row and column for ragged lists and a column error for lists of anything but numbers;
 * `datasets convert` carries the embedding into Parquet (LIST), Arrow (list) and CSV (emb_j in the queries file).
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { loadTable } from '../../../src/data/load.js';
import { writeTable } from '../../../src/data/formats/write.js';
import { tableSha256 } from '../../../src/data/pool.js';
import { dataError, scratch } from './helpers.js';

const s = scratch();

type Leaf = { type: 'DOUBLE' | 'FLOAT' | 'BYTE_ARRAY'; optional: boolean };

/** A wide table (query_id, one model's accuracy) with an `embedding` LIST column (three-level layout). */
function listParquet(rows: unknown[][], leaf: Leaf = { type: 'DOUBLE', optional: true }): Uint8Array {
  const n = rows.length;
  const element = { name: 'element', type: leaf.type, repetition_type: leaf.optional ? 'OPTIONAL' : 'REQUIRED', ...(leaf.type === 'BYTE_ARRAY' ? { converted_type: 'UTF8' } : {}) } as const;
  const list = [{ name: 'embedding', repetition_type: 'OPTIONAL', num_children: 1, converted_type: 'LIST' }, { name: 'list', repetition_type: 'REPEATED', num_children: 1 }, element];
  const buf = parquetWriteBuffer({
    columnData: [
      { name: 'query_id', data: Array.from({ length: n }, (_, q) => `q${q}`) },
      { name: 'm1|accuracy', data: Array.from({ length: n }, (_, q) => q % 2) },
      { name: 'embedding', data: rows },
    ],
    schema: [
      { name: 'root', num_children: 3 },
      { name: 'query_id', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
      { name: 'm1|accuracy', type: 'DOUBLE', repetition_type: 'REQUIRED' },
      ...(list as never[]),
    ],
  });
  return new Uint8Array(buf);
}

describe('Parquet LIST embedding column', () => {
  it('reads a list of doubles or floats per row as the embedding', async () => {
    const rows = [
      [0.5, -1, 2],
      [3, 4.25, 0],
      [1e-3, 7, -8],
    ];
    const t = await loadTable(s.write('emb.parquet', listParquet(rows)));
    expect(t.embedding?.dim).toBe(3);
    expect(Array.from(t.embedding!.values)).toEqual(rows.flat());
    const f = await loadTable(s.write('emb32.parquet', listParquet(rows, { type: 'FLOAT', optional: false })));
    expect(Array.from(f.embedding!.values)).toEqual(rows.flat().map(Math.fround));
  });

  it('a ragged list is an error naming the row and the column', async () => {
    await dataError(loadTable(s.write('ragged.parquet', listParquet([[1, 2], [3, 4], [5, 6, 7]]))), { line: 3, column: 'embedding', message: /embedding has 3 values, expected 2 \(as on row 1\)/ });
  });

  it('a missing element or an empty list is an error naming the row', async () => {
    await dataError(loadTable(s.write('hole.parquet', listParquet([[1, 2], [3, null]]))), { line: 2, column: 'embedding', message: /embedding value 1 is not a number/ });
    await dataError(loadTable(s.write('empty.parquet', listParquet([[], [1]]))), { line: 1, column: 'embedding', message: /embedding has 0 values/ });
  });

  it('a list of strings is refused naming the column', async () => {
    await dataError(loadTable(s.write('text.parquet', listParquet([['a'], ['b']], { type: 'BYTE_ARRAY', optional: true }))), { column: 'embedding', message: /list of BYTE_ARRAY; only a list of numbers/ });
  });

  it('datasets convert carries the embedding into Parquet, Arrow and CSV', async () => {
    const rows = [
      [0.125, -1],
      [3, 0.1],
      [2, 2],
    ];
    const t = await loadTable(s.write('src.parquet', listParquet(rows)));
    for (const name of ['out.parquet', 'out.arrow', 'out.csv']) {
      const dst = join(s.dir, name);
      const r = await writeTable(t, dst);
      const back = await loadTable(dst, r.loadHint);
      expect(Array.from(back.embedding!.values), name).toEqual(rows.flat());
      expect(tableSha256(back), name).toBe(tableSha256(t));
    }
  });
});
