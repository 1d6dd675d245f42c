/**
 * The trust part of an ope summary on a log small enough to work by hand: the observed means are the log's
 * plain means, the ESS is Kish's (Σw)²/Σw² of the weights written out below, the support share counts the
 * models logged per task, and the flags follow docs/ope.md, "Trusting an estimate".
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ope } from '../../../src/app/ope.js';
import type { OpeSummary } from '../../../src/metrics/ope/summary.js';
import { estimateFlags, policyFlags } from '../../../src/metrics/ope/trust.js';

const dir = mkdtempSync(join(tmpdir(), 'gs-ope-trust-'));

/**
 * 150 decisions over models a and b. Task t1 (50 decisions): the logger always chose a (propensity 1).
 * Task t2 (100): a and b in turn, propensity 0.5. a's rewards lie in [0.5, 0.9], b's in [0, 0.4].
 */
const rows = Array.from({ length: 150 }, (_, i) => {
  const t1 = i < 50;
  const model = t1 || i % 2 === 0 ? 'a' : 'b';
  const reward = model === 'a' ? 0.5 + ((i * 7) % 5) / 10 : ((i * 3) % 5) / 10;
  return { q: `q${i}`, task: t1 ? 't1' : 't2', model, p: t1 ? 1 : 0.5, reward, acc: i % 3 === 0 ? 1 : 0, energy: 10 + i };
});
const file = join(dir, 'log.csv');
writeFileSync(file, 'query_id,task,model_id,propensity,reward,accuracy,energy_j\n' + rows.map((r) => `${r.q},${r.task},${r.model},${r.p},${r.reward},${r.acc},${r.energy}`).join('\n') + '\n');

const kish = (w: number[]): number => w.reduce((s, x) => s + x, 0) ** 2 / w.reduce((s, x) => s + x * x, 0);
const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

describe('trust of the estimates of a hand-made log', () => {
  let s: OpeSummary;
  beforeAll(async () => {
    s = await ope({ logs: file, policies: ['random', 'best-static'], estimators: 'ips,snips', bootstrap: 200 });
  });

  it('observed: the plain means of the logged reward, accuracy and energy', () => {
    expect(s.observed!.reward).toBeCloseTo(mean(rows.map((r) => r.reward)), 12);
    expect(s.observed!.accuracy).toBeCloseTo(mean(rows.map((r) => r.acc)), 12);
    expect(s.observed!.energy_j).toBeCloseTo(mean(rows.map((r) => r.energy)), 12);
  });

  it('random: weights 0.5/1 in t1 and 0.5/0.5 in t2, ESS 138.9 ≥ 100; b never logged in t1, support 125/150 < 0.99', () => {
    const w = rows.map((r) => 0.5 / r.p);
    const random = s.policies[0];
    expect(random.diagnostics!.ess).toBeCloseTo(kish(w), 9);
    expect(kish(w)).toBeCloseTo(15625 / 112.5, 9);
    expect(random.diagnostics!.supportShare).toBeCloseTo(125 / 150, 12);
    expect(random.flags).toEqual(['low-support']);
  });

  it('best-static picks a (its mean logged reward is higher): weights 1 in t1, 2 or 0 in t2, ESS 90 < 100', () => {
    const w = rows.map((r) => (r.model === 'a' ? 1 / r.p : 0));
    expect(kish(w)).toBeCloseTo(90, 9);
    const best = s.policies[1];
    expect(best.name).toBe('best-static');
    expect(best.diagnostics!.ess).toBeCloseTo(90, 9);
    expect(best.flags).toEqual(['low-ess']);
  });

  it('the reward range of a logged reward is the logged rewards\' own; an interval outside it is flagged, SNIPS never is', () => {
    expect(s.trust!.rewardRange).toEqual([Math.min(...rows.map((r) => r.reward)), Math.max(...rows.map((r) => r.reward))]);
    expect(s.trust!.rewardRange).toEqual([0, 0.9]);
    for (const p of s.policies) {
      for (const e of p.estimates) {
        const outside = e.metric === 'reward' && (e.lo < 0 || e.hi > 0.9);
        expect(e.flags, `${p.name} ${e.metric} ${e.estimator}`).toEqual(outside ? ['outside-range'] : []);
        // a weighted mean of the logged rewards stays within their range
        if (e.estimator === 'snips') expect(e.flags).toEqual([]);
      }
    }
  });
});

describe('against the logging policy on the same hand-made log', () => {
  let s: OpeSummary;
  beforeAll(async () => {
    s = await ope({ logs: file, policies: ['random', 'best-static'], estimators: 'ips,snips', bootstrap: 200 });
  });

  it('every estimate: its value minus the observed mean, inside its paired interval; flagged policies give no evidence', () => {
    for (const p of s.policies) {
      for (const e of p.estimates) {
        expect(e.vsLogged!.value, `${p.name} ${e.metric} ${e.estimator}`).toBe(e.value - s.observed![e.metric]!);
        expect(e.vsLogged!.lo).toBeLessThanOrEqual(e.vsLogged!.value + 1e-12);
      }
      // random: low-support; best-static: low-ess (both flagged above)
      expect(p.verdict).toEqual({ result: 'no-evidence', estimators: [] });
    }
  });
});

describe('the flag rules at their thresholds', () => {
  const c = { minEss: 100, minSupport: 0.99 };
  const d = (ess: number, supportShare: number) => ({ method: 'distribution' as const, kept: null, diagnostics: { n: 1000, ess, maxWeight: 1, meanWeight: 1, supportShare } });
  it('ESS and kept below 100, support below 0.99; a NaN ESS (overflowed) is low', () => {
    expect(policyFlags(d(100, 0.99), c)).toEqual([]);
    expect(policyFlags(d(99.9, 0.989), c)).toEqual(['low-ess', 'low-support']);
    expect(policyFlags(d(Number.NaN, 1), c)).toEqual(['low-ess']);
    expect(policyFlags({ method: 'replay', kept: 99, diagnostics: null }, c)).toEqual(['low-ess']);
    expect(policyFlags({ method: 'replay', kept: 100, diagnostics: null }, c)).toEqual([]);
  });
  it('an interval of the reward outside the range; other metrics and NaN bounds are not', () => {
    const r: [number, number] = [0, 1];
    expect(estimateFlags({ metric: 'reward', lo: 0, hi: 1 }, r)).toEqual([]);
    expect(estimateFlags({ metric: 'reward', lo: 0.4, hi: 1.19 }, r)).toEqual(['outside-range']);
    expect(estimateFlags({ metric: 'reward', lo: -0.01, hi: 0.5 }, r)).toEqual(['outside-range']);
    expect(estimateFlags({ metric: 'accuracy', lo: -1, hi: 2 }, r)).toEqual([]);
    expect(estimateFlags({ metric: 'reward', lo: Number.NaN, hi: Number.NaN }, r)).toEqual([]);
  });
});
