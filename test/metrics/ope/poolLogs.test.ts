/**
 * End to end on the built-in full-information pool (2,500 queries × 16 models): a log file is written from a
 * seeded ε-greedy logger, read back with the log loader, and the estimates of a fixed per-task target are
 * compared with the target's true mean accuracy on the full table.
 */
import { describe, expect, it } from 'vitest';
import { loadTable } from '../../../src/data/load.js';
import { loadLogs } from '../../../src/data/logs.js';
import { Rng } from '../../../src/core/rng.js';
import { dr, ips, oneHot, snips } from '../../../src/metrics/ope/estimators.js';
import { bootstrapMany } from '../../../src/metrics/ope/bootstrap.js';
import { supportShare, weightDiagnostics } from '../../../src/metrics/ope/diagnostics.js';
import { loggedBandit, logRewardModel } from '../../../src/metrics/ope/fromLogs.js';
import { scratch } from '../../data/formats/helpers.js';

const s = scratch();

describe('off-policy estimates from a log of the built-in pool', () => {
  it('IPS, SNIPS and DR recover the target accuracy within 4 bootstrap sd; diagnostics agree', async () => {
    const t = await loadTable('greenserv-pool');
    const Q = t.nQueries;
    const M = t.nModels;
    for (let k = 0; k < Q * M; k++) expect(t.present[k]).toBe(1);
    // target: model (3·task + 1) mod M for each task; logger: ε = 0.5 around model 0
    const targetModel = (q: number): number => (3 * t.queryTask[q] + 1) % M;
    const eps = 0.5;
    const rng = new Rng(77);
    let csv = 'query_id,model_id,propensity,accuracy,task\n';
    let truth = 0;
    for (let q = 0; q < Q; q++) {
      const a = rng.next() < eps ? rng.int(M) : 0;
      const p = eps / M + (a === 0 ? 1 - eps : 0);
      csv += `${t.queryIds[q]},${t.models[a].id},${p},${t.accuracy[q * M + a]},${t.tasks[t.queryTask[q]]}\n`;
      truth += t.accuracy[q * M + targetModel(q)];
    }
    truth /= Q;
    const log = await loadLogs(s.write('pool-log.csv', csv), { models: t.models.map((m) => m.id) });
    expect(log.n).toBe(Q);
    const choice = Int32Array.from({ length: Q }, (_, q) => targetModel(q));
    const target = oneHot(choice, M);
    const reward = log.metrics[0]!;
    const d = loggedBandit(log, reward);
    const q = logRewardModel(log, reward);
    const ests = [ips(d, target), snips(d, target), dr(d, target, q)];
    const cis = bootstrapMany(ests, { seed: 1, resamples: 300 });
    ests.forEach((e, k) => {
      expect(Math.abs(e.value - truth), `estimator ${k}: ${e.value} vs ${truth}`).toBeLessThan(4 * cis[k].sd);
    });
    // weights: target model ≠ 0 is logged with p = ε/M → w = M/ε = 32; model 0 with p = ε/M + 1 − ε
    const w = new Float64Array(Q);
    for (let i = 0; i < Q; i++) w[i] = target[i * M + log.model[i]] / log.propensity[i];
    const diag = weightDiagnostics(w);
    const wMax = choice.some((c) => c === 0) ? Math.max(M / eps, 1 / (eps / M + 1 - eps)) : M / eps;
    expect(diag.maxWeight).toBeCloseTo(wMax, 9);
    // every task logged every model at least once at this size, so the target has full support
    expect(supportShare(d, target, log.task, log.tasks.length)).toBe(1);
  });
});
