/**
 * The pickle work bombs as fuzzer seeds and as an edit: each shape is what it says, and every input made
 * from them ends quickly in a load or a typed error.
 */
import { describe, it, expect } from 'vitest';
import { unpickle } from '../../src/data/formats/pickle.js';
import { InlineExecutor, makeCase } from '../../fuzz/harness.js';
import { dupListDag, memoListDag, pickle2, tupleDag } from '../../fuzz/pickleBombs.js';
import { makeSeeds } from '../../fuzz/seeds.js';

const SEED = 3;

describe('pickle bomb shapes', () => {
  it('the list DAGs share one list per level, with and without the memo', () => {
    for (const body of [dupListDag(3, 4), memoListDag(3, 4)]) {
      const top = unpickle(pickle2(body)) as unknown[][][];
      expect(top.length).toBe(4);
      expect(new Set(top).size).toBe(1);
      expect(top[0].length).toBe(4);
      expect(new Set(top[0]).size).toBe(1);
      expect(top[0][0]).toEqual([[], [], [], []]);
    }
  });

  it('the tuple DAG is a pair of one pair of one pair… (DUP shares each level)', () => {
    const t = unpickle(pickle2(tupleDag(3))) as unknown[];
    expect(t[0]).toBe(t[1]);
    expect(t[0]).toEqual([[1, 1], [1, 1]]);
  });
});

describe('pickle fuzzing with the bomb shapes', () => {
  it('seeds include every shape, alone and spliced into the fixtures, and each ends within the time limit', async () => {
    const seeds = await makeSeeds('pickle', SEED);
    const labels = seeds.map((s) => s.label).join('\n');
    for (const re of [/memo-shared list DAG/, /list DAG as DataFrame state/, /tuple DAG as dict key/, /LONG4 of 256 KiB/, /text LONG/, /list re-read by every call/, /list DAG as a cell/, /tuple DAG as a cell/]) {
      expect(labels).toMatch(re);
    }
    const executor = new InlineExecutor({ timeoutMs: 3000, memoryLimitMb: 256 });
    try {
      for (let i = 0; i < seeds.length; i++) {
        const c = { format: 'pickle' as const, index: i, seedLabel: seeds[i].label, ops: [], files: seeds[i].files };
        const t0 = performance.now();
        const o = await executor.run(c);
        expect(o.kind, `${seeds[i].label}: ${JSON.stringify(o)}`).not.toBe('failure');
        expect(performance.now() - t0, seeds[i].label).toBeLessThan(3000);
      }
    } finally {
      await executor.close();
    }
  });

  it('the bomb edit puts the shapes inside other pickles, and those inputs end cleanly too', async () => {
    const seeds = await makeSeeds('pickle', SEED);
    const cases = [];
    for (let i = 0; cases.length < 25 && i < 5000; i++) {
      const c = makeCase('pickle', seeds, SEED, i);
      if (c.ops.includes('pickle:bomb')) cases.push(c);
    }
    expect(cases.length).toBe(25);
    const executor = new InlineExecutor({ timeoutMs: 3000, memoryLimitMb: 256 });
    try {
      for (const c of cases) {
        const o = await executor.run(c);
        expect(o.kind, `#${c.index} ${c.seedLabel} ${c.ops.join(' + ')}: ${JSON.stringify(o)}`).not.toBe('failure');
      }
    } finally {
      await executor.close();
    }
  });
});
