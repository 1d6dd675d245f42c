/** Mutators for Arrow IPC files and streams: message, batch, node, buffer and footer lengths. */
import type { Rng } from '../src/core/rng.js';
import { INTERESTING_FLOATS, latin1, splice, pick, interestingInt, intBytes, floatBytes, applyGeneric, type Bytes, type Context } from './mutateCommon.js';

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

export function mutateArrow(b: Bytes, rng: Rng, ctx: Context): Bytes {
  const a = arrowMessages(b);
  const name = pick(rng, Object.keys(ARROW_OPS));
  ctx.ops.push(`arrow:${name}`);
  return ARROW_OPS[name](b, a, rng) ?? applyGeneric(b, rng, ctx);
}
