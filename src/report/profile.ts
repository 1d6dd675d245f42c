/**
 * Outputs of `greenserv profile-models` from a table: terminal tables, profile.json / profile.csv and an HTML
 * fragment for report.html (charts in profileCharts.ts).
 */
import type { CellStats, ModelProfile, Profile } from '../metrics/profile.js';
import { toJson } from '../metrics/summary.js';
import { batched, jsonChunks } from '../core/chunks.js';
import { own } from '../core/dict.js';
import { escHtml as escapeHtml } from '../core/escape.js';
import { chartSvg, reportHead, finishReport, finishReportParts } from './html.js';
import { simpleParetoSvg, type ProfileCharts } from './profileCharts.js';
import { axisValue, costOrNull, COST_AXIS, fmtCi, fmtEnergy, frontCell } from './profileFormat.js';
import { maxOf, minOf } from '../core/extent.js';
import { columnGroups } from './htmlColumns.js';
import { luminance } from './palette.js';
import { csvField, csvNum } from '../core/escape.js';
import { columnBlocks, fmt, plural, renderTable, renderTableFit, wrapAt, wrapItems } from './terminalTable.js';
import { MAX_TERMINAL_MODELS, shownModels } from './profileShown.js';
import { listSome } from '../sim/shard.js';

export { heatmapChartSpec, paretoChartSpec, renderProfileCharts } from './profileCharts.js';

/**
 * The whole terminal report: model table, per-task table, front and baselines. `width` (a terminal's) drops
 * model-table columns to fit (token counts, latency and the secondary energy units first), splits the per-task
 * table into blocks of tasks and breaks the long lines between words. Above MAX_TERMINAL_MODELS models the
 * tables show those of shownModels, each followed by a line that says how many are left out.
 */
export function profileTerminal(p: Profile, width = Infinity): string {
  const hasUsd = p.models.some((m) => m.costUsd !== null);
  const shown = shownModels(p);
  const models = shown ? shown.models : p.models;
  const leftOut = shown
    ? wrapAt(
        `… ${(p.models.length - models.length).toLocaleString('en-US')} of ${p.models.length.toLocaleString('en-US')} models not shown (above ${MAX_TERMINAL_MODELS}: ` +
          'the static baselines, the Pareto front and the most accurate); every model: --json, or profile.csv / profile.json with --out',
        ' ',
        width,
      )
    : null;
  const headers = ['model', 'params B', 'accuracy ± 95% CI', 'J/query', 'Wh/query', 'J/token', 'J/correct', 'p50 s', 'p95 s', 'tok in', 'tok out', ...(hasUsd ? ['USD/query'] : []), `reward λ=${p.lambda}`, 'front / dominated'];
  const rows = models.map((m) => [
    m.id + (m.estimatedEnergyCells > 0 ? '*' : ''),
    m.paramsB === null ? '–' : String(m.paramsB),
    fmtCi(m),
    fmtEnergy(m.energyJ),
    fmtEnergy(m.energyWh),
    fmtEnergy(m.energyPerTokenJ),
    fmtEnergy(m.energyPerCorrectJ),
    fmt(m.latencyS.p50, 3),
    fmt(m.latencyS.p95, 3),
    fmt(m.inputTokens, 0),
    fmt(m.outputTokens, 0),
    ...(hasUsd ? [m.costUsd === null ? '–' : m.costUsd.toPrecision(3)] : []),
    fmt(m.meanReward, 4),
    frontCell(m),
  ]);
  const right = headers.map((_, j) => j > 0 && j < headers.length - 1);
  const d = p.dataset;
  const lines: string[] = [];
  const costNote = p.cost === 'energy' ? '' : ` · cost ${p.cost}`;
  lines.push(wrapItems(`${d.name}: ${plural(d.queries, 'query', 'queries')} × ${plural(d.models, 'model')} · ${plural(d.tasks.length, 'task')} · λ = ${p.lambda}${costNote}`, width));
  lines.push('');
  // the column of the cost axis stays; under --cost usd J/query goes first (RouterBench tables have no energy)
  const order = ['tok in', 'tok out', 'p50 s', 'Wh/query', 'J/token', 'p95 s', 'J/correct', 'params B', 'USD/query'];
  const dropNames = p.cost === 'usd' ? ['J/query', ...order.filter((h) => h !== 'USD/query')] : order;
  const drop = dropNames.map((h) => headers.indexOf(h)).filter((j) => j >= 0);
  lines.push(renderTableFit(headers, rows, right, width, drop));
  if (leftOut) lines.push(leftOut);
  lines.push('');
  // per task: accuracy and cost per query side by side, one column per task
  const unit = COST_AXIS[p.cost].short.replace('/query', '/q');
  const taskHeaders = ['model', ...d.tasks.map((t) => `${t} acc · ${unit}`)];
  const taskRows = models.map((m) => [
    m.id,
    ...d.tasks.map((t) => {
      const s = own(m.tasks, t);
      return s ? `${fmt(s.accuracy.mean, 3)} · ${fmtEnergy(costOrNull(s, p.cost))}` : '–';
    }),
  ]);
  // tasks that do not fit beside each other go in a further block under it, each with the model column
  const block = (b: number[]): string => renderTable([0, ...b].map((k) => taskHeaders[k]), taskRows.map((r) => [0, ...b].map((k) => r[k])), [false, ...b.map(() => true)]);
  lines.push(columnBlocks(taskHeaders, taskRows, width).map(block).join('\n\n'));
  if (leftOut) lines.push(leftOut);
  lines.push('');
  // a long front: the part of it in the table, with how long it is
  const front = shown && shown.front.length < p.pareto.length ? `; the ${shown.front.length} of its ${p.pareto.length.toLocaleString('en-US')} models in the table` : '';
  lines.push(wrapAt(`Pareto front (accuracy vs ${COST_AXIS[p.cost].short}, cheapest first${front}): ${(shown ? shown.front : p.pareto).join(', ') || '–'}`, ' ', width));
  const ids = shown ? new Set(models.map((m) => m.id)) : null;
  for (const x of p.dominated) {
    if (ids && !ids.has(x.id)) continue;
    lines.push(wrapAt(`  ${x.id} is dominated by ${ids ? listSome(x.by, 10) : x.by.join(', ')}`, ' ', width).replace(/\n/g, '\n    '));
  }
  const b = p.baselines;
  const best = p.models.find((m) => m.id === b.bestStatic);
  lines.push(
    wrapItems(
      `static baselines: largest ${b.largest ?? '–'} · smallest ${b.smallest ?? '–'} · most accurate ${b.mostAccurate ?? '–'} · ` +
        `best static at λ = ${p.lambda}: ${b.bestStatic ?? '–'}${best ? ` (mean reward ${fmt(best.meanReward, 4)})` : ''}`,
      width,
    ),
  );
  if (p.models.some((m) => m.estimatedEnergyCells > 0)) lines.push('* energy partly or wholly estimated (--estimate-energy)');
  for (const n of p.notes) lines.push(`note: ${n}`);
  return lines.join('\n') + '\n';
}

export function profileJson(p: Profile): string {
  return toJson(p);
}

const CSV_HEADER = [
  'model_id',
  'name',
  'params_b',
  'scope',
  'n',
  'accuracy',
  'accuracy_ci95_low',
  'accuracy_ci95_high',
  'energy_j',
  'energy_wh',
  'total_energy_wh',
  'energy_per_token_j',
  'energy_per_correct_j',
  'latency_mean_s',
  'latency_p50_s',
  'latency_p95_s',
  'cost_usd',
  'input_tokens',
  'output_tokens',
  'mean_reward',
  'pareto',
  'dominated_by',
  'estimated_energy_cells',
];

function n(x: number | null): string {
  return x === null ? '' : csvNum(x);
}

/** One row per model for the whole table (scope `all`) and one per (model, task); `pareto` is per scope. */
export function profileCsv(p: Profile): string {
  return [...profileCsvLines(p)].join('');
}

/** profile.csv line by line, each with its line end. */
export function* profileCsvLines(p: Profile): Generator<string> {
  yield CSV_HEADER.join(',') + '\n';
  const row = (m: ModelProfile, scope: string, s: CellStats, pareto: boolean, by: string[], reward: number | null, est: number | ''): string =>
    [
      csvField(m.id),
      csvField(m.name),
      n(m.paramsB),
      csvField(scope),
      s.n,
      n(s.accuracy.mean),
      n(s.accuracy.ci95?.[0] ?? null),
      n(s.accuracy.ci95?.[1] ?? null),
      n(s.energyJ),
      n(s.energyWh),
      n(s.totalEnergyWh),
      n(s.energyPerTokenJ),
      n(s.energyPerCorrectJ),
      n(s.latencyS.mean),
      n(s.latencyS.p50),
      n(s.latencyS.p95),
      n(s.costUsd),
      n(s.inputTokens),
      n(s.outputTokens),
      n(reward),
      pareto ? 1 : 0,
      csvField(by.join(' ')),
      est,
    ].join(',') + '\n';
  for (const m of p.models) yield row(m, 'all', m, m.pareto, m.dominatedBy, m.meanReward, m.estimatedEnergyCells);
  for (const t of p.dataset.tasks) {
    const front = new Set(own(p.taskPareto, t) ?? []);
    for (const m of p.models) {
      const s = own(m.tasks, t);
      if (s) yield row(m, t, s, front.has(m.id), [], null, '');
    }
  }
}


/**
 * File name → content of a profile output directory; profile.json and profile.csv as pieces made while they are
 * written (at 100,000 models they are 500 MB of text).
 */
export function profileFiles(p: Profile, charts: ProfileCharts): Record<string, string | Uint8Array | Iterable<string>> {
  return {
    'profile.json': jsonChunks(p),
    'profile.csv': batched(profileCsvLines(p)),
    'pareto.svg': charts.pareto.svg,
    'pareto.png': charts.pareto.png,
    'heatmap.svg': charts.heatmap.svg,
    'heatmap.png': charts.heatmap.png,
  };
}

/** Task columns per table of the shaded per-task tables (accuracy, then cost): within an 800-px window. */
const PROFILE_TASKS_PER_TABLE = 6;

/** Style of a shaded cell: background white → colour by t ∈ [0, 1], and the text colour that reads on it. */
function shade(t: number, rgb: [number, number, number]): string {
  const c = rgb.map((v) => Math.round(255 + (v - 255) * Math.max(0, Math.min(1, t))));
  // white text only where it reads better than black (luminance under 0.179; either is then at least 4.58:1)
  const ink = luminance(c).lum < 0.179 ? 'white' : 'black';
  return `background:rgb(${c[0]},${c[1]},${c[2]});color:${ink}`;
}

/**
 * Self-contained HTML fragment (inline SVG, inline styles, no scripts) for report.html. Pass the rendered
 * charts to inline the Vega-Lite SVGs; without them a built-in scatter is drawn, unless `pareto: false`.
 */
export function profileReportSection(p: Profile, charts?: ProfileCharts, opts: SectionOptions = {}): string {
  return sectionLines(p, charts, opts).join('\n') + '\n';
}

type SectionOptions = { pareto?: boolean; paretoChart?: string; scope?: { heading: string; note: string } };

/** The section's lines (each whole elements, no tag split between two), without line ends. */
function sectionLines(p: Profile, charts: ProfileCharts | undefined, opts: SectionOptions): string[] {
  const h: string[] = [];
  const d = p.dataset;
  h.push('<section class="greenserv-profile">');
  // a report on part of the table (the protocol's test stream) says which rows the profile covers
  h.push(`<h2>Model profiles${opts.scope ? ` ${escapeHtml(opts.scope.heading)}` : ''}</h2>`);
  if (opts.scope) h.push(`<p class="note">${escapeHtml(opts.scope.note)}</p>`);
  h.push(
    `<p>${escapeHtml(d.name)}: ${plural(d.queries, 'query', 'queries')} × ${plural(d.models, 'model')}, tasks ${escapeHtml(d.tasks.join(', '))}; λ = ${p.lambda}. ` +
      `Pareto front (accuracy vs mean ${COST_AXIS[p.cost].noun} per query, cheapest first): <strong>${escapeHtml(p.pareto.join(', ') || '–')}</strong>. ` +
      `Best static model at λ = ${p.lambda}: <strong>${escapeHtml(p.bestStatic ?? '–')}</strong>; largest ${escapeHtml(p.baselines.largest ?? '–')}, ` +
      `smallest ${escapeHtml(p.baselines.smallest ?? '–')}, most accurate ${escapeHtml(p.baselines.mostAccurate ?? '–')}.</p>`,
  );
  // a report that already charts accuracy vs energy keeps one Pareto chart style
  if (opts.pareto === false) {
    // `paretoChart`: the id of the report's own chart, so the note is a link to it
    const chart = opts.paretoChart ? `<a href="#${escapeHtml(opts.paretoChart)}">accuracy-vs-energy chart</a>` : 'accuracy-vs-energy chart';
    h.push(`<p class="note">Every model's accuracy and energy, with the Pareto front, are in the ${chart} above.</p>`);
  }
  else h.push(`<figure>${charts ? chartSvg(charts.pareto.svg) : simpleParetoSvg(p)}<figcaption>Accuracy vs ${COST_AXIS[p.cost].noun} per query. Each point is a model (bar: 95% CI of its accuracy); the dashed staircase is the Pareto front, the models no other model beats on both accuracy and ${COST_AXIS[p.cost].noun}. Up and to the left is better.</figcaption></figure>`);
  // styling from REPORT_CSS (table.profile): compact cells, numbers on one line, the Pareto list wrapping
  const th = (s: string): string => `<th>${escapeHtml(s)}</th>`;
  const td = (s: string, style = ''): string => `<td${style ? ` style="${style}"` : ''}>${escapeHtml(s)}</td>`;
  // the list may wrap between model names, never inside one
  const frontTd = (m: ModelProfile): string =>
    `<td class="text">${m.pareto ? 'front' : m.dominatedBy.length ? m.dominatedBy.map((id) => `<span class="nobr">${escapeHtml(id)}</span>`).join(', ') : '–'}</td>`;
  // two stacked tables rather than one of 13 columns, so that an 800-px window shows them without scrolling
  // sideways: what a model is worth (accuracy, energy per query, reward, the front), then its per-token,
  // per-correct-answer, latency and token figures; a scroll container only for a window narrower still, with
  // the model column in view
  h.push('<div class="wide"><table class="profile">');
  h.push(`<caption>Accuracy, energy per query, reward and Pareto front</caption><thead><tr>${['model', 'params B', 'accuracy ± 95% CI', 'J/query', 'Wh/query', `reward λ=${p.lambda}`].map(th).join('')}<th class="text">front / dominated by</th></tr></thead><tbody>`);
  for (const m of p.models) {
    h.push('<tr>' + td(m.id) + td(m.paramsB === null ? '–' : String(m.paramsB)) + td(fmtCi(m)) + td(fmtEnergy(m.energyJ)) + td(fmtEnergy(m.energyWh)) + td(fmt(m.meanReward, 4)) + frontTd(m) + '</tr>');
  }
  h.push('</tbody></table></div>');
  h.push('<div class="wide"><table class="profile">');
  h.push(`<caption>Energy per token and per correct answer, latency and tokens</caption><thead><tr>${['model', 'J/token', 'J/correct', 'latency p50 s', 'p95 s', 'tokens in', 'tokens out'].map(th).join('')}</tr></thead><tbody>`);
  for (const m of p.models) {
    h.push('<tr>' + td(m.id) + td(fmtEnergy(m.energyPerTokenJ)) + td(fmtEnergy(m.energyPerCorrectJ)) + td(fmt(m.latencyS.p50, 3)) + td(fmt(m.latencyS.p95, 3)) + td(fmt(m.inputTokens, 0)) + td(fmt(m.outputTokens, 0)) + '</tr>');
  }
  h.push('</tbody></table></div>');
  if (charts) {
    h.push(`<figure>${chartSvg(charts.heatmap.svg)}<figcaption>Per-task mean accuracy and mean ${COST_AXIS[p.cost].noun} per query. One row per model, cheapest first; one column per task; the darker a cell, the more accurate the model on that task (blue) or the more it spends (orange), the cell's number giving the value.</figcaption></figure>`);
  } else {
    // heatmap as a shaded table: accuracy blue, energy orange (log scale within the table)
    const es = p.models.flatMap((m) => d.tasks.map((t) => axisValue(own(m.tasks, t), p.cost))).filter((v): v is number => v !== null);
    const lo = Math.log(minOf(es));
    const hi = Math.log(maxOf(es));
    const acc = (m: ModelProfile, t: string): string => {
      const a = own(m.tasks, t)?.accuracy.mean ?? null;
      return td(fmt(a, 3), a === null ? '' : shade(a, [33, 113, 181]));
    };
    const cost = (m: ModelProfile, t: string): string => {
      const s = own(m.tasks, t);
      const e = s ? costOrNull(s, p.cost) : null;
      const u = e !== null && e > 0 && hi > lo ? (Math.log(e) - lo) / (hi - lo) : 0;
      return td(fmtEnergy(e), e === null ? '' : shade(u, [230, 85, 13]));
    };
    // accuracy, then cost, each in tables of at most PROFILE_TASKS_PER_TABLE tasks: side by side they were
    // 1 + 2 × tasks columns, too wide for an 800-px window
    // a caption per table, as the tables above have: shades without words leave a new reader guessing
    const captions = {
      accuracy: 'Mean accuracy per task and model: the darker the blue, the more accurate',
      cost: `Mean ${COST_AXIS[p.cost].noun} per query per task and model: the darker the orange, the more (shaded on a log scale)`,
    };
    for (const [what, cell, caption] of [['accuracy', acc, captions.accuracy], [COST_AXIS[p.cost].short, cost, captions.cost]] as const) {
      for (const g of columnGroups(d.tasks.length, PROFILE_TASKS_PER_TABLE)) {
        const tasks = g.map((j) => d.tasks[j]);
        h.push('<div class="wide"><table class="profile">');
        h.push(`<caption>${escapeHtml(caption)}${g[0] > 0 ? ' (continued)' : ''}</caption><thead><tr>${th('model')}${tasks.map((t) => th(`${t} ${what}`)).join('')}</tr></thead><tbody>`);
        for (const m of p.models) h.push(`<tr>${td(m.id)}${tasks.map((t) => cell(m, t)).join('')}</tr>`);
        h.push('</tbody></table></div>');
      }
    }
  }
  for (const note of p.notes) h.push(`<p class="note">Note: ${escapeHtml(note)}</p>`);
  h.push('</section>');
  return h;
}

/** profile.html: the section as a page, with report.html's style so its tables and charts keep within the window. */
export function profileHtml(p: Profile, section: string): string {
  return finishReport(pageParts(p, [section]).join(''));
}

function pageParts(p: Profile, section: string[]): string[] {
  return [
    `<!doctype html>\n<html lang="en"><head>${reportHead(`greenserv profile — ${p.dataset.name}`)}</head>\n` +
    // the page's own h1, so the section's h2 does not open the outline
    `<body>\n<h1>greenserv profile — ${escapeHtml(p.dataset.name)}</h1>\n`,
    ...section,
    '</body></html>\n',
  ];
}

/**
 * profileHtml(p, profileReportSection(p, charts)) in pieces, line by line: at 100,000 models the page is 140 MB,
 * and the section, the page and finishReport's passes over it were each a copy.
 */
export function profileHtmlChunks(p: Profile, charts: ProfileCharts): Iterable<string> {
  return batched(finishReportParts(pageParts(p, sectionLines(p, charts, {}).map((l) => l + '\n'))));
}
