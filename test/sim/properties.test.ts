import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { asFloat64 } from '../../src/data/columns.js';
import { encodeContexts } from '../../src/features/context.js';
import { FACTORIES, SCENARIO_FACTORIES } from '../../src/policies/registry.js';
import { RidgeArms } from '../../src/policies/linear.js';
import { defaultParams, type TrainData } from '../../src/policies/policy.js';
import { ActionSet } from '../../src/sim/actions.js';
import { modelStats } from '../../src/sim/engine.js';
import { buildRewards } from '../../src/sim/reward.js';
import { inverse, maxRelDiff } from '../helpers/linalg.js';
import { randomTable } from '../helpers/table.js';
import { decisionRules } from '../../src/core/semantics.js';

describe('invariants', () => {
  it('rewards lie in [0, 1] for any table and λ', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1e6 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 0.3), async (seed, lambda, missing) => {
        const t = randomTable(seed, 30, 4, { missing });
        // hostile values: NaN accuracy, zero tokens, accuracy outside [0,1]
        t.accuracy[1] = Number.NaN;
        t.inputTokens[2] = 0;
        t.outputTokens[2] = 0;
        t.accuracy[3] = 1.7;
        const rw = await buildRewards(t, { lambda, cost: seed % 2 ? 'energy' : 'latency' });
        for (const r of rw.rewards) {
          expect(r).toBeGreaterThanOrEqual(0);
          expect(r).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('any sequence of model additions and removals keeps every policy choosing from the current pool', async () => {
    const t = randomTable(3, 200, 6);
    const rw = await buildRewards(t, { lambda: 0.5 });
    const ctx = encodeContexts(t, { layout: 'paper', features: ['task', 'cluster', 'complexity'] });
    const stats = modelStats(t, rw);
    // routers trained on a split get the first 100 queries as their train part
    const train: TrainData = { queries: Int32Array.from({ length: 100 }, (_, q) => q), rewards: asFloat64(rw.rewards), accuracy: asFloat64(t.accuracy, t.present), cost: rw.costNorm, present: t.present, lambda: 0.5 };
    const op = fc.record({ kind: fc.constantFrom('add', 'remove', 'step', 'step', 'step'), model: fc.integer({ min: 0, max: 5 }), q: fc.integer({ min: 0, max: 199 }) });
    fc.assert(
      fc.property(fc.constantFrom(...FACTORIES, ...SCENARIO_FACTORIES), fc.array(op, { minLength: 1, maxLength: 120 }), fc.integer({ min: 0, max: 1000 }), (f, ops, seed) => {
        const pool = new Set([0, 1, 2]);
        const acts = new ActionSet(6, [0, 1, 2], null);
        const p = f.create(
          { contexts: ctx, models: t.models, nModels: 6, initialArms: [0, 1, 2], rng: new Rng(seed), horizon: ctx.nQueries, rules: decisionRules(seed % 2 ? 'repo' : 'paper'), budget: { kind: 'energy', limit: 1 } },
          defaultParams(f),
          f.hindsight ? { rewards: rw.rewards, present: t.present, ...stats } : undefined,
          f.train ? train : undefined,
        );
        for (const o of ops) {
          if (o.kind === 'add') {
            if (acts.add(o.model)) p.addArm(o.model);
            pool.add(o.model);
          } else if (o.kind === 'remove' && pool.size > 1 && pool.has(o.model)) {
            if (acts.remove(o.model)) p.removeArm(o.model);
            pool.delete(o.model);
          } else {
            const m = p.select(o.q, acts.buf, acts.allowed(o.q));
            expect(pool.has(m)).toBe(true);
            p.update(o.q, m, rw.rewards[o.q * 6 + m]);
          }
          expect(new Set(acts.pool.list)).toEqual(pool);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('the Sherman–Morrison inverse stays within 1e-9 of a direct inverse after 10⁶ updates', () => {
    const d = 12;
    const st = new RidgeArms(1, d, 0.05);
    const rng = new Rng(99);
    const idx = new Int32Array(4);
    const val = new Float64Array(4).fill(1);
    for (let n = 0; n < 1_000_000; n++) {
      idx[0] = 0;
      idx[1] = 1 + rng.int(5);
      idx[2] = 6 + rng.int(3);
      idx[3] = 9 + rng.int(3);
      st.update(0, idx, val, 0, 4, rng.next(), 1);
    }
    const A = Array.from({ length: d }, (_, i) => Array.from(st.A.subarray(i * d, (i + 1) * d)));
    // A itself is kept exactly (integer counts plus 0.05 on the diagonal), so its direct inverse is the reference
    expect(maxRelDiff(st.Ainv, inverse(A).flat())).toBeLessThan(1e-9);
  });
});
