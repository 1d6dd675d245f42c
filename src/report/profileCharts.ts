/** Charts of a model profile: the Pareto scatter and per-task heatmap (Vega-Lite), and a built-in SVG scatter. */
import type { TopLevelSpec } from 'vega-lite';
import type { ModelProfile, Profile } from '../metrics/profile.js';
import { own } from '../core/dict.js';
import { escHtml as escapeHtml } from '../core/escape.js';
import { axisLabels } from './chartsTime.js';
import { placeLabels } from './labels.js';
import { textColour } from './palette.js';
import { axisValue, costOrNull, COST_AXIS, fmtEnergy } from './profileFormat.js';
import { maxOf, minOf } from '../core/extent.js';
import { renderChart, CHART_FONT, type RenderedChart } from './render.js';
import { densityLayers, MAX_PARETO_MARKS } from './profileDensity.js';

const FRONT_COLOUR = '#1b7837';
const DOMINATED_COLOUR = '#9970ab';

export function paretoChartSpec(p: Profile): TopLevelSpec {
  const W = 620;
  const H = 400;
  const pts = p.models.filter((m) => m.accuracy.mean !== null && axisValue(m, p.cost) !== null);
  const es = pts.map((m) => axisValue(m, p.cost)!);
  // bars cut at the accuracies there are: a t-interval of a few queries reaches past 0 and 1, and its bar ran
  // out of the plot (a 400-px plot in a 1,340-px chart)
  const lo = pts.map((m) => Math.max(0, m.accuracy.ci95?.[0] ?? m.accuracy.mean!));
  const hi = pts.map((m) => Math.min(1, m.accuracy.ci95?.[1] ?? m.accuracy.mean!));
  // fixed domains so the label placement below knows where every point lands
  // loops, not Math.min(...xs): a spread of some 120,000 arguments overflows the stack
  const eMin = es.length ? minOf(es) : 1;
  const eMax = es.length ? maxOf(es) : 10;
  const lx0 = Math.log10(eMin) - Math.max(0.04, 0.04 * Math.log10(eMax / eMin));
  const lx1 = Math.log10(eMax) + Math.max(0.1, 0.12 * Math.log10(eMax / eMin));
  const yMin = lo.length ? minOf(lo) : 0;
  const yMax = hi.length ? maxOf(hi) : 1;
  const yPad = Math.max(0.01, (yMax - yMin) * 0.06);
  const y0 = Math.max(0, yMin - yPad);
  const y1 = Math.min(1, yMax + yPad) > y0 ? Math.min(1, yMax + yPad) : y0 + 0.1;
  const px = (e: number): number => ((Math.log10(e) - lx0) / (lx1 - lx0)) * W;
  const py = (a: number): number => H - ((a - y0) / (y1 - y0)) * H;
  // thousands of labels would cover the plot: beyond MAX_PROFILE_ROWS models only the front is named
  const capped = pts.length > MAX_PROFILE_ROWS;
  // beyond MAX_PARETO_MARKS models one mark each is more than the chart can show (and took minutes to draw):
  // the front keeps its marks (unless it is that large itself), the others become shaded cells
  const dense = pts.length > MAX_PARETO_MARKS;
  const all = pts.map((_, i) => i);
  const frontIdx = all.filter((i) => pts[i].pareto);
  const drawn = !dense ? all : frontIdx.length <= MAX_PARETO_MARKS ? frontIdx : [];
  const named = drawn.filter((i) => !capped || pts[i].pareto);
  const placedNamed = placeLabels(
    named.map((i) => ({ px: px(es[i]), py: py(pts[i].accuracy.mean!), text: pts[i].id })),
    W,
    H,
    6,
    11,
    // a label with no clear place beside its point goes farther out, joined to it by a leader, not over another
    { leaders: true },
  );
  const unplaced = { lx: 0, ly: 0, ex: 0, ey: 0, leader: false };
  const placed = pts.map(() => unplaced);
  named.forEach((i, k) => (placed[i] = placedNamed[k]));
  const values = drawn.map((i) => {
    const m = pts[i];
    return {
      id: m.id,
      cost: es[i],
      accuracy: m.accuracy.mean,
      lo: lo[i],
      hi: hi[i],
      status: m.pareto ? 'Pareto front' : 'dominated',
      // labels in the point's colour, darkened where it would not read on white
      ink: textColour(m.pareto ? FRONT_COLOUR : DOMINATED_COLOUR),
      paramsB: m.paramsB,
      dominatedBy: m.dominatedBy.join(', '),
      labelE: 10 ** (lx0 + (placed[i].lx / W) * (lx1 - lx0)),
      labelA: y0 + ((H - placed[i].ly) / H) * (y1 - y0),
      leader: placed[i].leader,
      leaderE: 10 ** (lx0 + (placed[i].ex / W) * (lx1 - lx0)),
      leaderA: y0 + ((H - placed[i].ey) / H) * (y1 - y0),
      ...(capped ? { label: m.pareto ? m.id : '' } : {}),
    };
  });
  const xScale = { type: 'log', domain: [10 ** lx0, 10 ** lx1], nice: false, zero: false };
  const yScale = { domain: [y0, y1], nice: false, zero: false };
  const x = { field: 'cost', type: 'quantitative', scale: xScale, axis: { title: COST_AXIS[p.cost].axis } };
  const shaded = dense ? densityLayers(pts, es, drawn, { W, H, lx0, lx1, y0, y1, px, py }) : null;
  const y = { field: 'accuracy', type: 'quantitative', scale: yScale, axis: { title: 'Mean accuracy (bars: 95% CI)', format: '.2f' } };
  const domain = ['Pareto front', 'dominated'];
  const color = { field: 'status', type: 'nominal', scale: { domain, range: [FRONT_COLOUR, DOMINATED_COLOUR] }, legend: { title: 'Model', orient: 'top-left', labelLimit: 0, symbolOpacity: 1 } };
  const best = p.bestStatic ? ` · best static at λ = ${p.lambda}: ${p.bestStatic}` : '';
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `Accuracy vs ${COST_AXIS[p.cost].noun} per query`,
      subtitle: shaded ? [`${p.dataset.name} · ${p.dataset.queries} queries${best}`, ...shaded.subtitle] : capped ? [`${p.dataset.name} · ${p.dataset.queries} queries${best}`, `models named: the Pareto front (${(pts.length - named.length).toLocaleString('en-US')} others are not; profile.csv has every model)`] : `${p.dataset.name} · ${p.dataset.queries} queries${best}`,
    },
    width: W,
    height: H,
    data: { values },
    layer: [
      ...(shaded ? [shaded.cells(x, yScale, color)] : []),
      {
        mark: { type: 'rule', opacity: 0.5 },
        encoding: { x, y: { field: 'lo', type: 'quantitative', scale: yScale }, y2: { field: 'hi' }, color },
      },
      {
        ...(shaded ? { data: { values: shaded.line } } : { transform: [{ filter: "datum.status === 'Pareto front'" }] }),
        mark: { type: 'line', interpolate: 'step-after', strokeDash: [5, 3], color: FRONT_COLOUR, opacity: 0.8 },
        encoding: { x, y, order: { field: 'cost', type: 'quantitative' } },
      },
      {
        transform: [{ filter: 'datum.leader' }],
        mark: { type: 'rule', color: '#aaaaaa', strokeWidth: 0.8 },
        encoding: { x, y, x2: { field: 'leaderE' }, y2: { field: 'leaderA' } },
      },
      {
        mark: { type: 'point', filled: true, size: 80, opacity: 1 },
        encoding: {
          x,
          y,
          color,
          // shaded, the dominated models are cells: the legend shows them as one
          shape: { field: 'status', type: 'nominal', scale: { domain, range: ['circle', shaded ? 'square' : 'triangle-down'] }, legend: { title: 'Model', orient: 'top-left', labelLimit: 0, symbolOpacity: 1 } },
          tooltip: [
            { field: 'id', title: 'model' },
            { field: 'paramsB', title: 'params (B)' },
            { field: 'accuracy', format: '.3f' },
            { field: 'cost', title: COST_AXIS[p.cost].short, format: ',.4~g' },
            { field: 'dominatedBy', title: 'dominated by' },
          ],
        },
      },
      {
        mark: { type: 'text', align: 'left', baseline: 'alphabetic', fontSize: 10, font: CHART_FONT },
        encoding: {
          x: { field: 'labelE', type: 'quantitative', scale: xScale },
          y: { field: 'labelA', type: 'quantitative', scale: yScale },
          text: { field: capped ? 'label' : 'id' },
          fill: { field: 'ink', type: 'nominal', scale: null, legend: null },
        },
      },
    ],
  } as unknown as TopLevelSpec;
}

/** Models drawn in full (heatmap rows, scatter labels) at most; profile.csv and profile.json have every model. */
export const MAX_PROFILE_ROWS = 40;

/** The heatmap's models: all of them up to MAX_PROFILE_ROWS, else the front, then the best by mean reward. */
function heatmapModels(p: Profile): ModelProfile[] {
  if (p.models.length <= MAX_PROFILE_ROWS) return p.models;
  const byReward = [...p.models].sort((a, b) => Number(b.pareto) - Number(a.pareto) || (b.meanReward ?? -Infinity) - (a.meanReward ?? -Infinity));
  return byReward.slice(0, MAX_PROFILE_ROWS);
}

export function heatmapChartSpec(p: Profile): TopLevelSpec {
  const models = heatmapModels(p);
  // long ids cut in the middle so they stay apart (Vega cuts at the end)
  const cut = axisLabels(models.map((m) => m.id));
  const label = new Map(models.map((m, i) => [m.id, cut[i]]));
  // rows sorted by overall energy so the two panels read as cheap → expensive
  const order = [...models].sort((a, b) => (axisValue(a, p.cost) ?? Infinity) - (axisValue(b, p.cost) ?? Infinity)).map((m) => label.get(m.id)!);
  // a row's place as a field: a sort list becomes one nested condition per model, beyond the stack at ~1,000
  const rank = new Map(order.map((l, i) => [l, i]));
  const values: Record<string, unknown>[] = [];
  for (const m of models) {
    for (const t of p.dataset.tasks) {
      const s = own(m.tasks, t);
      if (!s) continue;
      values.push({
        model: label.get(m.id)!,
        rank: rank.get(label.get(m.id)!),
        task: t,
        accuracy: s.accuracy.mean,
        cost: axisValue(s, p.cost),
        accLabel: s.accuracy.mean === null ? '' : s.accuracy.mean.toFixed(2),
        costLabel: fmtEnergy(costOrNull(s, p.cost)),
      });
    }
  }
  const bare = { grid: false, ticks: false, domain: false };
  const xEnc = { field: 'task', type: 'nominal', sort: p.dataset.tasks, axis: { ...bare, title: 'Task', labelAngle: -30 } };
  const yEnc = { field: 'model', type: 'nominal', sort: { field: 'rank', op: 'min' }, axis: { ...bare, title: 'Model (cheapest first)', labelLimit: 0 } };
  const cellW = Math.max(60, Math.min(90, 480 / Math.max(1, p.dataset.tasks.length)));
  const panel = (field: string, label: string, title: string, scale: Record<string, unknown>, dark: string): Record<string, unknown> => ({
    width: cellW * p.dataset.tasks.length,
    height: { step: 22 },
    title,
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
        encoding: { x: xEnc, y: yEnc, color: { field, type: 'quantitative', scale, legend: { title: label, orient: 'right' } } },
      },
      {
        mark: { type: 'text', fontSize: 10, font: CHART_FONT },
        encoding: {
          x: xEnc,
          y: yEnc,
          text: { field: field === 'accuracy' ? 'accLabel' : 'costLabel' },
          color: { condition: { test: dark, value: 'white' }, value: 'black' },
        },
      },
    ],
  });
  const eVals = values.map((v) => v.cost as number | null).filter((v): v is number => v !== null && v > 0);
  const [eMin, eMax] = eVals.length ? [minOf(eVals), maxOf(eVals)] : [1, 1];
  // cell text turns white where the scheme is darker than luminance 0.179, where white reads better than black
  // (both are 4.58:1 there): at 0.741 of Blues and 0.807 of Oranges; a fixed split left white on mid-blue at 2.7:1
  const costDark = eMax > eMin ? `datum.cost >= ${Math.exp(Math.log(eMin) + 0.807 * (Math.log(eMax) - Math.log(eMin)))}` : 'false';
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `Per-task accuracy and ${COST_AXIS[p.cost].noun} per query`,
      subtitle:
        models.length < p.models.length
          ? [`${p.dataset.name} · cell text: mean accuracy / mean ${COST_AXIS[p.cost].short}`, `${models.length} of ${p.models.length.toLocaleString('en-US')} models: the Pareto front, then the best by mean reward at λ = ${p.lambda}; profile.csv has every model`]
          : `${p.dataset.name} · cell text: mean accuracy / mean ${COST_AXIS[p.cost].short}`,
    },
    data: { values },
    hconcat: [
      panel('accuracy', 'Accuracy', 'Mean accuracy', { scheme: 'blues', domain: [0, 1] }, 'datum.accuracy >= 0.741'),
      // the domain fixed to the data (no nicing), so the split above lands where the colours are
      panel('cost', `${COST_AXIS[p.cost].short} (log)`, COST_AXIS[p.cost].perQuery, { type: 'log', scheme: 'oranges', ...(eVals.length ? { domain: [eMin, eMax], nice: false } : {}) }, costDark),
    ],
    resolve: { scale: { color: 'independent' } },
  } as unknown as TopLevelSpec;
}

export interface ProfileCharts {
  pareto: RenderedChart;
  heatmap: RenderedChart;
}

export async function renderProfileCharts(p: Profile): Promise<ProfileCharts> {
  const [pareto, heatmap] = await Promise.all([renderChart(paretoChartSpec(p), 2, 'profile-pareto'), renderChart(heatmapChartSpec(p), 2, 'profile-heatmap')]);
  return { pareto, heatmap };
}

/**
 * A dependency-free Pareto scatter (inline SVG) for when no rendered charts are passed: log energy axis,
 * accuracy axis, front as a dashed staircase.
 */
export function simpleParetoSvg(p: Profile): string {
  const pts = p.models.filter((m) => m.accuracy.mean !== null && axisValue(m, p.cost) !== null);
  const cx = (m: ModelProfile): number => axisValue(m, p.cost)!;
  const W = 640;
  const H = 400;
  const L = 70;
  const R = 150;
  const T = 20;
  const B = 50;
  if (pts.length === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="60"><text x="10" y="30">no model has both accuracy and ${COST_AXIS[p.cost].noun}</text></svg>`;
  const lx = pts.map((m) => Math.log10(cx(m)));
  const ys = pts.map((m) => m.accuracy.mean!);
  let x0 = minOf(lx);
  let x1 = maxOf(lx);
  let y0 = minOf(ys);
  let y1 = maxOf(ys);
  if (x1 - x0 < 1e-9) [x0, x1] = [x0 - 0.5, x1 + 0.5];
  if (y1 - y0 < 1e-9) [y0, y1] = [y0 - 0.05, y1 + 0.05];
  const padX = (x1 - x0) * 0.05;
  const padY = (y1 - y0) * 0.08;
  x0 -= padX;
  x1 += padX;
  y0 -= padY;
  y1 += padY;
  const sx = (v: number): number => L + ((Math.log10(v) - x0) / (x1 - x0)) * (W - L - R);
  const sy = (v: number): number => H - B - ((v - y0) / (y1 - y0)) * (H - T - B);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${CHART_FONT}" font-size="11" role="img" aria-label="Accuracy vs ${COST_AXIS[p.cost].noun} per query">`);
  parts.push(`<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="white" stroke="#bbb"/>`);
  // decades, plus 2× and 5× when the axis spans less than two decades
  const mult = x1 - x0 < 2 ? [1, 2, 5] : [1];
  for (let e = Math.floor(x0); e <= Math.ceil(x1); e++) {
    for (const k of mult) {
      const v = k * 10 ** e;
      if (Math.log10(v) < x0 || Math.log10(v) > x1) continue;
      const x = sx(v).toFixed(1);
      const label = v >= 1 ? String(Math.round(v)) : v.toPrecision(1);
      parts.push(`<line x1="${x}" y1="${T}" x2="${x}" y2="${H - B}" stroke="#e6e6e6"/><text x="${x}" y="${H - B + 15}" text-anchor="middle">${label}</text>`);
    }
  }
  const step = niceStep((y1 - y0) / 5);
  for (let v = Math.ceil(y0 / step) * step; v <= y1; v += step) {
    const y = sy(v);
    parts.push(`<line x1="${L}" y1="${y}" x2="${W - R}" y2="${y}" stroke="#e6e6e6"/><text x="${L - 6}" y="${y + 4}" text-anchor="end">${v.toFixed(2)}</text>`);
  }
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle" font-size="12">${COST_AXIS[p.cost].axis}</text>`);
  parts.push(`<text transform="translate(16 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle" font-size="12">Mean accuracy</text>`);
  const front = pts.filter((m) => m.pareto).sort((a, b) => cx(a) - cx(b));
  if (front.length > 1) {
    let d = `M${sx(cx(front[0]))},${sy(front[0].accuracy.mean!)}`;
    for (let i = 1; i < front.length; i++) d += ` H${sx(cx(front[i]))} V${sy(front[i].accuracy.mean!)}`;
    parts.push(`<path d="${d}" fill="none" stroke="${FRONT_COLOUR}" stroke-dasharray="5 3"/>`);
  }
  const labels = placeLabels(
    pts.map((m) => ({ px: sx(cx(m)) - L, py: sy(m.accuracy.mean!) - T, text: m.id })),
    W - L - R - 60,
    H - T - B,
  );
  pts.forEach((m, i) => {
    const x = sx(cx(m));
    const y = sy(m.accuracy.mean!);
    const c = m.pareto ? FRONT_COLOUR : DOMINATED_COLOUR;
    parts.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="4.5" fill="${c}"><title>${escapeHtml(`${m.id}: accuracy ${m.accuracy.mean!.toFixed(3)}, ${fmtEnergy(cx(m))} ${COST_AXIS[p.cost].short}`)}</title></circle>`);
    parts.push(`<text x="${(labels[i].lx + L).toFixed(1)}" y="${(labels[i].ly + T).toFixed(1)}" font-size="10" fill="${textColour(c)}">${escapeHtml(m.id)}</text>`);
  });
  const lgX = W - R + 14;
  parts.push(`<circle cx="${lgX}" cy="${T + 10}" r="4.5" fill="${FRONT_COLOUR}"/><text x="${lgX + 9}" y="${T + 14}">Pareto front</text>`);
  parts.push(`<circle cx="${lgX}" cy="${T + 28}" r="4.5" fill="${DOMINATED_COLOUR}"/><text x="${lgX + 9}" y="${T + 32}">dominated</text>`);
  parts.push('</svg>');
  return parts.join('');
}

function niceStep(raw: number): number {
  const e = 10 ** Math.floor(Math.log10(raw));
  const f = raw / e;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * e;
}
