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
import { chartSvg, REPORT_CSS } from './html.js';
import { renderChart } from './render.js';
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

/**
 * Estimate ± 95 % interval per policy (rows) and estimator, on one axis for all policies so that their estimates
 * compare; the true value as a black rule under the estimates when known.
 */
export function opeChartSpec(s: OpeSummary, metric: OpeMetric = 'reward'): TopLevelSpec {
  const values: Record<string, unknown>[] = [];
  for (const p of s.policies) {
    for (const e of p.estimates) {
      if (e.metric !== metric || !Number.isFinite(e.value)) continue;
      values.push({ policy: p.name, estimator: e.estimator === 'replay' && !p.unbiased ? 'replay (biased)' : e.estimator, value: e.value, lo: Number.isFinite(e.lo) ? e.lo : e.value, hi: Number.isFinite(e.hi) ? e.hi : e.value, truth: p.truth?.[metric] ?? null });
    }
  }
  const order = [...s.estimators, 'replay', 'replay (biased)'];
  const observed = s.observed?.[metric] !== undefined && Number.isFinite(s.observed[metric]) ? s.observed[metric] : undefined;
  const x = { type: 'quantitative', scale: { zero: false }, title: `estimated ${METRIC_LABEL[metric]}` } as const;
  const known = new Map(ESTIMATOR_COLOURS);
  const shown = [...new Set(values.map((v) => v.estimator as string))];
  const colour = { field: 'estimator', type: 'nominal', legend: null, scale: { domain: shown, range: shown.map((e) => known.get(e) ?? '#666666') } } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `Off-policy estimates of the mean ${METRIC_LABEL[metric]} (95% bootstrap intervals${s.table ? '; black rule: true value' : ''}${observed !== undefined ? '; grey dashes: logged policy, observed' : ''})`,
    data: { values },
    facet: { row: { field: 'policy', type: 'nominal', title: null, sort: s.policies.map((p) => p.name), header: { labelAngle: 0, labelAlign: 'left', labelFontSize: 12 } } },
    spec: {
      width: 460,
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
  } as TopLevelSpec;
}

/** report.html of an ope results directory. */
export function opeReportHtml(s: OpeSummary, svg: string): string {
  const parts: string[] = [];
  parts.push(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Off-policy evaluation</title><style>${REPORT_CSS}</style></head><body>`);
  parts.push('<h1>Off-policy evaluation</h1>');
  const lam = Number.isFinite(s.lambda) ? `λ = ${s.lambda}` : 'reward as logged';
  parts.push(
    `<p class="note">Log <b>${esc(s.logs.file)}</b>: ${s.logs.decisions} decisions over ${s.logs.models.length} models, propensities ${s.logs.propensity}${s.logs.uniform ? ' (uniform logger)' : ''} · ` +
      `${lam} · ${s.bootstrap} bootstrap resamples from seed ${s.seed}${s.table ? ` · true values from ${esc(s.table.name)}` : ''}</p>`,
  );
  parts.push(`<figure id="ope">${chartSvg(svg)}<figcaption>Estimate and 95% interval per policy and estimator${s.table ? '; the black rule is the true value' : ''}${s.observed?.reward !== undefined ? "; the grey dashed rule is the logging policy's observed mean reward" : ''}.</figcaption></figure>`);
  // flagged lines (starting '!') in red: they say which estimates not to act on
  const notes = trustNotes(s).map((l) => (l.startsWith('!') ? `<li style="color:#b00000"><b>${esc(l)}</b></li>` : `<li>${esc(l)}</li>`));
  const [head, ...verdicts] = verdictLines(s);
  if (head) parts.push(`<h2>Better than the logging policy?</h2><p class="note">${esc(head)}</p><ul id="verdict">${verdicts.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>`);
  parts.push(`<h2>Can these estimates be trusted?</h2><ul id="trust">${notes.join('')}</ul>`);
  // a true reward column only when a table gave one; the estimator's name aligned as text, like the policy's
  const truth = s.table !== null;
  parts.push(
    `<h2>Estimates</h2><p class="note">Reward, accuracy and energy are means per decision (energy in joules per decision), not totals.</p><div class="wide"><table><tr><th>policy</th><th style="text-align:left">estimator</th><th>reward</th><th>95% CI</th><th>vs logged [95% CI]</th><th style="text-align:left">flags</th><th>accuracy</th><th>J/decision</th>${truth ? '<th>true reward</th>' : ''}<th>ESS / kept</th><th>max weight</th><th>support</th></tr>`,
  );
  const obs = observedRow(s);
  if (obs) {
    parts.push(
      `<tr><td><b>${obs.name}</b></td><td style="text-align:left"><b>${obs.estimator}</b></td><td><b>${fmt(obs.reward, 4)}</b></td><td></td><td></td><td></td><td>${fmt(obs.accuracy, 4)}</td><td>${fmtSmall(obs.energy ?? Number.NaN, 1)}</td>${truth ? `<td>${s.rewardSource === 'table' ? fmt(obs.reward, 4) : ''}</td>` : ''}<td>${obs.n}</td><td></td><td></td></tr>`,
    );
  }
  for (const p of s.policies) {
    for (const r of p.estimates.filter((e) => e.metric === 'reward')) {
      const acc = row(p, 'accuracy', r.estimator);
      const en = row(p, 'energy_j', r.estimator);
      const d = p.diagnostics;
      const flags = flagCell(s, p, r);
      parts.push(
        `<tr><td>${esc(p.name)}</td><td style="text-align:left">${esc(r.estimator)}${p.method === 'replay' && !p.unbiased ? ' (biased: logs not uniform)' : ''}</td><td>${fmt(r.value, 4)}</td><td>[${fmt(r.lo, 4)}, ${fmt(r.hi, 4)}]</td>` +
          `<td style="white-space:nowrap">${diffCell(r)}</td>` +
          `<td style="text-align:left;white-space:nowrap${flags ? ';color:#b00000;font-weight:bold' : ''}">${esc(flags)}</td><td>${fmt(acc?.value, 4)}</td><td>${fmtSmall(en?.value ?? Number.NaN, 1)}</td>${truth ? `<td>${fmt(p.truth?.reward, 4)}</td>` : ''}<td>${p.method === 'replay' ? `kept ${p.kept}` : fmt(d?.ess, 0)}</td><td>${fmt(d?.maxWeight, 2)}</td><td>${fmt(d?.supportShare, 3)}</td></tr>`,
      );
    }
  }
  parts.push('</table></div>');
  parts.push(`<details><summary>summary.json</summary><pre>${esc(opeSummaryJson(s))}</pre></details>`);
  parts.push('</body></html>\n');
  return parts.join('\n');
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
