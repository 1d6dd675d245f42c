/** Scenario settings in experiment YAML and the scenario section of an experiment summary (docs/model.md §11). */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExperiment, runExperimentShard } from '../../src/app/experiment.js';
import { mergeShards } from '../../src/app/merge.js';
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

describe('an experiment with a budget and a drift event', () => {
  it('writes the scenario section and charts; budgeted routers stay near the budget; 1 and 2 workers agree', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-scen-exp-'));
    const file = join(dir, 's.yaml');
    writeFileSync(
      file,
      [
        'name: s',
        'dataset: greenserv-pool',
        'runs: 2',
        'lambdas: [0]',
        'budget: energy=0.05',
        'drift: [{step: 1500, model: phi-4-mini-4b, energy: 2}]',
        'eventWindow: 300',
        'arms:',
        '  - policy: budgeted-linucb',
        '  - policy: linucb',
        '',
      ].join('\n'),
    );
    const a = await runExperiment(file, { out: join(dir, 'a'), workers: 1 });
    await runExperiment(file, { out: join(dir, 'b'), workers: 2, charts: false });
    expect(readFileSync(join(dir, 'a', 'summary.json')).equals(readFileSync(join(dir, 'b', 'summary.json')))).toBe(true);
    const sc = a.summary.scenario!;
    expect(sc.budget!.cells.map((c) => c.label)).toEqual(['budgeted-linucb', 'linucb']);
    expect(Math.abs(sc.budget!.cells[0].overshoot.mean)).toBeLessThan(0.05);
    expect(sc.budget!.reference.bestStatic!.model).toBe('phi-4-mini-4b');
    expect(sc.events!.window).toBe(300);
    expect(sc.events!.list).toEqual([{ step: 1500, what: 'phi-4-mini-4b: energy ×2' }]);
    // the post-event regret is the sum of the recorded step regret over the window
    const curves = readFileSync(join(dir, 'a', 'curves.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const cum = (label: string, step: number) => Number(curves.find((r) => r[1] === label && Number(r[2]) === step)![3]);
    for (const c of sc.events!.cells) expect(c.regretAfter.mean).toBeCloseTo(cum(c.label, 1800) - cum(c.label, 1500), 9);
    const html = readFileSync(join(dir, 'a', 'report.html'), 'utf8');
    expect(html).toContain('id="budget-adherence"');
    expect(html).toContain('id="event-1-regret"');
  });
});

describe('an interrupted scenario experiment', () => {
  it('resumes to the same summary: budget traces and feedback counts are kept in the checkpoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-scen-resume-'));
    const file = join(dir, 'r.yaml');
    writeFileSync(
      file,
      ['name: r', 'dataset: greenserv-pool', 'runs: 2', 'lambdas: [0]', 'budget: energy=0.05', 'feedbackDelay: uniform:0-9', 'feedbackRate: 0.7', 'arms:', '  - policy: budgeted-thompson', '  - policy: random', ''].join('\n'),
    );
    await runExperiment(file, { out: join(dir, 'whole'), workers: 1, charts: false });
    const stop = new Error('stop');
    const out = join(dir, 'cut');
    await expect(runExperiment(file, { out, workers: 1, charts: false, progress: (done) => { if (done >= 2) throw stop; } })).rejects.toBe(stop);
    expect(existsSync(`${out}.partial`)).toBe(true);
    await runExperiment(null, { resume: `${out}.partial`, workers: 1, charts: false });
    const whole = readFileSync(join(dir, 'whole', 'summary.json'), 'utf8');
    expect(JSON.parse(whole).scenario.feedback.cells).toHaveLength(2);
    expect(readFileSync(join(out, 'summary.json'), 'utf8')).toBe(whole);
  });
});

describe('a sharded scenario experiment', () => {
  it('merges to the summary of an unsharded run: the shards keep budget traces and feedback counts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-scen-shard-'));
    const file = join(dir, 'h.yaml');
    writeFileSync(
      file,
      ['name: h', 'dataset: greenserv-pool', 'runs: 2', 'lambdas: [0]', 'budget: energy=0.06', 'feedbackRate: 0.5', 'arms:', '  - policy: budgeted-linucb', '  - policy: random', ''].join('\n'),
    );
    await runExperiment(file, { out: join(dir, 'whole'), workers: 1, charts: false });
    const parts: string[] = [];
    for (let i = 0; i < 2; i++) parts.push((await runExperimentShard(file, { index: i, count: 2 }, { out: join(dir, `s${i}`), workers: 1, charts: false })).out);
    await mergeShards(parts, { out: join(dir, 'merged'), charts: false });
    const whole = readFileSync(join(dir, 'whole', 'summary.json'), 'utf8');
    expect(JSON.parse(whole).scenario.budget.cells).toHaveLength(2);
    expect(readFileSync(join(dir, 'merged', 'summary.json'), 'utf8')).toBe(whole);
  });
});
