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
  // O(n²) is fine: pools have tens of models, not thousands.
  const onFront = ranked.filter(({ p }) => !ranked.some((o) => dominates(o.p, p)));
  onFront.sort((x, y) => x.p.energy - y.p.energy || y.p.accuracy - x.p.accuracy || x.order - y.order);
  const dominated: DominatedPoint[] = [];
  for (const { p } of ranked) {
    if (onFront.some((f) => f.p === p)) continue;
    dominated.push({ id: p.id, by: onFront.filter((f) => dominates(f.p, p)).map((f) => f.p.id) });
  }
  return { front: onFront.map((f) => f.p.id), dominated, unranked };
}
