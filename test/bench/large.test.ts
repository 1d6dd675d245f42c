import { describe, expect, it } from 'vitest';
import { parseLargeArgs } from '../../bench/large.js';

describe('bench:large options', () => {
  it('reads --name=value like --name value, with the documented defaults', () => {
    expect(parseLargeArgs(['--queries=300', '--only=csv,stream', '--keep=/k'])).toEqual({ queries: 300, only: new Set(['csv', 'stream']), keep: '/k' });
    expect(parseLargeArgs(['--queries', '300', '--only', 'parquet'])).toEqual({ queries: 300, only: new Set(['parquet']), keep: '' });
    expect(parseLargeArgs([])).toEqual({ queries: 1_000_000, only: new Set(['csv', 'convert', 'parquet', 'stream']), keep: '' });
  });

  it('refuses a bad count, an unknown part and an unknown option, naming them', () => {
    expect(parseLargeArgs(['--queries=0'])).toEqual({ error: "--queries: '0' is not a positive integer" });
    expect(parseLargeArgs(['--queries', '2.5'])).toEqual({ error: "--queries: '2.5' is not a positive integer" });
    expect(parseLargeArgs(['--only', 'csv,parquett'])).toEqual({ error: "--only: unknown part 'parquett'; parts: csv, convert, parquet, stream" });
    expect(parseLargeArgs(['--querys', '5'])).toMatchObject({ error: expect.stringMatching(/^Unknown option '--querys'.*\(options: --queries <n>/) });
  });
});
