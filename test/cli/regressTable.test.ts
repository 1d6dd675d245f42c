import { describe, expect, it } from 'vitest';
import { regressTable } from '../../src/cli/regress.js';
import type { RegressResult } from '../../src/app/regress.js';

const r: RegressResult = {
  baseline: 'results/baselines/bench-throughput.json',
  name: 'bench-throughput',
  status: 'pass',
  diffs: [
    { metric: 'linear-epsilon-greedy.throughputRatio', baseline: 0.1688, now: 0.3582, delta: 0.1894, allowed: 0.0591, verdict: 'improved' },
    { metric: 'linucb.finalRegret', baseline: 419.5, now: 419.5, delta: 0, allowed: 4.195, verdict: 'ok' },
  ],
};

describe('regress: the terminal table', () => {
  it('fits 79 columns: the tolerance gives way, the values and the verdict stay', () => {
    expect(regressTable(r)).toMatch(/^metric +baseline +now +delta +tolerance +verdict$/m);
    const t = regressTable(r, 79);
    for (const line of t.split('\n')) expect(line.length, line).toBeLessThanOrEqual(79);
    expect(t).toMatch(/^metric +baseline +now +delta +verdict$/m);
    expect(t).toMatch(/^linear-epsilon-greedy\.throughputRatio +0\.1688 +0\.3582 +\+0\.1894 +improved$/m);
  });
});

describe('regress: the terminal table on 40 and 56 columns', () => {
  it('every line fits and every metric keeps its four numbers', () => {
    for (const w of [39, 55]) {
      const t = regressTable(r, w);
      // only the baseline's path, which stays whole to be copied, may be wider
      expect(t.split('\n').filter((l) => l.length > w)).toEqual(w < 42 ? [`(${r.baseline}):`] : []);
      for (const d of r.diffs) {
        // the metric's record, or its row, by its name or a middle cut of it
        const at = t.split('\n').findIndex((l) => {
          const cell = l.replace(/^metric: /, '').split(/\s{2,}/)[0];
          const [a, b] = cell.split('…');
          return b === undefined ? cell === d.metric : d.metric.startsWith(a) && d.metric.endsWith(b);
        });
        expect(at, d.metric).toBeGreaterThan(0);
        const mine = t.split('\n').slice(at, at + 6).join('\n');
        for (const x of [d.baseline, d.now]) expect(mine).toContain(x!.toFixed(4));
        // the delta may give way to the other numbers, said under the table
        if (!/left out to fit the terminal: delta/.test(t.replace(/\n/g, ' '))) expect(mine).toContain(`+${d.delta!.toFixed(4)}`);
        expect(mine).toContain(d.verdict);
      }
    }
  });
});
