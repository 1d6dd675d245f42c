import { describe, expect, it } from 'vitest';
import { Dictionary, Int32, makeVector, Table, tableFromArrays, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { Rng } from '../../../src/core/rng.js';
import { arrowSource } from '../../../src/data/formats/arrow.js';
import { loadColumnar } from '../../../src/data/formats/columnar.js';
import { writeTable } from '../../../src/data/formats/write.js';
import { makePoolTable, tableSha256, type PoolTable } from '../../../src/data/pool.js';
import { dataError, scratch } from './helpers.js';

const s = scratch();

/** A long-layout Arrow file of Q queries × M models in shuffled row order, so slices split queries. */
function longArrow(name: string, Q: number, M: number, bad?: { row: number; accuracy: number }): string {
  const rng = new Rng(9);
  const rows = Array.from({ length: Q * M }, (_, i) => i);
  rng.shuffle(rows);
  const query_id = rows.map((i) => `q${Math.floor(i / M)}`);
  const model_id = rows.map((i) => `m${i % M}`);
  const task = rows.map((i) => (Math.floor(i / M) % 2 ? 'mmlu' : 'gsm8k'));
  const accuracy = Float64Array.from(rows, () => (rng.next() < 0.5 ? 1 : 0));
  const energy_j = Float64Array.from(rows, () => 1 + rng.next());
  if (bad) accuracy[bad.row - 1] = bad.accuracy;
  return s.write(name, tableToIPC(tableFromArrays({ query_id, model_id, task, accuracy, energy_j }), 'file'));
}

function same(a: PoolTable, b: PoolTable): void {
  expect(tableSha256(a)).toBe(tableSha256(b));
  expect(a.queryIds).toEqual(b.queryIds);
  expect(a.models.map((m) => m.id)).toEqual(b.models.map((m) => m.id));
  expect(Array.from(a.accuracy)).toEqual(Array.from(b.accuracy));
  expect(Array.from(a.energyJ)).toEqual(Array.from(b.energyJ));
}

describe('Arrow tables read a slice of rows at a time', () => {
  it('a long table gives the same pool table in slices of 7 rows as read whole', async () => {
    const f = longArrow('long.arrow', 13, 4);
    const whole = await loadColumnar(arrowSource(f, Infinity));
    const sliced = await loadColumnar(arrowSource(f, 7));
    expect(arrowSource(f, 7).rowChunks?.length).toBe(Math.ceil(52 / 7));
    expect(whole.nQueries).toBe(13);
    same(sliced, whole);
  });

  it('a wide table too, with an embedding list column, one row per slice', async () => {
    const t = makePoolTable({
      name: 'w',
      queryIds: ['a', 'b', 'c'],
      queryTasks: ['mmlu', 'gsm8k', 'mmlu'],
      models: [{ id: 'x', name: 'x', paramsB: 1 }, { id: 'y', name: 'y', paramsB: 2 }],
      accuracy: Float64Array.from([1, 0, 0, 1, 1, Number.NaN]),
      energyJ: Float64Array.from([1, 2, 3, 4, 5, Number.NaN]),
      embedding: { dim: 2, values: Float64Array.from([0.5, -1, 2, 0.25, 3, 1e-3]) },
    });
    const f = `${s.dir}/wide.arrow`;
    await writeTable(t, f);
    const sliced = await loadColumnar(arrowSource(f, 1));
    same(sliced, await loadColumnar(arrowSource(f, Infinity)));
    expect(Array.from(sliced.embedding!.values)).toEqual(Array.from(t.embedding!.values));
  });

  it('dictionary-encoded ids (as pandas categoricals are written) and an Arrow stream, sliced', async () => {
    const whole = await loadColumnar(arrowSource(longArrow('plain.arrow', 9, 3), Infinity));
    const plain = new Table({
      query_id: vectorFromArray(whole.queryIds.flatMap((q) => [q, q, q]), new Dictionary(new Utf8(), new Int32())),
      model_id: vectorFromArray(whole.queryIds.flatMap(() => whole.models.map((m) => m.id)), new Dictionary(new Utf8(), new Int32())),
      task: vectorFromArray(whole.queryIds.flatMap((_, q) => [0, 1, 2].map(() => whole.tasks[whole.queryTask[q]]))),
      accuracy: makeVector(Float64Array.from({ length: 27 }, (_, i) => whole.accuracy[i])),
      energy_j: makeVector(Float64Array.from({ length: 27 }, (_, i) => whole.energyJ[i])),
    });
    for (const kind of ['file', 'stream'] as const) {
      const f = s.write(`dict.${kind === 'file' ? 'arrow' : 'arrows'}`, tableToIPC(plain, kind));
      same(await loadColumnar(arrowSource(f, 4)), whole);
    }
  });

  it('a bad value in a later slice is reported at its own row', async () => {
    const f = longArrow('bad.arrow', 13, 4, { row: 23, accuracy: 2 });
    await dataError(loadColumnar(arrowSource(f, 7)), { line: 23, column: 'accuracy' });
    await dataError(loadColumnar(arrowSource(f, Infinity)), { line: 23, column: 'accuracy' });
  });
});
