/**
 * The allow-list of numpy and pandas globals a pickle may name, each emulated as plain data (arrays,
 * indexes, blocks, frames), and the numpy helpers they share. Nothing named by a stream is ever called.
 */
import { describe, NDArray, PdBlock, PdBlockManager, PdDataFrame, PdIndex, PendingObject, PickleError, PyGlobal, PySlice, PyText, type DType, type PyValue } from './pickleValues.js';

/** Per-pickle limits shared by the handlers. */
export interface DecodeContext {
  /** Size of the pickle in bytes. */
  size: number;
  /** Block placement entries built so far (memo references can reuse one slice for many blocks). */
  placed: number;
  /** Work allowed for decoding one column of a frame built from this pickle. */
  decodeBudget: { steps: number; perByte: number };
}

type Handler = {
  call?: (args: PyValue[], at: number, ctx: DecodeContext) => PyValue;
  newobj?: (args: PyValue[], at: number, ctx: DecodeContext) => PyValue;
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
  newobj: (_args, _at, ctx) => {
    const df = new PdDataFrame();
    df.decodeBudget = ctx.decodeBudget;
    return new PendingObject('DataFrame', df);
  },
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

export const ALLOWED = new Map<string, Handler>([
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

/** The globals a pickle may name; the refusal message names only the global at fault, tests check the list. */
export const ALLOWED_GLOBALS: readonly string[] = [...ALLOWED.keys()];

export function lookupGlobal(module: string, name: string, at: number): PyGlobal {
  // Python 2 pickles name `__builtin__`; numpy 2 moved `numpy.core` to `numpy._core` (both listed).
  const mod = module === '__builtin__' ? 'builtins' : module;
  const q = `${mod}.${name}`;
  if (!ALLOWED.has(q)) {
    // other pandas globals come from extension-dtype columns (categorical, string, nullable arrays)
    const hint = mod.startsWith('pandas.') || mod === 'pandas'
      ? '; pandas extension dtypes (category, string, nullable Int64/Float64/boolean) are not read: store such columns as numpy dtypes (astype(object) or astype(float)) before pickling'
      : '';
    throw new PickleError(
      `refusing to load: the pickle refers to '${q}', which is not one of the numpy/pandas constructors this reader allows ` +
        `(a pickle naming arbitrary globals can run code when loaded in Python)${hint}`,
      at,
    );
  }
  return new PyGlobal(q);
}

// ---- numpy helpers ---------------------------------------------------------------------------------------

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

export function buildArray(a: NDArray, state: unknown, at: number): void {
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

export function buildDType(d: DType, state: unknown, at: number): void {
  // (version, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata])
  if (!Array.isArray(state) || state.length < 8) throw new PickleError('bad numpy dtype state', at);
  const order = state[1];
  if (order === '>') d.littleEndian = false;
  else if (order === '<' || order === '|' || order === '=') d.littleEndian = true;
  if (state[3] !== null) throw new PickleError('structured numpy dtypes are not supported', at);
  const elsize = state[5];
  if (typeof elsize === 'number' && elsize > 0 && (d.kind === 'U' || d.kind === 'S')) d.itemsize = elsize;
}

export function buildBlockManager(mgr: PdBlockManager, state: unknown, at: number, ctx: DecodeContext): void {
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

export function buildDataFrame(df: PdDataFrame, state: unknown, at: number): void {
  if (!(state instanceof Map)) throw new PickleError('bad DataFrame state', at);
  const mgr = state.get('_mgr') ?? state.get('_data');
  if (!(mgr instanceof PdBlockManager)) throw new PickleError('DataFrame without a block manager', at);
  df.mgr = mgr;
}
