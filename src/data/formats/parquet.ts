/**
 * Parquet via hyparquet (with its compressors for GZIP/ZSTD/BROTLI/LZ4), long or wide layout.
 */
import { parquetMetadata, parquetRead, type Compressors, type FileMetaData, type SchemaElement } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { DataError, UnreadableError, userIoError } from '../../core/errors.js';
import type { PoolTable } from '../pool.js';
import { closeSync, fstatSync, openSync } from 'node:fs';
import { assertReadable, gzipContent, readAllBytes, readFully, readMagic } from './input.js';
import { loadColumnar, type ColumnarOptions, type ColumnarSource } from './columnar.js';
import { ParquetFormatError, verifyParquet, type ByteSource, type Leaf } from './parquet-verify.js';
import { parquetString, firstNotUtf8 } from './utf8Strings.js';
import { snappyInto, snappyStatedLength } from './snappyInto.js';

/**
 * Buffers for inflated pages, lent again once the values decoded from them are used: each fresh one, left
 * to the garbage collector, would keep a load's worth of inflated pages resident until a collection
 * happens to run. Plain buffers: typed arrays on resizable ones (which could be handed back instead) are
 * several times slower to read in Node 20's V8.
 */
class PagePool {
  private free: ArrayBuffer[] = [];
  private lent: ArrayBuffer[] = [];

  /** n bytes of a free buffer (their content is whatever it held: the caller overwrites every byte). */
  bytes(n: number): Uint8Array {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      if (this.free[i].byteLength >= n && (best < 0 || this.free[i].byteLength < this.free[best].byteLength)) best = i;
    }
    let buf: ArrayBuffer;
    if (best >= 0) buf = this.free.splice(best, 1)[0];
    else {
      // none is large enough: the smaller ones are let go rather than hoarded
      this.free = [];
      buf = new ArrayBuffer(n);
    }
    this.lent.push(buf);
    return new Uint8Array(buf, 0, n);
  }

  /** Every buffer lent so far is free again: nothing may read their earlier views afterwards. */
  reuse(): void {
    for (const b of this.lent) this.free.push(b);
    this.lent = [];
  }
}

/**
 * The decompressors, SNAPPY inflating into lent buffers (snappyInto.ts: a stream that decodes gives the
 * same bytes whichever decoder reads it). A stream it does not take goes to the usual decoder, whose result
 * or error stands.
 */
export function pooledCompressors(pool = new PagePool()): Compressors {
  const usual = compressors.SNAPPY!;
  return {
    ...compressors,
    SNAPPY(input: Uint8Array, length: number): Uint8Array {
      // the usual decoder would return a stream that states fewer bytes than its page padded with bytes of
      // earlier pages (it reuses its memory): such a page is corrupt, whichever decoder reads it
      const stated = snappyStatedLength(input);
      if (stated !== null && stated !== length) throw new ParquetFormatError(`a SNAPPY page's data states ${stated} bytes, its page header ${length}`);
      const out = pool.bytes(length);
      try {
        snappyInto(input, out);
        return out;
      } catch {
        // the usual decoder's verdict
        return usual(input, length);
      }
    },
  };
}

/** A plain file read a byte range at a time, so a large file is never held whole; a gzipped one is inflated. */
function fileBytes(file: string): ByteSource {
  assertReadable(file);
  if (gzipContent(file, readMagic(file, 2))) return wholeBytes(readAllBytes(file));
  let fd: number;
  let size: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw userIoError(e, file, 'read');
  }
  try {
    size = fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
  return {
    byteLength: size,
    slice(start, end) {
      const out = new Uint8Array(Math.max(0, Math.min(end, size) - start));
      try {
        const h = openSync(file, 'r');
        try {
          readFully(h, out, start, file);
        } finally {
          closeSync(h);
        }
      } catch (e) {
        if (e instanceof DataError) throw e;
        throw userIoError(e, file, 'read');
      }
      return out.buffer;
    },
  };
}

function wholeBytes(bytes: Uint8Array): ByteSource {
  // the file's own buffer when it is not a view into a shared pool (avoids a copy of the file)
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  const buf = (whole ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)) as ArrayBuffer;
  return { byteLength: buf.byteLength, slice: (start, end) => buf.slice(start, end) };
}

/** The footer (file metadata), read from the end of the file. */
function footerOf(buf: ByteSource): FileMetaData {
  const n = buf.byteLength;
  if (n < 12) throw new Error(`${n} bytes are too few for a Parquet file`);
  const tail = new DataView(buf.slice(n - 8, n));
  const len = tail.getUint32(0, true);
  if (len + 8 > n) throw new Error(`the footer claims ${len} bytes, more than the file holds`);
  return parquetMetadata(buf.slice(n - len - 8, n));
}

const NUMERIC = new Set(['FLOAT', 'DOUBLE', 'INT32', 'INT64']);

/**
 * The root's columns and their leaves by path: flat columns, and LIST columns of numbers (an embedding,
 * datasets/README.md) in the standard three-level layout. Other nesting is refused.
 */
function schemaColumns(meta: FileMetaData, file: string): { columns: string[]; leaves: Map<string, Leaf> } {
  const root = meta.schema[0];
  const columns: string[] = [];
  const leaves = new Map<string, Leaf>();
  const corrupt = (): never => {
    throw new UnreadableError(`not a readable Parquet file (corrupt schema): it lists ${root?.num_children} columns but holds ${meta.schema.length - 1}`, file);
  };
  const optional = (el: SchemaElement): number => (el.repetition_type === 'REQUIRED' ? 0 : 1);
  if (root?.repetition_type === 'REPEATED') throw new DataError('a repeated root is not supported', file);
  let i = 1;
  for (let c = 0; c < (root?.num_children ?? 0); c++) {
    const el = meta.schema[i];
    if (!el || typeof el.name !== 'string') corrupt();
    if (el.num_children) {
      const isList = el.converted_type === 'LIST' || el.logical_type?.type === 'LIST';
      const rep = meta.schema[i + 1];
      // the standard three levels: list → repeated group → element
      if (!isList || el.num_children !== 1 || !rep || rep.repetition_type !== 'REPEATED' || rep.num_children !== 1) {
        throw new DataError(`nested column '${el.name}' is not supported (only a list of numbers, for an embedding, is read)`, file, undefined, el.name);
      }
      const leaf = meta.schema[i + 2];
      if (!leaf || typeof leaf.name !== 'string') corrupt();
      if (leaf.num_children || !NUMERIC.has(String(leaf.type))) {
        throw new DataError(`column '${el.name}' is a list of ${leaf.num_children ? 'groups' : leaf.type}; only a list of numbers (an embedding) is read`, file, undefined, el.name);
      }
      leaves.set([el.name, rep.name, leaf.name].join('.'), { element: leaf, maxDef: optional(el) + 1 + optional(leaf), maxRep: 1 });
      columns.push(el.name);
      i += 3;
      continue;
    }
    if (el.repetition_type === 'REPEATED') throw new DataError(`repeated column '${el.name}' is not supported`, file, undefined, el.name);
    columns.push(el.name);
    leaves.set(el.name, { element: el, maxDef: optional(el), maxRep: 0 });
    i++;
  }
  return { columns, leaves };
}

export async function parquetSource(file: string): Promise<ColumnarSource> {
  const pool = new PagePool();
  const decompressors = pooledCompressors(pool);
  const buf = fileBytes(file);
  if (buf.byteLength === 0) throw new DataError('file is empty', file);
  let meta: FileMetaData;
  try {
    meta = footerOf(buf);
  } catch (err) {
    throw new UnreadableError(`not a readable Parquet file (truncated or corrupt?): ${(err as Error).message}`, file);
  }
  const { columns, leaves } = schemaColumns(meta, file);
  try {
    // hyparquet trusts every count and size in the file: check them before it allocates or loops on them.
    verifyParquet(buf, meta, leaves, decompressors, () => pool.reuse());
  } catch (err) {
    const why = err instanceof ParquetFormatError ? err.message : `corrupt metadata (${(err as Error)?.message ?? String(err)})`;
    throw new UnreadableError(`not a readable Parquet file (truncated or corrupt?): ${why}`, file);
  }
  const nRows = Number(meta.num_rows);
  const data = new Map<string, ArrayLike<unknown>>();
  const metadata = new Map<string, string>();
  for (const kv of meta.key_value_metadata ?? []) if (kv.value !== undefined) metadata.set(kv.key, kv.value);
  // one decode per row group, so a wide table's values are held a row group at a time
  const rowChunks: [number, number][] = [];
  let at = 0;
  for (const g of meta.row_groups) {
    const n = Number(g.num_rows);
    if (n > 0) rowChunks.push([at, at + n]);
    at += n;
  }
  const decode = async (names: string[], rowStart?: number, rowEnd?: number): Promise<Map<string, { start: number; values: ArrayLike<unknown> }[]>> => {
    const chunks = new Map<string, { start: number; values: ArrayLike<unknown> }[]>();
    let notUtf8: DataError | null = null;
    try {
      await parquetRead({
        file: buf,
        metadata: meta,
        compressors: decompressors,
        columns: names,
        rowStart,
        rowEnd,
        parsers: { stringFromBytes: parquetString as (b: Uint8Array) => string },
        onChunk(chunk) {
          // thrown after parquetRead: an error in this callback would escape its promise
          notUtf8 ??= firstNotUtf8(chunk.columnData as ArrayLike<unknown>, file, chunk.rowStart, chunk.columnName);
          let list = chunks.get(chunk.columnName);
          if (!list) chunks.set(chunk.columnName, (list = []));
          list.push({ start: chunk.rowStart - (rowStart ?? 0), values: chunk.columnData as ArrayLike<unknown> });
        },
      });
    } catch (err) {
      if (err instanceof DataError) throw err;
      throw new DataError(`cannot decode Parquet data: ${(err as Error).message}`, file);
    }
    if (notUtf8 !== null) throw notUtf8;
    return chunks;
  };
  return {
    file,
    columns,
    nRows,
    metadata,
    rowChunks: at === nRows ? rowChunks : undefined,
    async fetchRows(cols, start, end) {
      const names = [...new Set(cols.map((c) => columns[c]))];
      data.clear();
      pool.reuse();
      const chunks = await decode(names, start, end);
      for (const name of names) data.set(name, joinChunks(chunks.get(name) ?? [], end - start));
    },
    // Columns are decoded when asked for, so unused ones (model responses) cost nothing.
    async fetch(cols) {
      const names = [...new Set(cols.map((c) => columns[c]))].filter((n) => !data.has(n));
      if (names.length === 0) return;
      const chunks = await decode(names);
      for (const name of names) {
        const list = chunks.get(name) ?? [];
        chunks.delete(name);
        data.set(name, joinChunks(list, nRows));
      }
    },
    release(cols) {
      for (const c of cols) data.delete(columns[c]);
      // decoded values may be views of pooled pages: those are reused once no decoded column is held
      if (data.size === 0) pool.reuse();
    },
    column(c) {
      const d = data.get(columns[c]);
      if (!d) throw new Error(`Parquet column '${columns[c]}' was read before it was fetched`);
      return d;
    },
  };
}

/**
 * One column from its row-group chunks. All-number columns become a Float64Array (8 bytes a value; a JS
 * array that ever held null boxes every double), or a Float32Array when every chunk is one (FLOAT columns);
 * anything else a plain array with null for absent rows.
 */
function joinChunks(list: { start: number; values: ArrayLike<unknown> }[], nRows: number): ArrayLike<unknown> {
  const whole = list.length === 1 && list[0].start === 0 && list[0].values.length === nRows;
  if (whole && (list[0].values instanceof Float64Array || list[0].values instanceof Float32Array)) return list[0].values;
  if (list.length > 0 && list.every((ch) => ch.values instanceof Float32Array)) {
    const out = new Float32Array(nRows).fill(Number.NaN);
    for (const ch of list) out.set((ch.values as Float32Array).subarray(0, Math.max(0, Math.min(ch.values.length, nRows - ch.start))), ch.start);
    return out;
  }
  let covered = 0;
  let numeric = true;
  for (const ch of list) {
    covered += ch.values.length;
    if (ch.values instanceof Float64Array) continue;
    for (let r = 0; r < ch.values.length && numeric; r++) numeric = typeof ch.values[r] === 'number';
  }
  if (numeric && covered === nRows) {
    const out = new Float64Array(nRows);
    for (const ch of list) for (let r = 0; r < ch.values.length && ch.start + r < nRows; r++) out[ch.start + r] = ch.values[r] as number;
    return out;
  }
  if (whole) return list[0].values;
  const out = new Array<unknown>(nRows).fill(null);
  for (const ch of list) for (let r = 0; r < ch.values.length && ch.start + r < nRows; r++) out[ch.start + r] = ch.values[r];
  return out;
}

export async function loadParquet(file: string, opts: ColumnarOptions = {}): Promise<PoolTable> {
  return loadColumnar(await parquetSource(file), opts);
}
