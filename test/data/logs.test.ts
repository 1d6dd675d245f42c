import { describe, expect, it } from 'vitest';
import { estimatePropensities, loadLogs, timestampMs, logContexts, MAX_CONTEXT_COLUMNS, MAX_LOG_MODELS } from '../../src/data/logs.js';
import { loggedBandit, logRewardModel } from '../../src/metrics/ope/fromLogs.js';
import { ips } from '../../src/metrics/ope/estimators.js';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { dataError, scratch } from './formats/helpers.js';

const s = scratch();
const HEAD = 'query_id,model_id,propensity,accuracy,energy_j\n';

describe('loading routing logs', () => {
  it('reads a CSV log in file order with models indexed by sorted id', async () => {
    const f = s.write('log.csv', HEAD + 'q1,b,0.5,1,10\nq2,a,0.25,0,20\nq3,b,1,0.5,30\n');
    const log = await loadLogs(f);
    expect(log.n).toBe(3);
    expect(log.models).toEqual(['a', 'b']);
    expect(Array.from(log.model)).toEqual([1, 0, 1]);
    expect(Array.from(log.propensity)).toEqual([0.5, 0.25, 1]);
    expect(log.propensityEstimated).toBe(false);
    expect(Array.from(log.metrics[0]!)).toEqual([1, 0, 0.5]);
    expect(Array.from(log.metrics[1]!)).toEqual([10, 20, 30]);
    expect(log.metrics[2]).toBeNull();
    expect(log.queryId).toEqual(['q1', 'q2', 'q3']);
    expect(Array.from(log.line)).toEqual([2, 3, 4]);
    expect(log.tasks).toEqual(['all']);
  });

  it('follows a given model list and reads JSON Lines and gzip', async () => {
    const rows = [
      { query_id: 'q1', model_id: 'm2', propensity: 0.5, accuracy: 1, task: 'math', ctx_len: 12 },
      { query_id: 'q2', model_id: 'm0', propensity: 0.5, accuracy: 0, task: 'code', ctx_len: 3 },
    ];
    const text = rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
    for (const f of [s.write('log.jsonl', text), s.write('log2.jsonl.gz', text, true)]) {
      const log = await loadLogs(f, { models: ['m0', 'm1', 'm2'] });
      expect(log.models).toEqual(['m0', 'm1', 'm2']);
      expect(Array.from(log.model)).toEqual([2, 0]);
      expect(log.tasks).toEqual(['math', 'code']);
      expect(Array.from(log.task)).toEqual([0, 1]);
      expect(log.contextNames).toEqual(['len']);
      const c = logContexts(log);
      // one-hot task (math, code) then len
      expect(c.d).toBe(3);
      expect(Array.from(c.X)).toEqual([1, 0, 12, 0, 1, 3]);
    }
  });

  it('reads Parquet and Arrow logs, with row numbers in messages', async () => {
    const pq = (prop: number[]): Uint8Array =>
      new Uint8Array(
        parquetWriteBuffer({
          columnData: [
            { name: 'query_id', data: ['q1', 'q2'], type: 'STRING' },
            { name: 'model_id', data: ['b', 'a'], type: 'STRING' },
            { name: 'propensity', data: prop, type: 'DOUBLE' },
            { name: 'accuracy', data: [1, 0.5], type: 'DOUBLE' },
          ],
        }),
      );
    const log = await loadLogs(s.write('log.parquet', pq([0.5, 0.25])));
    expect(log.models).toEqual(['a', 'b']);
    expect(Array.from(log.model)).toEqual([1, 0]);
    expect(Array.from(log.propensity)).toEqual([0.5, 0.25]);
    expect(Array.from(log.metrics[0]!)).toEqual([1, 0.5]);
    const e = await dataError(loadLogs(s.write('bad.parquet', pq([0.5, 0]))), { line: 2, column: 'propensity' });
    expect(e.message).toContain('bad.parquet:2');
    const arrow = tableToIPC(
      tableFromArrays({ query_id: ['q1', 'q1'], model_id: ['a', 'a'], propensity: Float64Array.from([1, 1]), accuracy: Float64Array.from([1, 0]) }),
      'file',
    );
    await dataError(loadLogs(s.write('dup.arrow', arrow)), { line: 2, column: 'query_id', message: /duplicate decision/ });
    const noAcc = new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'query_id', data: ['q1'], type: 'STRING' }, { name: 'model_id', data: ['a'], type: 'STRING' }] }));
    const m = await dataError(loadLogs(s.write('noacc.parquet', noAcc)), { column: 'accuracy', message: /missing required column/ });
    expect(m.line).toBeUndefined();
  });

  it('estimates propensities per task when the column is absent, and says so', async () => {
    // math: a, a, b → p̂(a|math) = 2/3, p̂(b|math) = 1/3; code: b → 1
    const f = s.write('noprop.csv', 'query_id,model_id,accuracy,task\nq1,a,1,math\nq2,a,0,math\nq3,b,1,math\nq4,b,1,code\n');
    const warnings: string[] = [];
    const log = await loadLogs(f, { warn: (m) => warnings.push(m) });
    expect(log.propensityEstimated).toBe(true);
    expect(Array.from(log.propensity)).toEqual([2 / 3, 2 / 3, 1 / 3, 1]);
    expect(warnings.join('\n')).toMatch(/estimated/);
    expect(Array.from(estimatePropensities(Int32Array.from([0, 1, 1, 1]), 2, new Int32Array(4), 1))).toEqual([0.25, 0.75, 0.75, 0.75]);
  });

  it('allows a query to recur at distinct timestamps', async () => {
    const f = s.write('ts.csv', 'query_id,model_id,propensity,accuracy,timestamp\nq1,a,0.5,1,2025-01-01T10:00:00Z\nq1,b,0.5,0,2025-01-01T10:05:00Z\nq2,a,0.5,1,1735725600\n');
    const log = await loadLogs(f);
    expect(log.n).toBe(3);
    expect(log.timestamp).toEqual(['2025-01-01T10:00:00Z', '2025-01-01T10:05:00Z', '1735725600']);
  });

  it('warns about unknown columns instead of treating them as context', async () => {
    const warnings: string[] = [];
    const log = await loadLogs(s.write('extra.csv', 'query_id,model_id,propensity,accuracy,user\nq1,a,1,1,u7\n'), { warn: (m) => warnings.push(m) });
    expect(log.contextNames).toEqual([]);
    expect(warnings.join('\n')).toMatch(/ignoring unknown column\(s\): user/);
  });

  it('feeds the estimators: IPS of the logged policy itself is the mean reward', async () => {
    // a target equal to the logger's own distribution gives weights 1
    const f = s.write('self.csv', HEAD + 'q1,a,0.5,1,1\nq2,b,0.5,0,1\nq3,a,0.5,1,1\nq4,b,0.5,1,1\n');
    const log = await loadLogs(f);
    const reward = log.metrics[0]!;
    const target = new Float64Array(log.n * 2).fill(0.5);
    expect(ips(loggedBandit(log, reward), target).value).toBeCloseTo(0.75, 12);
    // no context, one task: q̂ is each model's mean reward (a: 1, b: 0.5)
    expect(Array.from(logRewardModel(log, reward).subarray(0, 2))).toEqual([1, 0.5]);
  });
});

describe('bad logs are a DataError naming file, line and column', () => {
  it('propensity 0, above 1, empty or not finite', async () => {
    let e = await dataError(loadLogs(s.write('p0.csv', HEAD + 'q1,a,0.5,1,1\nq2,a,0,1,1\n')), { line: 3, column: 'propensity', message: /outside \(0, 1\]/ });
    expect(e.message).toContain('p0.csv:3');
    await dataError(loadLogs(s.write('p2.csv', HEAD + 'q1,a,1.5,1,1\n')), { line: 2, column: 'propensity', message: /1\.5 is outside/ });
    await dataError(loadLogs(s.write('pneg.csv', HEAD + 'q1,a,-0.1,1,1\n')), { line: 2, column: 'propensity' });
    await dataError(loadLogs(s.write('pe.csv', HEAD + 'q1,a,,1,1\n')), { line: 2, column: 'propensity', message: /empty.*estimated/ });
    await dataError(loadLogs(s.write('pn.csv', HEAD + 'q1,a,NaN,1,1\n')), { line: 2, column: 'propensity' });
    e = await dataError(loadLogs(s.write('pi.jsonl', '{"query_id":"q1","model_id":"a","propensity":"inf","accuracy":1}\n')), { line: 1, column: 'propensity' });
    expect(e.message).toContain('pi.jsonl:1');
  });

  it('missing or unknown model', async () => {
    await dataError(loadLogs(s.write('m0.csv', HEAD + 'q1,a,1,1,1\nq2,,1,1,1\n')), { line: 3, column: 'model_id', message: /empty/ });
    const e = await dataError(loadLogs(s.write('m1.csv', HEAD + 'q1,a,1,1,1\nq2,zz,1,1,1\n'), { models: ['a', 'b'] }), { line: 3, column: 'model_id', message: /unknown model 'zz'/ });
    expect(e.message).toContain('m1.csv:3');
  });

  it('duplicate decisions', async () => {
    await dataError(loadLogs(s.write('d0.csv', HEAD + 'q1,a,1,1,1\nq2,a,1,1,1\nq1,b,1,0,1\n')), { line: 4, column: 'query_id', message: /duplicate decision for query 'q1' \(first on line 2/ });
    const h = 'query_id,model_id,propensity,accuracy,timestamp\n';
    await dataError(loadLogs(s.write('d1.csv', h + 'q1,a,1,1,2025-01-01\nq1,b,1,0,2025-01-01\n')), { line: 3, column: 'query_id', message: /same timestamp/ });
    await dataError(loadLogs(s.write('d2.csv', h + 'q1,a,1,1,\nq1,b,1,0,\n')), { line: 3, column: 'query_id', message: /own timestamp/ });
    await dataError(loadLogs(s.write('d3.csv', h + 'q1,a,1,1,yesterday\n')), { line: 2, column: 'timestamp' });
    await dataError(loadLogs(s.write('d4.csv', h + 'q1,a,1,1,2025-13-45\n')), { line: 2, column: 'timestamp' });
    // the same instant spelled three ways
    const same = 'q1,a,1,1,2025-01-01T10:00:00Z\nq1,b,1,0,2025-01-01 10:00\nq1,a,1,0,1735725600\n';
    await dataError(loadLogs(s.write('d5.csv', h + same)), { line: 3, column: 'query_id', message: /first on line 2; the same query at the same timestamp/ });
    expect(timestampMs('1735725600')).toBe(Date.UTC(2025, 0, 1, 10));
    expect(timestampMs('2025-01-01T12:00:00+02:00')).toBe(Date.UTC(2025, 0, 1, 10));
    expect(timestampMs('2025-01-01')).toBe(Date.UTC(2025, 0, 1));
    expect(timestampMs('2025-01-01T10:00:00.5')).toBe(Date.UTC(2025, 0, 1, 10, 0, 0, 500));
    // impossible calendar days are not timestamps (Date.parse alone rolls them into the next month)
    for (const bad of ['2025-02-29', '2025-02-30T00:00:00Z', '2025-04-31 10:00', '2025-00-10', '2025-01-00']) expect(timestampMs(bad)).toBeNaN();
    expect(timestampMs('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
    expect(timestampMs('2025-12-31')).toBe(Date.UTC(2025, 11, 31));
    // so a query logged on March 2 and on 'February 30' is not called a duplicate at the same instant
    await dataError(loadLogs(s.write('d6.csv', h + 'q1,a,1,1,2025-03-02T00:00:00Z\nq1,b,1,0,2025-02-30T00:00:00Z\n')), { line: 3, column: 'timestamp', message: /'2025-02-30T00:00:00Z' is not a timestamp/ });
  });

  it('two columns naming one field, spelt differently (case, spaces)', async () => {
    // both spellings name the field; reading either silently would drop the other's values
    const e = await dataError(loadLogs(s.write('dup-case.csv', 'query_id,model_id,propensity,accuracy,Accuracy\nq1,a,0.5,1,0\n')), { line: 1, column: 'Accuracy', message: /'accuracy' and 'Accuracy' both name the column accuracy/ });
    expect(e.message).toContain('dup-case.csv:1');
    // ctx_* names keep their case: ctx_X is another feature
    expect((await loadLogs(s.write('ctx-case.csv', 'query_id,model_id,accuracy,ctx_x,ctx_X\nq1,a,1,1,2\n'))).contextNames).toEqual(['x', 'X']);
    await dataError(loadLogs(s.write('dup-key.jsonl', '{"query_id":"q1","model_id":"a","propensity":0.5,"accuracy":1," PROPENSITY ":0.2}\n')), { line: 1, column: 'PROPENSITY', message: /both name the column propensity/ });
    // one JSON key written twice: JSON.parse would keep the later value without a word
    await dataError(loadLogs(s.write('dup-same.jsonl', '{"query_id":"q1","model_id":"a","propensity":0.5,"accuracy":1}\n{"query_id":"q2","model_id":"b","propensity":0.5,"accuracy":1, "accuracy" :0}\n')), { line: 2, column: 'accuracy', message: /key 'accuracy' appears twice/ });
    // colons and quotes inside values are not keys
    const ok = await loadLogs(s.write('colons.jsonl', '{"query_id":"q:1","model_id":"a\\":b","accuracy":1,"timestamp":"2025-01-01 10:00"}\n'));
    expect(ok.models).toEqual(['a":b']);
    expect(ok.queryId).toEqual(['q:1']);
    await dataError(loadLogs(s.write('dup-ctx.csv', 'query_id,model_id,accuracy,ctx_x,CTX_x\nq1,a,1,1,2\n')), { line: 1, column: 'CTX_x', message: /both name the column ctx_x/ });
  });

  it('missing required columns', async () => {
    for (const c of ['query_id', 'model_id', 'accuracy']) {
      const cols = ['query_id', 'model_id', 'propensity', 'accuracy'].filter((x) => x !== c);
      const e = await dataError(loadLogs(s.write(`no-${c}.csv`, cols.join(',') + '\n' + cols.map(() => '1').join(',') + '\n')), { line: 1, column: c, message: /missing required column/ });
      expect(e.message).toContain(`no-${c}.csv:1`);
    }
    // a misspelt one is named with the column it may have meant
    await dataError(loadLogs(s.write('typo-log.csv', 'query_id,modelid,propensity,accuracy\nq,m,1,1\n')), {
      column: 'model_id',
      message: /missing required column 'model_id' \(routing log\); the header has 'modelid' — did you mean 'model_id'\?$/,
    });
  });

  it('empty cells, out-of-range metrics, empty logs and other formats', async () => {
    await dataError(loadLogs(s.write('e0.csv', HEAD + 'q1,a,1,,1\n')), { line: 2, column: 'accuracy', message: /required/ });
    await dataError(loadLogs(s.write('e1.csv', HEAD + 'q1,a,1,1,\n')), { line: 2, column: 'energy_j', message: /required on every row/ });
    await dataError(loadLogs(s.write('e2.csv', HEAD + 'q1,a,1,1.2,1\n')), { line: 2, column: 'accuracy', message: /outside \[0, 1\]/ });
    await dataError(loadLogs(s.write('e3.csv', HEAD + ',a,1,1,1\n')), { line: 2, column: 'query_id' });
    await dataError(loadLogs(s.write('e4.csv', 'query_id,model_id,accuracy,ctx_x\nq1,a,1,abc\n')), { line: 2, column: 'ctx_x', message: /not a number/ });
    await dataError(loadLogs(s.write('e5.csv', HEAD)), { message: /no decisions/ });
    await dataError(loadLogs(s.write('e6.sql', '-- PostgreSQL database dump\n')), { message: /CSV, TSV, JSON Lines, Parquet or Arrow files, not sql/ });
    await dataError(loadLogs(s.write('e7.parquet', 'PAR1')), { message: /not a readable Parquet file/ });
  });

  it('too many distinct models without a model list', async () => {
    const rows = Array.from({ length: MAX_LOG_MODELS + 1 }, (_, i) => `q${i},m${i},1,1,1`).join('\n');
    await dataError(loadLogs(s.write('many.csv', HEAD + rows + '\n')), { line: MAX_LOG_MODELS + 2, column: 'model_id', message: /distinct models/ });
  });

  it('too many context columns, and binary junk', async () => {
    const cols = Array.from({ length: MAX_CONTEXT_COLUMNS + 1 }, (_, i) => `ctx_f${i}`);
    await dataError(loadLogs(s.write('wide.csv', 'query_id,model_id,accuracy,' + cols.join(',') + '\n')), { line: 1, message: /257 context columns/ });
    const junk = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251);
    await dataError(loadLogs(s.write('junk.csv', junk)));
  });

  it('a reward so large the estimators would overflow, and a propensity whose weight 1/p overflows', async () => {
    const head = 'query_id,model_id,propensity,accuracy,reward\n';
    const e = await dataError(loadLogs(s.write('big-reward.csv', head + 'q1,a,0.5,1,0.8\nq2,b,0.5,0,1e308\n')), { line: 3, column: 'reward', message: /reward 1e\+308 is outside \[-1e\+6, 1e\+6\]/ });
    expect(e.file).toMatch(/big-reward\.csv$/);
    await dataError(loadLogs(s.write('neg-reward.csv', head + 'q1,a,0.5,1,-1000001\n')), { line: 2, column: 'reward', message: /outside/ });
    // the bound itself is accepted
    const ok = await loadLogs(s.write('edge-reward.csv', head + 'q1,a,0.5,1,1e6\nq2,b,0.5,0,-1e6\n'));
    expect(Array.from(ok.reward!)).toEqual([1e6, -1e6]);
    await dataError(loadLogs(s.write('tiny-p.csv', head + 'q1,a,1e-320,1,0.5\n')), { line: 2, column: 'propensity', message: /too small: its importance weight 1\/p overflows/ });
    expect(Array.from((await loadLogs(s.write('small-p.csv', head + 'q1,a,1e-300,1,0.5\n'))).propensity)).toEqual([1e-300]);
  });
});
