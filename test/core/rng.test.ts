import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';

/** xoshiro128** written from its definition with unsigned 32-bit arithmetic on BigInt, seeded as Rng.reseed. */
function reference(seed: number): () => number {
  const M = 0xffffffffn;
  const mul = (a: bigint, b: bigint): bigint => (a * b) & M;
  const rotl = (x: bigint, k: bigint): bigint => ((x << k) | (x >> (32n - k))) & M;
  const mix = (z: bigint): bigint => {
    z = mul(z ^ (z >> 16n), 0x85ebca6bn);
    z = mul(z ^ (z >> 13n), 0xc2b2ae35n);
    return z ^ (z >> 16n);
  };
  let x = BigInt(seed >>> 0);
  const s: bigint[] = [];
  for (let i = 0; i < 4; i++) {
    x = (x + 0x9e3779b9n) & M;
    s.push(mix(x));
  }
  if ((s[0] | s[1] | s[2] | s[3]) === 0n) s[0] = 1n;
  return () => {
    const r = mul(rotl(mul(s[1], 5n), 7n), 9n);
    const t = (s[1] << 9n) & M;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11n);
    return Number(r);
  };
}

describe('Rng', () => {
  it('nextU32 is xoshiro128** of the splitmix-seeded state, for seeds that fill every state bit', () => {
    for (const seed of [0, 1, 40, 0x7fffffff, 0xdeadbeef, 4294967295]) {
      const rng = new Rng(seed);
      const ref = reference(seed);
      for (let i = 0; i < 2000; i++) expect(rng.nextU32()).toBe(ref());
    }
  });

  it('reseed restarts the stream', () => {
    const rng = new Rng(9);
    const a = Array.from({ length: 5 }, () => rng.nextU32());
    rng.reseed(9);
    expect(Array.from({ length: 5 }, () => rng.nextU32())).toEqual(a);
  });

  it('shuffles an Int32Array as the textbook Fisher-Yates over the reference generator, and leaves the same state', () => {
    for (const [seed, n] of [[1, 2], [7, 5], [40, 1000], [123456789, 20_001]] as const) {
      const next = reference(seed);
      const u = (): number => (next() >>> 5) * 67108864 + (next() >>> 6);
      const want = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor((u() / 9007199254740992) * (i + 1));
        [want[i], want[j]] = [want[j], want[i]];
      }
      const rng = new Rng(seed);
      const got = Int32Array.from({ length: n }, (_, i) => i);
      rng.shuffle(got);
      expect(Array.from(got)).toEqual(want);
      // the generic path over a plain array draws the same, and both leave the generator where the reference is
      const plain = new Rng(seed);
      const arr = Array.from({ length: n }, (_, i) => i);
      plain.shuffle(arr);
      expect(arr).toEqual(want);
      const after = next();
      expect(rng.nextU32()).toBe(after);
      expect(plain.nextU32()).toBe(after);
    }
  });
});
