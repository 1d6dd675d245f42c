/** Charts over the query stream: cumulative regret, moving-average regret and selection heatmaps. */
import type { TopLevelSpec } from 'vega-lite';
import type { CellCurves, SelectionWindows } from '../metrics/experiment.js';
import { colourScale, textColour } from './palette.js';
import { cutMiddle } from './tableShrink.js';
import { dejaVuWidth } from './textWidth.js';

export const W = 560;
export const H = 320;
/**
 * Plot every k-th step of per-step curves: the SVG stays small and the curve shape is unchanged at paper size.
 * At most every 10th, and at least 250 points a curve, so a short stream (a 120-query test) is not drawn as a
 * dozen straight segments.
 */
export function strideFor(Q: number): number {
  return Math.max(1, Math.min(10, Math.floor(Q / 250)));
}
/** Direct labels at the line ends: font size and the vertical room each needs (px). */
const END_FONT = 10;
const END_LINE = 12;

export interface PoolEvent {
  step: number;
  what: string;
}

/** v rounded up to a round step (⅕, ½ or 1 × 10ᵏ by magnitude) so an axis ends on a tick just above the data. */
export function niceCeil(v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) return 1;
  const e = 10 ** Math.floor(Math.log10(v));
  const f = v / e;
  const step = f < 2 ? e / 5 : f < 5 ? e / 2 : e;
  return Number((Math.ceil(v / step - 1e-9) * step).toPrecision(12));
}

/**
 * Vertical positions (data units) of labels at the line ends: each as close to its line's last value as
 * possible while labels keep END_LINE px apart and stay inside the plot.
 */
export function endLabelPositions(values: number[], yTop: number, height = H, gap = END_LINE): number[] {
  const px = values.map((v) => height - (Math.max(0, Math.min(yTop, v)) / yTop) * height);
  const order = px.map((_, i) => i).sort((a, b) => px[a] - px[b] || a - b);
  const pos = new Float64Array(px.length);
  let prev = -Infinity;
  for (const i of order) {
    pos[i] = Math.max(px[i], prev + gap);
    prev = pos[i];
  }
  // pushed past the bottom: shift the stack up
  let over = prev - height;
  for (let k = order.length - 1; k >= 0 && over > 0; k--) {
    const i = order[k];
    pos[i] -= over;
    const next = k > 0 ? pos[order[k - 1]] : -Infinity;
    over = next + gap - pos[i];
  }
  return [...pos].map((p) => ((height - p) / height) * yTop);
}

/** Vertical room (px) of one row of 10 px event labels above the plot. */
const EVENT_ROW = 12;
/** Least horizontal gap (px) between two event labels on one row. */
const EVENT_GAP = 6;

interface PlacedEvent extends PoolEvent {
  text: string;
  align: 'left' | 'right';
  /** Row above the plot, 0 nearest it: a label that would overlap one before it goes up a row. */
  row: number;
}

/**
 * Event labels above the plot, where no curve or cell can run through them: from the rule rightwards, or
 * leftwards when it would run past the plot's right edge; events close together (two changes 100 queries
 * apart) stack in rows instead of printing over each other.
 */
export function placeEventLabels(events: PoolEvent[], Q: number, prefix = 'query', from = 0): PlacedEvent[] {
  const boxes: { x0: number; x1: number; row: number }[] = [];
  return events.map((e) => {
    const text = `${prefix} ${e.step}: ${e.what}`;
    const w = dejaVuWidth(text, 10);
    // the x axis runs from `from` to Q
    const at = ((e.step - from) / Math.max(1, Q - from)) * W;
    const right = at + 4 + w > W;
    const x0 = right ? at - 4 - w : at + 4;
    let row = 0;
    while (boxes.some((b) => b.row === row && x0 < b.x1 + EVENT_GAP && b.x0 < x0 + w + EVENT_GAP)) row++;
    boxes.push({ x0, x1: x0 + w, row });
    return { ...e, text, align: right ? 'right' : 'left', row };
  });
}

/** Title offset (px) leaving room for the rows of placed event labels above the plot; `none` without any. */
export function labelRowsOffset(placed: PlacedEvent[], none = 8): number {
  return placed.length ? 18 + EVENT_ROW * Math.max(...placed.map((e) => e.row)) : none;
}

/** Title offset (px) leaving room for the rows of event labels above the plot; `none` without events. */
function eventTitleOffset(events: PoolEvent[], Q: number, none = 8): number {
  return labelRowsOffset(placeEventLabels(events, Q), none);
}

/** Text layers of placed event labels, one per alignment and row (a text mark's offsets are not per datum). */
export function eventTextLayers(placed: PlacedEvent[], color: string): Record<string, unknown>[] {
  const groups = [...new Set(placed.map((v) => `${v.align} ${v.row}`))];
  return groups.map((g) => {
    const [a, row] = g.split(' ');
    return {
      data: { values: placed.filter((v) => `${v.align} ${v.row}` === g) },
      mark: { type: 'text', align: a, baseline: 'bottom', dx: a === 'left' ? 4 : -4, dy: -3 - EVENT_ROW * Number(row), fontSize: 10, color },
      encoding: { x: { field: 'step', type: 'quantitative' }, y: { value: 0 }, text: { field: 'text' } },
    };
  });
}

/**
 * Event rules with a label naming the change, for charts over queries routed (near-black: no policy has that
 * colour), labels placed by placeEventLabels. `solid`: the heatmap's rule, drawn over the cells.
 */
function eventLayers(events: PoolEvent[], Q: number, solid: boolean, prefix = 'query'): Record<string, unknown>[] {
  if (!events.length) return [];
  return [
    {
      data: { values: events },
      mark: { type: 'rule', strokeDash: solid ? [] : [4, 3], color: solid ? '#111' : '#444', strokeWidth: solid ? 2 : 1 },
      encoding: { x: { field: 'step', type: 'quantitative' } },
    },
    ...eventTextLayers(placeEventLabels(events, Q, prefix), solid ? '#111' : '#444'),
  ];
}

/** A chart title with room above the plot for event labels when there are events. */
function titleWithEvents(text: string, events: PoolEvent[], Q: number): string | { text: string; offset: number } {
  return events.length ? { text, offset: eventTitleOffset(events, Q) } : text;
}

/** Line layers with labels at the right end of each line (leader when the label had to move); the x axis runs from `from` to Q. */
export function endLabelLayers(ends: { label: string; x: number; value: number }[], yTop: number, Q: number, color: Record<string, unknown>, from = 0): Record<string, unknown>[] {
  const pos = endLabelPositions(
    ends.map((e) => e.value),
    yTop,
  );
  const perPx = (Q - from) / W;
  // the leader starts inside the plot, as its label does: an end far outside the axis would grow the image with it
  // the label text takes its line's colour darkened to read on white (the legend stays with the lines)
  const sc = (color as { scale?: { domain?: string[]; range?: string[] } }).scale;
  const ink = new Map((sc?.domain ?? []).map((d, i) => [d, textColour(sc?.range?.[i] ?? '#333333')]));
  const values = ends.map((e, i) => ({ label: e.label, x: e.x, value: Math.max(0, Math.min(yTop, e.value)), x2: Q + 10 * perPx, labelY: pos[i], ink: ink.get(e.label) ?? '#333333' }));
  // same encoding as the lines, so the legends merge into one
  const c = color;
  return [
    {
      data: { values },
      mark: { type: 'rule', strokeWidth: 0.8, opacity: 0.8 },
      encoding: { x: { field: 'x', type: 'quantitative' }, x2: { field: 'x2' }, y: { field: 'value', type: 'quantitative' }, y2: { field: 'labelY' }, color: c },
    },
    {
      data: { values },
      mark: { type: 'text', align: 'left', baseline: 'middle', dx: 12, fontSize: END_FONT },
      encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'labelY', type: 'quantitative' }, text: { field: 'label' }, fill: { field: 'ink', type: 'nominal', scale: null, legend: null } },
    },
  ];
}

/** Legend right of the end labels, line symbols at full opacity. */
export function legendFor(labels: string[]): Record<string, unknown> {
  const room = 16 + Math.max(0, ...labels.map((l) => l.length)) * 6.2;
  return { orient: 'right', offset: Math.round(room), symbolType: 'stroke', symbolOpacity: 1, symbolStrokeWidth: 2.5, labelLimit: 220 };
}

/** Mean cumulative regret with its 95% band; axes from 0 to the stream length, labels at the line ends. */
export function cumulativeRegretSpec(o: { title: string; curves: CellCurves[]; Q: number; colours: Map<string, string>; events: PoolEvent[] }): TopLevelSpec {
  const rows: { step: number; label: string; mean: number; lo: number; hi: number }[] = [];
  let top = 0;
  for (const c of o.curves) {
    const n = c.meanCum.length;
    // one at a time: Math.max of a NaN (an edited curves.csv) would make the axis NaN
    for (let i = 0; i < n; i++) {
      if (c.ciHi[i] > top) top = c.ciHi[i];
      if (c.meanCum[i] > top) top = c.meanCum[i];
    }
    const stride = strideFor(n);
    for (let i = 0; i < n; i += stride) rows.push({ step: i + 1, label: c.label, mean: c.meanCum[i], lo: c.ciLo[i], hi: c.ciHi[i] });
    if ((n - 1) % stride !== 0) rows.push({ step: n, label: c.label, mean: c.meanCum[n - 1], lo: c.ciLo[n - 1], hi: c.ciHi[n - 1] });
  }
  // the line starts at 0 regret before the first query
  for (const c of o.curves) rows.unshift({ step: 0, label: c.label, mean: 0, lo: 0, hi: 0 });
  const yTop = niceCeil(top);
  const color = policyColour(o.colours, o.curves);
  const x = stepAxis(o.Q);
  const y = { field: 'mean', type: 'quantitative', title: 'cumulative regret (reward units)', scale: { domain: [0, yTop], nice: false } };
  const ends = o.curves.map((c) => ({ label: c.label, x: o.Q, value: c.meanCum[c.meanCum.length - 1] }));
  return {
    width: W,
    height: H,
    title: titleWithEvents(o.title, o.events, o.Q),
    data: { values: rows },
    layer: [
      { mark: { type: 'area', opacity: 0.18, clip: true }, encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color } },
      { mark: { type: 'line', strokeWidth: 1.6, clip: true }, encoding: { x, y, color } },
      ...endLabelLayers(ends, yTop, o.Q, color),
      ...eventLayers(o.events, o.Q, false),
    ],
  } as unknown as TopLevelSpec;
}

/** The x axis of the curves over the stream: queries routed, from 0 to the stream length. */
function stepAxis(Q: number) {
  return { field: 'step', type: 'quantitative', title: 'queries routed', scale: { domain: [0, Q], nice: false } };
}

/** The colour channel of the per-policy curves: one colour per policy label, with its legend. */
function policyColour(colours: Map<string, string>, curves: readonly CellCurves[]) {
  const labels = curves.map((c) => c.label);
  // lines: pale colours darkened to 3:1 (the end labels' text darkens further, to 4.5:1)
  return { field: 'label', type: 'nominal', title: 'policy', scale: colourScale(colours, labels, true), legend: legendFor(labels) };
}

/** Moving-average step regret, plotted from the first full window on. */
export function movingAverageSpec(o: { title: string; curves: CellCurves[]; Q: number; window: number; colours: Map<string, string>; events: PoolEvent[] }): TopLevelSpec {
  const rows: { step: number; label: string; ma: number }[] = [];
  let top = 0;
  const first = Math.min(o.window, o.Q) - 1;
  for (const c of o.curves) {
    const n = c.movingAvg.length;
    for (let i = first; i < n; i++) if (c.movingAvg[i] > top) top = c.movingAvg[i];
    const stride = strideFor(n);
    for (let i = first; i < n; i += stride) rows.push({ step: i + 1, label: c.label, ma: c.movingAvg[i] });
    if ((n - 1 - first) % stride !== 0) rows.push({ step: n, label: c.label, ma: c.movingAvg[n - 1] });
  }
  const yTop = niceCeil(top);
  const color = policyColour(o.colours, o.curves);
  const ends = o.curves.map((c) => ({ label: c.label, x: o.Q, value: c.movingAvg[c.movingAvg.length - 1] }));
  return {
    width: W,
    height: H,
    title: titleWithEvents(o.title, o.events, o.Q),
    data: { values: rows },
    layer: [
      {
        mark: { type: 'line', strokeWidth: 1.4, clip: true },
        encoding: {
          x: stepAxis(o.Q),
          y: { field: 'ma', type: 'quantitative', title: 'step regret (reward units)', scale: { domain: [0, yTop], nice: false } },
          color,
        },
      },
      ...endLabelLayers(ends, yTop, o.Q, color),
      ...eventLayers(o.events, o.Q, false),
    ],
  } as unknown as TopLevelSpec;
}

/**
 * Whether each model is in the pool during each selection window: the initial pool, then the events in step
 * order (a window counts as in the pool when the model is there for any of its queries).
 */
export function poolWindows(models: string[], initial: string[] | null, events: { step: number; remove: string[]; add: string[] }[], starts: number[], window: number): boolean[][] {
  const sorted = [...events].sort((a, b) => a.step - b.step);
  const inPoolAt = (s: number): Set<string> => {
    const pool = new Set(initial ?? models);
    for (const e of sorted) {
      if (e.step > s) break;
      for (const m of e.remove) pool.delete(m);
      for (const m of e.add) pool.add(m);
    }
    return pool;
  };
  return starts.map((start) => {
    const here = new Set<string>();
    for (const s of [start, ...sorted.map((e) => e.step).filter((t) => t > start && t < start + window)]) for (const m of inPoolAt(s)) here.add(m);
    return models.map((m) => here.has(m));
  });
}

/**
 * ColorBrewer Blues from white: the lowest share reads as empty and grey (not in the pool) stands apart. Stops
 * are spaced as t^1.5 over the data's range so the many small shares are not all one pale tone.
 */
const BLUES = ['#f7fbff', '#c6dbef', '#6baed6', '#2171b5', '#08306b'];

/** Width limit (px) of a heatmap's model label (Vega's default for axis labels), and the charts' label size. */
const AXIS_LABEL_PX = 180;
const AXIS_LABEL_SIZE = 11;

/**
 * Model ids as axis labels within the axis's width limit. Vega cuts a long label at its end, so ids that
 * share a long prefix (`org/very-long-name-1:q4`, `org/very-long-name-2:q4`) all read the same; these keep
 * head and tail, and grow where two would still read alike. Ids that fit are returned as they are.
 */
export function axisLabels(ids: string[]): string[] {
  const fits = (l: string): boolean => dejaVuWidth(l, AXIS_LABEL_SIZE) <= AXIS_LABEL_PX;
  if (ids.every(fits)) return ids;
  const fitted = (id: string, extra: number): string => {
    let n = [...id].length;
    while (n > 3 && !fits(cutMiddle(id, n))) n--;
    return cutMiddle(id, n + extra);
  };
  const distinct = new Set(ids).size;
  for (let extra = 0; ; extra++) {
    const out = ids.map((id) => fitted(id, extra));
    if (new Set(out).size === distinct || out.every((l, i) => l === ids[i])) return out;
  }
}

/** Rows of a selection chart at most: the models picked most, then one row for the rest (selection.csv has all). */
export const MAX_SELECTION_ROWS = 40;

/**
 * Selection share per window: colour scaled to the data's range, windows outside the pool in grey. Rows run
 * from the model picked most; beyond MAX_SELECTION_ROWS models the least picked share one row.
 */
export function selectionSpec(o: { title: string; sel: SelectionWindows; models: string[]; inPool: boolean[][]; Q: number; window: number; events: PoolEvent[] }): TopLevelSpec {
  const cells: { start: number; end: number; model: string; rank: number; share: number }[] = [];
  const out: { start: number; end: number; model: string; rank: number; status: string }[] = [];
  const M = o.models.length;
  const tot = o.models.map((_, j) => o.sel.share.reduce((t, row) => t + row[j], 0));
  // most picked first; a stable sort keeps ties in table order
  const order = o.models.map((_, j) => j).sort((a, b) => tot[b] - tot[a]);
  const kept = M > MAX_SELECTION_ROWS ? order.slice(0, MAX_SELECTION_ROWS - 1) : order;
  const rest = order.slice(kept.length);
  const rankOf = new Int32Array(M).fill(-1);
  kept.forEach((j, r) => (rankOf[j] = r));
  const cut = axisLabels(kept.map((j) => o.models[j]));
  const labels = rest.length ? [...cut, `other (${rest.length.toLocaleString('en-US')} models)`] : cut;
  let lo = Infinity;
  let hi = -Infinity;
  o.sel.share.forEach((row, w) => {
    const start = o.sel.windowStart[w];
    const end = Math.min(o.Q, start + o.window);
    // the row's place as a field: a sort list becomes one nested condition per model, beyond the stack at ~1,000
    const push = (rank: number, share: number, inPool: boolean): void => {
      if (!inPool) {
        out.push({ start, end, model: labels[rank], rank, status: 'not in the pool' });
        return;
      }
      cells.push({ start, end, model: labels[rank], rank, share });
      if (share < lo) lo = share;
      if (share > hi) hi = share;
    };
    // marks in table order, the rest last
    for (let j = 0; j < M; j++) if (rankOf[j] >= 0) push(rankOf[j], row[j], o.inPool[w][j]);
    if (rest.length) push(kept.length, rest.reduce((t, j) => t + row[j], 0), rest.some((j) => o.inPool[w][j]));
  });
  if (!(hi > lo)) [lo, hi] = [0, Math.max(hi, 1e-9)];
  const x = { field: 'start', type: 'quantitative', title: 'queries routed', axis: { grid: false }, scale: { domain: [0, o.Q], nice: false } };
  // the labels are already cut to fit and stay apart: Vega's own cut (at the end, and short of 180 px) must not follow
  const y = { field: 'model', type: 'nominal', title: 'model', sort: { field: 'rank', op: 'min' }, axis: { grid: false, labelLimit: 0 } };
  return {
    width: W,
    height: 16 * labels.length,
    title: { text: o.title, offset: eventTitleOffset(o.events, o.Q) },
    layer: [
      {
        data: { values: cells },
        mark: { type: 'rect' },
        encoding: {
          x,
          x2: { field: 'end' },
          y,
          color: { field: 'share', type: 'quantitative', title: 'share of picks', scale: { domain: BLUES.map((_, k) => lo + (hi - lo) * (k / (BLUES.length - 1)) ** 1.5), range: BLUES, nice: false }, legend: { format: '.2f' } },
        },
      },
      ...(out.length
        ? [
            {
              data: { values: out },
              mark: { type: 'rect', color: '#bdbdbd' },
              encoding: {
                x,
                x2: { field: 'end' },
                y,
                fill: { field: 'status', type: 'nominal', title: null, scale: { domain: ['not in the pool'], range: ['#bdbdbd'] } },
              },
            },
          ]
        : []),
      ...eventLayers(o.events, o.Q, true),
    ],
  } as unknown as TopLevelSpec;
}
