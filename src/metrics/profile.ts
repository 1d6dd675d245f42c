/**
 * Per-model accuracy/energy profile of a pool table (the paper's offline profiling stage, §1.5, §4.5):
 * per model and per task accuracy with a 95% CI, energy per query / token / correct answer, latency
 * percentiles, token means; the accuracy-vs-energy Pareto front and the static baselines.
 * Pure computation: no file access. Non-finite values are reported as null so the JSON stays valid.
 */
import { dict } from '../core/dict.js';
import { energyPerToken, type PoolTable } from '../data/pool.js';
import { modelStats } from '../sim/engine.js';
import { listSome } from '../sim/shard.js';
import { buildRewards } from '../sim/reward.js';
import { paretoFront } from './pareto.js';
import { meanSdCi } from './stats.js';
import { valueAt } from '../data/columns.js';

const PROFILE_SCHEMA_VERSION = 1;

export interface CellStats {
  /** (query, model) cells with an outcome. */
  n: number;
  accuracy: { mean: number | null; ci95: [number, number] | null };
  /** Mean energy per query, J and Wh. */
  energyJ: number | null;
  energyWh: number | null;
  /** Summed energy over the cells, Wh. */
  totalEnergyWh: number | null;
  /** Mean over cells of J / (input + output tokens), as the published per-task figures (docs/model.md §1). */
  energyPerTokenJ: number | null;
  /** Σ energy / Σ accuracy: fractional credit for graded tasks (summaries). */
  energyPerCorrectJ: number | null;
  latencyS: { mean: number | null; p50: number | null; p95: number | null };
  /** Mean dollar cost per query, when the table has one (RouterBench). */
  costUsd: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
}

export interface ModelProfile extends CellStats {
  id: string;
  name: string;
  paramsB: number | null;
  /** Mean reward at the profile's λ over the model's cells (docs/model.md §2–3). */
  meanReward: number | null;
  tasks: Record<string, CellStats>;
  pareto: boolean;
  /** Front models that dominate this one (empty when on the front or unranked). */
  dominatedBy: string[];
  /** Cells whose energy came from the estimation model rather than a measurement. */
  estimatedEnergyCells: number;
}

interface Baselines {
  largest: string | null;
  smallest: string | null;
  mostAccurate: string | null;
  /** Best mean reward at λ in hindsight (docs/model.md §5.5: the reference never reports it). */
  bestStatic: string | null;
}

/** What the front's cost axis is: mean energy (J), dollars or latency (s) per query. */
export type FrontCost = 'energy' | 'usd' | 'latency';

export interface Profile {
  schemaVersion: number;
  dataset: { name: string; queries: number; models: number; tasks: string[]; missingCells: number };
  lambda: number;
  /** Cost axis of the fronts and cost term of the reward (default energy). */
  cost: FrontCost;
  models: ModelProfile[];
  /** Model ids on the accuracy-vs-cost front (default: energy per query), cheapest first. */
  pareto: string[];
  dominated: { id: string; by: string[] }[];
  /** Models without a finite mean accuracy or cost: not on any front. */
  unranked: string[];
  /** Per-task fronts (accuracy vs mean cost per query on that task). */
  taskPareto: Record<string, string[]>;
  baselines: Baselines;
  bestStatic: string | null;
  notes: string[];
}

interface ProfileOptions {
  lambda: number;
  /** Cost axis of the front and cost term of the best-static reward (docs/model.md §2–3 uses energy). */
  cost?: FrontCost;
  /** Per-cell flag (Q×M): 1 where energyJ is an estimate. */
  estimated?: Uint8Array | null;
}

function fin(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** Linear-interpolation quantile (numpy's default), of a sorted copy. */
export function quantile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return s[lo] + (h - lo) * (s[hi] - s[lo]);
}

class Acc {
  n = 0;
  acc: number[] = [];
  energySum = 0;
  energyN = 0;
  eptSum = 0;
  eptN = 0;
  // energy per correct: only cells with both values, so missing energy does not deflate it
  epcEnergy = 0;
  epcCorrect = 0;
  latency: number[] = [];
  costSum = 0;
  costN = 0;
  inSum = 0;
  inN = 0;
  outSum = 0;
  outN = 0;

  add(t: PoolTable, i: number): void {
    this.n++;
    const a = t.accuracy[i];
    const e = t.energyJ[i];
    if (!Number.isNaN(a)) this.acc.push(a);
    if (Number.isFinite(e)) {
      this.energySum += e;
      this.energyN++;
      if (!Number.isNaN(a)) {
        this.epcEnergy += e;
        this.epcCorrect += a;
      }
    }
    const ept = energyPerToken(t, i);
    if (Number.isFinite(ept)) {
      this.eptSum += ept;
      this.eptN++;
    }
    const lat = valueAt(t.latencyS, i);
    if (Number.isFinite(lat)) this.latency.push(lat);
    if (t.costUsd && Number.isFinite(t.costUsd[i])) {
      this.costSum += t.costUsd[i];
      this.costN++;
    }
    const tin = valueAt(t.inputTokens, i);
    if (Number.isFinite(tin)) {
      this.inSum += tin;
      this.inN++;
    }
    const tout = valueAt(t.outputTokens, i);
    if (Number.isFinite(tout)) {
      this.outSum += tout;
      this.outN++;
    }
  }

  stats(): CellStats {
    const ci = this.acc.length ? meanSdCi(this.acc) : null;
    const energyJ = this.energyN ? this.energySum / this.energyN : Number.NaN;
    return {
      n: this.n,
      accuracy: ci ? { mean: fin(ci.mean), ci95: [ci.ci95[0], ci.ci95[1]] } : { mean: null, ci95: null },
      energyJ: fin(energyJ),
      energyWh: fin(energyJ / 3600),
      totalEnergyWh: this.energyN ? this.energySum / 3600 : null,
      energyPerTokenJ: this.eptN ? this.eptSum / this.eptN : null,
      energyPerCorrectJ: this.epcCorrect > 0 ? this.epcEnergy / this.epcCorrect : null,
      latencyS: {
        mean: this.latency.length ? this.latency.reduce((a, b) => a + b, 0) / this.latency.length : null,
        p50: fin(quantile(this.latency, 0.5)),
        p95: fin(quantile(this.latency, 0.95)),
      },
      costUsd: this.costN ? this.costSum / this.costN : null,
      inputTokens: this.inN ? this.inSum / this.inN : null,
      outputTokens: this.outN ? this.outSum / this.outN : null,
    };
  }
}

const COST_LABEL: Record<FrontCost, string> = { energy: 'energy', usd: 'dollar cost', latency: 'latency' };

/** The front's cost value of a model or task summary; NaN when unknown. */
export function costOf(s: CellStats, cost: FrontCost): number {
  const v = cost === 'energy' ? s.energyJ : cost === 'usd' ? s.costUsd : s.latencyS.mean;
  return v ?? Number.NaN;
}

/** Index of the best model by key (ties: table order), skipping NaN; null when none has a value. */
function argBest(n: number, key: (m: number) => number): number | null {
  let best: number | null = null;
  for (let m = 0; m < n; m++) {
    const v = key(m);
    if (Number.isNaN(v)) continue;
    if (best === null || v > key(best)) best = m;
  }
  return best;
}

export async function buildProfile(t: PoolTable, opts: ProfileOptions): Promise<Profile> {
  const M = t.nModels;
  const T = t.tasks.length;
  const cost = opts.cost ?? 'energy';
  const rewards = await buildRewards(t, { lambda: opts.lambda, cost });
  const ms = modelStats(t, rewards);
  const estimatedCells = new Int32Array(M);
  let missing = 0;
  // One model at a time (its cells in query order, as before): the per-cell value lists live only while
  // that model is summarised, not for every model and task at once.
  const models: ModelProfile[] = new Array(M);
  for (let m = 0; m < M; m++) {
    const overall = new Acc();
    const perTask = Array.from({ length: T }, () => new Acc());
    for (let q = 0; q < t.nQueries; q++) {
      const i = q * M + m;
      if (!t.present[i]) {
        missing++;
        continue;
      }
      overall.add(t, i);
      perTask[t.queryTask[q]].add(t, i);
      if (opts.estimated?.[i]) estimatedCells[m]++;
    }
    const tasks = dict<CellStats>();
    t.tasks.forEach((name, k) => {
      if (perTask[k].n > 0) tasks[name] = perTask[k].stats();
    });
    const info = t.models[m];
    models[m] = {
      id: info.id,
      name: info.name,
      paramsB: fin(info.paramsB),
      ...overall.stats(),
      meanReward: fin(ms.meanReward[m]),
      tasks,
      pareto: false,
      dominatedBy: [],
      estimatedEnergyCells: estimatedCells[m],
    };
  }

  const front = paretoFront(models.map((p) => ({ id: p.id, accuracy: p.accuracy.mean ?? Number.NaN, energy: costOf(p, cost) })));
  const onFront = new Set(front.front);
  const byId = new Map(models.map((p) => [p.id, p]));
  for (const p of models) p.pareto = onFront.has(p.id);
  for (const d of front.dominated) byId.get(d.id)!.dominatedBy = d.by;

  const taskPareto = dict<string[]>();
  for (const name of t.tasks) {
    taskPareto[name] = paretoFront(
      models.map((p) => ({ id: p.id, accuracy: p.tasks[name]?.accuracy.mean ?? Number.NaN, energy: p.tasks[name] ? costOf(p.tasks[name], cost) : Number.NaN })),
    ).front;
  }

  const idOf = (m: number | null): string | null => (m === null ? null : t.models[m].id);
  const baselines: Baselines = {
    largest: idOf(argBest(M, (m) => t.models[m].paramsB)),
    smallest: idOf(argBest(M, (m) => -t.models[m].paramsB)),
    mostAccurate: idOf(argBest(M, (m) => ms.meanAccuracy[m])),
    bestStatic: idOf(argBest(M, (m) => ms.staticReward[m])),
  };

  const notes: string[] = [];
  if (missing > 0) {
    notes.push(`${missing} of ${t.nQueries * M} (query, model) cells are missing; each model is profiled on the queries it has`);
  }
  if (front.unranked.length > 0) {
    const hint = cost === 'energy' && t.costUsd ? '; the table has dollar costs: try --cost usd' : '';
    // the first 10 and a count, as every list in a message (docs/limits.md); `unranked` keeps them all
    notes.push(`no accuracy or ${COST_LABEL[cost]} for: ${listSome(front.unranked, 10)} (not ranked on the front${hint})`);
  }
  const est = estimatedCells.reduce((a, b) => a + b, 0);
  if (est > 0) notes.push(`${est} cells carry estimated energy (--estimate-energy), not measurements`);

  return {
    schemaVersion: PROFILE_SCHEMA_VERSION,
    dataset: { name: t.name, queries: t.nQueries, models: M, tasks: [...t.tasks], missingCells: missing },
    lambda: opts.lambda,
    cost,
    models,
    pareto: front.front,
    dominated: front.dominated,
    unranked: front.unranked,
    taskPareto,
    baselines,
    bestStatic: baselines.bestStatic,
    notes,
  };
}
