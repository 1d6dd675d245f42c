import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { loadLogs } from '../../src/data/logs.js';
import { writeLogFile } from '../../src/data/logWrite.js';
import { encodeContexts } from '../../src/features/context.js';
import { epsilonGreedyFactory } from '../../src/policies/epsilonGreedy.js';
import { linearEpsilonGreedyFactory } from '../../src/policies/linearEpsilonGreedy.js';
import type { Policy } from '../../src/policies/policy.js';
import { randomFactory } from '../../src/policies/random.js';
import { resolvePolicies } from '../../src/policies/registry.js';
import { THOMPSON_PROPENSITY_SAMPLES, thompsonFactory } from '../../src/policies/thompson.js';
import { simulate } from '../../src/sim/engine.js';
import { LogRecorder, logColumns } from '../../src/sim/logRecorder.js';
import { buildRewards } from '../../src/sim/reward.js';
import { contextsFromRows, makeEnv } from '../helpers/env.js';
import { randomTable } from '../helpers/table.js';

const M = 5;
const ARMS = Int32Array.from({ length: M }, (_, m) => m);

function rows(n: number): number[][] {
  const rng = new Rng(3);
  return Array.from({ length: n }, () => {
    const x = [1, 0, 0, 0];
    x[1 + rng.int(3)] = 1;
    return x;
  });
}

/** Train a policy on its own choices for a while, then compare propensity with the frequency of select(). */
function checkAgainstFrequency(p: Policy, q: number, draws: number, mc: Rng, sumTol = 1e-9, mcSamples = 0): void {
  for (let s = 0; s < 40; s++) {
    const m = p.select(s, ARMS, M);
    p.update(s, m, ((s * 7 + m * 3) % 10) / 10 + 0.01 * m);
  }
  const probs = Array.from({ length: M }, (_, m) => p.propensity!(q, ARMS, M, m, mc));
  expect(Math.abs(probs.reduce((a, b) => a + b, 0) - 1)).toBeLessThanOrEqual(sumTol);
  // select() does not change the state, so repeated calls sample the distribution the propensity describes
  const freq = new Float64Array(M);
  for (let k = 0; k < draws; k++) freq[p.select(q, ARMS, M)]++;
  for (let m = 0; m < M; m++) {
    const f = freq[m] / draws;
    // sampling error of the frequency, plus that of a Monte-Carlo estimate from mcSamples draws
    const v = probs[m] * (1 - probs[m]);
    const sd = Math.sqrt(v / draws + (mcSamples > 0 ? v / mcSamples : 0));
    expect(Math.abs(f - probs[m])).toBeLessThanOrEqual(4 * sd + (mcSamples > 0 ? 1 / mcSamples : 0) + 0.005);
  }
}

describe('policy propensities', () => {
  const ctx = contextsFromRows(rows(60));
  it('random: 1/n', () => {
    const p = randomFactory.create(makeEnv(ctx, M), {});
    expect(p.propensity!(0, ARMS, 3, 1, new Rng(1))).toBeCloseTo(1 / 3, 15);
  });
  it('epsilon-greedy: ε/n plus the greedy share, matching select() frequencies', () => {
    const p = epsilonGreedyFactory.create(makeEnv(ctx, M, 5), { epsilon: 0.3, decay: 1, minEpsilon: 0.3 });
    // before any update every arm is untried: uniform
    for (let m = 0; m < M; m++) expect(p.propensity!(0, ARMS, M, m, new Rng(1))).toBeCloseTo(1 / M, 12);
    checkAgainstFrequency(p, 7, 20000, new Rng(2));
    // exactly one greedy arm here: it gets 0.3/5 + 0.7, the others 0.06
    const probs = Array.from({ length: M }, (_, m) => p.propensity!(7, ARMS, M, m, new Rng(1)));
    expect([...probs].sort((a, b) => a - b)).toEqual([0.06, 0.06, 0.06, 0.06, 0.76].map((x) => expect.closeTo(x, 12)));
  });
  it('linear epsilon-greedy matches select() frequencies', () => {
    const p = linearEpsilonGreedyFactory.create(makeEnv(ctx, M, 6), { epsilon: 0.2, decay: 1, minEpsilon: 0.2, ridge: 0.25 });
    checkAgainstFrequency(p, 11, 20000, new Rng(2));
  });
  it('thompson: the Monte-Carlo estimate matches select() frequencies and is never 0', () => {
    const p = thompsonFactory.create(makeEnv(ctx, M, 7), { sigma: 0.5, priorVariance: 2 });
    // each call draws afresh, so the five estimates need not sum to exactly 1
    checkAgainstFrequency(p, 13, 20000, new Rng(2), 0.15, THOMPSON_PROPENSITY_SAMPLES);
    for (let m = 0; m < M; m++) expect(p.propensity!(13, ARMS, M, m, new Rng(9))).toBeGreaterThan(0);
  });
});

describe('log recorder', () => {
  it('records every decision of every run with its propensity; the written log reads back', async () => {
    const t = randomTable(4, 30, 4);
    const rw = await buildRewards(t, { lambda: 0.5 });
    const ctx = encodeContexts(t, { layout: 'paper', features: ['task', 'cluster', 'complexity'] });
    const rec = new LogRecorder(t.nQueries, 3);
    const res = simulate(t, ctx, rw, { runs: 3, seed: 9, semantics: 'paper', oracle: 'pool', policies: resolvePolicies(['epsilon-greedy'], ['epsilon-greedy.epsilon=0.5', 'epsilon-greedy.decay=1', 'epsilon-greedy.minEpsilon=0.5'], t.models), recorders: [rec] });
    expect(rec.length).toBe(90);
    // the logged rewards add up to the run totals
    for (let r = 0; r < 3; r++) {
      let s = 0;
      for (let j = 0; j < 90; j++) if (rec.run[j] === r) s += rec.reward[j];
      expect(s).toBeCloseTo(res.metrics[0][r].totalReward, 9);
    }
    // ε/4 when not greedy; ε/4 + (1 − ε)/k when among the k untried (or tied best) arms
    const valid = [0.125, 0.125 + 0.5, 0.125 + 0.5 / 2, 0.125 + 0.5 / 3, 0.125 + 0.5 / 4];
    for (let j = 0; j < 90; j++) expect(valid.some((v) => Math.abs(v - rec.propensity[j]) < 1e-12)).toBe(true);
    expect(rec.propensity.filter((p) => Math.abs(p - 0.625) < 1e-12).length).toBeGreaterThan(30);
    const dir = mkdtempSync(join(tmpdir(), 'gs-log-'));
    for (const ext of ['csv', 'jsonl', 'parquet']) {
      const file = join(dir, `log.${ext}`);
      await writeLogFile(file, logColumns(rec, t, ctx), rec.length);
      const log = await loadLogs(file, { models: t.models.map((m) => m.id) });
      expect(log.n).toBe(90);
      expect(Array.from(log.model)).toEqual(Array.from(rec.model));
      expect(Array.from(log.propensity)).toEqual(Array.from(rec.propensity));
      expect(Array.from(log.reward!)).toEqual(Array.from(rec.reward));
      expect(Array.from(log.run!)).toEqual(Array.from(rec.run));
      expect(log.contextNames).toEqual(ctx.names.slice(1));
      expect(log.queryId[5]).toBe(t.queryIds[rec.query[5]]);
    }
    expect(readFileSync(join(dir, 'log.csv'), 'utf8').split('\n')[0]).toMatch(/^run,query_id,task,model_id,propensity,reward,accuracy,energy_j/);
  });

  it('a policy without a propensity method logs no propensity column', async () => {
    const t = randomTable(5, 20, 3);
    const rw = await buildRewards(t, { lambda: 0.5 });
    const ctx = encodeContexts(t, { layout: 'paper', features: ['task'] });
    const rec = new LogRecorder(t.nQueries, 1);
    simulate(t, ctx, rw, { runs: 1, seed: 1, semantics: 'paper', oracle: 'pool', policies: resolvePolicies(['linucb'], [], t.models), recorders: [rec] });
    expect(rec.hasPropensity).toBe(false);
    expect(logColumns(rec, t, ctx).map((c) => c.name)).not.toContain('propensity');
  });
});
