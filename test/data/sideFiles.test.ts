/** --queries and --models with tables whose layout lists its own queries and models (RouterBench wide CSV). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { userErrorText } from '../../src/cli/errors.js';
import { UsageError } from '../../src/core/errors.js';
import { loadTable } from '../../src/data/load.js';

const dir = mkdtempSync(join(tmpdir(), 'gs-side-'));
const wide = join(dir, 'rb.csv');
writeFileSync(
  wide,
  'sample_id,prompt,eval_name,big,small,big|total_cost,small|total_cost\n' +
    'q1,"[\'a question\']",arc,1,0,0.002,0.0005\n' +
    'q2,"[\'another one\']",arc,1,1,0.003,0.0004\n',
);

describe('side files on a table of another layout', () => {
  it('--queries is refused, naming the option and the file', async () => {
    const queries = join(dir, 'q.csv');
    writeFileSync(queries, 'query_id,task\nq1,arc\n');
    const e = await loadTable(wide, { queries }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).toBe(`queries applies to long-format tables (query_id, model_id, …); ${wide} has another layout, which lists its own queries`);
    expect(userErrorText(e as Error)).toBe(`--queries applies to long-format tables (query_id, model_id, …); ${wide} has another layout, which lists its own queries`);
  });

  it('--models describes its models, as for the built-in table; a missing file is an error, not ignored', async () => {
    const models = join(dir, 'm.csv');
    writeFileSync(models, 'model_id,params_b,family\nbig,70,alpha\n');
    const plain = await loadTable(wide);
    const t = await loadTable(wide, { models });
    expect(plain.models.find((m) => m.id === 'big')!.paramsB).toBeNaN();
    expect(t.models.find((m) => m.id === 'big')).toMatchObject({ paramsB: 70, family: 'alpha' });
    expect(t.models.find((m) => m.id === 'small')).toEqual(plain.models.find((m) => m.id === 'small'));
    await expect(loadTable(wide, { models: join(dir, 'absent.csv') })).rejects.toThrow(/absent\.csv: file not found/);
  });
});
