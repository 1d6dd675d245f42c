/** The best fixed model of an event window (docs/model.md §11.7) against replays of each fixed model. */
import { describe, expect, it } from 'vitest';
import { encodeContexts } from '../../src/features/context.js';
import type { PolicyFactory } from '../../src/policies/policy.js';
import { planDrift } from '../../src/sim/drift.js';
import { simulate, type SimConfig } from '../../src/sim/engine.js';
import { windowStatic } from '../../src/sim/eventReference.js';
import { buildRewards } from '../../src/sim/reward.js';
import { buildScenario } from '../../src/metrics/scenario.js';
import { randomTable } from '../helpers/table.js';
import { stepsOf } from '../helpers/steps.js';

/** Always model `arm` while it is allowed. */
function fixed(arm: number) {
  const factory: PolicyFactory = {
    name: `fixed-${arm}`,
    description: 'test',
    contextual: false,
    params: [],
    rewardIndependent: true,
    hindsight: false,
    create: () => ({
      name: `fixed-${arm}`,
      select: (_q: number, arms: Int32Array, n: number) => {
        for (let i = 0; i < n; i++) if (arms[i] === arm) return arm;
        return arms[0];
      },
      update: () => {},
      addArm: () => {},
      removeArm: () => {},
    }),
  };
  return { name: factory.name, factory, params: {} };
}

describe('best fixed model of an event window', () => {
  it('equals the least window regret among replays of each model that stays in the pool, with drift and pool events', async () => {
    const Q = 80;
    const M = 4;
    const t = randomTable(5, Q, M);
    const opts = { lambda: 0.5 };
    const rw = await buildRewards(t, opts);
    const ctx = encodeContexts(t, { layout: 'paper', features: ['task'] });
    const drift = await planDrift(t, rw, opts, [{ step: 30, model: 'model-3', accuracy: -0.6 }]);
    // model-0 leaves inside the second window, so it may not be that window's reference
    const events = [{ step: 50, remove: ['model-0'] }];
    const windows = [
      { from: 30, to: 45 },
      { from: 40, to: 70 },
    ];
    for (const oracle of ['pool', 'full'] as const) {
      const cfg: SimConfig = { runs: 3, seed: 9, semantics: 'paper', oracle, policies: [0, 1, 2, 3].map(fixed), events, recordSteps: true, scenario: { drift } };
      const res = simulate(t, ctx, rw, cfg);
      const st = stepsOf(res.steps);
      const ref = windowStatic(t, rw, { seed: 9, oracle, events, drift }, [0, 1, 2], windows);
      windows.forEach((w, k) => {
        for (let r = 0; r < 3; r++) {
          const sums = [0, 1, 2, 3].map((p) => {
            let s = 0;
            for (let x = w.from; x < w.to; x++) s += st.regret[(p * 3 + r) * Q + x];
            return s;
          });
          const eligible = k === 1 ? [1, 2, 3] : [0, 1, 2, 3];
          const best = Math.min(...eligible.map((m) => sums[m]));
          expect(ref[k][r].regret).toBeCloseTo(best, 10);
          expect(sums[ref[k][r].model]).toBeCloseTo(best, 10);
          expect(eligible).toContain(ref[k][r].model);
        }
      });
    }
  });

  it('the scenario section reports each cell’s excess over it, run by run', () => {
    const Q = 10;
    const t = randomTable(1, Q, 2);
    const regret = [Float64Array.from({ length: Q }, (_, s) => s / 10), Float64Array.from({ length: Q }, () => 0.2)];
    const ref = new Map([[0.5, [[{ regret: 1, model: 1 }, { regret: 0.5, model: 0 }]]]]);
    const sc = buildScenario(t, { budget: null, events: [{ step: 4, what: 'x' }], window: 3, feedback: null, cells: [{ lambda: 0.5, label: 'p', accuracy: [0, 0], budgetTraces: [], stepRegret: regret, feedback: [] }], windowStatic: ref });
    const cell = sc.events!.cells[0];
    // run 0: 0.4 + 0.5 + 0.6 = 1.5 → excess 0.5; run 1: 0.6 → excess 0.1
    expect(cell.regretAfter.mean).toBeCloseTo(1.05, 12);
    expect(cell.excessAfter!.mean).toBeCloseTo(0.3, 12);
    expect(sc.events!.bestStatic).toEqual([{ lambda: 0.5, event: 0, model: 'model-0', regret: expect.objectContaining({ mean: 0.75 }) }]);
  });
});
