/**
 * Bounds checks on Arrow IPC metadata before apache-arrow decodes it. apache-arrow trusts every offset and
 * length in the flatbuffers: a corrupt vector length makes it loop billions of times (a hang), and a corrupt
 * row count makes it, and us, allocate arrays of that size. This walks the messages exactly as its reader
 * frames them (stream: length-prefixed messages; file: footer blocks) and checks each flatbuffer against the
 * Arrow schema: every table, vector and string inside the buffer, nesting and object count bounded, row and
 * node counts no larger than the file could hold, buffers inside their message body.
 */

export class ArrowFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArrowFormatError';
  }
}

// ---- flatbuffer schema ----------------------------------------------------------------------------------

type Kind =
  | { k: 'scalar'; size: number }
  | { k: 'string' }
  | { k: 'table'; spec: () => Spec }
  | { k: 'tables'; spec: () => Spec }
  | { k: 'structs'; size: number }
  | { k: 'scalars'; size: number }
  | { k: 'union'; typeField: number; spec: (type: number) => Spec };

interface Spec {
  name: string;
  fields: Kind[];
}

const s = (size: number): Kind => ({ k: 'scalar', size });
const STR: Kind = { k: 'string' };
const EMPTY: Spec = { name: 'type', fields: [] };

const KEY_VALUE: Spec = { name: 'KeyValue', fields: [STR, STR] };
const INT: Spec = { name: 'Int', fields: [s(4), s(1)] };
const TYPES: Record<number, Spec> = {
  2: INT,
  3: { name: 'FloatingPoint', fields: [s(2)] },
  7: { name: 'Decimal', fields: [s(4), s(4), s(4)] },
  8: { name: 'Date', fields: [s(2)] },
  9: { name: 'Time', fields: [s(2), s(4)] },
  10: { name: 'Timestamp', fields: [s(2), STR] },
  11: { name: 'Interval', fields: [s(2)] },
  14: { name: 'Union', fields: [s(2), { k: 'scalars', size: 4 }] },
  15: { name: 'FixedSizeBinary', fields: [s(4)] },
  16: { name: 'FixedSizeList', fields: [s(4)] },
  17: { name: 'Map', fields: [s(1)] },
  18: { name: 'Duration', fields: [s(2)] },
};
const DICTIONARY_ENCODING: Spec = { name: 'DictionaryEncoding', fields: [s(8), { k: 'table', spec: () => INT }, s(1), s(2)] };
const FIELD: Spec = {
  name: 'Field',
  fields: [
    STR,
    s(1),
    s(1),
    { k: 'union', typeField: 2, spec: (t) => TYPES[t] ?? EMPTY },
    { k: 'table', spec: () => DICTIONARY_ENCODING },
    { k: 'tables', spec: () => FIELD },
    { k: 'tables', spec: () => KEY_VALUE },
  ],
};
const SCHEMA: Spec = { name: 'Schema', fields: [s(2), { k: 'tables', spec: () => FIELD }, { k: 'tables', spec: () => KEY_VALUE }, { k: 'scalars', size: 8 }] };
const BODY_COMPRESSION: Spec = { name: 'BodyCompression', fields: [s(1), s(1)] };
// nodes: FieldNode {length, null_count}; buffers: Buffer {offset, length}; both 16-byte structs.
const RECORD_BATCH: Spec = {
  name: 'RecordBatch',
  fields: [s(8), { k: 'structs', size: 16 }, { k: 'structs', size: 16 }, { k: 'table', spec: () => BODY_COMPRESSION }, { k: 'scalars', size: 8 }],
};
const DICTIONARY_BATCH: Spec = { name: 'DictionaryBatch', fields: [s(8), { k: 'table', spec: () => RECORD_BATCH }, s(1)] };
const MESSAGE_HEADERS: Record<number, Spec> = { 1: SCHEMA, 2: DICTIONARY_BATCH, 3: RECORD_BATCH };
const MESSAGE: Spec = {
  name: 'Message',
  fields: [s(2), s(1), { k: 'union', typeField: 1, spec: (t) => MESSAGE_HEADERS[t] ?? EMPTY }, s(8), { k: 'tables', spec: () => KEY_VALUE }],
};
// Block {offset: long, metaDataLength: int, (pad), bodyLength: long}: 24-byte structs.
const FOOTER: Spec = { name: 'Footer', fields: [s(2), { k: 'table', spec: () => SCHEMA }, { k: 'structs', size: 24 }, { k: 'structs', size: 24 }, { k: 'tables', spec: () => KEY_VALUE }] };

/** Most tables one flatbuffer may hold (shared sub-tables count each time they are reached). */
const MAX_OBJECTS = 100_000;
const MAX_DEPTH = 64;

/** A flatbuffer inside a larger byte array; positions are relative to `base`. */
class Flatbuffer {
  private readonly dv: DataView;
  budget = MAX_OBJECTS;
  constructor(
    readonly bytes: Uint8Array,
    readonly what: string,
  ) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(msg: string): never {
    throw new ArrowFormatError(`${this.what}: ${msg}`);
  }

  need(pos: number, len: number, what: string): void {
    if (!(pos >= 0 && len >= 0 && pos + len <= this.bytes.length)) this.fail(`${what} lies outside the metadata`);
  }

  i32(p: number): number {
    return this.dv.getInt32(p, true);
  }
  u16(p: number): number {
    return this.dv.getUint16(p, true);
  }
  u8(p: number): number {
    return this.dv.getUint8(p);
  }
  i64(p: number): number {
    return Number(this.dv.getBigInt64(p, true));
  }

  /** Target of the offset stored at `p` (readers use it as a signed 32-bit value). */
  deref(p: number, what: string): number {
    this.need(p, 4, what);
    const o = this.i32(p);
    if (o <= 0) this.fail(`bad offset to ${what}`);
    const t = p + o;
    this.need(t, 4, what);
    return t;
  }

  /** Position of field `f` of the table at `t`, or -1 when absent (table already verified). */
  field(t: number, f: number): number {
    const vt = t - this.i32(t);
    const vtSize = this.u16(vt);
    const o = 4 + 2 * f;
    if (o >= vtSize) return -1;
    const fo = this.u16(vt + o);
    return fo === 0 ? -1 : t + fo;
  }

  verifyRoot(spec: Spec): number {
    const t = this.deref(0, spec.name);
    this.verifyTable(t, spec, 0);
    return t;
  }

  verifyTable(t: number, spec: Spec, depth: number): void {
    if (--this.budget < 0) this.fail(`more than ${MAX_OBJECTS} objects`);
    if (depth > MAX_DEPTH) this.fail(`nested more than ${MAX_DEPTH} levels deep`);
    this.need(t, 4, spec.name);
    const vt = t - this.i32(t);
    this.need(vt, 4, `${spec.name} vtable`);
    const vtSize = this.u16(vt);
    if (vtSize < 4 || vtSize % 2 !== 0 || vtSize > 0x7fff) this.fail(`bad ${spec.name} vtable size ${vtSize}`);
    this.need(vt, vtSize, `${spec.name} vtable`);
    spec.fields.forEach((kind, f) => {
      const o = 4 + 2 * f;
      if (o >= vtSize) return;
      const fo = this.u16(vt + o);
      if (fo === 0) return;
      if (fo > 0x7fff) this.fail(`bad ${spec.name} field offset`);
      const p = t + fo;
      const where = `${spec.name} field ${f}`;
      this.need(p, kind.k === 'scalar' ? kind.size : 4, where);
      switch (kind.k) {
        case 'scalar':
          return;
        case 'string': {
          const v = this.deref(p, where);
          const n = this.i32(v);
          if (n < 0) this.fail(`negative length of ${where}`);
          this.need(v + 4, n, where);
          return;
        }
        case 'table':
          this.verifyTable(this.deref(p, where), kind.spec(), depth + 1);
          return;
        case 'union': {
          const tp = this.field(t, kind.typeField);
          const type = tp < 0 ? 0 : this.u8(tp);
          if (type !== 0) this.verifyTable(this.deref(p, where), kind.spec(type), depth + 1);
          return;
        }
        default: {
          const v = this.deref(p, where);
          const n = this.i32(v);
          if (n < 0) this.fail(`negative length of ${where}`);
          const size = kind.k === 'tables' ? 4 : kind.size;
          this.need(v + 4, n * size, where);
          if (kind.k === 'tables') for (let i = 0; i < n; i++) this.verifyTable(this.deref(v + 4 + 4 * i, where), kind.spec(), depth + 1);
        }
      }
    });
  }

  /** Start and length of the vector in field `f` of table `t` (verified), or null. */
  vector(t: number, f: number): { start: number; n: number } | null {
    const p = this.field(t, f);
    if (p < 0) return null;
    const v = p + this.i32(p);
    return { start: v + 4, n: this.i32(v) };
  }

  /** Target table of the offset field `f` of table `t` (verified), or -1. */
  sub(t: number, f: number): number {
    const p = this.field(t, f);
    return p < 0 ? -1 : p + this.i32(p);
  }
}

// ---- message framing --------------------------------------------------------------------------------------

interface Limits {
  /** Largest row or node count the file could hold: the query ids alone take a bit per row. */
  maxRows: number;
}

function checkRecordBatch(fb: Flatbuffer, rb: number, bodyLength: number, lim: Limits): void {
  const lp = fb.field(rb, 0);
  const length = lp < 0 ? 0 : fb.i64(lp);
  if (length < 0 || length > lim.maxRows) fb.fail(`record batch claims ${length} rows, more than the file can hold`);
  const nodes = fb.vector(rb, 1);
  if (nodes) {
    for (let i = 0; i < nodes.n; i++) {
      const n = fb.i64(nodes.start + 16 * i);
      const nulls = fb.i64(nodes.start + 16 * i + 8);
      if (n < 0 || n > lim.maxRows) fb.fail(`column node ${i} claims ${n} values, more than the file can hold`);
      if (nulls < 0 || nulls > n) fb.fail(`column node ${i} has a null count of ${nulls} for ${n} values`);
    }
  }
  const buffers = fb.vector(rb, 2);
  if (buffers) {
    for (let i = 0; i < buffers.n; i++) {
      const off = fb.i64(buffers.start + 16 * i);
      const len = fb.i64(buffers.start + 16 * i + 8);
      if (off < 0 || len < 0 || off + len > bodyLength) fb.fail(`buffer ${i} (offset ${off}, length ${len}) lies outside the ${bodyLength}-byte message body`);
    }
  }
}

/**
 * Verify the message whose length prefix starts at `pos`. Returns the offset after it (after its body for
 * batches), or -1 at an end-of-stream marker or where the reader would stop on its own (short data).
 */
function verifyMessage(b: Uint8Array, dv: DataView, pos: number, lim: Limits, where: string, expect?: number): { next: number; eos: boolean } {
  const n = b.length;
  if (pos + 4 > n) return { next: -1, eos: true };
  let len = dv.getInt32(pos, true);
  pos += 4;
  if (len === -1) {
    if (pos + 4 > n) return { next: -1, eos: true };
    len = dv.getInt32(pos, true);
    pos += 4;
  }
  if (len === 0) return { next: pos, eos: true };
  if (len < 0) throw new ArrowFormatError(`${where}: negative metadata length ${len}`);
  // Short metadata: apache-arrow reports it itself without decoding anything.
  if (pos + len > n) return { next: -1, eos: true };
  const fb = new Flatbuffer(b.subarray(pos, pos + len), where);
  const msg = fb.verifyRoot(MESSAGE);
  const tp = fb.field(msg, 1);
  const type = tp < 0 ? 0 : fb.u8(tp);
  const bp = fb.field(msg, 3);
  const bodyLength = bp < 0 ? 0 : fb.i64(bp);
  const header = fb.sub(msg, 2);
  // apache-arrow's file reader re-reads a record batch block until it finds a record batch: any other message there loops forever.
  if (expect !== undefined && type !== expect) fb.fail(`block points at a message of type ${type}, expected ${expect}`);
  if (type === 3 && header >= 0) checkRecordBatch(fb, header, bodyLength, lim);
  if (type === 2 && header >= 0) {
    const data = fb.sub(header, 1);
    if (data >= 0) checkRecordBatch(fb, data, bodyLength, lim);
  }
  let next = pos + len;
  // Only batches consume their body; a non-positive body length reads nothing.
  if ((type === 2 || type === 3) && bodyLength > 0) {
    if (next + bodyLength > n) throw new ArrowFormatError(`${where}: message body of ${bodyLength} bytes runs past the end of the file (truncated?)`);
    next += bodyLength;
  }
  return { next, eos: false };
}

const MAGIC = 'ARROW1';

function hasMagic(b: Uint8Array, at: number): boolean {
  if (at < 0 || at + 6 > b.length) return false;
  for (let i = 0; i < 6; i++) if (b[at + i] !== MAGIC.charCodeAt(i)) return false;
  return true;
}

/** Throws ArrowFormatError when the IPC file or stream in `b` has metadata apache-arrow must not be given. */
export function verifyArrowIpc(b: Uint8Array): void {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const lim: Limits = { maxRows: 8 * b.length + 1024 };
  if (hasMagic(b, 0)) {
    // File format: apache-arrow reads the footer, then each block it lists.
    if (b.length < 6 + 2 + 4 + 6 || !hasMagic(b, b.length - 6)) throw new ArrowFormatError('Arrow file without its closing magic (truncated?)');
    const lenPos = b.length - 10;
    const len = dv.getInt32(lenPos, true);
    if (len <= 0 || len > lenPos - 8) throw new ArrowFormatError(`bad footer length ${len}`);
    const fb = new Flatbuffer(b.subarray(lenPos - len, lenPos), 'footer');
    const footer = fb.verifyRoot(FOOTER);
    for (const [f, kind, type] of [
      [2, 'dictionary', 2],
      [3, 'record batch', 3],
    ] as const) {
      const blocks = fb.vector(footer, f);
      if (!blocks) continue;
      for (let i = 0; i < blocks.n; i++) {
        const offset = fb.i64(blocks.start + 24 * i);
        if (offset < 0 || offset >= b.length) throw new ArrowFormatError(`${kind} block ${i} points outside the file (offset ${offset})`);
        const m = verifyMessage(b, dv, offset, lim, `${kind} ${i}`, type);
        if (m.eos) throw new ArrowFormatError(`${kind} block ${i} does not point at a message`);
      }
    }
    return;
  }
  // Stream format: messages back to back; after an end-of-stream marker the reader may start another stream.
  let pos = 0;
  for (let i = 0; pos >= 0 && pos < b.length; i++) {
    pos = verifyMessage(b, dv, pos, lim, `message ${i}`).next;
  }
}
