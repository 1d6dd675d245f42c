/**
 * Shared pieces of the fuzzer's mutators: byte helpers, interesting values, the generic byte edits.
 */
import { Rng } from '../src/core/rng.js';

export type Bytes = Uint8Array;

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
export const LONG_SPACE = (rng: Rng): string => (rng.next() < 0.5 ? ' ' : '\t').repeat(50_000 + rng.int(100_000));

/** Integers that sit on width, sign and length boundaries. */
export const INTERESTING_INTS: readonly number[] = [
  0, 1, 2, 3, 7, 8, 15, 16, 31, 32, 63, 64, 100, 127, 128, 255, 256, 511, 1023, 1024, 4096, 32767, 32768, 65535, 65536,
  0x7fffff, 0xffffff, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000, 2 ** 40, 2 ** 53 - 1, 2 ** 53, -1, -2, -128, -129, -32768,
  -0x80000000, 1e6, 1e9,
];

export const INTERESTING_FLOATS: readonly number[] = [Number.NaN, Infinity, -Infinity, -1, -0, 0, 1, 2, 0.5, 1e308, -1e308, 5e-324, 1e16, 2 ** 53 + 2];

export const latin1 = (b: Bytes): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
export const fromLatin1 = (s: string): Bytes => new Uint8Array(Buffer.from(s, 'latin1'));
/** UTF-8 bytes of `s` as a latin1 string, so text edits can work on byte-exact strings. */
export const u8s = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

export function concat(...parts: Bytes[]): Bytes {
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

export function splice(b: Bytes, at: number, del: number, ins: Bytes = new Uint8Array(0)): Bytes {
  return concat(b.subarray(0, at), ins, b.subarray(Math.min(b.length, at + del)));
}

export const pick = <T>(rng: Rng, a: readonly T[]): T => a[rng.int(a.length)];

export function interestingInt(rng: Rng, fileLength: number): number {
  const r = rng.next();
  if (r < 0.15) return fileLength + rng.int(9) - 4;
  if (r < 0.25) return rng.int(64);
  const v = pick(rng, INTERESTING_INTS);
  return rng.next() < 0.2 ? v + rng.int(3) - 1 : v;
}

/** `v` as `width` bytes, two's complement, little or big endian. */
export function intBytes(v: number, width: 1 | 2 | 4 | 8, le: boolean): Bytes {
  const out = new Uint8Array(width);
  const dv = new DataView(out.buffer);
  const big = BigInt.asIntN(64, BigInt(Math.trunc(v)));
  if (width === 1) dv.setUint8(0, Number(big & 0xffn));
  else if (width === 2) dv.setUint16(0, Number(big & 0xffffn), le);
  else if (width === 4) dv.setUint32(0, Number(big & 0xffffffffn), le);
  else dv.setBigInt64(0, big, le);
  return out;
}

export function floatBytes(v: number, le: boolean, width: 4 | 8 = 8): Bytes {
  const out = new Uint8Array(width);
  const dv = new DataView(out.buffer);
  if (width === 8) dv.setFloat64(0, v, le);
  else dv.setFloat32(0, v, le);
  return out;
}

// ---- generic byte mutators --------------------------------------------------------------------------------

export type Mutator = (b: Bytes, rng: Rng, ctx: Context) => Bytes;

export interface Context {
  /** Other seeds of the same format, for splicing. */
  donors: readonly Bytes[];
  /** Names of the edits applied so far (reported with failing inputs). */
  ops: string[];
}

export const GENERIC: Record<string, Mutator> = {
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

export function applyGeneric(b: Bytes, rng: Rng, ctx: Context): Bytes {
  const names = Object.keys(GENERIC);
  const name = pick(rng, names);
  ctx.ops.push(name);
  return GENERIC[name](b, rng, ctx);
}

export function weighted(rng: Rng, weights: Record<string, number>): string {
  const names = Object.keys(weights);
  let r = rng.next() * names.reduce((a, k) => a + weights[k], 0);
  for (const k of names) {
    r -= weights[k];
    if (r < 0) return k;
  }
  return names[names.length - 1];
}
