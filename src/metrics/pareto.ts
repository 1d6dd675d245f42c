/**
 * Accuracy-vs-energy Pareto front: higher accuracy and lower energy are better.
 * a dominates b when a is at least as good on both axes and strictly better on one.
 */

export interface ParetoPoint {
  id: string;
  accuracy: number;
  energy: number;
}

interface DominatedPoint {
  id: string;
  /** Front members that dominate this point, cheapest first (never empty: dominance is transitive). */
  by: string[];
}

interface ParetoResult {
  /** Non-dominated ids, cheapest first (ties: more accurate first, then input order). */
  front: string[];
  dominated: DominatedPoint[];
  /** Points with a non-finite coordinate: not ranked at all. */
  unranked: string[];
}

export function dominates(a: ParetoPoint, b: ParetoPoint): boolean {
  return a.accuracy >= b.accuracy && a.energy <= b.energy && (a.accuracy > b.accuracy || a.energy < b.energy);
}

export function paretoFront(points: readonly ParetoPoint[]): ParetoResult {
  const ranked: { p: ParetoPoint; order: number }[] = [];
  const unranked: string[] = [];
  points.forEach((p, order) => {
    if (Number.isFinite(p.accuracy) && Number.isFinite(p.energy)) ranked.push({ p, order });
    else unranked.push(p.id);
  });
  // one sweep cheapest first (ties: more accurate first), not each point against all others: O(n²) took
  // minutes on a table of 100,000 models whose accuracy rises with cost (every model on the front)
  const inputOrder = ranked.slice();
  ranked.sort((x, y) => x.p.energy - y.p.energy || y.p.accuracy - x.p.accuracy || x.order - y.order);
  const isDominated = new Uint8Array(points.length);
  let bestCheaper = -Infinity;
  for (let i = 0; i < ranked.length; ) {
    // a group of equal cost: its first is its most accurate
    let j = i;
    const top = ranked[i].p.accuracy;
    for (; j < ranked.length && ranked[j].p.energy === ranked[i].p.energy; j++) {
      const a = ranked[j].p.accuracy;
      if (bestCheaper >= a || top > a) isDominated[ranked[j].order] = 1;
    }
    if (top > bestCheaper) bestCheaper = top;
    i = j;
  }
  const onFront = ranked.filter((r) => !isDominated[r.order]);
  // along the front cost and accuracy both rise (exact ties aside): a point's dominators are the front
  // members no costlier and no less accurate, one run of it
  const firstCostlier = (e: number): number => search(onFront.length, (k) => onFront[k].p.energy > e);
  const firstAsAccurate = (a: number): number => search(onFront.length, (k) => onFront[k].p.accuracy >= a);
  const dominated: DominatedPoint[] = [];
  for (const { p, order } of inputOrder) {
    if (!isDominated[order]) continue;
    dominated.push({ id: p.id, by: onFront.slice(firstAsAccurate(p.accuracy), firstCostlier(p.energy)).map((f) => f.p.id) });
  }
  return { front: onFront.map((f) => f.p.id), dominated, unranked };
}

/** The least k in [0, n) with pred(k), pred false then true along k; n when none. */
function search(n: number, pred: (k: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pred(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
