/**
 * Model ids of a long table recognised by the order of its rows. Rows of consecutive queries usually name
 * the models in the same order, so the model that followed the previous row's model last time is checked
 * first, on bytes: a table of many models then decodes and hashes each id once instead of on every row.
 */
import type { RecordView } from './csvScan.js';

export class ModelOrder {
  private bytes = new Uint8Array(1 << 12);
  private used = 0;
  /** Per model index: where its first spelling's bytes start, their length (-1: none yet) and quoting. */
  private start: Int32Array<ArrayBuffer> = new Int32Array(64);
  private len: Int32Array<ArrayBuffer> = new Int32Array(64).fill(-1);
  private flags = new Uint8Array(64);
  /** Per model index: the model on the row after its last row (-1: none yet). */
  private next: Int32Array<ArrayBuffer> = new Int32Array(64).fill(-1);
  private prev = -1;

  /** The model field `i` of `v` names if it is the expected successor of the previous row's; else -1. */
  guess(v: RecordView, i: number): number {
    if (this.prev < 0) return -1;
    const m = this.next[this.prev];
    if (m < 0) return -1;
    const n = this.len[m];
    const s = v.start[i];
    if (v.end[i] - s !== n || v.flags[i] !== this.flags[m]) return -1;
    const a = v.buf;
    const b = this.bytes;
    const o = this.start[m];
    for (let j = 0; j < n; j++) if (a[s + j] !== b[o + j]) return -1;
    return m;
  }

  /** Record that field `i` of `v` named model `m` (its bytes are kept the first time only). */
  seen(v: RecordView, i: number, m: number): void {
    if (m >= this.len.length) this.grow(m + 1);
    if (this.len[m] < 0) {
      const n = v.end[i] - v.start[i];
      if (this.used + n > this.bytes.length) {
        const b = new Uint8Array(Math.max(this.used + n, this.bytes.length * 2));
        b.set(this.bytes.subarray(0, this.used));
        this.bytes = b;
      }
      this.bytes.set(v.buf.subarray(v.start[i], v.end[i]), this.used);
      this.start[m] = this.used;
      this.len[m] = n;
      this.flags[m] = v.flags[i];
      this.used += n;
    }
    if (this.prev >= 0) this.next[this.prev] = m;
    this.prev = m;
  }

  private grow(min: number): void {
    const n = Math.max(min, this.len.length * 2);
    const widen = (a: Int32Array, fill: number): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(n).fill(fill);
      b.set(a);
      return b;
    };
    this.start = widen(this.start, 0);
    this.len = widen(this.len, -1);
    this.next = widen(this.next, -1);
    const f = new Uint8Array(n);
    f.set(this.flags);
    this.flags = f;
  }
}
