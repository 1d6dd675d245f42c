import { describe, expect, it } from 'vitest';
import { cutDistinct, cutMiddle, renderRecords } from '../../src/report/tableShrink.js';
import { renderTable, renderTableFit } from '../../src/report/terminalTable.js';

describe('fitting names and rows to a narrow terminal', () => {
  it('cutMiddle keeps the head and the tail around one …', () => {
    expect(cutMiddle('abcdefghij', 5)).toBe('ab…ij');
    expect(cutMiddle('abcdefghij', 6)).toBe('abc…ij');
    expect(cutMiddle('abc', 5)).toBe('abc');
  });

  it('cutDistinct cuts longer where the short cut would make two names read the same', () => {
    const names = ['prefix-aaa-suffix', 'prefix-bbb-suffix', 'x'];
    expect(cutDistinct(names, 7)!.map((c) => c.length)).toEqual([16, 16, 1]);
    expect(new Set(cutDistinct(names, 7)).size).toBe(3);
    expect(cutDistinct(['a-long-name-1', 'a-long-name-2'], 5)).toEqual(['a-…-1', 'a-…-2']);
  });

  const headers = ['policy', 'accuracy', 'energy Wh'];
  const rows = [
    ['static:vendor/some-very-long-model-identifier-7b', '0.5116', '237.7'],
    ['static:vendor/some-very-long-model-identifier-13b', '0.6850', '731.4'],
  ];
  const right = [false, true, true];

  it('a table that fits prints exactly as renderTable', () => {
    expect(renderTableFit(headers, rows, right, 80, [2])).toBe(renderTable(headers, rows, right));
  });

  it('after its columns are dropped, names are cut in the middle, distinct, numbers untouched', () => {
    const t = renderTableFit(headers, rows, right, 34, [2]);
    expect(t.split('\n').every((l) => l.length <= 34)).toBe(true);
    expect(t.split('\n').slice(4).join(' ')).toBe('(left out to fit the terminal: energy Wh)');
    const [a, b] = t.split('\n').slice(2, 4);
    expect(a).toMatch(/^static:vendo…\S*-7b\s+0\.5116$/);
    expect(b).toMatch(/^static:vendo…\S*-13b\s+0\.6850$/);
  });

  it('too narrow for a table (a name of 12 characters and the accuracy), each row is a record with every column', () => {
    const t = renderTableFit(headers, rows, right, 18, [2]);
    expect(t).toBe(renderRecords(headers, rows, [true, false, false], 18));
    expect(t.split('\n').every((l) => l.length <= 18)).toBe(true);
    expect(t.split('\n\n')[1].split('\n').slice(1)).toEqual(['  accuracy: 0.6850', '  energy Wh: 731.4']);
    expect(t.split('\n')[0]).toMatch(/^policy: stat\S*…\S*-7b$/);
  });
});

describe('records', () => {
  it('a value too long to share the line with its header goes under it, whole', () => {
    const t = renderRecords(['router', 'gap closed [95% CI]'], [['linucb', '-170.4% [-180.3%, -160.5%]']], [true, false], 39);
    expect(t).toBe('router: linucb\n  gap closed [95% CI]:\n    -170.4% [-180.3%, -160.5%]');
  });
});
