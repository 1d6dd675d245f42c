import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { unpickle, frameColumns, PickleError, ALLOWED_GLOBALS, PdDataFrame, PdBlockManager, PdIndex } from '../../../src/data/formats/pickle.js';
import { loadTable } from '../../../src/data/load.js';
import { scratch, dataError } from './helpers.js';
import { dupListDag } from '../../../fuzz/pickleBombs.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));
const fixture = (name: string): string => join(FIXTURES, name);
const s = scratch();

const FRAMES = readdirSync(FIXTURES).filter((f) => /^routerbench_small_pd\d_p\d\.pkl$/.test(f));

interface Expected {
  columns: string[];
  rows: number;
  data: Record<string, (string | number | null)[]>;
}

describe('restricted unpickler: DataFrames made by pandas 1.5 and 2.x, protocols 2, 4, 5', () => {
  it('has fixtures for both pandas major versions and all protocols', () => {
    expect(FRAMES.sort()).toEqual([
      'routerbench_small_pd1_p2.pkl',
      'routerbench_small_pd1_p4.pkl',
      'routerbench_small_pd1_p5.pkl',
      'routerbench_small_pd2_p2.pkl',
      'routerbench_small_pd2_p4.pkl',
      'routerbench_small_pd2_p5.pkl',
    ]);
  });

  for (const name of FRAMES) {
    it(`${name}: every column equals what pandas sees`, () => {
      const exp = JSON.parse(readFileSync(fixture(name.replace('.pkl', '.expected.json')), 'utf8')) as Expected;
      const frame = frameColumns(unpickle(readFileSync(fixture(name))));
      expect(frame.columns).toEqual(exp.columns);
      expect(frame.nRows).toBe(exp.rows);
      frame.columns.forEach((c, i) => {
        const got = Array.from(frame.column(i), (v) => (typeof v === 'number' && Number.isNaN(v) ? null : v));
        expect(got, c).toEqual(exp.data[c]);
      });
    });

    it(`${name}: loads as a RouterBench table`, async () => {
      const warnings: string[] = [];
      const t = await loadTable(fixture(name), { warn: (m) => warnings.push(m) });
      expect(t.queryIds).toEqual(['mmlu.test.1', 'mmlu.test.2', 'arc-challenge.val.172', 'mt-bench.81']);
      expect(t.models.map((m) => m.id)).toEqual(['gpt-4-1106-preview', 'meta/llama-2-70b-chat', 'mistralai/mistral-7b-chat']);
      const nan = Number.NaN;
      expect(Array.from(t.accuracy)).toEqual([1, 0, 1, 0, nan, 1, 1, 1, 0, 0.9, 0.45, 0.7]);
      expect(Array.from(t.costUsd!)).toEqual([0.004, 0.0007, 0.0001, 0.003, nan, 0.0001, 0.0045, 0.0009, 0.0001, 0.02, 0.002, 0.0004]);
      expect(t.tasks).toEqual(['mmlu', 'arc-challenge', 'mt-bench']);
      expect(t.queryText![1]).toBe('Qu\'est-ce que c\'est ? — \u201cquoted\u201d \\ backslash');
      expect(t.queryText![0]).toBe('Which gas do plants absorb?\nA) O2\nB) CO2\nAnswer:');
      expect(warnings.join('\n')).toMatch(/1 row\(s\) with every correctness cell empty skipped/);
      expect(warnings.join('\n')).toMatch(/1 row\(s\) repeat a query id/);
    });
  }

  it('refuses a pickle naming a global outside the allow-list, without running it', () => {
    const bytes = readFileSync(fixture('pickle_unknown_global.pkl'));
    expect(() => unpickle(bytes)).toThrow(PickleError);
    expect(() => unpickle(bytes)).toThrow(/refusing to load: the pickle refers to '(posix|os)\.system'/);
  });

  it('a refused pandas global says that extension dtypes are not read and how to store the column', () => {
    // protocol 2: PROTO 2, GLOBAL 'pandas.core.arrays.categorical Categorical', STOP — what a category column names
    const cat = Buffer.from('\x80\x02cpandas.core.arrays.categorical\nCategorical\n.', 'latin1');
    expect(() => unpickle(cat)).toThrow(/'pandas\.core\.arrays\.categorical\.Categorical'.*extension dtypes \(category, string, nullable Int64\/Float64\/boolean\) are not read/);
    // a global outside pandas gets no such hint
    const os = Buffer.from('\x80\x02cos\nsystem\n.', 'latin1');
    expect(() => unpickle(os)).not.toThrow(/extension dtypes/);
    expect(() => unpickle(os)).toThrow(/refusing to load/);
  });

  it('reports the refusal as a DataError naming the file', async () => {
    const f = fixture('pickle_unknown_global.pkl');
    const e = await dataError(loadTable(f), { message: /refusing to load/ });
    expect(e.file).toBe(f);
  });

  it('reports a truncated pickle', async () => {
    await dataError(loadTable(fixture('pickle_truncated.pkl')), { message: /truncated pickle/ });
    // Any prefix must fail cleanly, never crash or hang.
    const full = readFileSync(fixture('routerbench_small_pd2_p5.pkl'));
    for (let k = 0; k < full.length; k += 97) expect(() => frameColumns(unpickle(full.subarray(0, k)))).toThrow(PickleError);
  });

  it('accepts a gzipped pickle', async () => {
    const f = s.write('rb.pkl.gz', gzipSync(readFileSync(fixture('routerbench_small_pd1_p5.pkl'))));
    const t = await loadTable(f);
    expect(t.nQueries).toBe(4);
  });

  it('refuses other dangerous constructs', () => {
    // GLOBAL 'builtins eval' then REDUCE: refused at the GLOBAL, before any call.
    const evalPickle = Buffer.from("\x80\x02cbuiltins\neval\nX\x04\x00\x00\x001+1\x85R.", 'latin1');
    expect(() => unpickle(evalPickle)).toThrow(/builtins\.eval/);
    // Persistent ids and protocol-0 INST are not part of the data subset.
    expect(() => unpickle(Buffer.from('\x80\x02X\x01\x00\x00\x00aQ.', 'latin1'))).toThrow(/persistent/);
    expect(() => unpickle(Buffer.from('\x80\x02(ios\nsystem\n.', 'latin1'))).toThrow(/not supported/);
    // An allowed global cannot be called where it is not a constructor of data.
    expect(() => unpickle(Buffer.from('\x80\x02cnumpy\nndarray\n)R.', 'latin1'))).toThrow(/cannot be called/);
    expect(ALLOWED_GLOBALS).not.toContain('builtins.eval');
  });

  it('rejects a pickle that is not a DataFrame', async () => {
    // A plain list of ints.
    await dataError(loadTable(s.write('list.pkl', Buffer.from('\x80\x04]\x94(K\x01K\x02e.', 'latin1'))), { message: /expected a pandas DataFrame/ });
  });
});

describe('corrupt pickles found by fuzzing', () => {
  // Small protocol-2 streams spelled out opcode by opcode (latin-1 text, one character per byte).
  const u32 = (n: number): string => String.fromCharCode(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24);
  const str = (t: string): string => `X${u32(t.length)}${t}`;
  const bytes = (b: string): string => `C${String.fromCharCode(b.length)}${b}`;
  const int = (n: number): string => `J${u32(n >>> 0)}`;
  /** LONG1: little-endian two's complement. */
  const long = (n: bigint): string => {
    let hex = n.toString(16);
    if (hex.length % 2) hex = '0' + hex;
    const le = Buffer.from(hex, 'hex').reverse();
    const body = le[le.length - 1] & 0x80 ? Buffer.concat([le, Buffer.from([0])]) : le;
    return `\x8a${String.fromCharCode(body.length)}${body.toString('latin1')}`;
  };
  const call = (module: string, name: string, ...args: string[]): string => `c${module}\n${name}\n(${args.join('')}tR`;
  const dtype = (code: string): string => call('numpy', 'dtype', str(code));
  const frombuffer = (data: string, code: string, shape: string): string => call('numpy.core.numeric', '_frombuffer', bytes(data), dtype(code), shape, str('C'));
  const pickle = (body: string): Buffer => Buffer.from(`\x80\x02${body}.`, 'latin1');

  it('a numpy unicode array holding a code point above U+10FFFF (was a RangeError)', async () => {
    const p = pickle(frombuffer('\xff\xff\xff\x7f', '<U1', `(${int(1)}t`));
    expect(() => unpickle(p)).toThrow(/invalid character/);
    await dataError(loadTable(s.write('fz-codepoint.pkl', p)), { message: /pickle: numpy unicode array holds an invalid character/ });
  });

  it('a block placement slice of 10^12 columns (was a fatal out-of-memory crash)', async () => {
    const values = frombuffer('', 'f8', `(${int(0)}t`);
    const slice = call('builtins', 'slice', int(0), long(10n ** 12n), int(1));
    const p = pickle(call('pandas._libs.internals', '_unpickle_block', values, slice, int(2)));
    expect(() => unpickle(p)).toThrow(/block placement of 1000000000000 columns is more than the pickle can describe/);
    await dataError(loadTable(s.write('fz-placement.pkl', p)), { message: /block placement/ });
  });

  it('array sizes that would allocate without bound (was a RangeError)', () => {
    // Zero-byte items: any count fits in no data.
    expect(() => unpickle(pickle(frombuffer('', 'S0', `(${long(10n ** 12n)}t`)))).toThrow(/unsupported item size 0/);
    // A negative shape given as a bare number.
    expect(() => unpickle(pickle(frombuffer('', 'f8', int(-1))))).toThrow(/bad array shape/);
  });

  it('a column index longer than the blocks place (was a loop over 10^12 column names)', () => {
    const df = new PdDataFrame();
    const range = (stop: number): PdIndex => new PdIndex('pandas.core.indexes.range.RangeIndex', null, { start: 0, stop, step: 1 }, null);
    df.mgr = new PdBlockManager([], [range(1e12), range(3)]);
    expect(() => frameColumns(df)).toThrow(/lists 1000000000000 columns but its blocks hold 0/);
  });
});

describe('work budget of a wide pickle read twice', () => {
  // The fixture repeats a query id, so the column fill gives up and the row reader reads the columns again.
  it('a table whose columns cost most of the budget loads (the fill and the row reader were charged both)', async () => {
    const b = readFileSync(fixture('routerbench_small_pd2_p4.pkl'));
    const id = Buffer.from('mt-bench.81');
    const at = b.indexOf(id);
    expect(b[at - 2]).toBe(0x8c); // SHORT_BINUNICODE, its length, the text
    // a list DAG whose spelled-out size (about 600,000 steps) is over half the budget (about 1.1 million)
    const p = Buffer.concat([b.subarray(0, at - 2), Buffer.from(dupListDag(6, 9), 'latin1'), b.subarray(at + id.length)]);
    const t = await loadTable(s.write('budget-twice.pkl', p), { warn: () => {} });
    expect(t.nQueries).toBe(4);
    expect(t.queryIds[3]).toMatch(/^\[\[\[/);
  });
});
