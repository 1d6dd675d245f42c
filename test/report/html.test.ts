import { describe, expect, it } from 'vitest';
import type { CellSummary, ExperimentSummary } from '../../src/metrics/experiment.js';
import { meanSd, meanSdCi } from '../../src/metrics/stats.js';
import { chartSvg, experimentReport, REPORT_CSS, signedPct } from '../../src/report/html.js';
import { buildProfile } from '../../src/metrics/profile.js';
import { profileScope } from '../../src/report/experimentOutputs.js';
import { profileHtml, profileReportSection } from '../../src/report/profile.js';
import { expectAccessibleStructure } from '../helpers/html.js';
import { randomTable } from '../helpers/table.js';

function cell(lambda: number, label: string, regret: number[]): CellSummary {
  return {
    lambda,
    label,
    policy: label,
    params: {},
    features: [],
    finalRegret: meanSdCi(regret),
    reward: meanSd([0.7]),
    accuracy: meanSd([0.6]),
    energyWh: meanSd([150]),
    costNorm: meanSd([0.1]),
    latencyS: meanSd([0.1]),
    selection: {},
    perRun: regret.map((r, run) => ({ run, seed: run, finalRegret: r, reward: 0.7, accuracy: 0.6, energyWh: 150 })),
  };
}

function summary(lambdas: number[]): ExperimentSummary {
  return {
    schemaVersion: 1,
    kind: 'experiment',
    name: 's',
    title: 'S',
    dataset: { name: 'd', queries: 100, models: 2, sha256: 'a'.repeat(64) },
    semantics: 'repo',
    oracle: 'full',
    runs: 2,
    seed: 1,
    lambdas,
    oracleTotal: lambdas.map(() => 1),
    events: [],
    cells: lambdas.flatMap((l) => [cell(l, 'linucb-qwen2.5-1.5b-long-label', [10 + l, 12]), cell(l, 'random', [20, 21 + l])]),
    significance: [],
    models: [],
    comparison: {
      source: 'paper',
      semantics: 'repo',
      rows: [
        { lambda: 0.5, label: 'linucb', metric: 'finalRegret', ours: 101.7, published: 100, gapPct: 1.7 },
        { lambda: 0.5, label: 'random', metric: 'finalRegret', ours: 99.6, published: 100, gapPct: -0.4 },
      ],
    },
  };
}

const SVG = '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="800" height="300" viewBox="0 0 800 300"><rect/></svg>';

describe('report.html', () => {
  it('charts first, the headline table at λ nearest 0.5, long tables, configuration and manifest collapsed', () => {
    const html = experimentReport({ summary: summary([0, 0.4, 1]), charts: [{ name: 'c', title: 'C', svg: SVG }], configText: 'name: s', manifest: { files: ['x'] } });
    expectAccessibleStructure(html);
    const at = (s: string): number => {
      const i = html.indexOf(s);
      expect(i, s).toBeGreaterThanOrEqual(0);
      return i;
    };
    expect(at('<h2>Charts</h2>')).toBeLessThan(at('<h2>Results at λ = 0.4</h2>'));
    // the headline table is open; every λ's table is inside one <details>
    const every = at('<details><summary>Results at every λ (3 tables)</summary>');
    expect(every).toBeGreaterThan(at('<h2>Results at λ = 0.4</h2>'));
    const closeEvery = html.indexOf('</details>', html.lastIndexOf('<h3>λ = 1</h3>'));
    for (const l of [0, 0.4, 1]) {
      expect(at(`<h3>λ = ${l}</h3>`)).toBeGreaterThan(every);
      expect(at(`<h3>λ = ${l}</h3>`)).toBeLessThan(closeEvery);
    }
    // published figures collapsed, gaps with their sign
    expect(at('<details><summary>Ours vs published: 2 figures</summary>')).toBeGreaterThan(at('<h2>Published figures</h2>'));
    expect(html).toContain('<td>+1.7%</td>');
    expect(html).toContain('<td>−0.4%</td>');
    // configuration then manifest, both collapsed, at the end; long lines wrap
    expect(at('<details><summary>Configuration</summary>')).toBeLessThan(at('<details><summary>Manifest</summary>'));
    expect(html.slice(at('<details><summary>Manifest</summary>'))).toMatch(/^<details><summary>Manifest<\/summary><pre>[^<]*<\/pre><\/details>\n<\/body><\/html>\n$/);
    expect(html).toMatch(/pre\{[^}]*white-space:pre-wrap/);
    // model names in the first column never wrap
    expect(html).toMatch(/td:first-child,th:first-child\{[^}]*white-space:nowrap/);
  });

  it('names the files holding the charts\' numbers under the Charts heading, and none without charts', () => {
    const dataFiles = [{ file: 'curves.csv', what: 'regret per step' }, { file: 'runs.csv', what: 'every run' }];
    const html = experimentReport({ summary: summary([0.5]), charts: [{ name: 'c', title: 'C', svg: SVG }], configText: '', manifest: {}, dataFiles });
    const note = html.slice(html.indexOf('<h2>Charts</h2>'), html.indexOf('<figure'));
    expect(note).toContain('beside this page: <code>curves.csv</code> (regret per step), <code>runs.csv</code> (every run).');
    expect(experimentReport({ summary: summary([0.5]), charts: [], configText: '', manifest: {}, dataFiles })).not.toContain('<code>curves.csv');
  });

  it('one λ: a single open table and no "every λ" block', () => {
    const html = experimentReport({ summary: summary([0.5]), charts: [], configText: '', manifest: {} });
    expect(html).toContain('<h2>Results at λ = 0.5</h2>');
    expect(html).not.toContain('Results at every λ');
  });

  it('charts share one text scale and stop at the content width', () => {
    expect(chartSvg(SVG)).toMatch(/^<svg style="width:1000px;min-width:640px" xmlns/);
    expect(experimentReport({ summary: summary([0.5]), charts: [], configText: '', manifest: {} })).toMatch(/figure svg\{[^}]*max-width:100%/);
  });

  it('on a phone: laid out at the device width, a chart not shrunk below 640 px (its figure scrolls), a small one never widened', () => {
    const html = experimentReport({ summary: summary([0.5]), charts: [], configText: '', manifest: {} });
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toMatch(/figure\{[^}]*overflow-x:auto/);
    expect(chartSvg(SVG.replace(/800/g, '400'))).toMatch(/^<svg style="width:500px;min-width:500px"/);
  });

  it('on a phone: a chart wider than the window says it scrolls, only in windows narrower than the chart (body padding 2 × 16 px)', () => {
    const wide = SVG.replace(/800/g, '1310');
    const html = experimentReport({ summary: summary([0.5]), charts: [{ name: 'a', title: 'A', svg: SVG }, { name: 'b', title: 'B', svg: wide }, { name: 'c', title: 'C', svg: SVG }], configText: '', manifest: {} });
    // each chart's min-width as drawn, and the hint beside it naming that width
    const mins = [...html.matchAll(/<svg style="width:\d+px;min-width:(\d+)px"[^]*?<\/svg><span class="scroll-hint sh(\d+)" aria-hidden="true">/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(mins).toEqual([[640, 640], [917, 917], [640, 640]]);
    // one rule per width, in the head's style: shown while the window (less the padding) is narrower than the chart
    const head = html.slice(0, html.indexOf('</head>'));
    const rules = [...head.matchAll(/@media \(max-width:(\d+)px\)\{\.sh(\d+)\{display:block\}\}/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(rules).toEqual([[640 + 32 - 1, 640], [917 + 32 - 1, 917]]);
    expect(head).toMatch(/\.scroll-hint\{display:none;position:sticky;left:0/);
    const none = experimentReport({ summary: summary([0.5]), charts: [], configText: '', manifest: {} });
    expect(none).not.toContain('@media');
  });

  it('on a phone: the caption of a table wider than the window stays in view and wraps there, not cut off at its right edge', () => {
    const html = experimentReport({ summary: summary([0.5]), charts: [], configText: '', manifest: {} });
    expect(html).toMatch(/\.wide caption\{position:sticky;left:0;width:max-content;max-width:min\(100%,calc\(100vw - 2rem\)\)\}/);
  });

  it('under the protocol: its section (both tables, the gap-closed chart) comes first, before the charts', () => {
    const gapRow = (name: string, regret: number, base: number) => ({
      name,
      testRegret: meanSdCi([regret, regret + 2]),
      gapClosed: { mean: (base - regret) / base, ci95: [(base - regret) / base - 0.1, (base - regret) / base + 0.1] as [number, number], over: 'runs' as const, n: 2 },
      accuracy: 0.6,
      energyWh: 150,
      costUsd: Number.NaN,
      costNorm: 0.1,
    });
    const byLambda = [0, 0.4, 1].map((lambda) => ({ lambda, policies: [gapRow('linucb', 80 + 10 * lambda, 100), gapRow('train-best-static', 100, 100)] }));
    const s = {
      ...summary([0, 0.4, 1]),
      protocol: { kind: 'split' as const, fraction: 0.5, splits: 1, train: null, trainQueries: 100, testQueries: 100, baseline: 'train-best-static' as const, hindsight: ['best-static'], lambda: 0.4, policies: byLambda[1].policies, byLambda },
    };
    const charts = [
      { name: 'c', title: 'C', svg: SVG },
      { name: 'gap-closed', title: 'Gap closed', svg: SVG.replace('<rect/>', '<rect id="gap"/>') },
    ];
    const html = experimentReport({ summary: s, charts, configText: '', manifest: {} });
    const section = html.slice(html.indexOf('<section id="protocol">'), html.indexOf('</section>'));
    expect(html.indexOf('<section id="protocol">')).toBeLessThan(html.indexOf('<h2>Charts</h2>'));
    expect(section).toContain('<h2>Train/test protocol (λ = 0.4)</h2>');
    // the protocol table at λ = 0.4: linucb's test regret (84 + 86) / 2 and gap (100 − 84) / 100
    expect(section).toContain('<tr><td>linucb</td><td>85.0 ± 1.4</td><td>+16.0% [+6.0%, +26.0%]</td><td>0.6000</td><td>150.0</td></tr>');
    // gap closed at every λ: (100 − (80 + 10 λ)) / 100
    expect(section).toContain('<tr><td>linucb</td><td>+20.0%</td><td>+16.0%</td><td>+10.0%</td></tr>');
    expect([...section.matchAll(/<th scope="col">(λ=[^<]*)<\/th>/g)].map((m) => m[1])).toEqual(['λ=0', 'λ=0.4', 'λ=1']);
    // the chart moves into the section: drawn once, the other charts stay under Charts
    expect(section).toMatch(/<figure id="gap-closed"><svg style="width:1000px;min-width:640px"[^>]*><rect id="gap"\/>/);
    expect(html.match(/<rect id="gap"\/>/g)).toHaveLength(1);
    expect(html.indexOf('<figure id="c">')).toBeGreaterThan(html.indexOf('<h2>Charts</h2>'));
    expect(section).toContain('The charts and tables below describe the 100-query test stream.');
    expect(experimentReport({ summary: s, charts, configText: '', manifest: {}, protocolNote: 'said by the caller' })).toContain('<p class="note">said by the caller</p>');
    // no protocol, no section
    expect(experimentReport({ summary: summary([0.5]), charts: [], configText: '', manifest: {} })).not.toContain('Train/test protocol');
  });

  it('signedPct keeps the sign', () => {
    expect(signedPct(1.74)).toBe('+1.7%');
    expect(signedPct(-0.44)).toBe('−0.4%');
    expect(signedPct(-0.04)).toBe('0.0%');
    expect(signedPct(Number.NaN)).toBe('–');
  });
});

describe('the model profile section under the protocol', () => {
  it('a split says the profile covers the whole table; a train table or no protocol says nothing', async () => {
    const profile = await buildProfile(randomTable(1, 8, 3), { lambda: 0.5, cost: 'energy' });
    const base = summary([0.5]);
    const pr = (kind: 'split' | 'train-table') => ({ kind, fraction: 0.5, splits: 1, train: null, trainQueries: 3, testQueries: 5, baseline: 'train-best-static' as const, hindsight: [], lambda: 0.5, policies: [], byLambda: [] });
    const scoped = profileScope(profile, { ...base, protocol: pr('split') });
    expect(scoped.scope?.heading).toBe('(over the whole table, train and test parts)');
    expect(scoped.scope?.note).toContain(`all ${profile.dataset.queries} queries of the table: the 3 train and the 5 test queries together`);
    const html = profileReportSection(profile, undefined, scoped);
    expect(html).toContain('<h2>Model profiles (over the whole table, train and test parts)</h2>\n<p class="note">This section profiles');
    expect(profileScope(profile, { ...base, protocol: pr('train-table') })).toEqual({});
    expect(profileScope(profile, base)).toEqual({});
    expect(profileReportSection(profile, undefined, {})).toContain('<h2>Model profiles</h2>\n<p>');
  });
});

describe('the model profile table keeps within the page', () => {
  it('each note of the profile once (it was written twice, once with an inline style)', async () => {
    const profile = await buildProfile(randomTable(3, 8, 4), { lambda: 0.5, cost: 'energy' });
    const html = profileReportSection({ ...profile, notes: ['3 of 32 (query, model) cells are missing'] });
    expect(html.match(/Note: 3 of 32/g)).toHaveLength(1);
    expect(html).toContain('<p class="note">Note: 3 of 32 (query, model) cells are missing</p>');
  });

  it('two stacked tables (13 columns side by side did not fit 800 px): numbers in plain cells, the Pareto list a wrapping text cell', async () => {
    const profile = await buildProfile(randomTable(3, 8, 4), { lambda: 0.5, cost: 'energy' });
    expect(profile.models.some((m) => m.dominatedBy.length > 0) && profile.models.some((m) => m.pareto)).toBe(true);
    const html = profileReportSection(profile);
    const tables = html.split('<table class="profile">').slice(1).map((t) => t.slice(0, t.indexOf('</table>')));
    const headsOf = (t: string) => [...t.matchAll(/<th( class="text")?>([^<]*)<\/th>/g)];
    const rowsOf = (t: string) => [...t.matchAll(/<tr>(.*?)<\/tr>/g)].slice(1).map((r) => [...r[1].matchAll(/<td([^>]*)>(.*?)<\/td>/g)]);
    expect(headsOf(tables[0]).map((h) => h[2])).toEqual(['model', 'params B', 'accuracy ± 95% CI', 'J/query', 'Wh/query', 'reward λ=0.5', 'front / dominated by']);
    expect(headsOf(tables[1]).map((h) => h[2])).toEqual(['model', 'J/token', 'J/correct', 'latency p50 s', 'p95 s', 'tokens in', 'tokens out']);
    expect(tables[0]).toContain('<caption>Accuracy, energy per query, reward and Pareto front</caption>');
    expect(tables[1]).toContain('<caption>Energy per token and per correct answer, latency and tokens</caption>');
    const [main, more] = tables.slice(0, 2).map(rowsOf);
    expect(main).toHaveLength(profile.models.length);
    expect(more).toHaveLength(profile.models.length);
    main.forEach((cells, i) => {
      const m = profile.models[i];
      expect(cells).toHaveLength(7);
      // no inline style to undo the stylesheet: every cell but the last stays on one line
      expect(cells.slice(0, -1).every((c) => c[1] === '')).toBe(true);
      expect(cells[0][2]).toBe(m.id);
      expect(cells[5][2]).toBe(m.meanReward!.toFixed(4));
      const last = cells[cells.length - 1];
      expect(last[1]).toBe(' class="text"');
      const names = [...last[2].matchAll(/<span class="nobr">([^<]*)<\/span>/g)].map((x) => x[1]);
      if (m.pareto) expect(last[2]).toBe('front');
      else if (m.dominatedBy.length) expect(names).toEqual(m.dominatedBy);
      // the second table: the same model in the same row, its latency p95 to 3 decimals
      expect(more[i]).toHaveLength(7);
      expect(more[i][0][2]).toBe(m.id);
      expect(more[i][4][2]).toBe(m.latencyS.p95!.toFixed(3));
    });
    // the shaded per-task tables (no rendered heatmap): accuracy and energy apart, 1 + 4 columns each
    expect(tables.slice(2).map((t) => headsOf(t).map((h) => h[2]))).toEqual([
      ['model', ...profile.dataset.tasks.map((t) => `${t} accuracy`)],
      ['model', ...profile.dataset.tasks.map((t) => `${t} J/query`)],
    ]);
    // the rules those cells rely on
    for (const rule of ['td{white-space:nowrap}', 'td.text,th.text{white-space:normal;text-align:left}', '.nobr{white-space:nowrap}', 'table.profile td.text{width:16em', '.wide{overflow-x:auto}', '.wide td:first-child{position:sticky;left:0']) {
      expect(REPORT_CSS).toContain(rule);
    }
    // profile.html has the same stylesheet, and no script or outside resource
    const page = profileHtml(profile, html);
    expect(page).toContain(`<style>${REPORT_CSS}</style>`);
    // a page of its own: h1, then the section's h2; header cells scoped
    expectAccessibleStructure(page);
    expect(page).not.toMatch(/<script|<link|src="http/);
  });
});
