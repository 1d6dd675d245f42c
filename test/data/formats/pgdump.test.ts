import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { loadTable } from '../../../src/data/load.js';
import { unescapeCopy } from '../../../src/data/formats/pgdump.js';
import { scratch, dataError } from './helpers.js';
import { column } from '../../helpers/table.js';

const DUMP = fileURLToPath(new URL('../../fixtures/greenserv_small.sql', import.meta.url));
const s = scratch();
const text = readFileSync(DUMP, 'utf8');

describe('GreenServ Postgres dump', () => {
  it('reads queries, features, models and results from the COPY blocks', async () => {
    const warnings: string[] = [];
    const t = await loadTable(DUMP, { warn: (m) => warnings.push(m) });
    // Query 4 has no results and is dropped; order is the queries table's.
    expect(t.queryIds).toEqual(['1', '2', '3']);
    expect(t.tasks).toEqual(['mmlu', 'gsm8k', 'cnn_dailymail']);
    expect(t.models).toEqual([
      { id: 'qwen2.5-0.5b', name: 'Qwen/Qwen2.5-0.5B-Instruct', paramsB: 0.5 },
      { id: 'gemma-3-27b', name: 'google/gemma-3-27b-it', paramsB: 27 },
      { id: 'yi-34b', name: '01-ai/Yi-34B', paramsB: 34 },
    ]);
    expect(t.queryText).toEqual(['Question:\nWhich gas?\nA. O2\nB. CO2\nAnswer:\n', 'Solve: 9 \\times 2 = ?\tAnswer:', 'Article: café A test']);
    expect(Array.from(t.cluster)).toEqual([0, 2, 1]);
    expect(t.complexity[0]).toBe(18.5);
    expect(Number.isNaN(t.complexity[1])).toBe(true);
    const nan = Number.NaN;
    // Query 2 × gemma has two run_ids: averaged.
    expect(Array.from(t.accuracy)).toEqual([1, 0, nan, 0, 1, nan, 0.4, nan, 0.55]);
    expect(Array.from(t.energyJ)).toEqual([2.5, 30, nan, 100, 950, nan, 50, nan, 400]);
    expect(Array.from(column(t, 'outputTokens'))).toEqual([1, 1, nan, 200, 160, nan, 60, nan, 80]);
    expect(t.costUsd).toBeNull();
    const all = warnings.join('\n');
    expect(all).toMatch(/1 \(query, model\) pairs have results from several run_ids; their metrics were averaged/);
    expect(all).toMatch(/1 pregenerated_results row\(s\) with NULL accuracy skipped/);
    expect(all).toMatch(/1 of 4 queries have no outcomes/);
  });

  it('reads a gzipped dump', async () => {
    const t = await loadTable(s.write('dump.sql.gz', gzipSync(Buffer.from(text))));
    expect(t.nQueries).toBe(3);
  });

  it('COPY block without terminator', async () => {
    const cut = text.slice(0, text.indexOf('6\t3\tqwen'));
    await dataError(loadTable(s.write('noterm.sql', cut)), { message: /COPY block for pregenerated_results \(line \d+\) has no terminator/ });
  });

  it('truncated gzip', async () => {
    const gz = gzipSync(Buffer.from(text));
    await dataError(loadTable(s.write('trunc.sql.gz', gz.subarray(0, gz.length - 30))), { message: /truncated gzip/ });
  });

  it('ragged COPY row', async () => {
    const bad = text.replace('3\t2\tqwen2.5-0.5b\t1\t18 ####\t0\t', '3\t2\tqwen2.5-0.5b\t1\t18 ####\t');
    await dataError(loadTable(s.write('ragged.sql', bad)), { message: /ragged COPY row for pregenerated_results: expected 11 fields, got 10/ });
  });

  it('bad values name the line and column', async () => {
    const bad = text.replace('6\t3\tqwen2.5-0.5b\t1\tThe article says\t0.4\t50', '6\t3\tqwen2.5-0.5b\t1\tThe article says\t1.4\t50');
    const line = bad.split('\n').findIndex((l) => l.startsWith('6\t3\tqwen')) + 1;
    await dataError(loadTable(s.write('range.sql', bad)), { line, column: 'accuracy', message: /outside \[0, 1\]/ });
    const neg = text.replace('\t0.05\t120', '\t-0.05\t120');
    await dataError(loadTable(s.write('neg.sql', neg)), { column: 'latency', message: /negative/ });
    const nan = text.replace('\t2.5\t0.05', '\tNaN\t0.05');
    await dataError(loadTable(s.write('nan.sql', nan)), { column: 'energy_consumption', message: /not allowed/ });
  });

  it('a result for a query missing from the queries table', async () => {
    const bad = text.replace('8\t3\tyi-34b', '8\t77\tyi-34b');
    await dataError(loadTable(s.write('unknownq.sql', bad)), { column: 'query_id', message: /query '77' is not in the queries table/ });
  });

  it('duplicate rows within one run_id are an error', async () => {
    const bad = text.replace('5\t2\tgemma-3-27b\t2', '5\t2\tgemma-3-27b\t1');
    await dataError(loadTable(s.write('duprun.sql', bad)), { column: 'run_id', message: /appears twice/ });
  });

  it('a dump without the results table', async () => {
    await dataError(loadTable(s.write('other.sql', '--\nSET x = 1;\n')), { message: /no COPY block for pregenerated_results/ });
    await dataError(loadTable(s.write('empty.sql', '')), { message: /empty/ });
  });

  it('unescapes COPY text', () => {
    expect(unescapeCopy('\\N')).toBeNull();
    expect(unescapeCopy('a\\tb\\\\c\\nd')).toBe('a\tb\\c\nd');
    expect(unescapeCopy('\\303\\251t\\x41')).toBe('étA');
    // Stray bytes would decode to the same replacement character, merging distinct ids: refused.
    expect(() => unescapeCopy('t\\xe9')).toThrow(/not valid UTF-8/);
    expect(unescapeCopy('plain')).toBe('plain');
  });

  it('is detected from content when the extension says nothing', async () => {
    const t = await loadTable(s.write('dump.backup', text));
    expect(t.nModels).toBe(3);
  });

  it('a COPY statement with a long run of blanks fails fast (found by fuzzing: the statement pattern backtracked quadratically)', async () => {
    const bad = text.replace('COPY public.models (', `COPY public.models${' '.repeat(200_000)}x (`);
    const line = bad.split('\n').findIndex((l) => l.startsWith('COPY public.models')) + 1;
    const t0 = performance.now();
    await dataError(loadTable(s.write('fz-blanks.sql', bad)), { line, message: /cannot parse COPY statement/ });
    expect(performance.now() - t0).toBeLessThan(2000);
    // The blank before the column list is still optional.
    const tight = await loadTable(s.write('fz-tight.sql', text.replace('COPY public.models (', 'COPY public.models(')));
    expect(tight.nModels).toBe(3);
  });
});
