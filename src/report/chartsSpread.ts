/** Charts of outcomes per run and per model: final-regret boxes, the λ sweep and accuracy vs energy. */
import type { TopLevelSpec } from 'vega-lite';
import type { ModelPoint } from '../metrics/experiment.js';
import { placeLabels } from './labels.js';
import { policyMarks, shapeScale } from './marks.js';
import { colourScale } from './palette.js';
import { H, W, niceCeil } from './chartsTime.js';
import { maxOf, minOf } from '../core/extent.js';

/** y domain holding every value (whiskers included) with a little room at both ends. */
export function paddedDomain(values: number[], zeroFloor = false): [number, number] {
  const fin = values.filter(Number.isFinite);
  if (!fin.length) return [0, 1];
  const least = minOf(fin);
  let lo = least;
  let hi = maxOf(fin);
  const pad = hi > lo ? (hi - lo) * 0.06 : Math.max(Math.abs(hi) * 0.05, 0.01);
  lo -= pad;
  hi += pad;
  if (zeroFloor && lo < 0 && least >= 0) lo = 0;
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

/** Said under the title when an axis is zoomed in on the data: box lengths are not to scale from 0. */
const NOT_FROM_ZERO = 'y axis does not start at 0';

/** A title with the notes that apply (joined as its subtitle), or the bare text when none does. */
function withNotes(title: string | { text: string; subtitle: string }, notes: (string | null)[]): string | { text: string; subtitle: string } {
  const text = typeof title === 'string' ? title : title.text;
  const all = [...(typeof title === 'string' ? [] : [title.subtitle]), ...notes].filter((n): n is string => !!n);
  return all.length ? { text, subtitle: all.join(' · ') } : text;
}

/** The title without the key's "bar: quartiles equal" item, for a chart that draws no bar. */
function withoutBarNote(title: string | { text: string; subtitle: string }): string | { text: string; subtitle: string } {
  if (typeof title === 'string') return title;
  const subtitle = title.subtitle
    .split(' · ')
    .filter((x) => x !== 'bar: quartiles equal')
    .join(' · ');
  return subtitle ? { text: title.text, subtitle } : title.text;
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
    // the key's "bar: quartiles equal" only when a bar is drawn
    title: withNotes(flat.length ? o.title : withoutBarNote(o.title), [domain[0] > 0 ? NOT_FROM_ZERO : null]),
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
    title: withNotes(flat.length ? o.title : withoutBarNote(o.title), [domain[0] > 0 ? NOT_FROM_ZERO : null]),
    data: { values: o.rows },
    layer: [
      { mark: { type: 'boxplot', extent: 'min-max', size: 8 }, encoding: { x, xOffset, y, color } },
      ...(flat.length ? [{ data: { values: flat }, mark: { type: 'tick', thickness: 2.5, size: 10, opacity: 1 }, encoding: { x, xOffset, y, color } }] : []),
    ],
  } as unknown as TopLevelSpec;
}

/** Area (px²) of a policy's marker (a diamond's half-diagonal is √size / 2). */
const DIAMOND = 110;
/** How much wider (px, half-diagonal) each diamond is than the one drawn on top of it where markers overlap. */
const RING = 2.2;

/**
 * Size of each policy's diamond. Diamonds that would overlap (a chain of them, in pixels) are nested: the first
 * in the legend's order is the largest and is drawn first, each next one RING px smaller on each side, so a
 * policy that lands on another's point (two routers picking the same model) still shows as a ring around it.
 */
function nestedMarkerSizes(pts: { px: number; py: number }[], size = DIAMOND, ring = RING): number[] {
  const r = Math.sqrt(size) / 2;
  const group = pts.map((_, i) => i);
  const root = (i: number): number => (group[i] === i ? i : (group[i] = root(group[i])));
  for (let i = 0; i < pts.length; i++) {
    for (let j = i + 1; j < pts.length; j++) {
      // diamonds are balls of the L1 norm: they overlap when the centres are closer than the two half-diagonals
      if (Math.abs(pts[i].px - pts[j].px) + Math.abs(pts[i].py - pts[j].py) < 2 * r) group[root(j)] = root(i);
    }
  }
  const members = new Map<number, number[]>();
  pts.forEach((_, i) => members.set(root(i), [...(members.get(root(i)) ?? []), i]));
  const out = pts.map(() => size);
  for (const m of members.values()) m.forEach((i, k) => (out[i] = k === m.length - 1 ? size : (2 * (r + ring * (m.length - 1 - k))) ** 2));
  return out;
}

/** Models named on the accuracy-vs-energy chart at most; beyond it only those on the static front. */
export const MAX_LABELLED_MODELS = 40;

/**
 * Accuracy vs total energy: single models (grey, labelled clear of every other label, marker and the front),
 * their static Pareto front, and the policies in their own colours and shapes (nested where they coincide).
 */
export function accuracyEnergySpec(o: {
  title: string;
  Q: number;
  models: ModelPoint[];
  policies: { label: string; wh: number; acc: number }[];
  colours: Map<string, string>;
  /** Under drift the models are placed on the table as loaded while the policies ran on the drifted stream: say so. */
  drifted?: boolean;
}): TopLevelSpec {
  const xs = [...o.models.map((m) => m.energyWh), ...o.policies.map((p) => p.wh)].filter((e) => Number.isFinite(e) && e >= 0);
  // maxOf, not Math.max(...xs): one value per model of a wide table overflows the stack
  const xTop = niceCeil(maxOf(xs) * 1.04);
  // only points on the axis [0, xTop] are drawn: one far outside it (a negative energy in an edited summary or
  // checkpoint) would stretch the picture past any size the PNG renderer accepts
  const onAxis = (e: number): boolean => Number.isFinite(e) && e >= 0 && e <= xTop;
  const models = o.models.filter((m) => onAxis(m.energyWh));
  const front = models.filter((m) => m.onFront).sort((a, b) => a.energyWh - b.energyWh);
  const [y0, y1] = paddedDomain([...models.map((m) => m.accuracy), ...o.policies.map((p) => p.acc)]);
  const CHAR_W = 5.5;
  const px = (e: number): number => (e / xTop) * W;
  const py = (a: number): number => H - ((a - y0) / (y1 - y0)) * H;
  const shown = o.policies.filter((p) => onAxis(p.wh) && Number.isFinite(p.acc));
  const sizes = nestedMarkerSizes(shown.map((p) => ({ px: px(p.wh), py: py(p.acc) })));
  const policies = shown.map((p, i) => ({ ...p, size: sizes[i] }));
  // the front as drawn (step-after): across at each point's accuracy, then up to the next
  const frontLines = front.slice(1).flatMap((b, k) => {
    const a = front[k];
    return [
      { x0: px(a.energyWh), y0: py(a.accuracy), x1: px(b.energyWh), y1: py(a.accuracy) },
      { x0: px(b.energyWh), y0: py(a.accuracy), x1: px(b.energyWh), y1: py(b.accuracy) },
    ];
  });
  // thousands of labels would cover the plot: beyond MAX_LABELLED_MODELS only the front is named
  const named = models.length > MAX_LABELLED_MODELS ? front : models;
  const placed = placeLabels(
    named.map((m) => ({ px: px(m.energyWh), py: py(m.accuracy), text: m.id })),
    W,
    H,
    CHAR_W,
    11,
    { overhang: 0, obstacles: policies.map((p) => ({ px: px(p.wh), py: py(p.acc), r: Math.sqrt(p.size) / 2 + 1 })), leaders: true, segments: frontLines, leaderFrom: 4 },
  );
  const labels = named.map((m, i) => {
    const p = placed[i];
    return {
      id: m.id,
      energyWh: m.energyWh,
      accuracy: m.accuracy,
      lx: (p.lx / W) * xTop,
      ly: y0 + ((H - p.ly) / H) * (y1 - y0),
      // leader from the point to the nearest edge of a label set away from it (not right beside it)
      mx: (p.ex / W) * xTop,
      my: y0 + ((H - p.ey) / H) * (y1 - y0),
      leader: p.leader,
    };
  });
  const xScale = { domain: [0, xTop], nice: false };
  const yScale = { domain: [y0, y1], nice: false, zero: false };
  const labelsShown = o.policies.map((p) => p.label);
  const unnamed = models.length - named.length;
  const subtitle = [
    ...(o.drifted && models.length ? ['grey models: the table as loaded, before the drift; policies: the drifted stream'] : []),
    ...(unnamed > 0 ? [`models named: those on the static Pareto front (${unnamed.toLocaleString('en-US')} others are not; greenserv profile-models lists every model)`] : []),
  ];
  return {
    width: W,
    height: H,
    title: subtitle.length ? { text: o.title, subtitle: subtitle.length === 1 ? subtitle[0] : subtitle } : o.title,
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
        // the largest (nested) diamonds first, so the smaller ones are drawn on top of them (without an order,
        // Vega-Lite would draw the legend's first policy last)
        data: { values: policies.map((p, i) => ({ ...p, i })).sort((a, b) => b.size - a.size || a.i - b.i).map(({ i: _, ...p }, z) => ({ ...p, z })) },
        mark: { type: 'point', filled: true, opacity: 1, strokeWidth: 1 },
        encoding: {
          x: { field: 'wh', type: 'quantitative', scale: xScale },
          y: { field: 'acc', type: 'quantitative', scale: yScale },
          size: { field: 'size', type: 'quantitative', scale: null, legend: null },
          order: { field: 'z', type: 'quantitative' },
          color: { field: 'label', type: 'nominal', title: 'policy', scale: colourScale(o.colours, labelsShown), legend: { symbolOpacity: 1, symbolSize: DIAMOND } },
          // a shape per policy besides its colour, in the same legend: the markers also read in greyscale
          shape: { field: 'label', type: 'nominal', title: 'policy', scale: shapeScale(policyMarks(o.colours), labelsShown) },
          // an edge at 3:1 on white round pale markers (sand, sky), in the line colour of the policy
          stroke: { field: 'label', type: 'nominal', title: 'policy', scale: colourScale(o.colours, labelsShown, true) },
        },
      },
    ],
  } as unknown as TopLevelSpec;
}
