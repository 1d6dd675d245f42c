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
import { DataError } from '../errors.js';
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
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
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
  if (!isGzip(head)) return head;
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

export function isGzip(magic: Uint8Array): boolean {
  return magic.length >= 2 && magic[0] === 0x1f && magic[1] === 0x8b;
}

/** Name without a trailing `.gz`, used for extension checks and table names. */
export function stripGz(file: string): string {
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
    return new DataError(what, file);
  }
  return e instanceof DataError ? e : new DataError(`read failed: ${(e as Error)?.message ?? String(e)}`, file);
}

function inflateError(file: string, limit: number, compressed: number): DataError {
  return new DataError(
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
  const raw = createReadStream(file, highWaterMark ? { highWaterMark } : {});
  if (!isGzip(magic)) return raw;
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
 * The file's text lines (gunzipped when compressed, a leading byte-order mark removed); LF, CRLF and lone
 * CR end a line. A line longer than the line cap, or one that is not valid UTF-8, is a DataError naming
 * it. Read and zlib failures become DataErrors; the file is closed however the caller's loop ends.
 */
export async function* readLines(file: string): AsyncGenerator<string> {
  const input = openStream(file);
  const limit = maxLineBytes();
  let line = 0;
  let parts: Buffer[] = [];
  let partLen = 0;
  let skipLf = false;
  const text = (b: Buffer): string => {
    if (!isUtf8(b)) throw new DataError('not valid UTF-8 text', file, line);
    const s = b.toString('utf8');
    return line === 1 && s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
  };
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      let p = 0;
      if (skipLf && chunk.length > 0) {
        if (chunk[0] === LF) p = 1;
        skipLf = false;
      }
      while (p < chunk.length) {
        let e = p;
        while (e < chunk.length && chunk[e] !== LF && chunk[e] !== CR) e++;
        if (e === chunk.length) {
          if (partLen + e - p > limit) throw lineTooLong(file, line + 1, limit);
          parts.push(chunk.subarray(p, e));
          partLen += e - p;
          break;
        }
        line++;
        if (partLen + e - p > limit) throw lineTooLong(file, line, limit);
        const piece = chunk.subarray(p, e);
        const whole = partLen === 0 ? piece : Buffer.concat([...parts, piece]);
        parts = [];
        partLen = 0;
        yield text(whole);
        if (chunk[e] === CR) {
          if (e + 1 < chunk.length) p = chunk[e + 1] === LF ? e + 2 : e + 1;
          else {
            skipLf = true;
            p = e + 1;
          }
        } else p = e + 1;
      }
    }
    if (partLen > 0) {
      line++;
      yield text(Buffer.concat(parts));
    }
  } catch (err) {
    throw gzipError(file, err);
  } finally {
    input.destroy();
  }
}

/** The whole file as bytes, gunzipped (within the inflation cap) when compressed, for formats that need random access. */
export function readAllBytes(file: string): Uint8Array {
  assertReadable(file);
  const fd = openSync(file, 'r');
  let buf: Buffer;
  try {
    if (!fstatSync(fd).isFile()) throw new DataError('is not a regular file', file);
    buf = readFileSync(fd);
  } finally {
    closeSync(fd);
  }
  if (!isGzip(buf)) return buf;
  const limit = maxDecompressedBytes(buf.length);
  try {
    return gunzipSync(buf, { maxOutputLength: limit });
  } catch (err) {
    if (isTooLarge(err)) throw inflateError(file, limit, buf.length);
    throw gzipError(file, err);
  }
}
