/** Vega-Lite specifications of the experiment charts. Every axis names its quantity and unit. */
import type { TopLevelSpec } from 'vega-lite';
import type { ExperimentAggregate } from '../metrics/experiment.js';

export interface ChartSpec {
  name: string;
  title: string;
  spec: TopLevelSpec;
}

const W = 560;
const H = 320;
/** Plot every k-th step of per-step curves: the SVG stays small and the curve shape is unchanged at paper size. */
const STRIDE = 10;
/** Tableau 10, then a second set so up to 20 labels keep distinct colours. */
const PALETTE = ['#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac', '#1f77b4', '#2ca02c', '#9467bd', '#8c564b', '#17becf', '#bcbd22', '#7f7f7f', '#d62728', '#ff7f0e', '#393b79'];

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
export function paretoLambdas(lambdas: number[]): number[] {
  if (lambdas.length <= 2) return lambdas;
  return [...new Set([Math.min(...lambdas), nearestHalf(lambdas), Math.max(...lambdas)])].sort((a, b) => a - b);
}

function eventRules(agg: ExperimentAggregate): { step: number; what: string }[] {
  return agg.summary.events.map((e) => ({
    step: e.step,
    what: [...e.remove.map((m) => `−${m}`), ...e.add.map((m) => `+${m}`)].join(' '),
  }));
}

function isStatic(policy: string): boolean {
  return ['largest', 'smallest', 'most-accurate', 'best-static', 'oracle'].includes(policy) || policy.startsWith('static:');
}

export function experimentCharts(agg: ExperimentAggregate): ChartSpec[] {
  const s = agg.summary;
  const charts: ChartSpec[] = [];
  const runsNote = `${s.runs} run${s.runs === 1 ? '' : 's'}`;
  const rules = eventRules(agg);
  // one colour per label across every chart; each legend lists only what its chart shows
  const allLabels = [...new Set(s.cells.map((c) => c.label))];
  const colorsFor = (labels: string[]): { domain: string[]; range: string[] } => ({
    domain: labels,
    range: labels.map((l) => PALETTE[allLabels.indexOf(l) % PALETTE.length]),
  });
  const colorScale = colorsFor(allLabels);
  const ruleLayer = rules.length
    ? [
        {
          data: { values: rules },
          mark: { type: 'rule' as const, strokeDash: [4, 3], color: '#444' },
          encoding: { x: { field: 'step', type: 'quantitative' as const } },
        },
      ]
    : [];

  for (const lambda of focusLambdas(s.lambdas)) {
    const suffix = s.lambdas.length > 1 ? `-lambda-${fmtLambda(lambda)}` : '';
    const cur = agg.curves.filter((c) => c.lambda === lambda);
    const rows: { step: number; label: string; mean: number; lo: number; hi: number; ma: number }[] = [];
    for (const c of cur) {
      for (let i = 0; i < c.meanCum.length; i += STRIDE) rows.push({ step: i + 1, label: c.label, mean: c.meanCum[i], lo: c.ciLo[i], hi: c.ciHi[i], ma: c.movingAvg[i] });
      const last = c.meanCum.length - 1;
      if (last % STRIDE !== 0) rows.push({ step: last + 1, label: c.label, mean: c.meanCum[last], lo: c.ciLo[last], hi: c.ciHi[last], ma: c.movingAvg[last] });
    }
    const color = { field: 'label', type: 'nominal' as const, title: 'policy', scale: colorScale };
    charts.push({
      name: `cumulative-regret${suffix}`,
      title: `Cumulative regret (λ = ${fmtLambda(lambda)}): mean and 95% CI over ${runsNote}`,
      spec: {
        width: W,
        height: H,
        title: `Cumulative regret, λ = ${fmtLambda(lambda)} (mean, 95% CI over ${runsNote})`,
        data: { values: rows },
        layer: [
          {
            mark: { type: 'area', opacity: 0.18 },
            encoding: {
              x: { field: 'step', type: 'quantitative', title: 'queries routed' },
              y: { field: 'lo', type: 'quantitative', title: 'cumulative regret (reward units)' },
              y2: { field: 'hi' },
              color,
            },
          },
          {
            mark: { type: 'line', strokeWidth: 1.6 },
            encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'mean', type: 'quantitative' }, color },
          },
          ...ruleLayer,
        ],
      } as TopLevelSpec,
    });
    charts.push({
      name: `moving-average-regret${suffix}`,
      title: `Moving-average regret (window 50, λ = ${fmtLambda(lambda)})`,
      spec: {
        width: W,
        height: H,
        title: `Moving-average step regret, window 50, λ = ${fmtLambda(lambda)} (mean over ${runsNote})`,
        data: { values: rows },
        layer: [
          {
            mark: { type: 'line', strokeWidth: 1.4 },
            encoding: {
              x: { field: 'step', type: 'quantitative', title: 'queries routed' },
              y: { field: 'ma', type: 'quantitative', title: 'step regret, moving average (reward units)' },
              color,
            },
          },
          ...ruleLayer,
        ],
      } as TopLevelSpec,
    });

    // selection share over time: arms that learn (all of them when the pool changes)
    const learners = s.cells.filter((c) => c.lambda === lambda && !isStatic(c.policy) && c.policy !== 'random');
    const shown = rules.length || s.lambdas.length === 1 ? learners : learners.filter((c) => c.policy === 'linucb').concat(learners).slice(0, 1);
    for (const c of shown) {
      const sel = agg.selection.find((x) => x.lambda === lambda && x.label === c.label);
      if (!sel) continue;
      const cells: { start: number; end: number; model: string; share: number }[] = [];
      const Q = s.dataset.queries;
      sel.share.forEach((row, w) =>
        row.forEach((v, m) => cells.push({ start: sel.windowStart[w], end: Math.min(Q, sel.windowStart[w] + 25), model: s.models[m].id, share: v })),
      );
      const order = s.models.map((m, j) => ({ id: m.id, tot: sel.share.reduce((t, row) => t + row[j], 0) })).sort((a, b) => b.tot - a.tot).map((x) => x.id);
      charts.push({
        name: `selection-${c.label.replace(/[^A-Za-z0-9_.-]/g, '_')}${suffix}`,
        title: `Model selection share over time: ${c.label} (λ = ${fmtLambda(lambda)})`,
        spec: {
          width: W,
          height: 16 * s.models.length,
          title: `Selection share per 25 queries: ${c.label}, λ = ${fmtLambda(lambda)} (${runsNote} pooled)`,
          layer: [
            {
              data: { values: cells },
              mark: { type: 'rect' },
              encoding: {
                x: { field: 'start', type: 'quantitative', title: 'queries routed', axis: { grid: false }, scale: { domain: [0, s.dataset.queries], nice: false } },
                x2: { field: 'end' },
                y: { field: 'model', type: 'nominal', title: 'model', sort: order, axis: { grid: false } },
                color: { field: 'share', type: 'quantitative', title: 'share of picks', scale: { scheme: 'blues', domain: [0, 1] } },
              },
            },
            ...(rules.length
              ? [
                  {
                    data: { values: rules },
                    mark: { type: 'rule' as const, color: '#d62728', strokeWidth: 2 },
                    encoding: { x: { field: 'step', type: 'quantitative' as const } },
                  },
                ]
              : []),
          ],
        } as TopLevelSpec,
      });
    }
  }

  for (const lambda of paretoLambdas(s.lambdas)) {
    const suffix = s.lambdas.length > 1 ? `-lambda-${fmtLambda(lambda)}` : '';
    // accuracy vs total energy: single models, their static front, and the policies
    const models = s.models.filter((m) => Number.isFinite(m.accuracy) && Number.isFinite(m.energyWh));
    const front = models.filter((m) => m.onFront).sort((a, b) => a.energyWh - b.energyWh);
    const pol = s.cells
      .filter((c) => c.lambda === lambda && c.policy !== 'oracle')
      .map((c) => ({ label: c.label, wh: c.energyWh.mean, acc: c.accuracy.mean, whSd: c.energyWh.sd }));
    if (models.length && Number.isFinite(models[0].energyWh) && models.some((m) => m.energyWh > 0)) {
      charts.push({
        name: `accuracy-vs-energy${suffix}`,
        title: `Accuracy vs total energy (λ = ${fmtLambda(lambda)})`,
        spec: {
          width: W,
          height: H,
          title: `Accuracy vs total energy, λ = ${fmtLambda(lambda)}: models (grey), static Pareto front, policies`,
          layer: [
            {
              data: { values: front },
              mark: { type: 'line', color: '#999', strokeDash: [5, 3], interpolate: 'step-after' },
              encoding: { x: { field: 'energyWh', type: 'quantitative' }, y: { field: 'accuracy', type: 'quantitative' } },
            },
            {
              data: { values: models },
              mark: { type: 'point', color: '#888', filled: true, size: 40 },
              encoding: {
                x: { field: 'energyWh', type: 'quantitative', title: `total energy over ${s.dataset.queries} queries (Wh)` },
                y: { field: 'accuracy', type: 'quantitative', title: 'mean accuracy', scale: { zero: false } },
                tooltip: [{ field: 'id' }],
              },
            },
            {
              data: { values: models },
              mark: { type: 'text', align: 'left', dx: 5, dy: -4, fontSize: 8, color: '#777' },
              encoding: { x: { field: 'energyWh', type: 'quantitative' }, y: { field: 'accuracy', type: 'quantitative' }, text: { field: 'id' } },
            },
            {
              data: { values: pol },
              mark: { type: 'point', filled: true, size: 110, shape: 'diamond' },
              encoding: {
                x: { field: 'wh', type: 'quantitative' },
                y: { field: 'acc', type: 'quantitative' },
                color: { field: 'label', type: 'nominal', title: 'policy', scale: colorsFor(pol.map((p) => p.label)) },
              },
            },
          ],
        } as TopLevelSpec,
      });
    }

  }

  // distribution of final regret per arm (the feature-ablation box plot)
  if (new Set(s.cells.map((c) => c.label)).size > 1) {
    for (const lambda of focusLambdas(s.lambdas)) {
      const suffix = s.lambdas.length > 1 ? `-lambda-${fmtLambda(lambda)}` : '';
      const rows = s.cells.filter((c) => c.lambda === lambda).flatMap((c) => c.perRun.map((r) => ({ label: c.label, regret: r.finalRegret })));
      const order = s.cells.filter((c) => c.lambda === lambda).map((c) => c.label);
      const x = { field: 'label', type: 'nominal' as const, title: 'policy / feature set', sort: order, axis: { labelAngle: -30, labelLimit: 220 } };
      const y = { field: 'regret', type: 'quantitative' as const, title: 'final cumulative regret (reward units)', scale: { zero: false, padding: 12 } };
      charts.push({
        name: `final-regret-box${suffix}`,
        title: `Final regret per run (λ = ${fmtLambda(lambda)})`,
        spec: {
          width: W,
          height: H,
          title: `Final regret per run, λ = ${fmtLambda(lambda)} (${runsNote}; box = quartiles, dots = runs)`,
          data: { values: rows },
          layer: [
            { mark: { type: 'boxplot', extent: 'min-max', size: 22 }, encoding: { x, y, color: { field: 'label', type: 'nominal', legend: null, scale: colorScale } } },
            { mark: { type: 'point', filled: true, size: 18, color: '#222', opacity: 0.7 }, encoding: { x, y } },
          ],
        } as TopLevelSpec,
      });
    }
  }

  // λ sweep: per-run accuracy and total energy by λ for the learning arms (spec §5 X3, paper Figs 4–5)
  if (s.lambdas.length > 2) {
    const sweepLabels = [...new Set(s.cells.filter((c) => !isStatic(c.policy)).map((c) => c.label))];
    const rows = s.cells
      .filter((c) => !isStatic(c.policy))
      .flatMap((c) => c.perRun.map((r) => ({ lambda: fmtLambda(c.lambda), label: c.label, accuracy: r.accuracy, wh: r.energyWh })));
    for (const [field, title, name] of [
      ['accuracy', 'mean accuracy of chosen models', 'lambda-sweep-accuracy'],
      ['wh', 'total energy (Wh)', 'lambda-sweep-energy'],
    ] as const) {
      charts.push({
        name,
        title: `λ sweep: ${title} per run`,
        spec: {
          width: W + 160,
          height: H,
          title: `λ sweep: ${title} per run (${runsNote} per box)`,
          data: { values: rows },
          mark: { type: 'boxplot', extent: 'min-max', size: 8 },
          encoding: {
            x: { field: 'lambda', type: 'ordinal', title: 'λ (weight of energy in the reward)' },
            xOffset: { field: 'label', type: 'nominal', sort: sweepLabels },
            y: { field, type: 'quantitative', title, scale: { zero: false } },
            color: { field: 'label', type: 'nominal', title: 'policy', scale: colorsFor(sweepLabels) },
          },
        } as TopLevelSpec,
      });
    }
  }
  return charts;
}
