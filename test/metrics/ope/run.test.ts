import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import { Rng } from '../../../src/core/rng.js';
import { loadLogs } from '../../../src/data/logs.js';
import { writeLogFile } from '../../../src/data/logWrite.js';
import { ALL_FEATURES, encodeContexts } from '../../../src/features/context.js';
import { runOpe, targetDistribution, uniformLogs } from '../../../src/metrics/ope/run.js';
import { prepareOpe } from '../../../src/metrics/ope/setup.js';
import { resolvePolicies } from '../../../src/policies/registry.js';
import { simulate } from '../../../src/sim/engine.js';
import { LogRecorder, logColumns } from '../../../src/sim/logRecorder.js';
import { buildRewards } from '../../../src/sim/reward.js';
import { randomTable } from '../../helpers/table.js';

const dir = mkdtempSync(join(tmpdir(), 'gs-ope-run-'));
const OPTS = { estimators: ['dm', 'ips', 'snips', 'dr'] as const, seed: 3, resamples: 300, semantics: 'paper' as const };

/** A log of `policy` over a random table (5 runs), written to CSV and read back. */
async function makeLog(policy: string, params: string[] = [], Q = 400, M = 4) {
  const t = randomTable(11, Q, M);
  const rw = await buildRewards(t, { lambda: 0.5 });
  const ctx = encodeContexts(t, { layout: 'paper', features: ALL_FEATURES });
  const rec = new LogRecorder(Q, 5);
  simulate(t, ctx, rw, { runs: 5, seed: 2, semantics: 'paper', oracle: 'pool', policies: resolvePolicies([policy], params, t.models), recorders: [rec] });
  const file = join(dir, `${policy}.csv`);
  await writeLogFile(file, logColumns(rec, t, ctx), rec.length);
  const log = await loadLogs(file, { models: t.models.map((m) => m.id) });
  return { t, rw, log };
}

describe('ope over a log with the full table', () => {
  it('true values, IPS and the target distributions agree with direct computations', async () => {
    const { t, rw, log } = await makeLog('random');
    const M = t.nModels;
    const data = await prepareOpe(log, t, { lambda: 0.5, lambdaGiven: true, semantics: 'paper', features: ALL_FEATURES });
    expect(uniformLogs(data)).toBe(true);
    const res = runOpe(data, resolvePolicies(['random', 'best-static', 'linucb'], [], t.models), { ...OPTS, estimators: [...OPTS.estimators] });
    const row = log.queryId.map((q) => t.queryIds.indexOf(q));

    // best-static: the model with the best mean reward over the whole table, evaluated on the logged queries
    const mean = Array.from({ length: M }, (_, m) => {
      let s = 0;
      for (let q = 0; q < t.nQueries; q++) s += rw.rewards[q * M + m];
      return s / t.nQueries;
    });
    const best = mean.indexOf(Math.max(...mean));
    const truthBest = row.reduce((s, q) => s + rw.rewards[q * M + best], 0) / log.n;
    const bs = res[1];
    expect(bs.method).toBe('distribution');
    expect(bs.truth!.reward).toBeCloseTo(truthBest, 12);
    // IPS by hand: w = 1{a_i = best}/(1/M)
    let ips = 0;
    for (let i = 0; i < log.n; i++) if (log.model[i] === best) ips += M * rw.rewards[row[i] * M + best];
    ips /= log.n;
    expect(bs.estimates.find((e) => e.metric === 'reward' && e.estimator === 'ips')!.value).toBeCloseTo(ips, 12);
    for (const e of bs.estimates.filter((x) => x.metric === 'reward' && (x.estimator === 'snips' || x.estimator === 'dr'))) {
      expect(Math.abs(e.value - truthBest)).toBeLessThan(4 * e.sd);
      expect(e.lo).toBeLessThan(e.hi);
    }
    // the uniform target on uniform logs: every weight is 1, so IPS is the mean logged reward and ESS = n
    const rnd = res[0];
    let mr = 0;
    for (let i = 0; i < log.n; i++) mr += log.reward![i];
    expect(rnd.estimates.find((e) => e.metric === 'reward' && e.estimator === 'ips')!.value).toBeCloseTo(mr / log.n, 12);
    expect(rnd.diagnostics!.ess).toBeCloseTo(log.n, 6);
    // a learning policy is replayed: about n/M decisions kept, unbiased on these logs
    const lin = res[2];
    expect(lin.method).toBe('replay');
    expect(lin.unbiased).toBe(true);
    expect(lin.kept!).toBeGreaterThan(log.n / M / 2);
    expect(lin.kept!).toBeLessThan(log.n);
  });

  it('random as a target: 1/M for every model at every decision', async () => {
    const { t, log } = await makeLog('random', [], 50, 3);
    const data = await prepareOpe(log, t, { lambda: 0.5, lambdaGiven: true, semantics: 'paper', features: ALL_FEATURES });
    const [rp] = resolvePolicies(['random'], [], t.models);
    const p = rp.factory.create({ contexts: data.contexts, models: t.models, nModels: 3, initialArms: [0, 1, 2], rng: new Rng(1), horizon: data.contexts.nQueries, rules: { ties: 'uniform', thompsonCovariance: 'posterior' } }, {});
    expect(Array.from(targetDistribution(p, log.n, 3, new Rng(2)))).toEqual(new Array(log.n * 3).fill(1 / 3));
  });
});

describe('ope over a log alone', () => {
  it('uses the logged reward unless λ is given; at λ = 0 the reward is the accuracy', async () => {
    const { log } = await makeLog('epsilon-greedy', ['epsilon-greedy.epsilon=0.3', 'epsilon-greedy.decay=1', 'epsilon-greedy.minEpsilon=0.3']);
    const logged = await prepareOpe(log, null, { lambda: 0.5, lambdaGiven: false, semantics: 'paper', features: ALL_FEATURES });
    expect(logged.rewardSource).toBe('logged');
    expect(logged.values.get('reward')).toBe(log.reward);
    expect(uniformLogs(logged)).toBe(false);
    const acc = await prepareOpe(log, null, { lambda: 0, lambdaGiven: true, semantics: 'paper', features: ALL_FEATURES });
    expect(acc.rewardSource).toBe('metrics');
    expect(Array.from(acc.values.get('reward')!)).toEqual(Array.from(log.metrics[0]!, (a) => Math.min(1, Math.max(0, a))));
    // the policies see the log's context columns behind a bias
    expect(acc.contexts.names).toEqual(['bias', ...log.contextNames]);
    const res = runOpe(acc, resolvePolicies(['linucb'], [], acc.models), { ...OPTS, estimators: ['ips'] });
    expect(res[0].unbiased).toBe(false);
    expect(res[0].truth).toBeNull();
    expect(() => runOpe(acc, resolvePolicies(['oracle'], [], acc.models), { ...OPTS, estimators: ['ips'] })).toThrow(UsageError);
  });
});
