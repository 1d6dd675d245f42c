import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { DataError, UsageError } from '../../src/core/errors.js';
import { contextsFromEmbeddings, embedContexts, embedTexts, fitEmbedder, pcaMaxDim, tfidfVector, window } from '../../src/features/embed.js';
import { type SparseVec, mix32 } from '../../src/features/hashing.js';

const VOCAB = ('river town farmer apples council taxes robot walk students exams team final storm coast prices ' +
  'march engine fuel doctor patient court judge music piano garden flowers ocean ship bridge steel bread oven')
  .split(' ');

/** Texts over a small vocabulary, so pairs share anywhere from no words to most of them. */
function texts(n: number, seed = 3): string[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: 6 + rng.int(20) }, () => VOCAB[rng.int(VOCAB.length)]).join(' '));
}

function row(m: Float64Array, q: number, dim: number): Float64Array {
  return m.subarray(q * dim, (q + 1) * dim);
}
function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += a[j] * b[j];
  return s;
}
function sparseCos(a: SparseVec, b: SparseVec): number {
  const m = new Map<number, number>();
  a.idx.forEach((i, k) => m.set(i, a.val[k]));
  let s = 0;
  b.idx.forEach((i, k) => (s += (m.get(i) ?? 0) * b.val[k]));
  return s;
}

describe('embed: TF-IDF', () => {
  it('IDF is ln((1+N)/(1+df))+1 fitted on the train texts, TF is 1+ln c, unit norm', () => {
    const e = fitEmbedder(['apple banana', 'apple cherry', 'apple'], { wordNgrams: [1, 1], charNgrams: [0, 0] });
    const idfApple = Math.log(4 / 4) + 1;
    const idfBanana = Math.log(4 / 2) + 1;
    const idfUnseen = Math.log(4 / 1) + 1;
    const norm = (xs: number[]): number[] => {
      const n = Math.hypot(...xs);
      return xs.map((x) => x / n).sort((a, b) => a - b);
    };
    const v = tfidfVector(e, 'Apple banana apple');
    expect(v.idx).toHaveLength(2);
    const want = norm([(1 + Math.log(2)) * idfApple, 1 * idfBanana]);
    Array.from(v.val).sort((a, b) => a - b).forEach((x, k) => expect(x).toBeCloseTo(want[k], 12));
    const u = tfidfVector(e, 'durian apple');
    const wantU = norm([idfUnseen, idfApple]);
    Array.from(u.val).sort((a, b) => a - b).forEach((x, k) => expect(x).toBeCloseTo(wantU[k], 12));
    expect(tfidfVector(e, '').idx).toHaveLength(0);
  });

  it('a long text is read by its head and tail: prompts sharing a long few-shot prefix still differ', () => {
    expect(window('abcdefghij', 10)).toBe('abcdefghij');
    // budget 8: head ⌊8/4⌋ = 2, a newline, then the last 5 units
    expect(window('abcdefghijklmnop', 8)).toBe('ab\nlmnop');
    const prefix = 'Answer the question. Example: the sky is blue. '.repeat(40);
    const e = fitEmbedder([`${prefix}what is the boiling point of water`, `${prefix}who wrote the odyssey`], { wordNgrams: [1, 1], charNgrams: [0, 0] });
    const a = tfidfVector(e, `${prefix}what is the boiling point of water`);
    const b = tfidfVector(e, `${prefix}who wrote the odyssey`);
    expect(sparseCos(a, b)).toBeLessThan(0.999);
  });
});

describe('embed: projection', () => {
  const T = texts(40);
  it('is deterministic for a seed and changes with it', () => {
    const a = embedTexts(fitEmbedder(T, { seed: 7 }), T);
    expect(embedTexts(fitEmbedder(T, { seed: 7 }), T)).toEqual(a);
    expect(embedTexts(fitEmbedder(T, { seed: 8 }), T)).not.toEqual(a);
  });

  it('gives unit rows, and a zero row for a text without n-grams', () => {
    const e = fitEmbedder(T);
    const m = embedTexts(e, [...T, '', ' \n ']);
    for (let q = 0; q < T.length; q++) expect(Math.hypot(...row(m, q, 64))).toBeCloseTo(1, 12);
    expect(Array.from(row(m, T.length, 64)).every((x) => x === 0)).toBe(true);
    expect(Array.from(row(m, T.length + 1, 64)).every((x) => x === 0)).toBe(true);
  });

  it('puts a near-duplicate closer than unrelated texts', () => {
    const base = 'The council voted to raise taxes on imported steel after a long debate in the town hall.';
    const near = 'The council voted to raise the taxes on imported steel after a long debate at the town hall!';
    const other = ['A robot learns to walk across the garden.', 'Solve for x: 3x + 5 = 20.', 'Piano music filled the ocean ship.'];
    const all = [base, near, ...other];
    const m = embedTexts(fitEmbedder(all), all);
    const cNear = dot(row(m, 0, 64), row(m, 1, 64));
    for (let k = 2; k < all.length; k++) expect(cNear).toBeGreaterThan(dot(row(m, 0, 64), row(m, k, 64)) + 0.3);
  });

  it('equals the projection computed directly from its definition (with and without the per-bucket table)', () => {
    // docs/features.md, "Text embedding" step 3: bucket i adds ±w/√s to one coordinate in each of s blocks,
    // coordinate and sign from hashes chained from (key, i); then the row is scaled to unit length
    const direct = (e: ReturnType<typeof fitEmbedder>, text: string): number[] => {
      const { projDim: pd, sparsity: sp, key } = e;
      const start = Array.from({ length: sp + 1 }, (_, t) => Math.floor((t * pd) / sp));
      const x = new Array<number>(pd).fill(0);
      const v = tfidfVector(e, text);
      v.idx.forEach((i, k) => {
        let h = mix32((Math.imul(i, 0x9e3779b1) ^ key) >>> 0);
        for (let t = 0; t < sp; t++) {
          x[start[t] + ((h >>> 1) % (start[t + 1] - start[t]))] += ((h & 1 ? -1 : 1) * v.val[k]) / Math.sqrt(sp);
          h = mix32((h + 0x6d2b79f5) >>> 0);
        }
      });
      const n = Math.hypot(...x);
      return x.map((y) => (n > 0 ? y / n : 0));
    };
    // the default uses a per-bucket table; 20 non-zeros per bucket or 2^20 buckets compute the hashes instead
    for (const opts of [{ dim: 64 }, { dim: 100, sparsity: 20 }, { dim: 40, hashBits: 20, sparsity: 3 }]) {
      const e = fitEmbedder(T, { seed: 3, ...opts });
      const m = embedTexts(e, [...T.slice(0, 5), '']);
      for (let q = 0; q < 6; q++) {
        const want = direct(e, q < 5 ? T[q] : '');
        row(m, q, e.dim).forEach((y, j) => expect(y).toBeCloseTo(want[j], 13));
      }
    }
  });

  it('keeps the TF-IDF cosines approximately (Johnson–Lindenstrauss)', () => {
    const dim = 512;
    const e = fitEmbedder(T, { dim, seed: 1 });
    const m = embedTexts(e, T);
    const v = T.map((t) => tfidfVector(e, t));
    let sumErr = 0;
    let maxErr = 0;
    let pairs = 0;
    let spread = 0;
    for (let a = 0; a < T.length; a++) {
      for (let b = a + 1; b < T.length; b++) {
        const exact = sparseCos(v[a], v[b]);
        const err = Math.abs(dot(row(m, a, dim), row(m, b, dim)) - exact);
        sumErr += err;
        maxErr = Math.max(maxErr, err);
        spread += Math.abs(exact - 0.5);
        pairs++;
      }
    }
    // sparse JL at d = 512: cosine error about 1/sqrt(d) ≈ 0.044 per pair
    expect(sumErr / pairs).toBeLessThan(0.05);
    expect(maxErr).toBeLessThan(0.2);
    expect(spread / pairs).toBeGreaterThan(0.1); // the pairs are not all alike
  });
});

describe('embed contexts', () => {
  const T = texts(12, 5);
  it('has a bias slot then dim dense slots per query', () => {
    const c = embedContexts(T, { dim: 8 });
    expect(c.d).toBe(9);
    expect(c.nQueries).toBe(12);
    expect(c.names).toEqual(['bias', ...Array.from({ length: 8 }, (_, j) => `embed=${j}`)]);
    for (let q = 0; q < 12; q++) {
      expect(c.ptr[q + 1] - c.ptr[q]).toBe(9);
      expect(c.idx[c.ptr[q]]).toBe(0);
      expect(c.val[c.ptr[q]]).toBe(1);
      const r = Array.from(c.val.subarray(c.ptr[q] + 1, c.ptr[q + 1]));
      expect(Math.hypot(...r)).toBeCloseTo(1, 12);
    }
  });

  it('fits IDF on the train part only', () => {
    const train = [0, 1, 2, 3, 4, 5];
    const a = embedContexts(T, { train });
    const changed = [...T];
    changed[11] = 'something else entirely, not in training';
    const b = embedContexts(changed, { train });
    expect(b.val.subarray(0, b.ptr[11])).toEqual(a.val.subarray(0, a.ptr[11]));
    const c = embedContexts(changed);
    expect(c.val.subarray(0, c.ptr[11])).not.toEqual(a.val.subarray(0, a.ptr[11]));
  });

  it('with PCA, the train texts projected once for the fit give the same rows as embedding every text anew', () => {
    // two train texts count an n-gram 256 times or more, which the fit scans again instead of keeping
    const all = [...texts(80, 6), 'a'.repeat(600), 'ab '.repeat(300)];
    const train = all.map((_, q) => q).filter((q) => q % 3 !== 1 || q >= 80);
    const opts = { reduce: 'pca' as const, dim: 6, pcaFrom: 48, seed: 4 };
    const c = embedContexts(all, { ...opts, train });
    const e = fitEmbedder(train.map((q) => all[q]), opts);
    const m = embedTexts(e, all);
    for (let q = 0; q < all.length; q++) expect(Array.from(c.val.subarray(c.ptr[q] + 1, c.ptr[q + 1]))).toEqual(Array.from(row(m, q, 6)));
    // the PCA's mean is that of the train rows the random projection gives on its own (scanned again here)
    const plain = embedTexts(fitEmbedder(train.map((q) => all[q]), { dim: 48, seed: 4 }), train.map((q) => all[q]));
    const mean = new Array<number>(48).fill(0);
    train.forEach((_, r) => row(plain, r, 48).forEach((x, j) => (mean[j] += x)));
    e.pca!.mean.forEach((x, j) => expect(x).toBe(mean[j] / train.length));
  });

  it('with PCA, refuses more components than the train texts (N − 1) or the hash buckets give', () => {
    const five = T.slice(0, 5);
    expect(fitEmbedder(five, { reduce: 'pca', dim: 4 }).dim).toBe(4);
    expect(() => fitEmbedder(five, { reduce: 'pca', dim: 5 })).toThrow(UsageError);
    expect(() => fitEmbedder(five, { reduce: 'pca', dim: 5 })).toThrow(/^embed: dim 5 is more principal components than the PCA can fit: 5 training texts give at most 4/);
    expect(() => embedContexts(T, { reduce: 'pca', dim: 6, train: [0, 1, 2, 3, 4, 5] })).toThrow(/6 training texts give at most 5/);
    // 2^8 buckets: at most 256 components, however many texts
    const many = texts(300, 8);
    expect(pcaMaxDim(300, 8)).toBe(256);
    expect(() => fitEmbedder(many, { reduce: 'pca', dim: 257, hashBits: 8 })).toThrow(/2\^8 hash buckets give at most 256/);
    // the random projection has no such bound
    expect(fitEmbedder(five, { dim: 64 }).dim).toBe(64);
  });

  it('rejects bad options', () => {
    expect(() => embedContexts(T, { dim: 0 })).toThrow(UsageError);
    expect(() => embedContexts(T, { train: [99] })).toThrow(/train index 99/);
    expect(() => fitEmbedder(T, { charNgrams: [5, 3] })).toThrow(/charNgrams/);
  });
});

describe('contexts from user embeddings', () => {
  it('builds [1, e] rows, unit length by default', () => {
    const c = contextsFromEmbeddings([[3, 4], [0, 0], [1e300, 1e300]]);
    expect(c.d).toBe(3);
    expect(c.names).toEqual(['bias', 'emb_0', 'emb_1']);
    const want = [1, 0.6, 0.8, 1, 0, 0, 1, Math.SQRT1_2, Math.SQRT1_2];
    expect(c.val).toHaveLength(want.length);
    want.forEach((x, k) => expect(c.val[k]).toBeCloseTo(x, 14));
    const raw = contextsFromEmbeddings(Float64Array.from([3, 4, 5, 6]), { dim: 2, normalize: false });
    expect(Array.from(raw.val)).toEqual([1, 3, 4, 1, 5, 6]);
  });

  it('names the row and column of bad values', () => {
    expect(() => contextsFromEmbeddings([[1, 2], [1]], { file: 'q.csv' })).toThrow(/^q\.csv: embeddings: row 2 has 1 values, expected 2/);
    expect(() => contextsFromEmbeddings([[1, 2], [1, Number.NaN]])).toThrow(DataError);
    expect(() => contextsFromEmbeddings([[1, 2], [1, Number.NaN]])).toThrow(/row 2, emb_1 is not a finite number/);
    expect(() => contextsFromEmbeddings(Float64Array.from([1, 2, 3]), { dim: 2 })).toThrow(/3 values do not make rows of 2/);
    expect(() => contextsFromEmbeddings(Float64Array.from([1, 2]))).toThrow(UsageError);
  });
});
