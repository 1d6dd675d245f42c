/** An unknown policy name is refused before the data is read, so none of the loader's warnings come first. */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/app/simulate.js';
import { UsageError } from '../../src/core/errors.js';
import { resolvePolicies } from '../../src/policies/registry.js';
import { cliInProcess } from '../helpers/cli.js';

/** The message the registry gives an unknown name, as simulate gave it after loading. */
function unknownPolicy(name: string): string {
  try {
    resolvePolicies([name], [], []);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`'${name}' is a known policy`);
}

describe('simulate: policy names before the data', () => {
  // a table whose load warns: one exact duplicate row
  const dir = mkdtempSync(join(tmpdir(), 'gs-pol-early-'));
  const data = join(dir, 'p.csv');
  writeFileSync(data, 'query_id,model_id,accuracy\nq1,a,1\nq1,a,1\nq1,b,0\nq2,a,0\nq2,b,1\n');

  it('the command refuses an unknown name with no loader warning before it; static:<model> is checked after loading', async () => {
    const out = join(dir, 'o');
    const r = await cliInProcess(['simulate', '--data', data, '--policies', 'random,nope', '--runs', '1', '--no-progress', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`greenserv: error: ${unknownPolicy('nope')}\n`);
    expect(existsSync(out)).toBe(false);
    const st = await cliInProcess(['simulate', '--data', data, '--policies', 'static:zz', '--runs', '1', '--no-progress', '--out', out]);
    expect(st.code).toBe(2);
    expect(st.stderr).toMatch(/warning: .*p\.csv: 1 exact duplicate row\(s\) ignored\n.*error: unknown model 'zz' in 'static:zz'/s);
    expect(existsSync(out)).toBe(false);
  });

  it('the library refuses it before reading the source (a missing file is not what is reported)', async () => {
    const warnings: string[] = [];
    const e = await simulate({ data: join(dir, 'absent.csv'), policies: ['nope'], runs: 1, warn: (m) => warnings.push(m) }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).toBe(unknownPolicy('nope'));
    const w = await simulate({ data, policies: ['nope'], runs: 1, warn: (m) => warnings.push(m) }).catch((x: unknown) => x);
    expect((w as Error).message).toBe(unknownPolicy('nope'));
    expect(warnings).toEqual([]);
  });
});
