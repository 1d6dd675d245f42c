import { describe, expect, it } from 'vitest';
import { benchFeatures, syntheticPrompts } from '../../bench/features.js';

describe('features benchmark', () => {
  it('generates prompts shaped like the five tasks', () => {
    const p = syntheticPrompts(10);
    expect(p.map((x) => x.task).slice(0, 5)).toEqual(['mmlu', 'hellaswag', 'winogrande', 'gsm8k', 'cnn_dailymail']);
    expect(syntheticPrompts(10)).toEqual(p);
  });

  it('returns queries-per-second figures', async () => {
    const r = await benchFeatures();
    console.log(r);
    for (const k of ['features.total.qps', 'features.complexity.qps', 'features.cluster.qps', 'features.task.qps']) {
      expect(r[k]).toBeGreaterThan(0);
      expect(Number.isFinite(r[k])).toBe(true);
    }
    expect(r['features.queries']).toBeGreaterThan(0);
  });
});
