/**
 * The long builder keeps each row's line as runs (rows a line apart share one), or a line per row once runs
 * are short: messages name the same lines either way.
 */
import { describe, expect, it } from 'vitest';
import { loadTable } from '../../../src/data/load.js';
import { LongTableBuilder } from '../../../src/data/formats/longBuilder.js';
import { DataError } from '../../../src/core/errors.js';
import { scratch, dataError } from './helpers.js';

const s = scratch();

/** A long CSV whose `note` column spans `span(r)` lines on row r, ending with a conflicting duplicate of row `dup`. */
function csv(rows: number, span: (r: number) => number, dup: number): { text: string; lines: number[] } {
  const out = ['query_id,model_id,accuracy,note'];
  const lines: number[] = [];
  let line = 2;
  const row = (q: number, acc: number, r: number): void => {
    lines.push(line);
    const n = span(r);
    out.push(`q${q},m,${acc},"${Array.from({ length: n }, (_, i) => `part ${i}`).join('\n')}"`);
    line += n;
  };
  for (let r = 0; r < rows; r++) row(r, 1, r);
  row(dup, 0, rows);
  return { text: out.join('\n') + '\n', lines };
}

describe('row lines', () => {
  for (const [what, span] of [
    ['one line a row', () => 1],
    ['a few records spanning lines', (r: number) => (r % 500 === 7 ? 3 : 1)],
    ['every record spanning lines (a line per row is kept)', (r: number) => 1 + (r % 3)],
  ] as const) {
    it(`a conflicting duplicate names both lines: ${what}`, async () => {
      const rows = 3000;
      const dup = 2345;
      const { text, lines } = csv(rows, span, dup);
      const e = await dataError(loadTable(s.write(`lines-${what.length}.csv`, text), { warn: () => {} }), { line: lines[rows], column: 'accuracy' });
      expect(e.message).toMatch(new RegExp(`conflicting duplicate rows for query 'q${dup}', model 'm'.* on line ${lines[dup]}$`));
    });
  }

  it('the builder: lines given out of step, runs then a line per row', () => {
    const lines: number[] = [];
    for (let r = 0; r < 5000; r++) lines.push(r < 2000 ? 10 + r : r < 2100 ? 10 + 3 * r : 20_000 + 7 * r + (r % 2));
    const b = new LongTableBuilder('t', 't.csv');
    const vals = [1, Number.NaN, Number.NaN, Number.NaN, Number.NaN, Number.NaN];
    lines.forEach((line, r) => b.add(b.query(`q${r}`, line), b.model('m', line), vals, line));
    // the last row repeats row 4321's cell with another score
    b.add(b.query('q4321', 99_999), b.model('m', 99_999), [0, ...vals.slice(1)], 99_999);
    let err: DataError | null = null;
    try {
      b.build();
    } catch (e) {
      err = e as DataError;
    }
    expect(err?.line).toBe(99_999);
    expect(err?.message).toMatch(new RegExp(` on line ${lines[4321]}$`));
  });
});
