/**
 * Curves read back from an edited results directory can hold NaN (an emptied column) or values far above the
 * axis; the cumulative-regret chart must keep a finite axis and draw its label leaders inside the plot
 * (a leader at 1e300 grew the rendered image without bound).
 */
import { describe, expect, it } from 'vitest';
import { cumulativeRegretSpec } from '../../src/report/chartsTime.js';

const Q = 100;
function curve(label: string, fill: (i: number) => number, hi: (i: number) => number) {
  const meanCum = Float64Array.from({ length: Q }, (_, i) => fill(i));
  return { lambda: 0.5, label, meanCum, ciLo: meanCum, ciHi: Float64Array.from({ length: Q }, (_, i) => hi(i)), movingAvg: meanCum };
}

type Layer = { data?: { values: { value?: number; label?: string }[] }; mark: { type: string } };
const axisTop = (spec: unknown): number => ((spec as { layer: { encoding: { y: { scale: { domain: number[] } } } }[] }).layer[1].encoding.y.scale.domain[1]);
const leaders = (spec: unknown): number[] => ((spec as { layer: Layer[] }).layer.find((l) => l.mark.type === 'rule' && l.data?.values.some((v) => v.label !== undefined))!.data!.values.map((v) => v.value!));

describe('cumulative regret chart of edited curves', () => {
  it('a NaN band leaves the axis at the curves\' top', () => {
    const spec = cumulativeRegretSpec({ title: 't', curves: [curve('a', (i) => i, () => Number.NaN)], Q, colours: new Map([['a', '#000']]), events: [] });
    expect(axisTop(spec)).toBe(100);
  });

  it('an end value beyond the axis or below 0 starts its leader at the plot edge', () => {
    const curves = [curve('a', (i) => (i === Q - 1 ? Number.NaN : i), (i) => i), curve('b', (i) => (i === Q - 1 ? -1e300 : i), (i) => i)];
    const spec = cumulativeRegretSpec({ title: 't', curves, Q, colours: new Map([['a', '#000'], ['b', '#111']]), events: [] });
    const top = axisTop(spec);
    expect(Number.isFinite(top)).toBe(true);
    for (const v of leaders(spec)) expect(Number.isNaN(v) || (v >= 0 && v <= top)).toBe(true);
    const big = cumulativeRegretSpec({ title: 't', curves: [curve('a', (i) => (i === Q - 1 ? 1e300 : i), () => Number.NaN)], Q, colours: new Map([['a', '#000']]), events: [] });
    expect(leaders(big)).toEqual([axisTop(big)]);
  });
});
