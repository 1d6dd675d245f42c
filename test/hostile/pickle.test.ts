/**
 * Pickle work bombs: streams of a few hundred bytes to a few hundred KiB whose decoding used to take minutes
 * (shared memo references re-walked, DUP'd tuples expanded as dict keys, huge LONG4 integers). Each is built
 * here opcode by opcode and must end quickly: loaded, or refused with a DataError naming the file and the limit.
 */
import { describe, it, expect } from 'vitest';
import { loadTable } from '../../src/data/load.js';
import { frameColumns, unpickle, PickleError, PdDataFrame, PdBlockManager, PdIndex, PdBlock, NDArray, PyText, pickleLimitsFromEnv } from '../../src/data/formats/pickle.js';
import { scratch, dataError } from '../data/formats/helpers.js';
import { UsageError } from '../../src/core/errors.js';

const s = scratch();

// Latin-1 text, one character per byte.
const u32 = (n: number): string => String.fromCharCode(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24);
const pickle = (body: string): Buffer => Buffer.from(`\x80\x02${body}.`, 'latin1');
const binget = (i: number): string => `h${String.fromCharCode(i)}`;
const binput = (i: number): string => `q${String.fromCharCode(i)}`;

/** Memo-shared list DAG: list i holds `fan` references to list i-1 (a tree of fan^levels nodes). */
function listDag(levels: number, fan: number): string {
  let b = `]${binput(0)}0`;
  for (let i = 1; i <= levels; i++) b += `]${binput(i)}(${binget(i - 1).repeat(fan)}e0`;
  return b + binget(levels);
}

/** A tuple of depth `depth` built by DUP + TUPLE2: 2^depth leaves in 3 + 2·depth bytes. */
const tupleDag = (depth: number): string => `K\x01${'2\x86'.repeat(depth)}`;

/** Time `f` in milliseconds. */
function timed<T>(f: () => T): { ms: number; value?: T; error?: unknown } {
  const t0 = performance.now();
  try {
    const value = f();
    return { ms: performance.now() - t0, value };
  } catch (error) {
    return { ms: performance.now() - t0, error };
  }
}

const FAST_MS = 2000;

describe('pickle work bombs end quickly', () => {
  it('a memo-shared list DAG passed to a constructor is walked once per object, not once per path', async () => {
    // 60^6 paths through 6 lists of 60 references each: ~750 bytes.
    const p = pickle(`cnumpy\ndtype\n${listDag(6, 60)}\x85R`);
    expect(p.length).toBeLessThan(1000);
    const r = timed(() => unpickle(p));
    expect(r.ms).toBeLessThan(FAST_MS);
    expect(r.error).toBeInstanceOf(PickleError);
    expect((r.error as Error).message).toMatch(/numpy\.dtype with a non-string type code/);
    const f = s.write('list-dag.pkl', p);
    const e = await dataError(loadTable(f), { message: /pickle: numpy\.dtype with a non-string type code/ });
    expect(e.file).toBe(f);
  });

  it('a list DAG as the state of a DataFrame is refused quickly', () => {
    const p = pickle(`cpandas.core.frame\nDataFrame\n)\x81${listDag(6, 60)}b`);
    const r = timed(() => unpickle(p));
    expect(r.ms).toBeLessThan(FAST_MS);
    expect((r.error as Error).message).toMatch(/bad DataFrame state/);
  });

  it('a DUP\'d tuple DAG used as a dict key is keyed by structure, not expanded (2^40 leaves in 85 bytes)', async () => {
    const p = pickle(`}${tupleDag(40)}Ns`);
    expect(p.length).toBeLessThan(100);
    const r = timed(() => unpickle(p));
    expect(r.ms).toBeLessThan(FAST_MS);
    expect(r.error).toBeUndefined();
    const d = r.value as Map<unknown, unknown>;
    expect(d).toBeInstanceOf(Map);
    expect(d.size).toBe(1);
    expect([...d.values()]).toEqual([null]);
    // Through the loader: it decodes, then is refused for not being a DataFrame.
    await dataError(loadTable(s.write('tuple-key.pkl', p)), { message: /expected a pandas DataFrame/ });
  });

  it('equal tuple keys built separately are one key, different ones two (as in Python)', () => {
    // {(1, (1, 1)): None} then the same key rebuilt, then (1, 2).
    const key = (a: number, b: number): string => `K\x01K${String.fromCharCode(a)}K${String.fromCharCode(b)}\x86\x86`;
    const d = unpickle(pickle(`}${key(1, 1)}Ns${key(1, 1)}K\x07s${key(1, 2)}K\x08s`)) as Map<unknown, unknown>;
    expect(d.size).toBe(2);
    expect([...d.values()]).toEqual([7, 8]);
    // A string key equal to some tuple's spelling stays distinct from it.
    const e = unpickle(pickle(`}K\x01K\x02\x86NsX${u32(5)}[1,2]K\x03s`)) as Map<unknown, unknown>;
    expect(e.size).toBe(2);
    expect(e.get('[1,2]')).toBe(3);
  });

  it('a list as a dict key is refused (lists are unhashable)', () => {
    expect(() => unpickle(pickle(`}]Ns`))).toThrow(/unsupported dict key \(a list/);
  });

  it('a LONG4 of 512 KiB is refused at once instead of being built digit by digit', async () => {
    const k = 512 * 1024;
    const p = pickle(`\x8b${u32(k)}${'\x01'.repeat(k)}`);
    const r = timed(() => unpickle(p));
    expect(r.ms).toBeLessThan(FAST_MS);
    expect((r.error as Error).message).toMatch(/integer of 524288 bytes is longer than the 16 bytes this reader accepts/);
    const f = s.write('long4.pkl', p);
    const e = await dataError(loadTable(f), { message: /pickle: integer of 524288 bytes/ });
    expect(e.file).toBe(f);
  });

  it('a text LONG of 200,000 digits is refused the same way', () => {
    const r = timed(() => unpickle(pickle(`L${'9'.repeat(200_000)}L\n`)));
    expect(r.ms).toBeLessThan(FAST_MS);
    expect((r.error as Error).message).toMatch(/integer of 200000 digits is longer than the 40 digits this reader accepts/);
  });

  it('integers up to the cap still decode exactly, negative ones too', () => {
    // LONG1 of 16 bytes: 2^120 + 5; LONG1 of 9 bytes: -(2^64); text LONG of 40 digits.
    const le = (v: bigint, n: number): string => {
      let t = '';
      let x = BigInt.asUintN(8 * n, v);
      for (let i = 0; i < n; i++, x >>= 8n) t += String.fromCharCode(Number(x & 0xffn));
      return t;
    };
    const v = unpickle(pickle(`(\x8a\x10${le(2n ** 120n + 5n, 16)}\x8a\x09${le(-(2n ** 64n), 9)}L${'1'.repeat(40)}L\nt`)) as unknown[];
    expect(v).toEqual([2n ** 120n + 5n, -(2n ** 64n), BigInt('1'.repeat(40))]);
    expect(() => unpickle(pickle(`\x8a\x11${'\x00'.repeat(17)}`))).toThrow(/integer of 17 bytes/);
  });

  it('re-decoding a list that grows between calls stops at the work budget (quadratic shape)', async () => {
    // L = []; then m times: append to L, call slice(L). Each call re-walks L: m^2/2 steps for 13·m bytes.
    const regrow = (m: number): Buffer => pickle(`]${binput(0)}0cbuiltins\nslice\n${binput(1)}0` + `${binget(0)}K\x01a0${binget(1)}${binget(0)}\x85R0`.repeat(m) + 'N');
    const p = regrow(20_000);
    const r = timed(() => unpickle(p));
    expect(r.ms).toBeLessThan(FAST_MS);
    expect((r.error as Error).message).toMatch(/decoding this pickle takes more than \d+ steps \(32 per input byte\); raise GREENSERV_PICKLE_WORK/);
    const f = s.write('regrow.pkl', p);
    await dataError(loadTable(f), { message: /more than \d+ steps/ });
    // A shorter run of the same shape is within the budget and decodes.
    expect(unpickle(regrow(300))).toBeNull();
  });

  it('the work budget can be raised and lowered per call', () => {
    const p = pickle(`cnumpy\ndtype\n${listDag(3, 50)}\x85R`);
    expect(() => unpickle(p, { workPerByte: 0, workFloor: 10 })).toThrow(/takes more than 10 steps/);
    expect(() => unpickle(p)).toThrow(/non-string type code/);
  });

  it('column labels and object cells that share one deep value are decoded once per object', () => {
    // A label with 50^4 paths through a 4-level DAG of lists.
    let label: unknown = 'a column name';
    for (let i = 0; i < 4; i++) label = Array.from({ length: 50 }, () => label);
    // 1000 cells, each a list of 2000 references to one list of 2000 references to one undecoded string.
    const text = Buffer.from('a response long enough to stay undecoded', 'utf8');
    const inner = Array.from({ length: 2000 }, () => new PyText(text, 0, text.length));
    const outer = Array.from({ length: 2000 }, () => inner);
    const obj = new NDArray();
    obj.dtype = { kind: 'O', itemsize: 8, littleEndian: true };
    obj.shape = [1, 1000];
    obj.data = Array.from({ length: 1000 }, () => outer);
    const df = new PdDataFrame();
    df.mgr = new PdBlockManager([new PdBlock(obj, [0], 2)], [new PdIndex('pandas.core.indexes.base.Index', [label], null, null), new PdIndex('pandas.core.indexes.range.RangeIndex', null, { start: 0, stop: 1000, step: 1 }, null)]);
    const r = timed(() => {
      const f = frameColumns(df);
      return { name: f.columns[0], cells: f.column(0) as unknown[] };
    });
    expect(r.ms).toBeLessThan(FAST_MS);
    expect(r.error).toBeUndefined();
    expect(r.value!.name.length).toBeLessThanOrEqual(1000);
    expect(r.value!.name.startsWith('a column name,a column name,')).toBe(true);
    const cells = r.value!.cells;
    expect(cells.length).toBe(1000);
    expect(cells[0]).toBe(cells[999]);
    const first = cells[0] as string[][];
    expect(first[0]).toBe(first[1999]);
    expect(first[0][0]).toBe('a response long enough to stay undecoded');
    expect(first[1999][1999]).toBe('a response long enough to stay undecoded');
  });
  it('list cells read in full count against the budget: one value shared by every cell is refused, distinct ones load', () => {
    const objectFrame = (cells: unknown[]): PdDataFrame => {
      const obj = new NDArray();
      obj.dtype = { kind: 'O', itemsize: 8, littleEndian: true };
      obj.shape = [1, cells.length];
      obj.data = cells;
      const df = new PdDataFrame();
      df.mgr = new PdBlockManager([new PdBlock(obj, [0], 2)], [new PdIndex('pandas.core.indexes.base.Index', ['prompt'], null, null), new PdIndex('pandas.core.indexes.range.RangeIndex', null, { start: 0, stop: cells.length, step: 1 }, null)]);
      df.decodeBudget = { steps: 1_000_000, perByte: 32 };
      return df;
    };
    // 1000 cells, each the same list of 1000 references to one list of 100 strings: 10^8 strings to read.
    const inner = Array.from({ length: 100 }, (_, i) => `line ${i}`);
    const shared = Array.from({ length: 1000 }, () => inner);
    const r = timed(() => frameColumns(objectFrame(Array.from({ length: 1000 }, () => shared))).column(0));
    expect(r.ms).toBeLessThan(FAST_MS);
    expect((r.error as Error).message).toMatch(/takes more than 1000000 steps \(32 per input byte\)/);
    // 1000 prompts kept as short lists of lines: well within the same budget.
    const ok = frameColumns(objectFrame(Array.from({ length: 1000 }, (_, i) => [`question ${i}`, 'A) yes', 'B) no']))).column(0) as string[][];
    expect(ok[999]).toEqual(['question 999', 'A) yes', 'B) no']);
  });

  it('columns sharing one block array are copied out only when read, within the budget', () => {
    // 20,000 blocks all placing one column of the same 20,000-row object array: 4·10^8 cells if laid out at once.
    const n = 20_000;
    const obj = new NDArray();
    obj.dtype = { kind: 'O', itemsize: 8, littleEndian: true };
    obj.shape = [1, n];
    obj.data = Array.from({ length: n }, (_, r) => `row ${r}`);
    const range = (stop: number): PdIndex => new PdIndex('pandas.core.indexes.range.RangeIndex', null, { start: 0, stop, step: 1 }, null);
    const df = new PdDataFrame();
    df.mgr = new PdBlockManager(Array.from({ length: n }, (_, c) => new PdBlock(obj, [c], 2)), [range(n), range(n)]);
    df.decodeBudget = { steps: 1_000_000, perByte: 32 };
    const r = timed(() => frameColumns(df));
    expect(r.ms).toBeLessThan(FAST_MS);
    const f = r.value!;
    expect(f.columns.length).toBe(n);
    expect(Array.from(f.column(7)).slice(0, 2)).toEqual(['row 0', 'row 1']);
    // Reading every column costs n cells each: the budget stops it after about 50.
    const all = timed(() => {
      for (let c = 0; c < n; c++) f.column(c);
    });
    expect(all.ms).toBeLessThan(FAST_MS);
    expect((all.error as Error).message).toMatch(/takes more than 1000000 steps/);
  });

  it('column labels repeating one huge string, or each wrapping one deep value, stay within the budget', () => {
    const n = 20_000;
    const floats = new NDArray();
    floats.dtype = { kind: 'f', itemsize: 8, littleEndian: true };
    floats.shape = [n, 1];
    floats.data = new Float64Array(n);
    const frame = (labels: unknown[]): PdDataFrame => {
      const df = new PdDataFrame();
      const rows = new PdIndex('pandas.core.indexes.range.RangeIndex', null, { start: 0, stop: 1, step: 1 }, null);
      df.mgr = new PdBlockManager([new PdBlock(floats, Array.from({ length: n }, (_, c) => c), 2)], [new PdIndex('pandas.core.indexes.base.Index', labels, null, null), rows]);
      df.decodeBudget = { steps: 1_000_000, perByte: 32 };
      return df;
    };
    // Every label the same 1 MiB string: read once, and only its start.
    const big = Buffer.alloc(1 << 20, 'x');
    const text = new PyText(big, 0, big.length);
    const r = timed(() => frameColumns(frame(Array.from({ length: n }, () => text))));
    expect(r.ms).toBeLessThan(FAST_MS);
    expect(r.value!.columns[n - 1]).toBe(`${'x'.repeat(1000)}…`);
    // Every label a 1-tuple of one shared 4-level DAG: 10,000 steps each without a shared budget.
    let dag: unknown = 'x';
    for (let i = 0; i < 4; i++) dag = Array.from({ length: 100 }, () => dag);
    const d = timed(() => frameColumns(frame(Array.from({ length: n }, () => Object.freeze([dag])))));
    expect(d.ms).toBeLessThan(FAST_MS);
    expect((d.error as Error).message).toMatch(/takes more than 1000000 steps/);
  });

  it('the limits read from the environment: a bad value is a usage error naming the variable', async () => {
    expect(pickleLimitsFromEnv({})).toEqual({});
    expect(pickleLimitsFromEnv({ GREENSERV_PICKLE_WORK: '200', GREENSERV_PICKLE_MAX_INT_BYTES: '64' })).toEqual({ workPerByte: 200, maxIntBytes: 64 });
    expect(() => pickleLimitsFromEnv({ GREENSERV_PICKLE_WORK: 'lots' })).toThrow(UsageError);
    expect(() => pickleLimitsFromEnv({ GREENSERV_PICKLE_WORK: '-1' })).toThrow(/GREENSERV_PICKLE_WORK must be a positive number/);
    expect(() => pickleLimitsFromEnv({ GREENSERV_PICKLE_MAX_INT_BYTES: '4' })).toThrow(/GREENSERV_PICKLE_MAX_INT_BYTES must be an integer from 8/);
  });

  it('GREENSERV_PICKLE_WORK and GREENSERV_PICKLE_MAX_INT_BYTES raise the limits of a load', async () => {
    // 3000 rounds of the growing-list shape: about 4.5 million steps for 39 KB, over 32 per byte, under 200.
    const regrow = pickle(`]${binput(0)}0cbuiltins\nslice\n${binput(1)}0` + `${binget(0)}K\x01a0${binget(1)}${binget(0)}\x85R0`.repeat(3000) + 'N');
    const f = s.write('regrow-3000.pkl', regrow);
    const long = s.write('long-20.pkl', pickle(`\x8a\x14${'\x01'.repeat(20)}`));
    await dataError(loadTable(f), { message: /more than \d+ steps/ });
    await dataError(loadTable(long), { message: /integer of 20 bytes/ });
    const saved = { ...process.env };
    try {
      process.env.GREENSERV_PICKLE_WORK = '200';
      process.env.GREENSERV_PICKLE_MAX_INT_BYTES = '32';
      // Both now decode, and are refused only for not being a DataFrame.
      await dataError(loadTable(f), { message: /expected a pandas DataFrame/ });
      await dataError(loadTable(long), { message: /expected a pandas DataFrame/ });
      process.env.GREENSERV_PICKLE_WORK = 'x';
      await expect(loadTable(f)).rejects.toThrow(UsageError);
    } finally {
      process.env = saved;
    }
  });
});
