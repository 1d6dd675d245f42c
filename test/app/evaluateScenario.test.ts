/** `evaluate` under the scenario settings of `simulate` (docs/evaluate.md): budget, drift, late and sampled feedback. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateRouterbench } from '../../src/app/evaluate.js';
import { UsageError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { runSeed } from '../../src/sim/engine.js';
import { sweepIndex } from '../../src/sim/sweep.js';

const dir = mkdtempSync(join(tmpdir(), 'gs-evsc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A RouterBench-shaped table: 60 prompts of two families, models a and b with varied correctness and cost. */
function table(outliers = false): string {
  const rng = new Rng(12);
  const head = ['sample_id', 'prompt', 'eval_name', 'a', 'b', 'a|total_cost', 'b|total_cost'];
  const rows: string[] = [];
  for (let i = 0; i < 60; i++) {
    const id = `p${String(i).padStart(2, '0')}`;
    const dear = outliers && (i === 0 || i === 1) ? 1 : 0.01 * (1 + rng.next());
    rows.push([id, `"['Q${i}']"`, i % 3 ? 'mmlu-anatomy' : 'hellaswag', rng.next() < 0.5 ? 1 : 0, rng.next() < 0.8 ? 1 : 0, (0.001 * (1 + rng.next())).toFixed(6), dear.toFixed(6)].join(','));
  }
  const f = join(dir, 'rb.csv');
  writeFileSync(f, [head.join(','), ...rows].join('\n') + '\n');
  return f;
}

const base = { lambdas: [0.5], runs: 2, seed: 5, features: ['task' as const] };

describe('evaluate with scenarios', () => {
  it('drift: the operating points count the drifted cost and accuracy of the served prompts, step by step', async () => {
    const source = table();
    const ev = await evaluateRouterbench({ ...base, source, policies: ['static:b'], drift: [{ step: 25, model: 'b', usd: 3, accuracy: -0.5 }] });
    const t = ev.table;
    const Q = t.nQueries;
    const T = t.tasks.length;
    for (let r = 0; r < 2; r++) {
      // the run's prompt order, as the replay draws it
      const order = Int32Array.from({ length: Q }, (_, q) => q);
      Rng.derive(runSeed(5, r), 0).shuffle(order);
      let cost = 0;
      let acc = 0;
      for (let s = 0; s < Q; s++) {
        const i = order[s] * t.nModels + 1;
        cost += t.costUsd![i] * (s >= 25 ? 3 : 1);
        acc += s >= 25 ? Math.max(0, t.accuracy[i] - 0.5) : t.accuracy[i];
      }
      const k = sweepIndex(ev.sweep, 0, 0, r, T);
      expect(ev.sweep.cost[k]).toBeCloseTo(cost / Q, 12);
      expect(ev.sweep.quality[k]).toBeCloseTo(acc / Q, 12);
    }
    // worker threads over the λ grid get the same scenario
    const two = await evaluateRouterbench({ ...base, lambdas: [0.2, 0.5], jobs: 2, source, policies: ['static:b', 'linucb'], drift: [{ step: 25, model: 'b', usd: 3, accuracy: -0.5 }] });
    const one = await evaluateRouterbench({ ...base, lambdas: [0.2, 0.5], jobs: 1, source, policies: ['static:b', 'linucb'], drift: [{ step: 25, model: 'b', usd: 3, accuracy: -0.5 }] });
    expect(Array.from(two.sweep.cost)).toEqual(Array.from(one.sweep.cost));
    expect(Array.from(two.sweep.quality)).toEqual(Array.from(one.sweep.quality));
    expect(one.sweep.cost[sweepIndex(one.sweep, 1, 0, 0, T)]).toBe(ev.sweep.cost[sweepIndex(ev.sweep, 0, 0, 0, T)]);
  });

  it('budget and feedback reach the replays; a reward-independent policy is unaffected', async () => {
    const source = table();
    // λ = 0: the reward is accuracy, so without a binding budget the routers lean to the dearer, better model b
    const o = { ...base, lambdas: [0], source, policies: ['budgeted-linucb', 'linucb', 'random'] };
    const plain = await evaluateRouterbench({ ...o, budget: 'usd=1' });
    const tight = await evaluateRouterbench({ ...o, budget: 'usd=0.004' });
    const late = await evaluateRouterbench({ ...o, budget: 'usd=1', feedbackRate: 0.3, feedbackDelay: '5' });
    const T = plain.table.tasks.length;
    const all = (ev: typeof plain, p: number) => [0, 1].map((r) => ev.sweep.cost[sweepIndex(ev.sweep, 0, p, r, T)]);
    // a tight dollar budget makes the budgeted router cheaper; plain LinUCB does not see it
    for (let r = 0; r < 2; r++) expect(all(tight, 0)[r]).toBeLessThan(all(plain, 0)[r]);
    expect(all(tight, 1)).toEqual(all(plain, 1));
    // sampled, late labels change what LinUCB learns, not what random picks
    expect(all(late, 1)).not.toEqual(all(plain, 1));
    expect(all(late, 2)).toEqual(all(plain, 2));
  });

  it('under a split, a drift event that changes nothing leaves every operating point as it was (the bounds are the whole table\'s)', async () => {
    // one dear outlier per family widens the whole table's cost range beyond the test part's (when it falls in the train part)
    const source = table(true);
    const o = { ...base, lambdas: [0.3, 0.7], source, policies: ['linucb', 'thompson'], split: 0.5 };
    const none = await evaluateRouterbench(o);
    const same = await evaluateRouterbench({ ...o, drift: [{ step: 0, model: 'b', usd: 1 }] });
    expect(Array.from(same.sweep.cost)).toEqual(Array.from(none.sweep.cost));
    expect(Array.from(same.sweep.quality)).toEqual(Array.from(none.sweep.quality));
  });

  it('bad scenario settings name the field before any replay', async () => {
    const source = table();
    await expect(evaluateRouterbench({ ...base, source, budget: 'usd=-1' })).rejects.toThrow(new UsageError('budget: the usd budget must be a finite number > 0'));
    await expect(evaluateRouterbench({ ...base, source, budget: 'energy=0.1' })).rejects.toThrow(new UsageError("budget: dataset 'rb.csv' has no energy values to budget"));
    await expect(evaluateRouterbench({ ...base, source, drift: [{ step: 5, model: 'zzz', accuracy: 0.1 }] })).rejects.toThrow(new UsageError("drift[0] (step 5): unknown model 'zzz'; models: a, b"));
    await expect(evaluateRouterbench({ ...base, source, feedbackRate: 0 })).rejects.toThrow(new UsageError('feedbackRate: must be in (0, 1]'));
    await expect(evaluateRouterbench({ ...base, source, feedbackDelay: 'soon' })).rejects.toThrow(/^feedbackDelay: expected <steps>, uniform:<a>-<b> or geometric:<mean>/);
  });
});
