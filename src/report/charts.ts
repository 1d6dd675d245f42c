/** Vega-Lite specifications of the experiment charts. Every axis names its quantity and unit. */
import type { TopLevelSpec } from 'vega-lite';
import { MA_WINDOW, SELECTION_WINDOW, type ExperimentAggregate } from '../metrics/experiment.js';
import { accuracyEnergySpec, finalRegretBoxSpec, lambdaSweepSpec } from './chartsSpread.js';
import { cumulativeRegretSpec, movingAverageSpec, poolWindows, selectionSpec, type PoolEvent } from './chartsTime.js';
import { policyColours } from './palette.js';
import { scenarioCharts, type FigureTable } from './chartsScenario.js';
import { eventGroups } from './eventGroups.js';
import { streamDrifts } from '../metrics/scenario.js';

export interface ChartSpec {
  name: string;
  title: string;
  spec: TopLevelSpec;
  /** Tables of the chart's numbers, under it in report.html. */
  tables?: FigureTable[];
}


function fmtLambda(l: number): string {
  return Number(l.toFixed(3)).toString();
}

function nearestHalf(lambdas: number[]): number {
  return lambdas.reduce((b, l) => (Math.abs(l - 0.5) < Math.abs(b - 0.5) ? l : b), lambdas[0]);
}

/** λ values that get time-series charts (and per-step curves on disk): all when few, else the one nearest 0.5. */
export function focusLambdas(lambdas: number[]): number[] {
  return lambdas.length <= 2 ? lambdas : [nearestHalf(lambdas)];
}

/** λ values that get an accuracy-vs-energy chart: all when few, else the ends and the one nearest 0.5. */
function paretoLambdas(lambdas: number[]): number[] {
  if (lambdas.length <= 2) return lambdas;
  return [...new Set([Math.min(...lambdas), nearestHalf(lambdas), Math.max(...lambdas)])].sort((a, b) => a - b);
}

/** The events marked on the charts over the stream: pool changes and drift (the scenario's list has both), else the pool's. */
function eventRules(agg: ExperimentAggregate): PoolEvent[] {
  const listed = agg.summary.scenario?.events?.list;
  // changes at one step get one rule and one label
  if (listed?.length) return eventGroups(listed).map((g) => ({ step: g.step, what: g.short }));
  return agg.summary.events.map((e) => ({
    step: e.step,
    what: [...e.remove.map((m) => `−${m}`), ...e.add.map((m) => `+${m}`)].join(' '),
  }));
}

/** Whether a model drifts: the scenario lists pool and drift events, the summary's own list the pool's alone. */
const drifts = (s: ExperimentAggregate['summary']): boolean => streamDrifts(s.scenario, s.events.length);

function isStatic(policy: string): boolean {
  return ['largest', 'smallest', 'most-accurate', 'best-static', 'oracle'].includes(policy) || policy.startsWith('static:');
}

interface ChartOptions {
  /** Models in the pool at the start (default: every model); with the pool events it marks cells outside the pool. */
  initialPool?: string[] | null;
}

export function experimentCharts(agg: ExperimentAggregate, opts: ChartOptions = {}): ChartSpec[] {
  const s = agg.summary;
  const charts: ChartSpec[] = [];
  const runsNote = `${s.runs} run${s.runs === 1 ? '' : 's'}`;
  const events = eventRules(agg);
  const Q = s.dataset.queries;
  // one colour per policy in every chart and every report; each legend lists only what its chart shows
  const colours = policyColours(s.cells);
  const ids = s.models.map((m) => m.id);

  for (const lambda of focusLambdas(s.lambdas)) {
    const suffix = s.lambdas.length > 1 ? `-lambda-${fmtLambda(lambda)}` : '';
    const cur = agg.curves.filter((c) => c.lambda === lambda);
    if (cur.length) {
      charts.push({
        name: `cumulative-regret${suffix}`,
        title: `Cumulative regret (λ = ${fmtLambda(lambda)}): mean and 95% CI over ${runsNote}`,
        spec: cumulativeRegretSpec({ title: `Cumulative regret, λ = ${fmtLambda(lambda)} (mean, 95% CI over ${runsNote})`, curves: cur, Q, colours, events }),
      });
      charts.push({
        name: `moving-average-regret${suffix}`,
        title: `Moving-average regret (window ${MA_WINDOW}, λ = ${fmtLambda(lambda)}), from the first full window`,
        spec: movingAverageSpec({
          title: `Moving-average step regret, window ${MA_WINDOW}, λ = ${fmtLambda(lambda)} (mean over ${runsNote})`,
          curves: cur,
          Q,
          window: MA_WINDOW,
          colours,
          events,
        }),
      });
    }

    // selection share over time: arms that learn (all of them when the pool changes)
    const learners = s.cells.filter((c) => c.lambda === lambda && !isStatic(c.policy) && c.policy !== 'random');
    const shown = s.events.length || s.lambdas.length === 1 ? learners : learners.filter((c) => c.policy === 'linucb').concat(learners).slice(0, 1);
    for (const c of shown) {
      const sel = agg.selection.find((x) => x.lambda === lambda && x.label === c.label);
      if (!sel) continue;
      charts.push({
        name: `selection-${c.label.replace(/[^A-Za-z0-9_.-]/g, '_')}${suffix}`,
        title: `Model selection share over time: ${c.label} (λ = ${fmtLambda(lambda)})`,
        spec: selectionSpec({
          title: `Selection share per ${SELECTION_WINDOW} queries: ${c.label}, λ = ${fmtLambda(lambda)} (${runsNote} pooled)`,
          sel,
          models: ids,
          inPool: poolWindows(ids, opts.initialPool ?? null, s.events, sel.windowStart, SELECTION_WINDOW),
          Q,
          window: SELECTION_WINDOW,
          events,
        }),
      });
    }
  }

  for (const lambda of paretoLambdas(s.lambdas)) {
    const suffix = s.lambdas.length > 1 ? `-lambda-${fmtLambda(lambda)}` : '';
    // accuracy vs total energy: single models, their static front, and the policies
    const models = s.models.filter((m) => Number.isFinite(m.accuracy) && Number.isFinite(m.energyWh));
    const pol = s.cells.filter((c) => c.lambda === lambda && c.policy !== 'oracle').map((c) => ({ label: c.label, wh: c.energyWh.mean, acc: c.accuracy.mean }));
    const withModels = models.length > 0 && models.some((m) => m.energyWh > 0);
    // without the single models (a simulation whose dataset is not at hand) the policies still compare
    if (withModels || pol.some((p) => Number.isFinite(p.wh) && p.wh > 0 && Number.isFinite(p.acc))) {
      charts.push({
        name: `accuracy-vs-energy${suffix}`,
        title: `Accuracy vs total energy (λ = ${fmtLambda(lambda)})`,
        spec: accuracyEnergySpec({
          title: `Accuracy vs total energy, λ = ${fmtLambda(lambda)}: ${withModels ? 'models (grey), static Pareto front, policies' : 'policies'}`,
          Q,
          models: withModels ? models : [],
          policies: pol,
          colours,
          drifted: drifts(s),
        }),
      });
    }
  }

  // distribution of final regret per arm (the feature-ablation box plot)
  if (new Set(s.cells.map((c) => c.label)).size > 1) {
    for (const lambda of focusLambdas(s.lambdas)) {
      const suffix = s.lambdas.length > 1 ? `-lambda-${fmtLambda(lambda)}` : '';
      const cells = s.cells.filter((c) => c.lambda === lambda);
      charts.push({
        name: `final-regret-box${suffix}`,
        title: `Final regret per run (λ = ${fmtLambda(lambda)})`,
        spec: finalRegretBoxSpec({
          title: { text: `Final regret per run, λ = ${fmtLambda(lambda)} (${runsNote})`, subtitle: 'box: quartiles · dots: runs · bar: quartiles equal' },
          rows: cells.flatMap((c) => c.perRun.map((r) => ({ label: c.label, regret: r.finalRegret }))),
          order: cells.map((c) => c.label),
          colours,
        }),
      });
    }
  }

  // λ sweep: per-run accuracy and total energy by λ for the learning arms (docs/model.md §7 X3, paper Figs 4–5)
  if (s.lambdas.length > 2) {
    const sweep = s.cells.filter((c) => !isStatic(c.policy));
    const labels = [...new Set(sweep.map((c) => c.label))];
    const rows = sweep.flatMap((c) => c.perRun.map((r) => ({ lambda: fmtLambda(c.lambda), label: c.label, accuracy: r.accuracy, wh: r.energyWh })));
    for (const [field, title, name] of [
      ['accuracy', 'mean accuracy of chosen models', 'lambda-sweep-accuracy'],
      ['wh', 'total energy (Wh)', 'lambda-sweep-energy'],
    ] as const) {
      charts.push({
        name,
        title: `λ sweep: ${title} per run`,
        spec: lambdaSweepSpec({ title: { text: `λ sweep: ${title} per run (${runsNote} per box)`, subtitle: 'bar: quartiles equal' }, field, axisTitle: title, rows, labels, colours }),
      });
    }
  }
  if (s.scenario) charts.push(...scenarioCharts(s.scenario, s.lambdas, colours, s.runs, Q, drifts(s)));
  return charts;
}
