import { describe, it, expect } from 'vitest';
import { existsSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { loadTable } from '../../../src/data/load.js';
import { DataError } from '../../../src/core/errors.js';
import { scratch, dataError } from './helpers.js';

const s = scratch();

const PAIRS = [
  'query_id,model_id,accuracy,energy_j,latency_s,input_tokens,output_tokens,cost_usd',
  'q1,small,1,10,0.1,100,1,0.001',
  'q1,large,1,50,0.3,100,1,0.01',
  'q2,small,0,12,0.2,80,20,0.002',
  'q2,large,1,90,0.5,80,20,0.02',
].join('\n');

describe('long format: good input', () => {
  it('loads a CSV with every metric column', async () => {
    const t = await loadTable(s.write('pairs.csv', PAIRS + '\n'));
    expect(t.nQueries).toBe(2);
    expect(t.nModels).toBe(2);
    expect(t.queryIds).toEqual(['q1', 'q2']);
    expect(t.models.map((m) => m.id)).toEqual(['small', 'large']);
    expect(Array.from(t.accuracy)).toEqual([1, 1, 0, 1]);
    expect(Array.from(t.energyJ)).toEqual([10, 50, 12, 90]);
    // 6-digit values are stored as float32, 0/1 accuracy as bytes (datasets/README.md, storage)
    expect(t.costUsd).toBeInstanceOf(Float32Array);
    expect(Array.from(t.costUsd!)).toEqual([0.001, 0.01, 0.002, 0.02].map(Math.fround));
    expect(t.accuracy).toBeInstanceOf(Uint8Array);
    expect(Array.from(t.present)).toEqual([1, 1, 1, 1]);
    expect(t.tasks).toEqual(['all']);
    expect(t.name).toBe('pairs.csv');
  });

  it('accepts any subset of the metric columns; absent ones are NaN, absent cost is null', async () => {
    const t = await loadTable(s.write('acc-only.csv', 'query_id,model_id,accuracy\na,m,0.5\nb,m,1\n'));
    expect(Array.from(t.accuracy)).toEqual([0.5, 1]);
    expect(t.energyJ.every(Number.isNaN)).toBe(true);
    expect(t.costUsd).toBeNull();
  });

  it('reads TSV, JSONL and gzip', async () => {
    const tsv = PAIRS.replaceAll(',', '\t');
    const a = await loadTable(s.write('pairs.tsv', tsv));
    const b = await loadTable(s.write('pairs.csv.gz', PAIRS, true));
    const jsonl = PAIRS.split('\n')
      .slice(1)
      .map((l) => {
        const [q, m, acc, e, lat, i, o, c] = l.split(',');
        return JSON.stringify({ query_id: q, model_id: m, accuracy: +acc, energy_j: +e, latency_s: +lat, input_tokens: +i, output_tokens: +o, cost_usd: +c });
      })
      .join('\n');
    const c = await loadTable(s.write('pairs.jsonl', jsonl));
    for (const t of [a, b, c]) {
      expect(t.queryIds).toEqual(['q1', 'q2']);
      expect(Array.from(t.energyJ)).toEqual([10, 50, 12, 90]);
    }
  });

  it('uses queries and models files for order, tasks, text and model info', async () => {
    const queries = s.write('queries.csv', 'query_id,task,text,cluster,complexity\nq2,gsm8k,"What is 2+2?",1,35.5\nq1,mmlu,"Pick A",0,\nq3,mmlu,unused,,\n');
    const models = s.write('models.csv', 'model_id,name,params_b\nlarge,Org/Large-7B,7\nsmall,Org/Small-1B,1\n');
    const warnings: string[] = [];
    const t = await loadTable(s.write('pairs2.csv', PAIRS), { queries, models, warn: (m) => warnings.push(m) });
    expect(t.queryIds).toEqual(['q2', 'q1']);
    expect(t.models).toEqual([
      { id: 'large', name: 'Org/Large-7B', paramsB: 7 },
      { id: 'small', name: 'Org/Small-1B', paramsB: 1 },
    ]);
    // q2 first: large=1, small=0
    expect(Array.from(t.accuracy)).toEqual([1, 0, 1, 1]);
    expect(t.tasks).toEqual(['mmlu', 'gsm8k']);
    expect(t.tasks[t.queryTask[0]]).toBe('gsm8k');
    expect(t.queryText).toEqual(['What is 2+2?', 'Pick A']);
    expect(Array.from(t.cluster)).toEqual([1, 0]);
    expect(t.complexity[0]).toBe(35.5);
    expect(Number.isNaN(t.complexity[1])).toBe(true);
    expect(warnings.some((w) => /1 of 3 queries have no outcomes/.test(w))).toBe(true);
  });

  it('takes the task from a task column of the pairs file', async () => {
    const t = await loadTable(s.write('task.csv', 'query_id,model_id,accuracy,task\na,m,1,winogrande\nb,m,0,mmlu\n'));
    expect(t.tasks).toEqual(['mmlu', 'winogrande']);
    expect(t.queryTask[0]).toBe(1);
  });

  it('allows a model present in some queries only (coverage < 1, cell masked)', async () => {
    const t = await loadTable(s.write('partial.csv', 'query_id,model_id,accuracy\na,m1,1\na,m2,0\nb,m1,1\n'));
    expect(Array.from(t.present)).toEqual([1, 1, 1, 0]);
    // 0/1 accuracy is bytes: the missing cell is known from `present` and holds 0
    expect(t.accuracy).toBeInstanceOf(Uint8Array);
    expect(t.accuracy[3]).toBe(0);
  });

  it('strips a UTF-8 byte-order mark', async () => {
    const t = await loadTable(s.write('bom.csv', '\ufeff' + PAIRS));
    expect(t.nQueries).toBe(2);
    const j = await loadTable(s.write('bom.jsonl', '\ufeff{"query_id":"a","model_id":"m","accuracy":1}\n'));
    expect(j.nQueries).toBe(1);
  });

  it('ignores exact duplicate rows with a warning', async () => {
    const warnings: string[] = [];
    const t = await loadTable(s.write('dup-ok.csv', 'query_id,model_id,accuracy\na,m,1\na,m,1\n'), { warn: (m) => warnings.push(m) });
    expect(t.nQueries).toBe(1);
    expect(warnings.join()).toMatch(/1 exact duplicate/);
  });

  it('applies a bounds file', async () => {
    const bounds = s.write('bounds.yaml', 'mmlu:\n  energy_per_token:\n    min: 0.01\n    max: 0.5\n');
    const t = await loadTable(s.write('b.csv', 'query_id,model_id,accuracy,task,energy_j,input_tokens,output_tokens\na,m,1,mmlu,1,10,0\n'), { bounds });
    expect(t.taskBounds.get('mmlu')).toEqual({ eptMin: 0.01, eptMax: 0.5 });
  });
});

describe('long format: every bad input is a DataError naming file, line and column', () => {
  it('empty file', async () => {
    const f = s.write('empty.csv', '');
    const e = await dataError(loadTable(f), { message: /empty/ });
    expect(e.file).toBe(f);
  });

  it('header only', async () => {
    await dataError(loadTable(s.write('header.csv', 'query_id,model_id,accuracy\n')), { message: /no data rows/ });
  });

  it('missing required column', async () => {
    await dataError(loadTable(s.write('nocol.csv', 'query_id,model_id,energy_j\na,m,1\n')), { line: 1, column: 'accuracy', message: /missing required column 'accuracy' \(long format\)$/ });
  });

  it('a misspelt column is named with the one it may have meant', async () => {
    // was "missing required column 'accuracy' (long format)" with no hint
    await dataError(loadTable(s.write('typo.csv', 'query_id,model_id,acuracy\na,m,1\n')), {
      line: 1,
      column: 'accuracy',
      message: /typo\.csv:1 \(column 'accuracy'\): missing required column 'accuracy' \(long format\); the header has 'acuracy' — did you mean 'accuracy'\?$/,
    });
    await dataError(loadTable(s.write('qtypo.csv', 'QueryID,model_id,accuracy\na,m,1\n')), { column: 'query_id', message: /the header has 'QueryID' — did you mean 'query_id'\?$/ });
    const pairs = s.write('typo-pairs.csv', 'query_id,model_id,accuracy\na,m,1\n');
    await dataError(loadTable(pairs, { queries: s.write('typo-q.csv', 'query_id,taks\na,t\n') }), { column: 'task', message: /missing required column 'task' \(queries file\); the header has 'taks' — did you mean 'task'\?$/ });
    await dataError(loadTable(s.write('ids.csv', 'queryid,model,accuracy\na,m,1\n')), {
      line: 1,
      message: /nor a recognised wide layout \(did you mean 'query_id' for 'queryid' and 'model_id' for 'model'\?\)$/,
    });
    // an optional column misspelt is ignored, with a warning that says which one it may have meant
    const warnings: string[] = [];
    await loadTable(s.write('opt.csv', 'query_id,model_id,accuracy,enrgy_j,notes\na,m,1,2,x\n'), { warn: (m) => warnings.push(m) });
    expect(warnings.join('\n')).toMatch(/opt\.csv: ignoring unknown column\(s\): enrgy_j, notes \(did you mean 'energy_j' for 'enrgy_j'\?\)/);
  });

  it('non-numeric accuracy', async () => {
    await dataError(loadTable(s.write('nonnum.csv', 'query_id,model_id,accuracy\na,m,1\nb,m,yes\n')), { line: 3, column: 'accuracy', message: /'yes' is not a number/ });
  });

  it('empty accuracy', async () => {
    await dataError(loadTable(s.write('noacc.csv', 'query_id,model_id,accuracy\na,m,\n')), { line: 2, column: 'accuracy', message: /required/ });
  });

  it('accuracy outside [0,1]', async () => {
    await dataError(loadTable(s.write('range.csv', 'query_id,model_id,accuracy\na,m,1.5\n')), { line: 2, column: 'accuracy', message: /outside \[0, 1\]/ });
  });

  it('negative energy', async () => {
    await dataError(loadTable(s.write('negE.csv', 'query_id,model_id,accuracy,energy_j\na,m,1,-3\n')), { line: 2, column: 'energy_j', message: /negative/ });
  });

  it('negative cost', async () => {
    await dataError(loadTable(s.write('negC.csv', 'query_id,model_id,accuracy,cost_usd\na,m,1,0\nb,m,1,-0.1\n')), { line: 3, column: 'cost_usd', message: /negative/ });
  });

  it.each(['NaN', 'inf', '-Infinity'])('%s value', async (v) => {
    await dataError(loadTable(s.write(`nonfinite-${v}.csv`, `query_id,model_id,accuracy,latency_s\na,m,1,${v}\n`)), { line: 2, column: 'latency_s', message: /not allowed/ });
  });

  it('conflicting duplicate (query, model) rows', async () => {
    const e = await dataError(loadTable(s.write('conflict.csv', 'query_id,model_id,accuracy\na,m,1\nb,m,1\na,m,0\n')), { line: 4, column: 'accuracy' });
    expect(e.message).toMatch(/conflicting duplicate rows for query 'a', model 'm'.*line 2/);
  });

  it('ragged CSV row', async () => {
    await dataError(loadTable(s.write('ragged.csv', 'query_id,model_id,accuracy\na,m,1\nb,m\n')), { line: 3, message: /ragged row: expected 3, got 2 fields/ });
  });

  it('wrong delimiter', async () => {
    // was "header looks ';'-separated, but this file is read as ','-separated", with nothing to do
    await dataError(loadTable(s.write('semi.csv', 'query_id;model_id;accuracy\na;m;1\n')), {
      line: 1,
      message: /';'-separated, but this file is read as ','-separated; greenserv reads commas \(CSV\) or tabs \(TSV\): save it again with commas as \.csv, or with tabs as \.tsv$/,
    });
    await dataError(loadTable(s.write('tabs.csv', 'query_id\tmodel_id\taccuracy\na\tm\t1\n')), { line: 1, message: /tab-separated.*\.tsv/ });
  });

  it('truncated gzip', async () => {
    const big = 'query_id,model_id,accuracy\n' + Array.from({ length: 2000 }, (_, i) => `q${i},m,1`).join('\n');
    const { gzipSync } = await import('node:zlib');
    const gz = gzipSync(Buffer.from(big));
    await dataError(loadTable(s.write('trunc.csv.gz', gz.subarray(0, gz.length >> 1))), { message: /truncated gzip/ });
  });

  it('a .gz name over bytes that are not gzip says the file is not gzip-compressed, in every reader', async () => {
    const NOT_GZ = /\/[^/]+\.gz: not gzip-compressed, though its name ends in \.gz; drop the \.gz from its name if it is a plain file, or compress it with gzip$/;
    // was "header has neither the long-format columns (query_id, model_id, accuracy) nor a recognised wide layout"
    await dataError(loadTable(s.write('g.csv.gz', 'id,score\nq1,1\n')), { message: NOT_GZ });
    // a plain table named .gz was read as plain text
    await dataError(loadTable(s.write('plain.csv.gz', 'query_id,model_id,accuracy\nq1,m,1\n')), { message: NOT_GZ });
    for (const name of ['z.jsonl.gz', 'z.parquet.gz', 'z.pkl.gz', 'z.arrow.gz', 'z.gz']) await dataError(loadTable(s.write(name, 'PK\x03\x04 a zip archive')), { message: NOT_GZ });
    const pairs = s.write('pairs.csv', 'query_id,model_id,accuracy\nq1,m,1\n');
    await dataError(loadTable(pairs, { queries: s.write('q.csv.gz', 'query_id,task\nq1,t\n') }), { message: NOT_GZ });
  });

  it('unterminated quote', async () => {
    await dataError(loadTable(s.write('quote.csv', 'query_id,model_id,accuracy\n"a,m,1\n')), { message: /unterminated quoted field/ });
  });

  it('invalid JSON line', async () => {
    await dataError(loadTable(s.write('bad.jsonl', '{"query_id":"a","model_id":"m","accuracy":1}\n{"query_id":\n')), { line: 2, message: /invalid JSON/ });
  });

  it('an escaped lone surrogate in a JSON Lines id or key: refused, as UTF-8 output would merge distinct ids', async () => {
    // "q\ud800" and "q\ud801" are distinct strings that both become 'q' + U+FFFD once written as UTF-8
    const two = '{"query_id":"q1","model_id":"m","accuracy":1}\n{"query_id":"q\\ud800","model_id":"m","accuracy":1}\n{"query_id":"q\\ud801","model_id":"m","accuracy":0}\n';
    await dataError(loadTable(s.write('lone.jsonl', two)), { line: 2, column: 'query_id', message: /lone surrogate \(\\ud800\)/ });
    await dataError(loadTable(s.write('lonekey.jsonl', '{"query_id":"q","model_id":"m","accuracy":1,"x\\udc00":1}\n')), { line: 1, message: /key holds an escaped lone surrogate/ });
    // a surrogate pair is a character: kept
    const ok = await loadTable(s.write('pair.jsonl', '{"query_id":"q\\ud83d\\ude00","model_id":"m","accuracy":1}\n'));
    expect(ok.queryIds).toEqual(['q\u{1f600}']);
  });

  it('a control character in an id or task names its line and column', async () => {
    const H = 'query_id,model_id,accuracy,task\n';
    await dataError(loadTable(s.write('cq.csv', H + 'q1,m,1,t\nq\x1b[2J,m,1,t\n')), { line: 3, column: 'query_id', message: /query id "q\\u001b\[2J" contains a control character/ });
    await dataError(loadTable(s.write('cm.csv', H + 'q1,m,1,t\nq1,n\x7f,1,t\n')), { line: 3, column: 'model_id', message: /model id "n\\u007f"/ });
    await dataError(loadTable(s.write('ct.jsonl', '{"query_id":"q1","model_id":"m","accuracy":1,"task":"t\\u0007"}\n')), { line: 1, column: 'task', message: /task "t\\u0007"/ });
  });

  it('query missing from the queries file', async () => {
    const queries = s.write('q-only1.csv', 'query_id,task\na,mmlu\n');
    await dataError(loadTable(s.write('qmiss.csv', 'query_id,model_id,accuracy\na,m,1\nb,m,1\n'), { queries }), { line: 3, column: 'query_id', message: /not in the queries file/ });
  });

  it('model missing from the models file', async () => {
    const models = s.write('m-only1.csv', 'model_id\nm\n');
    await dataError(loadTable(s.write('mmiss.csv', 'query_id,model_id,accuracy\na,m,1\na,x,1\n'), { models }), { line: 3, column: 'model_id', message: /not in the models file/ });
  });

  it('task conflicting between rows', async () => {
    await dataError(loadTable(s.write('taskc.csv', 'query_id,model_id,accuracy,task\na,m,1,mmlu\na,n,1,gsm8k\n')), { line: 3, column: 'task', message: /task 'gsm8k' here but 'mmlu' on line 2/ });
  });

  it('queries file problems', async () => {
    const pairs = s.write('p-ok.csv', 'query_id,model_id,accuracy\na,m,1\n');
    await dataError(loadTable(pairs, { queries: s.write('q-notask.csv', 'query_id\na\n') }), { column: 'task', message: /missing required column/ });
    await dataError(loadTable(pairs, { queries: s.write('q-dup.csv', 'query_id,task\na,x\na,y\n') }), { line: 3, message: /listed twice/ });
    await dataError(loadTable(pairs, { queries: s.write('q-cl.csv', 'query_id,task,cluster\na,x,1.5\n') }), { line: 2, column: 'cluster' });
  });

  it('missing file', async () => {
    await dataError(loadTable(s.dir + '/does-not-exist.csv'), { message: /file not found/ });
  });

  it('errors carry the location in the message', async () => {
    const f = s.write('loc.csv', 'query_id,model_id,accuracy\na,m,2\n');
    const e = await dataError(loadTable(f));
    expect(e.message.startsWith(`${f}:2 (column 'accuracy'): `)).toBe(true);
    expect(e).toBeInstanceOf(DataError);
  });
});

describe('JSON Lines: truncated gzip', () => {
  it('is a DataError', async () => {
    const { gzipSync } = await import('node:zlib');
    const body = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ query_id: `q${i}`, model_id: 'm', accuracy: 1 })).join('\n');
    const gz = gzipSync(Buffer.from(body));
    await dataError(loadTable(s.write('trunc.jsonl.gz', gz.subarray(0, gz.length >> 1))), { message: /truncated gzip/ });
  });
});

describe('files are released', () => {
  it.skipIf(!existsSync('/proc/self/fd'))('a load that fails on its header closes the file (was one open descriptor per failed load)', async () => {
    const f = s.write('fd-bad-header.csv', 'a,b,c\n1,2,3\n');
    // Descriptors open on this very file (other test files run in threads of the same process).
    const real = realpathSync(f);
    const open = (): number =>
      readdirSync('/proc/self/fd').filter((d) => {
        try {
          return readlinkSync(`/proc/self/fd/${d}`) === real;
        } catch {
          return false;
        }
      }).length;
    for (let i = 0; i < 50; i++) await expect(loadTable(f)).rejects.toThrow(/header has neither/);
    await new Promise((r) => setTimeout(r, 50));
    expect(open()).toBe(0);
  });
});

describe('line numbers', () => {
  it('count newlines inside quoted fields and blank lines', async () => {
    const pairs = s.write('ln-pairs.csv', 'query_id,model_id,accuracy\na,m,1\nb,m,1\n');
    const queries = s.write('ln-queries.csv', 'query_id,task,text\na,mmlu,"line one\nline two\nline three"\n\nb,mmlu,ok\nb,mmlu,again\n');
    await dataError(loadTable(pairs, { queries }), { line: 7, column: 'query_id', message: /listed twice \(also on line 6\)/ });
  });

  it('a ragged row after a multi-line field', async () => {
    const f = s.write('ln-ragged.tsv', 'query_id\tmodel_id\taccuracy\n"a\nb"\tm\t1\nc\tm\n');
    await dataError(loadTable(f), { line: 4, message: /ragged row: expected 3, got 2 fields/ });
  });
});

describe('inputs found by fuzzing', () => {
  /** Fail fast instead of waiting for the test timeout when a load never settles. */
  function settlesWithin<T>(p: Promise<T>, ms = 5000): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`load still pending after ${ms} ms`)), ms);
    });
    return Promise.race([p, late]).finally(() => clearTimeout(timer));
  }

  it('a closing quote followed by text is a DataError (the parser reported it too late and the load never settled)', async () => {
    await dataError(settlesWithin(loadTable(s.write('fz-quote.csv', 'query_id,model_id,accuracy\n"a".x,m,1\n'))), { message: /Closing Quote/ });
    // As found: a quoted model id with a character after its closing quote, in a TSV with a queries file.
    const tsv = 'query_id\tmodel_id\ttask\taccuracy\nq1\t"m\tx0"\tmmlu\t1\nq2\t"m\tx0".mmlu\t0\n';
    await dataError(settlesWithin(loadTable(s.write('fz-quote.tsv', tsv))), { message: /Closing Quote/ });
    await dataError(settlesWithin(loadTable(s.write('fz-quote2.csv', 'query_id,model_id,accuracy\na,m,1\nb,"m"x,1\nc,m,1\n'))), { message: /Closing Quote/ });
  });

  it('rows that each name a new query and a new model are a DataError, not gigabytes of empty cells', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => `q${i},m${i},1`);
    const f = s.write('fz-sparse.csv', ['query_id,model_id,accuracy', ...rows].join('\n'));
    await dataError(loadTable(f), { message: /3000 queries × 3000 models make 9000000 cells, but only 3000 rows fill them \(coverage 0\.033%\): too sparse/ });
    // Up to a million cells any coverage loads.
    const small = Array.from({ length: 900 }, (_, i) => `q${i},m${i},1`);
    const t = await loadTable(s.write('fz-sparse-ok.csv', ['query_id,model_id,accuracy', ...small].join('\n')));
    expect(t.nQueries * t.nModels).toBe(810_000);
  });

  it('a stray quote after a long run of blanks fails fast, with a short message (the error text was trimmed in quadratic time)', async () => {
    const csv = `query_id,model_id,accuracy\na,${' '.repeat(200_000)}"x,1\n`;
    const t0 = performance.now();
    const e = await dataError(loadTable(s.write('fz-blanks.csv', csv)), { line: 2, message: /Invalid Opening Quote/ });
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(e.message.length).toBeLessThan(600);
  });
});
