/** Cost–quality charts of `greenserv evaluate --routerbench`: one per eval family, every router's hull. */
import type { TopLevelSpec } from 'vega-lite';
import { own } from '../core/dict.js';
import type { CostQuality } from '../metrics/aiq.js';
import type { EvaluateSummary, EvaluationResult, FamilyCurves } from '../metrics/routerbench.js';
import { dashScale, LINE_LEGEND, policyMarks, shapeScale } from './marks.js';
import { lineColour, policyColours } from './palette.js';
import { renderChart, type RenderedChart } from './render.js';
import { placeLabels } from './labels.js';

/** `mistralai/mixtral-8x7b-chat` → `mixtral-8x7b-chat`: chart labels and narrow columns. */
function shortModel(id: string): string {
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
  return own(POLICY_LABELS, name) ?? name;
}

/** At most `max` vertices, evenly spread in log cost (first and last kept): a drawing aid only. */
function thinHull(h: readonly CostQuality[], max = 240): CostQuality[] {
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
function hullPolyline(h: readonly CostQuality[], right: number, perSegment = 12): CostQuality[] {
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

/** The zero router's dash, unlike every policy's (POLICY_DASHES). */
const ZERO_DASH = [6, 3];

const CHART_W = 640;
const CHART_H = 380;

/** Dots this close (px) are taken as one point. */
const SAME_DOT = 1.5;

/**
 * Widths of lines that run together: lines closer than 1.5 px to one another over at least 30 px of the
 * plot's width form a group, and within it the first is widest, each next one 1.6 px narrower (1.8 px the
 * narrowest), so that drawn widest first each shows as a band along the others.
 */
function nestedLineWidths(lines: { x: number; y: number }[][], width = CHART_W, base = 1.8, ring = 1.6): number[] {
  const yAt = (l: { x: number; y: number }[], x: number): number | null => {
    for (let i = 1; i < l.length; i++) {
      const [a, b] = [l[i - 1], l[i]];
      if (x >= Math.min(a.x, b.x) && x <= Math.max(a.x, b.x)) return b.x === a.x ? Math.min(a.y, b.y) : a.y + ((b.y - a.y) * (x - a.x)) / (b.x - a.x);
    }
    return null;
  };
  const samples = lines.map((l) => Array.from({ length: Math.floor(width / 2) + 1 }, (_, k) => yAt(l, 2 * k)));
  const group = lines.map((_, i) => i);
  const root = (i: number): number => (group[i] === i ? i : (group[i] = root(group[i])));
  for (let i = 0; i < lines.length; i++) {
    for (let j = i + 1; j < lines.length; j++) {
      let together = 0;
      samples[i].forEach((y, k) => {
        const o = samples[j][k];
        if (y !== null && o !== null && Math.abs(y - o) <= 1.5) together++;
      });
      if (together * 2 >= 30) group[root(j)] = root(i);
    }
  }
  const members = new Map<number, number[]>();
  lines.forEach((_, i) => members.set(root(i), [...(members.get(root(i)) ?? []), i]));
  const out = lines.map(() => base);
  for (const m of members.values()) m.forEach((i, k) => (out[i] = base + ring * (m.length - 1 - k)));
  return out;
}

/**
 * Sizes (px²; large enough to show their shapes) of the policies' dots: where the dots of several policies fall on one point (the same model at some
 * λ), the first policy's is largest and each next one's a ring of 1.6 px smaller; a policy's own dots on one
 * point (several λ giving the same choice) share one size.
 */
function nestedDotSizes(pts: { px: number; py: number; series: string }[], size = 56, ring = 1.6): number[] {
  const r = Math.sqrt(size) / 2;
  const spots: { px: number; py: number; series: string[] }[] = [];
  const spotOf = pts.map((p) => {
    let at = spots.find((q) => Math.hypot(q.px - p.px, q.py - p.py) <= SAME_DOT);
    if (!at) spots.push((at = { px: p.px, py: p.py, series: [] }));
    if (!at.series.includes(p.series)) at.series.push(p.series);
    return at;
  });
  return pts.map((p, i) => {
    const sp = spotOf[i];
    const k = sp.series.length - 1 - sp.series.indexOf(p.series);
    return k === 0 ? size : (2 * (r + ring * k)) ** 2;
  });
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
  // policies in the colours they have in every other chart
  const colours = policyColours(c.policies.map((p) => ({ label: p.name })));
  // darkened where pale (sky, sand), as lines need 3:1 on white; the dots take the same
  const colors = ['#222222', '#7f7f7f', ...c.policies.map((p) => lineColour(colours.get(p.name)!))];
  // and a dash for each hull and a shape for each policy's dots, so they read without colour
  const marks = policyMarks(new Map(c.policies.map((p) => [policyLabel(p.name), colours.get(p.name)!])));
  const policyOrder = seriesOrder.slice(2);
  // labels for the models and the oracle, placed in pixels and mapped back to data coordinates
  const lx0 = Math.log(xmin);
  const lx1 = Math.log(xmax);
  const px = (cost: number): number => ((Math.log(cost) - lx0) / (lx1 - lx0)) * CHART_W;
  const py = (q: number): number => CHART_H - ((q - ymin) / (ymax - ymin)) * CHART_H;
  const xEnc = {
    field: 'cost',
    type: 'quantitative',
    title: `mean ${s.reward.cost === 'energy' ? 'energy per prompt (J' : 'cost per prompt (USD'}, log scale)`,
    scale: { type: 'log', domain: [xmin, xmax], nice: false },
    axis: { format: '~g', tickCount: 6 },
  } as const;
  const yEnc = { field: 'quality', type: 'quantitative', title: 'mean quality', scale: { domain: [ymin, ymax], nice: false, zero: false } } as const;
  const hullLegend = { orient: 'bottom', columns: 3, ...LINE_LEGEND } as const;
  const color = { field: 'series', type: 'nominal', title: 'router (hull)', scale: { domain: seriesOrder, range: colors }, legend: hullLegend } as const;
  // same domain as the colours, so one legend shows each hull's colour and dash
  const strokeDash = { field: 'series', type: 'nominal', title: 'router (hull)', scale: { domain: seriesOrder, range: [[], ZERO_DASH, ...dashScale(marks, policyOrder).range] }, legend: hullLegend } as const;
  // the dots: a legend of their own (policies only, so it does not merge with the hulls'), shape and fill in one
  const dotLegend = { orient: 'bottom', columns: 2, symbolSize: 80, symbolOpacity: 1 } as const;
  const shape = { field: 'series', type: 'nominal', title: 'policy (dots)', scale: shapeScale(marks, policyOrder), legend: dotLegend } as const;
  const fill = { field: 'series', type: 'nominal', title: 'policy (dots)', scale: { domain: policyOrder, range: colors.slice(2) }, legend: dotLegend } as const;
  const hulls = [
    { series: 'oracle frontier', line: hullPolyline(thinHull(c.oracleFrontier), right) },
    { series: 'zero router', line: hullPolyline(c.zeroRouter, right) },
    ...c.policies.map((p) => ({ series: policyLabel(p.name), line: hullPolyline(p.hull, right) })),
  ].map((h) => ({ ...h, line: h.line.filter((v) => v.cost > 0) }));
  // policies whose hulls run together (routers that end up on the same models) are drawn widest first, each
  // next one narrower, so every one shows as a band along the others; the zero router, dashed, goes on top
  const policyHulls = hulls.slice(2);
  const widths = nestedLineWidths(policyHulls.map((h) => h.line.map((v) => ({ x: px(v.cost), y: py(v.quality) }))));
  const lineLayer = (rows: Record<string, unknown>[], width: number): Record<string, unknown> => ({
    data: { values: rows },
    mark: { type: 'line', strokeWidth: width, clip: true },
    encoding: { x: xEnc, y: yEnc, color, strokeDash, order: { field: 'i', type: 'quantitative' } },
  });
  const rowsOf = (h: (typeof hulls)[number]): Record<string, unknown>[] => h.line.map((v, i) => ({ series: h.series, cost: v.cost, quality: v.quality, i }));
  const policyLayers = policyHulls
    .map((h, k) => ({ h, w: widths[k], k }))
    .sort((a, b) => b.w - a.w || a.k - b.k)
    .map(({ h, w }) => lineLayer(rowsOf(h), w));
  const ptsAll = c.policies.flatMap((p) => p.points.filter((x) => x.cost > 0).map((x) => ({ series: policyLabel(p.name), cost: x.cost, quality: x.quality, lambda: x.lambda })));
  // dots of policies on the same point (the same model at some λ): nested as the hulls are
  const dotSizes = nestedDotSizes(ptsAll.map((p) => ({ px: px(p.cost), py: py(p.quality), series: p.series })));
  const pts = ptsAll.map((p, i) => ({ ...p, size: dotSizes[i] })).sort((a, b) => b.size - a.size).map((p, z) => ({ ...p, z }));
  const models = c.models.filter((m) => m.point.cost > 0).map((m) => ({ model: shortModel(m.id), cost: m.point.cost, quality: m.point.quality }));
  const oracle = Number.isFinite(c.oraclePoint.cost) && c.oraclePoint.cost > 0 ? [{ model: 'oracle', cost: c.oraclePoint.cost, quality: c.oraclePoint.quality }] : [];
  const labelled = [...models, ...oracle];
  // labels keep off the hulls where they can
  const segments = hulls.flatMap((h) => h.line.slice(1).map((v, i) => ({ x0: px(h.line[i].cost), y0: py(h.line[i].quality), x1: px(v.cost), y1: py(v.quality) })));
  const placed = placeLabels(
    labelled.map((m) => ({ px: px(m.cost), py: py(m.quality), text: m.model })),
    CHART_W,
    CHART_H,
    6.1,
    11,
    // with routers' dots all round a model, no near place may be free: a farther one, joined by a leader,
    // rather than a label printed over another
    { overhang: 40, obstacles: pts.map((p) => ({ px: px(p.cost), py: py(p.quality) })), segments, leaders: true, leadersLast: true },
  );
  const costAt = (x: number): number => Math.exp(lx0 + (x / CHART_W) * (lx1 - lx0));
  const qualityAt = (y: number): number => ymin + ((CHART_H - y) / CHART_H) * (ymax - ymin);
  const labels = labelled.map((m, i) => ({
    text: m.model,
    cost: costAt(placed[i].lx),
    quality: qualityAt(placed[i].ly),
    bold: m.model === 'oracle',
  }));
  const leaders = labelled.flatMap((m, i) => (placed[i].leader ? [{ cost: m.cost, quality: m.quality, cost2: costAt(placed[i].ex), quality2: qualityAt(placed[i].ey) }] : []));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `${c.family}: ${s.reward.cost === 'energy' ? 'energy' : 'cost'} vs quality (${(info?.queries ?? 0).toLocaleString('en-US')} prompts)`,
      subtitle: `dots: policies' run means per λ · lines: non-decreasing convex hulls`,
      subtitleFontSize: 11,
    },
    width: CHART_W,
    height: CHART_H,
    layer: [
      lineLayer(rowsOf(hulls[0]), 1.8),
      ...policyLayers,
      lineLayer(rowsOf(hulls[1]), 1.8),
      {
        data: { values: pts },
        mark: { type: 'point', filled: true, opacity: 0.85, clip: true },
        encoding: {
          x: xEnc,
          y: yEnc,
          fill,
          shape,
          size: { field: 'size', type: 'quantitative', scale: null, legend: null },
          order: { field: 'z', type: 'quantitative' },
          tooltip: [{ field: 'series' }, { field: 'lambda' }, { field: 'cost', format: '.6f' }, { field: 'quality', format: '.4f' }],
        },
      },
      {
        data: { values: models },
        mark: { type: 'square', size: 60, color: '#555555', clip: true },
        encoding: { x: xEnc, y: yEnc, tooltip: [{ field: 'model' }, { field: 'cost', format: '.6f' }, { field: 'quality', format: '.4f' }] },
      },
      {
        data: { values: oracle },
        mark: { type: 'point', shape: 'diamond', size: 140, filled: true, color: '#000000', clip: true },
        encoding: { x: xEnc, y: yEnc },
      },
      {
        data: { values: leaders },
        mark: { type: 'rule', color: '#999999', strokeWidth: 0.8 },
        encoding: { x: xEnc, y: yEnc, x2: { field: 'cost2' }, y2: { field: 'quality2' } },
      },
      {
        data: { values: labels },
        mark: { type: 'text', align: 'left', baseline: 'alphabetic', fontSize: 10, color: '#333333' },
        encoding: { x: xEnc, y: yEnc, text: { field: 'text' }, fontWeight: { condition: { test: 'datum.bold', value: 'bold' }, value: 'normal' } },
      },
    ],
  } as unknown as TopLevelSpec;
}

export async function renderEvaluateCharts(r: EvaluationResult): Promise<Map<string, RenderedChart>> {
  const out = new Map<string, RenderedChart>();
  // ids prefixed per family: report.html inlines every family's SVG, and a shared prefix would repeat clip-path ids
  for (const c of r.curves) out.set(c.family, await renderChart(familyChartSpec(c, r.summary), 2, `cost-quality-${familySlug(c.family)}`));
  return out;
}
