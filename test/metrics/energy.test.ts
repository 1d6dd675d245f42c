import { describe, expect, it } from 'vitest';
import { makePoolTable, type PoolTable } from '../../src/data/pool.js';
import { energyMetrics, joulesPerCorrect, referenceModel, savingAt, savingVsModels } from '../../src/metrics/energy.js';
import { rankingOf, summarizeSensitivity, type SensitivitySetting } from '../../src/metrics/energySensitivity.js';
import { ALL, evaluateSweep } from '../../src/metrics/routerbench.js';
import { runSweep } from '../../src/sim/sweep.js';

function tiny(): PoolTable {
  // 4 prompts × 2 models, cost = joules per prompt; 'dear' is the more accurate model
  return makePoolTable({
    name: 'tiny',
    queryIds: ['a1', 'a2', 'b1', 'b2'],
    queryTasks: ['fa', 'fa', 'fb', 'fb'],
    models: [
      { id: 'cheap', name: 'cheap', paramsB: Number.NaN },
      { id: 'dear', name: 'dear', paramsB: Number.NaN },
    ],
    accuracy: Float64Array.from([0, 1, 1, 1, 0, 0, 0, 1]),
    costUsd: Float64Array.from([1, 3, 1, 3, 2, 4, 2, 8]),
  });
}

/** Least energy of any mix of two points (or one) reaching quality q: brute force over pairs. */
function bruteCostToReach(pts: { cost: number; quality: number }[], q: number): number | null {
  let best = Infinity;
  for (const a of pts) {
    if (a.quality >= q) best = Math.min(best, a.cost);
    for (const b of pts) {
      if (a.quality < q && b.quality > q) {
        const w = (q - a.quality) / (b.quality - a.quality);
        best = Math.min(best, a.cost + w * (b.cost - a.cost));
      }
    }
  }
  return Number.isFinite(best) ? best : null;
}

describe('energy metrics (docs/model.md §10)', () => {
  it('J per correct answer, saving at a reference accuracy and against the single models, by hand', () => {
    expect(joulesPerCorrect(25, 0.8)).toBeCloseTo(31.25, 12);
    expect(joulesPerCorrect(25, 0)).toBeNull();
    // hull (10, 0.5)–(30, 0.9) reaches 0.8 at 10 + 0.3·20/0.4 = 25: saves 15 J of 40 (37.5 %)
    const s = savingAt([{ cost: 10, quality: 0.5 }, { cost: 30, quality: 0.9 }], { cost: 40, quality: 0.8 })!;
    expect(s.jPerPrompt).toBeCloseTo(25, 12);
    expect(s.jPerCorrect).toBeCloseTo(25 / 0.8, 12);
    expect(s.savedJPerPrompt).toBeCloseTo(15, 12);
    expect(s.savedPct).toBeCloseTo(37.5, 12);
    expect(savingAt([{ cost: 10, quality: 0.5 }], { cost: 40, quality: 0.8 })).toBeNull();
    // models (10, .5), (40, .8), (20, .4) — the last is dominated; a router at (20, .65) against 10 + .15·30/.3 = 25 J
    const v = savingVsModels([{ cost: 10, quality: 0.5 }, { cost: 40, quality: 0.8 }, { cost: 20, quality: 0.4 }], { cost: 20, quality: 0.65 })!;
    expect(v.modelsJPerPrompt).toBeCloseTo(25, 12);
    expect(v.savedJPerPrompt).toBeCloseTo(5, 12);
    expect(v.savedPct).toBeCloseTo(20, 12);
    // a router using more energy than the models saves a negative amount
    expect(savingVsModels([{ cost: 10, quality: 0.5 }, { cost: 40, quality: 0.8 }], { cost: 50, quality: 0.8 })!.savedPct).toBeCloseTo(-25, 12);
    expect(referenceModel([{ id: 'x', point: { cost: 5, quality: 0.7 } }, { id: 'y', point: { cost: 4, quality: 0.7 } }, { id: 'z', point: { cost: 1, quality: Number.NaN } }])!.id).toBe('y');
  });

  it('scores the baselines of a small table by hand and the policies against a brute-force mix', async () => {
    const t = tiny();
    const sweep = await runSweep(t, { policies: ['linucb', 'random'], params: [], lambdas: [0, 0.5, 1], runs: 2, seed: 3, semantics: 'paper', features: ['task'], binning: 'thresholds', costScale: 'linear', jobs: 1 });
    const ev = evaluateSweep(t, sweep, { aiqMode: 'paper', cost: 'energy' });
    expect(ev.summary.reward.cost).toBe('energy');
    expect(ev.summary.published.comparable).toBe(false);
    expect(ev.summary.published.note).toMatch(/^the published numbers score dollar cost and this evaluation scores modelled energy; /);
    const e = energyMetrics(t, ev.summary);
    // dear: accuracy 3/4 at (3+3+4+8)/4 = 4.5 J; cheap: 1/4 at 1.5 J
    expect(e.reference.model).toBe('dear');
    expect(e.reference.jPerPrompt).toBeCloseTo(4.5, 12);
    expect(e.reference.jPerCorrect).toBeCloseTo(6, 12);
    const by = (n: string) => e.routers.find((r) => r.name === n)!;
    // hindsight: a2 on cheap, a1 on dear (+2 J, +1), then b2 on dear (+6 J, +1): 3/4 at (1+1+2+2+2+6)/4 = 3.5 J
    const o = by('oracle (hindsight frontier)');
    expect(o.atReference!.jPerPrompt).toBeCloseTo(3.5, 12);
    expect(o.atReference!.savedPct).toBeCloseTo((100 * 1) / 4.5, 12);
    expect(o.peak.accuracy).toBeCloseTo(0.75, 12);
    expect(o.peak.jPerCorrect).toBeCloseTo(3.5 / 0.75, 12);
    // the zero router and the reference model save nothing; the cheap model never reaches 3/4
    expect(by('zero router').atReference!.savedJPerPrompt).toBe(0);
    expect(by('dear').atReference!.savedPct).toBe(0);
    expect(by('cheap').atReference).toBeNull();
    expect(by('cheap').vsModelsAtPeak!.savedJPerPrompt).toBe(0);
    for (const p of ev.summary.policies) {
      const pts = p.points.filter((x) => x.family === ALL);
      const r = by(p.name);
      const peak = pts.reduce((a, b) => (b.quality > a.quality ? b : a));
      expect(r.peak.accuracy).toBe(peak.quality);
      expect(r.peak.jPerCorrect).toBeCloseTo(peak.cost / peak.quality, 12);
      expect(r.aiq).toBe(p.aiq.mean);
      const need = bruteCostToReach(pts, 0.75);
      if (need === null) expect(r.atReference).toBeNull();
      else expect(r.atReference!.savedJPerPrompt).toBeCloseTo(4.5 - need, 12);
      const models = bruteCostToReach([{ cost: 1.5, quality: 0.25 }, { cost: 4.5, quality: 0.75 }], peak.quality)!;
      expect(r.vsModelsAtPeak!.savedJPerPrompt).toBeCloseTo(models - peak.cost, 12);
    }
  });

  it('ranks by energy AIQ and summarises ranges over settings', () => {
    const router = (name: string, kind: 'policy' | 'zero-router' | 'oracle', aiq: number, saved: number | null) => ({
      name,
      kind,
      aiq,
      aiqSd: null,
      peak: { lambda: null, jPerPrompt: 1, accuracy: 1, jPerCorrect: 1 },
      atReference: saved === null ? null : { jPerPrompt: 1, accuracy: 1, jPerCorrect: 1, savedJPerPrompt: saved, savedPct: saved },
      vsModelsAtPeak: null,
    });
    const setting = (gpu: string, a: number, b: number, saved: number | null): SensitivitySetting => {
      const energy = { schemaVersion: 1, reference: { model: 'm', jPerPrompt: 1, accuracy: 1, jPerCorrect: 1 }, routers: [router('p', 'policy', a, saved), router('q', 'policy', b, 5), router('zero router', 'zero-router', 0.5, 0), router('oracle (hindsight frontier)', 'oracle', 0.99, 90)] };
      return { gpu, batch: 8, inFittedRange: true, ranking: rankingOf(energy), energy };
    };
    const s1 = setting('H100', 0.8, 0.7, 10);
    expect(s1.ranking).toEqual(['p', 'q', 'zero router']);
    const same = summarizeSensitivity([s1, setting('B200', 0.9, 0.6, 20)]);
    expect(same.rankingStable).toBe(true);
    expect(same.routers.find((r) => r.name === 'p')).toMatchObject({ aiq: { min: 0.8, max: 0.9 }, rank: { min: 1, max: 1 }, savedPct: { min: 10, max: 20 }, reachesReference: 2 });
    const flip = summarizeSensitivity([s1, setting('A100', 0.6, 0.7, null)]);
    expect(flip.rankingStable).toBe(false);
    // not reached in one setting: no lower bound on the saving
    expect(flip.routers.find((r) => r.name === 'p')).toMatchObject({ rank: { min: 1, max: 2 }, savedPct: { min: null, max: 10 }, reachesReference: 1 });
    expect(flip.routers.find((r) => r.name === 'oracle (hindsight frontier)')!.rank).toEqual({ min: 0, max: 0 });
  });
});
