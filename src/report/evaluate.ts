/**
 * Outputs of `greenserv evaluate --routerbench`: terminal tables, runs.csv / points.csv, one cost–quality
 * chart per eval family (SVG + PNG) with every router's non-decreasing hull, the report.html section and
 * the results directory.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import type { CostQuality } from '../metrics/aiq.js';
import { ALL, type ByFamily, type EvaluateSummary, type EvaluationResult, type FamilyCurves } from '../metrics/routerbench.js';
import { toJson } from '../metrics/summary.js';
import type { SweepResult } from '../sim/sweep.js';
import { sweepIndex } from '../sim/sweep.js';
import type { AtomicDir } from './atomic.js';
import { renderChart, type RenderedChart } from './render.js';
import { fmt, renderTable } from './terminalTable.js';

function pct(x: number | null | undefined, d = 1): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : `${(100 * x).toFixed(d)}%`;
}

function csvNum(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '' : String(x);
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** `mistralai/mixtral-8x7b-chat` → `mixtral-8x7b-chat`: chart labels and narrow columns. */
export function shortModel(id: string): string {
  const s = id.lastIndexOf('/');
  return s >= 0 ? id.slice(s + 1) : id;
}

/** File-name-safe family name. */
export function familySlug(f: string): string {
  return f.toLowerCase().replace(/[^a-z0-9._-]+/g, '_') || 'family';
}

export function chartFileBase(f: string): string {
  return `charts/cost-quality-${familySlug(f)}`;
}

const POLICY_LABELS: Record<string, string> = {
  'linear-epsilon-greedy': 'ε-greedy (contextual)',
  'epsilon-greedy': 'ε-greedy',
  linucb: 'LinUCB',
  thompson: 'Thompson sampling',
  random: 'random',
};

export function policyLabel(name: string): string {
  return POLICY_LABELS[name] ?? name;
}

// ---------------------------------------------------------------------------------------------- terminal

export function evaluateTable(s: EvaluateSummary): string {
  const fams = s.dataset.families.map((f) => f.name);
  const lambdas = s.lambdas.length > 3 ? `${s.lambdas[0]}…${s.lambdas[s.lambdas.length - 1]} (${s.lambdas.length} values)` : s.lambdas.join(', ');
  const head =
    `${s.dataset.name}: ${s.dataset.queries.toLocaleString('en-US')} prompts × ${s.dataset.models} models · ` +
    `${fams.length} famil${fams.length === 1 ? 'y' : 'ies'} (${s.dataset.families.map((f) => `${f.name} ${f.queries}`).join(', ')})\n` +
    `λ ${lambdas} · ${s.runs} runs · seed ${s.seed} · ${s.semantics} semantics (d = ${s.contexts.d}, features ${s.contexts.features.join(',') || 'none'}) · ` +
    `cost ${s.reward.costScale} min–max per family · AIQ ${s.aiqMode}`;
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
  const main = renderTable(headers, rows, right);

  const mHeaders = ['model', 'cost/prompt (USD)', 'quality', 'AIQ', ...(showFam ? fams.map((f) => `${f} q`) : [])];
  const mRows = s.baselines.models.map((m) => [
    m.id,
    fmt(m.points[ALL]?.cost, 6),
    fmt(m.points[ALL]?.quality, 4),
    fmt(m.aiq.mean, 3),
    ...(showFam ? fams.map((f) => fmt(m.points[f]?.quality, 3)) : []),
  ]);
  const models = renderTable(mHeaders, mRows, mHeaders.map((_, j) => j > 0));
  const note = `${cmp ? 'published (GreenServ Table 1' : 'published GreenServ Table 1 numbers not shown'}: ${s.published.note}${cmp ? ')' : ''}`;
  return `${head}\n${note}\n\n${main}\n\n${models}\n`;
}

function pctOf(x: number | null): string {
  return x === null || !Number.isFinite(x) ? '–' : `${x.toFixed(1)}%`;
}

// ---------------------------------------------------------------------------------------------- CSV

export function evaluateRunsCsv(s: SweepResult): string {
  const lines = ['policy,lambda,run,seed,family,queries,cost_usd,quality,misses'];
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
export function evaluatePointsCsv(s: EvaluateSummary): string {
  const lines = ['router,kind,lambda,family,cost_usd,quality'];
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

// ---------------------------------------------------------------------------------------------- charts

/** At most `max` vertices, evenly spread in log cost (first and last kept): a drawing aid only. */
export function thinHull(h: readonly CostQuality[], max = 240): CostQuality[] {
  if (h.length <= max) return [...h];
  const lo = Math.log(Math.max(h[0].cost, 1e-12));
  const hi = Math.log(Math.max(h[h.length - 1].cost, 1e-12));
  const step = (hi - lo) / (max - 1);
  const out: CostQuality[] = [h[0]];
  let last = lo;
  for (let i = 1; i < h.length - 1; i++) {
    const x = Math.log(Math.max(h[i].cost, 1e-12));
    if (x - last >= step) {
      out.push(h[i]);
      last = x;
    }
  }
  out.push(h[h.length - 1]);
  return out;
}

/**
 * Polyline of a hull on a log cost axis: straight segments in linear cost are sampled geometrically so they
 * draw as the curves they are; then flat to `right` (AIQ counts the hull as flat beyond its last vertex).
 */
export function hullPolyline(h: readonly CostQuality[], right: number, perSegment = 12): CostQuality[] {
  const out: CostQuality[] = [];
  for (let i = 0; i < h.length; i++) {
    if (i > 0) {
      const a = h[i - 1];
      const b = h[i];
      if (a.cost > 0 && b.cost > a.cost) {
        for (let j = 1; j < perSegment; j++) {
          const c = a.cost * Math.pow(b.cost / a.cost, j / perSegment);
          out.push({ cost: c, quality: a.quality + ((b.quality - a.quality) * (c - a.cost)) / (b.cost - a.cost) });
        }
      }
    }
    out.push(h[i]);
  }
  const last = h[h.length - 1];
  if (last && right > last.cost) out.push({ cost: right, quality: last.quality });
  return out;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22'];

const CHART_W = 640;
const CHART_H = 380;

interface Box {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/**
 * Greedy label placement in pixels: each label takes the first candidate position (right, below, left,
 * above…) that overlaps no marker, obstacle or earlier label; the first candidate when none is free.
 * Returns the left end of each text's baseline.
 */
export function placeLabels(
  pts: { px: number; py: number; text: string }[],
  W: number,
  H: number,
  obstacles: { px: number; py: number }[] = [],
  charW = 6.1,
  lineH = 11,
): { lx: number; ly: number }[] {
  const boxes: Box[] = [...pts, ...obstacles].map((p) => ({ x0: p.px - 5, x1: p.px + 5, y0: p.py - 5, y1: p.py + 5 }));
  const hit = (a: Box, b: Box): boolean => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
  const out = pts.map((p) => ({ lx: p.px + 7, ly: p.py - 6 }));
  const order = pts.map((_, i) => i).sort((a, b) => pts[a].px - pts[b].px || pts[a].py - pts[b].py);
  for (const i of order) {
    const p = pts[i];
    const w = p.text.length * charW;
    const cands: [number, number][] = [
      [7, -5],
      [7, 13],
      [-7 - w, -5],
      [-7 - w, 13],
      [7, -17],
      [7, 25],
      [-w / 2, -10],
      [-w / 2, 21],
      [-7 - w, -17],
      [-7 - w, 25],
    ];
    for (const [dx, dy] of cands) {
      const b = { x0: p.px + dx, x1: p.px + dx + w, y0: p.py + dy - lineH + 2, y1: p.py + dy + 2 };
      if (b.x0 < 0 || b.x1 > W + 40 || b.y0 < 0 || b.y1 > H) continue;
      if (boxes.some((o) => hit(o, b))) continue;
      boxes.push(b);
      out[i] = { lx: p.px + dx, ly: p.py + dy };
      break;
    }
  }
  return out;
}

export function familyChartSpec(c: FamilyCurves, s: EvaluateSummary): TopLevelSpec {
  const info = s.dataset.families.find((f) => f.name === c.family);
  const all: number[] = [
    ...c.models.map((m) => m.point.cost),
    ...c.oracleFrontier.map((v) => v.cost),
    ...c.policies.flatMap((p) => p.points.map((x) => x.cost)),
    c.oraclePoint.cost,
  ].filter((x) => Number.isFinite(x) && x > 0);
  const xmin = Math.min(...all) / 1.25;
  const xmax = Math.max(...all) * 1.25;
  const qs = [
    ...c.models.map((m) => m.point.quality),
    ...c.policies.flatMap((p) => p.points.map((x) => x.quality)),
    c.oraclePoint.quality,
    ...c.oracleFrontier.map((v) => v.quality),
  ].filter((x) => Number.isFinite(x));
  const ymin = Math.max(0, Math.floor(Math.min(...qs) * 20 - 0.5) / 20);
  // headroom above 1 so markers at quality 1 are not cut
  const ymax = Math.min(1.05, Math.ceil(Math.max(...qs) * 20 + 0.2) / 20);
  const right = Math.max(c.ctx.cMax, ...all);
  const seriesOrder = ['oracle frontier', 'zero router', ...c.policies.map((p) => policyLabel(p.name))];
  const colors = ['#222222', '#7f7f7f', ...c.policies.map((_, i) => PALETTE[i % PALETTE.length])];
  const lines: Record<string, unknown>[] = [];
  const addLine = (series: string, h: readonly CostQuality[]): void => {
    hullPolyline(h, right).forEach((v, i) => {
      if (v.cost > 0) lines.push({ series, cost: v.cost, quality: v.quality, i });
    });
  };
  addLine('oracle frontier', thinHull(c.oracleFrontier));
  addLine('zero router', c.zeroRouter);
  for (const p of c.policies) addLine(policyLabel(p.name), p.hull);
  const pts = c.policies.flatMap((p) => p.points.filter((x) => x.cost > 0).map((x) => ({ series: policyLabel(p.name), cost: x.cost, quality: x.quality, lambda: x.lambda })));
  const models = c.models.filter((m) => m.point.cost > 0).map((m) => ({ model: shortModel(m.id), cost: m.point.cost, quality: m.point.quality }));
  const oracle = Number.isFinite(c.oraclePoint.cost) && c.oraclePoint.cost > 0 ? [{ model: 'oracle', cost: c.oraclePoint.cost, quality: c.oraclePoint.quality }] : [];
  // labels for the models and the oracle, placed in pixels and mapped back to data coordinates
  const lx0 = Math.log(xmin);
  const lx1 = Math.log(xmax);
  const px = (cost: number): number => ((Math.log(cost) - lx0) / (lx1 - lx0)) * CHART_W;
  const py = (q: number): number => CHART_H - ((q - ymin) / (ymax - ymin)) * CHART_H;
  const labelled = [...models, ...oracle];
  const placed = placeLabels(
    labelled.map((m) => ({ px: px(m.cost), py: py(m.quality), text: m.model })),
    CHART_W,
    CHART_H,
    pts.map((p) => ({ px: px(p.cost), py: py(p.quality) })),
  );
  const labels = labelled.map((m, i) => ({
    text: m.model,
    cost: Math.exp(lx0 + (placed[i].lx / CHART_W) * (lx1 - lx0)),
    quality: ymin + ((CHART_H - placed[i].ly) / CHART_H) * (ymax - ymin),
    bold: m.model === 'oracle',
  }));
  const x = {
    field: 'cost',
    type: 'quantitative',
    title: 'mean cost per prompt (USD, log scale)',
    scale: { type: 'log', domain: [xmin, xmax], nice: false },
    axis: { format: '~g', tickCount: 6 },
  } as const;
  const y = { field: 'quality', type: 'quantitative', title: 'mean quality', scale: { domain: [ymin, ymax], nice: false, zero: false } } as const;
  const color = { field: 'series', type: 'nominal', title: 'router (hull)', scale: { domain: seriesOrder, range: colors }, legend: { orient: 'bottom', columns: 3 } } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `${c.family}: cost vs quality (${(info?.queries ?? 0).toLocaleString('en-US')} prompts)`,
      subtitle: `dots: policies' run means per λ · lines: non-decreasing convex hulls`,
      subtitleFontSize: 11,
    },
    width: CHART_W,
    height: CHART_H,
    layer: [
      {
        data: { values: lines },
        mark: { type: 'line', strokeWidth: 1.8, clip: true },
        encoding: {
          x,
          y,
          color,
          order: { field: 'i', type: 'quantitative' },
          strokeDash: { condition: { test: "datum.series === 'zero router'", value: [6, 3] }, value: [1, 0] },
        },
      },
      {
        data: { values: pts },
        mark: { type: 'point', filled: true, size: 38, opacity: 0.85, clip: true },
        encoding: { x, y, color, tooltip: [{ field: 'series' }, { field: 'lambda' }, { field: 'cost', format: '.6f' }, { field: 'quality', format: '.4f' }] },
      },
      {
        data: { values: models },
        mark: { type: 'square', size: 60, color: '#555555', clip: true },
        encoding: { x, y, tooltip: [{ field: 'model' }, { field: 'cost', format: '.6f' }, { field: 'quality', format: '.4f' }] },
      },
      {
        data: { values: oracle },
        mark: { type: 'point', shape: 'diamond', size: 140, filled: true, color: '#000000', clip: true },
        encoding: { x, y },
      },
      {
        data: { values: labels },
        mark: { type: 'text', align: 'left', baseline: 'alphabetic', fontSize: 10, color: '#333333' },
        encoding: { x, y, text: { field: 'text' }, fontWeight: { condition: { test: 'datum.bold', value: 'bold' }, value: 'normal' } },
      },
    ],
  } as unknown as TopLevelSpec;
}

export async function renderEvaluateCharts(r: EvaluationResult): Promise<Map<string, RenderedChart>> {
  const out = new Map<string, RenderedChart>();
  for (const c of r.curves) out.set(c.family, await renderChart(familyChartSpec(c, r.summary)));
  return out;
}

// ---------------------------------------------------------------------------------------------- HTML

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
  parts.push(
    `<table><tr><th>router</th><th>AIQ (mean)</th>${fams.map((f) => `<th>AIQ ${esc(f)}</th>`).join('')}<th>peak accuracy (λ)</th><th>average accuracy</th>` +
      `<th>CPT(50%)</th><th>CPT(80%)</th><th>APGR</th>${cmp ? '<th>published AIQ / peak / avg</th>' : ''}</tr>`,
  );
  for (const p of s.policies) {
    const pub = s.published.rows.find((r) => r.policy === p.name);
    parts.push(
      `<tr><td>${esc(policyLabel(p.name))} <span class="note">(${esc(p.name)})</span></td><td>${fmt(p.aiq.mean, 3)}</td>${fams.map((f) => `<td>${fmt(p.aiq.byFamily[f], 3)}</td>`).join('')}` +
        `<td>${pct(p.peakAccuracy)} (${p.peakLambda})</td><td>${pct(p.avgAccuracy)}</td><td>${pctOf(p.cpt50.mean)}</td><td>${pctOf(p.cpt80.mean)}</td><td>${fmt(p.apgr.mean, 3)}</td>` +
        (cmp ? `<td>${pub ? `${fmt(pub.aiq, 3)} / ${pct(pub.peakAccuracy)} / ${pct(pub.avgAccuracy)}` : '–'}</td>` : '') +
        '</tr>',
    );
  }
  const z = s.baselines.zeroRouter;
  const o = s.baselines.oracle;
  const blank = cmp ? '<td></td>' : '';
  parts.push(
    `<tr><td>zero router (single models and their mixtures)</td><td>${fmt(z.aiq.mean, 3)}</td>${fams.map((f) => `<td>${fmt(z.aiq.byFamily[f], 3)}</td>`).join('')}` +
      `<td>–</td><td>–</td><td>${pctOf(z.cpt50.mean)}</td><td>${pctOf(z.cpt80.mean)}</td><td>${fmt(z.apgr.mean, 3)}</td>${blank}</tr>`,
  );
  parts.push(
    `<tr><td>oracle, hindsight frontier</td><td>${fmt(o.aiq.mean, 3)}</td>${fams.map((f) => `<td>${fmt(o.aiq.byFamily[f], 3)}</td>`).join('')}` +
      `<td>${pct(o.points[ALL]?.quality)}</td><td>–</td><td>–</td><td>–</td><td>–</td>${blank}</tr>`,
  );
  parts.push(
    `<tr><td>oracle point (best quality, cheapest among ties)</td><td>${fmt(o.pointAiq.mean, 3)}</td>${fams.map((f) => `<td>${fmt(o.pointAiq.byFamily[f], 3)}</td>`).join('')}` +
      `<td>${pct(o.points[ALL]?.quality)}</td><td>–</td><td>–</td><td>–</td><td>–</td>${blank}</tr>`,
  );
  parts.push('</table>');
  parts.push(
    '<p class="note">AIQ: area under the router\'s non-decreasing convex hull of (mean cost, mean quality) points over the family\'s cost range, divided by the range ' +
      '(RouterBench §3; in routerbench-code mode as its published script computes it), averaged over families. Peak / average accuracy: highest / mean accuracy over all prompts across the λ grid. ' +
      'CPT(x%): cost, as a share of the cost gap between the family\'s cheapest and best single model, at which the hull recovers x% of their quality gap; APGR: the average share recovered (RouteLLM).</p>',
  );
  parts.push(
    `<table><tr><th>model</th><th>cost per prompt (USD)</th><th>quality</th><th>AIQ</th>${fams.map((f) => `<th>${esc(f)} cost / quality</th>`).join('')}</tr>`,
  );
  for (const m of s.baselines.models) {
    parts.push(
      `<tr><td>${esc(m.id)}</td><td>${fmt(m.points[ALL]?.cost, 6)}</td><td>${fmt(m.points[ALL]?.quality, 4)}</td><td>${fmt(m.aiq.mean, 3)}</td>` +
        `${fams.map((f) => `<td>${fmt(m.points[f]?.cost, 6)} / ${fmt(m.points[f]?.quality, 3)}</td>`).join('')}</tr>`,
    );
  }
  parts.push('</table>');
  for (const f of fams) {
    const svg = svgOf(f);
    // given charts but none for this family (charts off): no figure
    if (charts !== undefined && svg === undefined) continue;
    const body = svg ? svg.replace(/^<\?xml[^>]*>\s*/, '') : `<img src="${esc(chartFileBase(f))}.svg" alt="cost–quality chart of ${esc(f)}">`;
    parts.push(`<figure id="evaluate-${esc(familySlug(f))}">${body}<figcaption>${esc(f)}: single models (squares), the oracle point (diamond), each policy's λ points and the hulls AIQ integrates.</figcaption></figure>`);
  }
  parts.push('</section>');
  return parts.join('\n');
}

const CSS = `body{font-family:"DejaVu Sans",Lato,Arial,sans-serif;margin:2em auto;max-width:1150px;color:#222;line-height:1.4}
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:1em 0;font-size:.85em}th,td{border:1px solid #ddd;padding:.3em .6em;text-align:right}
th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}.note{color:#555;font-size:.9em}figure{margin:1.5em 0}figcaption{font-size:.9em;color:#444}`;

/** A standalone report.html holding the evaluation section. */
export function evaluateReportHtml(s: EvaluateSummary, charts?: Map<string, string>): string {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>greenserv evaluate: ${esc(s.dataset.name)}</title><style>${CSS}</style></head><body>\n` +
    `<h1>greenserv evaluate --routerbench</h1>\n${evaluateReportSection(s, charts)}\n</body></html>\n`
  );
}

// ---------------------------------------------------------------------------------------------- directory

export interface EvaluateManifest {
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
  opts: { charts?: boolean } = {},
): Promise<string[]> {
  const files: string[] = [];
  const w = (name: string, data: string | Uint8Array): void => {
    put(dir, name, data);
    files.push(name);
  };
  w('summary.json', toJson(r.summary));
  w('runs.csv', evaluateRunsCsv(sweep));
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
  w('report.html', evaluateReportHtml(r.summary, opts.charts !== false ? svgs : undefined));
  files.push('manifest.json');
  put(dir, 'manifest.json', toJson({ ...manifest, files } satisfies EvaluateManifest));
  return files;
}
