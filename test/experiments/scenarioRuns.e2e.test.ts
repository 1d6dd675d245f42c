/** Whole scenario experiments (docs/model.md §11): charts, workers, resume and shards agree with an uninterrupted run. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExperiment, runExperimentShard } from '../../src/app/experiment.js';
import { mergeShards } from '../../src/app/merge.js';

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
