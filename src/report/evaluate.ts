/**
 * Outputs of `greenserv evaluate --routerbench`: terminal tables, runs.csv / points.csv, the report.html
 * section and the results directory (charts in evaluateCharts.ts).
 */
import type { SweepProtocolBlock } from '../metrics/protocol.js';
import { gapClosedSpec, protocolCsv } from './protocol.js';
import { gapClosedFigure, protocolSectionHtml } from './protocolHtml.js';
import { policyColours } from './palette.js';
import { renderChart } from './render.js';
import { fractionPct as pct, percentText } from './percent.js';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ALL, type ByFamily, type EvaluateSummary, type EvaluationResult } from '../metrics/routerbench.js';
import { toJson } from '../metrics/summary.js';
import type { SweepResult } from '../sim/sweep.js';
import { sweepIndex } from '../sim/sweep.js';
import type { AtomicDir } from '../core/atomic.js';
import { chartFileBase, familySlug, policyLabel, renderEvaluateCharts } from './evaluateCharts.js';
import { fmt, plural, renderTableFit, wrapItems } from './terminalTable.js';
import { energyReportSection } from './energy.js';
import type { EnergyMetrics } from '../metrics/energy.js';
import { csvField, csvNum, escHtml as esc } from '../core/escape.js';
import { chartSvg, reportHead, finishReport } from './html.js';
import { stackColumns } from './htmlColumns.js';

/** The cost axis's unit: USD, or modelled joules per prompt under `--cost energy`. */
function costUnit(s: EvaluateSummary): string {
  return s.reward.cost === 'energy' ? 'J' : 'USD';
}

function costColumn(cost: 'usd' | 'energy'): string {
  return cost === 'energy' ? 'energy_j' : 'cost_usd';
}

// ---------------------------------------------------------------------------------------------- terminal

/**
 * The router and model tables; `width` (a terminal's) drops columns to fit: the families, APGR, the CPTs
 * (the overall AIQ and accuracies stay), and breaks the head lines between items.
 */
export function evaluateTable(s: EvaluateSummary, width = Infinity): string {
  const fams = s.dataset.families.map((f) => f.name);
  const lambdas = s.lambdas.length > 3 ? `${s.lambdas[0]}…${s.lambdas[s.lambdas.length - 1]} (${s.lambdas.length} values)` : s.lambdas.join(', ');
  const pr = s.protocol;
  // under the protocol the table is the test stream; with several splits, the first split's (the protocol table covers all)
  const prompts = pr ? `${s.dataset.queries.toLocaleString('en-US')} test prompts (train ${pr.trainQueries.toLocaleString('en-US')})` : `${s.dataset.queries.toLocaleString('en-US')} prompts`;
  const splitNote = pr && pr.splits > 1 ? `\nsplit 1 of ${pr.splits}: this table, the model table, runs.csv, the charts and summary.json outside "protocol" are its ${s.runs} runs; the protocol table covers all ${pr.splits} splits` : '';
  const head =
    `${s.dataset.name}: ${prompts} × ${s.dataset.models} models · ` +
    `${fams.length} famil${fams.length === 1 ? 'y' : 'ies'} (${s.dataset.families.map((f) => `${f.name} ${f.queries}`).join(', ')})\n` +
    `λ ${lambdas} · ${plural(s.runs, 'run')} · seed ${s.seed} · ${s.semantics} semantics (d = ${s.contexts.d}, features ${s.contexts.features.join(',') || 'none'}) · ` +
    `cost ${s.reward.costScale} min–max per family · AIQ ${s.aiqMode}` +
    splitNote;
  const showFam = fams.length <= 9;
  const cmp = s.published.comparable;
  const headers = ['router', 'AIQ', ...(showFam ? fams : []), 'peak acc', 'avg acc', 'CPT(50%)', 'CPT(80%)', 'APGR', ...(cmp ? ['pub AIQ', 'pub peak', 'pub avg'] : [])];
  const famCells = (a: ByFamily): string[] => (showFam ? fams.map((f) => fmt(a.byFamily[f], 3)) : []);
  const rows: string[][] = [];
  for (const p of s.policies) {
    const pub = s.published.rows.find((r) => r.policy === p.name);
    rows.push([
      p.name,
      fmt(p.aiq.mean, 3),
      ...famCells(p.aiq),
      pct(p.peakAccuracy),
      pct(p.avgAccuracy),
      pctOf(p.cpt50.mean),
      pctOf(p.cpt80.mean),
      fmt(p.apgr.mean, 3),
      ...(cmp ? [fmt(pub?.aiq, 3), pct(pub?.peakAccuracy), pct(pub?.avgAccuracy)] : []),
    ]);
  }
  const z = s.baselines.zeroRouter;
  rows.push(['zero router', fmt(z.aiq.mean, 3), ...famCells(z.aiq), '–', '–', pctOf(z.cpt50.mean), pctOf(z.cpt80.mean), fmt(z.apgr.mean, 3), ...(cmp ? ['', '', ''] : [])]);
  const o = s.baselines.oracle;
  const oq = o.points[ALL]?.quality;
  rows.push(['oracle (hindsight frontier)', fmt(o.aiq.mean, 3), ...famCells(o.aiq), pct(oq), '–', '–', '–', '–', ...(cmp ? ['', '', ''] : [])]);
  rows.push(['oracle point', fmt(o.pointAiq.mean, 3), ...famCells(o.pointAiq), pct(oq), '–', '–', '–', '–', ...(cmp ? ['', '', ''] : [])]);
  const right = headers.map((_, j) => j > 0);
  // the family columns go together: a table with some families and not others reads as if those were all
  const famCols = (first: number): number[][] => (showFam ? [fams.map((_, k) => first + k)] : []);
  const at = (h: string): number => headers.lastIndexOf(h);
  const drop = [...famCols(2), at('APGR'), at('CPT(80%)'), at('CPT(50%)'), ...(cmp ? [at('pub avg'), at('pub peak')] : [])];
  const main = renderTableFit(headers, rows, right, width, drop);

  const mHeaders = ['model', `cost/prompt (${costUnit(s)})`, 'quality', 'AIQ', ...(showFam ? fams.map((f) => `${f} q`) : [])];
  const mRows = s.baselines.models.map((m) => [
    m.id,
    fmt(m.points[ALL]?.cost, s.reward.cost === 'energy' ? 2 : 6),
    fmt(m.points[ALL]?.quality, 4),
    fmt(m.aiq.mean, 3),
    ...(showFam ? fams.map((f) => fmt(m.points[f]?.quality, 3)) : []),
  ]);
  const models = renderTableFit(mHeaders, mRows, mHeaders.map((_, j) => j > 0), width, famCols(4));
  const note = `${cmp ? 'published (GreenServ Table 1' : 'published GreenServ Table 1 numbers not shown'}: ${s.published.note}${cmp ? ')' : ''}`;
  return `${wrapItems(head, width)}\n${wrapItems(note, width)}\n\n${main}\n\n${models}\n`;
}

/** CPT: already in percent. */
const pctOf = (x: number | null): string => percentText(x);

// ---------------------------------------------------------------------------------------------- CSV

function evaluateRunsCsv(s: SweepResult, cost: 'usd' | 'energy' = 'usd'): string {
  const lines = [`policy,lambda,run,seed,family,queries,${costColumn(cost)},quality,misses`];
  const K = s.tasks.length + 1;
  for (let p = 0; p < s.policyNames.length; p++) {
    for (let l = 0; l < s.lambdas.length; l++) {
      for (let r = 0; r < s.runs; r++) {
        for (let k = 0; k < K; k++) {
          const i = sweepIndex(s, l, p, r, k);
          lines.push(
            [csvField(s.policyNames[p]), s.lambdas[l], r, s.runSeeds[r], csvField(k < K - 1 ? s.tasks[k] : ALL), s.taskQueries[k], csvNum(s.cost[i]), csvNum(s.quality[i]), s.misses[i]].join(','),
          );
        }
      }
    }
  }
  return lines.join('\n') + '\n';
}

/** Every plotted point: policies (run means per λ), single models, the oracle point and the zero router's hull vertices. */
function evaluatePointsCsv(s: EvaluateSummary): string {
  const lines = [`router,kind,lambda,family,${costColumn(s.reward.cost)},quality`];
  for (const p of s.policies) {
    for (const pt of p.points) lines.push([csvField(p.name), 'policy', pt.lambda, csvField(pt.family), csvNum(pt.cost), csvNum(pt.quality)].join(','));
  }
  for (const m of s.baselines.models) {
    for (const [f, pt] of Object.entries(m.points)) lines.push([csvField(m.id), 'model', '', csvField(f), csvNum(pt.cost), csvNum(pt.quality)].join(','));
  }
  for (const [f, pt] of Object.entries(s.baselines.oracle.points)) lines.push(['oracle', 'oracle', '', csvField(f), csvNum(pt.cost), csvNum(pt.quality)].join(','));
  for (const [f, hull] of Object.entries(s.baselines.zeroRouter.hull)) {
    for (const v of hull) lines.push([csvField(`zero-router:${v.model}`), 'zero-router-hull', '', csvField(f), csvNum(v.cost), csvNum(v.quality)].join(','));
  }
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------- HTML

/**
 * Eval families the router and model tables of report.html show as columns of their own: two fit an 800-px
 * window (half a laptop screen). With more (the full RouterBench has nine), the per-family columns leave those
 * tables for stacked tables of their own, the row labels repeated in each (familyTablesHtml).
 */
export const EVALUATE_FAMILIES_INLINE = 2;
/** `AIQ <family>` columns per stacked router table: nine families are two tables (5 and 4). */
export const EVALUATE_AIQ_FAMILIES_PER_TABLE = 5;
/** `<family> cost / quality` columns per stacked model table (wider cells, longer model ids): nine are three tables of 3. */
export const EVALUATE_MODEL_FAMILIES_PER_TABLE = 3;

/**
 * Per-family columns as stacked tables: the label column (its header `label`, its cells HTML) in every one, at
 * most `most` of the others (headers plain text, cells HTML) beside it, each table in a .wide box. `compact`:
 * the router table's smaller type, its labels wrapping; otherwise the model table's, labels on one line.
 */
function familyTablesHtml(label: string, headers: string[], rows: { label: string; cells: string[] }[], most: number, compact: boolean): string[] {
  const text = compact ? ' class="text"' : '';
  return stackColumns([label, ...headers], rows.map((r) => [r.label, ...r.cells]), 1, most).map(
    (t) =>
      `<div class="wide"><table${compact ? ' class="compact"' : ''}><tr><th${text}>${esc(t.headers[0])}</th>${t.headers.slice(1).map((h) => `<th>${esc(h)}</th>`).join('')}</tr>\n` +
      t.rows.map((r) => `<tr><td${text}>${r[0]}</td>${r.slice(1).map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n') +
      '</table></div>',
  );
}

/** A model's cost / quality on one family, as the model tables show it. */
function familyPoint(m: EvaluateSummary['baselines']['models'][number], f: string): string {
  return `${fmt(m.points[f]?.cost, 6)} / ${fmt(m.points[f]?.quality, 3)}`;
}

/** A router's name in the report: its label, and the policy's own name after it when that differs (`LinUCB (linucb)`). */
function routerCell(name: string): string {
  const label = policyLabel(name);
  return label === name ? esc(name) : `${esc(label)} <span class="note">(${esc(name)})</span>`;
}

/**
 * The report.html section of an evaluation. Charts are inlined when their SVG text is given (family →
 * SVG), otherwise referenced as charts/cost-quality-<family>.svg beside report.html.
 */
export function evaluateReportSection(s: EvaluateSummary, charts?: Record<string, string> | Map<string, string>): string {
  const svgOf = (f: string): string | undefined => (charts instanceof Map ? charts.get(f) : charts?.[f]);
  const fams = s.dataset.families.map((f) => f.name);
  const parts: string[] = [];
  parts.push('<section id="evaluate-routerbench">');
  parts.push('<h2>RouterBench evaluation: AIQ, accuracy and cost</h2>');
  parts.push(
    `<p class="note">Dataset <b>${esc(s.dataset.name)}</b>${s.dataset.source ? ` (${esc(s.dataset.source)})` : ''}: ${s.dataset.queries.toLocaleString('en-US')} prompts × ${s.dataset.models} models, ` +
      `${fams.length} eval famil${fams.length === 1 ? 'y' : 'ies'}; sha256 ${esc(s.dataset.sha256.slice(0, 12))}…. ` +
      `λ ∈ {${s.lambdas.join(', ')}}, ${s.runs} runs from seed ${s.seed}, ${esc(s.semantics)} semantics, contexts ${esc(s.contexts.features.join(', ') || 'bias only')} (d = ${s.contexts.d}). ` +
      `Reward (1−λ)·quality + λ·(1 − cost), cost min–max normalised per family on a ${esc(s.reward.costScale)} scale. AIQ mode: ${esc(s.aiqMode)}.` +
      (s.dataset.missingCells > 0 ? ` ${s.dataset.missingCells} (prompt, model) cells are missing; a policy choosing one scores quality 0 at cost 0.` : '') +
      '</p>',
  );
  parts.push(`<p class="note">${s.published.comparable ? 'Published figures (GreenServ Table 1) shown beside ours' : 'Published figures (GreenServ Table 1) not shown'}: ${esc(s.published.note)}.</p>`);
  const cmp = s.published.comparable;
  // up to EVALUATE_FAMILIES_INLINE families: their columns in the router and model tables; more: in stacked tables after each
  const inline = fams.length <= EVALUATE_FAMILIES_INLINE;
  const shown = inline ? fams : [];
  // the router's name wraps (class text) so that nine number columns fit an 800-px window; a table still wider
  // (long family names) scrolls inside the page rather than run off it
  parts.push(
    `<div class="wide"><table class="compact"><tr><th class="text" style="width:30%">router</th><th>AIQ (mean)</th>${shown.map((f) => `<th>AIQ ${esc(f)}</th>`).join('')}<th>peak accuracy (λ)</th><th>average accuracy</th>` +
      `<th>CPT(50%)</th><th>CPT(80%)</th><th>APGR</th>${cmp ? '<th>published AIQ / peak / avg</th>' : ''}</tr>`,
  );
  for (const p of s.policies) {
    const pub = s.published.rows.find((r) => r.policy === p.name);
    parts.push(
      `<tr><td class="text">${routerCell(p.name)}</td><td>${fmt(p.aiq.mean, 3)}</td>${shown.map((f) => `<td>${fmt(p.aiq.byFamily[f], 3)}</td>`).join('')}` +
        `<td>${pct(p.peakAccuracy)} (${p.peakLambda})</td><td>${pct(p.avgAccuracy)}</td><td>${pctOf(p.cpt50.mean)}</td><td>${pctOf(p.cpt80.mean)}</td><td>${fmt(p.apgr.mean, 3)}</td>` +
        (cmp ? `<td>${pub ? `${fmt(pub.aiq, 3)} / ${pct(pub.peakAccuracy)} / ${pct(pub.avgAccuracy)}` : '–'}</td>` : '') +
        '</tr>',
    );
  }
  const z = s.baselines.zeroRouter;
  const o = s.baselines.oracle;
  const blank = cmp ? '<td></td>' : '';
  parts.push(
    `<tr><td class="text">zero router (single models and their mixtures)</td><td>${fmt(z.aiq.mean, 3)}</td>${shown.map((f) => `<td>${fmt(z.aiq.byFamily[f], 3)}</td>`).join('')}` +
      `<td>–</td><td>–</td><td>${pctOf(z.cpt50.mean)}</td><td>${pctOf(z.cpt80.mean)}</td><td>${fmt(z.apgr.mean, 3)}</td>${blank}</tr>`,
  );
  parts.push(
    `<tr><td class="text">oracle, hindsight frontier</td><td>${fmt(o.aiq.mean, 3)}</td>${shown.map((f) => `<td>${fmt(o.aiq.byFamily[f], 3)}</td>`).join('')}` +
      `<td>${pct(o.points[ALL]?.quality)}</td><td>–</td><td>–</td><td>–</td><td>–</td>${blank}</tr>`,
  );
  parts.push(
    `<tr><td class="text">oracle point (best quality, cheapest among ties)</td><td>${fmt(o.pointAiq.mean, 3)}</td>${shown.map((f) => `<td>${fmt(o.pointAiq.byFamily[f], 3)}</td>`).join('')}` +
      `<td>${pct(o.points[ALL]?.quality)}</td><td>–</td><td>–</td><td>–</td><td>–</td>${blank}</tr>`,
  );
  parts.push('</table></div>');
  if (!inline) {
    parts.push(`<p class="note">AIQ per eval family (${fams.length} families):</p>`);
    const aiqRows = [
      ...s.policies.map((p) => ({ label: routerCell(p.name), aiq: p.aiq })),
      { label: 'zero router (single models and their mixtures)', aiq: z.aiq },
      { label: 'oracle, hindsight frontier', aiq: o.aiq },
      { label: 'oracle point (best quality, cheapest among ties)', aiq: o.pointAiq },
    ];
    parts.push(
      ...familyTablesHtml(
        'router',
        fams.map((f) => `AIQ ${f}`),
        aiqRows.map((r) => ({ label: r.label, cells: fams.map((f) => fmt(r.aiq.byFamily[f], 3)) })),
        EVALUATE_AIQ_FAMILIES_PER_TABLE,
        true,
      ),
    );
  }
  parts.push(
    '<p class="note">AIQ: area under the router\'s non-decreasing convex hull of (mean cost, mean quality) points over the family\'s cost range, divided by the range ' +
      '(RouterBench §3; in routerbench-code mode as its published script computes it), averaged over families. Peak / average accuracy: highest / mean accuracy over all prompts across the λ grid. ' +
      'CPT(x%): cost, as a share of the cost gap between the family\'s cheapest and best single model, at which the hull recovers x% of their quality gap; APGR: the average share recovered (RouteLLM).</p>',
  );
  parts.push(
    `<div class="wide"><table><tr><th>model</th><th>cost per prompt (${costUnit(s)})</th><th>quality</th><th>AIQ</th>${shown.map((f) => `<th>${esc(f)} cost / quality</th>`).join('')}</tr>`,
  );
  for (const m of s.baselines.models) {
    parts.push(
      `<tr><td>${esc(m.id)}</td><td>${fmt(m.points[ALL]?.cost, 6)}</td><td>${fmt(m.points[ALL]?.quality, 4)}</td><td>${fmt(m.aiq.mean, 3)}</td>` +
        `${shown.map((f) => `<td>${familyPoint(m, f)}</td>`).join('')}</tr>`,
    );
  }
  parts.push('</table></div>');
  if (!inline) {
    parts.push(`<p class="note">Cost per prompt (${costUnit(s)}) / quality per eval family:</p>`);
    parts.push(
      ...familyTablesHtml(
        'model',
        fams.map((f) => `${f} cost / quality`),
        s.baselines.models.map((m) => ({ label: esc(m.id), cells: fams.map((f) => familyPoint(m, f)) })),
        EVALUATE_MODEL_FAMILIES_PER_TABLE,
        false,
      ),
    );
  }
  for (const f of fams) {
    const svg = svgOf(f);
    // given charts but none for this family (charts off): no figure
    if (charts !== undefined && svg === undefined) continue;
    // inline charts on the text scale of every other report (chartSvg), within the page's width
    const body = svg ? chartSvg(svg) : `<img src="${esc(chartFileBase(f))}.svg" alt="cost–quality chart of ${esc(f)}">`;
    parts.push(`<figure id="evaluate-${esc(familySlug(f))}">${body}<figcaption>${esc(f)}: single models (squares), the oracle point (diamond), each policy's λ points (a shape per policy) and the hulls AIQ integrates (a dash per router).</figcaption></figure>`);
  }
  parts.push('</section>');
  return parts.join('\n');
}

/** The energy section under `--cost energy` (summary.json's `energy` block), else nothing. */
function energyOf(s: EvaluateSummary): string {
  const e = (s as EvaluateSummary & { energy?: { metrics: EnergyMetrics; energyModel: { gpu: string; batch: number } } }).energy;
  return e ? `${energyReportSection(e.metrics, e.energyModel)}\n` : '';
}

/** A standalone report.html holding the evaluation section. */
export function evaluateReportHtml(s: EvaluateSummary, charts?: Map<string, string>, protocolHtml = ''): string {
  return finishReport(
    `<!doctype html><html lang="en"><head>${reportHead(`greenserv evaluate: ${s.dataset.name}`)}</head><body>\n` +
      `<h1>greenserv evaluate --routerbench</h1>\n${protocolHtml}${evaluateReportSection(s, charts)}\n${energyOf(s)}</body></html>\n`,
  );
}

/** The protocol's section of report.html: its tables and the gap-closed chart. */
function protocolSection(p: SweepProtocolBlock, svg: string | null): string {
  return protocolSectionHtml(p, { figure: svg ? gapClosedFigure(chartSvg(svg)) : null, note: `Points, charts and tables below are those of ${p.splits > 1 ? `the first split's test stream (of ${p.splits})` : 'the test stream'}.` });
}

// ---------------------------------------------------------------------------------------------- directory

interface EvaluateManifest {
  schemaVersion: number;
  command: 'evaluate';
  greenserv: string;
  node: string;
  dataset: { name: string; sha256: string; source: string; files: string[] };
  config: Record<string, unknown>;
  runSeeds: number[];
  files: string[];
}

function put(dir: AtomicDir, name: string, data: string | Uint8Array): void {
  mkdirSync(dirname(dir.path(name)), { recursive: true });
  dir.write(name, data);
}

/** Write summary.json, runs.csv, points.csv, charts/*.svg|png, report.html and manifest.json. Returns the file names. */
export async function writeEvaluateOutputs(
  dir: AtomicDir,
  r: EvaluationResult,
  sweep: SweepResult,
  manifest: Omit<EvaluateManifest, 'files'>,
  opts: { charts?: boolean; extra?: Record<string, string> } = {},
): Promise<string[]> {
  const files: string[] = [];
  const w = (name: string, data: string | Uint8Array): void => {
    put(dir, name, data);
    files.push(name);
  };
  w('summary.json', toJson(r.summary));
  w('runs.csv', evaluateRunsCsv(sweep, r.summary.reward.cost));
  w('points.csv', evaluatePointsCsv(r.summary));
  const svgs = new Map<string, string>();
  if (opts.charts !== false) {
    const charts = await renderEvaluateCharts(r);
    for (const [f, c] of charts) {
      w(`${chartFileBase(f)}.svg`, c.svg);
      w(`${chartFileBase(f)}.png`, c.png);
      svgs.set(f, c.svg);
    }
  }
  const pr = r.summary.protocol;
  let protocolHtml = '';
  if (pr) {
    w('protocol.csv', protocolCsv(pr));
    let svg: string | null = null;
    if (opts.charts !== false) {
      const c = await renderChart(gapClosedSpec(pr, policyColours(pr.policies.map((x) => ({ label: x.name, policy: x.name }))), `Gap closed vs train-best-static on the test stream, λ = ${pr.lambda}`), 2, 'gap-closed');
      w('charts/gap-closed.svg', c.svg);
      w('charts/gap-closed.png', c.png);
      svg = c.svg;
    }
    protocolHtml = protocolSection(pr, svg);
  }
  w('report.html', evaluateReportHtml(r.summary, opts.charts !== false ? svgs : undefined, protocolHtml));
  for (const [name, data] of Object.entries(opts.extra ?? {})) w(name, data);
  files.push('manifest.json');
  put(dir, 'manifest.json', toJson({ ...manifest, files } satisfies EvaluateManifest));
  return files;
}
