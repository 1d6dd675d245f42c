/**
 * Changes at one step share their window, so the terminal and the report show them once: one block, one chart,
 * one label on the charts over the stream. summary.json keeps one entry per change.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/app/experiment.js';
import { eventGroups, eventNumbers } from '../../src/report/eventGroups.js';
import { scenarioCharts } from '../../src/report/chartsScenario.js';
import { eventsTable } from '../../src/report/terminalTable.js';

describe('eventGroups', () => {
  it('groups by step in list order, numbering from 1', () => {
    const g = eventGroups([
      { step: 100, what: 'a' },
      { step: 200, what: 'b' },
      { step: 100, what: 'c' },
      { step: 300, what: 'd' },
      { step: 300, what: 'e' },
      { step: 300, what: 'f' },
    ]);
    expect(g.map((x) => [x.step, x.members, x.what, x.short])).toEqual([
      [100, [0, 2], 'a; c', 'a and 1 more change'],
      [200, [1], 'b', 'b'],
      [300, [3, 4, 5], 'd; e; f', 'd and 2 more changes'],
    ]);
    expect(g.map(eventNumbers)).toEqual(['events 1 and 3', 'event 2', 'events 4–6']);
  });

  it('lists at most 10 changes of one step and counts the rest', () => {
    const [g] = eventGroups(Array.from({ length: 12 }, (_, k) => ({ step: 7, what: `c${k}` })));
    expect(g.what).toBe('c0; c1; c2; c3; c4; c5; c6; c7; c8; c9; and 2 more');
    expect(g.short).toBe('c0 and 11 more changes');
    expect(eventNumbers(g)).toBe('events 1–12');
  });
});

describe('an experiment with two changes at one step', () => {
  it('prints one block and draws one chart for them; summary.json lists each change', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-evgroup-'));
    const yaml = [
      'name: evgroup',
      'runs: 1',
      'seed: 3',
      'lambdas: [0.5]',
      'eventWindow: 200',
      'drift:',
      '  - {step: 600, model: phi-4-mini-4b, accuracy: -0.3}',
      '  - {step: 600, model: gemma-3-12b, energy: 4}',
      '  - {step: 1500, model: llama-3.2-1b, accuracy: -0.2}',
      'arms:',
      '  - policy: linucb',
      '  - policy: random',
      '',
    ].join('\n');
    writeFileSync(join(dir, 'e.yaml'), yaml);
    const { summary } = await runExperiment(join(dir, 'e.yaml'), { out: join(dir, 'out'), charts: false });
    const ev = summary.scenario!.events!;
    expect(ev.list.map((e) => e.step)).toEqual([600, 600, 1500]);
    // the two changes at step 600 have one window, so the same figures
    const at = (k: number): number[] => ev.cells.filter((c) => c.event === k).map((c) => c.regretAfter.mean!);
    expect(at(1)).toEqual(at(0));
    const text = eventsTable(ev);
    const headings = text.split('\n').filter((l) => /^events? \d/.test(l));
    expect(headings).toEqual([`events 1–2 at step 600 — ${ev.list[0].what}; ${ev.list[1].what}`, `event 3 at step 1500 — ${ev.list[2].what}`]);
    const charts = scenarioCharts(summary.scenario!, summary.lambdas, new Map(), summary.runs, summary.dataset.queries);
    expect(charts.map((c) => c.name)).toEqual(['event-1-regret', 'event-3-regret']);
    expect(charts[0].title).toBe(`Regret around step 600, ${ev.list[0].what}; ${ev.list[1].what} (λ = 0.5)`);
  });
});
