import { describe, expect, it } from 'vitest';
import { loadGreenservPool } from '../../src/data/builtin/greenserv-pool.js';
import { MA_WINDOW, modelPoints, SELECTION_WINDOW, type CellSummary, type ExperimentAggregate } from '../../src/metrics/experiment.js';
import { meanSd, meanSdCi, movingAverage } from '../../src/metrics/stats.js';
import { experimentCharts, type ChartSpec } from '../../src/report/charts.js';
import { accuracyEnergySpec, flatBoxes } from '../../src/report/chartsSpread.js';
import { endLabelPositions, niceCeil } from '../../src/report/chartsTime.js';
import { dejaVuWidth } from '../../src/report/textWidth.js';
import { lineColour, POLICY_COLOURS, policyColours } from '../../src/report/palette.js';
import { renderChart } from '../../src/report/render.js';

type Layer = any;

/** Deterministic pseudo-random numbers in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

interface Arm {
  label: string;
  policy?: string;
  /** Mean step regret; 0 spread across runs when `fixed`. */
  rate: number;
  fixed?: boolean;
}

/**
 * An aggregate built the way aggregateExperiment builds one, from synthetic per-run step regrets: curves are
 * the mean of the runs' cumulative sums, the moving average the mean of the runs' moving averages.
 */
function aggregate(arms: Arm[], o: { Q?: number; runs?: number; lambdas?: number[]; events?: ExperimentAggregate['summary']['events']; models?: string[] } = {}): ExperimentAggregate {
  const Q = o.Q ?? 400;
  const R = o.runs ?? 3;
  const lambdas = o.lambdas ?? [0.5];
  const models = o.models ?? ['m0', 'm1', 'm2', 'm3'];
  const rnd = lcg(7);
  const cells: CellSummary[] = [];
  const curves: ExperimentAggregate['curves'] = [];
  const selection: ExperimentAggregate['selection'] = [];
  for (const lambda of lambdas) {
    for (const a of arms) {
      const runs = Array.from({ length: R }, () => Float64Array.from({ length: Q }, () => (a.fixed ? a.rate : a.rate * 2 * rnd())));
      const finals = runs.map((r) => r.reduce((s, x) => s + x, 0));
      const meanCum = new Float64Array(Q);
      const movingAvg = new Float64Array(Q);
      let acc = 0;
      for (let q = 0; q < Q; q++) {
        acc += runs.reduce((s, r) => s + r[q], 0) / R;
        meanCum[q] = acc;
      }
      for (const r of runs) movingAverage(r, MA_WINDOW).forEach((v, q) => (movingAvg[q] += v / R));
      // a band that dips below 0 at the start, as a wide CI does
      curves.push({ lambda, label: a.label, meanCum, ciLo: meanCum.map((v) => v - 3), ciHi: meanCum.map((v) => v + 3), movingAvg });
      const nW = Math.ceil(Q / SELECTION_WINDOW);
      const share = Array.from({ length: nW }, (_, w) => Float64Array.from(models, (_, m) => (m === w % models.length ? 0.31 : 0.23)));
      selection.push({ lambda, label: a.label, windowStart: Array.from({ length: nW }, (_, w) => w * SELECTION_WINDOW), share });
      cells.push({
        lambda,
        label: a.label,
        policy: a.policy ?? a.label,
        params: {},
        features: [],
        finalRegret: meanSdCi(finals),
        reward: meanSd([0.5]),
        accuracy: meanSd([0.6]),
        energyWh: meanSd([100 + 10 * a.rate]),
        costNorm: meanSd([0.1]),
        latencyS: meanSd([0.1]),
        selection: {},
        // fixed arms: the same total summed in a different order differs in the last bits
        perRun: finals.map((f, run) => ({ run, seed: run, finalRegret: a.fixed ? f + run * 1e-13 : f, reward: 0.5, accuracy: a.fixed ? 0.6 : 0.5 + 0.1 * rnd(), energyWh: 100 })),
      });
    }
  }
  return {
    summary: {
      schemaVersion: 1,
      kind: 'experiment',
      name: 't',
      title: null,
      dataset: { name: 't', queries: Q, models: models.length, sha256: '0'.repeat(64) },
      semantics: 'paper',
      oracle: 'pool',
      runs: R,
      seed: 1,
      lambdas,
      oracleTotal: lambdas.map(() => 0),
      events: o.events ?? [],
      cells,
      significance: [],
      models: models.map((id, j) => ({ id, paramsB: j + 1, accuracy: 0.4 + 0.05 * j, energyWh: 50 + 40 * j, reward: [], onFront: true })),
      comparison: null,
    },
    curves,
    selection,
  };
}

function chart(charts: ChartSpec[], name: string): Layer {
  const c = charts.find((x) => x.name === name);
  if (!c) throw new Error(`no chart ${name}: ${charts.map((x) => x.name).join(', ')}`);
  return c.spec as Layer;
}

/** label → colour of a chart's colour scale (from the layer that has a legend). */
function colourOf(spec: Layer): Map<string, string> {
  const layer = spec.layer.find((l: Layer) => l.encoding?.color?.scale?.domain);
  const { domain, range } = layer.encoding.color.scale;
  return new Map(domain.map((d: string, i: number) => [d, range[i]]));
}

const X1 = [{ label: 'epsilon-greedy', rate: 0.2 }, { label: 'linear-epsilon-greedy', rate: 0.17 }, { label: 'linucb', rate: 0.16 }, { label: 'thompson', rate: 0.165 }, { label: 'random', rate: 0.25 }, { label: 'largest', rate: 0.44, fixed: true }];

describe('experiment charts', () => {
  it('a policy has the same colour in every experiment, whatever the arm order', () => {
    const x1 = colourOf(chart(experimentCharts(aggregate(X1)), 'cumulative-regret'));
    const x4 = colourOf(chart(experimentCharts(aggregate([{ label: 'linucb', rate: 0.16 }, { label: 'thompson', rate: 0.17 }, { label: 'random', rate: 0.25 }])), 'cumulative-regret'));
    // lines take the colour darkened where it is pale (thompson's sky), the same in both
    for (const p of ['linucb', 'thompson', 'random']) {
      expect(x1.get(p)).toBe(lineColour(POLICY_COLOURS[p]));
      expect(x4.get(p)).toBe(lineColour(POLICY_COLOURS[p]));
    }
    // custom labels take colours no shipped policy uses, and no two labels of a chart share one
    const ab = colourOf(chart(experimentCharts(aggregate([{ label: 'full', policy: 'linucb', rate: 0.2 }, { label: 'task', policy: 'linucb', rate: 0.3 }, { label: 'linucb', rate: 0.1 }])), 'cumulative-regret'));
    expect(ab.get('linucb')).toBe(lineColour(POLICY_COLOURS.linucb));
    expect(new Set(ab.values()).size).toBe(3);
    // legends draw line symbols at full opacity
    const legend = chart(experimentCharts(aggregate(X1)), 'cumulative-regret').layer.find((l: Layer) => l.encoding?.color?.legend).encoding.color.legend;
    expect(legend.symbolOpacity).toBe(1);
  });

  it('cumulative regret: axes from 0 to the stream length, labels at the line ends never closer than a line', () => {
    const agg = aggregate(X1, { Q: 437 });
    const spec = chart(experimentCharts(agg), 'cumulative-regret');
    const line = spec.layer[1];
    expect(line.encoding.x.scale.domain).toEqual([0, 437]);
    const [y0, y1] = line.encoding.y.scale.domain;
    expect(y0).toBe(0);
    const top = Math.max(...agg.curves.flatMap((c) => [...c.ciHi]));
    expect(y1).toBeGreaterThanOrEqual(top);
    expect(y1).toBeLessThan(top * 1.25);
    const steps = spec.data.values.map((r: { step: number }) => r.step);
    expect(Math.min(...steps)).toBe(0);
    expect(Math.max(...steps)).toBe(437);
    // end labels: one per line, ≥ 12 px apart on a 320 px plot
    const labels = spec.layer.find((l: Layer) => l.mark.type === 'text' && l.encoding.text?.field === 'label').data.values;
    expect(labels.map((l: { label: string }) => l.label).sort()).toEqual(X1.map((a) => a.label).sort());
    const px = labels.map((l: { labelY: number }) => (l.labelY / y1) * 320).sort((a: number, b: number) => a - b);
    for (let i = 1; i < px.length; i++) expect(px[i] - px[i - 1]).toBeGreaterThan(12 - 1e-9);
  });

  it('moving-average regret starts at the first full window', () => {
    const agg = aggregate(X1, { Q: 300 });
    const spec = chart(experimentCharts(agg), 'moving-average-regret');
    const rows = spec.data.values as { step: number; label: string; ma: number }[];
    expect(Math.min(...rows.map((r) => r.step))).toBe(MA_WINDOW);
    // each plotted value is the curve's value at that step
    const c = agg.curves.find((x) => x.label === 'linucb')!;
    for (const r of rows.filter((x) => x.label === 'linucb')) expect(r.ma).toBe(c.movingAvg[r.step - 1]);
    expect(spec.layer[0].encoding.x.scale.domain).toEqual([0, 300]);
  });

  it('final regret: a bar exactly for the boxes under 2 px tall (all runs of a fixed policy agree)', () => {
    const spec = chart(experimentCharts(aggregate(X1)), 'final-regret-box');
    const ticks = spec.layer.find((l: Layer) => l.mark.type === 'tick').data.values.map((r: { label: string }) => r.label);
    const rows = spec.data.values as { label: string; regret: number }[];
    const [lo, hi] = spec.layer[0].encoding.y.scale.domain;
    expect(lo).toBeLessThanOrEqual(Math.min(...rows.map((r) => r.regret)));
    expect(hi).toBeGreaterThanOrEqual(Math.max(...rows.map((r) => r.regret)));
    const height = spec.height as number;
    for (const a of X1) {
      const v = rows.filter((r) => r.label === a.label).map((r) => r.regret).sort((x, y) => x - y);
      // quartiles by linear interpolation between order statistics (n = 3: the 2nd ± half a step)
      const q1 = v[0] + 0.5 * (v[1] - v[0]);
      const q3 = v[1] + 0.5 * (v[2] - v[1]);
      const px = ((q3 - q1) / (hi - lo)) * height;
      expect(ticks.includes(a.label), `${a.label}: ${px.toFixed(2)} px`).toBe(px <= 2);
    }
    expect(ticks).toContain('largest');
    expect(ticks.length).toBeLessThan(X1.length);
  });

  it('λ sweep: whiskers inside the axis, upright λ labels, a bar for a zero-spread box', () => {
    const charts = experimentCharts(aggregate(X1, { lambdas: [0, 0.5, 1] }));
    const acc = chart(charts, 'lambda-sweep-accuracy');
    const box = acc.layer[0];
    expect(box.encoding.x.axis.labelAngle).toBe(0);
    const vals = acc.data.values.map((r: { accuracy: number }) => r.accuracy);
    const [lo, hi] = box.encoding.y.scale.domain;
    expect(lo).toBeLessThan(Math.min(...vals));
    expect(hi).toBeGreaterThan(Math.max(...vals));
    // no arm of the sweep is static here except 'largest', which the sweep leaves out; make one flat
    const flat = experimentCharts(aggregate([{ label: 'linucb', rate: 0.1, fixed: true }, { label: 'thompson', rate: 0.1 }], { lambdas: [0, 0.5, 1] }));
    const tick = chart(flat, 'lambda-sweep-accuracy').layer.find((l: Layer) => l.mark.type === 'tick');
    expect(tick.data.values.map((r: { label: string; lambda: string }) => `${r.label}@${r.lambda}`)).toEqual(['linucb@0', 'linucb@0.5', 'linucb@1']);
  });

  it('box plots say so when their y axis does not start at 0', () => {
    const subtitle = (spec: Layer): string => (typeof spec.title === 'string' ? '' : spec.title.subtitle);
    // regrets far from 0 (the axis zooms in), and with the oracle at 0 (the axis starts there)
    const far = experimentCharts(aggregate([{ label: 'linucb', rate: 0.5 }, { label: 'thompson', rate: 0.52 }], { lambdas: [0, 0.5, 1] }));
    const near = experimentCharts(aggregate([{ label: 'linucb', rate: 0.5 }, { label: 'oracle', rate: 0, fixed: true }]));
    for (const [charts, name] of [
      [far, 'final-regret-box-lambda-0.5'],
      [far, 'lambda-sweep-accuracy'],
      [far, 'lambda-sweep-energy'],
      [near, 'final-regret-box'],
    ] as const) {
      const spec = chart(charts, name);
      const [lo] = spec.layer[0].encoding.y.scale.domain;
      expect(subtitle(spec).includes('y axis does not start at 0'), `${name}: axis from ${lo}`).toBe(lo > 0);
    }
    expect(chart(near, 'final-regret-box').layer[0].encoding.y.scale.domain[0]).toBe(0);
  });

  it('selection heatmap: colour domain is the data range, pool gaps apart from 0, change point labelled', () => {
    const models = ['a', 'b', 'c', 'd'];
    const agg = aggregate([{ label: 'linucb', rate: 0.2 }], { Q: 200, models, events: [{ step: 100, remove: ['b'], add: ['d'] }] });
    const charts = experimentCharts(agg, { initialPool: ['a', 'b', 'c'] });
    const spec = chart(charts, 'selection-linucb');
    const cells = spec.layer[0].data.values as { start: number; model: string; share: number }[];
    const domain = spec.layer[0].encoding.color.scale.domain as number[];
    const shares = cells.map((c) => c.share);
    expect(domain[0]).toBe(Math.min(...shares));
    expect(domain[domain.length - 1]).toBe(Math.max(...shares));
    const out = spec.layer[1].data.values as { start: number; model: string }[];
    // d before the change and b from it on are outside the pool, and drawn as such rather than as a share
    expect(out.map((c) => `${c.model}@${c.start}`).sort()).toEqual([...[0, 25, 50, 75].map((s) => `d@${s}`), ...[100, 125, 150, 175].map((s) => `b@${s}`)].sort());
    expect(cells.some((c) => (c.model === 'd' && c.start < 100) || (c.model === 'b' && c.start >= 100))).toBe(false);
    const text = spec.layer.find((l: Layer) => l.mark.type === 'text');
    expect(text.data.values[0].text).toBe('query 100: −b +d');
  });

  it('accuracy vs energy on the built-in pool: no model label overlaps another or leaves the plot', () => {
    const models = modelPoints(loadGreenservPool(), []);
    const agg = aggregate(X1);
    agg.summary.models = models;
    const spec = chart(experimentCharts(agg), 'accuracy-vs-energy');
    const text = spec.layer.find((l: Layer) => l.mark.type === 'text');
    const [x0, x1] = text.encoding.x.scale.domain;
    const [y0, y1] = text.encoding.y.scale.domain;
    expect(x0).toBe(0);
    expect(x1).toBeGreaterThanOrEqual(Math.max(...models.map((m) => m.energyWh)));
    const boxes = text.data.values.map((l: { id: string; lx: number; ly: number }) => {
      const px = ((l.lx - x0) / (x1 - x0)) * 560;
      const py = 320 - ((l.ly - y0) / (y1 - y0)) * 320;
      return { id: l.id, x0: px, x1: px + l.id.length * 5.5, y0: py - 9, y1: py + 2 };
    });
    expect(boxes).toHaveLength(16);
    for (const b of boxes) expect(b.x1).toBeLessThanOrEqual(560 + 1e-9);
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i];
        const b = boxes[j];
        const overlap = a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
        expect(overlap, `${a.id} / ${b.id}`).toBe(false);
      }
    }
  });
  it('accuracy vs energy: labels keep off the front, leaders cross no other label, every policy shows', () => {
    const models = modelPoints(loadGreenservPool(), []);
    const at = (id: string): [number, number] => {
      const m = models.find((x) => x.id === id)!;
      return [m.energyWh, m.accuracy];
    };
    // where the policies of a default simulation and of X3 at λ = 1 land (two on one model, three on one spot);
    // and the synthetic arms of aggregate(), all near (100 Wh, 0.6), where labels have little room
    const scenes: { name: string; pts: [string, number, number][]; onFront: number; leadersClear: boolean }[] = [
      { name: 'default', onFront: 0, leadersClear: true, pts: [['random', 237.7, 0.5116], ['largest', ...at('yi-34b')], ['smallest', ...at('qwen2.5-0.5b')], ['most-accurate', ...at('gemma-3-27b')], ['best-static', ...at('phi-4-mini-4b')], ['epsilon-greedy', 151.6, 0.5541], ['linear-epsilon-greedy', 238.9, 0.6391], ['linucb', 141.2, 0.6256], ['thompson', 179.2, 0.589]] },
      { name: 'λ = 1', onFront: 0, leadersClear: true, pts: [['epsilon-greedy', 60.2, 0.3524], ['linear-epsilon-greedy', 63.1, 0.3531], ['linucb', ...at('qwen2.5-0.5b')], ['thompson', 77.3, 0.3797], ['random', 237.7, 0.5116], ['largest', ...at('yi-34b')], ['smallest', ...at('qwen2.5-0.5b')], ['accuracy', ...at('gemma-3-27b')]] },
      { name: 'crowded', onFront: Infinity, leadersClear: false, pts: [...X1.map((a): [string, number, number] => [a.label, 100 + 10 * a.rate, 0.6]), ['best-static', ...at('phi-4-mini-4b')], ['smallest', ...at('qwen2.5-0.5b')]] },
    ];
    for (const scene of scenes) {
      const policies = scene.pts.map(([label, wh, acc]) => ({ label, wh, acc }));
      const spec = accuracyEnergySpec({ title: scene.name, Q: 2500, models, policies, colours: policyColours(policies) }) as Layer;
      const [W, H] = [spec.width as number, spec.height as number];
      const text = spec.layer.find((l: Layer) => l.mark.type === 'text');
      const [x0, x1] = text.encoding.x.scale.domain;
      const [y0, y1] = text.encoding.y.scale.domain;
      const px = (e: number): number => ((e - x0) / (x1 - x0)) * W;
      const py = (a: number): number => H - ((a - y0) / (y1 - y0)) * H;
      // the front as drawn: step-after through the models on it, in energy order
      const front = models.filter((m) => m.onFront).sort((a, b) => a.energyWh - b.energyWh);
      const segs: number[][] = [];
      for (let k = 1; k < front.length; k++) {
        const [a, b] = [front[k - 1], front[k]];
        segs.push([px(a.energyWh), py(a.accuracy), px(b.energyWh), py(a.accuracy)], [px(b.energyWh), py(a.accuracy), px(b.energyWh), py(b.accuracy)]);
      }
      // a segment passes through a box when a point of it, sampled every 0.25 px, lies strictly inside
      const hits = (s: number[], b: { x0: number; x1: number; y0: number; y1: number }): boolean => {
        const n = Math.ceil(Math.hypot(s[2] - s[0], s[3] - s[1]) * 4) + 1;
        for (let t = 0; t <= n; t++) {
          const x = s[0] + ((s[2] - s[0]) * t) / n;
          const y = s[1] + ((s[3] - s[1]) * t) / n;
          if (x > b.x0 + 0.01 && x < b.x1 - 0.01 && y > b.y0 + 0.01 && y < b.y1 - 0.01) return true;
        }
        return false;
      };
      const labels = text.data.values as { id: string; energyWh: number; accuracy: number; lx: number; ly: number; mx: number; my: number; leader: boolean }[];
      // 9 px DejaVu Sans is narrower than 5.5 px a character; the box from the baseline to the cap height
      const boxes = labels.map((l) => ({ id: l.id, x0: px(l.lx), x1: px(l.lx) + l.id.length * 5.5, y0: py(l.ly) - 9, y1: py(l.ly) + 2 }));
      for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
          const [a, b] = [boxes[i], boxes[j]];
          expect(a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1, `${scene.name}: ${a.id} / ${b.id}`).toBe(false);
        }
      }
      // a label goes on the front only where no place near its point is clear (in the crowded scene)
      const onFront = boxes.filter((b) => segs.some((s) => hits(s, b))).map((b) => b.id);
      expect(onFront.length, `${scene.name}: ${onFront.join(', ')} on the front`).toBeLessThanOrEqual(scene.onFront);
      for (const l of labels.filter((x) => x.leader)) {
        const seg = [px(l.energyWh), py(l.accuracy), px(l.mx), py(l.my)];
        // the leader ends on its own label's box
        const own = boxes.find((b) => b.id === l.id)!;
        expect(Math.min(Math.abs(seg[2] - own.x0), Math.abs(seg[2] - own.x1), Math.abs(seg[3] - own.y0), Math.abs(seg[3] - own.y1))).toBeLessThan(1e-6);
        if (scene.leadersClear) for (const b of boxes) if (b.id !== l.id) expect(hits(seg, b), `${scene.name}: ${l.id}'s leader through ${b.id}`).toBe(false);
      }
      // every policy's marker keeps some area no later one covers, measured on the diamond of its size (a ball of
      // the L1 norm, half-diagonal √size / 2) that the nesting is worked out for
      const pol = spec.layer.find((l: Layer) => l.encoding?.shape);
      expect(pol.encoding.order.field).toBe('z');
      const ds = (pol.data.values as { label: string; wh: number; acc: number; size: number; z: number }[]).map((d) => ({ ...d, x: px(d.wh), y: py(d.acc), r: Math.sqrt(d.size) / 2 }));
      expect(ds.map((d) => d.label).sort()).toEqual(policies.map((p) => p.label).sort());
      for (const d of ds) {
        let visible = 0;
        for (let gx = -d.r; gx <= d.r; gx += 0.25) {
          for (let gy = -d.r; gy <= d.r; gy += 0.25) {
            if (Math.abs(gx) + Math.abs(gy) >= d.r) continue;
            const [x, y] = [d.x + gx, d.y + gy];
            if (!ds.some((e) => e.z > d.z && Math.abs(x - e.x) + Math.abs(y - e.y) < e.r)) visible += 1 / 16;
          }
        }
        // at least a 1.5 px ring around a diamond of the usual size (110 px²)
        const r = Math.sqrt(110) / 2;
        expect(visible, `${scene.name}: ${d.label}`).toBeGreaterThan(2 * (r + 1.5) ** 2 - 2 * r ** 2);
      }
    }
  });
  it('accuracy vs energy: a point far off the energy axis (an edited summary or checkpoint) is left out and the chart still renders', async () => {
    const models = modelPoints(loadGreenservPool(), []);
    const agg = aggregate(X1);
    agg.summary.models = [{ ...models[0], energyWh: -1e308 }, ...models.slice(1)];
    agg.summary.cells[0].energyWh = { ...agg.summary.cells[0].energyWh, mean: -2e307 };
    const spec = chart(experimentCharts(agg), 'accuracy-vs-energy');
    const points = spec.layer.flatMap((l: Layer) => l.data.values as { energyWh?: number; wh?: number }[]);
    expect(points.every((p: { energyWh?: number; wh?: number }) => (p.energyWh ?? p.wh ?? 0) >= 0)).toBe(true);
    // the PNG renderer refused the picture stretched to 3.5e307 px: "SVG has an invalid size"
    const { svg } = await renderChart(spec, 1, 't');
    expect(svg).toMatch(/^<svg[^>]* width="\d{3}"/);
  });
});

describe('scenario charts', () => {
  it('budget adherence: the axis ends with the stream, the rule is under the curves and its label clear of them', () => {
    const Q = 500;
    const steps = Array.from({ length: 100 }, (_, k) => 5 * (k + 1));
    // curves that run just above and just below the budget over the right half (where the label used to go)
    const curve = (label: string, f: (s: number) => number) => ({ lambda: 0.5, label, steps, running: steps.map(f) });
    const curves = [curve('linucb', (s) => (s > 250 ? 0.053 : 0.08)), curve('random', (s) => (s > 250 ? 0.047 : 0.02)), curve('thompson', (s) => 0.07 + 0.00001 * s), curve('epsilon-greedy', (s) => 0.1 - s / 20000)];
    for (const nearRule of [true, false]) {
      const agg = aggregate(curves.map((c) => ({ label: c.label, rate: 0.2 })), { Q });
      agg.summary.scenario = { budget: { kind: 'energy', limit: 0.05, unit: 'Wh per query', reference: null, cells: [], curves: nearRule ? curves : curves.slice(2) }, events: null } as unknown as ExperimentAggregate['summary']['scenario'];
      const spec = chart(experimentCharts(agg), 'budget-adherence');
      const lineIdx = spec.layer.findIndex((l: Layer) => l.mark.type === 'line');
      const ruleIdx = spec.layer.findIndex((l: Layer) => l.mark.type === 'rule');
      expect(ruleIdx).toBeLessThan(lineIdx);
      const line = spec.layer[lineIdx];
      expect(line.encoding.x.scale.domain).toEqual([0, Q]);
      const [, top] = line.encoding.y.scale.domain;
      const [W, H] = [spec.width as number, spec.height as number];
      const py = (v: number): number => H - (v / top) * H;
      const text = spec.layer.find((l: Layer) => l.mark.type === 'text');
      const label = text.data.values[0].text as string;
      // the text's box: 10 px DejaVu Sans is under 6.2 px a character; 3 px off the rule, 11 px tall
      const w = label.length * 6.2;
      const ax = text.encoding.x.value as number;
      const x0 = text.mark.align === 'right' ? ax - w : text.mark.align === 'left' ? ax : ax - w / 2;
      const ry = py(0.05);
      const [y0, y1] = text.mark.baseline === 'bottom' ? [ry - 3 - 11, ry - 3] : [ry + 3, ry + 3 + 11];
      expect(x0).toBeGreaterThanOrEqual(0);
      expect(x0 + w).toBeLessThanOrEqual(W);
      for (const c of nearRule ? curves : curves.slice(2)) {
        for (let k = 1; k < c.steps.length; k++) {
          for (let t = 0; t <= 1; t += 1 / 32) {
            const x = ((c.steps[k - 1] + t * (c.steps[k] - c.steps[k - 1])) / Q) * W;
            const y = py(c.running[k - 1] + t * (c.running[k] - c.running[k - 1]));
            expect(x > x0 && x < x0 + w && y > y0 && y < y1, `${c.label} through the label at step ${c.steps[k]}`).toBe(false);
          }
        }
      }
    }
  });
});

describe('event charts', () => {
  it('a drift event is marked on the charts over the stream; event labels sit above the plot and inside its width', () => {
    const Q = 400;
    const agg = aggregate([{ label: 'linucb', rate: 0.2 }, { label: 'thompson', rate: 0.25 }], { Q });
    const regret = Array.from({ length: 70 }, (_, i) => 0.1 + 0.001 * i);
    agg.summary.scenario = {
      budget: null,
      events: {
        window: 50,
        list: [
          { step: 60, what: 'm1: accuracy −0.1' },
          { step: 380, what: 'm2: accuracy −0.3' },
        ],
        cells: [],
        curves: [0, 1].flatMap((event) => ['linucb', 'thompson'].map((label) => ({ lambda: 0.5, label, event, from: event === 0 ? 10 : 330, regret }))),
      },
    } as unknown as ExperimentAggregate['summary']['scenario'];
    const charts = experimentCharts(agg);
    // the label's box along x from its anchor, alignment and offset; 10 px DejaVu Sans, the widest font of the stack
    const boxX = (t: Layer, v: { text: string }, x: number): [number, number] => {
      const w = dejaVuWidth(v.text, 10);
      return t.mark.align === 'right' ? [x + t.mark.dx - w, x + t.mark.dx] : [x + t.mark.dx, x + t.mark.dx + w];
    };
    for (const name of ['cumulative-regret', 'moving-average-regret', 'selection-linucb']) {
      const spec = chart(charts, name);
      const W = spec.width as number;
      const texts = spec.layer.filter((l: Layer) => l.mark.type === 'text' && l.encoding.y?.value === 0);
      const labels = texts.flatMap((t: Layer) => t.data.values.map((v: { step: number; text: string }) => ({ t, v })));
      expect(labels.map((l: { v: { text: string } }) => l.v.text).sort(), name).toEqual(['query 380: m2: accuracy −0.3', 'query 60: m1: accuracy −0.1']);
      for (const { t, v } of labels) {
        // above the plot: bottom of the text 3 px over its top edge, the title raised to make room
        expect(t.mark.baseline).toBe('bottom');
        expect(t.mark.dy).toBeLessThan(0);
        expect(spec.title.offset).toBeGreaterThanOrEqual(15);
        const [x0, x1] = boxX(t, v, (v.step / Q) * W);
        expect(x0, `${name}: ${v.text}`).toBeGreaterThanOrEqual(0);
        expect(x1, `${name}: ${v.text}`).toBeLessThanOrEqual(W);
      }
    }
    for (const [k, from] of [
      [1, 10],
      [2, 330],
    ]) {
      const spec = chart(charts, `event-${k}-regret`);
      const line = spec.layer.find((l: Layer) => l.mark.type === 'line');
      // the axis spans the window's curves exactly
      expect(line.encoding.x.scale.domain).toEqual([from, from + regret.length]);
      expect(line.encoding.x.scale.nice).toBe(false);
      const t = spec.layer.find((l: Layer) => l.mark.type === 'text' && l.encoding.y?.value === 0);
      expect(t.mark.baseline).toBe('bottom');
      expect(spec.title.offset).toBeGreaterThanOrEqual(15);
      const v = t.data.values[0];
      const [d0, d1] = line.encoding.x.scale.domain;
      const [x0, x1] = boxX(t, v, ((v.step - d0) / (d1 - d0)) * spec.width);
      expect(x0).toBeGreaterThanOrEqual(0);
      expect(x1).toBeLessThanOrEqual(spec.width);
      // the title says which event, also in the PNG alone
      expect(spec.title.text).toContain(`step ${v.step}`);
    }
  });
});

describe('chart helpers', () => {
  it('flatBoxes: a bar at the median where the quartiles meet, even with an outlying run', () => {
    const rows = (label: string, v: number[]): { label: string; v: number }[] => v.map((x) => ({ label, v: x }));
    const data = [...rows('fixed', [7, 7, 7]), ...rows('outlier', [520, 520, 520, 520, 679]), ...rows('spread', [1, 2, 3, 4, 5]), ...rows('close', [10, 10.01, 10.02, 10.03])];
    expect(flatBoxes(data, ['label'], 'v').map((r) => `${r.label}=${r.v}`)).toEqual(['fixed=7', 'outlier=520']);
    // quartiles 10.0075 and 10.0225 are under 0.05 apart: too close to show as a box at that scale
    expect(flatBoxes(data, ['label'], 'v', 0.05).map((r) => r.label)).toEqual(['fixed', 'outlier', 'close']);
  });

  it('niceCeil ends an axis on a round value just above the data', () => {
    expect(niceCeil(1106)).toBe(1200);
    expect(niceCeil(632)).toBe(700);
    expect(niceCeil(0.487)).toBe(0.5);
    expect(niceCeil(400)).toBe(400);
    expect(niceCeil(0)).toBe(1);
  });

  it('end labels keep their order, stay apart and inside the plot', () => {
    const pos = endLabelPositions([100, 101, 102, 5, 0.1, 0], 200, 320, 12);
    const px = pos.map((v) => 320 - (v / 200) * 320);
    expect(px[0]).toBeGreaterThan(px[1]);
    expect(px[1]).toBeGreaterThan(px[2]);
    const sorted = [...px].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i] - sorted[i - 1]).toBeGreaterThanOrEqual(12 - 1e-9);
    expect(Math.max(...px)).toBeLessThanOrEqual(320 + 1e-9);
    // a label that need not move stays at its line's value
    expect(endLabelPositions([50, 150], 200)).toEqual([50, 150]);
  });
});

describe('charts of a drifting run', () => {
  // the budget references and the grey models come from the table as loaded (docs/model.md §11.1); under drift the
  // policies ran on another stream, so the charts must not present the two as the same stream
  const scenario = (what: string) =>
    ({
      budget: {
        kind: 'energy',
        limit: 0.05,
        unit: 'Wh per query',
        reference: { bestStatic: { model: 'phi-4-mini-4b', accuracy: 0.5836, value: 0.047 }, bestMixture: null },
        cells: [],
        curves: [{ lambda: 0.5, label: 'linucb', steps: [200, 400], running: [0.06, 0.06] }],
      },
      events: { window: 100, list: [{ step: 200, what }], cells: [], curves: [] },
    }) as unknown as ExperimentAggregate['summary']['scenario'];
  const build = (drift: boolean) => {
    const agg = aggregate([{ label: 'linucb', rate: 0.2 }]);
    agg.summary.models = modelPoints(loadGreenservPool(), []);
    if (drift) agg.summary.scenario = scenario('phi-4-mini-4b: accuracy −0.3');
    else {
      // a pool change is listed both in the summary's events and in the scenario's
      agg.summary.events = [{ step: 200, remove: ['m0'], add: [] }];
      agg.summary.scenario = scenario('−m0');
    }
    return experimentCharts(agg);
  };
  it('the accuracy-vs-energy chart says its models are the table before the drift, in its drawn width', async () => {
    const note = 'grey models: the table as loaded, before the drift; policies: the drifted stream';
    const drifted = await renderChart(chart(build(true), 'accuracy-vs-energy'), 1, 't');
    const at = drifted.svg.indexOf(`>${note}</text>`);
    expect(at).toBeGreaterThan(0);
    // the text's left edge in the picture: its own translate plus those of the groups it is in
    const stack: number[] = [];
    for (const t of drifted.svg.slice(0, at).matchAll(/<g\b([^>]*)>|<\/g>/g)) {
      if (t[0] === '</g>') stack.pop();
      else stack.push(Number(/transform="translate\(([\d.-]+),/.exec(t[1])?.[1] ?? 0));
    }
    const own = /<text[^>]*transform="translate\(([\d.-]+),[^"]*"[^>]*$/.exec(drifted.svg.slice(0, at))!;
    const x = stack.reduce((a, v) => a + v, Number(own[1]));
    const width = Number(/^<svg[^>]* width="([\d.]+)"/.exec(drifted.svg)![1]);
    // the subtitle (11 px) starts inside the picture and ends before its right edge
    expect(x).toBeGreaterThanOrEqual(0);
    expect(x + dejaVuWidth(note, 11)).toBeLessThanOrEqual(width);
    const pool = await renderChart(chart(build(false), 'accuracy-vs-energy'), 1, 't');
    expect(pool.svg).not.toContain('before the drift');
  });
  it('the budget figure names the table its hindsight references come from', () => {
    const caption = (charts: ChartSpec[]) => (charts.find((c) => c.name === 'budget-adherence') as { tables: { caption: string }[] }).tables[1].caption;
    expect(caption(build(true))).toBe('In hindsight, over the table as loaded (before the drift)');
    expect(caption(build(false))).toBe('In hindsight, over the whole stream');
  });
});
