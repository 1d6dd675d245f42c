/**
 * Cost–quality metrics of routers (pure functions over (cost, quality) points):
 * - the non-decreasing convex hull (RouterBench, arXiv 2403.12031 §3): what a router reaches at cost c
 *   when it may mix its operating points and never has to spend more for less;
 * - AIQ, "average improvement in quality": area under that hull over a cost range, normalised by the range
 *   (RouterBench §3, Eq. 2), or as RouterBench's published evaluation script computes it;
 * - the hindsight frontier of per-prompt routing, whose AIQ bounds every router's;
 * - RouteLLM's CPT(x%) and APGR (arXiv 2406.18665 §5.1) with cost in place of strong-model calls.
 */

export interface CostQuality {
  cost: number;
  quality: number;
}

/**
 * Non-decreasing convex hull in O(n log n): sort by cost, keep the upper hull (Andrew's monotone chain)
 * from the cheapest point (best quality among equal costs) to the best-quality point (cheapest among
 * ties); points right of that are dominated. Collinear vertices are dropped. Non-finite points are ignored.
 */
export function nonDecreasingHull(points: readonly CostQuality[]): CostQuality[] {
  const p = points.filter((x) => Number.isFinite(x.cost) && Number.isFinite(x.quality));
  if (p.length === 0) return [];
  p.sort((a, b) => a.cost - b.cost || b.quality - a.quality);
  let peak = 0;
  for (let i = 1; i < p.length; i++) if (p[i].quality > p[peak].quality) peak = i;
  const hull: CostQuality[] = [];
  for (let i = 0; i <= peak; i++) {
    const c = p[i];
    // equal cost: the first (best) one wins
    if (hull.length > 0 && hull[hull.length - 1].cost === c.cost) continue;
    while (hull.length >= 2) {
      const a = hull[hull.length - 2];
      const b = hull[hull.length - 1];
      // drop b unless it lies strictly above the chord a→c
      const cross = (b.cost - a.cost) * (c.quality - a.quality) - (b.quality - a.quality) * (c.cost - a.cost);
      if (cross >= 0) hull.pop();
      else break;
    }
    hull.push({ cost: c.cost, quality: c.quality });
  }
  return hull;
}

/** Hull value at cost c: 0 left of the first vertex, linear between vertices, flat right of the last. */
export function hullAt(hull: readonly CostQuality[], c: number): number {
  const n = hull.length;
  if (n === 0 || c < hull[0].cost) return 0;
  if (c >= hull[n - 1].cost) return hull[n - 1].quality;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (hull[mid].cost <= c) lo = mid;
    else hi = mid;
  }
  const a = hull[lo];
  const b = hull[hi];
  return a.quality + ((b.quality - a.quality) * (c - a.cost)) / (b.cost - a.cost);
}

/** ∫_a^b of the hull curve (0 left of its first vertex, flat right of its last), a ≤ b. */
export function hullIntegral(hull: readonly CostQuality[], a: number, b: number): number {
  if (!(b > a) || hull.length === 0) return 0;
  const n = hull.length;
  let area = 0;
  const x0 = Math.max(a, hull[0].cost);
  if (x0 >= b) return 0;
  // trapezoids over the vertices inside (x0, b)
  let px = x0;
  let py = hullAt(hull, x0);
  for (let i = 0; i < n; i++) {
    const x = hull[i].cost;
    if (x <= px) continue;
    if (x >= b) break;
    area += ((py + hull[i].quality) / 2) * (x - px);
    px = x;
    py = hull[i].quality;
  }
  const yb = hullAt(hull, b);
  area += ((py + yb) / 2) * (b - px);
  return area;
}

export type AiqMode = 'paper' | 'routerbench-code';
export const AIQ_MODES: readonly AiqMode[] = ['paper', 'routerbench-code'];

/**
 * AIQ as RouterBench §3 defines it: (1/(c_max − c_min))·∫_{c_min}^{c_max} R̃(c) dc, R̃ the router's
 * non-decreasing convex hull, counted 0 left of its cheapest point and flat right of its costliest.
 * [c_min, c_max] is the range of the single models' mean costs, the same for every router of a family.
 * A zero-width range gives R̃(c_min).
 */
export function aiqPaper(hull: readonly CostQuality[], cMin: number, cMax: number): number {
  if (hull.length === 0 || !Number.isFinite(cMin) || !Number.isFinite(cMax)) return Number.NaN;
  if (!(cMax > cMin)) return hullAt(hull, cMin);
  return hullIntegral(hull, cMin, cMax) / (cMax - cMin);
}

/**
 * AIQ as RouterBench's published script (evaluation/AIQ.py) computes it: trapezoid area from the hull's
 * first vertex, with the hull extended flat to `maxCost` (the largest hull cost among the routers being
 * compared), divided by `maxCost` — not by the range, and nothing is counted left of the first vertex.
 */
export function aiqRouterbenchCode(hull: readonly CostQuality[], maxCost: number): number {
  if (hull.length === 0 || !(maxCost > 0)) return Number.NaN;
  let area = 0;
  for (let i = 1; i < hull.length; i++) area += ((hull[i - 1].quality + hull[i].quality) / 2) * (hull[i].cost - hull[i - 1].cost);
  const last = hull[hull.length - 1];
  if (maxCost > last.cost) area += last.quality * (maxCost - last.cost);
  return area / maxCost;
}

export interface AiqContext {
  /** Cheapest and costliest single model's mean cost (paper mode). */
  cMin: number;
  cMax: number;
  /** Largest hull cost among the compared routers (routerbench-code mode). */
  maxCost: number;
}

export function aiq(hull: readonly CostQuality[], mode: AiqMode, ctx: AiqContext): number {
  return mode === 'paper' ? aiqPaper(hull, ctx.cMin, ctx.cMax) : aiqRouterbenchCode(hull, ctx.maxCost);
}

/**
 * Hindsight frontier: the non-decreasing hull of every (mean cost, mean quality) reachable by choosing,
 * per prompt and with hindsight, one model or a mixture. That set is the average of the prompts' own hulls,
 * so its upper boundary is found greedily (the LP relaxation of the multiple-choice knapsack): start every
 * prompt at its cheapest model and take the prompts' hull segments in order of decreasing quality gained
 * per dollar. O(K log K) for K segments. It ends at the per-prompt oracle (best quality, cheapest among
 * ties) and lies on or above the hull of any router's points, so its AIQ bounds theirs.
 *
 * `rows` are the prompts (query indices); cell (q, m) = q·M + m; cells with `present` 0 or a non-finite
 * cost or quality are not choices.
 */
export function hindsightFrontier(
  rows: ArrayLike<number>,
  M: number,
  cost: ArrayLike<number>,
  quality: ArrayLike<number>,
  present: ArrayLike<number>,
): CostQuality[] {
  let n = 0;
  let c0 = 0;
  let a0 = 0;
  const dc: number[] = [];
  const da: number[] = [];
  const pts: CostQuality[] = [];
  for (let r = 0; r < rows.length; r++) {
    const q = rows[r];
    pts.length = 0;
    for (let m = 0; m < M; m++) {
      const i = q * M + m;
      if (!present[i] || !Number.isFinite(cost[i]) || !Number.isFinite(quality[i])) continue;
      pts.push({ cost: cost[i], quality: quality[i] });
    }
    if (pts.length === 0) continue;
    n++;
    const h = nonDecreasingHull(pts);
    c0 += h[0].cost;
    a0 += h[0].quality;
    for (let k = 1; k < h.length; k++) {
      dc.push(h[k].cost - h[k - 1].cost);
      da.push(h[k].quality - h[k - 1].quality);
    }
  }
  if (n === 0) return [];
  const order = Array.from({ length: dc.length }, (_, k) => k);
  // decreasing slope da/dc, compared without division: da_i·dc_j > da_j·dc_i
  order.sort((i, j) => da[j] * dc[i] - da[i] * dc[j] || i - j);
  const out: CostQuality[] = [{ cost: c0 / n, quality: a0 / n }];
  let c = c0;
  let a = a0;
  for (const k of order) {
    c += dc[k];
    a += da[k];
    out.push({ cost: c / n, quality: a / n });
  }
  // summing can leave round-off kinks; the hull pass removes them and merges equal slopes
  return nonDecreasingHull(out);
}

export interface RouteLlmMetrics {
  /** Cost needed to reach 50% / 80% of the quality gap, as % of the weak→strong cost gap; null if never reached. */
  cpt50: number | null;
  cpt80: number | null;
  /** Average performance gap recovered over the weak→strong cost range. */
  apgr: number | null;
}

/**
 * RouteLLM's metrics (arXiv 2406.18665 §5.1) for a multi-model router: the x-axis "% of calls to the strong
 * model" becomes the cost fraction x = (c − c_weak)/(c_strong − c_weak), weak = cheapest single model,
 * strong = best single model. PGR(x) = (R̃(x) − q_weak)/(q_strong − q_weak) on the non-decreasing hull of the
 * router's points together with the weak model (every router can fall back to it, as RouteLLM's routers
 * reach 0% strong calls). CPT(p) = 100·min{x : PGR(x) ≥ p}; APGR = ∫₀¹ PGR(x) dx. Null when the weak and
 * strong models coincide in cost or quality. CPT can be negative when the router beats the weak model's
 * quality target at less than its cost.
 */
export function routeLlmMetrics(points: readonly CostQuality[], weak: CostQuality, strong: CostQuality): RouteLlmMetrics {
  const gapC = strong.cost - weak.cost;
  const gapQ = strong.quality - weak.quality;
  if (!(gapC > 0) || !(gapQ > 0)) return { cpt50: null, cpt80: null, apgr: null };
  const hull = nonDecreasingHull([...points, weak]);
  const cpt = (p: number): number | null => {
    const c = costToReach(hull, weak.quality + p * gapQ);
    return c === null ? null : (100 * (c - weak.cost)) / gapC;
  };
  const apgr = (hullIntegral(hull, weak.cost, strong.cost) / gapC - weak.quality) / gapQ;
  return { cpt50: cpt(0.5), cpt80: cpt(0.8), apgr };
}

/** Smallest cost at which the hull reaches quality `target`; null if it never does. */
export function costToReach(hull: readonly CostQuality[], target: number): number | null {
  if (hull.length === 0) return null;
  if (hull[0].quality >= target) return hull[0].cost;
  for (let i = 1; i < hull.length; i++) {
    const a = hull[i - 1];
    const b = hull[i];
    if (b.quality >= target) return a.cost + ((target - a.quality) * (b.cost - a.cost)) / (b.quality - a.quality);
  }
  return null;
}
