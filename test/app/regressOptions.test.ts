/** regressOne checks its options as the other use cases check their requests: a bad one is named before any work. */
import { describe, expect, it } from 'vitest';
import { regressOne, UsageError } from '../../src/app/index.js';

// a file that does not exist: the options must be refused before the baseline is read
const NOWHERE = '/nonexistent/baseline.json';

describe('regressOne options', () => {
  it.each([
    [{ tolerance: 'bogus' }, /^tolerance: /],
    [{ tolerance: { 'linucb.aiq': { abs: -1 } } }, /^tolerance\.linucb\.aiq\.abs: /],
    [{ tolerance: { 'linucb.aiq': { absolute: 0.1 } } }, /^tolerance\.linucb\.aiq: Unrecognized key: "absolute"/],
    [{ updat: true }, /^\(options\): Unrecognized key: "updat"/],
    [{ params: 'linucb.alpha=0.2' }, /^params: /],
    [{ warn: 'stderr' }, /^warn: must be a function/],
  ])('refuses %j naming the option', async (o, message) => {
    const e = await regressOne(NOWHERE, o as never).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).toMatch(message);
  });

  it('takes good options and reaches the file', async () => {
    await expect(regressOne(NOWHERE, { tolerance: { 'linucb.aiq': { abs: 0.01, rel: 0.1 } }, update: false, params: [], warn: () => {} })).rejects.toThrow(/file not found|no such file|baseline\.json/);
  });
});
