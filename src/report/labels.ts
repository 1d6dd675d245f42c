/** Label placement for scatter charts: labels next to their point, never over another label or point. */

export interface LabelBox {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

function overlaps(a: LabelBox, b: LabelBox): boolean {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

export interface PlaceOptions {
  /** How far (px) a label may run past the right edge of the plot. */
  overhang?: number;
  /** Marks that labels must not cover (unlabelled points). */
  obstacles?: { px: number; py: number }[];
  /** Try farther positions, drawn with a leader line, when no near one is free. */
  leaders?: boolean;
}

export interface PlacedLabel {
  lx: number;
  ly: number;
  /** Placed on a far ring: join it to its point. */
  leader: boolean;
  /** Index of the candidate taken (0: right of and above the point); -1 when none was free. */
  rank: number;
}

/**
 * Greedy label placement in pixel space (the chart's scales have fixed domains, so pixels are known):
 * each label takes the first candidate offset that overlaps no placed label and no point.
 * Returns the label's left-baseline anchor in pixels.
 */
export function placeLabels(
  pts: { px: number; py: number; text: string }[],
  width: number,
  height: number,
  charW = 6,
  lineH = 11,
  opts: PlaceOptions = {},
): PlacedLabel[] {
  const overhang = opts.overhang ?? 60;
  const boxes: LabelBox[] = pts.map((p) => ({ x0: p.px - 5, x1: p.px + 5, y0: p.py - 5, y1: p.py + 5 }));
  for (const o of opts.obstacles ?? []) boxes.push({ x0: o.px - 6, x1: o.px + 6, y0: o.py - 6, y1: o.py + 6 });
  const order = pts.map((_, i) => i).sort((a, b) => pts[a].px - pts[b].px || pts[a].py - pts[b].py);
  const out: PlacedLabel[] = pts.map(() => ({ lx: 0, ly: 0, leader: false, rank: -1 }));
  for (const i of order) {
    const p = pts[i];
    const w = p.text.length * charW;
    const cands: [number, number][] = [
      [7, -6],
      [7, 12],
      [-7 - w, -6],
      [-7 - w, 12],
      [7, -18],
      [7, 24],
      [-w / 2, -10],
      [-w / 2, 20],
      [-7 - w, -18],
      [-7 - w, 24],
    ];
    const near = cands.length;
    // farther rings, joined to their point by a leader line
    if (opts.leaders) for (const r of [36, 48, 60, 72]) cands.push([10, -r], [10, r + 10], [-10 - w, -r], [-10 - w, r + 10]);
    let chosen: LabelBox | null = null;
    let anchor = { lx: p.px + 7, ly: p.py - 6 };
    let leader = false;
    let rank = -1;
    for (let k = 0; k < cands.length; k++) {
      const [dx, dy] = cands[k];
      const b = { x0: p.px + dx, x1: p.px + dx + w, y0: p.py + dy - lineH + 2, y1: p.py + dy + 2 };
      if (b.x0 < 0 || b.x1 > width + overhang || b.y0 < -10 || b.y1 > height) continue;
      if (boxes.some((o) => overlaps(o, b))) continue;
      chosen = b;
      anchor = { lx: p.px + dx, ly: p.py + dy };
      leader = k >= near;
      rank = k;
      break;
    }
    if (chosen) boxes.push(chosen);
    out[i] = { ...anchor, leader, rank };
  }
  return out;
}
