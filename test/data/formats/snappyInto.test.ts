/**
 * snappyInto (Parquet pages inflated into pooled buffers) against the decoders it stands in for: where it
 * decodes a stream, hysnappy (what hyparquet-compressors uses) and hyparquet's own decoder give the same
 * bytes; streams it refuses go to those decoders (parquet.ts), so it may refuse more, never accept more.
 */
import { describe, expect, it } from 'vitest';
import { snappyUncompress } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { snappyCompress } from 'hyparquet-writer/src/snappy.js';
import { Rng } from '../../../src/core/rng.js';
import { snappyInto } from '../../../src/data/formats/snappyInto.js';

const wasm = compressors.SNAPPY!;

function attempt(f: () => Uint8Array): Uint8Array | Error {
  try {
    return f();
  } catch (e) {
    return e as Error;
  }
}

/** Byte patterns like Parquet pages': doubles of a few values (long runs), random doubles (literals), text. */
function sample(rng: Rng, n: number): Uint8Array {
  const kind = rng.int(4);
  if (kind === 0) return new Uint8Array(Float64Array.from({ length: n >> 3 }, () => (rng.next() < 0.5 ? 1 : 0)).buffer);
  if (kind === 1) return new Uint8Array(Float64Array.from({ length: n >> 3 }, () => 1e-5 * (0.5 + rng.next())).buffer);
  if (kind === 2) return new TextEncoder().encode(Array.from({ length: n >> 3 }, (_, i) => `mmlu.${i % 97}`).join(''));
  return Uint8Array.from({ length: n }, () => (rng.next() < 0.3 ? rng.int(256) : 7));
}

describe('snappyInto', () => {
  it('decodes what the writer compresses exactly as the other decoders do', () => {
    const rng = new Rng(21);
    for (let t = 0; t < 60; t++) {
      const data = sample(rng, [0, 1, 7, 64, 65, 1000, 70_000, 300_000][t % 8]);
      const comp = snappyCompress(data);
      const out = new Uint8Array(data.length).fill(0xab);
      snappyInto(comp, out);
      expect(Buffer.from(out).equals(Buffer.from(data))).toBe(true);
      if (data.length > 0) expect(Buffer.from(wasm(comp, data.length)).equals(Buffer.from(data))).toBe(true);
    }
  });

  it('a corrupt or mislabelled stream: refused, or decoded as both other decoders decode it', () => {
    const rng = new Rng(22);
    let accepted = 0;
    let refused = 0;
    for (let t = 0; t < 3000; t++) {
      const data = sample(rng, 16 + rng.int(2000));
      const comp = snappyCompress(data);
      const bad = Uint8Array.from(comp);
      const flips = 1 + rng.int(3);
      for (let f = 0; f < flips; f++) bad[rng.int(bad.length)] = rng.int(256);
      const cut = rng.next() < 0.2 ? bad.subarray(0, rng.int(bad.length)) : bad;
      const length = rng.next() < 0.1 ? data.length + rng.int(9) - 4 : data.length;
      if (length <= 0) continue;
      const mine = attempt(() => {
        const out = new Uint8Array(length);
        snappyInto(cut, out);
        return out;
      });
      if (mine instanceof Error) {
        refused++;
        continue;
      }
      accepted++;
      const js = attempt(() => {
        const out = new Uint8Array(length);
        snappyUncompress(cut, out);
        return out;
      });
      const w = attempt(() => wasm(cut, length));
      expect(js).toBeInstanceOf(Uint8Array);
      expect(w).toBeInstanceOf(Uint8Array);
      expect(Buffer.from(mine).equals(Buffer.from(js as Uint8Array))).toBe(true);
      expect(Buffer.from(mine).equals(Buffer.from(w as Uint8Array))).toBe(true);
    }
    // both outcomes were exercised
    expect(accepted).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(50);
  });
});

describe('a SNAPPY page whose stream states another length than its page header', () => {
  it('is refused as corrupt: the usual decoder would pad it with bytes of earlier pages', async () => {
    const { pooledCompressors } = await import('../../../src/data/formats/parquet.js');
    const snappy = pooledCompressors().SNAPPY!;
    const as = new Uint8Array(40).fill(65);
    const bs = new Uint8Array(10).fill(66);
    // a good page first (its bytes linger in the decoder's memory), then one stating 10 bytes for a 40-byte page
    expect(Array.from(snappy(snappyCompress(as), 40))).toEqual(Array.from(as));
    expect(() => snappy(snappyCompress(bs), 40)).toThrow("a SNAPPY page's data states 10 bytes, its page header 40");
    // the length that matches still decodes, through snappyInto or the usual decoder
    expect(Array.from(snappy(snappyCompress(bs), 10))).toEqual(Array.from(bs));
  });
});
