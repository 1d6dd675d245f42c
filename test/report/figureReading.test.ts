import { describe, expect, it } from 'vitest';
import type { ExperimentSummary } from '../../src/metrics/experiment.js';
import { experimentReport } from '../../src/report/html.js';

const svg = (w: number): string => `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="300" viewBox="0 0 ${w} 300"><rect/></svg>`;

function summary(): ExperimentSummary {
  return {
    schemaVersion: 1,
    kind: 'experiment',
    name: 's',
    dataset: { name: 'd', queries: 100, models: 2, sha256: 'a'.repeat(64) },
    semantics: 'repo',
    oracle: 'full',
    runs: 2,
    seed: 1,
    lambdas: [],
    oracleTotal: [],
    events: [],
    cells: [],
    significance: [],
    models: [],
  } as unknown as ExperimentSummary;
}

const captionOf = (html: string, id: string): string => {
  const fig = html.slice(html.indexOf(`<figure id="${id}">`));
  return fig.slice(fig.indexOf('<figcaption>') + 12, fig.indexOf('</figcaption>'));
};

describe('figure captions say how to read the chart', () => {
  it('each chart kind of a simulate or experiment report is explained after its title, an unknown one keeps its title', () => {
    const names = ['cumulative-regret', 'moving-average-regret-lambda-0.5', 'selection-linucb', 'accuracy-vs-energy', 'final-regret-box', 'lambda-sweep-energy', 'budget-adherence', 'event-1-regret'];
    const charts = [...names, 'something-new'].map((name) => ({ name, title: `Title of ${name}`, svg: svg(800) }));
    const html = experimentReport({ summary: summary(), charts, configText: '', manifest: {} });
    const words: Record<string, RegExp> = {
      'cumulative-regret': /reward a policy loses against the oracle.*lower is better/,
      'moving-average-regret-lambda-0.5': /sliding window.*lower is better/,
      'selection-linucb': /darker a cell, the larger the share/,
      'accuracy-vs-energy': /Pareto front.*Up and to the left is better/,
      'final-regret-box': /Each dot is one run.*middle half of the runs/,
      'lambda-sweep-energy': /λ weighs energy against accuracy/,
      'budget-adherence': /dashed rule is the budget/,
      'event-1-regret': /around an event.*adapts/,
    };
    for (const name of names) {
      const cap = captionOf(html, name);
      expect(cap.startsWith(`Title of ${name}. `), cap).toBe(true);
      expect(cap).toMatch(words[name]);
    }
    expect(captionOf(html, 'something-new')).toBe('Title of something-new');
  });
});

describe('the profile charts say how to read them', () => {
  it('the Pareto chart says what the front is; the heatmap what its rows, columns and shades are', async () => {
    const { buildProfile } = await import('../../src/metrics/profile.js');
    const { profileReportSection } = await import('../../src/report/profile.js');
    const { randomTable } = await import('../helpers/table.js');
    const profile = await buildProfile(randomTable(3, 8, 4), { lambda: 0.5, cost: 'energy' });
    const charts = { pareto: { svg: svg(693) }, heatmap: { svg: svg(1310) } } as unknown as Parameters<typeof profileReportSection>[1];
    const caps = [...profileReportSection(profile, charts).matchAll(/<figcaption>(.*?)<\/figcaption>/g)].map((m) => m[1]);
    expect(caps).toHaveLength(2);
    expect(caps[0]).toMatch(/Each point is a model.*no other model beats on both/);
    expect(caps[1]).toMatch(/One row per model.*one column per task.*darker/);
  });
});

describe('the per-task tables of a report\'s model profile', () => {
  it('each shaded table has a caption saying what its numbers and shades are', async () => {
    const { buildProfile } = await import('../../src/metrics/profile.js');
    const { profileReportSection } = await import('../../src/report/profile.js');
    const { randomTable } = await import('../helpers/table.js');
    const profile = await buildProfile(randomTable(3, 8, 4), { lambda: 0.5, cost: 'energy' });
    const html = profileReportSection(profile, undefined, { pareto: false });
    const tables = html.split('<table class="profile">').slice(1);
    expect(tables.length).toBeGreaterThanOrEqual(4);
    const caps = tables.map((t) => /^<caption>(.*?)<\/caption>/.exec(t.trimStart())?.[1]);
    expect(caps.slice(2).every((c) => c !== undefined), String(caps)).toBe(true);
    expect(caps[2]).toMatch(/^Mean accuracy per task and model: the darker the blue, the more accurate/);
    expect(caps[caps.length - 1]).toMatch(/^Mean energy per query per task and model: the darker the orange, the more .*log scale/);
  });
});
