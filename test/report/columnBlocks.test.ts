/**
 * The per-task columns of profile-models split into blocks that fit the terminal: chosen from the columns'
 * widths, as the layout used to be re-rendered for every column added (the reference below), with the same result.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { columnBlocks, renderTable } from '../../src/report/terminalTable.js';

/** A block's table: the first column and the block's, numbers right-aligned (as profileTerminal lays it out). */
function block(headers: string[], rows: string[][], b: number[]): string {
  const cols = [0, ...b];
  return renderTable(cols.map((k) => headers[k]), rows.map((r) => cols.map((k) => r[k])), [false, ...b.map(() => true)]);
}

/** The fitting as it was: lay the block out again with the next column and keep it there if every line fits. */
function reference(headers: string[], rows: string[][], width: number): number[][] {
  const blocks: number[][] = [];
  for (let j = 1; j < headers.length; j++) {
    const last = blocks[blocks.length - 1];
    if (last && block(headers, rows, [...last, j]).split('\n').every((l) => l.length <= width)) last.push(j);
    else blocks.push([j]);
  }
  return blocks;
}

const CHARS = ['a', 'x', '0', '7', '.', ' ', '·', '–', 'λ', '😀', '\n'];

function cell(rng: Rng, max: number): string {
  let s = '';
  for (let n = rng.int(max + 1); n > 0; n--) s += CHARS[rng.int(CHARS.length)];
  return s;
}

describe('columnBlocks', () => {
  it('blocks are filled in order while the rule line (widths plus gaps of 2) fits', () => {
    // widths 5 | 4, 6, 3, 12: 5+2+4+2+6 = 19 fits 20, +2+3 does not; 5+2+3 = 10, +2+12 = 24 does not
    const headers = ['model', 'a', 'b', 'c', 'dddddddddddd'];
    const rows = [['m1', '1.00', '123456', '–', '0']];
    expect(columnBlocks(headers, rows, 20)).toEqual([[1, 2], [3], [4]]);
    expect(columnBlocks(headers, rows, 19)).toEqual([[1, 2], [3], [4]]);
    expect(columnBlocks(headers, rows, 18)).toEqual([[1], [2, 3], [4]]);
    expect(columnBlocks(headers, rows, Infinity)).toEqual([[1, 2, 3, 4]]);
    // a column wider than the terminal still gets a block of its own
    expect(columnBlocks(headers, rows, 3)).toEqual([[1], [2], [3], [4]]);
    expect(columnBlocks(['model'], rows, 80)).toEqual([]);
  });

  it('chooses the blocks the re-rendering did, and prints the same text, on random tables', () => {
    const rng = new Rng(20261207);
    for (let t = 0; t < 400; t++) {
      const cols = 1 + rng.int(16);
      const nRows = rng.int(9);
      const long = rng.int(3) === 0 ? 30 : 10;
      const headers = Array.from({ length: cols }, () => cell(rng, long));
      const rows = Array.from({ length: nRows }, () => Array.from({ length: cols }, () => cell(rng, long)));
      const width = [Infinity, Number.NaN, 0, -1][rng.int(12)] ?? rng.int(160);
      const want = reference(headers, rows, width);
      const got = columnBlocks(headers, rows, width);
      expect(got, `table ${t}, width ${width}`).toEqual(want);
      expect(got.map((b) => block(headers, rows, b)).join('\n\n')).toBe(want.map((b) => block(headers, rows, b)).join('\n\n'));
    }
  });
});
