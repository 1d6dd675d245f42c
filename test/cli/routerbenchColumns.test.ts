/**
 * RouterBench column problems: a model column with no filled cell is named as such (not as a missing cost
 * column), a header of thousands of stray columns gives a bounded message, and the wide loader warns about
 * model columns without a filled cell (simulate reads it) and refuses a table where no model has one.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRouterbench } from '../../src/app/routerbenchSource.js';
import { DataError } from '../../src/core/errors.js';
import { loadTable } from '../../src/data/load.js';

const dir = mkdtempSync(join(tmpdir(), 'gs-rb-columns-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A RouterBench CSV of models m-a, m-b; `blank` empties those columns on every row; `junk` stray empty columns. */
function rb(name: string, o: { blank?: string[]; junk?: number; rows?: number } = {}): string {
  const cols = ['', 'sample_id', 'prompt', 'eval_name', 'm-a', 'm-b', 'm-a|total_cost', 'm-b|total_cost', 'oracle_model_to_route_to'];
  const junk = Array.from({ length: o.junk ?? 0 }, (_, j) => `junk${j}`);
  const lines = [[...cols, ...junk].join(',')];
  for (let q = 0; q < (o.rows ?? 12); q++) {
    const task = q % 2 ? 'gsm8k' : 'mmlu';
    const v: Record<string, string> = { 'm-a': String(q % 2), 'm-b': String(Math.floor(q / 2) % 2), 'm-a|total_cost': '0.001', 'm-b|total_cost': '0.01' };
    for (const c of o.blank ?? []) v[c] = '';
    lines.push([String(q), `${task}.${q}`, `prompt ${q}`, task, v['m-a'], v['m-b'], v['m-a|total_cost'], v['m-b|total_cost'], 'm-a', ...junk.map(() => '')].join(','));
  }
  const f = join(dir, name);
  writeFileSync(f, lines.join('\n') + '\n');
  return f;
}

async function refusal(p: Promise<unknown>): Promise<DataError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(DataError);
  return e as DataError;
}

describe('evaluate: a model column present with every cell empty', () => {
  it('says no cell of the model is filled, not that its cost column is missing', async () => {
    for (const blank of [['m-b'], ['m-b', 'm-b|total_cost']]) {
      const f = rb(`blank-${blank.length}.csv`, { blank });
      const e = await refusal(loadRouterbench(f, { warn: () => {} }));
      expect(e.message).toContain(f);
      expect(e.message).toMatch(/not a RouterBench table: no cell of model m-b is filled \(its correctness column is empty on every row/);
      expect(e.message).not.toMatch(/missing column/);
    }
  });

  it('a filled model without costs is still a missing cost column', async () => {
    const e = await refusal(loadRouterbench(rb('nocost.csv', { blank: ['m-b|total_cost'] }), { warn: () => {} }));
    expect(e.message).toMatch(/missing column m-b\|total_cost$/);
  });
});

describe('evaluate: a header of 20,000 stray columns', () => {
  it('lists the first 10 missing columns and how many more; the message stays short', async () => {
    const f = rb('junk.csv', { junk: 20_000, rows: 3 });
    const e = await refusal(loadRouterbench(f, { warn: () => {} }));
    expect(e.line).toBe(1);
    expect(e.message).toMatch(/missing columns junk0\|total_cost, junk1\|total_cost, .*junk9\|total_cost … and 19990 more$/);
    expect(e.message).not.toContain('junk10|');
    expect(e.message.length).toBeLessThan(500);
  });
});

describe('the wide loader (simulate --data): model columns without a filled cell', () => {
  it('warns naming them (the first 10 of many), and loads the rest', async () => {
    const warnings: string[] = [];
    const t = await loadTable(rb('sim-blank.csv', { blank: ['m-b'] }), { warn: (m) => warnings.push(m) });
    expect(t.models.map((m) => m.id)).toEqual(['m-a', 'm-b']);
    expect(warnings.filter((w) => /no filled cell/.test(w))).toEqual([expect.stringMatching(/sim-blank\.csv: 1 of 2 model column\(s\) have no filled cell: m-b;/)]);
    warnings.length = 0;
    await loadTable(rb('sim-junk.csv', { junk: 20_000, rows: 3 }), { warn: (m) => warnings.push(m) });
    const w = warnings.find((x) => /no filled cell/.test(x))!;
    expect(w).toMatch(/20000 of 20002 model column\(s\) have no filled cell: junk0, junk1, .*junk9 and 19990 more/);
    expect(w.length).toBeLessThan(500);
  });

  it('no warning when every model has a filled cell', async () => {
    const warnings: string[] = [];
    await loadTable(rb('full.csv'), { warn: (m) => warnings.push(m) });
    expect(warnings.filter((w) => /no filled cell/.test(w))).toEqual([]);
  });

  it('refuses a table where no model has a filled cell', async () => {
    const e = await refusal(loadTable(rb('none.csv', { blank: ['m-a', 'm-b'] }), { warn: () => {} }));
    expect(e.message).toMatch(/none\.csv: no row has any correctness value/);
  });
});

describe('a RouterBench directory: the reason a file is skipped', () => {
  it("names the line (and column) as 'line N', as datasets info does, not the file a second time", async () => {
    const sub = join(dir, 'skip');
    mkdirSync(sub);
    rb('skip/rb.csv');
    // long tables (not RouterBench-shaped) whose load fails: a missing column (line 1) and a bad cell (line 3)
    const cases = [
      ['a-nocol.csv', 'query_id,model_id,correct\nq1,m1,1\n'],
      ['b-cell.csv', 'query_id,model_id,accuracy\nq1,m1,1\nq1,m2,abc\n'],
    ];
    const want: string[] = [];
    for (const [name, text] of cases) {
      const f = join(sub, name);
      writeFileSync(f, text);
      // the reason is the error the file gives alone, with its location as 'line N (column …)'
      const e = await refusal(loadTable(f));
      expect(e.line).toBeGreaterThan(0);
      const where = `${f}:${e.line} (column '${e.column}'): `;
      expect(e.message.startsWith(where)).toBe(true);
      const reason = e.message.slice(where.length);
      want.push(`skipping ${f}: line ${e.line} (column '${e.column}'): ${reason}`);
    }
    expect(want[1]).toMatch(/^skipping .*b-cell\.csv: line 3 \(column 'accuracy'\): /);
    const warnings: string[] = [];
    await loadRouterbench(sub, { warn: (m) => warnings.push(m) });
    expect(warnings.filter((w) => w.startsWith('skipping'))).toEqual(want);
  });
});
