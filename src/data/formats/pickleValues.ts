/**
 * The values an unpickled stream is made of (numpy arrays, pandas indexes, blocks and frames, lazily decoded
 * text), and the decoder that turns lazy text into strings: once per object, within a work budget.
 */

export class PickleError extends Error {
  constructor(
    message: string,
    readonly offset?: number,
    /** The bytes are not a well-formed pickle (truncated, unknown opcode, broken stack), as against a pickle of something else. */
    readonly corrupt = false,
  ) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`);
    this.name = 'PickleError';
  }
}

/** Tuples stay distinct from lists only where it matters (argument lists); both are JS arrays. */
export type PyValue = unknown;

export class PySlice {
  constructor(
    readonly start: number | null,
    readonly stop: number | null,
    readonly step: number | null,
  ) {}
}

export interface DType {
  /** numpy kind: f, i, u, b, O, U, S, M, m. */
  kind: string;
  itemsize: number;
  littleEndian: boolean;
}

/** A numpy array: numeric data as a typed array (or plain numbers), object data as a JS array. */
export class NDArray {
  dtype: DType | null = null;
  shape: number[] = [0];
  fortran = false;
  data: ArrayLike<unknown> = [];
  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
}

export class PdIndex {
  constructor(
    readonly cls: string,
    readonly values: ArrayLike<unknown> | null,
    readonly range: { start: number; stop: number; step: number } | null,
    readonly name: unknown,
  ) {}
  get length(): number {
    if (this.values) return this.values.length;
    const r = this.range!;
    return Math.max(0, Math.ceil((r.stop - r.start) / r.step));
  }
  get(i: number): unknown {
    return this.values ? this.values[i] : this.range!.start + i * this.range!.step;
  }
}

export class PdBlock {
  constructor(
    readonly values: NDArray,
    readonly placement: number[],
    readonly ndim: number,
  ) {}
}

export class PdBlockManager {
  constructor(
    public blocks: PdBlock[],
    public axes: PdIndex[],
  ) {}
}

export class PdDataFrame {
  mgr: PdBlockManager | null = null;
  /** Work allowed for decoding one column's cells (set from the pickle's size when unpickled). */
  decodeBudget = { steps: Number.POSITIVE_INFINITY, perByte: Number.POSITIVE_INFINITY };
}

/** A placeholder built by NEWOBJ, filled by BUILD. */
export class PendingObject {
  constructor(
    readonly cls: string,
    readonly target: PdDataFrame | PdBlockManager,
  ) {}
}

/** A global the stream named, checked against the allow-list. */
export class PyGlobal {
  constructor(readonly qualname: string) {}
}

/**
 * A string left as UTF-8 bytes in the pickle until something reads it. Object columns hold every model's
 * response, which no loader uses: decoding them all doubled the memory of a RouterBench-size load.
 */
export class PyText {
  constructor(
    private readonly buf: Buffer,
    private readonly start: number,
    private readonly end: number,
  ) {}
  get byteLength(): number {
    return this.end - this.start;
  }
  toString(): string {
    return this.buf.toString('utf8', this.start, this.end);
  }
  /** The text of the first `bytes` bytes (a character cut in two reads as U+FFFD). */
  prefix(bytes: number): string {
    return this.buf.toString('utf8', this.start, Math.min(this.end, this.start + bytes));
  }
}

/** Strings at least this long (in bytes) are left undecoded; shorter ones (names, keys, codes) are decoded. */
export const LAZY_TEXT_BYTES = 32;

/** Containers deeper than this are left as they are (only a corrupt pickle nests that deep where text is read). */
const MAX_DECODE_DEPTH = 6;

/**
 * Decodes PyText inside tuples, lists and dicts (not array data). Memo references and DUP make the stream a
 * DAG: each object is decoded once and shared (re-walked only when reached less deep, so at most
 * MAX_DECODE_DEPTH + 1 times), and every step counts against `budget`, so the work stays proportional to
 * the input however the stream shares or re-reads its objects.
 */
export class Decoder {
  private readonly cache = new Map<object, { depth: number; value: unknown }>();
  work = 0;
  constructor(
    readonly budget: number,
    private readonly overBudget: (budget: number) => Error,
  ) {}

  charge(units: number): void {
    this.work += units;
    if (this.work > this.budget) throw this.overBudget(this.budget);
  }

  /** Drop what is known about a container that has just changed. */
  forget(o: object): void {
    this.cache.delete(o);
  }

  decode(v: unknown, depth = 0): unknown {
    if (v instanceof PyText) {
      const hit = this.cache.get(v);
      if (hit) {
        this.charge(1);
        return hit.value;
      }
      this.charge(1 + (v.byteLength >> 3));
      const s = v.toString();
      this.cache.set(v, { depth: 0, value: s });
      return s;
    }
    if (depth >= MAX_DECODE_DEPTH || !(Array.isArray(v) || v instanceof Map)) return v;
    const hit = this.cache.get(v);
    if (hit && hit.depth <= depth) {
      this.charge(1);
      return hit.value;
    }
    // Marked before the walk: a cycle back to `v` ends at `v` itself.
    this.cache.set(v, { depth, value: v });
    let value: unknown = v;
    if (Array.isArray(v)) {
      this.charge(1 + v.length);
      let out: unknown[] | null = null;
      for (let i = 0; i < v.length; i++) {
        const e: unknown = v[i];
        // Numbers, strings and None need nothing (and are most of what a list holds).
        if (typeof e !== 'object' || e === null) continue;
        const x = this.decode(e, depth + 1);
        if (x !== e) (out ??= v.slice())[i] = x;
      }
      if (out !== null) value = Object.isFrozen(v) ? Object.freeze(out) : out;
    } else {
      const m = v as Map<unknown, unknown>;
      this.charge(1 + m.size);
      for (const [k, x] of m) {
        const y = this.decode(x, depth + 1);
        if (y !== x) m.set(k, y);
      }
    }
    this.cache.set(v, { depth, value });
    return value;
  }
}

export function describe(v: unknown): string {
  if (v instanceof PyGlobal) return v.qualname;
  if (v === null) return 'None';
  if (Array.isArray(v)) return 'tuple/list';
  if (v instanceof Map) return 'dict';
  if (v instanceof Uint8Array) return 'bytes';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}
