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
    const { ptr, idx, val, d, nQueries } = w.contexts;
    expect([d, w.nModels, w.rewards.length]).toEqual([64, 16, nQueries * 16]);
    // every query: slots 0 … 63 in order, the bias 1, the 63 features Gaussian of unit expected norm
    let norm2 = 0;
    const bad: string[] = [];
    for (let q = 0; q < nQueries; q++) {
      if (ptr[q + 1] - ptr[q] !== 64) bad.push(`query ${q}: ${ptr[q + 1] - ptr[q]} slots`);
      if (val[ptr[q]] !== 1) bad.push(`query ${q}: bias ${val[ptr[q]]}`);
      for (let j = 0; j < 64; j++) if (idx[ptr[q] + j] !== j) bad.push(`query ${q}: slot ${j} is ${idx[ptr[q] + j]}`);
      for (let j = 1; j < 64; j++) norm2 += val[ptr[q] + j] ** 2;
    }
    expect(bad).toEqual([]);
    expect(norm2 / nQueries).toBeCloseTo(1, 1);
  });

  it('the engine stepper makes runs × queries decisions per call, and the policy stepper n per call', async () => {
    const w = await taskTableWorkload(300);
    // every decision reads the served cell's reward once: a reward table that logs those reads counts them
    const logged = <T extends object>(rewards: T, reads: number[]): T =>
      new Proxy(rewards, {
        get: (target, key) => {
          if (typeof key === 'string' && /^\d+$/.test(key)) reads.push(Number(key));
          return Reflect.get(target, key, target);
        },
      });
    const served: number[] = [];
    const eng = engineStepper('epsilon-greedy', w.table, w.contexts, { ...w.rw, rewards: logged(w.rw.rewards, served) }, 2);
    // the warm-up call, then per call one simulate of 2 runs × 300 queries, whatever n says
    expect(served.length).toBe(600);
    eng(1);
    eng(5000);
    expect(served.length).toBe(3 * 600);
    // each run serves every query once, and every call replays new orders (seeds 40, 41, then 42, 43, …)
    const runs = Array.from({ length: 6 }, (_, r) => served.slice(r * 300, (r + 1) * 300).map((i) => Math.floor(i / 7)));
    const all = Array.from({ length: 300 }, (_, q) => q);
    for (const run of runs) expect([...run].sort((x, y) => x - y)).toEqual(all);
    expect(new Set(runs.map((run) => run.slice(0, 20).join())).size).toBe(6);
    let calls = 0;
    const rate = timedRate(
      (n) => {
        calls++;
        eng(n);
      },
      600,
      5,
      cpuClock,
    );
    expect(served.length).toBe((3 + calls) * 600);
    expect(rate).toBeGreaterThan(0);

    // the policy stepper: n select + update decisions per call, each reading the chosen cell's reward once,
    // cycling through the given order (warm-up included)
    const reads: number[] = [];
    const rewards = logged(w.rewards, reads);
    const order = Int32Array.from({ length: 300 }, (_, k) => (k * 7) % 300);
    const step = decisionStepper('linucb', w.contexts, rewards, 7, 10, order);
    expect(reads.length).toBe(10);
    step(1000);
    expect(reads.length).toBe(1010);
    expect(reads.map((i) => Math.floor(i / 7))).toEqual(Array.from({ length: 1010 }, (_, s) => order[s % 300]));
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
