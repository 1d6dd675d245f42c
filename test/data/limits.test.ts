import { afterEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { maxDecompressedBytes, parseByteSize, parseDecompressLimit } from '../../src/data/limits.js';

const KEYS = ['GREENSERV_MAX_DECOMPRESSED', 'GREENSERV_MAX_LINE_BYTES'] as const;
const saved = KEYS.map((k) => process.env[k]);
afterEach(() => {
  KEYS.forEach((k, i) => (saved[i] === undefined ? delete process.env[k] : (process.env[k] = saved[i])));
});

describe('input limits', () => {
  it('parses byte sizes with binary units and rejects anything else', () => {
    expect(parseByteSize('1048576', 'x')).toBe(1048576);
    expect(parseByteSize('512K', 'x')).toBe(512 * 1024);
    expect(parseByteSize('64M', 'x')).toBe(64 * 1024 * 1024);
    expect(parseByteSize('2GiB', 'x')).toBe(2 * 1024 ** 3);
    expect(parseByteSize('1.5k', 'x')).toBe(1536);
    for (const bad of ['', '0', '-1', 'lots', '1e9', '5X', '1 TB extra']) expect(() => parseByteSize(bad, '--opt')).toThrow(UsageError);
    expect(() => parseByteSize('lots', '--opt')).toThrow(/--opt: 'lots' is not a size/);
  });

  it('a ratio is a multiple of the compressed size, a size is absolute, the default has a floor', () => {
    expect(parseDecompressLimit('100x', 'x')).toEqual({ ratio: 100 });
    expect(parseDecompressLimit('3M', 'x')).toEqual({ bytes: 3 * 1024 * 1024 });
    expect(() => parseDecompressLimit('0.5x', '--max-decompressed')).toThrow(/at least 1x/);
    delete process.env.GREENSERV_MAX_DECOMPRESSED;
    expect(maxDecompressedBytes(1000)).toBe(64 * 1024 * 1024);
    expect(maxDecompressedBytes(10 * 1024 * 1024)).toBe(640 * 1024 * 1024);
    process.env.GREENSERV_MAX_DECOMPRESSED = '3x';
    expect(maxDecompressedBytes(1000)).toBe(3000);
    process.env.GREENSERV_MAX_DECOMPRESSED = '5K';
    expect(maxDecompressedBytes(10 ** 9)).toBe(5120);
    process.env.GREENSERV_MAX_DECOMPRESSED = 'much';
    expect(() => maxDecompressedBytes(1)).toThrow(/GREENSERV_MAX_DECOMPRESSED/);
  });

  it('options override the environment and give it back when absent', async () => {
    // a fresh copy of the module: it keeps the user's environment from its first call, which another test
    // file in the same worker may have made
    vi.resetModules();
    const { maxLineBytes, setInputLimits } = await import('../../src/data/limits.js');
    process.env.GREENSERV_MAX_LINE_BYTES = '1M';
    expect(maxLineBytes()).toBe(1024 * 1024);
    setInputLimits({ maxLineBytes: '2K' });
    expect(maxLineBytes()).toBe(2048);
    setInputLimits({});
    expect(maxLineBytes()).toBe(1024 * 1024);
    delete process.env.GREENSERV_MAX_LINE_BYTES;
    expect(maxLineBytes()).toBe(256 * 1024 * 1024);
    expect(() => setInputLimits({ maxDecompressed: 'x' })).toThrow(/--max-decompressed/);
  });
});
