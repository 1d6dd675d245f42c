/**
 * A short run of `npm run fuzz`: the same inputs, mutators, loads and classification, in this thread and
 * with fewer inputs per format. The full run (10,000 per format, each in a worker process) is the script.
 */
import { describe, it, expect } from 'vitest';
import { DataError, UsageError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { classify, fuzzFormat, InlineExecutor, makeCase } from '../../fuzz/harness.js';
import { mutate } from '../../fuzz/mutate.js';
import { FUZZ_FORMATS, makeSeeds } from '../../fuzz/seeds.js';
import { memoryBreach, recycleAbove } from '../../fuzz/worker.js';

const INPUTS = 200;
const SEED = 11;

describe('loader fuzzing, short run', () => {
  for (const format of FUZZ_FORMATS) {
    it(`${format}: ${INPUTS} mutated files end in a load or a DataError/UsageError`, async () => {
      const executor = new InlineExecutor();
      const failures: string[] = [];
      try {
        const s = await fuzzFormat({
          format,
          iterations: INPUTS,
          seed: SEED,
          executor,
          onFailure: (c, o) => failures.push(`#${c.index} ${o.reason} (${c.seedLabel}; ${c.ops.join(' + ')}): ${o.detail.split('\n')[0]}`),
        });
        expect(failures).toEqual([]);
        expect(s.inputs).toBe(INPUTS);
        expect(s.ok + s.typedErrors).toBe(INPUTS);
        // The edits reach past the first checks: some files still load, most do not.
        expect(s.ok).toBeGreaterThan(0);
        expect(s.typedErrors).toBeGreaterThan(INPUTS / 2);
      } finally {
        await executor.close();
      }
    });
  }
});

describe('fuzzing harness', () => {
  it('builds the same input for the same seed and index, and other inputs for other indices', async () => {
    for (const format of FUZZ_FORMATS) {
      const seeds = await makeSeeds(format, SEED);
      const a = makeCase(format, seeds, SEED, 5);
      const b = makeCase(format, seeds, SEED, 5);
      expect(b.ops).toEqual(a.ops);
      expect(b.files.map((f) => f.name)).toEqual(a.files.map((f) => f.name));
      b.files.forEach((f, i) => expect(Buffer.from(f.bytes).equals(Buffer.from(a.files[i].bytes))).toBe(true));
      const others = [6, 7, 8, 9].map((i) => makeCase(format, seeds, SEED, i));
      expect(others.some((c) => !Buffer.from(c.files[0].bytes).equals(Buffer.from(a.files[0].bytes)))).toBe(true);
    }
  });

  it('never writes to the seed it mutates (Buffer#slice would share its memory)', async () => {
    for (const format of FUZZ_FORMATS) {
      const seeds = await makeSeeds(format, SEED);
      const before = seeds.map((s) => s.files.map((f) => Buffer.from(f.bytes)));
      for (let i = 0; i < 50; i++) makeCase(format, seeds, SEED, i);
      const input = Buffer.from(seeds[0].files[0].bytes);
      const copy = Buffer.from(input);
      for (let i = 0; i < 50; i++) mutate(format, input, new Rng(i));
      expect(input.equals(copy)).toBe(true);
      seeds.forEach((s, k) => s.files.forEach((f, j) => expect(Buffer.from(f.bytes).equals(before[k][j])).toBe(true)));
    }
  });

  it('counts only DataError and UsageError as typed errors', () => {
    expect(classify(new DataError('bad', 'f.csv', 2)).kind).toBe('typed');
    expect(classify(new UsageError('bad')).kind).toBe('typed');
    expect(classify(new TypeError('x is undefined'))).toMatchObject({ kind: 'failure', reason: 'exception' });
    expect(classify(new RangeError('Invalid array length'))).toMatchObject({ kind: 'failure', reason: 'exception' });
    expect(classify('a string')).toMatchObject({ kind: 'failure', reason: 'exception' });
  });

  it('reports a load over the time or memory limit as a failure', async () => {
    const seeds = await makeSeeds('csv', SEED);
    const c = makeCase('csv', seeds, SEED, 0);
    // Every load takes longer than 0 ms, and grows memory by more than a negative bound.
    const slow = new InlineExecutor({ timeoutMs: 0, memoryLimitMb: 512 });
    const greedy = new InlineExecutor({ timeoutMs: 60_000, memoryLimitMb: -1e9 });
    try {
      expect(await slow.run(c)).toMatchObject({ kind: 'failure', reason: 'hang' });
      expect(await greedy.run(c)).toMatchObject({ kind: 'failure', reason: 'memory' });
    } finally {
      await slow.close();
      await greedy.close();
    }
  });

  it('caps the memory one input may add to its worker, and the worker as a whole', () => {
    const MiB = 2 ** 20;
    const limits = { timeoutMs: 5000, memoryLimitMb: 512 };
    // Per input: growth over the memory the child had when the input was sent.
    expect(memoryBreach(300 * MiB, 813 * MiB, limits)).toMatch(/this input grew the child's memory by 513 MiB \(limit 512 MiB per input\)/);
    expect(memoryBreach(300 * MiB, 811 * MiB, limits)).toBeNull();
    // Overall: twice the limit plus 256 MiB, whatever the starting point (unknown for a child's first input).
    expect(memoryBreach(Number.NaN, 1279 * MiB, limits)).toBeNull();
    expect(memoryBreach(Number.NaN, 1281 * MiB, limits)).toMatch(/child memory reached 1281 MiB .*\(limit 1280 MiB\)/);
    // Where resident memory cannot be read, nothing is reported.
    expect(memoryBreach(300 * MiB, Number.NaN, limits)).toBeNull();
    expect(recycleAbove(limits)).toBe(768 * MiB);
  });
});
