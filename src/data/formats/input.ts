/**
 * Opening input files: existence checks, gzip detection by magic bytes, and mapping I/O and zlib
 * failures to DataError so every reader reports problems the same way.
 */
import { createReadStream, existsSync, openSync, readSync, closeSync, statSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { gunzipSync, createGunzip, constants as zc } from 'node:zlib';
import { createInterface } from 'node:readline';
import { pipeline, type Readable } from 'node:stream';
import { DataError } from '../errors.js';

export function assertReadable(file: string): void {
  if (!existsSync(file)) throw new DataError('file not found', file);
  const st = statSync(file);
  if (st.isDirectory()) throw new DataError('is a directory, expected a file', file);
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

/** First bytes of the content, decompressed when the file is gzipped (for format sniffing). */
export function peekContent(file: string, n = 65536): Buffer {
  const head = readMagic(file, n);
  if (!isGzip(head)) return head;
  try {
    // Z_SYNC_FLUSH lets a prefix of a gzip member decompress without an end-of-stream error.
    return gunzipSync(readMagic(file, Math.max(n, 1 << 20)), { finishFlush: zc.Z_SYNC_FLUSH }).subarray(0, n);
  } catch {
    return Buffer.alloc(0);
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

/** A byte stream of the file's content, transparently gunzipped. Errors surface when the stream is consumed. */
export function openStream(file: string, highWaterMark?: number): Readable {
  const magic = readMagic(file, 2);
  const raw = createReadStream(file, highWaterMark ? { highWaterMark } : {});
  if (!isGzip(magic)) return raw;
  // pipeline forwards a zlib error to the last stream, so consumers see truncation as a stream error.
  return pipeline(raw, createGunzip(), () => {});
}

/**
 * The file's text lines (gunzipped when compressed, a leading byte-order mark removed). Read and zlib
 * failures become DataErrors; the file is closed however the caller's loop ends.
 */
export async function* readLines(file: string): AsyncGenerator<string> {
  const input = openStream(file);
  let streamErr: unknown = null;
  input.on('error', (err) => {
    streamErr = err;
  });
  const rl = createInterface({ input, crlfDelay: Infinity });
  let first = true;
  try {
    for await (const line of rl) {
      yield first && line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
      first = false;
    }
  } catch (err) {
    throw gzipError(file, err);
  } finally {
    rl.close();
    input.destroy();
  }
  if (streamErr) throw gzipError(file, streamErr);
}

/** The whole file as bytes, gunzipped when compressed (for formats that need random access). */
export function readAllBytes(file: string): Uint8Array {
  assertReadable(file);
  const buf = readFileSync(file);
  if (!isGzip(buf)) return buf;
  try {
    return gunzipSync(buf);
  } catch (err) {
    throw gzipError(file, err);
  }
}
