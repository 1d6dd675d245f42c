/**
 * Metric columns sized to the data (datasets/README.md, "Storage"): accuracy is one byte a cell while every
 * value is 0 or 1; a metric is float32 while every value is exactly a float32 (a FLOAT column) or a decimal
 * of at most 6 significant digits (which float32 tells apart: it keeps 7.2 digits); float64 otherwise.
 * A buffer starts at the narrowest kind its column allows and widens the first time a value does not fit.
 */
import { resizable } from './grow.js';

export type MetricColumn = Float32Array | Float64Array;
export type AccuracyColumn = Uint8Array | Float32Array | Float64Array;

/** Storage kinds, narrowest first. */
export const U8 = 0;
export const F32 = 1;
export const F64 = 2;
type Kind = typeof U8 | typeof F32 | typeof F64;

const POW10: number[] = [];
for (let p = 0; p <= 22; p++) POW10.push(Number(`1e${p}`));

/** The double nearest to the 6-significant-digit decimal nearest to `f` (NaN when |exponent| is out of exact reach). */
export function nearest6(f: number): number {
  if (f === 0 || !Number.isFinite(f)) return f;
  const a = Math.abs(f);
  let p = 5 - Math.floor(Math.log10(a));
  let r = Math.round(scale(a, p));
  // log10 may be off by one next to a power of ten: keep r within 6 digits
  if (r >= 1e6) r = Math.round(scale(a, --p));
  else if (r < 1e5) r = Math.round(scale(a, ++p));
  const v = p >= 0 ? (p <= 22 ? r / POW10[p] : Number.NaN) : -p <= 22 ? r * POW10[-p] : Number.NaN;
  return f < 0 ? -v : v;
}

function scale(a: number, p: number): number {
  if (p >= 0) return p <= 22 ? a * POW10[p] : a * 10 ** p;
  return -p <= 22 ? a / POW10[-p] : a / 10 ** -p;
}

/** How a float32 buffer got its values: all exact float32s, or rounded from short decimals. */
const EXACT = 1;
const DECIMAL = 2;

/**
 * A column being filled: `a` is the current array (its kind in `kind`); `set` widens it when a value does
 * not fit. Fixed length (cells) or growable (`push`), on a resizable buffer so growth needs no copy.
 */
export class MetricBuffer {
  a: AccuracyColumn;
  kind: Kind;
  n = 0;
  /** EXACT or DECIMAL once a float32 value needed one of them (0: only values both share, e.g. 0.5). */
  private mode = 0;
  private buf: ArrayBuffer;

  /**
   * `minKind`: U8 for accuracy, F32 for other metrics, F64 to keep full precision regardless; `float64`:
   * a U8 buffer that meets another value goes straight to F64.
   */
  constructor(minKind: Kind, cap: number, private readonly float64 = minKind === F64) {
    this.kind = minKind;
    this.buf = resizable(cap * bytesOf(minKind), Math.max(cap * bytesOf(minKind), 64 * 2 ** 20));
    this.a = view(this.buf, minKind);
    if (minKind !== U8) this.a.fill(Number.NaN);
  }

  /** Would `v` be stored as it is (after the float32 rounding the documented rule allows)? */
  private fits(v: number): boolean {
    if (this.kind === F64) return true;
    if (this.kind === U8) return v === 0 || v === 1;
    if (v !== v) return true; // NaN: a missing value
    const f = Math.fround(v);
    const exact = f === v;
    const decimal = nearest6(f) === v;
    if (exact && decimal) return true;
    if (exact && this.mode !== DECIMAL) {
      this.mode = EXACT;
      return true;
    }
    if (decimal && this.mode !== EXACT) {
      this.mode = DECIMAL;
      return true;
    }
    return false;
  }

  set(i: number, v: number): void {
    if (!this.fits(v)) this.widen(v);
    this.a[i] = v;
  }

  push(v: number): void {
    if (this.n === this.a.length) this.ensure(this.n + 1);
    this.set(this.n++, v);
  }

  /** The value as loaded: a float32 rounded from a short decimal reads back as that decimal. */
  exact(i: number): number {
    const x = this.a[i];
    return this.kind === F32 && this.mode === DECIMAL ? nearest6(x) : x;
  }

  /** Room for `cap` values (growable use); new slots hold NaN (0 for U8). */
  ensure(cap: number): void {
    const len = this.a.length;
    if (cap <= len) return;
    const size = bytesOf(this.kind);
    const want = Math.max(cap, Math.ceil(len * 1.5), 1024) * size;
    if (want <= this.buf.maxByteLength) this.buf.resize(want);
    else {
      const next = resizable(want, 4 * want);
      const a = view(next, this.kind);
      a.set(this.a.subarray(0, len) as never);
      this.buf.resize(0);
      this.buf = next;
      this.a = a;
    }
    if (this.kind !== U8) this.a.fill(Number.NaN, len);
  }

  /** Move to the narrowest kind that holds `v` and every value so far (exactly as they were given). */
  private widen(v: number): void {
    const old = this.a;
    const oldKind = this.kind;
    const decimal = this.mode === DECIMAL;
    let kind: Kind = oldKind === U8 && !this.float64 ? F32 : F64;
    if (kind === F32) {
      this.kind = F32;
      this.mode = 0;
      if (!this.fits(v)) kind = F64;
    }
    this.kind = kind;
    const next = resizable(old.length * bytesOf(kind), Math.max(old.length * bytesOf(kind), this.buf.maxByteLength * (bytesOf(kind) / bytesOf(oldKind))));
    const a = view(next, kind);
    if (decimal) for (let i = 0; i < old.length; i++) a[i] = nearest6(old[i]);
    else a.set(old as never);
    this.buf.resize(0);
    this.buf = next;
    this.a = a;
  }

  /** The first `len` values as a fixed-length column (shares the buffer: no copy). */
  column(len = this.n): AccuracyColumn {
    if (len < this.a.length) this.buf.resize(len * bytesOf(this.kind));
    return view(this.buf, this.kind, len);
  }

  /** Give the memory back now. */
  release(): void {
    this.buf.resize(0);
    this.n = 0;
  }
}

function bytesOf(kind: Kind): number {
  return kind === U8 ? 1 : kind === F32 ? 4 : 8;
}

function view(buf: ArrayBuffer, kind: Kind, len?: number): AccuracyColumn {
  if (kind === U8) return len === undefined ? new Uint8Array(buf) : new Uint8Array(buf, 0, len);
  if (kind === F32) return len === undefined ? new Float32Array(buf) : new Float32Array(buf, 0, len);
  return len === undefined ? new Float64Array(buf) : new Float64Array(buf, 0, len);
}

/** A value of an optional metric column; NaN where the table has none. */
export function valueAt(col: ArrayLike<number> | null | undefined, i: number): number {
  return col ? col[i] : Number.NaN;
}

/** A float column (any metric or accuracy) as float64: the same values, widened (no copy when it is float64). */
export function asFloat64(col: AccuracyColumn, present?: Uint8Array): Float64Array {
  if (col instanceof Float64Array) return col;
  const out = new Float64Array(col.length);
  if (col instanceof Uint8Array) for (let i = 0; i < col.length; i++) out[i] = present && !present[i] ? Number.NaN : col[i];
  else out.set(col);
  return out;
}
