/** Scenario settings through the library's simulate request (docs/api.md). */
import { describe, expect, it } from 'vitest';
import { simulate, UsageError } from '../../src/app/index.js';

describe('simulate request with scenario settings', () => {
  it('takes budget and feedback fields and returns the scenario section; bad values name the field', async () => {
    const s = await simulate({ policies: ['budgeted-thompson', 'random'], runs: 1, lambda: 0, budget: 'energy=0.05', feedbackDelay: '5', feedbackRate: 0.5 });
    expect(s.scenario!.budget!.cells.map((c) => c.label)).toEqual(['budgeted-thompson', 'random']);
    expect(Math.abs(s.scenario!.budget!.cells[0].overshoot.mean)).toBeLessThan(0.05);
    const fb = s.scenario!.feedback!;
    expect([fb.delay, fb.rate]).toEqual(['5', 0.5]);
    // every decision of the 2,500 is delivered or unlabelled; at rate 0.5 about half are delivered (binomial sd 25,
    // less the last 6 steps a delay of 5 cannot deliver), and both policies of the run get the same sampled labels
    for (const c of fb.cells) {
      expect(c.delivered.mean + c.unlabelled.mean).toBe(2500);
      expect(Math.abs(c.delivered.mean - 1250)).toBeLessThan(125);
    }
    expect(fb.cells[0].delivered.mean).toBe(fb.cells[1].delivered.mean);
    await expect(simulate({ policies: ['random'], runs: 1, budget: 'watts=3' })).rejects.toThrow(UsageError);
    await expect(simulate({ policies: ['random'], runs: 1, budget: 'watts=3' })).rejects.toThrow(/budget/);
    await expect(simulate({ policies: ['random'], runs: 1, drift: [{ step: 1, model: 'nope', accuracy: 0.1 }] })).rejects.toThrow(/unknown model 'nope'/);
  });

  it('a scenario under --split is refused rather than dropped', async () => {
    for (const s of [{ budget: 'energy=0.05' }, { drift: [{ step: 10, model: 'phi-4-mini-4b', accuracy: -0.3 }] }, { feedbackRate: 0.5 }]) {
      await expect(simulate({ policies: ['linucb'], runs: 1, split: 0.5, ...s })).rejects.toThrow(/do not combine with split or train in simulate; run an experiment/);
    }
  });
});
