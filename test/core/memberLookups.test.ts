/**
 * Fixed lookup tables (formats by extension, policy labels and colours, task scoring defaults) asked with a
 * user-given name that is an Object member name: it is an unknown name like any other, never Object's member.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError, UsageError } from '../../src/core/errors.js';
import { resolveSizes } from '../../src/data/energy/sizes.js';
import { logFormatOf } from '../../src/data/logWrite.js';
import { outputFormatOf } from '../../src/data/formats/write.js';
import { readProfilingQueries } from '../../src/profiling/queries.js';
import { policyLabel } from '../../src/report/evaluateCharts.js';
import { policyColours, POLICY_COLOURS } from '../../src/report/palette.js';

const NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

describe('lookups by an Object member name', () => {
  it('an extension or --to named after an Object member is an unknown format', () => {
    for (const n of NAMES) {
      expect(() => logFormatOf(`log.${n}`), n).toThrow(new UsageError(`--log: cannot tell the log format from 'log.${n}' (use .csv, .tsv, .jsonl or .parquet)`));
      expect(() => outputFormatOf(`out.${n}`), n).toThrow(UsageError);
      expect(() => outputFormatOf('out.csv', n), n).toThrow(`--to: cannot write format '${n}'`);
    }
    expect(logFormatOf('log.CSV')).toBe('csv');
    expect(outputFormatOf('out.csv', 'PARQUET')).toBe('parquet');
  });

  it('a policy named after an Object member is labelled by its name and takes a spare colour', () => {
    for (const n of NAMES) expect(policyLabel(n)).toBe(n);
    const spare = Object.values(POLICY_COLOURS);
    const c = policyColours([{ label: 'linucb' }, ...NAMES.map((label) => ({ label }))]);
    expect(c.get('linucb')).toBe(POLICY_COLOURS.linucb);
    // every label a distinct colour string, none of them a built-in policy's
    const got = NAMES.map((n) => c.get(n));
    for (const g of got) expect(typeof g).toBe('string');
    expect(new Set([POLICY_COLOURS.linucb, ...got]).size).toBe(NAMES.length + 1);
    for (const g of got) expect(spare).not.toContain(g);
  });

  it('a profiling task named after an Object member has no built-in scoring rule', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-member-'));
    for (const task of ['constructor', '__proto__']) {
      const f = join(dir, `${task}.csv`);
      writeFileSync(f, `query_id,task,text,reference\nq1,${task},What is 2+2?,4\n`);
      await expect(readProfilingQueries([f])).rejects.toThrow(`task '${task}' has no built-in scoring rule`);
      writeFileSync(f, `query_id,task,text,reference,extraction_method,evaluation_metric\nq1,${task},What is 2+2?,4,numeric,exact_match\n`);
      const [q] = await readProfilingQueries([f]);
      // the defaults of a task without built-in rules: 256 tokens, no stop sequence
      expect(q).toMatchObject({ task, extraction: 'numeric', metric: 'exact_match', maxTokens: 256, stop: [] });
    }
  });

  it('a model named after an Object member has no default size: its table count, its name or a refusal', () => {
    for (const id of NAMES) {
      expect(() => resolveSizes([{ id, paramsB: Number.NaN }], null, 'pool.csv'), id).toThrow(new DataError(`model '${id}' has no known parameter count: give it in a --models file (model,total_params_b,active_params_b,precision)`, 'pool.csv'));
      const [fromTable] = resolveSizes([{ id, paramsB: 7 }], null, 'pool.csv');
      expect(fromTable).toMatchObject({ totalB: 7, activeB: 7 });
    }
  });
});
