/**
 * Outputs of `greenserv ope` (docs/ope.md, "Outputs"): the terminal table, estimates.csv, the chart of each
 * estimate with its interval (true value marked when known) and report.html.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { AtomicDir } from '../core/atomic.js';
import { csvField, csvNum, escHtml as esc } from '../core/escape.js';
import type { OpePolicyResult } from '../metrics/ope/run.js';
import type { OpeMetric } from '../metrics/ope/setup.js';
import { opeSummaryJson, type OpeSummary } from '../metrics/ope/summary.js';
import { chartSvg, reportHead, finishReport } from './html.js';
import { renderChart } from './render.js';
import { paddedDomain } from './chartsSpread.js';
import { zeroTicks } from './protocol.js';
import { flagCell, observedRow, trustNotes } from './opeTrust.js';
import { fmt, fmtSmall, renderTableFit, wrapAt } from './terminalTable.js';
import { diffCell, verdictLines } from './opeVerdict.js';

const METRIC_LABEL: Record<OpeMetric, string> = { reward: 'reward', accuracy: 'accuracy', energy_j: 'energy (J/query)' };

function row(p: OpePolicyResult, metric: OpeMetric, estimator: string) {
  return p.estimates.find((e) => e.metric === metric && e.estimator === estimator);
}

/**
 * One line per policy and estimator: reward, its 95 % interval, its difference from the observed reward with the
 * paired interval, accuracy, energy, the true value when known, ESS / kept and the trust flags; the logging
 * policy's observed means first. `width` (a terminal's) drops energy, accuracy, ESS / kept, the true value, then
 * the difference, then the reward's own interval, to fit: the reward and the flags stay. The notes are opeNotes.
 */
export function opeTable(s: OpeSummary, width = Infinity): string {
  const hasTruth = s.table !== null;
  const headers = ['policy', 'estimator', 'reward', '95% CI', 'vs logged [95% CI]', 'accuracy', 'J/decision', ...(hasTruth ? ['true reward'] : []), 'ESS / kept', 'flags'];
  const rows: string[][] = [];
  const obs = observedRow(s);
  // with a table the logged rewards are the table's, so the observed mean is the logging policy's true value
  if (obs) rows.push([obs.name, obs.estimator, fmt(obs.reward, 4), '', '', fmt(obs.accuracy, 4), fmtSmall(obs.energy ?? Number.NaN, 1), ...(hasTruth ? [s.rewardSource === 'table' ? fmt(obs.reward, 4) : ''] : []), `${obs.n}`, '']);
  for (const p of s.policies) {
    const ests = [...new Set(p.estimates.map((e) => e.estimator))];
    ests.forEach((est, k) => {
      const r = row(p, 'reward', est)!;
      const acc = row(p, 'accuracy', est);
      const en = row(p, 'energy_j', est);
      const support = p.method === 'replay' ? `kept ${p.kept}` : fmt(p.diagnostics?.ess, 0);
      rows.push([
        k === 0 ? p.name : '',
        est + (p.method === 'replay' && !p.unbiased ? ' (biased)' : ''),
        fmtSmall(r.value, 4),
        `[${fmtSmall(r.lo, 4)}, ${fmtSmall(r.hi, 4)}]`,
        diffCell(r),
        fmt(acc?.value, 4),
        fmtSmall(en?.value ?? Number.NaN, 1),
        ...(hasTruth ? [k === 0 ? fmt(p.truth?.reward, 4) : ''] : []),
        k === 0 ? support : '',
        flagCell(s, p, r),
      ]);
    });
  }
  const right = headers.map((_, j) => j >= 2 && j < headers.length - 1);
  // the difference goes before the reward's interval: the verdict lines under the table still give it
  return renderTableFit(headers, rows, right, width, [6, 5, headers.length - 2, ...(hasTruth ? [7] : []), 4, 3]);
}

/** The verdict per target (verdictLines), then the trust notes (trustNotes), each wrapped to `width`. */
export function opeNotes(s: OpeSummary, width = Infinity): string {
  const verdicts = verdictLines(s);
  return [...verdicts, ...(verdicts.length > 0 ? [''] : []), ...trustNotes(s)]
    .map((l) => (l.length > width ? wrapAt(l, ' ', width) : l))
    .join('\n');
}

/** estimates.csv: one row per policy, metric and estimator; the difference from the logged mean last (added later). */
export function opeEstimatesCsv(s: OpeSummary): string {
  const lines = ['policy,method,metric,estimator,value,lo,hi,sd,param,true_value,n,ess,max_weight,support_share,kept,vs_logged,vs_logged_lo,vs_logged_hi'];
  for (const p of s.policies) {
    for (const e of p.estimates) {
      const d = p.diagnostics;
      lines.push(
        [csvField(p.name), p.method, e.metric, e.estimator, csvNum(e.value), csvNum(e.lo), csvNum(e.hi), csvNum(e.sd), e.param === Number.POSITIVE_INFINITY ? 'inf' : csvNum(e.param), csvNum(p.truth?.[e.metric]), csvNum(d?.n ?? s.logs.decisions), csvNum(d?.ess), csvNum(d?.maxWeight), csvNum(d?.supportShare), csvNum(p.kept), csvNum(e.vsLogged?.value), csvNum(e.vsLogged?.lo), csvNum(e.vsLogged?.hi)].join(','),
      );
    }
  }
  return lines.join('\n') + '\n';
}

/** One colour per estimator in every ope chart, whichever of them a run asked for. */
const ESTIMATOR_COLOURS: [string, string][] = [
  ['dm', '#4c78a8'],
  ['ips', '#f58518'],
  ['snips', '#54a24b'],
  ['dr', '#e45756'],
  ['switch-dr', '#7e2fd4'],
  ['dros', '#9d755d'],
  ['replay', '#15aadd'],
  ['replay (biased)', '#c9a227'],
];

/** The label of an estimate in the charts: replay on logs that are not uniform is "replay (biased)". */
function chartEstimator(p: OpePolicyResult, estimator: string): string {
  return estimator === 'replay' && !p.unbiased ? 'replay (biased)' : estimator;
}

/** Whether the chart of `metric` has its panel of differences: some drawn estimate has a finite `vsLogged` (summaries before it have none). */
function hasDifferences(s: OpeSummary, metric: OpeMetric): boolean {
  return s.policies.some((p) => p.estimates.some((e) => e.metric === metric && Number.isFinite(e.value) && e.vsLogged !== undefined && Number.isFinite(e.vsLogged.value)));
}

/** Widths of the panel of estimates alone, and of it and the panel of differences side by side (within a page). */
const EST_WIDTH = 460;
const PAIR_WIDTHS = [380, 260] as const;

/**
 * Estimate ± 95 % interval per policy (rows) and estimator, on one axis for all policies so that their estimates
 * compare; the true value as a black rule under the estimates when known. When the summary has the differences
 * from the logged mean (`vsLogged`), a second panel beside it, row for row: each estimate minus the observed mean
 * with its paired 95 % interval, 0 (the logging policy) as the grey dashed rule, and the true value minus the
 * observed mean as a black rule when known. The paired interval is not the estimate's interval moved by the
 * observed mean: it is narrower when the two errors go together, which is why it is drawn.
 */
export function opeChartSpec(s: OpeSummary, metric: OpeMetric = 'reward'): TopLevelSpec {
  const values: Record<string, unknown>[] = [];
  const diffs: Record<string, unknown>[] = [];
  const observed = s.observed?.[metric] !== undefined && Number.isFinite(s.observed[metric]) ? s.observed[metric] : undefined;
  for (const p of s.policies) {
    for (const e of p.estimates) {
      if (e.metric !== metric || !Number.isFinite(e.value)) continue;
      const estimator = chartEstimator(p, e.estimator);
      const truth = p.truth?.[metric] ?? null;
      values.push({ policy: p.name, estimator, value: e.value, lo: Number.isFinite(e.lo) ? e.lo : e.value, hi: Number.isFinite(e.hi) ? e.hi : e.value, truth });
      const d = e.vsLogged;
      // every row of the estimates' panel, so the two panels' rows line up; no difference, no mark
      const has = d !== undefined && Number.isFinite(d.value);
      diffs.push({
        policy: p.name,
        estimator,
        diff: has ? d.value : null,
        lo: has ? (Number.isFinite(d.lo) ? d.lo : d.value) : null,
        hi: has ? (Number.isFinite(d.hi) ? d.hi : d.value) : null,
        truth: truth !== null && Number.isFinite(truth) && observed !== undefined ? truth - observed : null,
      });
    }
  }
  const withDiffs = hasDifferences(s, metric);
  const order = [...s.estimators, 'replay', 'replay (biased)'];
  const x = { type: 'quantitative', scale: { zero: false }, title: `estimated ${METRIC_LABEL[metric]}` } as const;
  const known = new Map(ESTIMATOR_COLOURS);
  const shown = [...new Set(values.map((v) => v.estimator as string))];
  const colour = { field: 'estimator', type: 'nominal', legend: null, scale: { domain: shown, range: shown.map((e) => known.get(e) ?? '#666666') } } as const;
  const rows = { field: 'policy', type: 'nominal', title: null, sort: s.policies.map((p) => p.name) } as const;
  const estimates = {
    data: { values },
    facet: { row: { ...rows, header: { labelAngle: 0, labelAlign: 'left', labelFontSize: 12 } } },
    spec: {
      width: withDiffs ? PAIR_WIDTHS[0] : EST_WIDTH,
      height: { step: 20 },
      layer: [
        // the logging policy's observed value: the reference every target is compared with
        ...(observed !== undefined ? [{ mark: { type: 'rule', color: '#888888', strokeDash: [4, 3], strokeWidth: 1.5 }, encoding: { x: { datum: observed, ...x } } } as const] : []),
        // the true value first, so the estimates on it stay visible
        ...(s.table ? [{ transform: [{ filter: 'datum.truth !== null' }], mark: { type: 'rule', color: 'black', strokeWidth: 2 }, encoding: { x: { field: 'truth', ...x } } } as const] : []),
        { mark: { type: 'rule', strokeWidth: 2 }, encoding: { y: { field: 'estimator', type: 'nominal', title: null, sort: order }, x: { field: 'lo', ...x }, x2: { field: 'hi' }, color: colour } },
        { mark: { type: 'point', filled: true, size: 50, opacity: 1 }, encoding: { y: { field: 'estimator', type: 'nominal', sort: order }, x: { field: 'value', ...x }, color: colour } },
      ],
    },
    // one x axis for every policy: an estimate's position compares across the rows
    resolve: { scale: { y: 'independent' } },
  };
  const label = METRIC_LABEL[metric];
  const marks = `${s.table ? 'black rule: true value; ' : ''}${observed !== undefined ? 'grey dashes: logged policy, observed' : ''}`.replace(/; $/, '');
  if (!withDiffs) {
    return {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: `Off-policy estimates of the mean ${label} (95% bootstrap intervals${s.table ? '; black rule: true value' : ''}${observed !== undefined ? '; grey dashes: logged policy, observed' : ''})`,
      ...estimates,
    } as TopLevelSpec;
  }
  // 0 always in view and always labelled (the renderer drops every other overlapping label, 0 among them), the
  // labels signed as in the table's `vs logged` column
  const domain = paddedDomain([0, ...diffs.flatMap((d) => [d.lo, d.hi, d.truth].filter((v): v is number => typeof v === 'number'))]);
  const dx = {
    type: 'quantitative',
    title: `estimate − observed ${label} (paired 95% interval)`,
    scale: { domain, nice: false },
    axis: { values: zeroTicks(domain[0], domain[1], 6), labelOverlap: false, labelExpr: "datum.value === 0 ? '0' : format(datum.value, '+~g')" },
  } as const;
  const y = { field: 'estimator', type: 'nominal', title: null, sort: order, axis: { labels: false, ticks: false } } as const;
  const differences = {
    data: { values: diffs },
    // the same rows as the estimates' panel, whose header names them
    facet: { row: { ...rows, header: { labels: false } } },
    spec: {
      width: PAIR_WIDTHS[1],
      height: { step: 20 },
      layer: [
        // every estimator of the row in its y domain, drawn or not
        { mark: { type: 'text', text: '' }, encoding: { y } },
        // 0: no change from the logging policy, at the place of the grey dashes on the left
        { mark: { type: 'rule', color: '#888888', strokeDash: [4, 3], strokeWidth: 1.5 }, encoding: { x: { datum: 0, ...dx } } },
        ...(s.table && observed !== undefined ? [{ transform: [{ filter: 'datum.truth !== null' }], mark: { type: 'rule', color: 'black', strokeWidth: 2 }, encoding: { x: { field: 'truth', ...dx } } } as const] : []),
        { transform: [{ filter: 'datum.diff !== null' }], mark: { type: 'rule', strokeWidth: 2 }, encoding: { y, x: { field: 'lo', ...dx }, x2: { field: 'hi' }, color: colour } },
        { transform: [{ filter: 'datum.diff !== null' }], mark: { type: 'point', filled: true, size: 50, opacity: 1 }, encoding: { y, x: { field: 'diff', ...dx }, color: colour } },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: `Off-policy estimates of the mean ${label}, and their difference from the logging policy's`,
      // two lines: as one, the subtitle was wider than the two panels and set the image's width
      subtitle: [`left: estimate, 95% bootstrap interval · right: estimate − observed mean, paired 95% interval (0: no change)`, ...(marks ? [marks] : [])],
    },
    hconcat: [estimates, differences],
    spacing: 12,
  } as TopLevelSpec;
}

/** report.html of an ope results directory. */
export function opeReportHtml(s: OpeSummary, svg: string): string {
  const parts: string[] = [];
  parts.push(`<!doctype html><html lang="en"><head>${reportHead('Off-policy evaluation')}</head><body>`);
  parts.push('<h1>Off-policy evaluation</h1>');
  const lam = Number.isFinite(s.lambda) ? `λ = ${s.lambda}` : 'reward as logged';
  parts.push(
    `<p class="note">Log <b>${esc(s.logs.file)}</b>: ${s.logs.decisions} decisions over ${s.logs.models.length} models, propensities ${s.logs.propensity}${s.logs.uniform ? ' (uniform logger)' : ''} · ` +
      `${lam} · ${s.bootstrap} bootstrap resamples from seed ${s.seed}${s.table ? ` · true values from ${esc(s.table.name)}` : ''}</p>`,
  );
  const diffs = hasDifferences(s, 'reward');
  parts.push(
    `<figure id="ope">${chartSvg(svg)}<figcaption>${diffs ? 'Left: estimate' : 'Estimate'} and 95% interval per policy and estimator${s.table ? '; the black rule is the true value' : ''}${s.observed?.reward !== undefined ? "; the grey dashed rule is the logging policy's observed mean reward" : ''}` +
      `${diffs ? ". Right: the estimate minus the observed mean reward, with its paired 95% interval (the vs logged column below); the grey dashed rule is 0, no change from the logging policy" + (s.table ? ', the black rule the true value minus the observed mean' : '') : ''}.</figcaption></figure>`,
  );
  // flagged lines (starting '!') in red: they say which estimates not to act on
  const notes = trustNotes(s).map((l) => (l.startsWith('!') ? `<li style="color:#b00000"><b>${esc(l)}</b></li>` : `<li>${esc(l)}</li>`));
  const [head, ...verdicts] = verdictLines(s);
  if (head) parts.push(`<h2>Better than the logging policy?</h2><p class="note">${esc(head)}</p><ul id="verdict">${verdicts.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>`);
  parts.push(`<h2>Can these estimates be trusted?</h2><ul id="trust">${notes.join('')}</ul>`);
  // a true reward column only when a table gave one; the estimator's name aligned as text, like the policy's
  const truth = s.table !== null;
  // two stacked tables, the estimates and then the other metrics and diagnostics, each with the row labels: as
  // one table of 12 columns it scrolled sideways at 800 px
  const ths = ['<th>policy</th>', '<th style="text-align:left">estimator</th>', '<th>reward</th>', '<th>95% CI</th>', '<th>vs logged [95% CI]</th>', '<th style="text-align:left">flags</th>', '<th>accuracy</th>', '<th>J/decision</th>', ...(truth ? ['<th>true reward</th>'] : []), '<th>ESS / kept</th>', '<th>max weight</th>', '<th>support</th>'];
  const rows: string[][] = [];
  const obs = observedRow(s);
  if (obs) {
    rows.push([`<td><b>${obs.name}</b></td>`, `<td style="text-align:left"><b>${obs.estimator}</b></td>`, `<td><b>${fmt(obs.reward, 4)}</b></td>`, '<td></td>', '<td></td>', '<td></td>', `<td>${fmt(obs.accuracy, 4)}</td>`, `<td>${fmtSmall(obs.energy ?? Number.NaN, 1)}</td>`, ...(truth ? [`<td>${s.rewardSource === 'table' ? fmt(obs.reward, 4) : ''}</td>`] : []), `<td>${obs.n}</td>`, '<td></td>', '<td></td>']);
  }
  for (const p of s.policies) {
    for (const r of p.estimates.filter((e) => e.metric === 'reward')) {
      const acc = row(p, 'accuracy', r.estimator);
      const en = row(p, 'energy_j', r.estimator);
      const d = p.diagnostics;
      const flags = flagCell(s, p, r);
      rows.push([
        `<td>${esc(p.name)}</td>`,
        `<td style="text-align:left">${esc(r.estimator)}${p.method === 'replay' && !p.unbiased ? ' (biased: logs not uniform)' : ''}</td>`,
        `<td>${fmt(r.value, 4)}</td>`,
        `<td>[${fmt(r.lo, 4)}, ${fmt(r.hi, 4)}]</td>`,
        `<td style="white-space:nowrap">${diffCell(r)}</td>`,
        `<td style="text-align:left;white-space:nowrap${flags ? ';color:#b00000;font-weight:bold' : ''}">${esc(flags)}</td>`,
        `<td>${fmt(acc?.value, 4)}</td>`,
        `<td>${fmtSmall(en?.value ?? Number.NaN, 1)}</td>`,
        ...(truth ? [`<td>${fmt(p.truth?.reward, 4)}</td>`] : []),
        `<td>${p.method === 'replay' ? `kept ${p.kept}` : fmt(d?.ess, 0)}</td>`,
        `<td>${fmt(d?.maxWeight, 2)}</td>`,
        `<td>${fmt(d?.supportShare, 3)}</td>`,
      ]);
    }
  }
  const table = (cols: number[]): string => `<div class="wide"><table><tr>${cols.map((c) => ths[c]).join('')}</tr>\n${rows.map((r) => `<tr>${cols.map((c) => r[c]).join('')}</tr>`).join('\n')}\n</table></div>`;
  const rest = Array.from({ length: ths.length - 6 }, (_, j) => 6 + j);
  parts.push(`<h2>Estimates</h2><p class="note">Reward, accuracy and energy are means per decision (energy in joules per decision), not totals.</p>`);
  parts.push(table([0, 1, 2, 3, 4, 5]));
  parts.push(`<p class="note">The same estimators' accuracy and energy, and the weights behind them (ESS: Kish effective sample size; kept: decisions a replay kept).</p>`);
  parts.push(table([0, 1, ...rest]));
  parts.push(`<details><summary>summary.json</summary><pre>${esc(opeSummaryJson(s))}</pre></details>`);
  parts.push('</body></html>\n');
  return finishReport(parts.join('\n'));
}

/** summary.json, estimates.csv and charts/ope.svg|png; returns the file names. */
export async function writeOpeOutputs(dir: Pick<AtomicDir, 'write'>, s: OpeSummary): Promise<string[]> {
  dir.write('summary.json', opeSummaryJson(s));
  dir.write('estimates.csv', opeEstimatesCsv(s));
  const chart = await renderChart(opeChartSpec(s), 2, 'ope');
  dir.write('charts/ope.svg', chart.svg);
  dir.write('charts/ope.png', chart.png);
  return ['summary.json', 'estimates.csv', 'charts/ope.svg', 'charts/ope.png'];
}
