import { describe, expect, it } from 'vitest';
import type { CellCurves, SelectionWindows } from '../../src/metrics/experiment.js';
import type { ScenarioSummary } from '../../src/metrics/scenario.js';
import { scenarioCharts } from '../../src/report/chartsScenario.js';
import { cumulativeRegretSpec, movingAverageSpec, placeEventLabels, selectionSpec, type PoolEvent } from '../../src/report/chartsTime.js';
import { dejaVuWidth } from '../../src/report/textWidth.js';

type Layer = any;

/** Boxes (px along x, row offset) of a spec's event labels: the text layers pinned above the plot. */
function labelBoxes(spec: Layer, from: number, to: number): { text: string; dy: number; x0: number; x1: number }[] {
  return spec.layer
    .filter((l: Layer) => l.mark.type === 'text' && l.encoding.y?.value === 0)
    .flatMap((t: Layer) =>
      t.data.values.map((v: { step: number; text: string }) => {
        const w = dejaVuWidth(v.text, 10);
        const x = ((v.step - from) / (to - from)) * spec.width + t.mark.dx;
        return { text: v.text, dy: t.mark.dy, x0: t.mark.align === 'right' ? x - w : x, x1: t.mark.align === 'right' ? x : x + w };
      }),
    );
}

function apart(a: { dy: number; x0: number; x1: number }, b: { dy: number; x0: number; x1: number }): boolean {
  return a.dy !== b.dy || a.x1 <= b.x0 || b.x1 <= a.x0;
}

describe('event labels close together', () => {
  const Q = 400;
  // two pool changes 20 queries apart, both with long model names (the second label runs leftwards)
  const events: PoolEvent[] = [
    { step: 300, what: '−a-rather-long-model-name-7b' },
    { step: 320, what: '+another-long-model-name-14b' },
  ];
  const curve: CellCurves = { lambda: 0.5, label: 'linucb', meanCum: new Float64Array(Q).fill(1), ciLo: new Float64Array(Q), ciHi: new Float64Array(Q).fill(2), movingAvg: new Float64Array(Q).fill(0.1) };
  const sel: SelectionWindows = { lambda: 0.5, label: 'linucb', windowStart: Array.from({ length: 16 }, (_, w) => w * 25), share: Array.from({ length: 16 }, () => Float64Array.from([0.5, 0.5])) };
  const colours = new Map([['linucb', '#e45756']]);
  const specs: [string, Layer][] = [
    ['cumulative', cumulativeRegretSpec({ title: 't', curves: [curve], Q, colours, events })],
    ['moving average', movingAverageSpec({ title: 't', curves: [curve], Q, window: 50, colours, events })],
    ['selection', selectionSpec({ title: 't', sel, models: ['a', 'b'], inPool: sel.share.map(() => [true, true]), Q, window: 25, events })],
  ];

  it.each(specs)('%s: stack in rows instead of printing over each other, inside the plot width, the title above them', (_name, spec) => {
    const boxes = labelBoxes(spec, 0, Q);
    expect(boxes).toHaveLength(2);
    expect(apart(boxes[0], boxes[1])).toBe(true);
    for (const b of boxes) expect(b.x0 >= 0 && b.x1 <= spec.width).toBe(true);
    // 18 px of title offset clear the first row; each row above it needs its 12 px more
    expect(spec.title.offset).toBeGreaterThanOrEqual(18 - 3 - Math.min(...boxes.map((b) => b.dy)));
  });

  it('placeEventLabels keeps one row when the labels are far apart', () => {
    expect(placeEventLabels([{ step: 100, what: 'x' }, { step: 2000, what: 'y' }], 2500).map((p) => p.row)).toEqual([0, 0]);
  });
});

describe('event charts', () => {
  it('mark the other events inside their span too, each labelled, none over another; the title names the step', () => {
    const regret = Array.from({ length: 150 }, () => 0.1);
    const sc = {
      budget: null,
      events: {
        window: 100,
        list: [
          { step: 100, what: 'm1: accuracy −0.1' },
          { step: 130, what: 'm2: accuracy −0.3' },
          { step: 390, what: 'm3: accuracy −0.2' },
        ],
        cells: [],
        bestStatic: [],
        curves: [0, 1, 2].map((event) => ({ lambda: 0.5, label: 'linucb', event, from: event === 2 ? 250 : 50, regret })),
      },
    } as unknown as ScenarioSummary;
    const charts = scenarioCharts(sc, [0.5], new Map([['linucb', '#e45756']]), 3, 400);
    const spec = charts.find((c) => c.name === 'event-1-regret')!.spec as Layer;
    expect(spec.title.text).toBe('Regret around step 100, λ = 0.5');
    const [d0, d1] = spec.layer.find((l: Layer) => l.mark.type === 'line').encoding.x.scale.domain;
    // event rules span the plot's height (no y); the end labels' leaders have one
    const rules = spec.layer.filter((l: Layer) => l.mark.type === 'rule' && !l.encoding.y).flatMap((l: Layer) => l.data.values.map((v: { step: number }) => v.step));
    // the event at 130 lies in the span [50, 200]; the one at 390 does not
    expect(rules.sort()).toEqual([100, 130]);
    const boxes = labelBoxes(spec, d0, d1);
    expect(boxes.map((b) => b.text).sort()).toEqual(['step 100: m1: accuracy −0.1', 'step 130: m2: accuracy −0.3']);
    expect(apart(boxes[0], boxes[1])).toBe(true);
    // this chart's own event nearest the plot
    expect(boxes.find((x) => x.text.startsWith('step 100'))!.dy).toBe(-3);
    // each line named at its end, right of the plot, as on the other charts over the stream
    const ends = spec.layer.find((l: Layer) => l.mark.type === 'text' && l.encoding.text?.field === 'label');
    expect(ends.data.values.map((v: { label: string; x: number }) => `${v.label}@${v.x}`)).toEqual(['linucb@200']);
    expect(d1).toBe(200);
  });
});

describe('curves over a short stream', () => {
  it('are drawn at every step, a long one at every 10th at most (each curve at least 250 points, or all)', async () => {
    const { strideFor } = await import('../../src/report/chartsTime.js');
    expect([120, 249, 500, 1368, 2500, 100_000].map(strideFor)).toEqual([1, 1, 2, 5, 10, 10]);
    const Q = 120;
    const curve: CellCurves = { lambda: 0.5, label: 'a', meanCum: Float64Array.from({ length: Q }, (_, i) => i), ciLo: new Float64Array(Q), ciHi: new Float64Array(Q), movingAvg: new Float64Array(Q) };
    const spec = cumulativeRegretSpec({ title: 't', curves: [curve], Q, colours: new Map(), events: [] }) as Layer;
    // the origin and every step of the stream
    expect(spec.data.values.map((r: { step: number }) => r.step)).toEqual(Array.from({ length: Q + 1 }, (_, i) => i));
  });
});
