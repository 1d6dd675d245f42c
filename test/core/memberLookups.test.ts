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
import { loadTable } from '../../src/data/load.js';
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

  it('a file extension or wide-column suffix named after an Object member says nothing of the format or metric', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-member-'));
    // an unknown extension: the content tells the format
    const f = join(dir, 'pairs.constructor');
    writeFileSync(f, 'query_id,model_id,accuracy\nq1,a,1\nq1,b,0\n');
    const t = await loadTable(f);
    expect(t.models.map((m) => m.id)).toEqual(['a', 'b']);
    expect(Array.from(t.accuracy)).toEqual([1, 0]);
    // a wide table: model|constructor is an unknown metric column, ignored with a warning as model|foo is
    const w = join(dir, 'wide.csv');
    writeFileSync(w, 'query_id,task,__proto__|accuracy,__proto__|energy_j,constructor|accuracy,constructor|energy_j,m|accuracy,m|constructor,m|__proto__\nq1,t,1,5,0,7,1,9,9\nq2,t,0,6,1,8,1,9,9\n');
    const warnings: string[] = [];
    const u = await loadTable(w, { warn: (m) => warnings.push(m) });
    expect(u.models.map((m) => m.id)).toEqual(['__proto__', 'constructor', 'm']);
    expect(Array.from(u.accuracy)).toEqual([1, 0, 1, 0, 1, 1]);
    expect(Array.from(u.energyJ!)).toEqual([5, 7, Number.NaN, 6, 8, Number.NaN]);
    expect(warnings).toEqual([`${w}: ignoring column(s): m|constructor, m|__proto__`]);
  });
});
