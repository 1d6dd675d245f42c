import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { combineTables, loadSources, orderById, type LoadOne } from '../../src/data/combine.js';
import { DataError, UnreadableError } from '../../src/core/errors.js';
import { makePoolTable, tableSha256, type PoolTable } from '../../src/data/pool.js';

/** A table whose accuracy cell encodes (query id, model id), so any misplaced cell shows. */
function table(ids: string[], models: string[], task = 'mmlu'): PoolTable {
  const M = models.length;
  const acc = new Float64Array(ids.length * M);
  const cost = new Float64Array(ids.length * M);
  ids.forEach((id, q) => models.forEach((m, j) => {
    acc[q * M + j] = (Number(id.slice(1)) % 2) * 0.5 + (m === 'b' ? 0.25 : 0);
    cost[q * M + j] = Number(id.slice(1)) + (m.charCodeAt(0) - 96) / 10;
  }));
  return makePoolTable({ name: 't', queryIds: ids, queryTasks: ids.map(() => task), models: models.map((id) => ({ id, name: id, paramsB: Number.NaN })), accuracy: acc, costUsd: cost });
}

const tmp = mkdtempSync(join(tmpdir(), 'gs-combine-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('combineTables', () => {
  it('sorts queries by id, so the order of the tables does not matter', () => {
    const a = table(['q3', 'q10', 'q1'], ['a', 'b']);
    const b = table(['q2', 'q20'], ['a', 'b']);
    const ab = combineTables([a, b], 'x');
    const ba = combineTables([b, a], 'x');
    // code-unit order, not numeric
    expect(ab.queryIds).toEqual(['q1', 'q10', 'q2', 'q20', 'q3']);
    expect(tableSha256(ab)).toBe(tableSha256(ba));
    // every cell moved with its query: cost = query number + model letter / 10
    expect(Array.from(ab.costUsd!)).toEqual([1.1, 1.2, 10.1, 10.2, 2.1, 2.2, 20.1, 20.2, 3.1, 3.2]);
    expect(Array.from(ab.accuracy)).toEqual([0.5, 0.75, 0, 0.25, 0, 0.25, 0, 0.25, 0.5, 0.75]);
  });

  it('sorts models by id when the tables list different models; keeps a shared order otherwise', () => {
    const a = table(['q1'], ['c', 'a']);
    const b = table(['q2'], ['b', 'a']);
    const ab = combineTables([a, b], 'x');
    expect(ab.models.map((m) => m.id)).toEqual(['a', 'b', 'c']);
    expect(tableSha256(ab)).toBe(tableSha256(combineTables([b, a], 'x')));
    // q1 has no b cell, q2 no c cell
    expect(Array.from(ab.present)).toEqual([1, 0, 1, 1, 1, 0]);
    expect(ab.costUsd![2]).toBeCloseTo(1.3, 12);
    const same = combineTables([table(['q1'], ['c', 'a']), table(['q2'], ['c', 'a'])], 'x');
    expect(same.models.map((m) => m.id)).toEqual(['c', 'a']);
  });

  it('a single table is returned untouched (single-file loads keep their order)', () => {
    const a = table(['q3', 'q1'], ['a']);
    expect(combineTables([a], 'x')).toBe(a);
  });

  it('orderById is stable for equal ids and locale-independent', () => {
    expect(Array.from(orderById(['b', 'B', 'a', 'b', 'é', 'e']))).toEqual([1, 2, 0, 3, 5, 4]);
  });
});

describe('loadSources', () => {
  const fake = (tables: Record<string, PoolTable | string>): { load: LoadOne; calls: string[] } => {
    const calls: string[] = [];
    return {
      calls,
      load: async (file, strict) => {
        calls.push(file);
        const base = file.split('/').pop()!;
        const r = tables[base];
        if (typeof r === 'string' && strict) throw new DataError(r, file);
        return r;
      },
    };
  };

  it('expands a directory, reads a file named twice once, lists files sorted and skips non-tables with a note', async () => {
    const d = join(tmp, 'dir');
    mkdirSync(d);
    for (const f of ['b.csv', 'a.csv', 'notes.csv', 'readme.txt']) writeFileSync(join(d, f), 'x\n');
    const { load, calls } = fake({ 'a.csv': table(['q2'], ['a']), 'b.csv': table(['q1'], ['a']), 'notes.csv': 'no model_id column' });
    const warnings: string[] = [];
    const r = await loadSources([join(d, 'b.csv'), d], load, { what: 'table', warn: (m) => warnings.push(m) });
    expect(r.files).toEqual([join(d, 'a.csv'), join(d, 'b.csv')]);
    expect(calls.filter((c) => c.endsWith('b.csv'))).toHaveLength(1);
    expect(r.table.queryIds).toEqual(['q1', 'q2']);
    expect(r.table.name).toBe('a.csv + b.csv');
    expect(warnings).toEqual([`skipping ${join(d, 'notes.csv')}: no model_id column`]);
  });

  it('a file that cannot be decoded is an error even when found by scanning a directory', async () => {
    const d = join(tmp, 'corrupt');
    mkdirSync(d);
    for (const f of ['a.csv', 'b.parquet']) writeFileSync(join(d, f), 'x\n');
    const load: LoadOne = async (file) => {
      if (file.endsWith('b.parquet')) throw new UnreadableError('not a readable Parquet file', file);
      return table(['q1'], ['a']);
    };
    await expect(loadSources([d], load, { what: 'table', warn: () => {} })).rejects.toThrow(/b\.parquet: not a readable Parquet file/);
  });

  it('a directory with no usable table names every file and why; a bad named file throws', async () => {
    const d = join(tmp, 'junk');
    mkdirSync(d);
    writeFileSync(join(d, 'x.csv'), 'x\n');
    const { load } = fake({ 'x.csv': 'header has no accuracy' });
    await expect(loadSources([d], load, { what: 'table', warn: () => {} })).rejects.toThrow(/junk: no table in the directory; x\.csv: header has no accuracy/);
    await expect(loadSources([join(d, 'x.csv')], load, { what: 'table', warn: () => {} })).rejects.toThrow(DataError);
  });
});
