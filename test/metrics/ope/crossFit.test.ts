import { describe, expect, it } from 'vitest';
import { loadLogs } from '../../../src/data/logs.js';
import { crossFitRewardModel, logRewardModel } from '../../../src/metrics/ope/fromLogs.js';
import { scratch } from '../../data/formats/helpers.js';

const s = scratch();

describe('cross-fitted reward model', () => {
  it('without context, decision i is predicted by each model’s mean reward over the other folds', async () => {
    const rows = [
      ['q0', 'a', 1],
      ['q1', 'b', 0],
      ['q2', 'a', 0.5],
      ['q3', 'b', 1],
      ['q4', 'a', 0],
      ['q5', 'b', 0.25],
      ['q6', 'a', 1],
    ] as const;
    const log = await loadLogs(s.write('cf.csv', 'query_id,model_id,propensity,accuracy\n' + rows.map((r) => `${r[0]},${r[1]},0.5,${r[2]}`).join('\n') + '\n'));
    const reward = log.metrics[0]!;
    const K = 3;
    const q = crossFitRewardModel(log, reward, K);
    for (let i = 0; i < rows.length; i++) {
      for (const [m, id] of ['a', 'b'].entries()) {
        // by hand: mean of model `id`'s rewards on rows j with j mod 3 ≠ i mod 3
        const other = rows.filter((r, j) => j % K !== i % K && r[1] === id).map((r) => r[2] as number);
        expect(q[i * 2 + m]).toBeCloseTo(other.reduce((a, b) => a + b, 0) / other.length, 12);
      }
    }
    // one fold is the in-sample fit
    expect(Array.from(crossFitRewardModel(log, reward, 1))).toEqual(Array.from(logRewardModel(log, reward)));
    expect(() => crossFitRewardModel(log, reward, 0)).toThrow(RangeError);
  });
});
