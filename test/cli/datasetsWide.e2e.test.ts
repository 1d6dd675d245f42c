/**
 * datasets info on a table of 150,000 models (a wide RouterBench file, one column per model): the model table's
 * widths were a spread call, beyond the stack. An e2e file: loading the table takes seconds.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { datasetsInProcess as run } from '../helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'gs-dswide-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

it('a table of 150,000 models prints its model table', async () => {
  const f = join(tmp, 'wide.csv');
  const ids = Array.from({ length: 150_000 }, (_, i) => `m${i}`);
  writeFileSync(f, `sample_id,eval_name,prompt,${ids.join(',')}\ns1,mmlu,hi,${ids.map((_, i) => i % 2).join(',')}\n`);
  const { out } = await run('info', f);
  const lines = out.split('\n');
  expect(lines).toContain('  m149999    100.0%  1    1.0000');
  // the model column is as wide as its longest id, 'm149999'
  expect(lines).toContain('  m0         100.0%  1    0.0000');
});
