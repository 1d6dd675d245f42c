/**
 * The difference of an estimate from the logged mean (docs/ope.md, "Better than the logging policy?"): its
 * paired interval is recomputed here from the same seeded stream of resampled indices, the percentile taken
 * by a quantile written out in the test; the verdict rule is checked at its edges.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ope } from '../../../src/app/ope.js';
import { Rng } from '../../../src/core/rng.js';
import { bootstrapMany } from '../../../src/metrics/ope/bootstrap.js';
import { ips, snips, type Estimate } from '../../../src/metrics/ope/estimators.js';
import { evaluateTarget } from '../../../src/metrics/ope/evaluate.js';
import { replayVsLogged } from '../../../src/metrics/ope/run.js';
import { diffVerdict, evidenceOf, policyVerdict } from '../../../src/metrics/ope/trust.js';
import type { OpeEstimateRow } from '../../../src/metrics/ope/run.js';
import { log, qhat, target } from './example.js';

/** Quantile q of xs, linear between order statistics at position q·(k−1). */
function percentile(xs: number[], q: number): number {
  const v = [...xs].sort((a, b) => a - b);
  const h = q * (v.length - 1);
  const i = Math.floor(h);
  return v[i] + (h - i) * (v[Math.min(i + 1, v.length - 1)] - v[i]);
}

/** Per resample: the estimate (null when its denominator is 0) minus the reference's mean, on the same indices. */
function pairedDiffs(e: Estimate, ref: Float64Array, seed: number, B: number): number[] {
  const n = ref.length;
  const rng = new Rng(seed);
  const out: number[] = [];
  for (let b = 0; b < B; b++) {
    const idx = Array.from({ length: n }, () => Math.floor((rng.nextU32() * n) / 2 ** 32));
    const sc = idx.reduce((s, i) => s + e.contrib[i], 0);
    const den = e.norm ? idx.reduce((s, i) => s + e.norm![i], 0) : n;
    if (den > 0) out.push(sc / den - idx.reduce((s, i) => s + ref[i], 0) / n);
  }
  return out;
}

describe('paired bootstrap of the difference from the logged mean', () => {
  it('is the percentile interval of estimate − logged mean over the same resamples (IPS; SNIPS dropping Σw = 0)', () => {
    const a = ips(log, target);
    const b = snips(log, target);
    const [ca, cb] = bootstrapMany([a, b], { seed: 11, resamples: 400, reference: log.reward });
    for (const [e, ci] of [
      [a, ca],
      [b, cb],
    ] as const) {
      const d = pairedDiffs(e, log.reward, 11, 400);
      expect(ci.diff!.lo).toBeCloseTo(percentile(d, 0.025), 12);
      expect(ci.diff!.hi).toBeCloseTo(percentile(d, 0.975), 12);
      expect(ci.resamples).toBe(d.length);
    }
    // SNIPS drops the resamples drawing only decision 2 (weight 0): about 400/27 of them
    expect(cb.resamples).toBeLessThan(400);
  });

  it('leaves the estimates’ own intervals as they were (no draw of its own)', () => {
    const ests = [ips(log, target), snips(log, target)];
    const plain = bootstrapMany(ests, { seed: 5, resamples: 300 });
    const paired = bootstrapMany(ests, { seed: 5, resamples: 300, reference: log.reward });
    expect(paired.map(({ diff, ...ci }) => (expect(diff).toBeDefined(), ci))).toEqual(plain);
    expect(plain[0].diff).toBeUndefined();
  });

  it('pairs: a target that is the logging policy differs by exactly 0 on every resample, its own interval is wide', () => {
    // two models logged with propensity 0.5, target 0.5 / 0.5: every weight is 1, so IPS's contributions are the rewards
    const d = { n: 4, M: 2, action: Int32Array.from([0, 1, 0, 1]), propensity: Float64Array.from([0.5, 0.5, 0.5, 0.5]), reward: Float64Array.from([0, 1, 0.2, 0.9]) };
    const [ci] = bootstrapMany([ips(d, new Float64Array(8).fill(0.5))], { seed: 2, resamples: 200, reference: d.reward });
    expect(ci.diff).toEqual({ lo: 0, hi: 0 });
    expect(ci.hi - ci.lo).toBeGreaterThan(0.3);
  });

  it('refuses a reference of another length', () => {
    expect(() => bootstrapMany([ips(log, target)], { seed: 1, reference: new Float64Array(2) })).toThrow(/reference/);
  });

  it('evaluateTarget: value − the logged mean, and the paired interval of the estimators it ran', () => {
    const r = evaluateTarget(log, target, { estimators: ['ips', 'dr'], qhat, seed: 8, resamples: 250 });
    const m = (1 + 1 + 0.5) / 3;
    for (const row of r.rows) {
      expect(row.vsLogged!.value).toBeCloseTo(row.value - m, 14);
      const e = row.estimator === 'ips' ? ips(log, target) : { value: row.value, contrib: Float64Array.from([1.4, 3.4, 0.1]), norm: null };
      const d = pairedDiffs(e, log.reward, 8, 250);
      expect(row.vsLogged!.lo).toBeCloseTo(percentile(d, 0.025), 12);
      expect(row.vsLogged!.hi).toBeCloseTo(percentile(d, 0.975), 12);
    }
  });

  it('replay: the kept decisions’ mean minus the logged mean, over resamples of all n decisions', () => {
    const v = Float64Array.from([0.9, 0.1, 0.8, 0.2, 0.7, 0.3]);
    const mask = Float64Array.from([1, 0, 1, 0, 0, 1]);
    const value = (0.9 + 0.8 + 0.3) / 3;
    const r = replayVsLogged(v, mask, value, { estimators: [], seed: 4, resamples: 300, semantics: 'paper' });
    expect(r.value).toBeCloseTo(value - 3 / 6, 14);
    const rng = new Rng(4);
    const d: number[] = [];
    for (let b = 0; b < 300; b++) {
      const idx = Array.from({ length: 6 }, () => Math.floor((rng.nextU32() * 6) / 2 ** 32));
      const kept = idx.filter((i) => mask[i] === 1);
      if (kept.length > 0) d.push(kept.reduce((s, i) => s + v[i], 0) / kept.length - idx.reduce((s, i) => s + v[i], 0) / 6);
    }
    expect(r.lo).toBeCloseTo(percentile(d, 0.025), 12);
    expect(r.hi).toBeCloseTo(percentile(d, 0.975), 12);
  });
});

const row = (estimator: string, lo: number, hi: number, extra: Partial<OpeEstimateRow> = {}): OpeEstimateRow =>
  ({ metric: 'reward', estimator, value: 0.5, lo: 0.4, hi: 0.6, sd: 0.05, param: null, vsLogged: { value: (lo + hi) / 2, lo, hi }, ...extra }) as OpeEstimateRow;

describe('verdict against the logging policy', () => {
  it('an interval strictly above 0 is better, strictly below worse; one touching 0 is not distinguishable', () => {
    expect(diffVerdict(1e-12, 0.1)).toBe('better');
    expect(diffVerdict(0, 0.1)).toBe('indistinguishable');
    expect(diffVerdict(-0.1, -1e-12)).toBe('worse');
    expect(diffVerdict(-0.1, 0)).toBe('indistinguishable');
    expect(diffVerdict(0, 0)).toBe('indistinguishable');
  });

  it('better or worse only when every estimate of the evidence says so; none is no evidence', () => {
    expect(policyVerdict([row('ips', 0.01, 0.1), row('dr', 0.02, 0.2)])).toEqual({ result: 'better', estimators: ['ips', 'dr'] });
    expect(policyVerdict([row('ips', -0.1, -0.01), row('dr', -0.2, -0.02)]).result).toBe('worse');
    expect(policyVerdict([row('ips', 0.01, 0.1), row('dr', -0.01, 0.2)]).result).toBe('indistinguishable');
    expect(policyVerdict([row('ips', 0.01, 0.1), row('dr', -0.2, -0.1)]).result).toBe('indistinguishable');
    expect(policyVerdict([])).toEqual({ result: 'no-evidence', estimators: [] });
  });

  it('flags, dm, biased replay, other metrics and undefined intervals are no evidence', () => {
    const p = { method: 'distribution' as const, unbiased: true, estimates: [row('dm', 0.1, 0.2), row('ips', 0.1, 0.2), row('dr', 0.1, 0.2), row('snips', Number.NaN, Number.NaN), row('ips', 0.1, 0.2, { metric: 'accuracy' })] };
    expect(evidenceOf(p, [], [0, 1]).map((e) => e.estimator)).toEqual(['ips', 'dr']);
    expect(evidenceOf(p, ['low-ess'], [0, 1])).toEqual([]);
    expect(evidenceOf(p, ['low-support'], [0, 1])).toEqual([]);
    // the reward interval of dr leaves [0, 1]: its estimate is flagged outside-range
    const wide = { ...p, estimates: [row('ips', 0.1, 0.2), row('dr', 0.1, 0.2, { hi: 1.2 })] };
    expect(evidenceOf(wide, [], [0, 1]).map((e) => e.estimator)).toEqual(['ips']);
    const replay = { method: 'replay' as const, estimates: [row('replay', 0.1, 0.2)] };
    expect(evidenceOf({ ...replay, unbiased: false }, [], [0, 1])).toEqual([]);
    expect(evidenceOf({ ...replay, unbiased: true }, [], [0, 1])).toHaveLength(1);
  });
});

describe('verdicts of a hand-made log through ope()', () => {
  // 400 decisions, models a and b logged in turn with propensity 0.5; a's rewards 0.6 or 0.8, b's 0.2 or 0.4
  const dir = mkdtempSync(join(tmpdir(), 'gs-ope-vs-'));
  const file = join(dir, 'log.csv');
  const rows = Array.from({ length: 400 }, (_, i) => (i % 2 === 0 ? `q${i},t,a,0.5,${0.6 + (i % 4) / 10},1` : `q${i},t,b,0.5,${0.1 + (i % 4) / 10},0`));
  writeFileSync(file, 'query_id,task,model_id,propensity,reward,accuracy\n' + rows.join('\n') + '\n');

  it('best-static (always a) is better; random, the logging policy itself, differs by exactly 0 and is not distinguishable', async () => {
    const s = await ope({ logs: file, policies: ['best-static', 'random'], estimators: 'dm,ips,snips,dr', bootstrap: 300 });
    const [best, random] = s.policies;
    expect(best.flags).toEqual([]);
    expect(best.verdict).toEqual({ result: 'better', estimators: ['ips', 'snips', 'dr'] });
    // random's weights are all 1: IPS's contributions are the logged rewards, so every paired difference is 0
    const ipsRandom = random.estimates.find((e) => e.metric === 'reward' && e.estimator === 'ips')!;
    expect(ipsRandom.vsLogged).toEqual({ value: 0, lo: 0, hi: 0 });
    expect(random.verdict!.result).toBe('indistinguishable');
  });
});
