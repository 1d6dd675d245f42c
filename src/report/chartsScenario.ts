/** Scenario charts (docs/model.md §11): running budget use against the budget, and regret around each event. */
import type { TopLevelSpec } from 'vega-lite';
import type { ScenarioSummary } from '../metrics/scenario.js';
import { endLabelLayers, eventTextLayers, H, labelRowsOffset, legendFor, niceCeil, placeEventLabels, W } from './chartsTime.js';
import { segmentCrossesBox } from './labels.js';
import { dashScale, LINE_LEGEND, policyMarks } from './marks.js';
import { colourScale } from './palette.js';
import { budgetReferenceCaption, budgetReferenceCells, budgetRows, eventRows } from './terminalTable.js';
import { eventGroups, type EventGroup } from './eventGroups.js';

/**
 * A table beside a chart in report.html, its cells those of the terminal's table. `refRows` (references such
 * as a best fixed model) follow the rows, set apart.
 */
export interface FigureTable {
  caption: string;
  headers: string[];
  rows: string[][];
  refRows?: string[][];
  /** Columns of text (left-aligned, may wrap); the first always is. */
  text?: number[];
}

interface ScenarioChart {
  name: string;
  title: string;
  spec: TopLevelSpec;
  tables?: FigureTable[];
}

function lambdaText(l: number): string {
  return Number(l.toFixed(3)).toString();
}

/** Width (px) a 10 px label of the rule takes: DejaVu Sans averages under 6.2 px a character at that size. */
const RULE_CHAR_W = 6.2;

/**
 * Where the budget rule's label goes: the first of right above, right below, left above, left below the rule
 * (then the middle) whose box no curve passes through; else the one fewest curve segments pass through.
 * Returns the text mark's x (px), alignment and baseline offset.
 */
function ruleLabelPlace(
  text: string,
  ruleY: number,
  curves: { x: number; y: number }[][],
): { x: number; align: 'left' | 'right' | 'center'; above: boolean; box: { x0: number; x1: number; y0: number; y1: number } } {
  const w = text.length * RULE_CHAR_W;
  const cands: { x: number; align: 'left' | 'right' | 'center'; above: boolean }[] = [
    { x: W - 4, align: 'right', above: true },
    { x: W - 4, align: 'right', above: false },
    { x: 4, align: 'left', above: true },
    { x: 4, align: 'left', above: false },
    { x: W / 2, align: 'center', above: true },
    { x: W / 2, align: 'center', above: false },
  ];
  const boxOf = (c: (typeof cands)[number]) => {
    const x0 = c.align === 'right' ? c.x - w : c.align === 'left' ? c.x : c.x - w / 2;
    // 10 px text 3 px off the rule: its box from the rule out to 15 px, less the line's own half width
    return { x0: x0 - 2, x1: x0 + w + 2, y0: c.above ? ruleY - 15 : ruleY + 2, y1: c.above ? ruleY - 2 : ruleY + 15 };
  };
  const hits = (b: ReturnType<typeof boxOf>): number => {
    let n = 0;
    for (const pts of curves) for (let i = 1; i < pts.length; i++) if (segmentCrossesBox({ x0: pts[i - 1].x, y0: pts[i - 1].y, x1: pts[i].x, y1: pts[i].y }, b)) n++;
    return n;
  };
  // room above the rule only below the top of the plot, below it only above the bottom
  const fits = (b: ReturnType<typeof boxOf>): boolean => b.y0 >= 0 && b.y1 <= H;
  let best = { c: cands[0], b: boxOf(cands[0]), n: Infinity };
  for (const c of cands) {
    const b = boxOf(c);
    if (!fits(b)) continue;
    const n = hits(b);
    if (n === 0) return { ...c, box: b };
    if (n < best.n) best = { c, b, n };
  }
  return { ...best.c, box: best.b };
}

/** Running mean (or, for latency, the share above the limit) per policy, with the budget as a labelled rule. */
function budgetSpec(b: NonNullable<ScenarioSummary['budget']>, lambda: number, colours: Map<string, string>, runs: number, Q: number): TopLevelSpec {
  const curves = b.curves.filter((c) => c.lambda === lambda);
  const latency = b.kind === 'latency';
  const target = latency ? 0.05 : b.limit;
  const rows = curves.flatMap((c) => c.steps.map((s, k) => ({ step: s, label: c.label, v: c.running[k] })));
  const top = niceCeil(Math.max(target * 1.25, ...rows.filter((r) => Number.isFinite(r.v)).map((r) => r.v)));
  const labels = curves.map((c) => c.label);
  // no end labels here (the curves end near the budget, together): a dash per policy, shown in the legend too
  const legend = { ...LINE_LEGEND, labelLimit: 220 };
  const color = { field: 'label', type: 'nominal', title: 'policy', scale: colourScale(colours, labels, true), legend };
  const strokeDash = { field: 'label', type: 'nominal', title: 'policy', scale: dashScale(policyMarks(colours), labels), legend };
  const yTitle = latency ? `share of queries above ${b.limit} s so far` : `running mean (${b.unit})`;
  const ruleText = latency ? `p95 budget: ≤ 5 % above ${b.limit} s` : `budget ${b.limit} ${b.unit}`;
  // the axis ends with the stream, as in the other charts over it
  const xEnd = Math.max(Q, ...rows.map((r) => r.step));
  const px = (step: number): number => (step / xEnd) * W;
  const py = (v: number): number => H - (Math.min(Math.max(v, 0), top) / top) * H;
  const place = ruleLabelPlace(
    ruleText,
    py(target),
    curves.map((c) => c.steps.map((st, k) => ({ x: px(st), y: py(c.running[k]) })).filter((p) => Number.isFinite(p.y))),
  );
  return {
    width: W,
    height: H,
    title: { text: `Budget adherence, λ = ${lambdaText(lambda)} (mean over ${runs} run${runs === 1 ? '' : 's'})`, subtitle: `${ruleText} (dashed)` },
    layer: [
      // the rule under the curves: a policy that keeps to the budget runs along it
      { data: { values: [{ y: target }] }, mark: { type: 'rule', strokeDash: [6, 4], color: '#222', strokeWidth: 1.5 }, encoding: { y: { field: 'y', type: 'quantitative' } } },
      {
        data: { values: rows },
        mark: { type: 'line', strokeWidth: 1.6, clip: true },
        encoding: {
          x: { field: 'step', type: 'quantitative', title: 'queries routed', scale: { domain: [0, xEnd], nice: false } },
          y: { field: 'v', type: 'quantitative', title: yTitle, scale: { domain: [0, top], nice: false } },
          color,
          strokeDash,
        },
      },
      {
        // beside the rule where no curve runs, so the curves stay readable under it
        data: { values: [{ y: target, text: ruleText }] },
        mark: { type: 'text', align: place.align, baseline: place.above ? 'bottom' : 'top', dy: place.above ? -3 : 3, fontSize: 10, color: '#222' },
        encoding: { x: { value: place.x }, y: { field: 'y', type: 'quantitative' }, text: { field: 'text' } },
      },
    ],
  } as unknown as TopLevelSpec;
}

/**
 * Moving-average regret around one event, with the event as a labelled rule; the axis spans the curves exactly.
 * Other events inside that span are marked too (thinner rules), so a change in the curves is not put down to
 * the wrong event; labels that would overlap stack in rows above the plot.
 */
function eventSpec(e: NonNullable<ScenarioSummary['events']>, g: EventGroup, lambda: number, colours: Map<string, string>, runs: number): TopLevelSpec {
  const k = g.members[0];
  const ev = { step: g.step, what: g.short };
  const curves = e.curves.filter((c) => c.lambda === lambda && c.event === k);
  const rows = curves.flatMap((c) => c.regret.map((v, i) => ({ step: c.from + i + 1, label: c.label, v })));
  const top = niceCeil(Math.max(0, ...rows.map((r) => r.v)));
  const labels = curves.map((c) => c.label);
  // labels at the line ends as on the other charts over the stream: six noisy lines are hard to tell by colour alone
  const color = { field: 'label', type: 'nominal', title: 'policy', scale: colourScale(colours, labels, true), legend: legendFor(labels) };
  // from the step before the first point (the window's start, a round number) to the last point
  const steps = rows.map((r) => r.step);
  const [x0, x1] = steps.length ? [Math.min(...steps, ev.step) - 1, Math.max(...steps, ev.step)] : [ev.step - 1, ev.step + 1];
  const others = eventGroups(e.list)
    .filter((o) => o.step !== g.step && o.step > x0 && o.step <= x1)
    .map((o) => ({ step: o.step, what: o.short }));
  // this event's label first, so it keeps the row nearest the plot
  const [own, ...rest] = placeEventLabels([ev, ...others], x1, 'step', x0);
  const x = { field: 'step', type: 'quantitative' };
  return {
    width: W,
    height: H,
    title: { text: `Regret around step ${ev.step}, λ = ${lambdaText(lambda)}`, subtitle: `moving average of 25 steps, mean over ${runs} run${runs === 1 ? '' : 's'}`, offset: labelRowsOffset([own, ...rest]) },
    layer: [
      {
        data: { values: rows },
        mark: { type: 'line', strokeWidth: 1.5, clip: true },
        encoding: {
          x: { ...x, title: 'queries routed', scale: { domain: [x0, x1], nice: false, zero: false }, axis: { tickCount: 8 } },
          y: { field: 'v', type: 'quantitative', title: 'step regret (reward units)', scale: { domain: [0, top], nice: false } },
          color,
        },
      },
      ...endLabelLayers(
        curves.filter((c) => c.regret.length).map((c) => ({ label: c.label, x: c.from + c.regret.length, value: c.regret[c.regret.length - 1] })),
        top,
        x1,
        color,
        x0,
      ),
      ...(rest.length ? [{ data: { values: rest }, mark: { type: 'rule', color: '#666', strokeWidth: 1, strokeDash: [4, 3] }, encoding: { x } }, ...eventTextLayers(rest, '#555')] : []),
      { data: { values: [own] }, mark: { type: 'rule', color: '#222', strokeWidth: 2, strokeDash: [2, 3] }, encoding: { x } },
      ...eventTextLayers([own], '#222'),
    ],
  } as unknown as TopLevelSpec;
}

/** The event's table at one λ: per policy the regret over the window and its excess over the window's best fixed model. */
function eventFigureTable(e: NonNullable<ScenarioSummary['events']>, g: EventGroup, lambda: number, runs: number, Q: number): FigureTable {
  const ev = { step: g.step };
  const t = eventRows(e, g.members[0], lambda);
  const cut = ev.step + e.window > Q ? ` (window cut to ${Math.max(0, Q - ev.step)} steps by the stream's end)` : '';
  const headers = t.headers.map((h) => (h === 'excess over best fixed' ? 'excess over the best fixed model' : h));
  return {
    caption: `Regret summed over the ${e.window} steps from step ${ev.step}${cut}, mean ± sd over ${runs} run${runs === 1 ? '' : 's'}`,
    headers,
    rows: t.rows,
    refRows: t.best.map((b) => [`${b.model} (best fixed model in hindsight)`, b.regret, ...(t.excess ? [''] : [])]),
  };
}

/**
 * The budget's tables at one λ, the terminal's cells with units in the headers: per policy where it ended
 * against the budget and its accuracy, then the hindsight references a budgeted router is to beat.
 */
function budgetFigureTables(b: NonNullable<ScenarioSummary['budget']>, lambda: number, runs: number, drifted: boolean): FigureTable[] {
  const stat = b.kind === 'latency' ? 'p95' : 'mean';
  const t = budgetRows(b, lambda);
  // the latency unit names its statistic, 's (p95)'; the headers name it already
  const unit = b.unit.replace(/ \(p95\)$/, '');
  const named: Record<string, string> = { [`final ${stat}`]: `final ${stat} (${unit})`, overshoot: 'overshoot of the budget', 'runs within 5 %': 'runs within 5 % of it' };
  const out: FigureTable[] = [{ caption: `Budget: ${b.kind} ${b.limit} ${b.unit}; mean over ${runs} run${runs === 1 ? '' : 's'}`, headers: t.headers.map((h) => named[h] ?? h), rows: t.rows }];
  const refs = budgetReferenceCells(b);
  if (refs.length) {
    out.push({
      // the references are on the table as loaded (docs/model.md §11.1): under drift, not the stream the policies met
      caption: budgetReferenceCaption(drifted),
      headers: ['reference', 'model', 'accuracy', `${stat} (${unit})`],
      rows: refs.map((r) => [r.what, r.model, r.accuracy ?? '–', r.value ?? '–']),
      text: [1],
    });
  }
  return out;
}

export function scenarioCharts(sc: ScenarioSummary, lambdas: number[], colours: Map<string, string>, runs: number, Q: number, drifted = false): ScenarioChart[] {
  const out: ScenarioChart[] = [];
  for (const lambda of lambdas) {
    const suffix = lambdas.length > 1 ? `-lambda-${lambdaText(lambda)}` : '';
    if (sc.budget && sc.budget.curves.some((c) => c.lambda === lambda)) {
      out.push({
        name: `budget-adherence${suffix}`,
        title: `Budget adherence (λ = ${lambdaText(lambda)})`,
        spec: budgetSpec(sc.budget, lambda, colours, runs, Q),
        tables: budgetFigureTables(sc.budget, lambda, runs, drifted),
      });
    }
    if (sc.events) {
      // events at one step share their window: one chart, named after the first
      for (const g of eventGroups(sc.events.list)) {
        out.push({
          name: `event-${g.members[0] + 1}-regret${suffix}`,
          title: `Regret around step ${g.step}, ${g.what} (λ = ${lambdaText(lambda)})`,
          spec: eventSpec(sc.events, g, lambda, colours, runs),
          tables: [eventFigureTable(sc.events, g, lambda, runs, Q)],
        });
      }
    }
  }
  return out;
}
