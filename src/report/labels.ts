/** Label placement for scatter charts: labels next to their point, never over another label or point. */

interface LabelBox {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

function overlaps(a: LabelBox, b: LabelBox): boolean {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

/** A line segment in pixels (a drawn line a label must not cover, or a leader). */
interface Segment {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Whether segment s passes through the inside of box b (Liang–Barsky clipping; touching an edge does not count). */
export function segmentCrossesBox(s: Segment, b: LabelBox): boolean {
  const dx = s.x1 - s.x0;
  const dy = s.y1 - s.y0;
  let t0 = 0;
  let t1 = 1;
  for (const [p, q] of [
    [-dx, s.x0 - b.x0],
    [dx, b.x1 - s.x0],
    [-dy, s.y0 - b.y0],
    [dy, b.y1 - s.y0],
  ]) {
    if (p === 0) {
      if (q <= 0) return false;
      continue;
    }
    const t = q / p;
    if (p < 0) t0 = Math.max(t0, t);
    else t1 = Math.min(t1, t);
    if (t0 >= t1) return false;
  }
  return true;
}

/** Distance from (x, y) to segment s. */
function distToSegment(x: number, y: number, s: Segment): number {
  const dx = s.x1 - s.x0;
  const dy = s.y1 - s.y0;
  const len = dx * dx + dy * dy;
  const t = len === 0 ? 0 : Math.max(0, Math.min(1, ((x - s.x0) * dx + (y - s.y0) * dy) / len));
  return Math.hypot(x - (s.x0 + t * dx), y - (s.y0 + t * dy));
}

/**
 * How long (px) a leader runs within `tol` px of line s, past its first `skip` px (where it leaves its point):
 * 0 when clear of it, a few px where it crosses it, its length where it runs along it.
 */
function leaderOnLine(leader: Segment, s: Segment, skip = 6, tol = 1.5): number {
  const len = Math.hypot(leader.x1 - leader.x0, leader.y1 - leader.y0);
  let on = 0;
  for (let d = skip; d <= len; d += 0.5) {
    const t = d / len;
    if (distToSegment(leader.x0 + t * (leader.x1 - leader.x0), leader.y0 + t * (leader.y1 - leader.y0), s) < tol) on += 0.5;
  }
  return on;
}

/** Whether two segments cross (proper intersection; sharing an end point does not count). */
function segmentsCross(a: Segment, b: Segment): boolean {
  const side = (s: Segment, x: number, y: number): number => Math.sign((s.x1 - s.x0) * (y - s.y0) - (s.y1 - s.y0) * (x - s.x0));
  return side(a, b.x0, b.y0) * side(a, b.x1, b.y1) < 0 && side(b, a.x0, a.y0) * side(b, a.x1, a.y1) < 0;
}

interface PlaceOptions {
  /** How far (px) a label may run past the right edge of the plot. */
  overhang?: number;
  /** Marks that labels must not cover (unlabelled points), with their half-size in px (default 6). */
  obstacles?: { px: number; py: number; r?: number }[];
  /** Try farther positions, drawn with a leader line, when no near one is free. */
  leaders?: boolean;
  /**
   * Lines labels must not cover (e.g. a front drawn through the points). With them, a label's leader (from
   * `leaderFrom` on) must cross no other label, point or leader, and later labels keep off placed leaders.
   */
  segments?: Segment[];
  /** First candidate index whose label is joined to its point by a leader (default: the far rings only). */
  leaderFrom?: number;
  /**
   * Far places only for a label no near place takes in any pass (one on a line, say): a label beside its
   * point reads better than one on a long leader, which is for a label that would otherwise cover another.
   */
  leadersLast?: boolean;
}

interface PlacedLabel {
  lx: number;
  ly: number;
  /** Placed on a far ring: join it to its point. */
  leader: boolean;
  /** Index of the candidate taken (0: right of and above the point); -1 when none was free. */
  rank: number;
  /** Where the leader meets the label: the point of the label's box nearest the point (the point itself without a leader). */
  ex: number;
  ey: number;
}

/** One greedy placement, labels taken in `order`; with the pass each label was placed in. */
function placeInOrder(
  pts: { px: number; py: number; text: string }[],
  width: number,
  height: number,
  charW: number,
  lineH: number,
  opts: PlaceOptions,
  order: number[],
): { out: PlacedLabel[]; pass: number[] } {
  const overhang = opts.overhang ?? 60;
  const pointBoxes: LabelBox[] = pts.map((p) => ({ x0: p.px - 5, x1: p.px + 5, y0: p.py - 5, y1: p.py + 5 }));
  const boxes: LabelBox[] = [...pointBoxes];
  for (const o of opts.obstacles ?? []) {
    const r = o.r ?? 6;
    boxes.push({ x0: o.px - r, x1: o.px + r, y0: o.py - r, y1: o.py + r });
  }
  const lines = opts.segments;
  /** Placed leaders, which later labels must keep off, and placed labels. */
  const leaders: Segment[] = [];
  const labelBoxes: LabelBox[] = [];
  const out: PlacedLabel[] = pts.map((p) => ({ lx: 0, ly: 0, leader: false, rank: -1, ex: p.px, ey: p.py }));
  /** The pass each label was placed in (-1: none was clear). */
  const passOf: number[] = pts.map(() => -1);
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
    if (opts.leaders && lines) {
      // rings of directions, nearest first: the box's nearest corner (or edge, straight up or down) r px from the point
      for (const r of [24, 36, 48, 60, 72, 84, 96]) {
        // straight across only on the nearest ring: a long level leader reads as a line of the chart
        for (const deg of [30, -30, 150, -150, 60, -60, 120, -120, 90, -90, ...(r === 24 ? [0, 180] : [])]) {
          const c = Math.cos((deg * Math.PI) / 180);
          const sn = Math.sin((deg * Math.PI) / 180);
          const tx = r * c;
          const ty = -r * sn;
          const x0 = Math.abs(c) < 1e-9 ? tx - w / 2 : c > 0 ? tx : tx - w;
          // anchors are baselines: a box above the point ends at ty + 2, one below starts at ty
          cands.push([x0, Math.abs(sn) < 1e-9 ? lineH / 2 - 2 : sn > 0 ? ty - 2 : ty + lineH - 2]);
        }
      }
    } else if (opts.leaders) for (const r of [36, 48, 60, 72]) cands.push([10, -r], [10, r + 10], [-10 - w, -r], [-10 - w, r + 10]);
    const leaderFrom = opts.leaderFrom ?? near;
    let chosen: LabelBox | null = null;
    let placed: PlacedLabel = { lx: p.px + 7, ly: p.py - 6, leader: false, rank: -1, ex: p.px, ey: p.py };
    // with lines to keep off, from the strictest pass down: 4, a place clear of everything, its leader crossing
    // nothing; 3, the leader may cross a line (not run along one); 2, the label may lie on a line (still no
    // label, point or leader); 1, the label may lie on a leader, its own leader crossing no label or leader; 0, clear of
    // labels and points alone
    const passes = lines ? [4, 3, 2, 1, 0] : [0];
    const phases = opts.leadersLast ? [near, cands.length] : [cands.length];
    search: for (const upTo of phases) for (const strict of passes) {
      for (let k = 0; k < upTo; k++) {
        const [dx, dy] = cands[k];
        const b = { x0: p.px + dx, x1: p.px + dx + w, y0: p.py + dy - lineH + 2, y1: p.py + dy + 2 };
        if (b.x0 < 0 || b.x1 > width + overhang || b.y0 < -10 || b.y1 > height) continue;
        if (boxes.some((o) => overlaps(o, b))) continue;
        const leader = k >= leaderFrom;
        // the leader ends at the box's point nearest to the label's point
        const ex = leader ? Math.max(b.x0, Math.min(b.x1, p.px)) : p.px;
        const ey = leader ? Math.max(b.y0, Math.min(b.y1, p.py)) : p.py;
        if (lines && strict >= 1) {
          if (strict >= 2 && leaders.some((s) => segmentCrossesBox(s, b))) continue;
          if (strict >= 3 && lines.some((s) => segmentCrossesBox(s, b))) continue;
          if (leader) {
            const seg = { x0: p.px, y0: p.py, x1: ex, y1: ey };
            // across a line only from pass 3 on, and never along one
            if (lines.some((s) => leaderOnLine(seg, s) > (strict === 4 ? 0 : 5))) continue;
            // past the point's own marker, the leader crosses no label (nor, but in the last resorts, a point or leader)
            // (a marker drawn on the point itself, which every leader starts under, does not count)
            const inside = (o: LabelBox): boolean => o.x0 <= p.px && p.px <= o.x1 && o.y0 <= p.py && p.py <= o.y1;
            const others = strict >= 2 ? boxes.filter((o, j) => j !== i && !inside(o)) : labelBoxes;
            if (others.some((o) => segmentCrossesBox(seg, o)) || leaders.some((s) => segmentsCross(s, seg))) continue;
          }
        }
        chosen = b;
        placed = { lx: p.px + dx, ly: p.py + dy, leader, rank: k, ex, ey };
        passOf[i] = strict;
        break search;
      }
    }
    if (chosen) {
      boxes.push(chosen);
      labelBoxes.push(chosen);
      if (lines && placed.leader) leaders.push({ x0: p.px, y0: p.py, x1: placed.ex, y1: placed.ey });
    }
    out[i] = placed;
  }
  return { out, pass: passOf };
}

/**
 * Greedy label placement in pixel space (the chart's scales have fixed domains, so pixels are known):
 * each label takes the first candidate offset that overlaps no placed label and no point, labels taken from
 * left to right. With lines to keep off, when some label had to take a place on a line or a leader, the
 * placement is tried again with those labels first (a few times), and the arrangement with the fewest such
 * places kept. Returns each label's left-baseline anchor in pixels.
 */
export function placeLabels(
  pts: { px: number; py: number; text: string }[],
  width: number,
  height: number,
  charW = 6,
  lineH = 11,
  opts: PlaceOptions = {},
): PlacedLabel[] {
  let order = pts.map((_, i) => i).sort((a, b) => pts[a].px - pts[b].px || pts[a].py - pts[b].py);
  let best = placeInOrder(pts, width, height, charW, lineH, opts, order);
  if (!opts.segments) return best.out;
  // a label's cost by the pass it was placed in: 4 (clear of everything) costs nothing, none found the most
  const cost = (pass: number[]): number => pass.reduce((c, p) => c + [10, 6, 4, 3, 1, 0][p + 1], 0);
  let bestCost = cost(best.pass);
  for (let round = 0; round < 6 && bestCost > 0; round++) {
    const late = order.filter((i) => best.pass[i] < 3);
    if (!late.length) break;
    order = [...late, ...order.filter((i) => !late.includes(i))];
    const next = placeInOrder(pts, width, height, charW, lineH, opts, order);
    const c = cost(next.pass);
    if (c >= bestCost) break;
    best = next;
    bestCost = c;
  }
  return best.out;
}
