import { describe, expect, it } from 'vitest';
import type { EvaluateSummary, FamilyCurves } from '../../src/metrics/routerbench.js';
import { familyChartSpec } from '../../src/report/evaluateCharts.js';
import { POLICY_COLOURS, RESERVED_COLOURS, SPARE_COLOURS, policyColours } from '../../src/report/palette.js';

/** sRGB hex → linear RGB. */
function linear(hex: string): number[] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((v) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
}

/** Machado, Oliveira & Fernandes (2009) simulation matrices at severity 1.0, applied to linear RGB. */
const CVD = {
  deuteranopia: [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.01182, 0.04294, 0.968881]],
  protanopia: [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
};

/** sRGB hex → CIELAB (D65), optionally as seen with a colour-vision deficiency. */
function lab(hex: string, cvd?: keyof typeof CVD): [number, number, number] {
  let c = linear(hex);
  if (cvd) c = CVD[cvd].map((r) => Math.min(1, Math.max(0, r[0] * c[0] + r[1] * c[1] + r[2] * c[2])));
  const x = (0.4124564 * c[0] + 0.3575761 * c[1] + 0.1804375 * c[2]) / 0.95047;
  const y = 0.2126729 * c[0] + 0.7151522 * c[1] + 0.072175 * c[2];
  const z = (0.0193339 * c[0] + 0.119192 * c[1] + 0.9503041 * c[2]) / 1.08883;
  const f = (t: number): number => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

/** CIEDE2000 colour difference of two CIELAB colours (Sharma, Wu & Dalal 2005). */
function deltaELab([L1, a1, b1]: number[], [L2, a2, b2]: number[]): number {
  const rad = Math.PI / 180;
  const Cbar = (Math.hypot(a1, b1) + Math.hypot(a2, b2)) / 2;
  const G = 0.5 * (1 - Math.sqrt(Cbar ** 7 / (Cbar ** 7 + 25 ** 7)));
  const ap1 = (1 + G) * a1;
  const ap2 = (1 + G) * a2;
  const C1 = Math.hypot(ap1, b1);
  const C2 = Math.hypot(ap2, b2);
  const hue = (b: number, a: number): number => (b === 0 && a === 0 ? 0 : (Math.atan2(b, a) / rad + 360) % 360);
  const h1p = hue(b1, ap1);
  const h2p = hue(b2, ap2);
  let dh = h2p - h1p;
  if (C1 * C2 === 0) dh = 0;
  else if (dh > 180) dh -= 360;
  else if (dh < -180) dh += 360;
  const dL = L2 - L1;
  const dC = C2 - C1;
  const dH = 2 * Math.sqrt(C1 * C2) * Math.sin((dh / 2) * rad);
  const Lb = (L1 + L2) / 2;
  const Cb = (C1 + C2) / 2;
  let hb = h1p + h2p;
  if (C1 * C2 !== 0) hb = Math.abs(h1p - h2p) <= 180 ? hb / 2 : hb < 360 ? (hb + 360) / 2 : (hb - 360) / 2;
  const T = 1 - 0.17 * Math.cos((hb - 30) * rad) + 0.24 * Math.cos(2 * hb * rad) + 0.32 * Math.cos((3 * hb + 6) * rad) - 0.2 * Math.cos((4 * hb - 63) * rad);
  const SL = 1 + (0.015 * (Lb - 50) ** 2) / Math.sqrt(20 + (Lb - 50) ** 2);
  const SC = 1 + 0.045 * Cb;
  const SH = 1 + 0.015 * Cb * T;
  const RT = -2 * Math.sqrt(Cb ** 7 / (Cb ** 7 + 25 ** 7)) * Math.sin(60 * Math.exp(-(((hb - 275) / 25) ** 2)) * rad);
  return Math.sqrt((dL / SL) ** 2 + (dC / SC) ** 2 + (dH / SH) ** 2 + RT * (dC / SC) * (dH / SH));
}

const deltaE = (h1: string, h2: string, cvd?: keyof typeof CVD): number => deltaELab(lab(h1, cvd), lab(h2, cvd));

/** The closest pair of a set of colours, in normal vision or with a deficiency. */
function closest(colours: Map<string, string>, cvd?: keyof typeof CVD): { a: string; b: string; d: number } {
  const e = [...colours.entries()];
  let best = { a: '', b: '', d: Infinity };
  for (let i = 0; i < e.length; i++) for (let j = i + 1; j < e.length; j++) {
    const d = deltaE(e[i][1], e[j][1], cvd);
    if (d < best.d) best = { a: e[i][0], b: e[j][0], d };
  }
  return best;
}

const SHIPPED = Object.keys(POLICY_COLOURS).filter((p) => p !== 'accuracy');
const TRAINED = ['knn', 'predictive', 'warm-linucb', 'warm-thompson', 'train-best-static'];

describe('policy colours', () => {
  it('the CIEDE2000 implementation gives the published test pairs', () => {
    // Sharma, Wu & Dalal (2005), table 1: pairs 1, 7, 17 and 25
    expect(deltaELab([50, 2.6772, -79.7751], [50, 0, -82.7485])).toBeCloseTo(2.0425, 4);
    expect(deltaELab([50, 0, 0], [50, -1, 2])).toBeCloseTo(2.3669, 4);
    expect(deltaELab([50, 2.5, 0], [73, 25, -18])).toBeCloseTo(27.1492, 4);
    expect(deltaELab([60.2574, -34.0099, 36.2677], [60.4626, -34.1751, 39.4387])).toBeCloseTo(1.2644, 4);
    for (const [v, w] of lab('#ffffff').map((v, i) => [v, [100, 0, 0][i]])) expect(v).toBeCloseTo(w, 3);
  });

  it('spare colours are far from every shipped policy, every grey other marks use, and one another', () => {
    for (const s of SPARE_COLOURS) {
      for (const p of SHIPPED) expect(deltaE(s, POLICY_COLOURS[p]), `${s} vs ${p}`).toBeGreaterThanOrEqual(11);
      for (const g of RESERVED_COLOURS) expect(deltaE(s, g), `${s} vs ${g}`).toBeGreaterThanOrEqual(11);
    }
    expect(closest(new Map(SPARE_COLOURS.map((c) => [c, c]))).d).toBeGreaterThanOrEqual(11);
  });

  it('shipped policies stay apart for deuteranopes and protanopes (random and thompson far apart too)', () => {
    const shipped = new Map(SHIPPED.map((p) => [p, POLICY_COLOURS[p]]));
    expect(closest(shipped).d).toBeGreaterThanOrEqual(15);
    for (const cvd of ['deuteranopia', 'protanopia'] as const) {
      const c = closest(shipped, cvd);
      expect(c.d, `${cvd}: ${c.a} vs ${c.b}`).toBeGreaterThanOrEqual(10);
    }
    expect(deltaE(POLICY_COLOURS.random, POLICY_COLOURS.thompson)).toBeGreaterThanOrEqual(30);
  });

  it('a --split run: fifteen policies, none two closer than 15, nor than 10 with a red–green deficiency', () => {
    const all = policyColours([...SHIPPED, ...TRAINED].map((label) => ({ label })));
    expect(all.size).toBe(15);
    const c = closest(all);
    expect(c.d, `${c.a} vs ${c.b}`).toBeGreaterThanOrEqual(15);
    for (const cvd of ['deuteranopia', 'protanopia'] as const) {
      const d = closest(all, cvd);
      expect(d.d, `${cvd}: ${d.a} vs ${d.b}`).toBeGreaterThanOrEqual(10);
    }
    // nor close to the models' grey
    for (const [p, col] of all) if (p !== 'oracle') expect(deltaE(col, '#888888'), p).toBeGreaterThanOrEqual(17);
  });

  it('evaluate: no policy hull has the colour of the zero router or the oracle frontier', () => {
    const names = ['linear-epsilon-greedy', 'linucb', 'thompson', 'random', ...TRAINED];
    const hull = [{ cost: 1, quality: 0.5 }];
    const c = {
      family: 'f',
      ctx: { cMin: 1, cMax: 2 },
      models: [{ id: 'm', point: { cost: 1, quality: 0.5 } }],
      oracleFrontier: hull,
      oraclePoint: { cost: 1, quality: 0.9 },
      zeroRouter: hull,
      policies: names.map((name) => ({ name, hull, points: [{ lambda: 0, cost: 1.5, quality: 0.6 }] })),
    } as unknown as FamilyCurves;
    const s = { dataset: { families: [{ name: 'f', queries: 3 }] }, reward: { cost: 'usd' } } as unknown as EvaluateSummary;
    const spec = familyChartSpec(c, s) as unknown as { layer: { encoding: { color?: { scale: { domain: string[]; range: string[] } } } }[] };
    const { domain, range } = spec.layer[0].encoding.color!.scale;
    const series = new Map(domain.map((d, i) => [d, range[i]]));
    expect(series.size).toBe(2 + names.length);
    // 15, not the 17 of the palette: hulls drawn darker where pale (thompson's sky, for 3:1 on white) come a
    // little closer to the zero router's grey and to the spares; each hull also has its own dash now
    // (test/report/policyMarks.test.ts), the zero router's unlike any policy's
    const cl = closest(series);
    expect(cl.d, `${cl.a} vs ${cl.b}`).toBeGreaterThanOrEqual(15);
  });
});
