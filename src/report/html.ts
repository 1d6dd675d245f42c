/** report.html: one self-contained file (inline SVG and CSS, no script, no network). */
import { escHtml as esc } from '../core/escape.js';
import { fmt, plural } from './terminalTable.js';
import type { ExperimentSummary } from '../metrics/experiment.js';
import type { FigureTable } from './chartsScenario.js';
import { gapClosedFigure, protocolSectionHtml } from './protocolHtml.js';
import { chartReading } from './captions.js';



function pFmt(p: number): string {
  return p < 0.001 ? p.toExponential(2) : p.toFixed(4);
}

/**
 * Every table of the reports has one header row, so each <th> heads its column; saying so (scope="col") lets
 * screen readers announce the header with each cell without guessing.
 */
export function scopeHeaders(html: string): string {
  return html.replace(/<th(?=[\s>])(?![^>]*\sscope=)/g, '<th scope="col"');
}

/** Strip the XML prolog so an SVG can be inlined in HTML. */
export function inlineSvg(svg: string): string {
  return svg.replace(/^<\?xml[^>]*>\s*/, '');
}

/** Narrowest a chart is drawn (px): below it, a wide chart's 11 px text would shrink past reading (under 8 px). */
const CHART_MIN_WIDTH = 640;
/** Share of its own width a chart keeps at least: 640 px of a 914-px chart, so wider ones (a two-panel heatmap) read as well. */
const CHART_MIN_SHARE = 0.7;

/**
 * Charts share one text scale (1.25× their pixel size) and stop at the content width, which the wide ones fill;
 * in a narrower window a chart keeps CHART_MIN_WIDTH (or 0.7 of a wider chart's width) and its figure scrolls sideways.
 */
export function chartSvg(svg: string): string {
  const inl = inlineSvg(svg);
  const w = /^<svg[^>]*\swidth="([\d.]+)"/.exec(inl);
  if (!w) return inl;
  const px = Math.round(Number(w[1]) * 1.25);
  const min = Math.min(px, Math.max(CHART_MIN_WIDTH, Math.round(Number(w[1]) * CHART_MIN_SHARE)));
  return inl.replace(/^<svg/, `<svg style="width:${px}px;min-width:${min}px"`) + scrollHint(min);
}

/** Body padding (2 × 1em at 16 px): the figure is the window less this, so a chart of min-width w scrolls below w + 32 px. */
const PAGE_PADDING = 32;

/** A line under a chart, shown (finishReport's rules) only in a window too narrow for it, where phones hide the scroll bar. */
function scrollHint(min: number): string {
  return `<span class="scroll-hint sh${min}" aria-hidden="true">← scroll sideways for the whole chart →</span>`;
}

/**
 * The last pass over a report: header scopes (scopeHeaders) and, per chart width in it, the rule showing its
 * scroll hint in windows narrower than the chart (media queries cannot read a chart's width, so one rule per width).
 */
export function finishReport(html: string): string {
  const rules = hintRules([html]);
  return scopeHeaders(rules ? html.replace('</style>', `${rules}</style>`) : html);
}

function hintRules(parts: readonly string[]): string {
  const widths = [...new Set(parts.flatMap((s) => [...s.matchAll(/class="scroll-hint sh(\d+)"/g)].map((m) => Number(m[1]))))].sort((a, b) => a - b);
  return widths.map((w) => `@media (max-width:${w + PAGE_PADDING - 1}px){.sh${w}{display:block}}`).join('');
}

/** finishReport(parts.join('')) part by part, for parts that split no tag (each whole lines of a report). */
export function* finishReportParts(parts: readonly string[]): Generator<string> {
  const rules = hintRules(parts);
  let styled = !rules;
  for (const s of parts) {
    // the rules go before the first </style>, as in the whole
    if (!styled && s.includes('</style>')) {
      styled = true;
      yield scopeHeaders(s.replace('</style>', `${rules}</style>`));
    } else yield scopeHeaders(s);
  }
}

/** The head of every report: UTF-8, laid out at the device's width (a phone would otherwise draw a 980-px page), title and style. */
export function reportHead(title: string): string {
  return `<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title><style>${REPORT_CSS}</style>`;
}

/**
 * Tables keep within the page: compact cells, numbers on one line, text cells (class text) wrapping between
 * words; a .wide container scrolls only a table still wider than a narrow window, with its first column and
 * its caption (wrapping at the window's width) in view.
 */
export const REPORT_CSS = `body{font-family:"DejaVu Sans",Lato,Arial,sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#222;line-height:1.4}
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:1em 0;font-size:.85em}th,td{border:1px solid #ddd;padding:.25em .45em;text-align:right}td{white-space:nowrap}
th{background:#f4f4f4;vertical-align:bottom}td:first-child,th:first-child{text-align:left;white-space:nowrap}.note{color:#555;font-size:.9em}
td.text,th.text{white-space:normal;text-align:left}.nobr{white-space:nowrap}
table.profile,table.compact{font-size:.8em}table.profile td.text{width:16em;min-width:16em}caption{text-align:left;font-weight:bold;padding:.2em 0}tr.ref td{font-style:italic;border-top:2px solid #bbb}
.wide{overflow-x:auto}.wide td:first-child{position:sticky;left:0;background:#fff}.wide th:first-child{position:sticky;left:0}
.wide caption{position:sticky;left:0;width:max-content;max-width:min(100%,calc(100vw - 2rem))}
figure{margin:1.5em 0;overflow-x:auto}.scroll-hint{display:none;position:sticky;left:0;width:max-content;font-size:.8em;color:#666}figure svg{display:block;max-width:100%;height:auto}figcaption{font-size:.9em;color:#444}
details{margin:1em 0}summary{cursor:pointer;font-weight:bold}details details summary{font-weight:normal}
pre{background:#f7f7f7;padding:1em;font-size:.8em;white-space:pre-wrap;overflow-wrap:anywhere}
.sig{font-weight:bold}`;

export interface ReportInput {
  summary: ExperimentSummary;
  charts: { name: string; title: string; svg: string; tables?: FigureTable[] }[];
  configText: string;
  manifest: unknown;
  /** Extra HTML sections (e.g. a model profile) after the results. */
  extraSections?: string[];
  /** Heading of the configuration block (default "Configuration"). */
  configTitle?: string;
  /** Under the train/test protocol: what the charts and tables after its section describe. */
  protocolNote?: string;
  /** Files of the results directory holding the charts' numbers, named under the Charts heading. */
  dataFiles?: { file: string; what: string }[];
}

/** A percentage with its sign: +1.7%, −0.4%, 0.0%. */
export function signedPct(x: number): string {
  if (!Number.isFinite(x)) return '–';
  const v = x.toFixed(1);
  if (Number(v) === 0) return '0.0%';
  return x > 0 ? `+${v}%` : `−${v.slice(1)}%`;
}

/** "2 of 45 pairs differ", "1 of 3 pairs differs", "the pair does not differ". */
function pairsDiffer(k: number, n: number): string {
  if (n === 1) return `the pair ${k ? 'differs' : 'does not differ'}`;
  return `${k} of ${n} pairs ${k === 1 ? 'differs' : 'differ'}`;
}

function resultsTable(s: ExperimentSummary, lambda: number): string {
  const parts: string[] = [];
  parts.push('<div class="wide"><table><tr><th>policy</th><th>final regret (mean ± sd)</th><th>95% CI</th><th>accuracy</th><th>energy (Wh)</th><th>mean reward</th></tr>');
  for (const c of s.cells.filter((x) => x.lambda === lambda)) {
    parts.push(
      `<tr><td>${esc(c.label)}</td><td>${fmt(c.finalRegret.mean, 2)} ± ${fmt(c.finalRegret.sd, 2)}</td><td>[${fmt(c.finalRegret.ci95[0], 1)}, ${fmt(c.finalRegret.ci95[1], 1)}]</td>` +
        `<td>${fmt(c.accuracy.mean, 4)}</td><td>${fmt(c.energyWh.mean, 1)} ± ${fmt(c.energyWh.sd, 1)}</td><td>${fmt(c.reward.mean, 4)}</td></tr>`,
    );
  }
  parts.push('</table></div>');
  const sig = s.significance.filter((p) => p.lambda === lambda);
  if (sig.length) {
    parts.push(
      `<details><summary>Pairwise Mann–Whitney U on final regret (two-sided, Benjamini–Hochberg corrected, α = 0.05): ${pairsDiffer(sig.filter((p) => p.significant).length, sig.length)}</summary><div class="wide"><table><tr><th>pair</th><th>U</th><th>p</th><th>p (BH)</th><th>method</th></tr>`,
    );
    for (const p of sig) {
      parts.push(`<tr${p.significant ? ' class="sig"' : ''}><td>${esc(p.a)} vs ${esc(p.b)}</td><td>${fmt(p.u, 1)}</td><td>${pFmt(p.p)}</td><td>${pFmt(p.pAdjusted)}</td><td>${p.method}</td></tr>`);
    }
    parts.push('</table></div></details>');
  }
  return parts.join('\n');
}

/** A chart's numbers as a table under it: text in the first column, numbers right-aligned; references set apart. */
export function figureTable(t: FigureTable): string {
  const cls = (j: number): string => (t.text?.includes(j) ? ' class="text"' : '');
  const row = (cells: string[], tr = ''): string => `<tr${tr}>${cells.map((c, j) => `<td${cls(j)}>${esc(c)}</td>`).join('')}</tr>`;
  return (
    `<div class="wide"><table class="figtable"><caption>${esc(t.caption)}</caption><tr>${t.headers.map((h, j) => `<th${cls(j)}>${esc(h)}</th>`).join('')}</tr>` +
    t.rows.map((r) => row(r)).join('') +
    (t.refRows ?? []).map((r) => row(r, ' class="ref"')).join('') +
    '</table></div>'
  );
}

/** The λ whose table heads the report: the only one, else the one nearest 0.5. */
function headlineLambda(lambdas: number[]): number {
  return lambdas.reduce((b, l) => (Math.abs(l - 0.5) < Math.abs(b - 0.5) ? l : b), lambdas[0]);
}

/**
 * Under the train/test protocol its section first; then the charts and the headline table; long tables,
 * configuration and manifest collapsed.
 */
export function experimentReport(inp: ReportInput): string {
  const s = inp.summary;
  const parts: string[] = [];
  parts.push(`<!doctype html><html lang="en"><head>${reportHead(s.title ?? s.name)}</head><body>`);
  parts.push(`<h1>${esc(s.title ?? s.name)}</h1>`);
  parts.push(
    `<p class="note">Dataset <b>${esc(s.dataset.name)}</b> (${plural(s.dataset.queries, 'query', 'queries')} × ${plural(s.dataset.models, 'model')}, sha256 ${s.dataset.sha256.slice(0, 12)}…) · ` +
      `${s.runs} runs from seed ${s.seed} · ${esc(s.semantics)} semantics · oracle over the ${s.oracle === 'pool' ? 'current' : esc(s.oracle)} pool · λ ∈ {${s.lambdas.join(', ')}}</p>`,
  );
  let charts = inp.charts;
  const pr = s.protocol;
  if (pr) {
    // the protocol's table and its gap-closed chart head the report, as in evaluate's
    const gap = charts.find((c) => c.name === 'gap-closed');
    charts = charts.filter((c) => c !== gap);
    const note = inp.protocolNote ?? `The charts and tables below describe the ${pr.testQueries}-query test stream.`;
    parts.push(protocolSectionHtml(pr, { figure: gap ? gapClosedFigure(chartSvg(gap.svg)) : null, note }));
  }
  if (charts.length) {
    parts.push('<h2>Charts</h2>');
    // a chart's numbers in text for those who cannot read it: the files beside report.html, named rather than
    // linked, as the page links nothing outside itself
    const data = inp.dataFiles ?? [];
    if (data.length) parts.push(`<p class="note">The numbers behind the charts are in the files beside this page: ${data.map((d) => `<code>${esc(d.file)}</code> (${esc(d.what)})`).join(', ')}.</p>`);
    for (const c of charts) {
      // the title names the chart; the reading says what it shows to someone who does not know the terms
      const reading = chartReading(c.name);
      parts.push(`<figure id="${esc(c.name)}">${chartSvg(c.svg)}<figcaption>${esc(c.title)}${reading ? `. ${esc(reading)}` : ''}</figcaption>${(c.tables ?? []).map(figureTable).join('')}</figure>`);
    }
  }
  if (s.lambdas.length) {
    const head = headlineLambda(s.lambdas);
    parts.push(`<h2>Results at λ = ${head}</h2>`);
    parts.push(resultsTable(s, head));
    if (s.lambdas.length > 1) {
      parts.push(`<details><summary>Results at every λ (${s.lambdas.length} tables)</summary>`);
      for (const lambda of s.lambdas) parts.push(`<h3>λ = ${lambda}</h3>`, resultsTable(s, lambda));
      parts.push('</details>');
    }
  }
  if (s.comparison && s.comparison.rows.length) {
    parts.push(
      `<h2>Published figures</h2><p class="note">Source: ${esc(s.comparison.source)} (reference semantics: ${esc(s.comparison.semantics)}). ` +
        `Ours come from the built-in replica, which is calibrated on per-model aggregates only; gaps are expected and reported as they are.</p>` +
        `<details><summary>Ours vs published: ${s.comparison.rows.length} figures</summary>` +
        `<div class="wide"><table><tr><th>policy</th><th>λ</th><th>metric</th><th>ours</th><th>published</th><th>gap</th></tr>`,
    );
    for (const r of s.comparison.rows) {
      parts.push(`<tr><td>${esc(r.label)}</td><td>${r.lambda}</td><td>${r.metric}</td><td>${fmt(r.ours, 4)}</td><td>${fmt(r.published, 4)}</td><td>${signedPct(r.gapPct)}</td></tr>`);
    }
    parts.push('</table></div></details>');
  }
  for (const extra of inp.extraSections ?? []) parts.push(extra);
  parts.push(`<details><summary>${esc(inp.configTitle ?? 'Configuration')}</summary><pre>${esc(inp.configText)}</pre></details>`);
  parts.push(`<details><summary>Manifest</summary><pre>${esc(JSON.stringify(inp.manifest, null, 2))}</pre></details>`);
  parts.push('</body></html>\n');
  return finishReport(parts.join('\n'));
}
