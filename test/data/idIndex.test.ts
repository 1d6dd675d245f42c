import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { IdIndex } from '../../src/data/idIndex.js';

describe('IdIndex', () => {
  it('answers as a Map of the same ids would, through every growth', () => {
    const rng = new Rng(5);
    const ids: string[] = [];
    const idx = new IdIndex((i) => ids[i]);
    const map = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      // short, long, unicode, and ids differing in one character
      const id = [`q${i}`, `${'x'.repeat(rng.int(300))}${i}`, `é${i}😀`, `mmlu.${i}`][i % 4];
      expect(idx.get(id)).toBeUndefined();
      idx.set(id, ids.length);
      map.set(id, ids.length);
      ids.push(id);
    }
    expect(idx.size).toBe(map.size);
    for (const [id, i] of map) expect(idx.get(id)).toBe(i);
    for (let t = 0; t < 1000; t++) expect(idx.has(`absent${t}`)).toBe(false);
    expect(idx.has('')).toBe(false);
  });

  it('setting an id again gives it the new index, as Map.set does', () => {
    const ids = ['a', 'b', 'a'];
    const idx = new IdIndex((i) => ids[i]);
    idx.set('a', 0);
    idx.set('b', 1);
    idx.set('a', 2);
    expect(idx.get('a')).toBe(2);
    expect(idx.size).toBe(2);
  });
});
