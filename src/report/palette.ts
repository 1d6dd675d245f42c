/**
 * One colour per policy in every chart of every report: the shipped policies have fixed colours, so linucb is
 * the same wine red in X1, X3 and X4; other labels (feature sets, custom arms) take the spare colours in order.
 */
import { own } from '../core/dict.js';

export const POLICY_COLOURS: Readonly<Record<string, string>> = {
  // Paul Tol's "muted" scheme, built to stay apart under red–green colour blindness (the former Tableau hues
  // made linucb and random, linear-epsilon-greedy and largest near twins under deuteranopia)
  'epsilon-greedy': '#332288',
  'linear-epsilon-greedy': '#cc6677',
  linucb: '#882255',
  thompson: '#88ccee',
  random: '#117733',
  largest: '#ddcc77',
  smallest: '#aa4499',
  'most-accurate': '#999933',
  // the reference's "accuracy" baseline is the most accurate single model
  accuracy: '#999933',
  'best-static': '#44aa99',
  oracle: '#333333',
};

/**
 * Greys and blacks other marks use: the single models and their labels, the zero router, the oracle's frontier
 * and point, rules and the "not in the pool" cells. No policy takes one, so a policy never looks like them.
 */
export const RESERVED_COLOURS = ['#888888', '#7f7f7f', '#999999', '#222222', '#111111', '#bdbdbd', '#555555', '#666666', '#000000'];

/**
 * Colours for the other labels, in the order they are taken, each chosen as far as possible (CIEDE2000, in normal
 * vision and under simulated deuteranopia and protanopia) from the shipped colours, the reserved greys and the
 * spares before it, at a lightness that reads as a line or a marker: the first five are at least 15 away in normal
 * vision and 10 under either deficiency, all at least 11 and 7.
 */
export const SPARE_COLOURS = ['#8877ff', '#334400', '#aa88bb', '#3344ff', '#ccaa88', '#88aaff', '#006677', '#cc2233', '#7700bb', '#3377bb', '#99bb00', '#773333', '#448866', '#775500'];
const SPARE = SPARE_COLOURS;

/**
 * Colour of each distinct label. A label that names a shipped policy gets that policy's colour; else the
 * arm's policy colour when no other label already shows it; else the next spare colour.
 */
export function policyColours(arms: { label: string; policy?: string }[]): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<string>();
  const labels = [...new Map(arms.map((a) => [a.label, a.policy ?? a.label])).entries()];
  for (const [label] of labels) {
    const c = own(POLICY_COLOURS, label);
    if (c) {
      out.set(label, c);
      used.add(c);
    }
  }
  let spare = 0;
  for (const [label, policy] of labels) {
    if (out.has(label)) continue;
    const c = own(POLICY_COLOURS, policy);
    if (c && !used.has(c)) {
      out.set(label, c);
      used.add(c);
      continue;
    }
    while (spare < SPARE.length && used.has(SPARE[spare])) spare++;
    const pick = SPARE[spare % SPARE.length] ?? SPARE[0];
    spare++;
    out.set(label, pick);
    used.add(pick);
  }
  return out;
}

/** A Vega-Lite colour scale for the labels a chart shows, in the given order; `lines`: as drawn for lines (lineColour). */
export function colourScale(colours: Map<string, string>, labels: string[], lines = false): { domain: string[]; range: string[] } {
  return { domain: labels, range: labels.map((l) => colours.get(l) ?? '#7f7f7f').map((c) => (lines ? lineColour(c) : c)) };
}

const toLinear = (v: number): number => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);

/** WCAG relative luminance of an sRGB colour given as 0–255 channels, and its channels in linear light. */
export function luminance(rgb: readonly number[]): { lum: number; lin: number[] } {
  const lin = rgb.map((v) => toLinear(v / 255));
  return { lum: 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2], lin };
}

const toByte = (v: number): number => Math.round(255 * (v <= 0.0031308 ? 12.92 * v : 1.055 * v ** (1 / 2.4) - 0.055));

/** The colour itself when its luminance is at most `keep`, else the same hue (linear RGB scaled) at luminance `to`. */
function darkened(hex: string, keep: number, to: number): string {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) return hex;
  const { lum, lin } = luminance([0, 2, 4].map((i) => parseInt(m[1].slice(i, i + 2), 16)));
  if (lum <= keep) return hex.toLowerCase();
  return `#${lin.map((v) => toByte((v * to) / lum).toString(16).padStart(2, '0')).join('')}`;
}

/**
 * The colour for text drawn in a series' colour on white: the colour itself when its contrast reaches WCAG AA
 * (4.5:1), else the same hue darkened until it does (light series colours such as sand or sky would not read).
 */
export function textColour(hex: string): string {
  // contrast with white ≥ 4.5 ⇔ luminance ≤ 0.183
  return darkened(hex, 0.175, 0.17);
}

/**
 * The colour of a series drawn as a line on white: the colour itself when it reaches the 3:1 of WCAG 1.4.11
 * (non-text contrast), else the same hue darkened to about 3.2:1 (sky, sand and teal are too pale as thin lines).
 */
export function lineColour(hex: string): string {
  // contrast with white ≥ 3 ⇔ luminance ≤ 0.3
  return darkened(hex, 0.3, 0.28);
}

/** Contrast ratio of a #rrggbb colour against white. */
export function contrastOnWhite(hex: string): number {
  const { lum } = luminance([1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)));
  return 1.05 / (lum + 0.05);
}
