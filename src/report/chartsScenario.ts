/** Scenario charts (docs/model.md §11): running budget use against the budget, and regret around each event. */
import type { TopLevelSpec } from 'vega-lite';
import type { ScenarioSummary } from '../metrics/scenario.js';
import { H, niceCeil, W } from './chartsTime.js';
import { colourScale } from './palette.js';

export interface ScenarioChart {
  name: string;
  title: string;
  spec: TopLevelSpec;
}

function lambdaText(l: number): string {
  return Number(l.toFixed(3)).toString();
}

/** Running mean (or, for latency, the share above the limit) per policy, with the budget as a labelled rule. */
function budgetSpec(b: NonNullable<ScenarioSummary['budget']>, lambda: number, colours: Map<string, string>, runs: number): TopLevelSpec {
  const curves = b.curves.filter((c) => c.lambda === lambda);
  const latency = b.kind === 'latency';
  const target = latency ? 0.05 : b.limit;
  const rows = curves.flatMap((c) => c.steps.map((s, k) => ({ step: s, label: c.label, v: c.running[k] })));
  const top = niceCeil(Math.max(target * 1.25, ...rows.filter((r) => Number.isFinite(r.v)).map((r) => r.v)));
  const labels = curves.map((c) => c.label);
  const color = { field: 'label', type: 'nominal', title: 'policy', scale: colourScale(colours, labels) };
  const yTitle = latency ? `share of queries above ${b.limit} s so far` : `running mean (${b.unit})`;
  const ruleText = latency ? `p95 budget: ≤ 5 % above ${b.limit} s` : `budget ${b.limit} ${b.unit}`;
  return {
    width: W,
    height: H,
    title: { text: `Budget adherence, λ = ${lambdaText(lambda)} (mean over ${runs} run${runs === 1 ? '' : 's'})`, subtitle: `${ruleText} (dashed)` },
    layer: [
      {
        data: { values: rows },
        mark: { type: 'line', strokeWidth: 1.6, clip: true },
        encoding: {
          x: { field: 'step', type: 'quantitative', title: 'queries routed' },
          y: { field: 'v', type: 'quantitative', title: yTitle, scale: { domain: [0, top], nice: false } },
          color,
        },
      },
      { data: { values: [{ y: target }] }, mark: { type: 'rule', strokeDash: [6, 4], color: '#222', strokeWidth: 1.5 }, encoding: { y: { field: 'y', type: 'quantitative' } } },
      {
        data: { values: [{ y: target, text: ruleText }] },
        mark: { type: 'text', align: 'right', baseline: 'bottom', dy: -3, fontSize: 10, color: '#222' },
        encoding: { x: { value: W - 4 }, y: { field: 'y', type: 'quantitative' }, text: { field: 'text' } },
      },
    ],
  } as unknown as TopLevelSpec;
}

/** Moving-average regret around one event, with the event as a labelled rule. */
function eventSpec(e: NonNullable<ScenarioSummary['events']>, k: number, lambda: number, colours: Map<string, string>, runs: number): TopLevelSpec {
  const ev = e.list[k];
  const curves = e.curves.filter((c) => c.lambda === lambda && c.event === k);
  const rows = curves.flatMap((c) => c.regret.map((v, i) => ({ step: c.from + i + 1, label: c.label, v })));
  const top = niceCeil(Math.max(0, ...rows.map((r) => r.v)));
  const labels = curves.map((c) => c.label);
  const color = { field: 'label', type: 'nominal', title: 'policy', scale: colourScale(colours, labels) };
  const text = `step ${ev.step}: ${ev.what}`;
  return {
    width: W,
    height: H,
    title: { text: `Regret around an event, λ = ${lambdaText(lambda)}`, subtitle: `moving average of 25 steps, mean over ${runs} run${runs === 1 ? '' : 's'}` },
    layer: [
      {
        data: { values: rows },
        mark: { type: 'line', strokeWidth: 1.5, clip: true },
        encoding: {
          x: { field: 'step', type: 'quantitative', title: 'queries routed', scale: { zero: false } },
          y: { field: 'v', type: 'quantitative', title: 'step regret (reward units)', scale: { domain: [0, top], nice: false } },
          color,
        },
      },
      { data: { values: [{ x: ev.step }] }, mark: { type: 'rule', color: '#222', strokeWidth: 2, strokeDash: [2, 3] }, encoding: { x: { field: 'x', type: 'quantitative' } } },
      {
        data: { values: [{ x: ev.step, text }] },
        mark: { type: 'text', align: 'left', baseline: 'top', dx: 4, dy: 4, fontSize: 10, color: '#222' },
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { value: 0 }, text: { field: 'text' } },
      },
    ],
  } as unknown as TopLevelSpec;
}

/** The window's best fixed model and each policy's regret after the event and its excess over that model (docs/model.md §11.7). */
function excessText(ev: NonNullable<ScenarioSummary['events']>, k: number, lambda: number): string {
  const ref = ev.bestStatic?.find((b) => b.lambda === lambda && b.event === k);
  if (!ref) return '';
  const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '–');
  const rows = ev.cells.filter((c) => c.lambda === lambda && c.event === k && c.excessAfter).map((c) => `${c.label} ${f(c.regretAfter.mean)} (${c.excessAfter!.mean >= 0 ? '+' : '−'}${f(Math.abs(c.excessAfter!.mean))})`);
  return `. Best fixed model over the window: ${ref.model}, regret ${f(ref.regret.mean)}; regret after the event (excess over it): ${rows.join(', ')}`;
}

export function scenarioCharts(sc: ScenarioSummary, lambdas: number[], colours: Map<string, string>, runs: number): ScenarioChart[] {
  const out: ScenarioChart[] = [];
  for (const lambda of lambdas) {
    const suffix = lambdas.length > 1 ? `-lambda-${lambdaText(lambda)}` : '';
    if (sc.budget && sc.budget.curves.some((c) => c.lambda === lambda)) {
      out.push({ name: `budget-adherence${suffix}`, title: `Budget adherence (λ = ${lambdaText(lambda)})`, spec: budgetSpec(sc.budget, lambda, colours, runs) });
    }
    if (sc.events) {
      sc.events.list.forEach((ev, k) => {
        const sum = `summed over the ${sc.events!.window} steps from it in summary.json`;
        out.push({ name: `event-${k + 1}-regret${suffix}`, title: `Regret around step ${ev.step}, ${ev.what} (λ = ${lambdaText(lambda)}; ${sum})${excessText(sc.events!, k, lambda)}`, spec: eventSpec(sc.events!, k, lambda, colours, runs) });
      });
    }
  }
  return out;
}
