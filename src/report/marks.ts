/**
 * A second channel beside colour for each policy (WCAG 1.4.1): a marker shape for points and a dash pattern
 * for lines, so that charts read in greyscale or by a colour-blind reader. Each follows the policy's colour:
 * the shipped policies keep theirs in every chart and every report.
 */
import { POLICY_COLOURS, SPARE_COLOURS } from './palette.js';

/** A five-pointed star (custom symbol path) filling its unit square: its thin arms leave it smaller in area. */
const STAR = 'M0,-1L0.27,-0.27L1.05,-0.24L0.44,0.24L0.65,0.99L0,0.56L-0.65,0.99L-0.44,0.24L-1.05,-0.24L-0.27,-0.27Z';

/** A diagonal cross, apart from Vega's upright one. */
const X = 'M-0.9,-0.6L-0.6,-0.9L0,-0.3L0.6,-0.9L0.9,-0.6L0.3,0L0.9,0.6L0.6,0.9L0,0.3L-0.6,0.9L-0.9,0.6L-0.3,0Z';

/**
 * One shape per shipped colour, told apart by outline: the first is the diamond every policy had before. Square
 * and circle, the single models' markers, come last: only best-static and the oracle take them.
 */
export const POLICY_SHAPES = ['diamond', 'triangle-up', 'triangle-down', 'cross', X, STAR, 'triangle-right', 'triangle-left', 'square', 'circle'];

/** Dash patterns (px on, px off) for 1.5–2 px lines, the first solid, as many as the shapes. */
export const POLICY_DASHES: number[][] = [[], [12, 4], [2, 2], [10, 3, 2, 3], [1, 4], [10, 3, 2, 3, 2, 3], [20, 4], [5, 2, 1, 2], [3, 6], [16, 3, 3, 3, 3, 3]];

/** A legend that draws each entry as a short stroke, so it shows the line's colour and dash. */
export const LINE_LEGEND = { symbolType: 'stroke', symbolOpacity: 1, symbolStrokeWidth: 2, symbolSize: 900 } as const;

export interface PolicyMark {
  shape: string;
  dash: number[];
}

/** The shipped policies' distinct colours in their order, then the spares. */
const ORDER = [...new Set([...Object.values(POLICY_COLOURS), ...SPARE_COLOURS])];

/**
 * Shape and dash of each label, from its colour (policyColours): a label whose colour has a place in ORDER
 * within the shapes' count takes it; the others take the first place free in this map (past the last, the
 * marks repeat). Labels that share a colour (most-accurate and accuracy) still get different marks.
 */
export function policyMarks(colours: Map<string, string>): Map<string, PolicyMark> {
  const n = POLICY_SHAPES.length;
  const slot = new Map<string, number>();
  const used = new Set<number>();
  for (const [label, c] of colours) {
    const k = ORDER.indexOf(c);
    if (k >= 0 && k < n && !used.has(k)) {
      slot.set(label, k);
      used.add(k);
    }
  }
  let next = 0;
  for (const label of colours.keys()) {
    if (slot.has(label)) continue;
    while (used.has(next)) next++;
    slot.set(label, next);
    used.add(next);
  }
  return new Map([...slot].map(([label, k]) => [label, { shape: POLICY_SHAPES[k % n], dash: POLICY_DASHES[k % n] }]));
}

/** Vega-Lite scales of shapes and of dashes for the labels a chart shows, in the given order. */
export function shapeScale(marks: Map<string, PolicyMark>, labels: string[]): { domain: string[]; range: string[] } {
  return { domain: labels, range: labels.map((l) => marks.get(l)?.shape ?? 'circle') };
}

export function dashScale(marks: Map<string, PolicyMark>, labels: string[]): { domain: string[]; range: number[][] } {
  return { domain: labels, range: labels.map((l) => marks.get(l)?.dash ?? []) };
}
