import { describe, expect, it } from 'vitest';
import { readLineBatches } from '../../../src/data/formats/input.js';
import { loadTable } from '../../../src/data/load.js';
import { scratch, dataError } from './helpers.js';

const s = scratch();

async function lines(file: string): Promise<string[]> {
  const out: string[] = [];
  for await (const b of readLineBatches(file)) out.push(...b);
  return out;
}

/** Deterministic pseudo-random generator (LCG), so the test is the same on every run. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

describe('readLineBatches', () => {
  it('splits on LF, CRLF and lone CR, also where a terminator straddles two chunks (plain and gzipped)', async () => {
    const rnd = lcg(7);
    const ends = ['\n', '\r\n', '\r'];
    const chars = Array.from('abcé€😀 x');
    const want: string[] = [];
    let text = '';
    // Lines of varied length (some longer than a 64 KiB read chunk), multi-byte characters included.
    while (text.length < 400_000) {
      const len = rnd() < 0.02 ? 70_000 : Math.floor(rnd() * 300);
      const l = Array.from({ length: len }, () => chars[Math.floor(rnd() * chars.length)]).join('');
      want.push(l);
      text += l + ends[Math.floor(rnd() * 3)];
    }
    // A CRLF split exactly at the first chunk boundary (byte 65536).
    const pad = 'x'.repeat(65535);
    const edge = `${pad}\r\nnext\rlast`;
    expect(await lines(s.write('edge.txt', edge))).toEqual([pad, 'next', 'last']);
    expect(await lines(s.write('mixed.txt', text))).toEqual(want);
    expect(await lines(s.write('mixed.txt.gz', text, true))).toEqual(want);
    expect(await lines(s.write('bom.txt', '\ufeffa\n\nb'))).toEqual(['a', '', 'b']);
  });

  it('reports the first problem in file order: a bad line before an invalid UTF-8 line in the same chunk', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"query_id":"q","model_id":"m","accuracy":1}\n{not json}\n{"query_id":"'),
      Buffer.from([0xff]),
      Buffer.from('"}\n'),
    ]);
    await dataError(loadTable(s.write('order.jsonl', bytes)), { line: 2, message: /invalid JSON/ });
    const only = Buffer.concat([Buffer.from('{"query_id":"q","model_id":"m","accuracy":1}\n{"query_id":"'), Buffer.from([0xff]), Buffer.from('"}\n')]);
    await dataError(loadTable(s.write('utf8.jsonl', only)), { line: 2, message: /not valid UTF-8/ });
  });
});
