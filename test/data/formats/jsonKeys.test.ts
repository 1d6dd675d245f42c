import { describe, expect, it } from 'vitest';
import { duplicateKey, nestedKey } from '../../../src/data/formats/jsonKeys.js';

/** The repeated key by brute force: every key as JSON.parse reads it, in written order, from a list of pairs. */
function firstRepeat(pairs: [string, string][]): string | null {
  const seen = new Set<string>();
  for (const [k] of pairs) {
    const name = JSON.parse(k) as string;
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return null;
}

describe('duplicateKey', () => {
  const cases: [string, string][][] = [
    [['"a"', '1'], ['"b"', '"x:y"']],
    [['"a"', '1'], ['"b"', '2'], ['"a"', '3']],
    [['"accuracy"', '1'], ['"accur\\u0061cy"', '0']],
    [['"q\\":1"', '"v"'], ['"q\\":1"', '"w"']],
    [['"k"', '"a:b:c"'], ['"k2"', '"\\\\"'], ['"k3"', '":"']],
    [['" "', 'null'], ['""', 'true'], ['" "', 'false']],
  ];
  it('finds the first key written twice, as JSON.parse reads each key, and nothing in values', () => {
    for (const pairs of cases) {
      const text = `{${pairs.map(([k, v]) => `${k} : ${v}`).join(', ')}}`;
      const keys = Object.keys(JSON.parse(text) as object).length;
      expect(duplicateKey(text, keys), text).toBe(firstRepeat(pairs));
    }
  });
});

describe('nestedKey', () => {
  it('names the key whose value is an object or array; brackets inside strings do not count', () => {
    expect(nestedKey('{"a":1,"b":{"c":2}}')).toBe('b');
    expect(nestedKey('{"a":"[x]","b" : [1]}')).toBe('b');
    expect(nestedKey('{"a":"{","b":2}')).toBeNull();
    expect(nestedKey('[1,2]')).toBeNull();
  });

  it('lets a key it is told of hold a flat array, and names it once that array nests', () => {
    const emb = (k: string): boolean => k === 'embedding';
    expect(nestedKey('{"a":1,"embedding":[1, 2.5,-3],"b":"[x]"}', emb)).toBeNull();
    expect(nestedKey('{"embedding":[1,2],"b":[1]}', emb)).toBe('b');
    expect(nestedKey('{"embedding":[1,[2]]}', emb)).toBe('embedding');
    expect(nestedKey('{"embedding":[1,{"x":2}]}', emb)).toBe('embedding');
    expect(nestedKey('{"embedding":{"x":[1]}}', emb)).toBe('embedding');
    expect(nestedKey('{"embedding":[1,2]}')).toBe('embedding');
    // at most maxItems items: counted by the commas outside strings
    expect(nestedKey('{"embedding":[1,2,3]}', emb, 3)).toBeNull();
    expect(nestedKey('{"embedding":[1,2,3,4]}', emb, 3)).toBe('embedding');
    expect(nestedKey('{"embedding":["a,b,c,d",2]}', emb, 3)).toBeNull();
  });
});
