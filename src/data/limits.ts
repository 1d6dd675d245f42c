/**
 * Process-wide bounds on reading input: how far gzip data may inflate and how long one text line (or CSV
 * record) may be. Defaults come from the environment (GREENSERV_MAX_DECOMPRESSED, GREENSERV_MAX_LINE_BYTES),
 * and the commands that load tables override them with --max-decompressed and --max-line-bytes.
 */
import type { Command } from 'commander';
import { UsageError } from './errors.js';

/** Default inflation cap: this many times the compressed size… */
export const DEFAULT_DECOMPRESS_RATIO = 64;
/** …but never less than this, so small legitimately repetitive files still load. */
export const DEFAULT_DECOMPRESS_FLOOR = 64 * 1024 * 1024;
/** Default longest line / CSV record. */
export const DEFAULT_MAX_LINE_BYTES = 256 * 1024 * 1024;

/** An absolute byte count, or a multiple of the compressed size. */
export type DecompressLimit = { bytes: number } | { ratio: number };

interface Limits {
  decompressed: DecompressLimit | null;
  lineBytes: number | null;
}

const current: Limits = { decompressed: null, lineBytes: null };

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** `1048576`, `512K`, `64M`, `2G` (binary units, optional trailing `B` or `iB`). */
export function parseByteSize(raw: string, what: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(raw);
  const v = m ? Math.floor(Number(m[1]) * UNITS[m[2].toLowerCase()]) : Number.NaN;
  if (!Number.isSafeInteger(v) || v < 1) throw new UsageError(`${what}: '${raw}' is not a size in bytes (e.g. 1048576, 512K, 64M, 2G)`);
  return v;
}

/** `<n>x` (times the compressed size) or a byte size. */
export function parseDecompressLimit(raw: string, what: string): DecompressLimit {
  const m = /^\s*(\d+(?:\.\d+)?)\s*x\s*$/i.exec(raw);
  if (m) {
    const ratio = Number(m[1]);
    if (!(ratio >= 1) || !Number.isFinite(ratio)) throw new UsageError(`${what}: ratio '${raw}' must be at least 1x`);
    return { ratio };
  }
  return { bytes: parseByteSize(raw, `${what} (a size like 2G or a ratio like 100x)`) };
}

/** Set the limits (undefined: from the environment, else the default). */
export function setInputLimits(o: { maxDecompressed?: string; maxLineBytes?: string }): void {
  current.decompressed = o.maxDecompressed !== undefined ? parseDecompressLimit(o.maxDecompressed, '--max-decompressed') : null;
  current.lineBytes = o.maxLineBytes !== undefined ? parseByteSize(o.maxLineBytes, '--max-line-bytes') : null;
}

function envValue(name: string): string | undefined {
  const v = process.env[name];
  return v === undefined || v.trim() === '' ? undefined : v;
}

/** Most bytes a gzip file of `compressedSize` bytes may inflate to. */
export function maxDecompressedBytes(compressedSize: number): number {
  let lim = current.decompressed;
  if (!lim) {
    const env = envValue('GREENSERV_MAX_DECOMPRESSED');
    lim = env !== undefined ? parseDecompressLimit(env, 'GREENSERV_MAX_DECOMPRESSED') : null;
  }
  if (!lim) return Math.max(DEFAULT_DECOMPRESS_RATIO * compressedSize, DEFAULT_DECOMPRESS_FLOOR);
  return 'bytes' in lim ? lim.bytes : Math.max(1, Math.floor(lim.ratio * compressedSize));
}

/** Longest text line / CSV record in bytes. */
export function maxLineBytes(): number {
  if (current.lineBytes !== null) return current.lineBytes;
  const env = envValue('GREENSERV_MAX_LINE_BYTES');
  return env !== undefined ? parseByteSize(env, 'GREENSERV_MAX_LINE_BYTES') : DEFAULT_MAX_LINE_BYTES;
}

/** How the limits read in messages, with the way to raise them. */
export function decompressHint(): string {
  return 'raise the limit with --max-decompressed <bytes|ratio> or GREENSERV_MAX_DECOMPRESSED';
}

export function lineHint(): string {
  return 'raise the limit with --max-line-bytes <bytes> or GREENSERV_MAX_LINE_BYTES';
}

/** Add --max-decompressed and --max-line-bytes to a command that loads tables, applied before its action. */
export function withInputLimits<C extends Command>(cmd: C): C {
  cmd
    .option('--max-decompressed <bytes|ratio>', 'cap on gzip inflation: a size (2G) or a multiple of the compressed size (100x); default 64x, at least 64M')
    .option('--max-line-bytes <bytes>', 'longest text line / CSV record accepted (default 256M)')
    .hook('preAction', (_self, action) => setInputLimits(action.opts()));
  return cmd;
}
