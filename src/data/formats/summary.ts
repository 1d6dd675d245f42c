/**
 * What `greenserv datasets info` reports about a table: size, tasks, coverage, and per task × model means
 * of accuracy, energy, cost and latency over present cells.
 */
import { energyPerToken, tableSha256, type PoolTable } from '../pool.js';
import { valueAt } from '../columns.js';

export interface CellStats {
  n: number;
  accuracy: number | null;
  energyJ: number | null;
  energyPerToken: number | null;
  costUsd: number | null;
  latencyS: number | null;
}

export interface TableSummary {
  name: string;
  queries: number;
  models: number;
  tasks: { name: string; queries: number; eptMin: number | null; eptMax: number | null }[];
  /** Which metric columns carry any value. */
  metrics: string[];
  hasText: boolean;
  hasClusters: boolean;
  hasComplexity: boolean;
  coverage: { present: number; cells: number; fraction: number };
  modelStats: {
    id: string;
    name: string;
    paramsB: number | null;
    coverage: number;
    overall: CellStats;
    byTask: Record<string, CellStats>;
  }[];
  sha256: string;
}

class Acc {
  n = 0;
  sums = [0, 0, 0, 0, 0];
  counts = [0, 0, 0, 0, 0];
  add(k: number, v: number): void {
    if (Number.isNaN(v)) return;
    this.sums[k] += v;
    this.counts[k]++;
  }
  stats(): CellStats {
    const m = (k: number): number | null => (this.counts[k] > 0 ? this.sums[k] / this.counts[k] : null);
    return { n: this.n, accuracy: m(0), energyJ: m(1), energyPerToken: m(2), costUsd: m(3), latencyS: m(4) };
  }
}

const nn = (v: number): number | null => (Number.isNaN(v) ? null : v);

export function summarizeTable(t: PoolTable): TableSummary {
  const Q = t.nQueries;
  const M = t.nModels;
  const T = t.tasks.length;
  const overall = Array.from({ length: M }, () => new Acc());
  const byTask = Array.from({ length: M * T }, () => new Acc());
  const taskQueries = new Array<number>(T).fill(0);
  const seen = { energy: false, latency: false, tokens: false, cost: false };
  let present = 0;
  for (let q = 0; q < Q; q++) {
    const k = t.queryTask[q];
    taskQueries[k]++;
    for (let m = 0; m < M; m++) {
      const i = q * M + m;
      if (!t.present[i]) continue;
      present++;
      const ept = energyPerToken(t, i);
      const cost = t.costUsd ? t.costUsd[i] : Number.NaN;
      seen.energy ||= !Number.isNaN(t.energyJ[i]);
      seen.latency ||= !Number.isNaN(valueAt(t.latencyS, i));
      seen.tokens ||= !Number.isNaN(valueAt(t.inputTokens, i)) || !Number.isNaN(valueAt(t.outputTokens, i));
      seen.cost ||= !Number.isNaN(cost);
      for (const a of [overall[m], byTask[m * T + k]]) {
        a.n++;
        a.add(0, t.accuracy[i]);
        a.add(1, t.energyJ[i]);
        a.add(2, ept);
        a.add(3, cost);
        a.add(4, valueAt(t.latencyS, i));
      }
    }
  }
  const metrics = ['accuracy'];
  if (seen.energy) metrics.push('energy_j');
  if (seen.latency) metrics.push('latency_s');
  if (seen.tokens) metrics.push('input_tokens', 'output_tokens');
  if (seen.cost || t.costUsd) metrics.push('cost_usd');
  return {
    name: t.name,
    queries: Q,
    models: M,
    tasks: t.tasks.map((name, k) => {
      const b = t.taskBounds.get(name);
      return { name, queries: taskQueries[k], eptMin: b ? nn(b.eptMin) : null, eptMax: b ? nn(b.eptMax) : null };
    }),
    metrics,
    hasText: t.queryText !== null && t.queryText.some((x) => x !== null),
    hasClusters: t.cluster.some((c) => c >= 0),
    hasComplexity: t.complexity.some((c) => !Number.isNaN(c)),
    coverage: { present, cells: Q * M, fraction: Q * M > 0 ? present / (Q * M) : 0 },
    modelStats: t.models.map((mi, m) => ({
      id: mi.id,
      name: mi.name,
      paramsB: nn(mi.paramsB),
      coverage: Q > 0 ? overall[m].n / Q : 0,
      overall: overall[m].stats(),
      byTask: Object.fromEntries(t.tasks.map((name, k) => [name, byTask[m * T + k].stats()])),
    })),
    sha256: tableSha256(t),
  };
}
