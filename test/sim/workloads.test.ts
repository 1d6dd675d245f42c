import { describe, expect, it } from 'vitest';
import { cpuClock, decisionStepper, engineStepper, freshRunStepper, timedRate } from '../../src/sim/throughput.js';
import { simulate } from '../../src/sim/engine.js';
import { resolvePolicies } from '../../src/policies/registry.js';
import { denseWorkload, oneHotWorkload, taskTableWorkload } from '../../src/sim/workloads.js';

describe('bench workloads', () => {
  it('one-hot: 16 models, d = 12, bias + one index per feature group; the same seed gives the same numbers', () => {
    const w = oneHotWorkload();
    const { ptr, idx, d, nQueries } = w.contexts;
    expect([w.nModels, d, w.rewards.length]).toEqual([16, 12, nQueries * 16]);
    for (let q = 0; q < nQueries; q++) {
      expect(ptr[q + 1] - ptr[q]).toBe(4);
      const [b, t, c, x] = idx.subarray(ptr[q], ptr[q + 1]);
      expect(b).toBe(0);
      expect(t >= 1 && t <= 5 && c >= 6 && c <= 8 && x >= 9 && x <= 11).toBe(true);
    }
    expect(Array.from(oneHotWorkload().rewards)).toEqual(Array.from(w.rewards));
  });

  it('7 models × 10 tasks in the reference layout: d = 16, contexts follow the table, rewards are the λ = 0.5 table', async () => {
    const w = await taskTableWorkload(500);
    expect([w.nModels, w.contexts.d, w.table.tasks.length, w.contexts.nQueries]).toEqual([7, 16, 10, 500]);
    expect(w.rewards).toBe(w.rw.rewards);
    // bias + task slot of every query
    for (let q = 0; q < 500; q++) {
      const row = Array.from(w.contexts.idx.subarray(w.contexts.ptr[q], w.contexts.ptr[q + 1]));
      expect(row[0]).toBe(0);
      expect(row[1]).toBe(1 + w.table.queryTask[q]);
    }
  });

  it('dense d: a bias slot and d − 1 features per query', () => {
    const w = denseWorkload(64);
    expect(w.contexts.d).toBe(64);
    expect(w.contexts.ptr[1]).toBe(64);
    expect(w.contexts.val[0]).toBe(1);
  });

  it('the engine stepper makes runs × queries decisions per call, and the policy stepper n per call', async () => {
    const w = await taskTableWorkload(300);
    const eng = engineStepper('epsilon-greedy', w.table, w.contexts, w.rw, 2);
    let calls = 0;
    const counted = (n: number): void => {
      calls++;
      eng(n);
    };
    const rate = timedRate(counted, 600, 5, cpuClock);
    expect(calls).toBeGreaterThan(0);
    expect(rate).toBeGreaterThan(0);
    const step = decisionStepper('linucb', w.contexts, w.rewards, 7, 10);
    expect(() => step(1000)).not.toThrow();
  });

  it('the fresh-run stepper replays what the engine replays: each run\'s total reward equals simulate\'s', async () => {
    const w = await taskTableWorkload(400);
    for (const name of ['epsilon-greedy', 'linucb', 'thompson']) {
      const totals: number[] = [];
      // its warm-up is runs 0-4; the next call makes runs 5 and 6
      const step = freshRunStepper(name, w.table, w.contexts, w.rewards, (r, total) => (totals[r] = total));
      step(2 * 400);
      const res = simulate(w.table, w.contexts, w.rw, { runs: 7, seed: 40, semantics: 'paper', oracle: 'pool', policies: resolvePolicies([name], [], w.table.models) });
      expect(totals.length).toBe(7);
      expect(totals).toEqual(res.metrics[0].map((x) => x.totalReward));
    }
  });
});
