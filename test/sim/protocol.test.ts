import { describe, expect, it } from 'vitest';
import { makePoolTable } from '../../src/data/pool.js';
import { StatelessPolicy, type PolicyFactory, type TrainData } from '../../src/policies/policy.js';
import { resolvePolicies } from '../../src/policies/registry.js';
import { runProtocol, stackRows, tasksMissingFromTrain, type ProtocolOptions } from '../../src/sim/protocol.js';
import { buildRewards } from '../../src/sim/reward.js';
import { stratifiedSplit } from '../../src/sim/split.js';
import { randomTable } from '../helpers/table.js';

const base = (policies: string[], t = randomTable(11, 90, 4)): ProtocolOptions => ({
  protocol: { kind: 'split', fraction: 0.5, splits: 2 },
  policies: resolvePolicies(policies, [], t.models),
  lambda: 0.5,
  runs: 2,
  seed: 3,
  semantics: 'paper',
  oracle: 'full',
  contexts: { layout: 'paper', features: ['task', 'cluster', 'complexity'] },
});

describe('a separate train table', () => {
  it('names the test stream\'s tasks it has no row of', () => {
    const mk = (tasks: string[]) => makePoolTable({ name: 't', queryIds: tasks.map((_, q) => `q${q}`), queryTasks: tasks, models: [{ id: 'a', name: 'a', paramsB: 1 }], accuracy: Float64Array.from(tasks, () => 1) });
    expect(tasksMissingFromTrain(mk(['arc', 'wino', 'gsm', 'arc']), mk(['arc', 'mmlu']))).toEqual(['gsm', 'wino']);
    expect(tasksMissingFromTrain(mk(['arc']), mk(['mmlu', 'arc']))).toEqual([]);
  });
});

describe('--features embedding with a separate train table', () => {
  const withEmb = (seed: number, dim: number | null, name: string) => {
    const t = randomTable(seed, 20, 3);
    t.name = name;
    if (dim !== null) t.embedding = { dim, values: Float64Array.from({ length: 20 * dim }, (_, i) => Math.sin(i + seed)) };
    else delete t.embedding;
    return t;
  };
  const run = (test: ReturnType<typeof withEmb>, train: ReturnType<typeof withEmb>) =>
    runProtocol(test, { ...base(['train-best-static'], test), protocol: { kind: 'train-table', train, source: `dir/${train.name}` }, contexts: { layout: 'paper', features: ['embedding'] }, runs: 1 });

  it('names the table that lacks the embedding, or both widths, not the test table', async () => {
    await expect(run(withEmb(1, 4, 'test.csv'), withEmb(2, null, 'train.csv'))).rejects.toThrow(/the train table 'dir\/train\.csv' has no embedding column, while the test table 'test\.csv' has one \(4 values\)/);
    await expect(run(withEmb(1, null, 'test.csv'), withEmb(2, 4, 'train.csv'))).rejects.toThrow(/the test table 'test\.csv' has no embedding column, while the train table 'dir\/train\.csv' has one \(4 values\)/);
    await expect(run(withEmb(1, 4, 'test.csv'), withEmb(2, 3, 'train.csv'))).rejects.toThrow(/differ in width: 3 values in the train table 'dir\/train\.csv', 4 values in the test table 'test\.csv'/);
    await expect(run(withEmb(1, null, 'test.csv'), withEmb(2, null, 'train.csv'))).rejects.toThrow(/neither the test table 'test\.csv' nor the train table 'dir\/train\.csv' has an embedding column/);
  });

  it('runs when both tables have embeddings of one width', async () => {
    const r = await run(withEmb(1, 4, 'test.csv'), withEmb(2, 4, 'train.csv'));
    expect(r.splits[0].trainQueries).toBe(20);
    // the contexts are the 4 embedding values plus a bias term
    expect(r.splits[0].d).toBe(5);
  });
});

describe('train/test protocol', () => {
  it('replays the test rows only; train-best-static regret equals a direct sum over the test rows', async () => {
    const t = randomTable(11, 90, 4);
    const o = base(['train-best-static', 'oracle', 'random'], t);
    const run = await runProtocol(t, o);
    expect(run.splits.length).toBe(2);
    // rewards of the whole table (a split keeps its normalisation)
    const rw = await buildRewards(t, { lambda: 0.5 });
    const M = t.nModels;
    for (const sp of run.splits) {
      const { train, test } = stratifiedSplit(t.queryTask, t.tasks.length, 0.5, 3, sp.index);
      expect(sp.testQueries).toBe(test.length);
      expect(sp.trainQueries).toBe(train.length);
      // only the first split keeps its test table (the outputs describe it); later ones drop it to save memory
      if (sp.index === 0) expect(sp.test!.queryIds).toEqual([...test].map((q) => t.queryIds[q]));
      else expect(sp.test).toBeNull();
      // best mean train reward, then its regret on the test rows against the full oracle
      let best = -1;
      let bestMean = -Infinity;
      for (let m = 0; m < M; m++) {
        let s = 0;
        let n = 0;
        for (const q of train) if (t.present[q * M + m]) (s += rw.rewards[q * M + m]), n++;
        if (s / n > bestMean) (bestMean = s / n), (best = m);
      }
      let regret = 0;
      for (const q of test) regret += rw.oracle[q] - (t.present[q * M + best] ? rw.rewards[q * M + best] : 0);
      for (const r of sp.result.metrics[0]) expect(r.finalRegret).toBeCloseTo(regret, 9);
      for (const r of sp.result.metrics[1]) expect(r.finalRegret).toBeCloseTo(0, 12);
      for (const r of sp.result.metrics[0]) expect(r.selection[best]).toBe(test.length);
    }
    // the same seed gives the same figures
    const again = await runProtocol(t, base(['train-best-static', 'oracle', 'random'], t));
    expect(again.splits.map((s) => s.result.metrics.map((p) => p.map((r) => r.finalRegret)))).toEqual(run.splits.map((s) => s.result.metrics.map((p) => p.map((r) => r.finalRegret))));
  });

  it('a trained policy sees train rows only, with NaN rewards where cells are absent', async () => {
    const t = randomTable(12, 60, 3, { missing: 0.2 });
    const seen: TrainData[] = [];
    const spy: PolicyFactory = {
      name: 'spy',
      description: 'records its train data',
      contextual: true,
      params: [],
      rewardIndependent: true,
      hindsight: false,
      train: true,
      create(env, _p, _h, train) {
        seen.push(train!);
        expect(env.contexts.nQueries).toBe(60);
        return new (class extends StatelessPolicy {
          name = 'spy';
          select(_q: number, arms: Int32Array): number {
            return arms[0];
          }
        })();
      },
    };
    const o = base(['train-best-static'], t);
    o.policies.push({ name: 'spy', factory: spy, params: {} });
    o.protocol = { kind: 'split', fraction: 0.25, splits: 1 };
    const run = await runProtocol(t, o);
    const sp = run.splits[0];
    const tr = seen[0];
    expect(tr.queries.length).toBe(sp.trainQueries);
    expect(sp.trainQueries + sp.testQueries).toBe(60);
    for (const q of tr.queries) expect(q).toBeGreaterThanOrEqual(sp.testQueries);
    // the stacked train rows are the split's train queries in table order, with the whole table's rewards
    // (a split keeps its normalisation) and accuracies where present, NaN where absent
    const { train } = stratifiedSplit(t.queryTask, t.tasks.length, 0.25, 3, 0);
    expect(Array.from(tr.queries)).toEqual(Array.from(train, (_, k) => sp.testQueries + k));
    const rw = await buildRewards(t, { lambda: 0.5 });
    let absent = 0;
    train.forEach((orig, k) => {
      const q = tr.queries[k];
      for (let m = 0; m < 3; m++) {
        expect(tr.present[q * 3 + m]).toBe(t.present[orig * 3 + m]);
        if (!t.present[orig * 3 + m]) {
          absent++;
          expect(tr.rewards[q * 3 + m]).toBeNaN();
          expect(tr.accuracy[q * 3 + m]).toBeNaN();
        } else {
          expect(tr.rewards[q * 3 + m]).toBeCloseTo(rw.rewards[orig * 3 + m], 12);
          expect(tr.accuracy[q * 3 + m]).toBe(t.accuracy[orig * 3 + m]);
        }
      }
    });
    expect(absent).toBeGreaterThan(0);
  });

  it('a separate train table is matched by model id and stacked after the test rows', () => {
    const t = randomTable(13, 10, 3);
    const tr = makePoolTable({
      name: 'train',
      queryIds: ['a', 'b'],
      queryTasks: ['mmlu', 'mmlu'],
      models: [t.models[2], t.models[0], t.models[1]],
      accuracy: Float64Array.from([1, 0, 0.5, 0, 1, 0]),
    });
    const st = stackRows(t, Int32Array.from({ length: 10 }, (_, q) => q), Int32Array.from([0, 1]), tr);
    expect(st.nTest).toBe(10);
    // train row 'a': model-2 = 1, model-0 = 0, model-1 = 0.5 → in test order [0, 0.5, 1]
    expect([...st.table.accuracy.subarray(30, 33)]).toEqual([0, 0.5, 1]);
    expect([...st.table.accuracy.subarray(0, 30)]).toEqual([...t.accuracy]);
  });

  it('refuses a train table with other models and a trained policy without a train part', async () => {
    const t = randomTable(14, 20, 3);
    const other = randomTable(15, 20, 4);
    const o = base(['train-best-static'], t);
    o.protocol = { kind: 'train-table', train: other, source: 'other.csv' };
    await expect(runProtocol(t, o)).rejects.toThrow(/^train other.csv: .*has model-3 not in the test table/);
  });
});
