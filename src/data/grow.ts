/**
 * Growable typed columns for loaders that do not know their row count up front. They sit on resizable
 * ArrayBuffers, which grow in place: no copy per doubling, no discarded smaller arrays waiting for a GC, and
 * reserved capacity is not resident until written. `release()` hands the memory back at once, so a loader
 * can drop its row buffers before it allocates the table they fill.
 */

/** Address space reserved per column at first; a column that outgrows it moves once to a 4× larger one. */
const INITIAL_RESERVE = 64 * 2 ** 20;

function resizable(bytes: number, max: number): ArrayBuffer {
  return new ArrayBuffer(bytes, { maxByteLength: Math.max(bytes, max) });
}

/** A new byte length for at least `need` elements: grow by half again, so resizes stay few. */
function grownBytes(current: number, need: number, bytesPer: number): number {
  return Math.max(need, Math.ceil(current * 1.5), 1024) * bytesPer;
}

export class GrowF64 {
  private buf: ArrayBuffer;
  /** Length-tracking view: always covers the whole buffer. */
  a: Float64Array;
  n = 0;

  constructor(cap = 4096) {
    this.buf = resizable(cap * 8, INITIAL_RESERVE);
    this.a = new Float64Array(this.buf);
  }

  /** Offset of `k` new slots at the end. */
  reserve(k: number): number {
    if (this.n + k > this.a.length) this.ensure(this.n + k);
    const at = this.n;
    this.n += k;
    return at;
  }

  push(v: number): void {
    if (this.n === this.a.length) this.ensure(this.n + 1);
    this.a[this.n++] = v;
  }

  /** Room for `cap` values in total. */
  ensure(cap: number): void {
    if (cap <= this.a.length) return;
    let bytes = grownBytes(this.a.length, cap, 8);
    if (bytes > this.buf.maxByteLength && cap * 8 <= this.buf.maxByteLength) bytes = this.buf.maxByteLength;
    if (bytes <= this.buf.maxByteLength) {
      this.buf.resize(bytes);
      return;
    }
    const next = resizable(bytes, 4 * this.buf.maxByteLength);
    new Float64Array(next).set(this.a.subarray(0, this.n));
    this.buf.resize(0);
    this.buf = next;
    this.a = new Float64Array(next);
  }

  /** The first `n` values as an ordinary (fixed-size) array. */
  toArray(): Float64Array {
    return this.a.slice(0, this.n);
  }

  /** Give the memory back now; the column is empty afterwards. */
  release(): void {
    this.buf.resize(0);
    this.n = 0;
  }
}

export class GrowI32 {
  private buf: ArrayBuffer;
  /** Length-tracking view: always covers the whole buffer. */
  a: Int32Array;
  n = 0;

  constructor(cap = 1024) {
    this.buf = resizable(cap * 4, INITIAL_RESERVE);
    this.a = new Int32Array(this.buf);
  }

  push(v: number): void {
    if (this.n === this.a.length) this.ensure(this.n + 1);
    this.a[this.n++] = v;
  }

  /** Room for `cap` values in total. */
  ensure(cap: number): void {
    if (cap <= this.a.length) return;
    let bytes = grownBytes(this.a.length, cap, 4);
    if (bytes > this.buf.maxByteLength && cap * 4 <= this.buf.maxByteLength) bytes = this.buf.maxByteLength;
    if (bytes <= this.buf.maxByteLength) {
      this.buf.resize(bytes);
      return;
    }
    const next = resizable(bytes, 4 * this.buf.maxByteLength);
    new Int32Array(next).set(this.a.subarray(0, this.n));
    this.buf.resize(0);
    this.buf = next;
    this.a = new Int32Array(next);
  }

  toArray(): Int32Array {
    return this.a.slice(0, this.n);
  }

  release(): void {
    this.buf.resize(0);
    this.n = 0;
  }
}
