/**
 * Opening input files: existence and file-type checks, gzip detection by magic bytes, bounded inflation and
 * line length (src/data/limits.ts), and mapping I/O and zlib failures to DataError so every reader reports
 * problems the same way.
 */
import { createReadStream, existsSync, openSync, readSync, closeSync, statSync, fstatSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { gunzipSync, createGunzip, constants as zc } from 'node:zlib';
import { isUtf8 } from 'node:buffer';
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import { DataError, UnreadableError, userIoError } from '../../core/errors.js';
import { decompressHint, lineHint, maxDecompressedBytes, maxLineBytes } from '../limits.js';

/** The file exists and is a regular file (not a directory, device or pipe: /dev/zero never ends). */
export function assertReadable(file: string): void {
  if (!existsSync(file)) throw new DataError('file not found', file);
  const st = statSync(file);
  if (st.isDirectory()) throw new DataError('is a directory, expected a file', file);
  if (!st.isFile()) throw new DataError('is not a regular file (a device, pipe or socket cannot be read as a table)', file);
}

/** First `n` bytes of a file (fewer if the file is shorter). */
export function readMagic(file: string, n = 16): Buffer {
  assertReadable(file);
  try {
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.alloc(n);
      const got = readSync(fd, buf, 0, n, 0);
      return buf.subarray(0, got);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    // e.g. EIO from /proc/self/mem, EACCES: the user's file, not our bug
    throw userIoError(e, file, 'read');
  }
}

function isTooLarge(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === 'ERR_BUFFER_TOO_LARGE';
}

/** Most bytes one sniffing attempt may inflate to. */
const PEEK_INFLATE_CAP = 1 << 20;

/**
 * First bytes of the content, decompressed when the file is gzipped (for format sniffing). Inflation is
 * capped: a compressed prefix that would inflate beyond the cap is shortened and tried again.
 */
export function peekContent(file: string, n = 65536): Buffer {
  const head = readMagic(file, n);
  if (!gzipContent(file, head)) return head;
  const size = statSync(file).size;
  const cap = Math.max(4 * n, PEEK_INFLATE_CAP);
  let take = Math.min(size, Math.max(n, 65536));
  let shrunk = false;
  for (;;) {
    try {
      // Z_SYNC_FLUSH lets a prefix of a gzip member decompress without an end-of-stream error.
      const out = gunzipSync(readMagic(file, take), { finishFlush: zc.Z_SYNC_FLUSH, maxOutputLength: cap });
      if (out.length >= n || take >= size || shrunk) return out.subarray(0, n);
      take = Math.min(size, take * 4);
    } catch (err) {
      if (!isTooLarge(err) || take <= 64) return Buffer.alloc(0);
      take = Math.floor(take / 4);
      shrunk = true;
    }
  }
}

function isGzip(magic: Uint8Array): boolean {
  return magic.length >= 2 && magic[0] === 0x1f && magic[1] === 0x8b;
}

/**
 * Whether the file is gzipped, by its first bytes. A file named `*.gz` whose bytes are not gzip is refused
 * here: read as what it is, it would fail later with a message about its header or its bytes that does not
 * say what is wrong.
 */
export function gzipContent(file: string, magic: Uint8Array): boolean {
  if (isGzip(magic)) return true;
  if (magic.length >= 2 && file.toLowerCase().endsWith('.gz')) {
    throw new UnreadableError(
      'not gzip-compressed, though its name ends in .gz; drop the .gz from its name if it is a plain file, or compress it with gzip',
      file,
    );
  }
  return false;
}

/** Name without a trailing `.gz`, used for extension checks and table names. */
function stripGz(file: string): string {
  return file.toLowerCase().endsWith('.gz') ? file.slice(0, -3) : file;
}

export function tableNameOf(file: string): string {
  return basename(stripGz(file));
}

/** Lower-case extension after removing `.gz` (e.g. `pairs.csv.gz` → `csv`). */
export function extensionOf(file: string): string {
  const b = basename(stripGz(file)).toLowerCase();
  const dot = b.lastIndexOf('.');
  return dot < 0 ? '' : b.slice(dot + 1);
}

export function gzipError(file: string, err: unknown): DataError {
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e.code === 'string' && e.code.startsWith('Z_')) {
    const what = e.code === 'Z_BUF_ERROR' ? 'truncated gzip data (unexpected end of file)' : `corrupt gzip data (${e.message})`;
    return new UnreadableError(what, file);
  }
  return e instanceof DataError ? e : new DataError(`read failed: ${(e as Error)?.message ?? String(e)}`, file);
}

function inflateError(file: string, limit: number, compressed: number): DataError {
  return new UnreadableError(
    `gzip data inflates beyond ${limit} bytes (${compressed} bytes compressed); refusing it as a possible decompression bomb — ${decompressHint()}`,
    file,
  );
}

/** Passes bytes through and fails once more than `limit` have gone by. */
class ByteCap extends Transform {
  private seen = 0;
  constructor(
    private readonly limit: number,
    private readonly fail: () => Error,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) cb(this.fail());
    else cb(null, chunk);
  }
}

/** A byte stream of the file's content, transparently gunzipped (within the inflation cap). Errors surface when the stream is consumed. */
export function openStream(file: string, highWaterMark?: number): Readable {
  const magic = readMagic(file, 2);
  if (!gzipContent(file, magic)) return createReadStream(file, highWaterMark ? { highWaterMark } : {});
  const raw = createReadStream(file, highWaterMark ? { highWaterMark } : {});
  const size = statSync(file).size;
  const limit = maxDecompressedBytes(size);
  // pipeline forwards a zlib error to the last stream, so consumers see truncation as a stream error.
  return pipeline(raw, createGunzip(), new ByteCap(limit, () => inflateError(file, limit, size)), () => {});
}

const LF = 0x0a;
const CR = 0x0d;

function lineTooLong(file: string, line: number, limit: number): DataError {
  return new DataError(`line is longer than ${limit} bytes — ${lineHint()}`, file, line);
}

/**
 * The file's text lines in batches, one per input chunk (gunzipped when compressed, a leading byte-order
 * mark removed); LF, CRLF and lone CR end a line. A line longer than the line cap, or one that is not valid
 * UTF-8, is a DataError naming it, raised after the lines before it have been handed out. Read and zlib
 * failures become DataErrors; the file is closed however the caller's loop ends.
 */
export async function* readLineBatches(file: string): AsyncGenerator<string[]> {
  const input = openStream(file);
  const limit = maxLineBytes();
  let line = 0;
  let parts: Buffer[] = [];
  let partLen = 0;
  let skipLf = false;
  const text = (b: Buffer, from: number, to: number): string => {
    const s = b.toString('utf8', from, to);
    // Only a line holding U+FFFD can hold invalid bytes: the check runs where it can fail.
    if (s.includes('\ufffd') && !isUtf8(b.subarray(from, to))) throw new DataError('not valid UTF-8 text', file, line);
    return line === 1 && s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
  };
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      const out: string[] = [];
      let p = 0;
      if (skipLf && chunk.length > 0) {
        if (chunk[0] === LF) p = 1;
        skipLf = false;
      }
      try {
        // Next CR at or after p (-1: none in this chunk), found once per CR rather than once per line.
        let cr = chunk.indexOf(CR, p);
        while (p < chunk.length) {
          let e = chunk.indexOf(LF, p);
          if (cr >= 0 && cr < p) cr = chunk.indexOf(CR, p);
          if (cr >= 0 && (e < 0 || cr < e)) e = cr;
          if (e < 0) {
            if (partLen + chunk.length - p > limit) throw lineTooLong(file, line + 1, limit);
            parts.push(chunk.subarray(p));
            partLen += chunk.length - p;
            break;
          }
          line++;
          if (partLen + e - p > limit) throw lineTooLong(file, line, limit);
          if (partLen === 0) out.push(text(chunk, p, e));
          else {
            const whole = Buffer.concat([...parts, chunk.subarray(p, e)]);
            parts = [];
            partLen = 0;
            out.push(text(whole, 0, whole.length));
          }
          if (chunk[e] === CR) {
            if (e + 1 < chunk.length) p = chunk[e + 1] === LF ? e + 2 : e + 1;
            else {
              skipLf = true;
              p = e + 1;
            }
          } else p = e + 1;
        }
      } catch (err) {
        // The lines before the bad one come first, so their problems are reported first.
        if (out.length > 0) yield out;
        throw err;
      }
      if (out.length > 0) yield out;
    }
    if (partLen > 0) {
      line++;
      const whole = Buffer.concat(parts);
      yield [text(whole, 0, whole.length)];
    }
  } catch (err) {
    throw gzipError(file, err);
  } finally {
    input.destroy();
  }
}

/** The whole file as bytes, gunzipped (within the inflation cap) when compressed, for formats that need random access. */
/** Fill `bytes` from `fd` at `position`: a file that ends first has shrunk since its size was taken. */
export function readFully(fd: number, bytes: Uint8Array, position: number, file: string): void {
  for (let at = 0; at < bytes.length; ) {
    const n = readSync(fd, bytes, at, bytes.length - at, position + at);
    if (n === 0) throw new DataError('file shrank while it was read', file);
    at += n;
  }
}

/**
 * The file's bytes (inflated when gzipped, as readAllBytes), and `release` to hand their memory back at
 * once: a plain file is read into a resizable buffer that release shrinks to nothing, where an ordinary
 * buffer would stay resident until a garbage collection finds it unreferenced. Views of the bytes are
 * empty after release.
 */
export function readReleasableBytes(file: string): { bytes: Uint8Array; release(): void } {
  if (gzipContent(file, readMagic(file, 2))) return { bytes: readAllBytes(file), release() {} };
  let buf: ArrayBuffer;
  try {
    const fd = openSync(file, 'r');
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw new DataError('is not a regular file', file);
      buf = new ArrayBuffer(st.size, { maxByteLength: st.size });
      readFully(fd, new Uint8Array(buf), 0, file);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw userIoError(e, file, 'read');
  }
  return { bytes: new Uint8Array(buf, 0, buf.byteLength), release: () => buf.resize(0) };
}

export function readAllBytes(file: string): Uint8Array {
  assertReadable(file);
  let buf: Buffer;
  try {
    const fd = openSync(file, 'r');
    try {
      if (!fstatSync(fd).isFile()) throw new DataError('is not a regular file', file);
      buf = readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw userIoError(e, file, 'read');
  }
  if (!gzipContent(file, buf)) return buf;
  const limit = maxDecompressedBytes(buf.length);
  try {
    return gunzipSync(buf, { maxOutputLength: limit });
  } catch (err) {
    if (isTooLarge(err)) throw inflateError(file, limit, buf.length);
    throw gzipError(file, err);
  }
}
