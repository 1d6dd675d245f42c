/**
 * Deterministic, seeded mutators for the loader fuzzer. Generic byte-level edits (bit flips, byte
 * insert/delete, chunk duplicate/truncate, splices of interesting values) plus structure-aware edits per
 * format: CSV/TSV/JSONL cells and headers, pickle opcodes and their arguments, Arrow message and footer
 * lengths, Parquet thrift fields (footer and page headers), pg_dump COPY lines. Structure-aware edits keep
 * most of the file intact so the input gets past the first sanity checks and into the deeper code.
 * A mutator that cannot find the structure it edits falls back to a generic edit.
 */
import { Rng } from '../src/data/rng.js';
import type { FuzzFormat } from './seeds.js';

type Bytes = Uint8Array;

/** Text values that stress parsers and range checks. */
export const INTERESTING_TEXT: readonly string[] = [
  '', ' ', '0', '-0', '-1', '1', '2', '0.5', '1.0000000000000002', '1e308', '-1e308', '1e309', '-1e999', '5e-324', '1e-400',
  '9'.repeat(400), '0x1f', '1_000', '+.5', '.', 'e5', '1e', '٣', 'NaN', 'nan', '-inf', 'Inf', 'Infinity', 'null', 'None', 'true',
  'false', '\\N', '\\.', '\\', '\\x', '\\xZZ', '\\777', '\\0', '"', '""', '"a,b"', "'", ',', ';', '|', '\t', '\n', '\r', '\r\n',
  '\u0000', '\ufeff', '\ud800', '\udfff', '\u2028', 'é', '😀', "['\\U0011ffff']", "['\\U00110000', 'x']", "['\\ud800']", "['a\\",
  "['\\x']", '[]', "['']", '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'query_id', 'model_id', 'accuracy',
  'sample_id', 'task', 'eval_name', 'prompt', 'x|accuracy', 'x|total_cost', '|', 'COPY', 'COPY x FROM stdin;', '-- comment',
  'A'.repeat(5000), 'B'.repeat(70_000), 'ab'.repeat(3000) + '\n', '2147483648', '-2147483649', '9007199254740993',
  '18446744073709551616', '1' + '0'.repeat(30), ' '.repeat(100_000), '\t \t'.repeat(20_000),
];

/** Long runs of whitespace: regular expressions with two adjacent whitespace loops take quadratic time on them. */
const LONG_SPACE = (rng: Rng): string => (rng.next() < 0.5 ? ' ' : '\t').repeat(50_000 + rng.int(100_000));

/** Integers that sit on width, sign and length boundaries. */
const INTERESTING_INTS: readonly number[] = [
  0, 1, 2, 3, 7, 8, 15, 16, 31, 32, 63, 64, 100, 127, 128, 255, 256, 511, 1023, 1024, 4096, 32767, 32768, 65535, 65536,
  0x7fffff, 0xffffff, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000, 2 ** 40, 2 ** 53 - 1, 2 ** 53, -1, -2, -128, -129, -32768,
  -0x80000000, 1e6, 1e9,
];

const INTERESTING_FLOATS: readonly number[] = [Number.NaN, Infinity, -Infinity, -1, -0, 0, 1, 2, 0.5, 1e308, -1e308, 5e-324, 1e16, 2 ** 53 + 2];

const latin1 = (b: Bytes): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
const fromLatin1 = (s: string): Bytes => new Uint8Array(Buffer.from(s, 'latin1'));
/** UTF-8 bytes of `s` as a latin1 string, so text edits can work on byte-exact strings. */
const u8s = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

function concat(...parts: Bytes[]): Bytes {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function splice(b: Bytes, at: number, del: number, ins: Bytes = new Uint8Array(0)): Bytes {
  return concat(b.subarray(0, at), ins, b.subarray(Math.min(b.length, at + del)));
}

const pick = <T>(rng: Rng, a: readonly T[]): T => a[rng.int(a.length)];

function interestingInt(rng: Rng, fileLength: number): number {
  const r = rng.next();
  if (r < 0.15) return fileLength + rng.int(9) - 4;
  if (r < 0.25) return rng.int(64);
  const v = pick(rng, INTERESTING_INTS);
  return rng.next() < 0.2 ? v + rng.int(3) - 1 : v;
}

/** `v` as `width` bytes, two's complement, little or big endian. */
function intBytes(v: number, width: 1 | 2 | 4 | 8, le: boolean): Bytes {
  const out = new Uint8Array(width);
  const dv = new DataView(out.buffer);
  const big = BigInt.asIntN(64, BigInt(Math.trunc(v)));
  if (width === 1) dv.setUint8(0, Number(big & 0xffn));
  else if (width === 2) dv.setUint16(0, Number(big & 0xffffn), le);
  else if (width === 4) dv.setUint32(0, Number(big & 0xffffffffn), le);
  else dv.setBigInt64(0, big, le);
  return out;
}

function floatBytes(v: number, le: boolean, width: 4 | 8 = 8): Bytes {
  const out = new Uint8Array(width);
  const dv = new DataView(out.buffer);
  if (width === 8) dv.setFloat64(0, v, le);
  else dv.setFloat32(0, v, le);
  return out;
}

// ---- generic byte mutators --------------------------------------------------------------------------------

type Mutator = (b: Bytes, rng: Rng, ctx: Context) => Bytes;

interface Context {
  /** Other seeds of the same format, for splicing. */
  donors: readonly Bytes[];
  /** Names of the edits applied so far (reported with failing inputs). */
  ops: string[];
}

const GENERIC: Record<string, Mutator> = {
  bitflip(b, rng) {
    if (b.length === 0) return b;
    const out = b.slice();
    const k = 1 + rng.int(8);
    for (let i = 0; i < k; i++) out[rng.int(out.length)] ^= 1 << rng.int(8);
    return out;
  },
  setbyte(b, rng) {
    if (b.length === 0) return b;
    const out = b.slice();
    out[rng.int(out.length)] = pick(rng, [0, 0xff, 0x7f, 0x80, 0x0a, 0x0d, 0x09, 0x22, 0x2c, 0x5c, 0x2e, 0x28, 0x01, 0xfe]);
    return out;
  },
  insertbytes(b, rng) {
    const k = 1 + rng.int(16);
    const ins = new Uint8Array(k);
    for (let i = 0; i < k; i++) ins[i] = rng.int(256);
    return splice(b, rng.int(b.length + 1), 0, ins);
  },
  deletebytes(b, rng) {
    if (b.length === 0) return b;
    const at = rng.int(b.length);
    return splice(b, at, 1 + rng.int(Math.min(64, b.length - at)));
  },
  dupchunk(b, rng) {
    if (b.length === 0) return b;
    const at = rng.int(b.length);
    const len = 1 + rng.int(Math.min(4096, b.length - at));
    const chunk = b.slice(at, at + len);
    const reps = rng.next() < 0.8 ? 1 : 2 + rng.int(8);
    const parts: Bytes[] = [];
    for (let i = 0; i < reps; i++) parts.push(chunk);
    return splice(b, rng.next() < 0.5 ? at : rng.int(b.length + 1), 0, concat(...parts));
  },
  truncate(b, rng) {
    return b.length === 0 ? b : b.slice(0, rng.int(b.length));
  },
  text(b, rng) {
    const v = fromLatin1(u8s(pick(rng, INTERESTING_TEXT)));
    const at = rng.int(b.length + 1);
    return splice(b, at, rng.next() < 0.5 ? 0 : rng.int(Math.min(16, b.length - at) + 1), v);
  },
  int(b, rng) {
    if (b.length === 0) return b;
    const width = pick(rng, [1, 2, 4, 8] as const);
    const at = rng.next() < 0.5 ? rng.int(b.length) : Math.floor(rng.int(b.length) / width) * width;
    return splice(b, at, width, intBytes(interestingInt(rng, b.length), width, rng.next() < 0.8));
  },
  float(b, rng) {
    if (b.length < 8) return b;
    const at = Math.floor(rng.int(b.length - 7) / 8) * 8;
    return splice(b, at, 8, floatBytes(pick(rng, INTERESTING_FLOATS), rng.next() < 0.8));
  },
  crossover(b, rng, ctx) {
    if (ctx.donors.length === 0) return b;
    const d = pick(rng, ctx.donors);
    const cut = rng.int(b.length + 1);
    const from = rng.int(d.length + 1);
    return concat(b.subarray(0, cut), d.subarray(from));
  },
};

function applyGeneric(b: Bytes, rng: Rng, ctx: Context): Bytes {
  const names = Object.keys(GENERIC);
  const name = pick(rng, names);
  ctx.ops.push(name);
  return GENERIC[name](b, rng, ctx);
}

// ---- delimited text and JSON Lines ----------------------------------------------------------------------

function delimiterOf(s: string): string {
  const nl = s.indexOf('\n');
  const head = nl < 0 ? s : s.slice(0, nl);
  return head.includes('\t') && !head.includes(',') ? '\t' : ',';
}

const TEXT_OPS: Record<string, (lines: string[], rng: Rng, d: string) => string[]> = {
  cell(lines, rng, d) {
    const i = lines.length > 1 && rng.next() < 0.9 ? 1 + rng.int(lines.length - 1) : 0;
    const cells = lines[i].split(d);
    let v = u8s(pick(rng, INTERESTING_TEXT));
    if (rng.next() < 0.2) v = `"${v.replaceAll('"', '""')}"`;
    cells[rng.int(cells.length)] = v;
    lines[i] = cells.join(d);
    return lines;
  },
  header(lines, rng, d) {
    const cells = lines[0].split(d);
    const c = rng.int(cells.length);
    const r = rng.next();
    if (r < 0.3) cells[c] = cells[rng.int(cells.length)];
    else if (r < 0.5) cells.splice(c, 1);
    else if (r < 0.65) cells[c] = ` ${cells[c].toUpperCase()} `;
    else if (r < 0.8) cells.splice(c, 0, pick(rng, ['query_id', 'model_id', 'accuracy', 'task', 'sample_id', 'x|accuracy', 'm|total_cost', 'accuracy_decoded', 'energy_j', '']));
    else cells[c] = u8s(pick(rng, INTERESTING_TEXT));
    lines[0] = cells.join(d);
    return lines;
  },
  raggedcell(lines, rng, d) {
    const i = rng.int(lines.length);
    const cells = lines[i].split(d);
    if (rng.next() < 0.5 && cells.length > 1) cells.splice(rng.int(cells.length), 1);
    else cells.splice(rng.int(cells.length + 1), 0, u8s(pick(rng, INTERESTING_TEXT)));
    lines[i] = cells.join(d);
    return lines;
  },
  swapcells(lines, rng, d) {
    const a = rng.int(lines.length);
    const b = rng.int(lines.length);
    const ca = lines[a].split(d);
    const cb = a === b ? ca : lines[b].split(d);
    const i = rng.int(ca.length);
    const j = rng.int(cb.length);
    [ca[i], cb[j]] = [cb[j], ca[i]];
    lines[a] = ca.join(d);
    lines[b] = cb.join(d);
    return lines;
  },
  dupline(lines, rng) {
    const i = rng.int(lines.length);
    lines.splice(rng.int(lines.length + 1), 0, ...Array.from({ length: rng.next() < 0.9 ? 1 : 2 + rng.int(50) }, () => lines[i]));
    return lines;
  },
  delline(lines, rng) {
    lines.splice(rng.int(lines.length), 1);
    return lines;
  },
  swaplines(lines, rng) {
    const a = rng.int(lines.length);
    const b = rng.int(lines.length);
    [lines[a], lines[b]] = [lines[b], lines[a]];
    return lines;
  },
  blankline(lines, rng, d) {
    lines.splice(rng.int(lines.length + 1), 0, pick(rng, ['', ' ', '\r', d.repeat(3)]));
    return lines;
  },
  quote(lines, rng, d) {
    const i = rng.int(lines.length);
    const cells = lines[i].split(d);
    const c = rng.int(cells.length);
    const r = rng.next();
    if (r < 0.4) cells[c] = `"${cells[c]}${pick(rng, ['\n', d, '""', '\r\n', ''])}${cells[c]}"`;
    else if (r < 0.65) cells[c] = `"${cells[c]}`;
    else if (r < 0.9) cells[c] = `${cells[c]}"x`;
    else cells[c] = rng.next() < 0.5 ? `"${LONG_SPACE(rng)}"x` : `${LONG_SPACE(rng)}"x`;
    lines[i] = cells.join(d);
    return lines;
  },
  spread(lines, rng, d) {
    // Many rows that each name a new query and a new model: a small file describing a huge, nearly empty table.
    if (lines.length < 2) return lines;
    const head = lines[0].split(d).map((c) => c.trim().toLowerCase());
    const qi = Math.max(0, head.indexOf('query_id'));
    const mi = head.indexOf('model_id') >= 0 ? head.indexOf('model_id') : 1;
    const row = lines[1 + rng.int(lines.length - 1)].split(d);
    const k = 500 + rng.int(4000);
    for (let i = 0; i < k; i++) {
      const r = row.slice();
      r[qi] = `sq${i}`;
      if (mi < r.length) r[mi] = `sm${i}`;
      lines.push(r.join(d));
    }
    return lines;
  },
  lineends(lines, rng) {
    const r = rng.next();
    return lines.map((l) => (r < 0.5 ? l + '\r' : l.replace(/\r$/, '')));
  },
};

function mutateDelimited(b: Bytes, rng: Rng, ctx: Context): Bytes {
  let s = latin1(b);
  const r = rng.next();
  if (r < 0.04) {
    ctx.ops.push('bom');
    return fromLatin1(u8s('\ufeff') + s);
  }
  if (r < 0.07) {
    ctx.ops.push('crlf');
    return fromLatin1(s.replaceAll('\n', rng.next() < 0.7 ? '\r\n' : '\r'));
  }
  const d = delimiterOf(s);
  const trailing = s.endsWith('\n');
  if (trailing) s = s.slice(0, -1);
  const lines = s.split('\n');
  const names = Object.keys(TEXT_OPS);
  const name = pick(rng, names);
  ctx.ops.push(`csv:${name}`);
  const out = TEXT_OPS[name](lines, rng, d);
  return fromLatin1(out.join('\n') + (trailing ? '\n' : ''));
}

const JSON_TOKENS: readonly string[] = [
  '1e400', '-1e400', '-0', '0', '1', '2', '-1', '0.5', '1e-400', '123456789012345678901234567890', '"1"', '"x"', '""', '" 1 "', '"NaN"',
  '"Infinity"', 'true', 'false', 'null', '[]', '[1]', '{}', '{"a":1}', '"\\u0000"', '"\\ud800"', '"' + 'x'.repeat(20000) + '"', 'NaN', '01',
];

function mutateJsonl(b: Bytes, rng: Rng, ctx: Context): Bytes {
  const s = latin1(b);
  const lines = s.split('\n');
  const idx = lines.map((l, i) => (l.trim().startsWith('{') ? i : -1)).filter((i) => i >= 0);
  if (idx.length === 0 || rng.next() < 0.3) return mutateDelimited(b, rng, ctx);
  const i = pick(rng, idx);
  let obj: Record<string, unknown>;
  try {
    obj = JSON.parse(Buffer.from(lines[i], 'latin1').toString('utf8')) as Record<string, unknown>;
  } catch {
    return applyGeneric(b, rng, ctx);
  }
  if (obj === null || typeof obj !== 'object') return applyGeneric(b, rng, ctx);
  const keys = Object.keys(obj);
  const r = rng.next();
  const HOLE = '\u0001hole\u0001';
  let raw: string | null = null;
  if (r < 0.55 && keys.length > 0) {
    ctx.ops.push('jsonl:value');
    obj[pick(rng, keys)] = HOLE;
    raw = pick(rng, JSON_TOKENS);
  } else if (r < 0.7 && keys.length > 0) {
    ctx.ops.push('jsonl:dropkey');
    delete obj[pick(rng, keys)];
  } else if (r < 0.85) {
    ctx.ops.push('jsonl:addkey');
    // defineProperty, so that '__proto__' becomes a key rather than the prototype.
    Object.defineProperty(obj, pick(rng, ['extra', 'accuracy', 'query_id', '__proto__', 'task', 'cost_usd', '']), { value: HOLE, enumerable: true, writable: true, configurable: true });
    raw = pick(rng, JSON_TOKENS);
  } else {
    ctx.ops.push('jsonl:renamekey');
    if (keys.length > 0) {
      const k = pick(rng, keys);
      obj[k.toUpperCase() + '_'] = obj[k];
      delete obj[k];
    }
  }
  let line = JSON.stringify(obj);
  if (raw !== null) line = line.replace(JSON.stringify(HOLE), raw);
  lines[i] = u8s(line);
  return fromLatin1(lines.join('\n'));
}

// ---- pickle -------------------------------------------------------------------------------------------------

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

interface PickleOp {
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
};

const MEMO_OPS = new Set([0x94, 0x71, 0x72]);

/**
 * String opcodes to edit. Mostly the data strings: a module or name read by STACK_GLOBAL, once edited, only
 * makes the reader refuse the global, which the edits reach often enough when they include those too.
 */
function dataStrings(ops: PickleOp[], rng: Rng, kinds: number[]): PickleOp[] {
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
};

function weighted(rng: Rng, weights: Record<string, number>): string {
  const names = Object.keys(weights);
  let r = rng.next() * names.reduce((a, k) => a + weights[k], 0);
  for (const k of names) {
    r -= weights[k];
    if (r < 0) return k;
  }
  return names[names.length - 1];
}

function mutatePickle(b: Bytes, rng: Rng, ctx: Context): Bytes {
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

// ---- Arrow IPC --------------------------------------------------------------------------------------------

interface ArrowMessage {
  /** Start of the message (continuation marker or length). */
  pos: number;
  /** Offset of the int32 metadata length. */
  lenPos: number;
  meta: number;
  metaLen: number;
  body: number;
  bodyLen: number;
  /** Offsets of int64 length fields inside the flatbuffer metadata (body length, row count, nodes, buffers). */
  ints: number[];
}

/** Absolute offset of field `f` of the flatbuffer table at `t`, or -1 when absent. */
function fbField(dv: DataView, t: number, f: number): number {
  const vt = t - dv.getInt32(t, true);
  const vtSize = dv.getUint16(vt, true);
  const o = 4 + 2 * f;
  if (o + 2 > vtSize) return -1;
  const fo = dv.getUint16(vt + o, true);
  return fo === 0 ? -1 : t + fo;
}

/** Offsets of the int64 fields of a record batch or dictionary batch message. */
function arrowMessageInts(dv: DataView, meta: number): { bodyLenPos: number; ints: number[] } {
  const root = meta + dv.getUint32(meta, true);
  const bodyLenPos = fbField(dv, root, 3);
  const ints: number[] = bodyLenPos >= 0 ? [bodyLenPos] : [];
  const headerType = fbField(dv, root, 1);
  const headerPos = fbField(dv, root, 2);
  if (headerType < 0 || headerPos < 0) return { bodyLenPos, ints };
  let rb = headerPos + dv.getUint32(headerPos, true);
  const type = dv.getUint8(headerType);
  if (type === 2) {
    // DictionaryBatch: id (long), data (RecordBatch)
    const id = fbField(dv, rb, 0);
    if (id >= 0) ints.push(id);
    const data = fbField(dv, rb, 1);
    if (data < 0) return { bodyLenPos, ints };
    rb = data + dv.getUint32(data, true);
  } else if (type !== 3) {
    return { bodyLenPos, ints };
  }
  const length = fbField(dv, rb, 0);
  if (length >= 0) ints.push(length);
  for (const f of [1, 2]) {
    // nodes: [FieldNode{length, null_count}], buffers: [Buffer{offset, length}] — 16-byte structs.
    const v = fbField(dv, rb, f);
    if (v < 0) continue;
    const vec = v + dv.getUint32(v, true);
    const n = dv.getUint32(vec, true);
    for (let i = 0; i < Math.min(n, 256); i++) ints.push(vec + 4 + 16 * i, vec + 12 + 16 * i);
  }
  return { bodyLenPos, ints };
}

export function arrowMessages(b: Bytes): { messages: ArrowMessage[]; footer: { pos: number; len: number; lenPos: number } | null } {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const isFile = latin1(b.subarray(0, 6)) === 'ARROW1';
  let pos = isFile ? 8 : 0;
  const messages: ArrowMessage[] = [];
  let footer: { pos: number; len: number; lenPos: number } | null = null;
  if (isFile && b.length >= 18 && latin1(b.subarray(b.length - 6)) === 'ARROW1') {
    const lenPos = b.length - 10;
    const len = dv.getInt32(lenPos, true);
    if (len > 0 && len <= lenPos) footer = { pos: lenPos - len, len, lenPos };
  }
  try {
    while (pos + 8 <= b.length && messages.length < 64) {
      let lenPos = pos;
      if (dv.getUint32(pos, true) === 0xffffffff) lenPos = pos + 4;
      const metaLen = dv.getInt32(lenPos, true);
      if (metaLen <= 0) break;
      const meta = lenPos + 4;
      if (meta + metaLen > b.length) break;
      const { bodyLenPos, ints } = arrowMessageInts(dv, meta);
      const bodyLen = bodyLenPos >= 0 ? Number(dv.getBigInt64(bodyLenPos, true)) : 0;
      const body = meta + metaLen;
      if (bodyLen < 0 || body + bodyLen > b.length) break;
      messages.push({ pos, lenPos, meta, metaLen, body, bodyLen, ints });
      pos = body + bodyLen;
      if (footer && pos >= footer.pos) break;
    }
  } catch {
    // A message whose flatbuffer points outside the file: keep the ones found so far.
  }
  return { messages, footer };
}

const ARROW_OPS: Record<string, (b: Bytes, a: ReturnType<typeof arrowMessages>, rng: Rng) => Bytes | null> = {
  metalen(b, a, rng) {
    if (a.messages.length === 0) return null;
    const m = pick(rng, a.messages);
    return splice(b, m.lenPos, 4, intBytes(interestingInt(rng, b.length), 4, true));
  },
  lengthfield(b, a, rng) {
    const ints = a.messages.flatMap((m) => m.ints).filter((p) => p >= 0 && p + 8 <= b.length);
    if (ints.length === 0) return null;
    const at = pick(rng, ints);
    const v = rng.next() < 0.3 ? Number(new DataView(b.buffer, b.byteOffset).getBigInt64(at, true)) + pick(rng, [-1, 1, 8, -8, 64]) : interestingInt(rng, b.length);
    return splice(b, at, 8, intBytes(v, 8, true));
  },
  metaint(b, a, rng) {
    if (a.messages.length === 0) return null;
    const m = pick(rng, a.messages);
    if (m.metaLen < 4) return null;
    const at = m.meta + 4 * rng.int(Math.floor(m.metaLen / 4));
    const width = rng.next() < 0.5 ? 4 : 2;
    return splice(b, at, width, intBytes(interestingInt(rng, b.length), width, true));
  },
  body(b, a, rng) {
    const withBody = a.messages.filter((m) => m.bodyLen >= 4);
    if (withBody.length === 0) return null;
    const m = pick(rng, withBody);
    const at = m.body + 4 * rng.int(Math.floor(m.bodyLen / 4));
    if (rng.next() < 0.5) return splice(b, at, 4, intBytes(interestingInt(rng, b.length), 4, true));
    if (at + 8 <= m.body + m.bodyLen) return splice(b, at, 8, floatBytes(pick(rng, INTERESTING_FLOATS), true));
    return null;
  },
  footerlen(b, a, rng) {
    if (!a.footer) return null;
    return splice(b, a.footer.lenPos, 4, intBytes(interestingInt(rng, b.length), 4, true));
  },
  footerint(b, a, rng) {
    if (!a.footer || a.footer.len < 8) return null;
    const at = a.footer.pos + 4 * rng.int(Math.floor(a.footer.len / 4) - 1);
    const width = pick(rng, [4, 8, 2] as const);
    return splice(b, at, width, intBytes(interestingInt(rng, b.length), width, true));
  },
  dropmessage(b, a, rng) {
    if (a.messages.length === 0) return null;
    const m = pick(rng, a.messages);
    return splice(b, m.pos, m.body + m.bodyLen - m.pos);
  },
  dupmessage(b, a, rng) {
    if (a.messages.length === 0) return null;
    const m = pick(rng, a.messages);
    const copy = b.slice(m.pos, m.body + m.bodyLen);
    return splice(b, m.body + m.bodyLen, 0, copy);
  },
  cutmessage(b, a, rng) {
    if (a.messages.length === 0) return null;
    const m = pick(rng, a.messages);
    return b.slice(0, rng.next() < 0.5 ? m.pos : m.meta + rng.int(m.metaLen + m.bodyLen));
  },
};

function mutateArrow(b: Bytes, rng: Rng, ctx: Context): Bytes {
  const a = arrowMessages(b);
  const name = pick(rng, Object.keys(ARROW_OPS));
  ctx.ops.push(`arrow:${name}`);
  return ARROW_OPS[name](b, a, rng) ?? applyGeneric(b, rng, ctx);
}

// ---- Parquet (thrift compact protocol) ---------------------------------------------------------------------

interface ThriftInt {
  /** Offset and byte length of the varint. */
  pos: number;
  len: number;
  /** zigzag: an i16/i32/i64 field; raw: a length or list size. */
  zigzag: boolean;
}

/** Record the varints of a thrift compact struct at `pos` (lengths and integers); returns the end offset. */
export function thriftInts(b: Bytes, pos: number, out: ThriftInt[], depth = 0): number {
  const varint = (zigzag: boolean): number => {
    const start = pos;
    let v = 0;
    let shift = 0;
    for (;;) {
      if (pos >= b.length) throw new RangeError('eof');
      const x = b[pos++];
      v += (x & 0x7f) * 2 ** shift;
      shift += 7;
      if (!(x & 0x80)) break;
      if (shift > 70) throw new RangeError('varint');
    }
    out.push({ pos: start, len: pos - start, zigzag });
    return v;
  };
  const value = (type: number): void => {
    switch (type) {
      case 1:
      case 2:
        return;
      case 3:
        pos++;
        return;
      case 4:
      case 5:
      case 6:
        varint(true);
        return;
      case 7:
        pos += 8;
        return;
      case 8:
        pos += varint(false);
        return;
      case 9:
      case 10: {
        if (pos >= b.length) throw new RangeError('eof');
        const h = b[pos];
        let n = h >> 4;
        const et = h & 0x0f;
        if (n === 15) {
          pos++;
          n = varint(false);
        } else {
          out.push({ pos, len: 1, zigzag: false });
          pos++;
        }
        if (n > 100_000) throw new RangeError('list');
        for (let i = 0; i < n; i++) value(et === 1 || et === 2 ? 3 : et);
        return;
      }
      case 12:
        if (depth > 32) throw new RangeError('depth');
        pos = thriftInts(b, pos, out, depth + 1);
        return;
      default:
        throw new RangeError(`type ${type}`);
    }
  };
  for (;;) {
    if (pos >= b.length) throw new RangeError('eof');
    const h = b[pos++];
    if (h === 0) return pos;
    if ((h >> 4) === 0) varint(true); // long-form field id
    value(h & 0x0f);
  }
}

/** Varint of `v` (zigzag for signed fields), padded with continuation bytes to at least `minLen` bytes. */
function encodeVarint(v: number, zigzag: boolean, minLen = 1): Bytes {
  let x = BigInt(Math.trunc(v));
  if (zigzag) x = x >= 0n ? x << 1n : (-x << 1n) - 1n;
  else if (x < 0n) x = BigInt.asUintN(64, x);
  const out: number[] = [];
  do {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  } while (x > 0n);
  while (out.length < minLen) out.push(0x80);
  out[out.length - 1] &= 0x7f;
  return Uint8Array.from(out);
}

interface ParquetLayout {
  footer: { pos: number; len: number } | null;
  footerInts: ThriftInt[];
  pageInts: ThriftInt[];
}

function parquetLayout(b: Bytes): ParquetLayout {
  const n = b.length;
  const empty: ParquetLayout = { footer: null, footerInts: [], pageInts: [] };
  if (n < 12 || latin1(b.subarray(n - 4)) !== 'PAR1') return empty;
  const len = new DataView(b.buffer, b.byteOffset).getInt32(n - 8, true);
  if (len <= 0 || len > n - 12) return empty;
  const footer = { pos: n - 8 - len, len };
  const footerInts: ThriftInt[] = [];
  try {
    thriftInts(b.subarray(0, n - 8), footer.pos, footerInts);
  } catch {
    // Partly readable footer: keep what was found.
  }
  // Page headers follow the magic and each page's data; walk them until the footer.
  const pageInts: ThriftInt[] = [];
  let pos = 4;
  try {
    while (pos < footer.pos && pageInts.length < 4096) {
      const ints: ThriftInt[] = [];
      const end = thriftInts(b.subarray(0, footer.pos), pos, ints);
      // PageHeader field 3 is compressed_page_size: the third zigzag int after the type and uncompressed size.
      const sizes = ints.filter((x) => x.zigzag);
      if (sizes.length < 3) break;
      const compressed = decodeZigzag(b, sizes[2]);
      pageInts.push(...ints);
      if (compressed < 0) break;
      pos = end + compressed;
    }
  } catch {
    // Stop at the first header that does not parse.
  }
  return { footer, footerInts, pageInts };
}

function decodeZigzag(b: Bytes, t: ThriftInt): number {
  let v = 0;
  for (let i = 0; i < t.len; i++) v += (b[t.pos + i] & 0x7f) * 2 ** (7 * i);
  return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
}

function replaceThriftInt(b: Bytes, t: ThriftInt, v: number, footer: { pos: number; len: number } | null, rng: Rng): Bytes {
  // Keep the byte length where possible (padded varints) so the rest of the file stays aligned.
  const enc = encodeVarint(v, t.zigzag, rng.next() < 0.8 ? t.len : 1);
  let out = splice(b, t.pos, t.len, enc);
  const delta = enc.length - t.len;
  if (delta !== 0 && footer && t.pos >= footer.pos) {
    const at = out.length - 8;
    out = splice(out, at, 4, intBytes(footer.len + delta, 4, true));
  }
  return out;
}

const PARQUET_OPS: Record<string, (b: Bytes, p: ParquetLayout, rng: Rng) => Bytes | null> = {
  footerint(b, p, rng) {
    if (p.footerInts.length === 0) return null;
    const t = pick(rng, p.footerInts);
    const r = rng.next();
    const v = r < 0.3 ? decodeZigzag(b, t) + pick(rng, [-1, 1, 2, -2, 100]) : interestingInt(rng, b.length);
    return replaceThriftInt(b, t, v, p.footer, rng);
  },
  pageint(b, p, rng) {
    if (p.pageInts.length === 0) return null;
    const t = pick(rng, p.pageInts);
    const v = rng.next() < 0.3 ? decodeZigzag(b, t) + pick(rng, [-1, 1, 8, -8]) : interestingInt(rng, b.length);
    return replaceThriftInt(b, t, v, p.footer, rng);
  },
  footerlen(b, p, rng) {
    if (b.length < 8) return null;
    return splice(b, b.length - 8, 4, intBytes(interestingInt(rng, b.length), 4, true));
  },
  footerbyte(b, p, rng) {
    if (!p.footer) return null;
    const out = b.slice();
    out[p.footer.pos + rng.int(p.footer.len)] = rng.next() < 0.5 ? rng.int(256) : pick(rng, [0, 0x15, 0x16, 0x18, 0x19, 0x1c, 0xff]);
    return out;
  },
  pagedata(b, p, rng) {
    if (!p.footer || p.footer.pos <= 12) return null;
    const at = 4 + rng.int(p.footer.pos - 12);
    if (rng.next() < 0.5) return splice(b, at, 8, floatBytes(pick(rng, INTERESTING_FLOATS), true));
    return splice(b, at, 4, intBytes(interestingInt(rng, b.length), 4, true));
  },
  cutfooter(b, p, rng) {
    if (!p.footer) return null;
    return b.slice(0, p.footer.pos + rng.int(p.footer.len + 8));
  },
  magic(b, p, rng) {
    const out = b.slice();
    const at = rng.next() < 0.5 ? rng.int(4) : b.length - 1 - rng.int(4);
    if (at >= 0 && at < out.length) out[at] ^= 0x20;
    return out;
  },
};

function mutateParquet(b: Bytes, rng: Rng, ctx: Context): Bytes {
  const p = parquetLayout(b);
  const name = pick(rng, Object.keys(PARQUET_OPS));
  ctx.ops.push(`parquet:${name}`);
  return PARQUET_OPS[name](b, p, rng) ?? applyGeneric(b, rng, ctx);
}

// ---- pg_dump ------------------------------------------------------------------------------------------------

interface CopySpan {
  /** Line index of the COPY statement and of the terminator (or lines.length). */
  head: number;
  end: number;
}

function copySpans(lines: string[]): CopySpan[] {
  const spans: CopySpan[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^COPY\s/i.test(lines[i])) continue;
    let j = i + 1;
    while (j < lines.length && lines[j] !== '\\.') j++;
    spans.push({ head: i, end: j });
    i = j;
  }
  return spans;
}

const SQL_OPS: Record<string, (lines: string[], spans: CopySpan[], rng: Rng) => string[] | null> = {
  cell(lines, spans, rng) {
    const rows = spans.flatMap((s) => Array.from({ length: s.end - s.head - 1 }, (_, k) => s.head + 1 + k));
    if (rows.length === 0) return null;
    const i = pick(rng, rows);
    const cells = lines[i].split('\t');
    cells[rng.int(cells.length)] = u8s(pick(rng, INTERESTING_TEXT)).replaceAll('\n', rng.next() < 0.5 ? '\\n' : '\n');
    lines[i] = cells.join('\t');
    return lines;
  },
  fields(lines, spans, rng) {
    const rows = spans.flatMap((s) => Array.from({ length: s.end - s.head - 1 }, (_, k) => s.head + 1 + k));
    if (rows.length === 0) return null;
    const i = pick(rng, rows);
    const cells = lines[i].split('\t');
    if (rng.next() < 0.5 && cells.length > 1) cells.splice(rng.int(cells.length), 1);
    else cells.splice(rng.int(cells.length + 1), 0, pick(rng, ['', '\\N', '1']));
    lines[i] = cells.join('\t');
    return lines;
  },
  terminator(lines, spans, rng) {
    if (spans.length === 0) return null;
    const s = pick(rng, spans);
    const r = rng.next();
    if (r < 0.4 && s.end < lines.length) lines.splice(s.end, 1);
    else if (r < 0.7) lines.splice(s.head + 1 + rng.int(Math.max(1, s.end - s.head)), 0, '\\.');
    else if (s.end < lines.length) lines[s.end] = pick(rng, ['\\. ', '\\.\r', '\\', '.', '\\.\\.']);
    return lines;
  },
  header(lines, spans, rng) {
    if (spans.length === 0) return null;
    const s = pick(rng, spans);
    const h = lines[s.head];
    const m = /^(COPY\s+)(\S+)(\s*\()([^)]*)(\).*)$/i.exec(h);
    if (!m) return null;
    const cols = m[4].split(',').map((c) => c.trim());
    const r = rng.next();
    if (r < 0.2) cols.splice(rng.int(cols.length), 1);
    else if (r < 0.35) cols[rng.int(cols.length)] = cols[rng.int(cols.length)];
    else if (r < 0.5) cols[rng.int(cols.length)] = `"${cols[rng.int(cols.length)].replace(/"/g, '')}"`;
    else if (r < 0.6) cols.splice(rng.int(cols.length + 1), 0, pick(rng, ['accuracy', 'query_id', 'model_id', 'run_id', 'extra', '""']));
    else if (r < 0.75) {
      lines[s.head] = `${m[1]}${pick(rng, ['public.queries', 'public.models', 'public.pregenerated_results', 'public.query_features', '"public"."models"', 'other', 'public.', '""'])}${m[3]}${m[4]}${m[5]}`;
      return lines;
    } else if (r < 0.8) {
      lines[s.head] = `${m[1]}${m[2]} FROM stdin;`;
      return lines;
    } else if (r < 0.85) {
      // A long blank run somewhere in the statement.
      const spaces = [...h.matchAll(/ /g)].map((x) => x.index!);
      const at = spaces.length > 0 ? spaces[rng.int(spaces.length)] : h.length;
      lines[s.head] = h.slice(0, at) + LONG_SPACE(rng) + h.slice(at + (rng.next() < 0.5 ? 1 : h.length));
      return lines;
    } else {
      lines[s.head] = h.replace(/FROM\s+stdin/i, pick(rng, ['FROM STDIN', 'FROM stdout', 'TO stdout', 'FROM', 'FROM stdin WITH (FORMAT csv)']));
      return lines;
    }
    lines[s.head] = `${m[1]}${m[2]}${m[3]}${cols.join(', ')}${m[5]}`;
    return lines;
  },
  dupblock(lines, spans, rng) {
    if (spans.length === 0) return null;
    const s = pick(rng, spans);
    const block = lines.slice(s.head, Math.min(lines.length, s.end + 1));
    lines.splice(Math.min(lines.length, s.end + 1), 0, ...block);
    return lines;
  },
  duprow(lines, spans, rng) {
    const rows = spans.flatMap((s) => Array.from({ length: s.end - s.head - 1 }, (_, k) => s.head + 1 + k));
    if (rows.length === 0) return null;
    const i = pick(rng, rows);
    lines.splice(i, 0, lines[i]);
    return lines;
  },
  line(lines, spans, rng) {
    const i = rng.int(lines.length);
    const r = rng.next();
    if (r < 0.4) lines.splice(i, 1);
    else if (r < 0.7) lines.splice(i, 0, lines[rng.int(lines.length)]);
    else lines.splice(i, 0, pick(rng, ['', 'COPY', 'COPY public.queries (query_id) FROM stdin;', '\\.', '-- x', '\t', 'SET x = 1;']));
    return lines;
  },
};

function mutateSql(b: Bytes, rng: Rng, ctx: Context): Bytes {
  const s = latin1(b);
  const r = rng.next();
  if (r < 0.03) {
    ctx.ops.push('sql:crlf');
    return fromLatin1(s.replaceAll('\n', '\r\n'));
  }
  const lines = s.split('\n');
  const spans = copySpans(lines);
  const name = pick(rng, Object.keys(SQL_OPS));
  ctx.ops.push(`sql:${name}`);
  const out = SQL_OPS[name](lines, spans, rng);
  return out ? fromLatin1(out.join('\n')) : applyGeneric(b, rng, ctx);
}

// ---- entry point ----------------------------------------------------------------------------------------------

export interface MutateOptions {
  /** Other seeds of the same format (for crossover). */
  donors?: readonly Bytes[];
  /** File name of the input; picks JSON Lines edits for `.jsonl`. */
  name?: string;
  /** Probability of a structure-aware edit (the rest are generic). Default 0.65. */
  structured?: number;
}

export interface Mutation {
  bytes: Bytes;
  ops: string[];
}

/** Apply one to four stacked edits to `input`. Same rng state → same output. */
export function mutate(format: FuzzFormat, input: Bytes, rng: Rng, opts: MutateOptions = {}): Mutation {
  const ctx: Context = { donors: opts.donors ?? [], ops: [] };
  // Buffer#slice returns a view, not a copy: work on plain Uint8Arrays so the input is never written to.
  if (Buffer.isBuffer(input)) input = new Uint8Array(input);
  const n = rng.next() < 0.5 ? 1 : 2 + rng.int(3);
  const pStructured = opts.structured ?? (format === 'pickle' ? 0.85 : 0.65);
  let b = input;
  const jsonl = /\.(jsonl|ndjson)(\.gz)?$/i.test(opts.name ?? '');
  for (let i = 0; i < n; i++) {
    if (rng.next() >= pStructured) {
      b = applyGeneric(b, rng, ctx);
      continue;
    }
    try {
      b = mutateStructured(format, b, rng, ctx, jsonl);
    } catch {
      // Earlier edits can leave a structure the parsers above misread: edit the bytes instead.
      ctx.ops.push('fallback');
      b = applyGeneric(b, rng, ctx);
    }
  }
  // Mutations may only grow an input by bounded amounts; keep a hard cap anyway.
  if (b.length > 1 << 22) b = b.slice(0, 1 << 22);
  return { bytes: b, ops: ctx.ops };
}

function mutateStructured(format: FuzzFormat, b: Bytes, rng: Rng, ctx: Context, jsonl: boolean): Bytes {
  switch (format) {
    case 'csv':
      return jsonl ? mutateJsonl(b, rng, ctx) : mutateDelimited(b, rng, ctx);
    case 'pickle':
      return mutatePickle(b, rng, ctx);
    case 'arrow':
      return mutateArrow(b, rng, ctx);
    case 'parquet':
      return mutateParquet(b, rng, ctx);
    case 'sql':
      return mutateSql(b, rng, ctx);
  }
}
