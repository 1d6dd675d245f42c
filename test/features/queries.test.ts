import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import { parseQueryCsv, readQueries, requireLabels } from '../../src/features/queries.js';
import { HAVE_PROMPTS, PAPER_ORDER, PROMPTS_DIR, warnIfNoPrompts } from './helpers.js';
import { throwsDataError } from '../helpers/errors.js';

warnIfNoPrompts('reading the real prompt files');

const dir = mkdtempSync(join(tmpdir(), 'greenserv-queries-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

describe('queries format (query_id, text[, task])', () => {
  it('reads ids, multi-line quoted text and optional tasks with their line numbers', () => {
    const p = file('q.csv', 'query_id,text,task\nq1,"Hello, world.\nSecond line.",mmlu\nq2,Plain text,\nq3,,gsm8k\n');
    const s = readQueries(p);
    expect(s.records.map((r) => [r.queryId, r.text, r.task, r.line])).toEqual([
      ['q1', 'Hello, world.\nSecond line.', 'mmlu', 2],
      ['q2', 'Plain text', null, 4],
      ['q3', '', 'gsm8k', 5],
    ]);
    expect(s.warnings).toEqual([]);
  });

  it('accepts a header without task, a BOM and blank trailing lines', () => {
    const s = parseQueryCsv(Buffer.from('\uFEFFquery_id,text\r\na,x\r\n\r\n'), 'x.csv');
    expect(s.format).toBe('queries');
    expect(s.records).toHaveLength(1);
    expect(s.records[0].task).toBeNull();
  });

  it('names file, line and column for bad input', () => {
    let e = throwsDataError(() => parseQueryCsv('query_id,text\na,1\n,2\n', 'f.csv'));
    expect([e.file, e.line, e.column]).toEqual(['f.csv', 3, 'query_id']);
    expect(e.message).toMatch(/^f\.csv:3 \(column 'query_id'\): empty query id/);
    e = throwsDataError(() => parseQueryCsv('query_id\na\n', 'f.csv'));
    expect([e.line, e.column]).toEqual([1, 'text']);
    e = throwsDataError(() => parseQueryCsv('foo,bar\n1,2\n', 'f.csv'));
    expect(e.message).toMatch(/unrecognised header \(foo,bar\): expected query_id,text/);
    // a wide table is named by its first columns and its width
    const wide = ['', 'sample_id', 'prompt', 'eval_name', ...Array.from({ length: 36 }, (_, i) => `model-${i}|total_cost`)];
    e = throwsDataError(() => parseQueryCsv(`${wide.join(',')}\n${wide.map(() => '1').join(',')}\n`, 'rb.csv'));
    expect(e.message).toBe("rb.csv:1: unrecognised header (,sample_id,prompt,eval_name,model-0|total_cost,model-1|total_cost,… 40 columns): expected query_id,text[,task] or id,dataset,processed_input,...");
    e = throwsDataError(() => parseQueryCsv('query_id,text\na,"unterminated\n', 'f.csv'));
    expect(e.message).toMatch(/malformed CSV/);
    expect(e.line).toBeGreaterThanOrEqual(2);
    e = throwsDataError(() => parseQueryCsv('query_id,text\na,1,extra\n', 'f.csv'));
    expect(e.line).toBe(2);
    e = throwsDataError(() => parseQueryCsv('query_id,text,text\na,1,2\n', 'f.csv'));
    expect(e.column).toBe('text');
    e = throwsDataError(() => parseQueryCsv('', 'f.csv'));
    expect(e.message).toMatch(/empty file/);
    const dup = file('dup.csv', 'query_id,text\na,1\nb,2\na,3\n');
    e = throwsDataError(() => readQueries(dup));
    expect([e.line, e.column]).toEqual([4, 'query_id']);
    expect(e.message).toMatch(/duplicate query id 'a'/);
    e = throwsDataError(() => readQueries(file('hdr.csv', 'query_id,text,task\n\n')));
    expect(e.message).toMatch(/hdr\.csv: no queries \(header only\?\)$/);
    mkdirSync(join(dir, 'hdrs'));
    writeFileSync(join(dir, 'hdrs', 'a.csv'), 'query_id,text\n');
    writeFileSync(join(dir, 'hdrs', 'b.csv'), 'id,dataset,processed_input\r\n');
    e = throwsDataError(() => readQueries(join(dir, 'hdrs')));
    expect(e.message).toMatch(/hdrs: no queries in any of its 2 \.csv files/);
    e = throwsDataError(() => readQueries(join(dir, 'missing.csv')));
    expect(e.message).toMatch(/missing.csv: file not found/);
  });

  it('replaces invalid UTF-8 by U+FFFD and warns with the line', () => {
    const bytes = Buffer.concat([Buffer.from('query_id,text\nq1,ok\nq2,bad '), Buffer.from([0xff, 0xfe]), Buffer.from(' bytes\n')]);
    const s = parseQueryCsv(bytes, 'b.csv');
    expect(s.records[1].text).toBe('bad \uFFFD\uFFFD bytes');
    expect(s.warnings).toEqual(['b.csv:3: invalid UTF-8 byte sequence(s) replaced by U+FFFD']);
  });

  it('requires labels for training', () => {
    const p = file('nolabel.csv', 'query_id,text,task\na,x,t1\nb,y,\n');
    const e = throwsDataError(() => requireLabels(readQueries(p)));
    expect(e.line).toBe(3);
  });
});

describe("paper prompt format (id, dataset, processed_input, ...)", () => {
  it('reads a directory in the reference query order, then by name', () => {
    const d = join(dir, 'prompts');
    mkdirSync(d);
    const head = 'dataset,processed_input,reference,max_new_tokens,stop_sequence,extraction_method,evaluation_metric,id\n';
    writeFileSync(join(d, 'gsm8k.csv'), `${head}gsm8k,"Solve.\nQ",18,256,['####'],numeric,exact_match,gsm8k_1\n`);
    writeFileSync(join(d, 'mmlu.csv'), `${head}mmlu,"Choose.\nQ",A,1,['\\n'],multiple_choice,exact_match,mmlu_1\n`);
    writeFileSync(join(d, 'extra.csv'), 'query_id,text\nz1,zzz\n');
    writeFileSync(join(d, 'notes.txt'), 'ignored');
    const s = readQueries(d);
    expect(s.records.map((r) => [r.queryId, r.task])).toEqual([['mmlu_1', 'mmlu'], ['gsm8k_1', 'gsm8k'], ['z1', null]]);
    expect(() => readQueries(join(dir, 'prompts', 'notes.txt'))).toThrow(DataError);
    const bad = file('p.csv', 'dataset,processed_input\nmmlu,x\n');
    expect(throwsDataError(() => readQueries(bad)).column).toBe('id');
  });

  it.skipIf(!HAVE_PROMPTS)('reads the 2,500 real prompts, 500 per task, in query_id order', () => {
    const s = readQueries(PROMPTS_DIR);
    expect(s.records).toHaveLength(2500);
    PAPER_ORDER.forEach((t, i) => {
      const part = s.records.slice(i * 500, (i + 1) * 500);
      expect(part.every((r) => r.task === t)).toBe(true);
      expect(part[0].queryId).toBe(`${t}_1`);
    });
  });
});
