// 21 clusterings of the 2,500 real prompts (about 6 s of CPU): with the end-to-end stage, which CI also runs.
import { describe, expect, it } from 'vitest';
import { clusterPurity, clusterTexts } from '../../src/features/cluster.js';
import { HAVE_PROMPTS, realPrompts, warnIfNoPrompts } from './helpers.js';

warnIfNoPrompts('cluster purity on the real prompts');

describe.skipIf(!HAVE_PROMPTS)('cluster purity on the 2,500 real prompts', () => {
  it('aligns clusters with tasks (k = 3 can reach at most 0.6)', () => {
    const recs = realPrompts();
    const texts = recs.map((r) => r.text);
    const labels = recs.map((r) => r.task!);
    const seeds = [0, 1, 2, 3, 4];
    const table: Record<string, Record<string, string>> = {};
    const med: Record<string, number> = {};
    const min: Record<string, number> = {};
    for (const k of [3, 5]) {
      for (const init of ['first-distinct', 'kmeans++'] as const) {
        const ps = seeds.map((seed) => clusterPurity(clusterTexts(texts, { k, init, seed }), labels));
        const key = `k=${k} ${init}`;
        table[key] = Object.fromEntries(ps.map((p, i) => [`seed ${seeds[i]}`, p.toFixed(3)]));
        med[key] = [...ps].sort((a, b) => a - b)[2];
        min[key] = Math.min(...ps);
      }
    }
    console.table(table);
    const c = clusterTexts(texts, { k: 3 });
    const crossTab: Record<string, number[]> = {};
    c.forEach((x, i) => ((crossTab[labels[i]] ??= [0, 0, 0])[x] += 1));
    console.table(crossTab);
    for (const init of ['first-distinct', 'kmeans++']) {
      expect(med[`k=3 ${init}`]).toBeGreaterThan(0.5);
      expect(min[`k=3 ${init}`]).toBeGreaterThan(0.4);
      expect(med[`k=5 ${init}`]).toBeGreaterThan(0.65);
    }
  });
});
