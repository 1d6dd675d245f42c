import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { makePoolTable } from '../../src/data/pool.js';
import { encodeContexts, patternRows, withPatterns } from '../../src/features/context.js';
import { contextsFor, denseKind } from '../../src/features/contextsFor.js';

function table(texts: string[], embedding?: { dim: number; values: Float64Array }) {
  return makePoolTable({
    name: 't',
    queryIds: texts.map((_, q) => `q${q}`),
    queryTasks: texts.map((_, q) => (q % 2 ? 'mmlu' : 'gsm8k')),
    queryText: texts,
    models: [{ id: 'a', name: 'a', paramsB: 1 }],
    accuracy: new Float64Array(texts.length).fill(1),
    ...(embedding ? { embedding } : {}),
  });
}

const TEXTS = ['how many apples does tom have left', 'which planet is the largest', 'solve for x in two x plus three', 'the capital city of france is', 'a train leaves at noon at sixty miles', 'who wrote the play hamlet'];

describe('contexts from the feature choice', () => {
  it('one-hot features are the encoder\'s, byte for byte', () => {
    const t = table(TEXTS);
    const a = contextsFor(t, { layout: 'paper', features: ['task', 'complexity'] });
    const b = encodeContexts(t, { layout: 'paper', features: ['task', 'complexity'] });
    expect(a).toEqual(b);
  });

  it('embed fits on the train rows only: changing a test text leaves the train rows\' contexts as they were', () => {
    const fit = Int32Array.from([2, 3, 4, 5]);
    const a = contextsFor(table(TEXTS), { layout: 'paper', features: ['embed'], embedDim: 3, embedSeed: 1 }, fit);
    const other = [...TEXTS];
    other[0] = 'completely different words about chemistry';
    const b = contextsFor(table(other), { layout: 'paper', features: ['embed'], embedDim: 3, embedSeed: 1 }, fit);
    expect(a.d).toBe(4);
    const row = (c: typeof a, q: number) => [...c.val.subarray(c.ptr[q], c.ptr[q + 1])];
    for (const q of [2, 3, 4, 5]) expect(row(b, q)).toEqual(row(a, q));
    expect(row(b, 0)).not.toEqual(row(a, 0));
    // without fit rows the IDF sees the changed text, so train rows move too
    const c = contextsFor(table(other), { layout: 'paper', features: ['embed'], embedDim: 3, embedSeed: 1 });
    expect(row(c, 3)).not.toEqual(row(a, 3));
  });

  it('embed refuses more dimensions than the train rows give (N − 1 principal components), naming the bound', () => {
    const spec = { layout: 'paper', features: ['embed'], embedSeed: 1 } as const;
    expect(contextsFor(table(TEXTS), { ...spec, embedDim: 3 }, Int32Array.from([0, 1, 2, 3])).d).toBe(4);
    expect(() => contextsFor(table(TEXTS), { ...spec, embedDim: 4 }, Int32Array.from([0, 1, 2, 3]))).toThrow(UsageError);
    expect(() => contextsFor(table(TEXTS), { ...spec, embedDim: 4 }, Int32Array.from([0, 1, 2, 3]))).toThrow(
      /^--embed-dim 4: the PCA of --features embed is fitted on 4 train queries, which give at most 3 components \(one fewer than the queries\); use --embed-dim 3 or less, or a larger train part/,
    );
    // without a split the PCA is fitted on every query
    expect(contextsFor(table(TEXTS), { ...spec, embedDim: 5 }).d).toBe(6);
    expect(() => contextsFor(table(TEXTS), { ...spec, embedDim: 6 })).toThrow(/fitted on all 6 queries, which give at most 5 components/);
    expect(() => contextsFor(table(TEXTS), { ...spec, embedDim: 1 }, Int32Array.from([0]))).toThrow(/at most 0 components .*; it needs at least 2/);
  });

  it('embedding uses the table\'s vectors scaled to unit length', () => {
    const t = table(TEXTS.slice(0, 2), { dim: 2, values: Float64Array.from([3, 4, 0, -2]) });
    const c = contextsFor(t, { layout: 'paper', features: ['embedding'] });
    expect([...c.val]).toEqual([1, 0.6, 0.8, 1, 0, -1]);
  });

  it('a dense kind is given alone; embed needs text and embedding needs vectors', () => {
    expect(denseKind(['task'])).toBeNull();
    expect(() => denseKind(['embed', 'task'])).toThrow(UsageError);
    const noText = makePoolTable({ name: 'n', queryIds: ['a'], queryTasks: ['mmlu'], models: [{ id: 'a', name: 'a', paramsB: 1 }], accuracy: Float64Array.from([1]) });
    expect(() => contextsFor(noText, { layout: 'paper', features: ['embed'] })).toThrow(/needs query text/);
    expect(() => contextsFor(noText, { layout: 'paper', features: ['embedding'] })).toThrow(/no embedding column/);
    // a long table carries its embedding in the queries file: the message says so
    expect(() => contextsFor(noText, { layout: 'paper', features: ['embedding'] })).toThrow(/a long table's emb_0…emb_n columns in its queries file/);
  });
});

describe('pattern rows', () => {
  it('each pattern\'s row is its first query, whose context equals every other query of the pattern', () => {
    // rows 0/2/4 share a context, as do 1/5; row 3 is alone (hand-built CSR)
    const rowsIdx = [[0, 2], [0, 3], [0, 2], [1], [0, 2], [0, 3]];
    const rowsVal = [[1, 0.5], [1, 1], [1, 0.5], [2], [1, 0.5], [1, 1]];
    const ptr = new Int32Array(rowsIdx.length + 1);
    rowsIdx.forEach((r, q) => (ptr[q + 1] = ptr[q] + r.length));
    const c = withPatterns({ d: 4, nQueries: 6, ptr, idx: Int32Array.from(rowsIdx.flat()), val: Float64Array.from(rowsVal.flat()), names: [] });
    expect(Array.from(c.pattern!)).toEqual([0, 1, 0, 2, 0, 1]);
    const rows = patternRows(c.pattern!, c.nPatterns!);
    expect(Array.from(rows)).toEqual([0, 1, 3]);
    // brute force over every query: the pattern row's non-zeros are the query's own
    for (let q = 0; q < 6; q++) {
      const r = rows[c.pattern![q]];
      expect(Array.from(c.idx.subarray(ptr[r], ptr[r + 1]))).toEqual(rowsIdx[q]);
      expect(Array.from(c.val.subarray(ptr[r], ptr[r + 1]))).toEqual(rowsVal[q]);
    }
    expect(patternRows(c.pattern!, c.nPatterns!)).toBe(rows);
  });
});
