import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { clusterPurity, clusterTexts, embeddingVectors, onlineKMeans, textVectors } from '../../src/features/cluster.js';

const deg = (a: number): number[] => [Math.cos((a * Math.PI) / 180), Math.sin((a * Math.PI) / 180)];

describe('online k-means, reference initialisation (spec §3.2)', () => {
  it('seeds with the first k distinct vectors; earlier queries get cluster 0', () => {
    const e1 = [1, 0, 0];
    const e2 = [0, 1, 0];
    const e3 = [0, 0, 1];
    // q1 repeats q0 (not distinct); q3 is the third distinct vector: it sets the centroids and gets its own
    const c = onlineKMeans(embeddingVectors([e1, e1, e2, e3, [0.1, 0, 1], [0, 2, 0.1]]), { k: 3 });
    expect(Array.from(c)).toEqual([0, 0, 0, 2, 2, 1]);
  });

  it('takes vectors within numpy allclose (atol 1e-6, rtol 1e-5) of a collected one as not distinct, as the reference', () => {
    // b is a scaled 5e-6 off a in its second coordinate: after normalising, the coordinates differ by 2.4e-6 and
    // 1.0e-6, more than atol but within atol + rtol·|a_j| (7e-6, 9e-6), so np.allclose(b, a, atol=1e-6) holds
    const a = [0.6, 0.8, 0];
    const b = [0.6, 0.8 + 5e-6, 0];
    const c = onlineKMeans(embeddingVectors([a, b, [0, 0, 1]]), { k: 2 });
    // b waits with cluster 0; the third vector is the second distinct one, sets the centroids and takes its own
    expect(Array.from(c)).toEqual([0, 0, 1]);
    // a coordinate beyond the tolerance is distinct
    expect(Array.from(onlineKMeans(embeddingVectors([a, [0.6, 0.81, 0], [0, 0, 1]]), { k: 2 }))).toEqual([0, 1, 0]);
  });

  it('moves the winning centroid to the running mean', () => {
    // k=2 seeds e1 (0°) and e2 (90°). q2 at 50° joins centroid 1, whose mean moves to 70°; q3 at 44° is then
    // nearer centroid 1 (cos 26°) than centroid 0 (cos 44°), though it was nearer e1 than e2 before.
    const c = onlineKMeans(embeddingVectors([deg(0), deg(90), deg(50), deg(44)]), { k: 2 });
    expect(Array.from(c)).toEqual([0, 1, 1, 1]);
    // without the update q3 would go to 0
    expect(Array.from(onlineKMeans(embeddingVectors([deg(0), deg(90), deg(44)]), { k: 2 }))).toEqual([0, 1, 0]);
  });

  it('gives all queries cluster 0 when there are fewer than k distinct vectors', () => {
    expect(Array.from(onlineKMeans(embeddingVectors([deg(10), deg(10), deg(80)]), { k: 3 }))).toEqual([0, 0, 0]);
  });

  it('accepts precomputed embeddings of any dimension, flat or as rows', () => {
    const rng = new Rng(3);
    const dim = 7;
    const rows: number[][] = [];
    for (let i = 0; i < 60; i++) {
      const g = i % 3;
      rows.push(Array.from({ length: dim }, (_, j) => (j === g ? 5 : 0) + rng.normal() * 0.3));
    }
    const labels = rows.map((_, i) => String(i % 3));
    const c = onlineKMeans(embeddingVectors(rows), { k: 3, init: 'kmeans++', seed: 1 });
    expect(clusterPurity(c, labels)).toBe(1);
    const flat = Float64Array.from(rows.flat());
    expect(Array.from(onlineKMeans(embeddingVectors(flat, dim), { k: 3, init: 'kmeans++', seed: 1 }))).toEqual(Array.from(c));
    expect(() => embeddingVectors([[1, 2], [3]])).toThrow(/row 1/);
    expect(() => embeddingVectors([[1, Number.NaN]])).toThrow(/non-finite/);
  });
});

describe('text clustering', () => {
  it('gives −1 without text and 0 to word-less text, which is never a seed', () => {
    const c = clusterTexts([null, '', 'alpha beta', '...', 'gamma delta', 'epsilon zeta', 'alpha beta gamma'], { k: 3 });
    expect(c[0]).toBe(-1);
    expect(c[1]).toBe(0);
    expect(c[3]).toBe(0);
    // seeds: 'alpha beta', 'gamma delta', 'epsilon zeta' (the third distinct one takes cluster 2)
    expect(c[2]).toBe(0);
    expect(c[4]).toBe(0);
    expect(c[5]).toBe(2);
  });

  it('produces unit rows, centred by default', () => {
    const b = textVectors(['the cat sat', 'a dog ran home', null, '', 'cats and dogs']);
    expect(b.n).toBe(5);
    expect(b.dim).toBe(512);
    const norm = (i: number): number => Math.hypot(...b.data.subarray(i * b.dim, (i + 1) * b.dim));
    expect(norm(0)).toBeCloseTo(1, 12);
    expect(norm(2)).toBe(0);
    expect(norm(3)).toBe(0);
  });

  it('is deterministic, in range, and seeded', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.string({ unit: 'grapheme', maxLength: 60 }), { nil: null }), { maxLength: 25 }),
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom('first-distinct' as const, 'kmeans++' as const),
        fc.nat(1000),
        (texts, k, init, seed) => {
          const a = clusterTexts(texts, { k, init, seed });
          const b = clusterTexts(texts, { k, init, seed });
          return a.every((x, i) => x === b[i] && (texts[i] === null ? x === -1 : x >= 0 && x < k));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('purity counts the majority label per cluster and skips −1', () => {
    expect(clusterPurity([0, 0, 1, 1, -1], ['a', 'a', 'b', 'a', 'b'])).toBe(0.75);
    expect(clusterPurity([-1], ['a'])).toBeNaN();
  });
});
