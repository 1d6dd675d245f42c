/** Mutators for Parquet: thrift compact-protocol integers in the footer and page headers. */
import type { Rng } from '../src/core/rng.js';
import { INTERESTING_FLOATS, latin1, splice, pick, interestingInt, intBytes, floatBytes, applyGeneric, type Bytes, type Context } from './mutateCommon.js';

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
  footerlen(b, _p, rng) {
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
  magic(b, _p, rng) {
    const out = b.slice();
    const at = rng.next() < 0.5 ? rng.int(4) : b.length - 1 - rng.int(4);
    if (at >= 0 && at < out.length) out[at] ^= 0x20;
    return out;
  },
};

export function mutateParquet(b: Bytes, rng: Rng, ctx: Context): Bytes {
  const p = parquetLayout(b);
  const name = pick(rng, Object.keys(PARQUET_OPS));
  ctx.ops.push(`parquet:${name}`);
  return PARQUET_OPS[name](b, p, rng) ?? applyGeneric(b, rng, ctx);
}
