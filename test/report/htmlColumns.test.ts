/** Stacked column groups of the report's wide tables. */
import { describe, expect, it } from 'vitest';
import { columnGroups, stackColumns } from '../../src/report/htmlColumns.js';

describe('columnGroups', () => {
  it('groups of at most `most`, as even as possible, in order', () => {
    expect(columnGroups(11, 6)).toEqual([[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]);
    expect(columnGroups(13, 6).map((g) => g.length)).toEqual([5, 4, 4]);
    expect(columnGroups(6, 6)).toEqual([[0, 1, 2, 3, 4, 5]]);
    expect(columnGroups(1, 6)).toEqual([[0]]);
    expect(columnGroups(0, 6)).toEqual([]);
  });

  it('stackColumns repeats the leading columns in every table', () => {
    const t = stackColumns(['name', 'a', 'b', 'c'], [['x', '1', '2', '3']], 1, 2);
    expect(t).toEqual([
      { headers: ['name', 'a', 'b'], rows: [['x', '1', '2']] },
      { headers: ['name', 'c'], rows: [['x', '3']] },
    ]);
  });
});
