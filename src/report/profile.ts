/**
 * Outputs of `greenserv profile-models` from a table: terminal tables, profile.json / profile.csv, the Pareto
 * scatter and per-task heatmap (Vega-Lite → SVG + PNG) and an HTML fragment for report.html.
 */
import type { TopLevelSpec } from 'vega-lite';
import { costOf, type CellStats, type FrontCost, type ModelProfile, type Profile } from '../metrics/profile.js';
import { toJson } from '../metrics/summary.js';
import { esc as escapeHtml, inlineSvg } from './html.js';
import { renderChart, CHART_FONT, type RenderedChart } from './render.js';
import { csvField, csvNum } from './simulateOutputs.js';
import { fmt, renderTable } from './terminalTable.js';


/** Energy with about three significant digits: 0.0123, 5.81, 227, 3101. */
export function fmtEnergy(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  if (a >= 99.95) return x.toFixed(0);
  return x.toPrecision(a >= 0.001 ? 3 : 2);
}

/** Labels of the front's cost axis. */
export const COST_AXIS: Record<FrontCost, { noun: string; axis: string; short: string; perQuery: string }> = {
  energy: { noun: 'energy', axis: 'Mean energy per query (J, log scale)', short: 'J/query', perQuery: 'Mean energy per query (J)' },
  usd: { noun: 'cost', axis: 'Mean cost per query (USD, log scale)', short: 'USD/query', perQuery: 'Mean cost per query (USD)' },
  latency: { noun: 'latency', axis: 'Mean latency per query (s, log scale)', short: 's/query', perQuery: 'Mean latency per query (s)' },
};

/** The cost-axis value when it can sit on a log axis (finite, > 0), else null. */
function axisValue(s: CellStats | undefined, cost: FrontCost): number | null {
  if (!s) return null;
  const v = costOf(s, cost);
  return Number.isFinite(v) && v > 0 ? v : null;
}

function fmtCi(s: CellStats): string {
  const a = s.accuracy;
  if (a.mean === null) return '–';
  if (!a.ci95) return a.mean.toFixed(3);
  return `${a.mean.toFixed(3)} ± ${((a.ci95[1] - a.ci95[0]) / 2).toFixed(3)}`;
}

function frontCell(p: ModelProfile): string {
  if (p.pareto) return 'front';
  if (p.dominatedBy.length === 0) return '–';
  const more = p.dominatedBy.length > 1 ? ` +${p.dominatedBy.length - 1}` : '';
  return `by ${p.dominatedBy[0]}${more}`;
}

/** The whole terminal report: model table, per-task table, front and baselines. */
export function profileTerminal(p: Profile): string {
  const hasUsd = p.models.some((m) => m.costUsd !== null);
  const headers = ['model', 'params B', 'accuracy ± 95% CI', 'J/query', 'Wh/query', 'J/token', 'J/correct', 'p50 s', 'p95 s', 'tok in', 'tok out', ...(hasUsd ? ['USD/query'] : []), `reward λ=${p.lambda}`, 'front / dominated'];
  const rows = p.models.map((m) => [
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
  lines.push(`${d.name}: ${d.queries} queries × ${d.models} models · ${d.tasks.length} task${d.tasks.length === 1 ? '' : 's'} · λ = ${p.lambda}${costNote}`);
  lines.push('');
  lines.push(renderTable(headers, rows, right));
  lines.push('');
  // per task: accuracy and cost per query side by side, one column per task
  const unit = COST_AXIS[p.cost].short.replace('/query', '/q');
  const taskHeaders = ['model', ...d.tasks.map((t) => `${t} acc · ${unit}`)];
  const taskRows = p.models.map((m) => [
    m.id,
    ...d.tasks.map((t) => {
      const s = m.tasks[t];
      return s ? `${fmt(s.accuracy.mean, 3)} · ${fmtEnergy(costOrNull(s, p.cost))}` : '–';
    }),
  ]);
  lines.push(renderTable(taskHeaders, taskRows, taskHeaders.map((_, j) => j > 0)));
  lines.push('');
  lines.push(`Pareto front (accuracy vs ${COST_AXIS[p.cost].short}, cheapest first): ${p.pareto.join(', ') || '–'}`);
  for (const x of p.dominated) lines.push(`  ${x.id} is dominated by ${x.by.join(', ')}`);
  const b = p.baselines;
  const best = p.models.find((m) => m.id === b.bestStatic);
  lines.push(
    `static baselines: largest ${b.largest ?? '–'} · smallest ${b.smallest ?? '–'} · most accurate ${b.mostAccurate ?? '–'} · ` +
      `best static at λ = ${p.lambda}: ${b.bestStatic ?? '–'}${best ? ` (mean reward ${fmt(best.meanReward, 4)})` : ''}`,
  );
  if (p.models.some((m) => m.estimatedEnergyCells > 0)) lines.push('* energy partly or wholly estimated (--estimate-energy)');
  for (const n of p.notes) lines.push(`note: ${n}`);
  return lines.join('\n') + '\n';
}

function costOrNull(s: CellStats, cost: FrontCost): number | null {
  const v = costOf(s, cost);
  return Number.isFinite(v) ? v : null;
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
  const lines = [CSV_HEADER.join(',')];
  const row = (m: ModelProfile, scope: string, s: CellStats, pareto: boolean, by: string[], reward: number | null, est: number | ''): void => {
    lines.push(
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
      ].join(','),
    );
  };
  for (const m of p.models) row(m, 'all', m, m.pareto, m.dominatedBy, m.meanReward, m.estimatedEnergyCells);
  for (const t of p.dataset.tasks) {
    const front = new Set(p.taskPareto[t] ?? []);
    for (const m of p.models) {
      const s = m.tasks[t];
      if (s) row(m, t, s, front.has(m.id), [], null, '');
    }
  }
  return lines.join('\n') + '\n';
}

// ---- charts ---------------------------------------------------------------------------------------------

const FRONT_COLOUR = '#1b7837';
const DOMINATED_COLOUR = '#9970ab';

interface LabelBox {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

function overlaps(a: LabelBox, b: LabelBox): boolean {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

/**
 * Greedy label placement in pixel space (the chart's scales have fixed domains, so pixels are known):
 * each label takes the first candidate offset that overlaps no placed label and no point.
 * Returns the label's left-baseline anchor in pixels.
 */
export function placeLabels(
  pts: { px: number; py: number; text: string }[],
  width: number,
  height: number,
  charW = 6,
  lineH = 11,
): { lx: number; ly: number }[] {
  const boxes: LabelBox[] = pts.map((p) => ({ x0: p.px - 5, x1: p.px + 5, y0: p.py - 5, y1: p.py + 5 }));
  const order = pts.map((_, i) => i).sort((a, b) => pts[a].px - pts[b].px || pts[a].py - pts[b].py);
  const out: { lx: number; ly: number }[] = pts.map(() => ({ lx: 0, ly: 0 }));
  for (const i of order) {
    const p = pts[i];
    const w = p.text.length * charW;
    const cands: [number, number][] = [
      [7, -6],
      [7, 12],
      [-7 - w, -6],
      [-7 - w, 12],
      [7, -18],
      [7, 24],
      [-w / 2, -10],
      [-w / 2, 20],
      [-7 - w, -18],
      [-7 - w, 24],
    ];
    let chosen: LabelBox | null = null;
    let anchor = { lx: p.px + 7, ly: p.py - 6 };
    for (const [dx, dy] of cands) {
      const b = { x0: p.px + dx, x1: p.px + dx + w, y0: p.py + dy - lineH + 2, y1: p.py + dy + 2 };
      if (b.x0 < 0 || b.x1 > width + 60 || b.y0 < -10 || b.y1 > height) continue;
      if (boxes.some((o) => overlaps(o, b))) continue;
      chosen = b;
      anchor = { lx: p.px + dx, ly: p.py + dy };
      break;
    }
    if (chosen) boxes.push(chosen);
    out[i] = anchor;
  }
  return out;
}

export function paretoChartSpec(p: Profile): TopLevelSpec {
  const W = 620;
  const H = 400;
  const pts = p.models.filter((m) => m.accuracy.mean !== null && axisValue(m, p.cost) !== null);
  const es = pts.map((m) => axisValue(m, p.cost)!);
  const lo = pts.map((m) => m.accuracy.ci95?.[0] ?? m.accuracy.mean!);
  const hi = pts.map((m) => m.accuracy.ci95?.[1] ?? m.accuracy.mean!);
  // fixed domains so the label placement below knows where every point lands
  const eMin = es.length ? Math.min(...es) : 1;
  const eMax = es.length ? Math.max(...es) : 10;
  const lx0 = Math.log10(eMin) - Math.max(0.04, 0.04 * Math.log10(eMax / eMin));
  const lx1 = Math.log10(eMax) + Math.max(0.1, 0.12 * Math.log10(eMax / eMin));
  const yMin = lo.length ? Math.min(...lo) : 0;
  const yMax = hi.length ? Math.max(...hi) : 1;
  const yPad = Math.max(0.01, (yMax - yMin) * 0.06);
  const y0 = Math.max(0, yMin - yPad);
  const y1 = Math.min(1, yMax + yPad) > y0 ? Math.min(1, yMax + yPad) : y0 + 0.1;
  const px = (e: number): number => ((Math.log10(e) - lx0) / (lx1 - lx0)) * W;
  const py = (a: number): number => H - ((a - y0) / (y1 - y0)) * H;
  const placed = placeLabels(
    pts.map((m, i) => ({ px: px(es[i]), py: py(m.accuracy.mean!), text: m.id })),
    W,
    H,
  );
  const values = pts.map((m, i) => ({
    id: m.id,
    cost: es[i],
    accuracy: m.accuracy.mean,
    lo: lo[i],
    hi: hi[i],
    status: m.pareto ? 'Pareto front' : 'dominated',
    paramsB: m.paramsB,
    dominatedBy: m.dominatedBy.join(', '),
    labelE: 10 ** (lx0 + (placed[i].lx / W) * (lx1 - lx0)),
    labelA: y0 + ((H - placed[i].ly) / H) * (y1 - y0),
  }));
  const xScale = { type: 'log', domain: [10 ** lx0, 10 ** lx1], nice: false, zero: false };
  const yScale = { domain: [y0, y1], nice: false, zero: false };
  const x = { field: 'cost', type: 'quantitative', scale: xScale, axis: { title: COST_AXIS[p.cost].axis } };
  const y = { field: 'accuracy', type: 'quantitative', scale: yScale, axis: { title: 'Mean accuracy (bars: 95% CI)', format: '.2f' } };
  const domain = ['Pareto front', 'dominated'];
  const color = { field: 'status', type: 'nominal', scale: { domain, range: [FRONT_COLOUR, DOMINATED_COLOUR] }, legend: { title: 'Model', orient: 'top-left', labelLimit: 0, symbolOpacity: 1 } };
  const best = p.bestStatic ? ` · best static at λ = ${p.lambda}: ${p.bestStatic}` : '';
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `Accuracy vs ${COST_AXIS[p.cost].noun} per query`, subtitle: `${p.dataset.name} · ${p.dataset.queries} queries${best}` },
    width: W,
    height: H,
    data: { values },
    layer: [
      {
        mark: { type: 'rule', opacity: 0.5 },
        encoding: { x, y: { field: 'lo', type: 'quantitative', scale: yScale }, y2: { field: 'hi' }, color },
      },
      {
        transform: [{ filter: "datum.status === 'Pareto front'" }],
        mark: { type: 'line', interpolate: 'step-after', strokeDash: [5, 3], color: FRONT_COLOUR, opacity: 0.8 },
        encoding: { x, y, order: { field: 'cost', type: 'quantitative' } },
      },
      {
        mark: { type: 'point', filled: true, size: 80, opacity: 1 },
        encoding: {
          x,
          y,
          color,
          shape: { field: 'status', type: 'nominal', scale: { domain, range: ['circle', 'triangle-down'] }, legend: { title: 'Model', orient: 'top-left', labelLimit: 0, symbolOpacity: 1 } },
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
          text: { field: 'id' },
          color,
        },
      },
    ],
  } as unknown as TopLevelSpec;
}

export function heatmapChartSpec(p: Profile): TopLevelSpec {
  // rows sorted by overall energy so the two panels read as cheap → expensive
  const order = [...p.models].sort((a, b) => (axisValue(a, p.cost) ?? Infinity) - (axisValue(b, p.cost) ?? Infinity)).map((m) => m.id);
  const values: Record<string, unknown>[] = [];
  for (const m of p.models) {
    for (const t of p.dataset.tasks) {
      const s = m.tasks[t];
      if (!s) continue;
      values.push({
        model: m.id,
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
  const yEnc = { field: 'model', type: 'nominal', sort: order, axis: { ...bare, title: 'Model (cheapest first)' } };
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
  const eVals = values.map((v) => v.cost as number | null).filter((v): v is number => v !== null);
  const logMid = eVals.length ? Math.sqrt(Math.min(...eVals) * Math.max(...eVals)) : 1;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `Per-task accuracy and ${COST_AXIS[p.cost].noun} per query`, subtitle: `${p.dataset.name} · cell text: mean accuracy / mean ${COST_AXIS[p.cost].short}` },
    data: { values },
    hconcat: [
      panel('accuracy', 'Accuracy', 'Mean accuracy', { scheme: 'blues', domain: [0, 1] }, 'datum.accuracy > 0.6'),
      panel('cost', `${COST_AXIS[p.cost].short} (log)`, COST_AXIS[p.cost].perQuery, { type: 'log', scheme: 'oranges' }, `datum.cost > ${logMid * 3}`),
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

/** File name → content of a profile output directory. */
export function profileFiles(p: Profile, charts: ProfileCharts): Record<string, string | Uint8Array> {
  return {
    'profile.json': profileJson(p),
    'profile.csv': profileCsv(p),
    'pareto.svg': charts.pareto.svg,
    'pareto.png': charts.pareto.png,
    'heatmap.svg': charts.heatmap.svg,
    'heatmap.png': charts.heatmap.png,
  };
}

// ---- HTML section -----------------------------------------------------------------------------------------

export { esc as escapeHtml } from './html.js';

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
  let x0 = Math.min(...lx);
  let x1 = Math.max(...lx);
  let y0 = Math.min(...ys);
  let y1 = Math.max(...ys);
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
    parts.push(`<text x="${(labels[i].lx + L).toFixed(1)}" y="${(labels[i].ly + T).toFixed(1)}" font-size="10" fill="${c}">${escapeHtml(m.id)}</text>`);
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

/** Background for a heatmap cell: white → colour by t ∈ [0, 1]. */
function shade(t: number, rgb: [number, number, number]): string {
  const c = rgb.map((v) => Math.round(255 + (v - 255) * Math.max(0, Math.min(1, t))));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/**
 * Self-contained HTML fragment (inline SVG, inline styles, no scripts) for report.html. Pass the rendered
 * charts to inline the Vega-Lite SVGs; without them a built-in scatter is drawn.
 */
export function profileReportSection(p: Profile, charts?: ProfileCharts): string {
  const h: string[] = [];
  const d = p.dataset;
  h.push('<section class="greenserv-profile">');
  h.push('<h2>Model profiles</h2>');
  h.push(
    `<p>${escapeHtml(d.name)}: ${d.queries} queries × ${d.models} models, tasks ${escapeHtml(d.tasks.join(', '))}; λ = ${p.lambda}. ` +
      `Pareto front (accuracy vs mean ${COST_AXIS[p.cost].noun} per query, cheapest first): <strong>${escapeHtml(p.pareto.join(', ') || '–')}</strong>. ` +
      `Best static model at λ = ${p.lambda}: <strong>${escapeHtml(p.bestStatic ?? '–')}</strong>; largest ${escapeHtml(p.baselines.largest ?? '–')}, ` +
      `smallest ${escapeHtml(p.baselines.smallest ?? '–')}, most accurate ${escapeHtml(p.baselines.mostAccurate ?? '–')}.</p>`,
  );
  h.push(`<figure style="margin:0 0 1em 0">${charts ? inlineSvg(charts.pareto.svg) : simpleParetoSvg(p)}<figcaption>Accuracy vs ${COST_AXIS[p.cost].noun} per query; the dashed staircase is the Pareto front.</figcaption></figure>`);
  const th = (s: string): string => `<th style="text-align:left;padding:2px 8px;border-bottom:1px solid #999">${escapeHtml(s)}</th>`;
  const td = (s: string, right = true, style = ''): string => `<td style="padding:2px 8px;${right ? 'text-align:right;' : ''}${style}">${escapeHtml(s)}</td>`;
  h.push('<table style="border-collapse:collapse;font-size:0.9em">');
  h.push(`<thead><tr>${['model', 'params B', 'accuracy ± 95% CI', 'J/query', 'Wh/query', 'J/token', 'J/correct', 'latency p50 s', 'p95 s', 'tokens in', 'tokens out', `reward λ=${p.lambda}`, 'Pareto'].map(th).join('')}</tr></thead><tbody>`);
  for (const m of p.models) {
    h.push(
      '<tr>' +
        td(m.id, false) +
        td(m.paramsB === null ? '–' : String(m.paramsB)) +
        td(fmtCi(m)) +
        td(fmtEnergy(m.energyJ)) +
        td(fmtEnergy(m.energyWh)) +
        td(fmtEnergy(m.energyPerTokenJ)) +
        td(fmtEnergy(m.energyPerCorrectJ)) +
        td(fmt(m.latencyS.p50, 3)) +
        td(fmt(m.latencyS.p95, 3)) +
        td(fmt(m.inputTokens, 0)) +
        td(fmt(m.outputTokens, 0)) +
        td(fmt(m.meanReward, 4)) +
        td(m.pareto ? 'front' : m.dominatedBy.length ? `dominated by ${m.dominatedBy.join(', ')}` : '–', false) +
        '</tr>',
    );
  }
  h.push('</tbody></table>');
  if (charts) {
    h.push(`<figure style="margin:1em 0">${inlineSvg(charts.heatmap.svg)}<figcaption>Per-task mean accuracy and mean ${COST_AXIS[p.cost].noun} per query.</figcaption></figure>`);
  } else {
    // heatmap as a shaded table: accuracy blue, energy orange (log scale within the table)
    const es = p.models.flatMap((m) => d.tasks.map((t) => axisValue(m.tasks[t], p.cost))).filter((v): v is number => v !== null);
    const lo = Math.log(Math.min(...es));
    const hi = Math.log(Math.max(...es));
    h.push('<table style="border-collapse:collapse;font-size:0.85em;margin-top:1em">');
    h.push(`<thead><tr>${th('model')}${d.tasks.map((t) => th(`${t} accuracy`)).join('')}${d.tasks.map((t) => th(`${t} ${COST_AXIS[p.cost].short}`)).join('')}</tr></thead><tbody>`);
    for (const m of p.models) {
      const acc = d.tasks.map((t) => {
        const a = m.tasks[t]?.accuracy.mean ?? null;
        return td(fmt(a, 3), true, a === null ? '' : `background:${shade(a, [33, 113, 181])};color:${a > 0.6 ? 'white' : 'black'}`);
      });
      const en = d.tasks.map((t) => {
        const e = m.tasks[t] ? costOrNull(m.tasks[t], p.cost) : null;
        const u = e !== null && e > 0 && hi > lo ? (Math.log(e) - lo) / (hi - lo) : 0;
        return td(fmtEnergy(e), true, e === null ? '' : `background:${shade(u, [230, 85, 13])};color:${u > 0.6 ? 'white' : 'black'}`);
      });
      h.push(`<tr>${td(m.id, false)}${acc.join('')}${en.join('')}</tr>`);
    }
    h.push('</tbody></table>');
  }
  for (const note of p.notes) h.push(`<p style="font-size:0.85em;color:#555">Note: ${escapeHtml(note)}</p>`);
  h.push('</section>');
  return h.join('\n') + '\n';
}
