/** regressOne checks its options as the other use cases check their requests: a bad one is named before any work. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError, regressOne, UsageError } from '../../src/app/index.js';
import { userErrorText } from '../../src/cli/errors.js';

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

  it('refuses a tolerance for a metric that does not exist, before the baseline is re-run', async () => {
    // the misspelt key was ignored and the default tolerance applied, as a baseline file's own tolerance keys are not
    const file = join(mkdtempSync(join(tmpdir(), 'gs-regress-opts-')), 'b.json');
    const config = { command: 'simulate', data: '/nonexistent/table.csv', policies: ['random'], lambda: 0.5, runs: 1, seed: 40 };
    writeFileSync(file, JSON.stringify({ schemaVersion: 1, name: 'b', config, metrics: { 'random.accuracy': 0.5, 'random.custom': 1 } }));
    for (const key of ['random.acuracy', 'constructor', 'toString', '__proto__']) {
      const e = await regressOne(file, { tolerance: { [key]: { abs: 0.5 } } }).catch((x: unknown) => x);
      expect(e, key).toBeInstanceOf(UsageError);
      expect((e as Error).message, key).toMatch(new RegExp(`^tolerance\\.${key.replace('.', '\\.')}: unknown metric '${key.replace('.', '\\.')}'`));
    }
    const typo = (await regressOne(file, { tolerance: { 'random.acuracy': {} } }).catch((x: Error) => x)) as Error;
    expect(typo.message).toContain("(did you mean 'random.accuracy'?)");
    // greenserv regress --tolerance random.acuracy=abs:0.5 (its own check passes keys with a dot)
    expect(userErrorText(typo)).toMatch(/^--tolerance: unknown metric 'random\.acuracy' \(did you mean 'random\.accuracy'\?\)/);
    // a family, a full key of a known family and a metric of the baseline reach the data
    for (const key of ['accuracy', 'linucb.finalRegret', 'random.custom']) await expect(regressOne(file, { tolerance: { [key]: { rel: 0.1 } } }), key).rejects.toBeInstanceOf(DataError);
  });
});
