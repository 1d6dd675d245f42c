import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import { parseStopList, readProfilingQueries } from '../../src/profiling/queries.js';
import { scoreCompletion } from '../../src/profiling/scoring.js';
import { FIXTURE, writePromptFile } from './fixtures.js';
import { tempDir } from './helpers.js';

const PROMPTS = resolve(__dirname, '../../../shared/data/greenserv/prompts');
const havePrompts = existsSync(join(PROMPTS, 'mmlu.csv'));
if (!havePrompts) console.warn(`skipping the real prompt-file test: ${PROMPTS} not found (shared reference data is absent)`);

async function dataError(p: Promise<unknown>): Promise<DataError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return e as DataError;
  }
  throw new Error('expected a DataError');
}

describe('stop sequences', () => {
  it('reads Python list literals, JSON arrays and plain strings', () => {
    expect(parseStopList("['\\n']")).toEqual(['\n']);
    expect(parseStopList("['####', '\\n\\n\\n']")).toEqual(['####', '\n\n\n']);
    expect(parseStopList('["\\n", "Q:"]')).toEqual(['\n', 'Q:']);
    expect(parseStopList(`["it's", 'say "hi"', '\\x41\\t']`)).toEqual(["it's", 'say "hi"', 'A\t']);
    expect(parseStopList('[]')).toEqual([]);
    expect(parseStopList('####')).toEqual(['####']);
    expect(parseStopList('')).toEqual([]);
    expect(() => parseStopList("['open")).toThrow(/unterminated/);
    expect(() => parseStopList('[1, 2]')).toThrow(/quoted string/);
  });
});

describe('reading query files', () => {
  it('reads the paper layout with per-row generation settings', async () => {
    const dir = tempDir();
    const qs = await readProfilingQueries([writePromptFile(dir)]);
    expect(qs.map((q) => q.id)).toEqual(FIXTURE.map((f) => f.id));
    const cnn = qs.find((q) => q.task === 'cnn_dailymail')!;
    expect(cnn).toMatchObject({ maxTokens: 128, stop: ['####', '\n\n\n'], extraction: 'raw', metric: 'rouge' });
    expect(qs[0]).toMatchObject({ task: 'mmlu', maxTokens: 1, stop: ['\n'], extraction: 'multiple_choice', reference: 'B' });
    expect((await readProfilingQueries([dir], { maxTokens: 16 })).every((q) => q.maxTokens === 16)).toBe(true);
  });

  it('reads the project layout (query_id, task, text, reference) with per-task defaults', async () => {
    const dir = tempDir();
    const f = join(dir, 'q.csv');
    writeFileSync(f, 'query_id,task,text,reference\nq1,gsm8k,"What is 2+3?\nAnswer:",5\nq2,hellaswag,"Pick.\nA. x\nB. y\nAnswer:",A\n');
    const qs = await readProfilingQueries([f]);
    expect(qs[0]).toMatchObject({ id: 'q1', maxTokens: 256, stop: ['####'], extraction: 'numeric', metric: 'exact_match' });
    expect(qs[1]).toMatchObject({ id: 'q2', maxTokens: 1, stop: ['\n'], extraction: 'multiple_choice' });
    const j = join(dir, 'q.jsonl');
    writeFileSync(j, JSON.stringify({ query_id: 'j1', task: 'custom', text: 'Say hi', reference: 'hi', extraction_method: 'raw', evaluation_metric: 'exact_match' }) + '\n');
    expect((await readProfilingQueries([j]))[0]).toMatchObject({ id: 'j1', maxTokens: 256, stop: [], extraction: 'raw' });
  });

  it('names the missing columns', async () => {
    const dir = tempDir();
    const f = join(dir, 'q.csv');
    writeFileSync(f, 'query_id,task,text\nq1,mmlu,hello\n');
    const e = await dataError(readProfilingQueries([f]));
    expect(e.message).toMatch(/q\.csv:1: queries file lacks column\(s\) reference, needed to score the answers: expected the prompt-file columns/);
    writeFileSync(f, 'model_id,accuracy\nm,1\n');
    expect((await dataError(readProfilingQueries([f]))).message).toMatch(/id \(or query_id\); dataset \(or task\); processed_input \(or text, prompt\); reference/);
  });

  it('rejects bad rows with file and line', async () => {
    const dir = tempDir();
    const f = join(dir, 'q.csv');
    const cases: [string, RegExp][] = [
      ['query_id,task,text,reference\nq1,poetry,Write,roses\n', /:2: task 'poetry' has no built-in scoring rule; add extraction_method/],
      ['query_id,task,text,reference\nq1,mmlu,x,A\nq1,mmlu,y,B\n', /:3 \(column 'query_id'\): query 'q1' appears twice/],
      ['query_id,task,text,reference\nq1,mmlu,,A\n', /:2 \(column 'text'\): query 'q1' has an empty prompt/],
      ['query_id,task,text,reference\nq1,mmlu,x,\n', /:2 \(column 'reference'\): query 'q1' has an empty reference/],
      ['query_id,task,text,reference,max_new_tokens\nq1,mmlu,x,A,lots\n', /max_new_tokens 'lots' is not a positive integer/],
      ['query_id,task,text,reference,max_new_tokens\nq1,mmlu,x,A,1e300\n', /:2 \(column 'max_new_tokens'\): max_new_tokens '1e300' is not a positive integer/],
      ['query_id,task,text,reference,extraction_method\nq1,mmlu,x,A,regex\n', /unknown extraction_method 'regex'/],
      ['query_id,task,text,reference,stop_sequence\nq1,mmlu,x,A,"[\'open"\n', /cannot read stop_sequence/],
      ['query_id,task,text,reference\n', /no queries \(header only\?\)/],
    ];
    for (const [content, re] of cases) {
      writeFileSync(f, content);
      expect((await dataError(readProfilingQueries([f]))).message).toMatch(re);
    }
    expect((await dataError(readProfilingQueries([join(dir, 'absent.csv')]))).message).toMatch(/queries file not found/);
    expect((await dataError(readProfilingQueries([tempDir()]))).message).toMatch(/holds no \.csv/);
  });

  it.skipIf(!havePrompts)('reads the paper\'s 2,500 prompts from the shared directory', async () => {
    const qs = await readProfilingQueries([PROMPTS]);
    expect(qs).toHaveLength(2500);
    const by = (t: string) => qs.filter((q) => q.task === t);
    for (const t of ['mmlu', 'hellaswag', 'winogrande', 'gsm8k', 'cnn_dailymail']) expect(by(t)).toHaveLength(500);
    expect(by('mmlu').every((q) => q.maxTokens === 1 && q.stop.length === 1 && q.stop[0] === '\n' && /^[A-D]$/.test(q.reference))).toBe(true);
    expect(by('winogrande').every((q) => /^[AB]$/.test(q.reference))).toBe(true);
    expect(by('gsm8k').every((q) => q.maxTokens === 256 && q.stop[0] === '####' && q.extraction === 'numeric')).toBe(true);
    expect(by('cnn_dailymail').every((q) => q.stop.length === 2 && q.stop[1] === '\n\n\n' && q.metric === 'rouge')).toBe(true);
    expect(by('cnn_dailymail')[0].prompt).toMatch(/Summary:\n$/);
    // every reference is scorable: a model answering it exactly scores 1
    for (const q of qs) {
      const answer = q.extraction === 'numeric' ? `Let me compute.\nAnswer: ${q.reference} ` : q.reference;
      const s = scoreCompletion({ extraction: q.extraction, metric: q.metric, reference: q.reference, prompt: q.prompt }, answer);
      expect(s.accuracy, q.id).toBeCloseTo(1, 12);
    }
  });
});
