/**
 * Growable typed columns for loaders that do not know their row count up front. They sit on resizable
 * ArrayBuffers, which grow in place: no copy per doubling, no discarded smaller arrays waiting for a GC, and
 * reserved capacity is not resident until written. `release()` hands the memory back at once, so a loader
 * can drop its row buffers before it allocates the table they fill.
 */

/** Address space reserved per column at first; a column that outgrows it moves once to a 4× larger one. */
const INITIAL_RESERVE = 64 * 2 ** 20;

/**
 * A resizable buffer of `bytes`, reserving up to `max`. Where that much address space cannot be reserved
 * (a 32-bit process, a ulimit), it asks for a quarter as much, down to `bytes` itself.
 */
export function resizable(bytes: number, max: number): ArrayBuffer {
  for (let m = Math.max(bytes, max); ; m = Math.max(bytes, Math.floor(m / 4))) {
    try {
      return new ArrayBuffer(bytes, { maxByteLength: m });
    } catch (err) {
      if (!(err instanceof RangeError) || m === bytes) throw err;
    }
  }
}

/** A new byte length for at least `need` elements: grow by half again, so resizes stay few. */
function grownBytes(current: number, need: number, bytesPer: number): number {
  return Math.max(need, Math.ceil(current * 1.5), 1024) * bytesPer;
}

type Column = Float64Array | Int32Array;

interface ColumnType<A extends Column> {
  new (buf: ArrayBuffer): A;
  readonly BYTES_PER_ELEMENT: number;
}

class Growable<A extends Column> {
  private buf: ArrayBuffer;
  /** Length-tracking view: always covers the whole buffer. */
  a: A;
  n = 0;

  constructor(
    private readonly type: ColumnType<A>,
    cap: number,
  ) {
    this.buf = resizable(cap * type.BYTES_PER_ELEMENT, INITIAL_RESERVE);
    this.a = new type(this.buf);
  }

  push(v: number): void {
    if (this.n === this.a.length) this.ensure(this.n + 1);
    this.a[this.n++] = v;
  }

  /** Room for `cap` values in total. */
  ensure(cap: number): void {
    if (cap <= this.a.length) return;
    const size = this.type.BYTES_PER_ELEMENT;
    const max = this.buf.maxByteLength;
    let bytes = grownBytes(this.a.length, cap, size);
    if (bytes > max && cap * size <= max) bytes = max;
    if (bytes <= max) {
      this.buf.resize(bytes);
      return;
    }
    const next = resizable(bytes, 4 * max);
    const a = new this.type(next);
    a.set(this.a.subarray(0, this.n));
    this.buf.resize(0);
    this.buf = next;
    this.a = a;
  }

  /** The first `n` values as an ordinary (fixed-size) array. */
  toArray(): A {
    return this.a.slice(0, this.n) as A;
  }

  /** Give the memory back now; the column is empty afterwards. */
  release(): void {
    this.buf.resize(0);
    this.n = 0;
  }
}

export class GrowF64 extends Growable<Float64Array> {
  constructor(cap = 4096) {
    super(Float64Array, cap);
  }

  /** Offset of `k` new slots at the end. */
  reserve(k: number): number {
    if (this.n + k > this.a.length) this.ensure(this.n + k);
    const at = this.n;
    this.n += k;
    return at;
  }
}

export class GrowI32 extends Growable<Int32Array> {
  constructor(cap = 1024) {
    super(Int32Array, cap);
  }
}
