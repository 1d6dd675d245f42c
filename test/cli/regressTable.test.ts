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
