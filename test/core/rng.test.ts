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
});
