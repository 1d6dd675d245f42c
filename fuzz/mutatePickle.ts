/** Mutators for pickles: opcodes, their arguments, strings and array data. */
import type { Rng } from '../src/core/rng.js';
import { bombValue } from './pickleBombs.js';
import { INTERESTING_FLOATS, concat, splice, pick, interestingInt, intBytes, floatBytes, applyGeneric, weighted, type Bytes, type Context } from './mutateCommon.js';

type ArgKind = 'none' | 'u1' | 'u2' | 'i4' | 'f8' | 'u8' | 'len1' | 'len4' | 'len8' | 'line' | 'line2';

/** Argument layout of every pickle opcode (protocols 0–5). */
const OPCODES: Record<number, ArgKind> = {};
for (const c of '(.012N)tl]ae}dsu' + 'Rb') OPCODES[c.charCodeAt(0)] = 'none';
for (const o of [0x88, 0x89, 0x85, 0x86, 0x87, 0x8f, 0x90, 0x91, 0x93, 0x81, 0x92, 0x94, 0x98, 0x97, 0x51, 0x6f]) OPCODES[o] = 'none';
for (const o of [0x80, 0x4b, 0x71, 0x68, 0x82]) OPCODES[o] = 'u1';
for (const o of [0x4d, 0x83]) OPCODES[o] = 'u2';
for (const o of [0x4a, 0x72, 0x6a, 0x84]) OPCODES[o] = 'i4';
OPCODES[0x47] = 'f8';
OPCODES[0x95] = 'u8';
for (const o of [0x8c, 0x55, 0x43, 0x8a]) OPCODES[o] = 'len1';
for (const o of [0x58, 0x54, 0x42, 0x8b]) OPCODES[o] = 'len4';
for (const o of [0x8d, 0x8e, 0x96]) OPCODES[o] = 'len8';
for (const c of 'ILFpgPSV') OPCODES[c.charCodeAt(0)] = 'line';
for (const c of 'ci') OPCODES[c.charCodeAt(0)] = 'line2';
const ALL_OPCODES = Object.keys(OPCODES).map(Number);

export interface PickleOp {
  pos: number;
  op: number;
  kind: ArgKind;
  /** Start of the argument (length prefix included). */
  arg: number;
  end: number;
}

/** Split a pickle into opcodes; stops at the first byte it cannot decode. */
export function pickleOps(b: Bytes): PickleOp[] {
  const ops: PickleOp[] = [];
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let pos = 0;
  while (pos < b.length) {
    const op = b[pos];
    const kind = OPCODES[op];
    if (kind === undefined) break;
    const arg = pos + 1;
    let end: number;
    switch (kind) {
      case 'none':
        end = arg;
        break;
      case 'u1':
        end = arg + 1;
        break;
      case 'u2':
        end = arg + 2;
        break;
      case 'i4':
        end = arg + 4;
        break;
      case 'f8':
      case 'u8':
        end = arg + 8;
        break;
      case 'len1':
        end = arg + 1 + (arg < b.length ? b[arg] : 0);
        break;
      case 'len4':
        end = arg + 4 + (arg + 4 <= b.length ? dv.getUint32(arg, true) : 0);
        break;
      case 'len8':
        end = arg + 8 + (arg + 8 <= b.length ? Number(dv.getBigUint64(arg, true)) : 0);
        break;
      case 'line':
      case 'line2': {
        let e = b.indexOf(0x0a, arg);
        if (e >= 0 && kind === 'line2') e = b.indexOf(0x0a, e + 1);
        end = e < 0 ? b.length + 1 : e + 1;
        break;
      }
    }
    if (end > b.length) break;
    ops.push({ pos, op, kind, arg, end });
    pos = end;
    if (op === 0x2e) break;
  }
  return ops;
}

/** Names a pickle may refer to: allowed and refused globals. */
const PICKLE_GLOBALS: readonly string[] = [
  'numpy', 'ndarray', 'dtype', 'numpy.core.multiarray', 'numpy._core.multiarray', '_reconstruct', 'scalar', 'numpy.core.numeric', '_frombuffer',
  'pandas.core.frame', 'DataFrame', 'pandas.core.internals.managers', 'BlockManager', 'pandas._libs.internals', '_unpickle_block',
  'pandas.core.indexes.base', '_new_Index', 'Index', 'pandas.core.indexes.range', 'RangeIndex', 'builtins', 'slice', '__builtin__', '_codecs',
  'encode', 'os', 'system', 'posix', 'eval', 'getattr',
];

/** Values a pickle holds: dtype codes, state keys, column names, cells. */
const PICKLE_VALUES: readonly string[] = [
  'f8', 'f4', 'f2', 'f16', '<f8', '>f8', '|b1', 'b1', '?', 'i1', 'i2', 'i4', 'i8', '>i8', 'u1', 'u8', 'O8', 'O', 'U', '<U1', '<U8', '>U2', 'S1',
  'S8', 'M8[ns]', 'm8', 'V8', 'c16', 'x', '', '<', '>', '|', '=', 'C', 'F', 'latin1', 'utf8', '_mgr', '_data', 'data', 'name', 'start', 'stop',
  'step', '0.14.1', 'axes', 'blocks', 'values', 'mgr_locs', 'attrs', 'query_id', 'model_id', 'accuracy', 'sample_id', 'prompt', 'eval_name',
  'x|total_cost', "['\\U0011ffff']", 'A'.repeat(300), 'mmlu', 'mmlu.test.1', 'gpt-4-1106-preview', 'gpt-4-1106-preview|total_cost',
  'oracle_model_to_route_to', '0.5', 'NaN', "['a', 'b']", '[', "['\\x4']", 'Unnamed: 0',
];

const pickleString = (rng: Rng): string => (rng.next() < 0.25 ? pick(rng, PICKLE_GLOBALS) : pick(rng, PICKLE_VALUES));

function encodeUnicodeOp(s: string): Bytes {
  const data = Buffer.from(s, 'utf8');
  if (data.length < 256) return concat(Uint8Array.of(0x8c, data.length), data);
  return concat(Uint8Array.of(0x58), intBytes(data.length, 4, true), data);
}

/** A complete random opcode with an interesting argument. */
function randomPickleOp(rng: Rng, n: number): Bytes {
  const r = rng.next();
  if (r < 0.15) return encodeUnicodeOp(pickleString(rng));
  if (r < 0.25) return concat(Uint8Array.of(0x4a), intBytes(interestingInt(rng, n), 4, true));
  if (r < 0.32) return Uint8Array.of(0x4b, rng.int(256));
  if (r < 0.38) return Uint8Array.of(0x68, rng.int(64));
  if (r < 0.42) return concat(Uint8Array.of(0x47), floatBytes(pick(rng, INTERESTING_FLOATS), false));
  if (r < 0.47) {
    const len = pick(rng, [0, 1, 7, 8, 9, 16]);
    return concat(Uint8Array.of(0x8a, len), Uint8Array.from({ length: len }, () => rng.int(256)));
  }
  if (r < 0.52) {
    const len = pick(rng, [0, 1, 3, 8, 16, 24, 48]);
    return concat(Uint8Array.of(0x43, len), Uint8Array.from({ length: len }, () => rng.int(256)));
  }
  return Uint8Array.of(pick(rng, [0x28, 0x74, 0x29, 0x85, 0x86, 0x87, 0x5d, 0x7d, 0x4e, 0x88, 0x89, 0x93, 0x52, 0x81, 0x62, 0x94, 0x32, 0x30, 0x31, 0x61, 0x65, 0x73, 0x75, 0x6c, 0x64, 0x2e, 0x98]));
}

const PICKLE_OPS: Record<string, (b: Bytes, ops: PickleOp[], rng: Rng) => Bytes | null> = {
  substitute(b, ops, rng) {
    const o = pick(rng, ops);
    const out = b.slice();
    out[o.pos] = pick(rng, ALL_OPCODES);
    return out;
  },
  arg(b, ops, rng) {
    const cands = ops.filter((o) => o.kind !== 'none' && o.kind !== 'line' && o.kind !== 'line2');
    if (cands.length === 0) return null;
    const o = pick(rng, cands);
    const v = interestingInt(rng, b.length);
    switch (o.kind) {
      case 'u1':
      case 'len1':
        return splice(b, o.arg, 1, intBytes(v, 1, true));
      case 'u2':
        return splice(b, o.arg, 2, intBytes(v, 2, true));
      case 'i4':
      case 'len4':
        return splice(b, o.arg, 4, intBytes(v, 4, true));
      case 'f8':
        return splice(b, o.arg, 8, floatBytes(pick(rng, INTERESTING_FLOATS), false));
      default:
        return splice(b, o.arg, 8, intBytes(v, 8, true));
    }
  },
  delete(b, ops, rng) {
    const o = pick(rng, ops);
    return splice(b, o.pos, o.end - o.pos);
  },
  duplicate(b, ops, rng) {
    const o = pick(rng, ops);
    const copy = b.slice(o.pos, o.end);
    return splice(b, pick(rng, ops).pos, 0, copy);
  },
  move(b, ops, rng) {
    const o = pick(rng, ops);
    const copy = b.slice(o.pos, o.end);
    const without = splice(b, o.pos, o.end - o.pos);
    const to = Math.min(without.length, pick(rng, ops).pos);
    return splice(without, to, 0, copy);
  },
  insert(b, ops, rng) {
    return splice(b, pick(rng, ops).pos, 0, randomPickleOp(rng, b.length));
  },
  string(b, ops, rng) {
    const cands = dataStrings(ops, rng, [0x8c, 0x58, 0x55, 0x54]);
    if (cands.length === 0) return null;
    const o = pick(rng, cands);
    return splice(b, o.pos, o.end - o.pos, encodeUnicodeOp(pickleString(rng)));
  },
  bytes(b, ops, rng) {
    const cands = ops.filter((o) => (o.op === 0x43 || o.op === 0x42 || o.op === 0x8e) && o.end > o.arg);
    if (cands.length === 0) return null;
    const o = pick(rng, cands);
    const head = o.op === 0x43 ? 1 : o.op === 0x42 ? 4 : 8;
    const start = o.arg + head;
    const len = o.end - start;
    if (len <= 0) return null;
    const r = rng.next();
    if (r < 0.5 && len >= 8) {
      // Overwrite one element of the array data (doubles or int64s).
      const at = start + 8 * rng.int(Math.floor(len / 8));
      const val = rng.next() < 0.5 ? floatBytes(pick(rng, INTERESTING_FLOATS), true) : intBytes(interestingInt(rng, b.length), 8, true);
      return splice(b, at, 8, val);
    }
    if (r < 0.75) {
      // Change the data length and keep the prefix consistent.
      const newLen = Math.max(0, len + pick(rng, [-8, -1, 1, 8, -len]));
      const data = concat(b.slice(start, start + Math.min(len, newLen)), new Uint8Array(Math.max(0, newLen - len)));
      const prefix = o.op === 0x43 && newLen < 256 ? Uint8Array.of(0x43, newLen) : concat(Uint8Array.of(0x42), intBytes(newLen, 4, true));
      return splice(b, o.pos, o.end - o.pos, concat(prefix, data));
    }
    const out = b.slice();
    out[start + rng.int(len)] = rng.int(256);
    return out;
  },
  widen(b, ops, rng) {
    // BININT1 → BININT with an interesting value (negative numbers, sizes, indices).
    const cands = ops.filter((o) => o.op === 0x4b || o.op === 0x4d);
    if (cands.length === 0) return null;
    const o = pick(rng, cands);
    return splice(b, o.pos, o.end - o.pos, concat(Uint8Array.of(0x4a), intBytes(interestingInt(rng, b.length), 4, true)));
  },
  intval(b, ops, rng) {
    // Integer values (shapes, placements, counts, range bounds) rather than length prefixes.
    const cands = ops.filter((o) => o.op === 0x4b || o.op === 0x4d || o.op === 0x4a);
    if (cands.length === 0) return null;
    const o = pick(rng, cands);
    const width = o.op === 0x4b ? 1 : o.op === 0x4d ? 2 : 4;
    const v = rng.next() < 0.5 ? pick(rng, [0, 1, 2, 3, 5, 6, 7, 255, -1]) : interestingInt(rng, b.length);
    return splice(b, o.arg, width, intBytes(v, width as 1 | 2 | 4, true));
  },
  swapstrings(b, ops, rng) {
    // Exchange two strings of the stream (column names, ids, dtype codes, state keys): structure intact.
    const cands = dataStrings(ops, rng, [0x8c, 0x58]);
    if (cands.length < 2) return null;
    const a = pick(rng, cands);
    const c = pick(rng, cands);
    if (a === c) return null;
    const [first, second] = a.pos < c.pos ? [a, c] : [c, a];
    return concat(b.subarray(0, first.pos), b.subarray(second.pos, second.end), b.subarray(first.end, second.pos), b.subarray(first.pos, first.end), b.subarray(second.end));
  },
  truncateop(b, ops, rng) {
    return b.slice(0, pick(rng, ops).pos);
  },
  bomb(b, ops, rng) {
    // A value (cell, name, key, count) becomes a shared DAG or a huge integer: work bombs for the decoder.
    const cands = ops.filter((o) => VALUE_OPS.has(o.op));
    if (cands.length === 0) return null;
    const o = pick(rng, cands);
    return splice(b, o.pos, o.end - o.pos, bombValue(rng).bytes);
  },
};

/** Opcodes that push one plain value (strings, integers, None). */
const VALUE_OPS = new Set([0x8c, 0x58, 0x55, 0x54, 0x4b, 0x4d, 0x4a, 0x8a, 0x4e, 0x88, 0x89]);

const MEMO_OPS = new Set([0x94, 0x71, 0x72]);

/**
 * String opcodes to edit. Mostly the data strings: a module or name read by STACK_GLOBAL, once edited, only
 * makes the reader refuse the global, which the edits reach often enough when they include those too.
 */
export function dataStrings(ops: PickleOp[], rng: Rng, kinds: number[]): PickleOp[] {
  const all = ops.filter((o) => kinds.includes(o.op));
  if (rng.next() < 0.15) return all;
  const next = (i: number): number => {
    let j = i + 1;
    while (j < ops.length && MEMO_OPS.has(ops[j].op)) j++;
    return j;
  };
  const isGlobalName = new Set<PickleOp>();
  ops.forEach((o, i) => {
    if (!kinds.includes(o.op)) return;
    const j = next(i);
    if (j < ops.length && ops[j].op === 0x93) isGlobalName.add(o);
    else if (j < ops.length && kinds.includes(ops[j].op)) {
      const k = next(j);
      if (k < ops.length && ops[k].op === 0x93) isGlobalName.add(o);
    }
  });
  return all.filter((o) => !isGlobalName.has(o));
}

/** Relative weights: edits that keep the opcode structure reach the DataFrame code, so they come more often. */
const PICKLE_WEIGHTS: Record<string, number> = {
  substitute: 1,
  arg: 1,
  delete: 1,
  duplicate: 1,
  move: 0.5,
  insert: 1,
  string: 3,
  bytes: 3,
  widen: 1,
  intval: 3,
  swapstrings: 2,
  truncateop: 0.5,
  bomb: 1,
};

export function mutatePickle(b: Bytes, rng: Rng, ctx: Context): Bytes {
  const ops = pickleOps(b);
  if (ops.length < 2) return applyGeneric(b, rng, ctx);
  const name = weighted(rng, PICKLE_WEIGHTS);
  ctx.ops.push(`pickle:${name}`);
  const out = PICKLE_OPS[name](b, ops, rng);
  if (!out) return applyGeneric(b, rng, ctx);
  return rng.next() < 0.9 ? fixFrame(out) : out;
}

/** Stretch or shrink the first FRAME to the rest of the data, so an edit that changes lengths is not caught by it. */
function fixFrame(b: Bytes): Bytes {
  const ops = pickleOps(b);
  const f = ops.find((o) => o.op === 0x95);
  if (!f) return b;
  return splice(b, f.arg, 8, intBytes(b.length - f.end, 8, true));
}
