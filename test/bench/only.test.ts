import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { checkArgs, parseOnly } from '../../bench/only.js';

const run = promisify(execFile);
const BENCH = resolve(__dirname, '../../dist/bench/index.js');
const KNOWN = ['policies', 'simulate', 'datasets'];

describe('bench --only', () => {
  it('selects the named sections, all of them without --only', () => {
    expect(parseOnly(['--only', 'simulate,policies'], KNOWN)).toEqual({ sections: new Set(['simulate', 'policies']) });
    expect(parseOnly(['--quick', '--only=datasets'], KNOWN)).toEqual({ sections: new Set(['datasets']) });
    expect(parseOnly(['--quick'], KNOWN)).toEqual({ sections: new Set(KNOWN) });
  });

  it('rejects an unknown or missing section name', () => {
    expect(parseOnly(['--only', 'polices'], KNOWN)).toEqual({ error: "--only: unknown section 'polices'; sections: policies, simulate, datasets" });
    expect(parseOnly(['--only', 'simulate,x'], KNOWN)).toMatchObject({ error: expect.stringMatching(/unknown section 'x'/) });
    expect(parseOnly(['--only'], KNOWN)).toMatchObject({ error: expect.stringMatching(/expected a comma-separated list/) });
    expect(parseOnly(['--only', '--quick'], KNOWN)).toMatchObject({ error: expect.stringMatching(/expected a comma-separated list/) });
  });

  it('refuses an option it does not know (a misspelt --reference is not silently dropped)', () => {
    const opts = { only: { type: 'string' as const }, quick: { type: 'boolean' as const }, reference: { type: 'string' as const } };
    expect(checkArgs(['--only', 'policies', '--quick', '--reference=/r'], opts)).toBeNull();
    expect(checkArgs(['--only', 'policies', '--refrence', '/r'], opts)).toMatch(/Unknown option '--refrence'/);
    expect(checkArgs(['stray'], opts)).toMatch(/positional/i);
    expect(checkArgs(['--reference'], opts)).toMatch(/argument missing/);
  });

  it.skipIf(!existsSync(BENCH))('the built bench exits 2 on a typo before running anything', async () => {
    const err = await run(process.execPath, [BENCH, '--only', 'polices']).then(
      () => null,
      (e: { code: number; stderr: string; stdout: string }) => e,
    );
    expect(err).not.toBeNull();
    expect(err!.code).toBe(2);
    expect(err!.stderr).toMatch(/bench: error: --only: unknown section 'polices'/);
    expect(err!.stdout).toBe('');
    const typo = await run(process.execPath, [BENCH, '--only', 'policies', '--refrence', '/r']).then(
      () => null,
      (e: { code: number; stderr: string; stdout: string }) => e,
    );
    expect(typo?.code).toBe(2);
    expect(typo?.stderr).toMatch(/bench: error: Unknown option '--refrence'/);
    expect(typo?.stdout).toBe('');
  });
});
