import { describe, expect, it } from 'vitest';
import type { EvaluateSummary, FamilyCurves } from '../../src/metrics/routerbench.js';
import { familyChartSpec } from '../../src/report/evaluateCharts.js';

type Layer = { data: { values: Record<string, number | string>[] }; mark: { type: string; strokeWidth?: number; strokeDash?: number[] }; encoding: Record<string, { field?: string; value?: unknown }> };

const s = { dataset: { families: [{ name: 'f', queries: 100 }] }, reward: { cost: 'usd' } } as unknown as EvaluateSummary;

/** A family where three routers share the single models' hull (they pick the same models) and one does not. */
function family(): FamilyCurves {
  const single = [
    { cost: 0.0001, quality: 0.6 },
    { cost: 0.0003, quality: 0.8 },
    { cost: 0.003, quality: 0.9 },
  ];
  const own = [
    { cost: 0.0002, quality: 0.65 },
    { cost: 0.001, quality: 0.75 },
  ];
  const at = (h: { cost: number; quality: number }[]) => h.map((p, i) => ({ lambda: i / 2, ...p }));
  return {
    family: 'f',
    models: single.map((p, i) => ({ id: `m${i}`, point: p })),
    zeroRouter: single,
    oracleFrontier: [{ cost: 0.0001, quality: 0.7 }, { cost: 0.0002, quality: 0.99 }],
    oraclePoint: { cost: 0.0002, quality: 0.99 },
    policies: [
      { name: 'knn', hull: single, points: at(single) },
      { name: 'linucb', hull: own, points: at(own) },
      { name: 'predictive', hull: single, points: at(single) },
      { name: 'train-best-static', hull: single, points: at(single) },
    ],
    ctx: { cMin: 0.0001, cMax: 0.003 },
  } as unknown as FamilyCurves;
}

/**
 * Two models a few pixels apart with routers' dots all round them (RouterBench's arc-challenge: gpt-3.5-turbo-1106
 * and claude-instant-v1 among the dots of five routers), and a third model off on its own.
 */
function crowded(): FamilyCurves {
  const f = family();
  const near = [
    { cost: 0.0004, quality: 0.83 },
    { cost: 0.00042, quality: 0.835 },
  ];
  // dots 0.012 in quality (9 px) and 6 % in cost (11 px) round each model, in eight directions
  const ring = near.flatMap((m) => [-1, 0, 1].flatMap((i) => [-1, 0, 1].filter((j) => i || j).map((j) => ({ cost: m.cost * (1 + 0.06 * i), quality: m.quality + 0.012 * j }))));
  const at = (h: { cost: number; quality: number }[]) => h.map((p, i) => ({ lambda: i / h.length, ...p }));
  return {
    ...f,
    models: [...near, { cost: 0.003, quality: 0.9 }].map((p, i) => ({ id: `model-number-${i}`, point: p })),
    policies: [...f.policies, { name: 'thompson', hull: f.policies[1].hull, points: at(ring) }],
  } as unknown as FamilyCurves;
}

/** The chart's text layer and the pixel position of a (cost, quality) point: log cost across, quality up. */
function labelFrame(spec: { width: number; height: number; layer: Layer[] }): { text: Layer; px: (c: number) => number; py: (q: number) => number } {
  const text = spec.layer.find((l) => l.mark.type === 'text')!;
  const x = text.encoding.x as unknown as { scale: { domain: number[] } };
  const y = text.encoding.y as unknown as { scale: { domain: number[] } };
  const [l0, l1] = x.scale.domain.map(Math.log);
  const [q0, q1] = y.scale.domain;
  return { text, px: (c) => ((Math.log(c) - l0) / (l1 - l0)) * spec.width, py: (q) => spec.height - ((q - q0) / (q1 - q0)) * spec.height };
}

describe('cost-quality chart', () => {
  it('labels of models close together never print over each other or over a dot: a crowded one goes farther, on a leader', () => {
    const spec = familyChartSpec(crowded(), s) as unknown as { width: number; height: number; layer: Layer[] };
    const { text, px, py } = labelFrame(spec);
    // 10 px DejaVu Sans: under 6.1 px a character, cap height 9 px over the baseline, 2 px descent
    const boxes = (text.data.values as { text: string; cost: number; quality: number }[]).map((l) => ({ id: l.text, x0: px(l.cost), x1: px(l.cost) + l.text.length * 6.1, y0: py(l.quality) - 9, y1: py(l.quality) + 2 }));
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i], boxes[j]];
        expect(a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1, `${a.id} over ${b.id}`).toBe(false);
      }
    }
    const dots = spec.layer.find((l) => l.mark.type === 'point' && l.encoding.size?.field === 'size')!.data.values;
    for (const b of boxes) for (const d of dots) expect(px(Number(d.cost)) > b.x0 && px(Number(d.cost)) < b.x1 && py(Number(d.quality)) > b.y0 && py(Number(d.quality)) < b.y1, `${b.id} over a dot`).toBe(false);
    // the one set away is joined to its model by a rule from the model's point; the model on its own is not
    const rules = spec.layer.find((l) => l.mark.type === 'rule')!.data.values;
    expect(rules.length).toBeGreaterThan(0);
    const from = rules.map((r) => `${r.cost}/${r.quality}`);
    expect(from.every((k) => ['0.0004/0.83', '0.00042/0.835'].includes(k))).toBe(true);
  });


  it('routers on one hull each show as a band, the zero router dashed on top of them, dots on one point nested', () => {
    const spec = familyChartSpec(family(), s) as unknown as { layer: Layer[] };
    const lines = spec.layer.filter((l) => l.mark.type === 'line');
    const seriesOf = (l: Layer): string => String(l.data.values[0].series);
    const order = lines.map(seriesOf);
    // the zero router last (over the routers on its hull), dashed
    expect(order[order.length - 1]).toBe('zero router');
    const dash = (lines[lines.length - 1].encoding.strokeDash as unknown as { scale: { domain: string[]; range: number[][] } }).scale;
    expect(dash.range[dash.domain.indexOf('zero router')]).toEqual([6, 3]);
    // the three on one hull: drawn widest first, each at least 0.8 px wider on each side than the next
    const same = lines.filter((l) => ['knn', 'predictive', 'train-best-static'].includes(seriesOf(l)));
    expect(same.map(seriesOf)).toEqual(['knn', 'predictive', 'train-best-static']);
    for (let i = 1; i < same.length; i++) expect(same[i - 1].mark.strokeWidth! - same[i].mark.strokeWidth!).toBeGreaterThanOrEqual(2 * 0.8 - 1e-9);
    // a router on its own keeps the plain width
    expect(lines.find((l) => seriesOf(l) === 'LinUCB')!.mark.strokeWidth).toBe(1.8);
    expect(same[same.length - 1].mark.strokeWidth).toBe(1.8);
    // dots: at each point the policies' dots are drawn largest first, each ring at least 1.5 px wide
    const dots = spec.layer.find((l) => l.mark.type === 'point' && l.encoding.size?.field === 'size')!;
    expect(dots.encoding.order.field).toBe('z');
    const byPoint = new Map<string, { series: string; size: number; z: number }[]>();
    for (const d of dots.data.values) {
      const k = `${d.cost}/${d.quality}`;
      byPoint.set(k, [...(byPoint.get(k) ?? []), { series: String(d.series), size: Number(d.size), z: Number(d.z) }]);
    }
    const shared = byPoint.get('0.0003/0.8')!.sort((a, b) => a.z - b.z);
    expect(shared.map((d) => d.series)).toEqual(['knn', 'predictive', 'train-best-static']);
    for (let i = 1; i < shared.length; i++) expect(Math.sqrt(shared[i - 1].size) / 2 - Math.sqrt(shared[i].size) / 2).toBeGreaterThanOrEqual(1.5);
    // a dot alone keeps the plain size, large enough to show its shape
    expect(byPoint.get('0.0002/0.65')![0].size).toBe(56);
  });

  it('model labels keep off the hulls where there is room', () => {
    const spec = familyChartSpec(family(), s) as unknown as { width: number; height: number; layer: Layer[] };
    const { text, px, py } = labelFrame(spec);
    // every drawn line, sampled every 0.5 px
    const samples: [number, number][] = [];
    for (const l of spec.layer.filter((x) => x.mark.type === 'line')) {
      const v = l.data.values.map((d) => [px(Number(d.cost)), py(Number(d.quality))]);
      for (let i = 1; i < v.length; i++) {
        const n = Math.ceil(Math.hypot(v[i][0] - v[i - 1][0], v[i][1] - v[i - 1][1]) * 2) + 1;
        for (let t = 0; t <= n; t++) samples.push([v[i - 1][0] + ((v[i][0] - v[i - 1][0]) * t) / n, v[i - 1][1] + ((v[i][1] - v[i - 1][1]) * t) / n]);
      }
    }
    const labels = text.data.values as { text: string; cost: number; quality: number }[];
    expect(labels.map((l) => l.text).sort()).toEqual(['m0', 'm1', 'm2', 'oracle']);
    for (const l of labels) {
      // 10 px DejaVu Sans: under 6.1 px a character, cap height 9 px over the baseline
      const b = { x0: px(l.cost), x1: px(l.cost) + l.text.length * 6.1, y0: py(l.quality) - 9, y1: py(l.quality) + 2 };
      const on = samples.some(([sx, sy]) => sx > b.x0 && sx < b.x1 && sy > b.y0 && sy < b.y1);
      expect(on, `${l.text} on a hull`).toBe(false);
    }
  });
});

describe('renderEvaluateCharts', () => {
  it('gives every family chart its own ids, so report.html, which inlines them all, repeats none', async () => {
    const { renderEvaluateCharts } = await import('../../src/report/evaluateCharts.js');
    const a = family();
    const b = { ...family(), family: 'g' };
    const summary = { dataset: { families: [{ name: 'f', queries: 100 }, { name: 'g', queries: 100 }] }, reward: { cost: 'usd' } } as unknown as EvaluateSummary;
    const charts = await renderEvaluateCharts({ curves: [a, b], summary } as never);
    const ids = [...charts.values()].flatMap((c) => [...c.svg.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]));
    expect(ids.length).toBeGreaterThan(1);
    expect(new Set(ids).size).toBe(ids.length);
    // every url(#…) points at an id of its own chart
    for (const c of charts.values()) {
      const own = new Set([...c.svg.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]));
      for (const m of c.svg.matchAll(/url\(#([^)]+)\)/g)) expect(own.has(m[1])).toBe(true);
    }
  }, 60_000);
});
