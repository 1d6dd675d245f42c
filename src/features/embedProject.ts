/**
 * Projecting hashed TF-IDF rows for `embed` (embed.ts; docs/features.md, "Text embedding"): the seeded sparse
 * random projection, and the projection of centred rows onto the PCA's components.
 */
import { LOG_TF, Scanner } from './embedScan.js';
import { mix32 } from './hashing.js';
import type { Pca } from './pca.js';
import type { ProjKernel } from './pcaKernel.js';

/** A fitted embedder (embed.ts `fitEmbedder`): what a projection of a text needs. */
export interface Embedder {
  /** Output width. */
  dim: number;
  /** Width of the random projection (`dim` without PCA). */
  projDim: number;
  /** Principal components over the projection, fitted on the training texts; null for 'random'. */
  pca: Pca | null;
  hashBits: number;
  wordNgrams: [number, number];
  charNgrams: [number, number];
  maxChars: number;
  /** IDF per hash bucket, fitted on the training texts: ln((1 + N) / (1 + df)) + 1. */
  idf: Float64Array;
  /**
   * Projection key, drawn from the seed: bucket i adds ±1/√s to one coordinate in each of s blocks of
   * the output (block construction: the s coordinates are distinct), coordinate and sign hashed from
   * (key, i, block) — nothing to store with the embedder (a projection derives a per-bucket table from it
   * when that table is small).
   */
  key: number;
  sparsity: number;
}

/** Whether `Projector` keeps a per-bucket record table (2^hashBits·sparsity ≤ 2^20 entries). */
export function hasRecordTable(hashBits: number, sparsity: number): boolean {
  return (1 << hashBits) * sparsity <= 1 << 20;
}

/**
 * The seeded sparse projection of hashed TF-IDF rows to `projDim` coordinates, scaled to unit length. The
 * counting array and buffers are reused: no allocation per text beyond its lower-cased copy.
 */
export class Projector {
  private readonly sc: Scanner;
  /** Block t covers coordinates [start[t], start[t+1]). */
  private readonly start: Int32Array;
  private readonly len: Int32Array;
  /** 1 / len, for an exact remainder without an integer division (see `project`). */
  private readonly inv: Float64Array;
  private readonly scale: number;
  /**
   * Per bucket, when the table is small (2^hashBits·s ≤ 2^20): a record of `stride` doubles holding the IDF
   * (rec[i·stride]) then the projection's s codes as int16 (2·coordinate + 1 if the sign is −), so one
   * cache line gives a bucket's weight and coordinates instead of s hash mixes and a second lookup.
   */
  private readonly rec: Float64Array | null;
  private readonly rec16: Int16Array | null;
  private readonly stride: number;

  constructor(private readonly e: Embedder) {
    const { projDim: pd, sparsity: sp } = e;
    this.sc = new Scanner(e.hashBits);
    this.start = Int32Array.from({ length: sp + 1 }, (_, t) => Math.floor((t * pd) / sp));
    this.len = Int32Array.from({ length: sp }, (_, t) => this.start[t + 1] - this.start[t]);
    this.inv = Float64Array.from(this.len, (l) => 1 / l);
    this.scale = 1 / Math.sqrt(sp);
    const D = 1 << e.hashBits;
    this.stride = 1 + Math.ceil(sp / 4);
    this.rec = hasRecordTable(e.hashBits, sp) ? new Float64Array(D * this.stride) : null;
    this.rec16 = this.rec ? new Int16Array(this.rec.buffer) : null;
    if (this.rec && this.rec16) {
      for (let i = 0; i < D; i++) {
        this.rec[i * this.stride] = e.idf[i];
        let h = this.first(i);
        for (let t = 0; t < sp; t++) {
          this.rec16[4 * (i * this.stride + 1) + t] = ((this.start[t] + this.slot(h, t)) << 1) | (h & 1);
          h = mix32((h + 0x6d2b79f5) >>> 0);
        }
      }
    }
  }

  /** The hash bucket i starts from; block t's hash is mixed from the previous block's. */
  private first(i: number): number {
    return mix32((Math.imul(i, 0x9e3779b1) ^ this.e.key) >>> 0);
  }

  /** Offset in block t of the coordinate of hash h: (h >> 1) mod len without an integer division. */
  private slot(h: number, t: number): number {
    // x < 2³¹: the float quotient is exact or one too small, which the test corrects
    const x = h >>> 1;
    const L = this.len[t];
    const r = x - ((x * this.inv[t]) | 0) * L;
    return r >= L ? r - L : r;
  }

  /**
   * Add text's projection into out[off .. off+projDim) (zeroed by the caller), then scale it to unit length;
   * false (and the row left zero) for a text without n-grams.
   */
  project(text: string, out: Float64Array, off: number): boolean {
    const { idf, sparsity: sp } = this.e;
    const { sc, start, scale, rec, rec16, stride } = this;
    const count = sc.count;
    const n = sc.scan(text, this.e.maxChars, this.e.wordNgrams, this.e.charNgrams);
    const touched = sc.touched;
    if (rec && rec16) {
      for (let k = 0; k < n; k++) {
        const i = touched[k];
        const c = count[i];
        count[i] = 0;
        const r = i * stride;
        const w = (c < 256 ? LOG_TF[c] : 1 + Math.log(c)) * rec[r] * scale;
        const o = 4 * (r + 1);
        for (let t = 0; t < sp; t++) {
          const cd = rec16[o + t];
          // ±w by a multiply, not a branch on a random bit
          out[off + (cd >> 1)] += w * (1 - 2 * (cd & 1));
        }
      }
      return this.finish(out, off);
    }
    for (let k = 0; k < n; k++) {
      const i = touched[k];
      const c = count[i];
      count[i] = 0;
      const w = (c < 256 ? LOG_TF[c] : 1 + Math.log(c)) * idf[i] * scale;
      let h = this.first(i);
      for (let t = 0; t < sp; t++) {
        out[off + start[t] + this.slot(h, t)] += w * (1 - 2 * (h & 1));
        h = mix32((h + 0x6d2b79f5) >>> 0);
      }
    }
    return this.finish(out, off);
  }

  /**
   * `project` for a text whose buckets and counts were kept by `fit` (idx/cnt[from, to), in the order `scan`
   * touched them, so the sums are the same); needs the record table.
   */
  projectCounts(idx: Uint16Array, cnt: Uint8Array, from: number, to: number, out: Float64Array, off: number): boolean {
    const { sparsity: sp } = this.e;
    const { scale, stride } = this;
    const rec = this.rec!;
    const rec16 = this.rec16!;
    for (let k = from; k < to; k++) {
      // counts here are below 256 (CountCache)
      const r = idx[k] * stride;
      const w = LOG_TF[cnt[k]] * rec[r] * scale;
      const o = 4 * (r + 1);
      for (let t = 0; t < sp; t++) {
        const cd = rec16[o + t];
        out[off + (cd >> 1)] += w * (1 - 2 * (cd & 1));
      }
    }
    return this.finish(out, off);
  }

  /** Scale out[off .. off+projDim) to unit length; false for a zero row (a text without n-grams). */
  private finish(out: Float64Array, off: number): boolean {
    const pd = this.e.projDim;
    // the TF-IDF norm cancels in the normalisation, so it is never computed
    let n2 = 0;
    for (let j = 0; j < pd; j++) n2 += out[off + j] * out[off + j];
    if (n2 === 0) return false;
    const r = 1 / Math.sqrt(n2);
    for (let j = 0; j < pd; j++) out[off + j] *= r;
    return true;
  }
}

/** Rows the PCA projects at a time: the basis is read from cache once per block, not once per row. */
export const BLOCK = 8;

/**
 * out row dest[r] = basis · xc_r, scaled to unit length, for the nb centred rows xc_r = XC[r·m .. (r+1)·m)
 * (k×m basis, row-major). Two rows × four components are summed side by side, each over j in order, so a
 * value does not depend on the grouping.
 */
export function projectBlock(pca: Pca, XC: Float64Array, nb: number, dest: Int32Array, out: Float64Array, kern: ProjKernel | null): void {
  const { basis, m, k } = pca;
  if (kern) {
    // the same sums in WebAssembly SIMD (pcaKernel.ts), two rows a call (an odd last row goes twice)
    for (let r = 0; r < nb; r += 2) {
      kern.x.set(XC.subarray(r * m, (r + 1) * m));
      kern.y.set(XC.subarray((r + 1 < nb ? r + 1 : r) * m, (r + 1 < nb ? r + 2 : r + 1) * m));
      kern.run();
      out.set(kern.ox.subarray(0, k), dest[r] * k);
      if (r + 1 < nb) out.set(kern.oy.subarray(0, k), dest[r + 1] * k);
    }
    normaliseRows(out, dest, nb, k);
    return;
  }
  let c = 0;
  for (; c + 3 < k; c += 4) {
    const b0 = c * m, b1 = b0 + m, b2 = b1 + m, b3 = b2 + m;
    let r = 0;
    for (; r + 1 < nb; r += 2) {
      const x = r * m;
      const y = x + m;
      let x0 = 0, x1 = 0, x2 = 0, x3 = 0, y0 = 0, y1 = 0, y2 = 0, y3 = 0;
      for (let j = 0; j < m; j++) {
        const u = XC[x + j];
        const v = XC[y + j];
        const p0 = basis[b0 + j], p1 = basis[b1 + j], p2 = basis[b2 + j], p3 = basis[b3 + j];
        x0 += p0 * u;
        x1 += p1 * u;
        x2 += p2 * u;
        x3 += p3 * u;
        y0 += p0 * v;
        y1 += p1 * v;
        y2 += p2 * v;
        y3 += p3 * v;
      }
      const ox = dest[r] * k + c;
      const oy = dest[r + 1] * k + c;
      out[ox] = x0;
      out[ox + 1] = x1;
      out[ox + 2] = x2;
      out[ox + 3] = x3;
      out[oy] = y0;
      out[oy + 1] = y1;
      out[oy + 2] = y2;
      out[oy + 3] = y3;
    }
    if (r < nb) {
      const x = r * m;
      let x0 = 0, x1 = 0, x2 = 0, x3 = 0;
      for (let j = 0; j < m; j++) {
        const u = XC[x + j];
        x0 += basis[b0 + j] * u;
        x1 += basis[b1 + j] * u;
        x2 += basis[b2 + j] * u;
        x3 += basis[b3 + j] * u;
      }
      const ox = dest[r] * k + c;
      out[ox] = x0;
      out[ox + 1] = x1;
      out[ox + 2] = x2;
      out[ox + 3] = x3;
    }
  }
  for (; c < k; c++) {
    for (let r = 0; r < nb; r++) {
      let z = 0;
      for (let j = 0; j < m; j++) z += basis[c * m + j] * XC[r * m + j];
      out[dest[r] * k + c] = z;
    }
  }
  normaliseRows(out, dest, nb, k);
}

/** Scale out rows dest[0 … nb) (k values each) to unit length; zero rows stay zero. */
function normaliseRows(out: Float64Array, dest: Int32Array, nb: number, k: number): void {
  for (let r = 0; r < nb; r++) {
    const o = dest[r] * k;
    let n2 = 0;
    for (let j = 0; j < k; j++) n2 += out[o + j] * out[o + j];
    if (n2 > 0) {
      const s = 1 / Math.sqrt(n2);
      for (let j = 0; j < k; j++) out[o + j] *= s;
    }
  }
}

