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
): { lx: number; ly: number }[] {
  const boxes: LabelBox[] = pts.map((p) => ({ x0: p.px - 5, x1: p.px + 5, y0: p.py - 5, y1: p.py + 5 }));
  const order = pts.map((_, i) => i).sort((a, b) => pts[a].px - pts[b].px || pts[a].py - pts[b].py);
  const out: { lx: number; ly: number }[] = pts.map(() => ({ lx: 0, ly: 0 }));
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
    let chosen: LabelBox | null = null;
    let anchor = { lx: p.px + 7, ly: p.py - 6 };
    for (const [dx, dy] of cands) {
      const b = { x0: p.px + dx, x1: p.px + dx + w, y0: p.py + dy - lineH + 2, y1: p.py + dy + 2 };
      if (b.x0 < 0 || b.x1 > width + 60 || b.y0 < -10 || b.y1 > height) continue;
      if (boxes.some((o) => overlaps(o, b))) continue;
      chosen = b;
      anchor = { lx: p.px + dx, ly: p.py + dy };
      break;
    }
    if (chosen) boxes.push(chosen);
    out[i] = anchor;
  }
  return out;
}
