import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { makePoolTable } from '../../src/data/pool.js';
import { encodeContexts } from '../../src/features/context.js';
import { applyFeatures, computeFeatures } from '../../src/features/pipeline.js';
import { UNKNOWN_TASK } from '../../src/data/pool.js';
import { trainTaskModel } from '../../src/features/taskClassifier.js';
import { syntheticPrompts } from '../../bench/features.js';
import { HAVE_PROMPTS, PAPER_ORDER, realPrompts, warnIfNoPrompts } from './helpers.js';

warnIfNoPrompts('feature pipeline on the real prompts');

const prompts = syntheticPrompts(60, 5);
const model = trainTaskModel(prompts.map((p) => ({ text: p.text, label: p.task })), { maxIter: 100 });

describe('computeFeatures', () => {
  it('keeps given tasks, predicts missing ones with a model, else says unknown', () => {
    const items = prompts.slice(0, 10).map((p, i) => ({ queryId: `q${i}`, text: p.text, task: i < 5 ? p.task : null }));
    const withModel = computeFeatures(items, { taskModel: model });
    withModel.forEach((f, i) => expect(f.task).toBe(prompts[i].task));
    const without = computeFeatures(items);
    without.forEach((f, i) => expect(f.task).toBe(i < 5 ? prompts[i].task : UNKNOWN_TASK));
    expect(computeFeatures([{ queryId: 'x', text: 'a', task: '  mmlu ' }])[0].task).toBe('mmlu');
  });

  it('derives complexity and bins from the Flesch score under either binning', () => {
    const items = prompts.map((p, i) => ({ queryId: String(i), text: p.text }));
    const thr = computeFeatures(items, { binning: 'thresholds' });
    const eq = computeFeatures(items, { binning: 'equal-width' });
    thr.forEach((f, i) => {
      expect(f.complexity).toBeCloseTo(Math.min(100, Math.max(0, 100 - f.flesch)), 9);
      expect(f.complexityBin).toBe(f.complexity < 20 ? 0 : f.complexity < 30 ? 1 : 2);
      expect(eq[i].complexityBin).toBe(f.complexity < 100 / 3 ? 0 : f.complexity < 200 / 3 ? 1 : 2);
      expect(eq[i].cluster).toBe(f.cluster);
    });
  });

  it('defines a value for bad input (docs/features.md)', () => {
    const big = 'lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(18_000);
    const f = computeFeatures(
      [
        { queryId: 'missing', text: null },
        { queryId: 'empty', text: '' },
        { queryId: 'numbers', text: '3 14 15 92 65 35' },
        { queryId: 'code', text: 'if (x) { return y[0] * 2; }' },
        { queryId: 'replaced', text: 'caf\uFFFD \uFFFD\uFFFD' },
        { queryId: 'big', text: big },
        { queryId: 'normal', text: 'The cat sat on the mat. The dog ran.' },
      ],
      { taskModel: model },
    );
    expect(f[0]).toMatchObject({ cluster: -1, complexityBin: -1 });
    expect(f[0].flesch).toBeNaN();
    expect(f[0].complexity).toBeNaN();
    expect(f[1]).toMatchObject({ cluster: 0, flesch: 206.84, complexity: 0, complexityBin: 0 });
    for (const x of f.slice(1)) {
      expect(Number.isFinite(x.flesch)).toBe(true);
      expect(x.cluster).toBeGreaterThanOrEqual(0);
      expect(x.cluster).toBeLessThan(3);
      expect(model.labels).toContain(x.task);
    }
  });

  it('clusters precomputed embeddings instead of the text', () => {
    const items = [0, 1, 2, 3].map((i) => ({ queryId: String(i), text: 'same text' }));
    const f = computeFeatures(items, { embeddings: [[1, 0], [0, 1], [1, 0.1], [0.1, 1]], k: 2 });
    expect(f.map((x) => x.cluster)).toEqual([0, 1, 0, 1]);
    expect(() => computeFeatures(items, { embeddings: [[1, 0]] })).toThrow(UsageError);
  });

  it('rejects bad options with a UsageError', () => {
    const items = [{ queryId: 'a', text: 'x' }];
    expect(() => computeFeatures(items, { k: 0 })).toThrow(UsageError);
    expect(() => computeFeatures(items, { k: 2.5 })).toThrow(UsageError);
    expect(() => computeFeatures(items, { seed: -1 })).toThrow(UsageError);
    expect(() => computeFeatures(items, { binning: 'bogus' as never })).toThrow(UsageError);
  });

  it('is deterministic for any batch', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 80 }), { maxLength: 20 }), fc.nat(50), (texts, seed) => {
        const items = texts.map((t, i) => ({ queryId: String(i), text: t }));
        const a = computeFeatures(items, { seed });
        const b = computeFeatures(items, { seed });
        return JSON.stringify(a) === JSON.stringify(b) && a.every((x) => x.complexityBin >= 0 && x.complexityBin <= 2);
      }),
      { numRuns: 60 },
    );
  });
});

describe('applyFeatures', () => {
  const table = () => {
    const n = 12;
    return makePoolTable({
      name: 't',
      queryIds: Array.from({ length: n }, (_, i) => `q${i}`),
      queryTasks: prompts.slice(0, n).map((p, i) => (i % 4 === 3 ? UNKNOWN_TASK : p.task)),
      queryText: prompts.slice(0, n).map((p, i) => (i === 5 ? null : p.text)),
      models: [{ id: 'm', name: 'm', paramsB: 1 }],
      accuracy: Float64Array.from({ length: n }, (_, i) => i % 2),
    });
  };

  it('fills absent clusters and complexity, and predicted tasks given a model', () => {
    const t = table();
    const r = applyFeatures(t, { taskModel: model });
    expect(r).toEqual({ computed: true, clustersFilled: 11, complexityFilled: 11, tasksFilled: 3 });
    expect(t.cluster[5]).toBe(-1);
    expect(Number.isNaN(t.complexity[5])).toBe(true);
    for (let q = 0; q < 12; q++) {
      expect(t.tasks[t.queryTask[q]]).toBe(prompts[q].task);
      if (q !== 5) expect(t.complexity[q]).toBeGreaterThanOrEqual(0);
    }
    expect(t.tasks).not.toContain(UNKNOWN_TASK);
    for (const name of t.tasks) expect(t.taskBounds.has(name)).toBe(true);
    // the filled table encodes to contexts
    const ctx = encodeContexts(t, { layout: 'paper', features: ['task', 'cluster', 'complexity'] });
    expect(ctx.nQueries).toBe(12);
  });

  it('keeps precomputed features and leaves text-less tables alone', () => {
    const t = table();
    t.cluster[0] = 2;
    t.complexity[1] = 42;
    const r = applyFeatures(t);
    expect(r.clustersFilled).toBe(0);
    expect(Array.from(t.cluster.slice(1))).toEqual(new Array(11).fill(-1));
    expect(t.complexity[1]).toBe(42);
    expect(r.tasksFilled).toBe(0);
    const bare = makePoolTable({
      name: 'b',
      queryIds: ['a'],
      queryTasks: ['mmlu'],
      models: [{ id: 'm', name: 'm', paramsB: 1 }],
      accuracy: new Float64Array([1]),
    });
    expect(applyFeatures(bare).computed).toBe(false);
  });
});

describe.skipIf(!HAVE_PROMPTS)('pipeline on the 2,500 real prompts', () => {
  it('computes every feature with ground-truth tasks', () => {
    const recs = realPrompts();
    const f = computeFeatures(recs.map((r) => ({ queryId: r.queryId, text: r.text, task: r.task })));
    expect(f).toHaveLength(2500);
    PAPER_ORDER.forEach((t, i) => expect(f[i * 500].task).toBe(t));
    expect(new Set(f.map((x) => x.cluster))).toEqual(new Set([0, 1, 2]));
    expect(f.every((x) => Number.isFinite(x.flesch) && x.complexityBin >= 0)).toBe(true);
  });
});
