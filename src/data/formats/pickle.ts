/**
 * A restricted reader for Python pickles holding a pandas DataFrame of numpy blocks (protocols 2–5).
 *
 * Python's own unpickler calls whatever callables the stream names, so an untrusted pickle can run code.
 * This reader never calls anything: each global the stream names must be on a fixed allow-list of numpy
 * and pandas constructors, and each one is *emulated* here as plain data (arrays, indexes, blocks).
 * Any other global, and any opcode outside the data subset, is refused before anything is built.
 */

export class PickleError extends Error {
  constructor(
    message: string,
    readonly offset?: number,
  ) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`);
    this.name = 'PickleError';
  }
}

// ---- Python values ---------------------------------------------------------------------------------------

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
}

/** A placeholder built by NEWOBJ, filled by BUILD. */
class PendingObject {
  constructor(
    readonly cls: string,
    readonly target: PdDataFrame | PdBlockManager,
  ) {}
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
  toString(): string {
    return this.buf.toString('utf8', this.start, this.end);
  }
}

/** Strings at least this long (in bytes) are left undecoded; shorter ones (names, keys, codes) are decoded. */
const LAZY_TEXT_BYTES = 32;

/** `v` with every PyText decoded, walking tuples, lists and dicts (not array data) a few levels deep. */
function decoded(v: unknown, depth = 0): unknown {
  if (v instanceof PyText) return v.toString();
  if (depth >= 6) return v;
  if (Array.isArray(v)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < v.length; i++) {
      const x = decoded(v[i], depth + 1);
      if (x !== v[i]) (out ??= v.slice())[i] = x;
    }
    return out === null ? v : Object.isFrozen(v) ? Object.freeze(out) : out;
  }
  if (v instanceof Map) {
    for (const [k, x] of v) {
      const y = decoded(x, depth + 1);
      if (y !== x) v.set(k, y);
    }
  }
  return v;
}

// ---- the allow-list --------------------------------------------------------------------------------------

class PyGlobal {
  constructor(readonly qualname: string) {}
}

/** Per-pickle limits shared by the handlers. */
interface DecodeContext {
  /** Size of the pickle in bytes. */
  size: number;
  /** Block placement entries built so far (memo references can reuse one slice for many blocks). */
  placed: number;
}

type Handler = {
  call?: (args: PyValue[], at: number, ctx: DecodeContext) => PyValue;
  newobj?: (args: PyValue[], at: number) => PyValue;
};

const NUMPY_RECONSTRUCT: Handler = {
  call: (args, at) => {
    // _reconstruct(ndarray, shape, typecode): an empty array that BUILD fills.
    if (!(args[0] instanceof PyGlobal) || args[0].qualname !== 'numpy.ndarray') throw new PickleError('_reconstruct of something other than numpy.ndarray', at);
    return new NDArray();
  },
};

const NUMPY_FROMBUFFER: Handler = {
  call: (args, at) => {
    // _frombuffer(buffer, dtype, shape, order): the protocol-5 form of a numeric array.
    const [buf, dtype, shape, order] = args;
    if (!(buf instanceof Uint8Array)) throw new PickleError('_frombuffer without an in-band buffer (out-of-band buffers are not supported)', at);
    const a = new NDArray();
    a.dtype = asDType(dtype, at);
    a.shape = asShape(shape, at);
    a.fortran = order === 'F';
    a.data = decodeNumeric(buf, a.dtype, a.size, at);
    return a;
  },
};

const NUMPY_DTYPE: Handler = {
  call: (args, at) => {
    if (typeof args[0] !== 'string') throw new PickleError('numpy.dtype with a non-string type code', at);
    return parseTypeCode(args[0], at);
  },
};

const NUMPY_SCALAR: Handler = {
  call: (args, at) => {
    const dt = asDType(args[0], at);
    const raw = args[1];
    if (!(raw instanceof Uint8Array)) throw new PickleError('numpy scalar without raw bytes', at);
    return decodeNumeric(raw, dt, 1, at)[0];
  },
};

const PD_NEW_INDEX: Handler = {
  call: (args, at) => {
    const [cls, d] = args;
    if (!(cls instanceof PyGlobal) || !INDEX_CLASSES.has(cls.qualname)) throw new PickleError(`_new_Index of unsupported class ${describe(cls)}`, at);
    if (!(d instanceof Map)) throw new PickleError('_new_Index without a state dict', at);
    const name = d.get('name') ?? null;
    if (d.has('data')) {
      const data = d.get('data');
      if (!(data instanceof NDArray)) throw new PickleError('index data is not a numpy array', at);
      return new PdIndex(cls.qualname, data.data, null, name);
    }
    const start = numOr(d.get('start'), 0);
    const stop = numOr(d.get('stop'), 0);
    const step = numOr(d.get('step'), 1);
    if (step === 0) throw new PickleError('RangeIndex with step 0', at);
    return new PdIndex(cls.qualname, null, { start, stop, step }, name);
  },
};

const PD_UNPICKLE_BLOCK: Handler = {
  call: (args, at, ctx) => {
    const [values, placement, ndim] = args;
    if (!(values instanceof NDArray)) throw new PickleError(`block values of unsupported type ${describe(values)} (only numpy arrays are read)`, at);
    return new PdBlock(values, placementOf(placement, at, ctx), typeof ndim === 'number' ? ndim : 2);
  },
};

const PD_BLOCK_MANAGER: Handler = {
  // BlockManager(blocks, axes) — pandas ≥ 1.3 reduce form.
  call: (args, at) => {
    const [blocks, axes] = args;
    if (!Array.isArray(blocks) || !blocks.every((b) => b instanceof PdBlock)) throw new PickleError('BlockManager blocks are not blocks', at);
    if (!Array.isArray(axes) || !axes.every((x) => x instanceof PdIndex)) throw new PickleError('BlockManager axes are not indexes', at);
    return new PdBlockManager(blocks as PdBlock[], axes as PdIndex[]);
  },
  // Older form: empty manager then BUILD with the (axes, values, items, extra) state.
  newobj: () => new PendingObject('BlockManager', new PdBlockManager([], [])),
};

const PD_DATAFRAME: Handler = {
  newobj: () => new PendingObject('DataFrame', new PdDataFrame()),
};

const BUILTIN_SLICE: Handler = {
  call: (args) => new PySlice(numOrNull(args[0]), numOrNull(args[1]), numOrNull(args[2])),
};

const CODECS_ENCODE: Handler = {
  // Protocol 2 writes bytes as _codecs.encode(<latin-1 text>, 'latin1').
  call: (args, at) => {
    const [text, enc] = args;
    if (typeof text !== 'string' || (enc !== 'latin1' && enc !== 'latin-1')) throw new PickleError('_codecs.encode other than latin1 text', at);
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
    return out;
  },
};

const INDEX_CLASSES = new Set([
  'pandas.core.indexes.base.Index',
  'pandas.core.indexes.range.RangeIndex',
  'pandas.core.indexes.numeric.Int64Index',
  'pandas.core.indexes.numeric.UInt64Index',
  'pandas.core.indexes.numeric.Float64Index',
  'pandas.core.indexes.numeric.NumericIndex',
]);

const MARKER: Handler = {};

const ALLOWED = new Map<string, Handler>([
  ['numpy.core.multiarray._reconstruct', NUMPY_RECONSTRUCT],
  ['numpy._core.multiarray._reconstruct', NUMPY_RECONSTRUCT],
  ['numpy.core.numeric._frombuffer', NUMPY_FROMBUFFER],
  ['numpy._core.numeric._frombuffer', NUMPY_FROMBUFFER],
  ['numpy.core.multiarray.scalar', NUMPY_SCALAR],
  ['numpy._core.multiarray.scalar', NUMPY_SCALAR],
  ['numpy.ndarray', MARKER],
  ['numpy.dtype', NUMPY_DTYPE],
  ['pandas.core.frame.DataFrame', PD_DATAFRAME],
  ['pandas.core.internals.managers.BlockManager', PD_BLOCK_MANAGER],
  ['pandas._libs.internals._unpickle_block', PD_UNPICKLE_BLOCK],
  ['pandas.core.indexes.base._new_Index', PD_NEW_INDEX],
  ...[...INDEX_CLASSES].map((c): [string, Handler] => [c, MARKER]),
  ['builtins.slice', BUILTIN_SLICE],
  ['_codecs.encode', CODECS_ENCODE],
]);

/** The globals a pickle may name (for documentation and error messages). */
export const ALLOWED_GLOBALS: readonly string[] = [...ALLOWED.keys()];

function lookupGlobal(module: string, name: string, at: number): PyGlobal {
  // Python 2 pickles name `__builtin__`; numpy 2 moved `numpy.core` to `numpy._core` (both listed).
  const mod = module === '__builtin__' ? 'builtins' : module;
  const q = `${mod}.${name}`;
  if (!ALLOWED.has(q)) {
    throw new PickleError(
      `refusing to load: the pickle refers to '${q}', which is not one of the numpy/pandas constructors this reader allows ` +
        `(a pickle naming arbitrary globals can run code when loaded in Python)`,
      at,
    );
  }
  return new PyGlobal(q);
}

// ---- numpy helpers ---------------------------------------------------------------------------------------

function describe(v: unknown): string {
  if (v instanceof PyGlobal) return v.qualname;
  if (v === null) return 'None';
  if (Array.isArray(v)) return 'tuple/list';
  if (v instanceof Map) return 'dict';
  if (v instanceof Uint8Array) return 'bytes';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}

function numOr(v: unknown, d: number): number {
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : d;
}

function numOrNull(v: unknown): number | null {
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : null;
}

function asShape(v: unknown, at: number): number[] {
  const dims = typeof v === 'number' ? [v] : v;
  if (!Array.isArray(dims) || !dims.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0)) throw new PickleError('bad array shape', at);
  return dims as number[];
}

function asDType(v: unknown, at: number): DType {
  if (v && typeof v === 'object' && 'kind' in v && 'itemsize' in v) return v as DType;
  throw new PickleError(`expected a numpy dtype, got ${describe(v)}`, at);
}

function parseTypeCode(code: string, at: number): DType {
  const m = /^([<>|=]?)([a-zA-Z])(\d*)(\[.*\])?$/.exec(code);
  if (!m) throw new PickleError(`unsupported numpy dtype '${code}'`, at);
  const kind = m[2] === '?' ? 'b' : m[2];
  const size = m[3] ? Number(m[3]) : kind === 'b' ? 1 : kind === 'O' ? 8 : 0;
  if (!'fiubOUSMm'.includes(kind)) throw new PickleError(`unsupported numpy dtype '${code}'`, at);
  return { kind, itemsize: kind === 'U' ? size * 4 : size, littleEndian: m[1] !== '>' };
}

function placementOf(v: unknown, at: number, ctx: DecodeContext): number[] {
  let out: number[];
  if (v instanceof NDArray) out = Array.from(v.data as ArrayLike<number>, Number);
  else if (v instanceof PySlice) {
    const start = v.start ?? 0;
    const step = v.step ?? 1;
    if (v.stop === null || step <= 0) throw new PickleError('open-ended block placement', at);
    if (![start, v.stop, step].every(Number.isSafeInteger)) throw new PickleError('block placement slice with non-integer bounds', at);
    // Each placed column needs its name somewhere in the pickle: a longer slice is corrupt (and would be built in full).
    const n = Math.max(0, Math.ceil((v.stop - start) / step));
    if (ctx.placed + n > 8 * ctx.size + 1024) throw new PickleError(`block placement of ${n} columns is more than the pickle can describe`, at);
    out = [];
    for (let i = start; i < v.stop; i += step) out.push(i);
  } else if (Array.isArray(v) && v.every((x) => typeof x === 'number')) out = v as number[];
  else throw new PickleError(`unsupported block placement ${describe(v)}`, at);
  ctx.placed += out.length;
  if (ctx.placed > 8 * ctx.size + 1024) throw new PickleError('block placements cover more columns than the pickle can describe', at);
  return out;
}

/** Decode `count` items of a numeric dtype from raw bytes into plain JS values. */
function decodeNumeric(buf: Uint8Array, dt: DType, count: number, at: number): ArrayLike<unknown> {
  const { kind, itemsize, littleEndian: le } = dt;
  if (kind === 'O') throw new PickleError('object array given as raw bytes', at);
  // Sizes come from the stream: check them before allocating `count` values.
  const sizes: Record<string, number[]> = { f: [2, 4, 8], i: [1, 2, 4, 8], u: [1, 2, 4, 8], b: [1], M: [8], m: [8] };
  const validSize = sizes[kind] ? sizes[kind].includes(itemsize) : itemsize > 0 && (kind !== 'U' || itemsize % 4 === 0);
  if (!validSize || !Number.isSafeInteger(itemsize)) throw new PickleError(`unsupported item size ${itemsize} for numpy dtype kind '${kind}'`, at);
  if (!Number.isSafeInteger(count) || count < 0) throw new PickleError(`bad array size ${count}`, at);
  if (buf.length < count * itemsize) throw new PickleError(`array data has ${buf.length} bytes, expected ${count * itemsize}`, at);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (kind === 'f') {
    const out = new Float64Array(count);
    if (itemsize === 8) for (let i = 0; i < count; i++) out[i] = dv.getFloat64(i * 8, le);
    else if (itemsize === 4) for (let i = 0; i < count; i++) out[i] = dv.getFloat32(i * 4, le);
    else if (itemsize === 2) for (let i = 0; i < count; i++) out[i] = half(dv.getUint16(i * 2, le));
    else throw new PickleError(`unsupported float size ${itemsize}`, at);
    return out;
  }
  if (kind === 'i' || kind === 'u' || kind === 'b' || kind === 'M' || kind === 'm') {
    const out = new Float64Array(count);
    const signed = kind !== 'u' && kind !== 'b';
    for (let i = 0; i < count; i++) {
      const o = i * itemsize;
      switch (itemsize) {
        case 1:
          out[i] = signed ? dv.getInt8(o) : dv.getUint8(o);
          break;
        case 2:
          out[i] = signed ? dv.getInt16(o, le) : dv.getUint16(o, le);
          break;
        case 4:
          out[i] = signed ? dv.getInt32(o, le) : dv.getUint32(o, le);
          break;
        case 8:
          out[i] = Number(signed ? dv.getBigInt64(o, le) : dv.getBigUint64(o, le));
          break;
        default:
          throw new PickleError(`unsupported integer size ${itemsize}`, at);
      }
    }
    return out;
  }
  if (kind === 'U' || kind === 'S') {
    const out = new Array<string>(count);
    for (let i = 0; i < count; i++) {
      let s = '';
      if (kind === 'U') {
        for (let j = 0; j < itemsize; j += 4) {
          const cp = dv.getUint32(i * itemsize + j, le);
          if (cp === 0) break;
          if (cp > 0x10ffff) throw new PickleError(`numpy unicode array holds an invalid character (code point ${cp})`, at);
          s += String.fromCodePoint(cp);
        }
      } else {
        for (let j = 0; j < itemsize; j++) {
          const c = buf[i * itemsize + j];
          if (c === 0) break;
          s += String.fromCharCode(c);
        }
      }
      out[i] = s;
    }
    return out;
  }
  throw new PickleError(`unsupported numpy dtype kind '${kind}'`, at);
}

function half(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function buildArray(a: NDArray, state: unknown, at: number): void {
  // (version, shape, dtype, is_fortran, data) — version is absent in very old pickles.
  if (!Array.isArray(state)) throw new PickleError('bad numpy array state', at);
  const s = state.length === 5 ? state.slice(1) : state;
  if (s.length !== 4) throw new PickleError('bad numpy array state', at);
  a.shape = asShape(s[0], at);
  a.dtype = asDType(s[1], at);
  a.fortran = s[2] === true;
  const raw = s[3];
  if (a.dtype.kind === 'O') {
    // Cells stay as they are (long strings undecoded) until a column is read.
    if (!Array.isArray(raw)) throw new PickleError('object array without a value list', at);
    if (raw.length !== a.size) throw new PickleError(`object array has ${raw.length} values, expected ${a.size}`, at);
    a.data = raw;
  } else {
    const text = raw instanceof PyText ? raw.toString() : raw;
    const bytes = typeof text === 'string' ? latin1Bytes(text) : text;
    if (!(bytes instanceof Uint8Array)) throw new PickleError('numeric array without raw bytes', at);
    a.data = decodeNumeric(bytes, a.dtype, a.size, at);
  }
}

function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

function buildDType(d: DType, state: unknown, at: number): void {
  // (version, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata])
  if (!Array.isArray(state) || state.length < 8) throw new PickleError('bad numpy dtype state', at);
  const order = state[1];
  if (order === '>') d.littleEndian = false;
  else if (order === '<' || order === '|' || order === '=') d.littleEndian = true;
  if (state[3] !== null) throw new PickleError('structured numpy dtypes are not supported', at);
  const elsize = state[5];
  if (typeof elsize === 'number' && elsize > 0 && (d.kind === 'U' || d.kind === 'S')) d.itemsize = elsize;
}

function buildBlockManager(mgr: PdBlockManager, state: unknown, at: number, ctx: DecodeContext): void {
  // Pre-1.3 layout: (axes, block values, block items, {"0.14.1": {axes, blocks: [{values, mgr_locs}]}}).
  if (!Array.isArray(state) || state.length < 4 || !(state[3] instanceof Map)) throw new PickleError('unsupported BlockManager state', at);
  const extra = state[3].get('0.14.1');
  if (!(extra instanceof Map)) throw new PickleError('unsupported BlockManager state (no 0.14.1 section)', at);
  const axes = extra.get('axes');
  const blocks = extra.get('blocks');
  if (!Array.isArray(axes) || !axes.every((x) => x instanceof PdIndex)) throw new PickleError('BlockManager axes are not indexes', at);
  if (!Array.isArray(blocks)) throw new PickleError('BlockManager blocks missing', at);
  mgr.axes = axes as PdIndex[];
  mgr.blocks = blocks.map((b) => {
    if (!(b instanceof Map) || !(b.get('values') instanceof NDArray)) throw new PickleError('unsupported block in BlockManager state', at);
    return new PdBlock(b.get('values') as NDArray, placementOf(b.get('mgr_locs'), at, ctx), 2);
  });
}

function buildDataFrame(df: PdDataFrame, state: unknown, at: number): void {
  if (!(state instanceof Map)) throw new PickleError('bad DataFrame state', at);
  const mgr = state.get('_mgr') ?? state.get('_data');
  if (!(mgr instanceof PdBlockManager)) throw new PickleError('DataFrame without a block manager', at);
  df.mgr = mgr;
}

// ---- the opcode loop -------------------------------------------------------------------------------------

const MARK = Symbol('mark');

export interface UnpickleOptions {
  /** Refuse pickles whose memo grows beyond this many entries (guards against pathological input). */
  maxMemo?: number;
}

/** Decode a pickle into plain values; throws PickleError on anything outside the allowed subset. */
export function unpickle(bytes: Uint8Array, opts: UnpickleOptions = {}): PyValue {
  const maxMemo = opts.maxMemo ?? 50_000_000;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = buf.length;
  let pos = 0;
  let stack: unknown[] = [];
  const metastack: unknown[][] = [];
  const memo: unknown[] = [];
  const ctx: DecodeContext = { size: n, placed: 0 };

  const need = (k: number): void => {
    if (pos + k > n) throw new PickleError('truncated pickle (unexpected end of data)', n);
  };
  const u8 = (): number => {
    need(1);
    return buf[pos++];
  };
  const u16 = (): number => {
    need(2);
    const v = buf.readUInt16LE(pos);
    pos += 2;
    return v;
  };
  const u32 = (): number => {
    need(4);
    const v = buf.readUInt32LE(pos);
    pos += 4;
    return v;
  };
  const u64 = (): number => {
    need(8);
    const lo = buf.readUInt32LE(pos);
    const hi = buf.readUInt32LE(pos + 4);
    pos += 8;
    const v = hi * 2 ** 32 + lo;
    if (v > n) throw new PickleError('truncated pickle (length beyond end of data)', pos - 8);
    return v;
  };
  const take = (k: number): Buffer => {
    need(k);
    const b = buf.subarray(pos, pos + k);
    pos += k;
    return b;
  };
  const line = (): string => {
    const end = buf.indexOf(0x0a, pos);
    if (end < 0) throw new PickleError('truncated pickle (unterminated text argument)', pos);
    const s = buf.toString('latin1', pos, end);
    pos = end + 1;
    return s;
  };
  const pop = (): unknown => {
    if (stack.length === 0) throw new PickleError('stack underflow (corrupt pickle)', pos);
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) throw new PickleError('stack underflow (corrupt pickle)', pos);
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    const prev = metastack.pop();
    if (!prev) throw new PickleError('no MARK on the stack (corrupt pickle)', pos);
    stack = prev;
    return items;
  };
  const memoGet = (i: number, at: number): unknown => {
    if (i >= memo.length || !(i in memo)) throw new PickleError(`memo key ${i} missing (corrupt pickle)`, at);
    return memo[i];
  };
  const memoPut = (i: number, v: unknown): void => {
    if (i > maxMemo) throw new PickleError('memo too large', pos);
    memo[i] = v;
  };
  const callGlobal = (fn: unknown, args: unknown, at: number, how: 'call' | 'newobj'): unknown => {
    if (!(fn instanceof PyGlobal)) throw new PickleError(`cannot call ${describe(fn)}`, at);
    if (!Array.isArray(args)) throw new PickleError('call arguments are not a tuple', at);
    const h = ALLOWED.get(fn.qualname)!;
    const f = how === 'call' ? h.call : h.newobj;
    if (!f) throw new PickleError(`'${fn.qualname}' cannot be ${how === 'call' ? 'called' : 'instantiated'} here`, at);
    return f(decoded(args) as PyValue[], at, ctx);
  };
  const signedLE = (b: Buffer): number | bigint => {
    if (b.length === 0) return 0;
    if (b.length <= 6) return b.readIntLE(0, b.length);
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  for (;;) {
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) throw new PickleError('pickle protocol above 5 is not supported', at);
        break;
      case 0x95: // FRAME: framing is only a buffering hint
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length === 0) throw new PickleError('empty pickle', at);
        return stack[stack.length - 1];
      case 0x28: // MARK
        metastack.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        if (stack.length > 0) stack.pop();
        else popMark();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        need(4);
        stack.push(buf.readInt32LE(pos));
        pos += 4;
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(signedLE(take(u8())));
        break;
      case 0x8b: {
        // LONG4
        const k = u32();
        stack.push(signedLE(take(k)));
        break;
      }
      case 0x49: {
        // INT (text): protocol 0 also spells True/False this way
        const s = line();
        if (s === '01') stack.push(true);
        else if (s === '00') stack.push(false);
        else stack.push(parseIntText(s, at));
        break;
      }
      case 0x4c: // LONG (text)
        stack.push(parseIntText(line().replace(/L$/, ''), at));
        break;
      case 0x47: // BINFLOAT: big-endian double
        need(8);
        stack.push(buf.readDoubleBE(pos));
        pos += 8;
        break;
      case 0x46: {
        // FLOAT (text)
        const v = Number(line());
        stack.push(v);
        break;
      }
      case 0x8c: {
        // SHORT_BINUNICODE
        const k = u8();
        need(k);
        stack.push(k >= LAZY_TEXT_BYTES ? new PyText(buf, pos, pos + k) : buf.toString('utf8', pos, pos + k));
        pos += k;
        break;
      }
      case 0x58: {
        // BINUNICODE
        const k = u32();
        need(k);
        stack.push(k >= LAZY_TEXT_BYTES ? new PyText(buf, pos, pos + k) : buf.toString('utf8', pos, pos + k));
        pos += k;
        break;
      }
      case 0x8d: {
        // BINUNICODE8
        const k = u64();
        need(k);
        stack.push(k >= LAZY_TEXT_BYTES ? new PyText(buf, pos, pos + k) : buf.toString('utf8', pos, pos + k));
        pos += k;
        break;
      }
      case 0x55: // SHORT_BINSTRING (Python 2 str): latin-1 text
        stack.push(take(u8()).toString('latin1'));
        break;
      case 0x54: // BINSTRING
        stack.push(take(u32()).toString('latin1'));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(new Uint8Array(take(u8())));
        break;
      case 0x42: // BINBYTES
        stack.push(new Uint8Array(take(u32())));
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        stack.push(new Uint8Array(take(u64())));
        break;
      case 0x98: // READONLY_BUFFER: no effect on in-band data
        top();
        break;
      case 0x97: // NEXT_BUFFER
        throw new PickleError('pickle uses out-of-band buffers, which a file cannot carry', at);
      case 0x29: // EMPTY_TUPLE
        stack.push(Object.freeze([]));
        break;
      case 0x74: {
        // TUPLE (popMark swaps `stack`, so take the items before pushing)
        const items = popMark();
        stack.push(Object.freeze(items));
        break;
      }
      case 0x85: // TUPLE1
        stack.push(Object.freeze([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        const a = pop();
        stack.push(Object.freeze([a, b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push(Object.freeze([a, b, c]));
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: {
        // LIST
        const items = popMark();
        stack.push(items);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        const l = top();
        if (!Array.isArray(l) || Object.isFrozen(l)) throw new PickleError('APPEND to a non-list', at);
        l.push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const l = top();
        if (!Array.isArray(l) || Object.isFrozen(l)) throw new PickleError('APPENDS to a non-list', at);
        for (const v of items) l.push(v);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        const d = new Map();
        for (let i = 0; i + 1 < items.length; i += 2) d.set(hashKey(items[i], at), items[i + 1]);
        stack.push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        const d = top();
        if (!(d instanceof Map)) throw new PickleError('SETITEM on a non-dict', at);
        d.set(hashKey(k, at), v);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        const d = top();
        if (!(d instanceof Map)) throw new PickleError('SETITEMS on a non-dict', at);
        for (let i = 0; i + 1 < items.length; i += 2) d.set(hashKey(items[i], at), items[i + 1]);
        break;
      }
      case 0x8f: // EMPTY_SET
        stack.push(new Set());
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const s = top();
        if (!(s instanceof Set)) throw new PickleError('ADDITEMS on a non-set', at);
        for (const v of items) s.add(v);
        break;
      }
      case 0x91: {
        // FROZENSET
        const items = popMark();
        stack.push(new Set(items));
        break;
      }
      case 0x63: {
        // GLOBAL (text module and name)
        const module = line();
        const name = line();
        stack.push(lookupGlobal(module, name, at));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = decoded(pop());
        const module = decoded(pop());
        if (typeof module !== 'string' || typeof name !== 'string') throw new PickleError('STACK_GLOBAL with non-string names', at);
        stack.push(lookupGlobal(module, name, at));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        stack.push(callGlobal(fn, args, at, 'call'));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        const cls = pop();
        stack.push(callGlobal(cls, args, at, 'newobj'));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        const kwargs = pop();
        const args = pop();
        const cls = pop();
        if (kwargs instanceof Map && kwargs.size > 0) throw new PickleError('keyword arguments to a constructor are not supported', at);
        stack.push(callGlobal(cls, args, at, 'newobj'));
        break;
      }
      case 0x62: {
        // BUILD
        const raw = pop();
        const obj = top();
        // Only an object array's value list keeps its strings undecoded.
        const state = obj instanceof NDArray ? raw : decoded(raw);
        if (obj instanceof NDArray) buildArray(obj, state, at);
        else if (obj instanceof PendingObject) {
          if (obj.target instanceof PdDataFrame) buildDataFrame(obj.target, state, at);
          else buildBlockManager(obj.target, state, at, ctx);
          stack[stack.length - 1] = obj.target;
        } else if (obj && typeof obj === 'object' && 'kind' in obj && 'itemsize' in obj) buildDType(obj as DType, state, at);
        else throw new PickleError(`cannot set the state of ${describe(obj)}`, at);
        break;
      }
      case 0x70: {
        // PUT (text index)
        memoPut(parseIntText(line(), at) as number, top());
        break;
      }
      case 0x71: // BINPUT
        memoPut(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memoPut(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memoPut(memo.length, top());
        break;
      case 0x67: // GET (text index)
        stack.push(memoGet(parseIntText(line(), at) as number, at));
        break;
      case 0x68: // BINGET
        stack.push(memoGet(u8(), at));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memoGet(u32(), at));
        break;
      case 0x50: // PERSID
      case 0x51: // BINPERSID
        throw new PickleError('persistent ids are not supported', at);
      case 0x82: // EXT1
      case 0x83: // EXT2
      case 0x84: // EXT4
        throw new PickleError('extension registry codes are not supported', at);
      case 0x69: // INST
      case 0x6f: // OBJ
        throw new PickleError('protocol 0/1 object construction is not supported (re-save with protocol 2 or later)', at);
      default:
        throw new PickleError(`unknown or unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')}`, at);
    }
  }
}

function parseIntText(s: string, at: number): number | bigint {
  if (!/^[+-]?\d+$/.test(s.trim())) throw new PickleError(`bad integer '${s}'`, at);
  const b = BigInt(s.trim());
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

function hashKey(key: unknown, at: number): unknown {
  const k = key instanceof PyText ? key.toString() : key;
  if (k === null || typeof k === 'string' || typeof k === 'number' || typeof k === 'boolean' || typeof k === 'bigint') return k;
  if (Array.isArray(k)) {
    // Tuples as keys; a cyclic or very deep one cannot be a key of a real pickle.
    try {
      return JSON.stringify(k);
    } catch {
      throw new PickleError('unsupported dict key (a cyclic or too deeply nested tuple)', at);
    }
  }
  throw new PickleError(`unsupported dict key ${describe(k)}`, at);
}

// ---- DataFrame → columns ---------------------------------------------------------------------------------

export interface FrameColumns {
  columns: string[];
  nRows: number;
  /** Column `i`'s values, strings decoded (object columns are decoded on each call). */
  column(i: number): ArrayLike<unknown>;
}

/** Columns of an unpickled DataFrame, in the frame's column order. */
export function frameColumns(v: unknown): FrameColumns {
  if (!(v instanceof PdDataFrame) || !v.mgr) throw new PickleError(`the pickle holds a ${describe(v)}, expected a pandas DataFrame`);
  const mgr = v.mgr;
  if (mgr.axes.length !== 2) throw new PickleError('DataFrame block manager does not have two axes');
  const [items, index] = mgr.axes;
  const nCols = items.length;
  const nRows = index.length;
  if (!Number.isSafeInteger(nRows) || nRows < 0) throw new PickleError(`DataFrame row index of length ${nRows}`);
  if (!Number.isSafeInteger(nCols) || nCols < 0) throw new PickleError(`DataFrame column index of length ${nCols}`);
  // Every column comes from a block: more columns than the blocks place is corrupt, and a range index could
  // otherwise claim any number of them.
  const placed = mgr.blocks.reduce((a, b) => a + b.placement.length, 0);
  if (nCols > placed) throw new PickleError(`the DataFrame lists ${nCols} columns but its blocks hold ${placed}`);
  const columns: string[] = [];
  for (let i = 0; i < nCols; i++) {
    const c = items.get(i);
    columns.push(nameText(c));
  }
  const data: (ArrayLike<unknown> | undefined)[] = new Array(nCols);
  for (const b of mgr.blocks) {
    const a = b.values;
    const k = b.placement.length;
    const shape = a.shape.length === 1 ? [1, a.shape[0]] : a.shape;
    if (shape.length !== 2 || shape[0] !== k || shape[1] !== nRows) {
      throw new PickleError(`block of shape (${a.shape.join(', ')}) does not match ${k} column(s) × ${nRows} rows`);
    }
    b.placement.forEach((col, j) => {
      if (col < 0 || col >= nCols) throw new PickleError('block placement outside the column range');
      data[col] = columnOf(a, j, k, nRows);
    });
  }
  const missing = data.findIndex((d) => d === undefined);
  if (missing >= 0 && nCols > 0) throw new PickleError(`no block holds column '${columns[missing]}'`);
  const cols = data as ArrayLike<unknown>[];
  return {
    columns,
    nRows,
    column: (i) => {
      const d = cols[i];
      return d instanceof Float64Array ? d : Array.from(d, (v) => decoded(v, 4));
    },
  };
}

/** A column label as text; nested or cyclic labels (only a corrupt pickle has them) are cut short. */
function nameText(v: unknown, depth = 0): string {
  if (v === null || v === undefined) return '';
  if (v instanceof PyText) return v.toString();
  if (typeof v !== 'object') return String(v);
  if (Array.isArray(v)) return depth < 4 ? v.slice(0, 100).map((x) => nameText(x, depth + 1)).join(',') : '…';
  return describe(v);
}

function columnOf(a: NDArray, j: number, k: number, n: number): ArrayLike<unknown> {
  const d = a.data;
  if (!a.fortran) {
    if (d instanceof Float64Array) return d.subarray(j * n, (j + 1) * n);
    return Array.prototype.slice.call(d, j * n, (j + 1) * n);
  }
  const out = new Array<unknown>(n);
  for (let r = 0; r < n; r++) out[r] = d[r * k + j];
  return out;
}
