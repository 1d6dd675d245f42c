/**
 * Checks on a Parquet file before hyparquet decodes it. hyparquet trusts the counts and sizes it reads: a
 * corrupt row or value count makes it allocate arrays of that size, a corrupt run length in a
 * run-length/bit-packed stream makes it loop up to 2^31 times growing an array, a corrupt page size makes it
 * allocate that many bytes, and a column chunk that names no schema column leaves its other reads running
 * unobserved. This walks every page hyparquet will read — the same ranges, the same header parser — and checks
 * counts against what the file can hold and every level and dictionary-index run against its page.
 * Columns are flat, or a list of numbers (an embedding): at most one repetition level.
 */
import type { ColumnMetaData, Compressors, FileMetaData, PageHeader, SchemaElement } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { decompressPage } from 'hyparquet/src/datapage.js';

export class ParquetFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParquetFormatError';
  }
}

const fail = (msg: string): never => {
  throw new ParquetFormatError(msg);
};

/** Pages may inflate to this size whatever their compressed size (writers' pages are about 1 MiB). */
const PAGE_FLOOR = 16 * 2 ** 20;
/** Beyond the floor, a page may inflate this many times (deflate's limit is about 1032). */
const PAGE_RATIO = 2048;
/** Delta-encoded blocks: writers use 128 values per block; the format only asks for multiples of 128. */
const MAX_DELTA_BLOCK = 1 << 16;

/** A leaf column: its schema element and the levels its path allows. */
export interface Leaf {
  element: SchemaElement;
  maxDef: number;
  maxRep: number;
}

/** The file's bytes: whole, or read a range at a time (a large file is not held in memory). */
export interface ByteSource {
  byteLength: number;
  slice(start: number, end: number): ArrayBuffer;
}

/**
 * Throws ParquetFormatError when `buf` (whose footer `meta` is already parsed) holds counts, sizes or runs
 * that hyparquet must not be given. `leaves` are the leaf columns by path (names joined with '.'). `chunkDone`
 * is called after each column chunk is checked.
 */
export function verifyParquet(buf: ByteSource, meta: FileMetaData, leaves: Map<string, Leaf>, compressors: Compressors, chunkDone?: () => void): void {
  // The query ids take at least a bit per row: no pool table has more rows than eight per byte of file.
  const maxRows = 8 * buf.byteLength + 1024;
  const rows = Number(meta.num_rows);
  if (!(rows >= 0 && rows <= maxRows)) fail(`the footer claims ${meta.num_rows} rows, more than the file can hold`);
  for (const [name, { element: el }] of leaves) {
    // Byte-stream-split decoding allocates values × type_length bytes.
    if (el.type === 'FIXED_LEN_BYTE_ARRAY' && !(Number(el.type_length) > 0 && Number(el.type_length) <= buf.byteLength)) {
      fail(`column '${name}' has a fixed length of ${el.type_length} bytes`);
    }
  }
  let groupTotal = 0;
  const dataEnd = buf.byteLength - 8;
  for (const [g, rg] of meta.row_groups.entries()) {
    const groupRows = Number(rg.num_rows);
    if (!(groupRows >= 0 && groupRows <= maxRows)) fail(`row group ${g} claims ${rg.num_rows} rows, more than the file can hold`);
    groupTotal += groupRows;
    for (const chunk of rg.columns) {
      const cm = chunk.meta_data;
      if (!cm) fail(`row group ${g} has a column chunk without metadata`);
      if (chunk.file_path) fail(`row group ${g} refers to an external file '${chunk.file_path}' (not supported)`);
      const name = cm!.path_in_schema?.join('.');
      const leaf = name === undefined ? undefined : leaves.get(name);
      if (!leaf) fail(`row group ${g} has data for '${cm!.path_in_schema?.join('.')}', which is not a column of the schema`);
      const values = Number(cm!.num_values);
      if (!(values >= 0 && values <= maxRows)) fail(`column '${name}' claims ${cm!.num_values} values in row group ${g}`);
      const start = Number(cm!.dictionary_page_offset || cm!.data_page_offset);
      const size = Number(cm!.total_compressed_size);
      if (!(start >= 4 && size >= 0 && start + size <= dataEnd)) {
        fail(`column '${name}' in row group ${g} spans bytes ${start}–${start + size}, outside the data section`);
      }
      checkPages(new DataView(buf.slice(start, start + size)), cm!, leaf!, maxRows, compressors, `column '${name}', row group ${g}`);
      // (the chunk's bytes and pages are not used again)
      chunkDone?.();
    }
  }
  if (groupTotal !== rows) fail(`row groups hold ${groupTotal} rows but the footer says ${rows}`);
}

/** Walk the pages of one column chunk as hyparquet's readColumn does (until less than two bytes remain). */
function checkPages(view: DataView, cm: ColumnMetaData, leaf: Leaf, maxRows: number, compressors: Compressors, where: string): void {
  const reader = { view, offset: 0 };
  while (reader.offset < view.byteLength - 1) {
    const at = reader.offset;
    let header: PageHeader;
    try {
      header = parquetHeader(reader);
    } catch (err) {
      return fail(`${where}: unreadable page header at byte ${at}: ${(err as Error)?.message ?? String(err)}`);
    }
    const c = header.compressed_page_size;
    const u = header.uncompressed_page_size;
    if (!(Number.isInteger(c) && c >= 0 && reader.offset + c <= view.byteLength)) fail(`${where}: page at byte ${at} has ${c} bytes of data, past the end of the column chunk`);
    if (!(Number.isInteger(u) && u >= 0 && u <= Math.max(PAGE_FLOOR, PAGE_RATIO * c))) fail(`${where}: page at byte ${at} claims to inflate from ${c} to ${u} bytes`);
    const bytes = new Uint8Array(view.buffer, view.byteOffset + reader.offset, c);
    reader.offset += c;
    try {
      checkPage(header, bytes, cm, leaf, maxRows, compressors);
    } catch (err) {
      if (err instanceof ParquetFormatError) fail(`${where}: page at byte ${at}: ${err.message}`);
      fail(`${where}: page at byte ${at} is corrupt: ${(err as Error)?.message ?? String(err)}`);
    }
  }
}

/** Bits per level for levels up to `max`. */
function bitWidth(max: number): number {
  return 32 - Math.clz32(max);
}

function count(v: number | undefined, maxRows: number, what: string): number {
  if (!(Number.isInteger(v) && v! >= 0 && v! <= maxRows)) fail(v === undefined ? `${what} is missing` : `${what} ${v} is out of range`);
  return v!;
}

function checkPage(h: PageHeader, bytes: Uint8Array, cm: ColumnMetaData, leaf: Leaf, maxRows: number, compressors: Compressors): void {
  if (h.type === 'DICTIONARY_PAGE') {
    // Plain values only: their reader stops at the end of the page.
    count(h.dictionary_page_header?.num_values, maxRows, 'dictionary size');
    return;
  }
  if (h.type === 'DATA_PAGE') {
    const d = h.data_page_header;
    if (!d) return;
    const n = count(d.num_values, maxRows, 'value count');
    const page = decompressPage(bytes, h.uncompressed_page_size, cm.codec, compressors);
    const dv = new DataView(page.buffer, page.byteOffset, page.byteLength);
    let pos = 0;
    let present = n;
    if (leaf.maxRep) {
      // Repetition levels (lists): a 4-byte length, then a hybrid stream of n levels.
      const len = dv.getUint32(0, true);
      scanHybrid(dv, 4, bitWidth(leaf.maxRep), n);
      pos = 4 + len;
    }
    if (leaf.maxDef) {
      // Definition levels: a 4-byte length, then a hybrid stream of n levels.
      const len = dv.getUint32(pos, true);
      present = 0;
      scanHybrid(dv, pos + 4, bitWidth(leaf.maxDef), n, (v, k) => (present += v === leaf.maxDef ? k : 0));
      pos += 4 + len;
    }
    checkValues(dv, pos, d.encoding, cm, present, false);
    return;
  }
  if (h.type === 'DATA_PAGE_V2') {
    const d = h.data_page_header_v2;
    if (!d) return;
    const n = count(d.num_values, maxRows, 'value count');
    const nulls = count(d.num_nulls, n, 'null count');
    count(d.num_rows, maxRows, 'row count');
    const rep = count(d.repetition_levels_byte_length, bytes.length, 'repetition level length');
    const def = count(d.definition_levels_byte_length, bytes.length - rep, 'definition level length');
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // Levels are never compressed in v2 pages.
    if (leaf.maxRep) scanHybrid(dv, 0, bitWidth(leaf.maxRep), n);
    if (leaf.maxDef) scanHybrid(dv, rep, bitWidth(leaf.maxDef), n);
    const valuesAt = leaf.maxDef ? rep + def : rep;
    const size = h.uncompressed_page_size - def - rep;
    if (size < 0) fail(`uncompressed size ${h.uncompressed_page_size} is smaller than its levels`);
    let page = bytes.subarray(valuesAt);
    if (d.is_compressed !== false && size) page = decompressPage(page, size, cm.codec, compressors);
    checkValues(new DataView(page.buffer, page.byteOffset, page.byteLength), 0, d.encoding, cm, n - nulls, true);
  }
}

/**
 * The value section of a data page: the run-length/bit-packed and delta encodings carry their own counts.
 * Version 1 and 2 pages lay out RLE differently (as hyparquet reads them).
 */
function checkValues(dv: DataView, pos: number, encoding: string, cm: ColumnMetaData, n: number, v2: boolean): void {
  const dictionary = encoding === 'PLAIN_DICTIONARY' || encoding === 'RLE_DICTIONARY';
  if (encoding === 'RLE' || dictionary) {
    // One-bit values behind a 4-byte length: booleans in v1 pages, any RLE in v2 pages.
    if (v2 ? encoding === 'RLE' : cm.type === 'BOOLEAN') {
      scanHybrid(dv, pos + 4, 1, n);
      return;
    }
    const width = dv.getUint8(pos);
    if (width > 32) fail(`dictionary index width ${width} is above 32 bits`);
    if (width) scanHybrid(dv, pos + 1, width, n);
    return;
  }
  if (encoding === 'DELTA_BINARY_PACKED' || encoding === 'DELTA_LENGTH_BYTE_ARRAY') {
    deltaInt32(dv, pos, 0);
    return;
  }
  if (encoding === 'DELTA_BYTE_ARRAY') {
    // Each value copies a prefix of the one before: bound the bytes that makes.
    const prefix = deltaInt32(dv, pos, n);
    const suffix = deltaInt32(dv, prefix.end, n);
    let prev = 0;
    let total = 0;
    const limit = Math.max(PAGE_FLOOR, PAGE_RATIO * dv.byteLength);
    for (let i = 0; i < n; i++) {
      const p = prefix.values[i];
      const s = suffix.values[i];
      if (p < 0 || s < 0 || p > prev) fail(`value ${i} has prefix length ${p} and suffix length ${s} (previous value: ${prev} bytes)`);
      prev = p + s;
      total += prev;
      if (total > limit) fail(`values expand to more than ${limit} bytes`);
    }
  }
}

/** hyparquet's unsigned LEB128 reader, 32-bit arithmetic included, so headers read the same here as there. */
function varint(dv: DataView, p: { at: number }): number {
  let result = 0;
  let shift = 0;
  for (;;) {
    const byte = dv.getUint8(p.at++);
    result |= (byte & 0x7f) << shift;
    if (!(byte & 0x80)) return result;
    shift += 7;
  }
}

/**
 * Walk a run-length/bit-packed hybrid stream of `n` values of `width` bits from `pos`, as hyparquet decodes it
 * (run after run until n values are seen). A run reaching more than one bit-packed group past n, or running
 * past the data, is corrupt. `each` receives each run's value (RLE) or each value (bit-packed) with a count.
 */
function scanHybrid(dv: DataView, pos: number, width: number, n: number, each?: (value: number, k: number) => void): number {
  const p = { at: pos };
  let seen = 0;
  while (seen < n) {
    const header = varint(dv, p);
    if (header & 1) {
      const k = (header >> 1) << 3;
      if (k <= 0 || k > n - seen + 8) fail(`bit-packed run of ${k} values where ${n - seen} remain`);
      const nbytes = Math.ceil((k * width) / 8);
      if (p.at + nbytes > dv.byteLength && width > 0) fail('bit-packed run runs past the end of the page');
      if (each) {
        for (let i = 0; i < k && seen + i < n; i++) {
          const bit = i * width;
          let v = 0;
          for (let b = 0; b < width; b++) v |= ((dv.getUint8(p.at + ((bit + b) >> 3)) >> ((bit + b) & 7)) & 1) << b;
          each(v, 1);
        }
      }
      p.at += nbytes;
      seen += k;
    } else {
      const k = header >>> 1;
      if (k > n - seen + 8) fail(`run of ${k} values where ${n - seen} remain`);
      const vbytes = (width + 7) >> 3;
      let v = 0;
      for (let b = 0; b < vbytes; b++) v |= dv.getUint8(p.at + b) << (8 * b);
      each?.(v, Math.min(k, n - seen));
      p.at += vbytes;
      seen += k;
    }
  }
  return p.at;
}

function zigzag(dv: DataView, p: { at: number }): number {
  const z = varint(dv, p);
  return (z >>> 1) ^ -(z & 1);
}

/** hyparquet's 33-bit zigzag read of a block's minimum delta. */
function zigzag33(dv: DataView, p: { at: number }): number {
  const start = p.at;
  const low = varint(dv, p);
  const high = p.at - start === 5 ? (dv.getUint8(start + 4) >>> 4) & 1 : 0;
  return ((low >>> 1) | (high << 31)) ^ -(low & 1);
}

/**
 * Check the header of a delta-binary-packed stream at `pos` and decode its first `n` values as 32-bit
 * integers the way hyparquet does; returns them and where hyparquet leaves off.
 */
function deltaInt32(dv: DataView, pos: number, n: number): { values: Int32Array; end: number } {
  const p = { at: pos };
  const blockSize = varint(dv, p);
  const miniblocks = varint(dv, p);
  varint(dv, p); // total count: hyparquet reads the page's own count instead
  if (!(blockSize > 0 && blockSize % 128 === 0 && blockSize <= MAX_DELTA_BLOCK)) fail(`delta block size ${blockSize} is not a multiple of 128 up to ${MAX_DELTA_BLOCK}`);
  if (!(miniblocks > 0 && blockSize % miniblocks === 0 && (blockSize / miniblocks) % 32 === 0)) fail(`${miniblocks} miniblocks do not divide a delta block of ${blockSize} into multiples of 32`);
  const per = blockSize / miniblocks;
  const out = new Int32Array(n);
  let value = zigzag(dv, p);
  let i = 0;
  if (n > 0) out[i++] = value;
  while (i < n) {
    const minDelta = zigzag33(dv, p);
    const widths = p.at;
    let offset = widths + miniblocks;
    for (let m = 0; m < miniblocks && i < n; m++) {
      const width = dv.getUint8(widths + m);
      const end = offset + (per * width) / 8;
      let bitOffset = 0;
      for (let j = 0; j < per && i < n; j++) {
        let residual = 0;
        let read = 0;
        while (read < width) {
          const take = Math.min(8 - bitOffset, width - read);
          if (read < 32) residual |= ((dv.getUint8(offset) >>> bitOffset) & ((1 << take) - 1)) << read;
          read += take;
          bitOffset += take;
          if (bitOffset === 8) {
            bitOffset = 0;
            offset++;
          }
        }
        value = (value + minDelta + residual) | 0;
        out[i++] = value;
      }
      offset = end;
    }
    p.at = offset;
  }
  return { values: out, end: p.at };
}
