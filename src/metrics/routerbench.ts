/**
 * RouterBench evaluation (GreenServ §7.3.6, Table 1; RouterBench arXiv 2403.12031 §3): turns a λ sweep into
 * per-family cost–quality points, scores every policy and the analytic baselines (single models, the zero
 * router, the hindsight oracle) with AIQ, RouteLLM's CPT/APGR, and peak / average accuracy over the grid,
 * and builds summary.json. Pure: no files.
 */
import { tableSha256, type PoolTable } from '../data/pool.js';
import type { CostScale } from '../sim/reward.js';
import type { SweepResult } from '../sim/sweep.js';
import { sweepIndex } from '../sim/sweep.js';
import {
  aiq,
  hindsightFrontier,
  nonDecreasingHull,
  routeLlmMetrics,
  type AiqContext,
  type AiqMode,
  type CostQuality,
  type RouteLlmMetrics,
} from './aiq.js';
import { mean, sd } from './stats.js';

export const EVALUATE_SCHEMA_VERSION = 1;
/** Name of the all-prompts slot in points (never an AIQ family). */
export const ALL = 'all';

/** Per family and the mean over families (Table 1 averages AIQ over its 9 tasks); null where undefined. */
export interface ByFamily {
  mean: number | null;
  byFamily: Record<string, number | null>;
}

export interface EvalPoint {
  lambda: number;
  family: string;
  /** Mean USD cost per prompt. */
  cost: number;
  /** Mean quality (correctness in [0, 1]). */
  quality: number;
}

export interface PolicyEvaluation {
  name: string;
  params: Record<string, number>;
  /** AIQ of the run-averaged points. */
  aiq: ByFamily;
  /** Family-mean AIQ of each run's own points: its spread over runs. */
  aiqRuns: { mean: number | null; sd: number | null; perRun: (number | null)[] };
  /** Highest / mean overall accuracy (all prompts, run-averaged) over the λ grid. */
  peakAccuracy: number;
  peakLambda: number;
  avgAccuracy: number;
  cpt50: ByFamily;
  cpt80: ByFamily;
  apgr: ByFamily;
  /** Chosen cells missing from the table, over all λ and runs (they score 0). */
  misses: number;
  /** Run-averaged operating points per λ and family, plus `all`. */
  points: EvalPoint[];
}

export interface ModelPoint {
  cost: number;
  quality: number;
}

export interface ModelEvaluation {
  id: string;
  name: string;
  aiq: ByFamily;
  /** Mean cost and quality over the family's prompts where the model has an outcome, plus `all`. */
  points: Record<string, ModelPoint>;
}

export interface FamilyInfo {
  name: string;
  queries: number;
  evalNames: string[];
  /** Cheapest and costliest single model's mean cost: the paper-mode AIQ range. */
  costMin: number;
  costMax: number;
  /** RouteLLM's weak (cheapest) and strong (best-quality) model of the family. */
  cheapestModel: string;
  bestModel: string;
}

export interface PublishedRow {
  policy: string;
  label: string;
  aiq: number;
  peakAccuracy: number;
  avgAccuracy: number;
}

/** GreenServ Table 1 (paper §7.3.6): full RouterBench 0-shot set, 9 tasks; "ε-greedy" is the contextual one. */
export const PUBLISHED_TABLE1: readonly PublishedRow[] = [
  { policy: 'linear-epsilon-greedy', label: 'ε-greedy (contextual)', aiq: 0.637, peakAccuracy: 0.754, avgAccuracy: 0.692 },
  { policy: 'thompson', label: 'Thompson sampling', aiq: 0.624, peakAccuracy: 0.695, avgAccuracy: 0.663 },
  { policy: 'linucb', label: 'LinUCB', aiq: 0.607, peakAccuracy: 0.757, avgAccuracy: 0.717 },
];

/** Prompts and models of the full RouterBench 0-shot set (routerbench_0shot.pkl). */
export const ROUTERBENCH_0SHOT = {
  prompts: 36497,
  models: [
    'WizardLM/WizardLM-13B-V1.2',
    'claude-instant-v1',
    'claude-v1',
    'claude-v2',
    'gpt-3.5-turbo-1106',
    'gpt-4-1106-preview',
    'meta/code-llama-instruct-34b-chat',
    'meta/llama-2-70b-chat',
    'mistralai/mistral-7b-chat',
    'mistralai/mixtral-8x7b-chat',
    'zero-one-ai/Yi-34B-Chat',
  ],
} as const;

export interface PublishedComparison {
  source: string;
  /** True only when the data is the full 0-shot set, so the numbers measure the same thing. */
  comparable: boolean;
  note: string;
  rows: PublishedRow[];
}

export function isFullZeroShot(t: PoolTable): boolean {
  if (t.nQueries !== ROUTERBENCH_0SHOT.prompts || t.nModels !== ROUTERBENCH_0SHOT.models.length) return false;
  const ids = new Set(t.models.map((m) => m.id));
  return ROUTERBENCH_0SHOT.models.every((m) => ids.has(m));
}

export function publishedComparison(t: PoolTable, families: readonly string[]): PublishedComparison {
  const full = isFullZeroShot(t);
  const note = full
    ? 'the source is the full RouterBench 0-shot set, as in the paper; the paper does not state its contexts, λ grid, cost normalisation, runs or seeds'
    : `the source is a subset (${t.nQueries.toLocaleString('en-US')} of ${ROUTERBENCH_0SHOT.prompts.toLocaleString('en-US')} prompts, ` +
      `${families.length} famil${families.length === 1 ? 'y' : 'ies'}: ${families.join(', ')}); the published numbers are over the full 0-shot set (9 tasks) and are not comparable`;
  return { source: 'GreenServ (arXiv 2601.17551) Table 1', comparable: full, note, rows: PUBLISHED_TABLE1.map((r) => ({ ...r })) };
}

export interface EvaluateSummary {
  schemaVersion: number;
  command: 'evaluate';
  dataset: { name: string; source: string | null; queries: number; models: number; sha256: string; missingCells: number; families: FamilyInfo[] };
  lambdas: number[];
  runs: number;
  seed: number;
  runSeeds: number[];
  semantics: string;
  contexts: { features: string[]; d: number };
  reward: { cost: 'usd'; costScale: CostScale; normalisation: string };
  aiqMode: AiqMode;
  policies: PolicyEvaluation[];
  baselines: {
    oracle: {
      /** AIQ of the hindsight frontier (see aiq.ts), which ends at the oracle point. */
      aiq: ByFamily;
      /** AIQ of the oracle point alone (best quality per prompt, cheapest among ties). */
      pointAiq: ByFamily;
      points: Record<string, ModelPoint>;
    };
    zeroRouter: {
      aiq: ByFamily;
      cpt50: ByFamily;
      cpt80: ByFamily;
      apgr: ByFamily;
      /** Hull vertices per family: the single models on the hull (mixtures lie on the segments). */
      hull: Record<string, (ModelPoint & { model: string })[]>;
    };
    models: ModelEvaluation[];
  };
  published: PublishedComparison;
}

export interface EvaluateOptions {
  aiqMode: AiqMode;
  costScale?: CostScale;
  features?: string[];
  semantics?: string;
  seed?: number;
  source?: string | null;
  /** Family → eval names (from the family mapping); default: the family name alone. */
  members?: Map<string, string[]>;
  sha256?: string;
}

/** Per family: the curves the report draws and the numbers behind summary.json. */
export interface FamilyCurves {
  family: string;
  models: { id: string; point: ModelPoint }[];
  zeroRouter: CostQuality[];
  oracleFrontier: CostQuality[];
  oraclePoint: ModelPoint;
  policies: { name: string; points: EvalPoint[]; hull: CostQuality[] }[];
  ctx: AiqContext;
}

export interface EvaluationResult {
  summary: EvaluateSummary;
  curves: FamilyCurves[];
}

function byFamily(families: readonly string[], values: (number | null)[]): ByFamily {
  const rec: Record<string, number | null> = {};
  const ok: number[] = [];
  families.forEach((f, k) => {
    const v = values[k];
    const x = v === null || !Number.isFinite(v) ? null : v;
    rec[f] = x;
    if (x !== null) ok.push(x);
  });
  return { mean: ok.length ? mean(ok) : null, byFamily: rec };
}

/** Mean cost and quality per model and task over present cells; slot T is all prompts. */
export function modelPoints(t: PoolTable): ModelPoint[][] {
  const T = t.tasks.length;
  const M = t.nModels;
  const cost = t.costUsd!;
  const sc = new Float64Array((T + 1) * M);
  const sa = new Float64Array((T + 1) * M);
  const n = new Float64Array((T + 1) * M);
  for (let q = 0; q < t.nQueries; q++) {
    const k = t.queryTask[q];
    for (let m = 0; m < M; m++) {
      const i = q * M + m;
      if (!t.present[i] || !Number.isFinite(cost[i]) || !Number.isFinite(t.accuracy[i])) continue;
      for (const kk of [k, T]) {
        sc[kk * M + m] += cost[i];
        sa[kk * M + m] += t.accuracy[i];
        n[kk * M + m]++;
      }
    }
  }
  return Array.from({ length: M }, (_, m) =>
    Array.from({ length: T + 1 }, (_, k) => {
      const c = n[k * M + m];
      return c ? { cost: sc[k * M + m] / c, quality: sa[k * M + m] / c } : { cost: Number.NaN, quality: Number.NaN };
    }),
  );
}

/** Per prompt: best quality, cheapest among ties (RouterBench's oracle); mean per task, slot T all prompts. */
export function oraclePoints(t: PoolTable): ModelPoint[] {
  const T = t.tasks.length;
  const M = t.nModels;
  const cost = t.costUsd!;
  const sc = new Float64Array(T + 1);
  const sa = new Float64Array(T + 1);
  const n = new Float64Array(T + 1);
  for (let q = 0; q < t.nQueries; q++) {
    let bq = -Infinity;
    let bc = Infinity;
    for (let m = 0; m < M; m++) {
      const i = q * M + m;
      if (!t.present[i] || !Number.isFinite(cost[i]) || !Number.isFinite(t.accuracy[i])) continue;
      const a = t.accuracy[i];
      if (a > bq || (a === bq && cost[i] < bc)) {
        bq = a;
        bc = cost[i];
      }
    }
    if (bq === -Infinity) continue;
    for (const k of [t.queryTask[q], T]) {
      sc[k] += bc;
      sa[k] += bq;
      n[k]++;
    }
  }
  return Array.from({ length: T + 1 }, (_, k) => (n[k] ? { cost: sc[k] / n[k], quality: sa[k] / n[k] } : { cost: Number.NaN, quality: Number.NaN }));
}

function fin(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

export function evaluateSweep(t: PoolTable, s: SweepResult, o: EvaluateOptions): EvaluationResult {
  if (!t.costUsd) throw new Error('evaluateSweep needs a cost column');
  const T = t.tasks.length;
  const L = s.lambdas.length;
  const P = s.policyNames.length;
  const R = s.runs;
  const M = t.nModels;
  const families = t.tasks;
  const mp = modelPoints(t);
  const op = oraclePoints(t);

  // prompts of each family, for the frontier
  const rowsOf: number[][] = families.map(() => []);
  for (let q = 0; q < t.nQueries; q++) rowsOf[t.queryTask[q]].push(q);
  let missingCells = 0;
  for (let i = 0; i < t.present.length; i++) if (!t.present[i]) missingCells++;

  const famInfo: FamilyInfo[] = [];
  const curves: FamilyCurves[] = [];
  // run-mean policy points [p][l][k]
  const meanPt = (p: number, l: number, k: number): ModelPoint => {
    let c = 0;
    let a = 0;
    for (let r = 0; r < R; r++) {
      const i = sweepIndex(s, l, p, r, k);
      c += s.cost[i];
      a += s.quality[i];
    }
    return { cost: c / R, quality: a / R };
  };

  for (let k = 0; k < T; k++) {
    const f = families[k];
    const models = t.models.map((m, j) => ({ id: m.id, point: mp[j][k] })).filter((x) => Number.isFinite(x.point.cost));
    let cheapest = models[0];
    let best = models[0];
    for (const x of models) {
      if (x.point.cost < cheapest.point.cost || (x.point.cost === cheapest.point.cost && x.point.quality > cheapest.point.quality)) cheapest = x;
      if (x.point.quality > best.point.quality || (x.point.quality === best.point.quality && x.point.cost < best.point.cost)) best = x;
    }
    const costMin = Math.min(...models.map((x) => x.point.cost));
    const costMax = Math.max(...models.map((x) => x.point.cost));
    famInfo.push({
      name: f,
      queries: s.taskQueries[k],
      evalNames: o.members?.get(f) ?? [f],
      costMin,
      costMax,
      cheapestModel: cheapest?.id ?? '',
      bestModel: best?.id ?? '',
    });
    const zero = nonDecreasingHull(models.map((x) => x.point));
    const frontier = hindsightFrontier(rowsOf[k], M, t.costUsd, t.accuracy, t.present);
    const policies = s.policyNames.map((name, p) => {
      const points: EvalPoint[] = s.lambdas.map((lambda, l) => ({ lambda, family: f, ...meanPt(p, l, k) }));
      return { name, points, hull: nonDecreasingHull(points) };
    });
    const hulls = [zero, frontier, ...policies.map((x) => x.hull), ...models.map((x) => [x.point])];
    const maxCost = Math.max(...hulls.filter((h) => h.length > 0).map((h) => h[h.length - 1].cost));
    curves.push({
      family: f,
      models,
      zeroRouter: zero,
      oracleFrontier: frontier,
      oraclePoint: op[k],
      policies,
      ctx: { cMin: costMin, cMax: costMax, maxCost },
    });
  }

  const famAiq = (hullOf: (c: FamilyCurves) => CostQuality[]): ByFamily =>
    byFamily(
      families,
      curves.map((c) => fin(aiq(hullOf(c), o.aiqMode, c.ctx))),
    );
  const famRouteLlm = (pointsOf: (c: FamilyCurves) => CostQuality[]): { cpt50: ByFamily; cpt80: ByFamily; apgr: ByFamily } => {
    const ms: RouteLlmMetrics[] = curves.map((c, k) => {
      const w = c.models.find((x) => x.id === famInfo[k].cheapestModel);
      const st = c.models.find((x) => x.id === famInfo[k].bestModel);
      return w && st ? routeLlmMetrics(pointsOf(c), w.point, st.point) : { cpt50: null, cpt80: null, apgr: null };
    });
    return {
      cpt50: byFamily(
        families,
        ms.map((m) => m.cpt50),
      ),
      cpt80: byFamily(
        families,
        ms.map((m) => m.cpt80),
      ),
      apgr: byFamily(
        families,
        ms.map((m) => m.apgr),
      ),
    };
  };

  const policies: PolicyEvaluation[] = s.policyNames.map((name, p) => {
    const perRun: (number | null)[] = [];
    for (let r = 0; r < R; r++) {
      const vals = curves.map((c, k) => {
        const pts = s.lambdas.map((_, l) => {
          const i = sweepIndex(s, l, p, r, k);
          return { cost: s.cost[i], quality: s.quality[i] };
        });
        return fin(aiq(nonDecreasingHull(pts), o.aiqMode, c.ctx));
      });
      perRun.push(byFamily(families, vals).mean);
    }
    const okRuns = perRun.filter((x): x is number => x !== null);
    const overall = s.lambdas.map((_, l) => meanPt(p, l, T).quality);
    let peak = 0;
    for (let l = 1; l < L; l++) if (overall[l] > overall[peak]) peak = l;
    let misses = 0;
    for (let l = 0; l < L; l++) for (let r = 0; r < R; r++) misses += s.misses[sweepIndex(s, l, p, r, T)];
    const points: EvalPoint[] = [];
    for (let l = 0; l < L; l++) {
      for (let k = 0; k <= T; k++) points.push({ lambda: s.lambdas[l], family: k < T ? families[k] : ALL, ...meanPt(p, l, k) });
    }
    return {
      name,
      params: s.params[p],
      aiq: famAiq((c) => c.policies[p].hull),
      aiqRuns: { mean: okRuns.length ? mean(okRuns) : null, sd: okRuns.length ? sd(okRuns) : null, perRun },
      peakAccuracy: overall[peak],
      peakLambda: s.lambdas[peak],
      avgAccuracy: mean(overall),
      ...famRouteLlm((c) => c.policies[p].points),
      misses,
      points,
    };
  });

  const models: ModelEvaluation[] = t.models.map((m, j) => {
    const points: Record<string, ModelPoint> = {};
    for (let k = 0; k <= T; k++) points[k < T ? families[k] : ALL] = mp[j][k];
    return {
      id: m.id,
      name: m.name,
      aiq: byFamily(
        families,
        curves.map((c, k) => (Number.isFinite(mp[j][k].cost) ? fin(aiq([mp[j][k]], o.aiqMode, c.ctx)) : null)),
      ),
      points,
    };
  });
  const oraclePts: Record<string, ModelPoint> = {};
  for (let k = 0; k <= T; k++) oraclePts[k < T ? families[k] : ALL] = op[k];
  const zeroHull: Record<string, (ModelPoint & { model: string })[]> = {};
  for (const c of curves) {
    zeroHull[c.family] = c.zeroRouter.map((v) => ({ model: c.models.find((x) => x.point.cost === v.cost && x.point.quality === v.quality)?.id ?? '', ...v }));
  }

  const summary: EvaluateSummary = {
    schemaVersion: EVALUATE_SCHEMA_VERSION,
    command: 'evaluate',
    dataset: {
      name: t.name,
      source: o.source ?? null,
      queries: t.nQueries,
      models: M,
      sha256: o.sha256 ?? tableSha256(t),
      missingCells,
      families: famInfo,
    },
    lambdas: [...s.lambdas],
    runs: R,
    seed: o.seed ?? s.runSeeds[0] ?? 0,
    runSeeds: [...s.runSeeds],
    semantics: o.semantics ?? 'paper',
    contexts: { features: o.features ?? ['task'], d: s.d },
    reward: { cost: 'usd', costScale: o.costScale ?? 'linear', normalisation: 'min–max per eval family over present cells' },
    aiqMode: o.aiqMode,
    policies,
    baselines: {
      oracle: {
        aiq: famAiq((c) => c.oracleFrontier),
        pointAiq: famAiq((c) => (Number.isFinite(c.oraclePoint.cost) ? [c.oraclePoint] : [])),
        points: oraclePts,
      },
      zeroRouter: { aiq: famAiq((c) => c.zeroRouter), ...famRouteLlm((c) => c.zeroRouter), hull: zeroHull },
      models,
    },
    published: publishedComparison(t, families),
  };
  return { summary, curves };
}
