/**
 * Process-wide bounds on reading input: how far gzip data may inflate and how long one text line (or CSV
 * record) may be. They live in the environment (GREENSERV_MAX_DECOMPRESSED, GREENSERV_MAX_LINE_BYTES);
 * the commands that load tables set them from --max-decompressed and --max-line-bytes.
 */
import { Option, type Command } from 'commander';
import { UsageError } from '../core/errors.js';

/** Default inflation cap: this many times the compressed size… */
const DEFAULT_DECOMPRESS_RATIO = 64;
/** …but never less than this, so small legitimately repetitive files still load. */
const DEFAULT_DECOMPRESS_FLOOR = 64 * 1024 * 1024;
/** Default longest line / CSV record. */
const DEFAULT_MAX_LINE_BYTES = 256 * 1024 * 1024;

/** An absolute byte count, or a multiple of the compressed size. */
type DecompressLimit = { bytes: number } | { ratio: number };

const ENV_DECOMPRESSED = 'GREENSERV_MAX_DECOMPRESSED';
const ENV_LINE = 'GREENSERV_MAX_LINE_BYTES';

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

/** The environment as the user gave it, before any option overrode it. */
let userEnv: { decompressed?: string; line?: string } | null = null;

function putEnv(name: string, v: string | undefined): void {
  if (v === undefined) delete process.env[name];
  else process.env[name] = v;
}

/**
 * Apply the options (undefined: the user's environment, else the default). They are stored in the
 * environment so worker threads and child processes read the same limits.
 */
export function setInputLimits(o: { maxDecompressed?: string; maxLineBytes?: string }): void {
  if (o.maxDecompressed !== undefined) parseDecompressLimit(o.maxDecompressed, '--max-decompressed');
  if (o.maxLineBytes !== undefined) parseByteSize(o.maxLineBytes, '--max-line-bytes');
  userEnv ??= { decompressed: process.env[ENV_DECOMPRESSED], line: process.env[ENV_LINE] };
  putEnv(ENV_DECOMPRESSED, o.maxDecompressed ?? userEnv.decompressed);
  putEnv(ENV_LINE, o.maxLineBytes ?? userEnv.line);
}

function envValue(name: string): string | undefined {
  const v = process.env[name];
  return v === undefined || v.trim() === '' ? undefined : v;
}

/** Most bytes a gzip file of `compressedSize` bytes may inflate to. */
export function maxDecompressedBytes(compressedSize: number): number {
  const env = envValue(ENV_DECOMPRESSED);
  const lim = env !== undefined ? parseDecompressLimit(env, ENV_DECOMPRESSED) : null;
  if (!lim) return Math.max(DEFAULT_DECOMPRESS_RATIO * compressedSize, DEFAULT_DECOMPRESS_FLOOR);
  return 'bytes' in lim ? lim.bytes : Math.max(1, Math.floor(lim.ratio * compressedSize));
}

/** Longest text line / CSV record in bytes. */
export function maxLineBytes(): number {
  const env = envValue(ENV_LINE);
  return env !== undefined ? parseByteSize(env, ENV_LINE) : DEFAULT_MAX_LINE_BYTES;
}

/** How the limits read in messages, with the way to raise them. */
export function decompressHint(): string {
  return 'raise the limit with --max-decompressed <bytes|ratio> or GREENSERV_MAX_DECOMPRESSED';
}

export function lineHint(): string {
  return 'raise the limit with --max-line-bytes <bytes> or GREENSERV_MAX_LINE_BYTES';
}

export function maxDecompressedOption(): Option {
  return new Option(
    '--max-decompressed <bytes|ratio>',
    `cap on gzip inflation: a size (2G) or a multiple of the compressed size (100x); default ${DEFAULT_DECOMPRESS_RATIO}x, at least 64M (env ${ENV_DECOMPRESSED})`,
  );
}

export function maxLineBytesOption(): Option {
  return new Option('--max-line-bytes <bytes>', `longest text line or CSV record accepted; default 256M (env ${ENV_LINE})`);
}

/** preAction hook: apply the action command's limit options. */
export function applyInputLimits(_self: Command, action: Command): void {
  setInputLimits(action.opts());
}
