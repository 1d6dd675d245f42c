/** Scenario settings in experiment YAML and the scenario section of an experiment summary (docs/model.md §11). */
import { describe, expect, it } from 'vitest';
import { budgetReference } from '../../src/metrics/scenario.js';
import { parseExperiment } from '../../src/sim/experimentConfig.js';
import { randomTable } from '../helpers/table.js';

describe('experiment scenario fields', () => {
  it('bad values name the file and field', () => {
    const y = (extra: string) => `name: s\narms: [{policy: linucb}]\n${extra}\n`;
    expect(() => parseExperiment(y('budget: energy=-1'), 'b.yaml')).toThrow(/^b\.yaml:3 \(field 'budget'\): /);
    expect(() => parseExperiment(y('feedbackRate: 0'), 'b.yaml')).toThrow(/^b\.yaml:3 \(field 'feedbackRate'\): must be in \(0, 1\]/);
    expect(() => parseExperiment(y('feedbackDelay: uniform:9-2'), 'b.yaml')).toThrow(/\(field 'feedbackDelay'\): /);
    // the parser's reason, not only the accepted forms
    expect(() => parseExperiment(y('budget: energy=-1'), 'b.yaml')).toThrow("b.yaml:3 (field 'budget'): the energy budget must be a finite number > 0");
    expect(() => parseExperiment(y('feedbackDelay: uniform:9-2'), 'b.yaml')).toThrow("b.yaml:3 (field 'feedbackDelay'): uniform:<a>-<b> needs a ≤ b (a = 9 > b = 2)");
    expect(() => parseExperiment(y('feedbackDelay: "2000000"'), 'b.yaml')).toThrow("b.yaml:3 (field 'feedbackDelay'): at most 1000000 steps (see docs/limits.md)");
    expect(() => parseExperiment(y('drift: [{step: 3, model: m, accuracy: 2}]'), 'b.yaml')).toThrow(/\(field 'drift\.0\.accuracy'\): must be a shift in \[−1, 1\]/);
    expect(() => parseExperiment(y('drift: [{step: 3, model: m, speed: 2}]'), 'b.yaml')).toThrow(/drift\.0.*speed/);
    expect(() => parseExperiment(y('eventWindow: 0'), 'b.yaml')).toThrow(/\(field 'eventWindow'\): must be an integer ≥ 1/);
    const ok = parseExperiment(y('budget: latency=2.5\ndrift: [{step: 3, model: m, usd: 1.5, over: 10}]\nfeedbackDelay: geometric:4\nfeedbackRate: 0.25'), 'ok.yaml');
    expect(ok).toMatchObject({ budget: 'latency=2.5', feedbackDelay: 'geometric:4', feedbackRate: 0.25, drift: [{ step: 3, model: 'm', usd: 1.5, over: 10 }] });
  });
});

describe('budget references', () => {
  it('the best single model and the best two-model mixture meeting the budget, by exhaustive search', () => {
    const t = randomTable(21, 300, 5);
    const M = 5;
    const acc: number[] = [];
    const wh: number[] = [];
    for (let m = 0; m < M; m++) {
      let a = 0;
      let e = 0;
      for (let q = 0; q < 300; q++) {
        a += t.accuracy[q * M + m];
        e += t.energyJ[q * M + m] / 3600;
      }
      acc.push(a / 300);
      wh.push(e / 300);
    }
    const limit = (Math.min(...wh) + Math.max(...wh)) / 2;
    const ref = budgetReference(t, { kind: 'energy', limit });
    const feasible = acc.map((a, m) => ({ a, m })).filter((x) => wh[x.m] <= limit);
    const best = feasible.reduce((b, x) => (x.a > b.a ? x : b));
    expect(ref.bestStatic!.model).toBe(`model-${best.m}`);
    expect(ref.bestStatic!.accuracy).toBeCloseTo(best.a, 12);
    // mixtures on a grid of weights: none beats the reference, and the reference is reached
    let top = best.a;
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < M; j++) {
        for (let k = 0; k <= 1000; k++) {
          const w = k / 1000;
          if ((1 - w) * wh[i] + w * wh[j] <= limit + 1e-12) top = Math.max(top, (1 - w) * acc[i] + w * acc[j]);
        }
      }
    }
    expect(ref.bestMixture!.accuracy).toBeGreaterThanOrEqual(top - 1e-12);
    expect(ref.bestMixture!.accuracy).toBeLessThan(top + 2e-3);
    const { a, b, weightB } = ref.bestMixture!;
    const [ia, ib] = [a, b].map((id) => Number(id.slice('model-'.length)));
    expect((1 - weightB) * wh[ia] + weightB * wh[ib]).toBeLessThanOrEqual(limit + 1e-12);
    expect(budgetReference(t, { kind: 'latency', limit: 1e9 }).bestMixture).toBeNull();
  });
});
