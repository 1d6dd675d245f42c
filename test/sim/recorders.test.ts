import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { encodeContexts } from '../../src/features/context.js';
import type { HindsightData, Policy, PolicyEnv, PolicyFactory } from '../../src/policies/policy.js';
import { FACTORIES, resolvePolicies, type ResolvedPolicy } from '../../src/policies/registry.js';
import { simulate, traceInMemory, type SimConfig } from '../../src/sim/engine.js';
import { latencyFeasibility } from '../../src/sim/actions.js';
import { MetricsRecorder, TaskTallyRecorder, type Recorder, type RunStart } from '../../src/sim/recorders.js';
import { RegretRecorder } from '../../src/sim/stepRecorders.js';
import { taskTableWorkload } from '../../src/sim/workloads.js';
import { buildRewards } from '../../src/sim/reward.js';
import { randomTable } from '../helpers/table.js';
import { stepsOf } from '../helpers/steps.js';

const base = (policies: ResolvedPolicy[]): SimConfig => ({ runs: 2, seed: 5, semantics: 'paper', oracle: 'pool', policies });

/** A factory whose policy picks uniformly among what it is handed and records the arguments it saw. */
function spyFactory(seen: { env?: PolicyEnv; createArgs?: number; arms: number[][] }, hindsight = false): ResolvedPolicy {
  const factory: PolicyFactory = {
    name: 'spy',
    description: 'records its inputs',
    contextual: false,
    params: [],
    rewardIndependent: true,
    hindsight,
    create(env, ...rest: unknown[]): Policy {
      seen.env = env;
      seen.createArgs = 1 + rest.length;
      return {
        name: 'spy',
        select: (_q, arms, n) => {
          seen.arms.push(Array.from(arms.subarray(0, n)));
          return arms[env.rng.int(n)];
        },
        update: () => {},
        addArm: () => {},
        removeArm: () => {},
      };
    },
  };
  return { name: 'spy', factory, params: {} };
}

describe('policy environment', () => {
  it('a learning policy gets no reward data; a hindsight factory gets the table through its third argument', async () => {
    const t = randomTable(3, 40, 4);
    const rw = await buildRewards(t, { lambda: 0.5 });
    const ctx = encodeContexts(t, { layout: 'paper', features: ['task'] });
    const seen: { env?: PolicyEnv; createArgs?: number; arms: number[][] } = { arms: [] };
    simulate(t, ctx, rw, base([spyFactory(seen)]));
    expect(Object.keys(seen.env!).sort()).toEqual(['contexts', 'horizon', 'initialArms', 'models', 'nModels', 'rng', 'rules']);
    // the stream's length: the table's 40 queries
    expect(seen.env!.horizon).toBe(40);
    expect(seen.createArgs).toBe(2);
    // nothing reachable from the env is a Q×M array (rewards, presence) or a per-model statistic
    const sizes = Object.values(seen.env!).filter((v) => ArrayBuffer.isView(v)).map((v) => (v as Uint8Array).length);
    expect(sizes).toEqual([]);
    for (const f of FACTORIES) expect(f.hindsight).toBe(['oracle', 'best-static', 'most-accurate'].includes(f.name));

    const hs: { env?: PolicyEnv; createArgs?: number; arms: number[][] } = { arms: [] };
    let h: HindsightData | undefined;
    const spy = spyFactory(hs, true);
    const inner = spy.factory.create.bind(spy.factory);
    spy.factory.create = (env, p, hd) => {
      h = hd;
      return inner(env, p, hd);
    };
    simulate(t, ctx, rw, base([spy]));
    expect(h!.rewards).toBe(rw.rewards);
    expect(h!.present).toBe(t.present);
    // per-model mean reward over present cells, computed here directly
    for (let m = 0; m < 4; m++) {
      let s = 0;
      let n = 0;
      for (let q = 0; q < 40; q++) if (t.present[q * 4 + m]) (s += rw.rewards[q * 4 + m]), n++;
      expect(h!.meanReward[m]).toBeCloseTo(s / n, 12);
    }
  });

  it('the engine hands pool ∩ feasible in pool order, the whole pool when none is feasible, and tracks pool events', async () => {
    const t0 = randomTable(12, 120, 4);
    // fast models per task: mmlu {1}, gsm8k {0, 3}, cnn_dailymail none
    const fast: Record<string, number[]> = { mmlu: [1], gsm8k: [0, 3], cnn_dailymail: [] };
    const latencyS = Float64Array.from({ length: 120 * 4 }, (_, i) => (fast[t0.tasks[t0.queryTask[Math.floor(i / 4)]]].includes(i % 4) ? 0.1 : 1));
    const t = { ...t0, latencyS };
    const rw = await buildRewards(t, { lambda: 0.5 });
    const ctx = encodeContexts(t, { layout: 'paper', features: ['task'] });
    const { feasible, infeasibleQueries } = latencyFeasibility(t, 0.3);
    expect(infeasibleQueries).toBeGreaterThan(0);
    const cases = new Set<string>();
    const seen: { arms: number[][] } = { arms: [] };
    const cfg: SimConfig = { ...base([spyFactory(seen)]), runs: 1, maxLatency: 0.3, initialModels: ['model-2', 'model-0', 'model-1'], events: [{ step: 60, remove: ['model-0'], add: ['model-3'] }], recordSteps: true };
    const res = simulate(t, ctx, rw, cfg);
    const st = stepsOf(res.steps);
    for (let s = 0; s < 120; s++) {
      const q = st.query[s];
      const pool = s < 60 ? [2, 0, 1] : [2, 1, 3];
      const ok = pool.filter((m) => feasible[q * 4 + m] === 1);
      expect(seen.arms[s]).toEqual(ok.length ? ok : pool);
      cases.add(ok.length === 0 ? 'fallback' : ok.length < pool.length ? 'subset' : 'all');
    }
    expect([...cases].sort()).toEqual(['fallback', 'subset']);
  });

  it('static baselines pick the best-ranked allowed model through pool events and the latency filter', async () => {
    const t0 = randomTable(12, 120, 4);
    const fast: Record<string, number[]> = { mmlu: [1], gsm8k: [0, 2], cnn_dailymail: [] };
    const latencyS = Float64Array.from({ length: 120 * 4 }, (_, i) => (fast[t0.tasks[t0.queryTask[Math.floor(i / 4)]]].includes(i % 4) ? 0.1 : 1));
    const rw = await buildRewards({ ...t0, latencyS }, { lambda: 0.5 });
    const ctx = encodeContexts(t0, { layout: 'paper', features: ['task'] });
    const { feasible } = latencyFeasibility({ ...t0, latencyS }, 0.3);
    const events = [{ step: 30, remove: ['model-2'] }, { step: 70, add: ['model-2', 'model-3'], remove: ['model-0'] }];
    for (const maxLatency of [null, 0.3]) {
      const t = maxLatency ? { ...t0, latencyS } : t0;
      const res = simulate(t, ctx, rw, { ...base(resolvePolicies(['largest', 'smallest'], [], t.models)), runs: 1, maxLatency, initialModels: ['model-0', 'model-1', 'model-2'], events, recordSteps: true });
      const st = stepsOf(res.steps);
      for (let p = 0; p < 2; p++) {
        for (let s = 0; s < 120; s++) {
          const q = st.query[p * 120 + s];
          const pool = s < 30 ? [0, 1, 2] : s < 70 ? [0, 1] : [1, 2, 3];
          const ok = maxLatency ? pool.filter((m) => feasible[q * 4 + m] === 1) : pool;
          const allowed = ok.length ? ok : pool;
          const size = allowed.map((m) => t.models[m].paramsB);
          const want = allowed[size.indexOf(p === 0 ? Math.max(...size) : Math.min(...size))];
          expect(st.model[p * 120 + s]).toBe(want);
        }
      }
    }
  });

  it('a policy answering outside the allowed arms is an error, not a silent result', async () => {
    const t = randomTable(1, 10, 3);
    const rw = await buildRewards(t, { lambda: 0.5 });
    const ctx = encodeContexts(t, { layout: 'paper', features: ['task'] });
    const seen = { arms: [] };
    const bad = spyFactory(seen);
    bad.factory.create = () => ({ name: 'bad', select: () => 7, update: () => {}, addArm: () => {}, removeArm: () => {} });
    expect(() => simulate(t, ctx, rw, { ...base([bad]), initialModels: ['model-0'] })).toThrow(/chose 7, which is not an allowed model/);
  });

  it('factories flagged reward-independent choose the same models whatever the reward', async () => {
    const t = randomTable(7, 80, 5);
    const ctx = encodeContexts(t, { layout: 'paper', features: ['task', 'cluster'] });
    const names = [...FACTORIES.filter((f) => f.rewardIndependent).map((f) => f.name), 'static:model-3'];
    expect(names).toEqual(['random', 'largest', 'smallest', 'most-accurate', 'static:model-3']);
    const pick = async (lambda: number): Promise<number[]> => {
      const rw = await buildRewards(t, { lambda });
      return Array.from(stepsOf(simulate(t, ctx, rw, { ...base(resolvePolicies(names, [], t.models)), recordSteps: true }).steps).model);
    };
    expect(await pick(0)).toEqual(await pick(1));
    // and the flag is not vacuous: a learning policy's picks do move with the reward
    const learn = async (lambda: number): Promise<number[]> => {
      const rw = await buildRewards(t, { lambda });
      return Array.from(stepsOf(simulate(t, ctx, rw, { ...base(resolvePolicies(['linucb'], [], t.models)), recordSteps: true }).steps).model);
    };
    expect(await learn(0)).not.toEqual(await learn(1));
  });
});

describe('recorders', () => {
  it('per-task tallies equal sums over the step trace; extra recorders see every policy-run in order', async () => {
    const t0 = randomTable(9, 90, 4, { missing: 0.2 });
    const rng = new Rng(2);
    const t = { ...t0, costUsd: Float64Array.from({ length: 90 * 4 }, () => rng.next() / 100) };
    const rw = await buildRewards(t, { lambda: 0.3 });
    const ctx = encodeContexts(t, { layout: 'paper', features: ['task', 'cluster'] });
    const policies = resolvePolicies(['random', 'linucb', 'oracle'], [], t.models);
    const tally = new TaskTallyRecorder(t, 3);
    const starts: RunStart[] = [];
    let steps = 0;
    const counter: Recorder = { begin: (r) => starts.push({ ...r }), step: () => void steps++, end: () => {} };
    const res = simulate(t, ctx, rw, { ...base(policies), runs: 2, recordSteps: true, recorders: [tally, counter] });
    expect(starts.map((s) => [s.p, s.r])).toEqual([[0, 0], [1, 0], [2, 0], [0, 1], [1, 1], [2, 1]]);
    expect(steps).toBe(6 * 90);
    const st = stepsOf(res.steps);
    const T = t.tasks.length;
    // independent sums from the step trace, per (policy, run)
    const ref = Array.from({ length: 3 * 2 }, () => new Float64Array(3 * T));
    for (let i = 0; i < st.length; i++) {
      const q = st.query[i];
      const cell = q * 4 + st.model[i];
      const k = 3 * t.queryTask[q];
      const into = ref[st.policy[i] * 2 + st.run[i]];
      if (!t.present[cell]) into[k + 2]++;
      else {
        into[k] += t.costUsd[cell];
        if (!Number.isNaN(t.accuracy[cell])) into[k + 1] += t.accuracy[cell];
      }
    }
    for (let p = 0; p < 3; p++) {
      for (let r = 0; r < 2; r++) {
        const sums = tally.sums[p][r];
        expect(sums.length).toBe(3 * T);
        for (let j = 0; j < 3 * T; j++) expect(sums[j]).toBeCloseTo(ref[p * 2 + r][j], 12);
        // misses agree with the metrics recorder
        let miss = 0;
        for (let k = 0; k < T; k++) miss += sums[3 * k + 2];
        expect(miss).toBe(res.metrics[p][r].misses);
      }
    }
    expect(tally.sums.flat().some((s) => s[2] + s[5] + s[8] > 0)).toBe(true);
  });
});

describe('metrics recorder', () => {
  it('sums from the packed copy of the metrics exactly as from the table, with missing cells, NaN metrics, with and without dollar costs and latencies', async () => {
    const t = randomTable(9, 300, 5, { missing: 0.15 });
    const rng = new Rng(4);
    for (let i = 0; i < t.accuracy.length; i++) {
      if (rng.next() < 0.1) t.accuracy[i] = NaN;
      if (rng.next() < 0.1) t.energyJ[i] = NaN;
      if (rng.next() < 0.1) t.latencyS[i] = NaN;
    }
    const rw = await buildRewards(t, { lambda: 0.5 });
    const usdCases = [null, Float64Array.from(t.accuracy, (_, i) => (i % 7 === 0 ? NaN : (i % 13) / 1000))];
    // the packed copy leaves out the columns a table lacks, so each combination has its own layout
    for (const [costUsd, latencyS] of usdCases.flatMap((u) => [t.latencyS, null].map((l) => [u, l] as const))) {
      const table = { ...t, costUsd, latencyS };
      const runs = [true, false].map((pack) => {
        const rec = new MetricsRecorder(table, rw, 1, pack);
        const order = Int32Array.from({ length: table.nQueries }, (_, q) => q);
        new Rng(2).shuffle(order);
        const pick = new Rng(3);
        rec.begin({ p: 0, ri: 0, r: 0, seed: 1 });
        for (let s = 0; s < table.nQueries; s++) {
          const q = order[s];
          const m = pick.int(table.nModels);
          const has = table.present[q * table.nModels + m] === 1;
          rec.step(s, q, m, has, has ? rw.rewards[q * table.nModels + m] : 0, 0.1);
        }
        rec.end();
        return rec.metrics[0][0];
      });
      expect(runs[0].misses).toBeGreaterThan(0);
      // NaN equals NaN here, and +0 and −0 differ
      expect(runs[0]).toStrictEqual(runs[1]);
    }
  });

  describe('regret recorder', () => {
    it('the regret recorder keeps each step\'s regret in the step trace\'s order, the same numbers', async () => {
      const w = await taskTableWorkload(300);
      const rec = new RegretRecorder(2, 3, 300);
      const res = simulate(w.table, w.contexts, w.rw, { runs: 3, seed: 9, semantics: 'paper', oracle: 'pool', policies: resolvePolicies(['linucb', 'epsilon-greedy'], [], w.table.models), recordSteps: true, recorders: [rec] });
      const trace = traceInMemory(res.steps)!;
      expect(trace.length).toBe(rec.regret.length);
      expect(Array.from(rec.regret)).toEqual(Array.from(trace.regret));
    });
  });
});
