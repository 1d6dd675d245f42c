/** Charts of outcomes per run and per model: final-regret boxes, the λ sweep and accuracy vs energy. */
import type { TopLevelSpec } from 'vega-lite';
import type { ModelPoint } from '../metrics/experiment.js';
import { placeLabels } from './labels.js';
import { colourScale } from './palette.js';
import { H, W, niceCeil } from './chartsTime.js';

/** y domain holding every value (whiskers included) with a little room at both ends. */
export function paddedDomain(values: number[], zeroFloor = false): [number, number] {
  const fin = values.filter(Number.isFinite);
  if (!fin.length) return [0, 1];
  let lo = Math.min(...fin);
  let hi = Math.max(...fin);
  const pad = hi > lo ? (hi - lo) * 0.06 : Math.max(Math.abs(hi) * 0.05, 0.01);
  lo -= pad;
  hi += pad;
  if (zeroFloor && lo < 0 && Math.min(...fin) >= 0) lo = 0;
  return [lo, hi];
}

/** Quantile of sorted values, linear between order statistics (as the box plot computes its quartiles). */
function quantile(sorted: number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  return lo + 1 < sorted.length ? sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]) : sorted[lo];
}

/**
 * Groups whose box has no visible height (quartiles closer than `minHeight`, e.g. every run of a fixed policy
 * gave the same value): the box would not show, so they get a bar at the median.
 */
export function flatBoxes<T extends Record<string, unknown>>(rows: T[], keys: (keyof T)[], field: keyof T, minHeight = 0): T[] {
  const groups = new Map<string, T[]>();
  for (const r of rows) {
    const k = keys.map((key) => String(r[key])).join('\u0000');
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  const out: T[] = [];
  for (const g of groups.values()) {
    const v = g.map((r) => r[field] as number).filter(Number.isFinite).sort((a, b) => a - b);
    if (!v.length) continue;
    const q1 = quantile(v, 0.25);
    const q3 = quantile(v, 0.75);
    // runs of a fixed policy sum the same regrets in another order, so "equal" allows rounding
    if (q3 - q1 <= Math.max(minHeight, 1e-9 * Math.max(1, Math.abs(q3)))) out.push({ ...g[0], [field]: quantile(v, 0.5) });
  }
  return out;
}

export function finalRegretBoxSpec(o: { title: string | { text: string; subtitle: string }; rows: { label: string; regret: number }[]; order: string[]; colours: Map<string, string> }): TopLevelSpec {
  const domain = paddedDomain(
    o.rows.map((r) => r.regret),
    true,
  );
  // no axis title: the labels name themselves, and a rotated axis leaves the title far below
  const x = { field: 'label', type: 'nominal', title: null, sort: o.order, axis: { labelAngle: -30, labelLimit: 220 } };
  const y = { field: 'regret', type: 'quantitative', title: 'final cumulative regret (reward units)', scale: { domain, nice: false, zero: false } };
  const color = { field: 'label', type: 'nominal', legend: null, scale: colourScale(o.colours, o.order) };
  // a box under 2 px tall does not show
  const flat = flatBoxes(o.rows, ['label'], 'regret', ((domain[1] - domain[0]) / H) * 2);
  return {
    width: W + 120,
    height: H,
    title: o.title,
    data: { values: o.rows },
    layer: [
      { mark: { type: 'boxplot', extent: 'min-max', size: 22 }, encoding: { x, y, color } },
      ...(flat.length ? [{ data: { values: flat }, mark: { type: 'tick', thickness: 3, size: 26, opacity: 1 }, encoding: { x, y, color } }] : []),
      { mark: { type: 'point', filled: true, size: 18, color: '#222', opacity: 0.7 }, encoding: { x, y } },
    ],
  } as unknown as TopLevelSpec;
}

export function lambdaSweepSpec(o: {
  title: string | { text: string; subtitle: string };
  field: 'accuracy' | 'wh';
  axisTitle: string;
  rows: { lambda: string; label: string; accuracy: number; wh: number }[];
  labels: string[];
  colours: Map<string, string>;
}): TopLevelSpec {
  const domain = paddedDomain(
    o.rows.map((r) => r[o.field]),
    true,
  );
  const x = { field: 'lambda', type: 'ordinal', title: 'λ (weight of energy in the reward)', axis: { labelAngle: 0 } };
  const xOffset = { field: 'label', type: 'nominal', sort: o.labels };
  const y = { field: o.field, type: 'quantitative', title: o.axisTitle, scale: { domain, nice: false, zero: false } };
  const color = { field: 'label', type: 'nominal', title: 'policy', scale: colourScale(o.colours, o.labels), legend: { symbolType: 'square', symbolOpacity: 1 } };
  const flat = flatBoxes(o.rows, ['lambda', 'label'], o.field, ((domain[1] - domain[0]) / H) * 2);
  return {
    width: W + 160,
    height: H,
    // the note on bars only when a bar is drawn
    title: flat.length || typeof o.title === 'string' ? o.title : o.title.text,
    data: { values: o.rows },
    layer: [
      { mark: { type: 'boxplot', extent: 'min-max', size: 8 }, encoding: { x, xOffset, y, color } },
      ...(flat.length ? [{ data: { values: flat }, mark: { type: 'tick', thickness: 2.5, size: 10, opacity: 1 }, encoding: { x, xOffset, y, color } }] : []),
    ],
  } as unknown as TopLevelSpec;
}

/**
 * Accuracy vs total energy: single models (grey, labelled clear of every other label and marker), their
 * static Pareto front, and the policies in their own colours.
 */
export function accuracyEnergySpec(o: { title: string; Q: number; models: ModelPoint[]; policies: { label: string; wh: number; acc: number }[]; colours: Map<string, string> }): TopLevelSpec {
  const models = o.models;
  const front = models.filter((m) => m.onFront).sort((a, b) => a.energyWh - b.energyWh);
  const xs = [...models.map((m) => m.energyWh), ...o.policies.map((p) => p.wh)].filter(Number.isFinite);
  const xTop = niceCeil(Math.max(...xs) * 1.04);
  const [y0, y1] = paddedDomain([...models.map((m) => m.accuracy), ...o.policies.map((p) => p.acc)]);
  const CHAR_W = 5.5;
  const px = (e: number): number => (e / xTop) * W;
  const py = (a: number): number => H - ((a - y0) / (y1 - y0)) * H;
  const placed = placeLabels(
    models.map((m) => ({ px: px(m.energyWh), py: py(m.accuracy), text: m.id })),
    W,
    H,
    CHAR_W,
    11,
    { overhang: 0, obstacles: o.policies.filter((p) => Number.isFinite(p.wh) && Number.isFinite(p.acc)).map((p) => ({ px: px(p.wh), py: py(p.acc) })), leaders: true },
  );
  const labels = models.map((m, i) => {
    const p = placed[i];
    // leader from the point to the nearest edge of a label set away from it (not right beside it)
    const w = m.id.length * CHAR_W;
    const ex = Math.max(p.lx, Math.min(p.lx + w, px(m.energyWh)));
    const ey = Math.max(p.ly - 9, Math.min(p.ly + 2, py(m.accuracy)));
    return {
      id: m.id,
      energyWh: m.energyWh,
      accuracy: m.accuracy,
      lx: (p.lx / W) * xTop,
      ly: y0 + ((H - p.ly) / H) * (y1 - y0),
      mx: (ex / W) * xTop,
      my: y0 + ((H - ey) / H) * (y1 - y0),
      leader: p.leader || p.rank >= 4,
    };
  });
  const xScale = { domain: [0, xTop], nice: false };
  const yScale = { domain: [y0, y1], nice: false, zero: false };
  const labelsShown = o.policies.map((p) => p.label);
  return {
    width: W,
    height: H,
    title: o.title,
    layer: [
      {
        data: { values: front },
        mark: { type: 'line', color: '#999', strokeDash: [5, 3], interpolate: 'step-after' },
        encoding: { x: { field: 'energyWh', type: 'quantitative', scale: xScale }, y: { field: 'accuracy', type: 'quantitative', scale: yScale } },
      },
      {
        data: { values: labels.filter((l) => l.leader) },
        mark: { type: 'rule', color: '#aaa', strokeWidth: 0.8 },
        encoding: { x: { field: 'energyWh', type: 'quantitative', scale: xScale }, y: { field: 'accuracy', type: 'quantitative', scale: yScale }, x2: { field: 'mx' }, y2: { field: 'my' } },
      },
      {
        data: { values: models },
        mark: { type: 'point', color: '#888', filled: true, size: 40 },
        encoding: {
          x: { field: 'energyWh', type: 'quantitative', title: `total energy over ${o.Q} queries (Wh)`, scale: xScale },
          y: { field: 'accuracy', type: 'quantitative', title: 'mean accuracy', scale: yScale },
          tooltip: [{ field: 'id' }],
        },
      },
      {
        data: { values: labels },
        mark: { type: 'text', align: 'left', baseline: 'alphabetic', fontSize: 9, color: '#666' },
        encoding: { x: { field: 'lx', type: 'quantitative', scale: xScale }, y: { field: 'ly', type: 'quantitative', scale: yScale }, text: { field: 'id' } },
      },
      {
        data: { values: o.policies },
        mark: { type: 'point', filled: true, size: 110, shape: 'diamond', opacity: 1 },
        encoding: {
          x: { field: 'wh', type: 'quantitative', scale: xScale },
          y: { field: 'acc', type: 'quantitative', scale: yScale },
          color: { field: 'label', type: 'nominal', title: 'policy', scale: colourScale(o.colours, labelsShown), legend: { symbolOpacity: 1 } },
        },
      },
    ],
  } as unknown as TopLevelSpec;
}
