/**
 * RouterBench evaluation (GreenServ §7.3.6, Table 1; RouterBench arXiv 2403.12031 §3): turns a λ sweep into
 * per-family cost–quality points, scores every policy and the analytic baselines (single models, the zero
 * router, the hindsight oracle) with AIQ, RouteLLM's CPT/APGR, and peak / average accuracy over the grid,
 * and builds summary.json. Pure: no files.
 */
import type { SweepProtocolBlock } from './protocol.js';
import { dict } from '../core/dict.js';
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
import { modelPoints, oraclePoints, type ModelPoint } from './routerbenchPoints.js';
import { PUBLISHED_TABLE1, PUBLISHED_TABLE1_SOURCE, ROUTERBENCH_0SHOT, type PublishedRow } from './routerbenchPublished.js';

const EVALUATE_SCHEMA_VERSION = 1;
/** Name of the all-prompts slot in points (never an AIQ family). */
export const ALL = 'all';

/** Per family and the mean over families (Table 1 averages AIQ over its 9 tasks); null where undefined. */
export interface ByFamily {
  mean: number | null;
  byFamily: Record<string, number | null>;
}

interface EvalPoint {
  lambda: number;
  family: string;
  /** Mean USD cost per prompt. */
  cost: number;
  /** Mean quality (correctness in [0, 1]). */
  quality: number;
}

interface PolicyEvaluation {
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

interface ModelEvaluation {
  id: string;
  name: string;
  aiq: ByFamily;
  /** Mean cost and quality over the family's prompts where the model has an outcome, plus `all`. */
  points: Record<string, ModelPoint>;
}

interface FamilyInfo {
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

interface PublishedComparison {
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

function publishedComparison(t: PoolTable, families: readonly string[]): PublishedComparison {
  const full = isFullZeroShot(t);
  const note = full
    ? 'the source is the full RouterBench 0-shot set, as in the paper; the paper does not state its contexts, λ grid, cost normalisation, runs or seeds'
    : `the source is a subset (${t.nQueries.toLocaleString('en-US')} of ${ROUTERBENCH_0SHOT.prompts.toLocaleString('en-US')} prompts, ` +
      `${families.length} famil${families.length === 1 ? 'y' : 'ies'}: ${families.join(', ')}); the published numbers are over the full 0-shot set (9 tasks) and are not comparable`;
  return { source: PUBLISHED_TABLE1_SOURCE, comparable: full, note, rows: PUBLISHED_TABLE1.map((r) => ({ ...r })) };
}

/** Table 1 scores dollar cost: beside an evaluation on modelled energy it is never comparable. */
function onEnergy(p: PublishedComparison): PublishedComparison {
  return { ...p, comparable: false, note: `the published numbers score dollar cost and this evaluation scores modelled energy; ${p.note}` };
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
  reward: { cost: 'usd' | 'energy'; costScale: CostScale; normalisation: string };
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
  /** The train/test protocol (schemaVersion 2; docs/outputs.md): absent for the online protocol. */
  protocol?: SweepProtocolBlock;
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
  /** What the table's cost column holds: USD (default) or modelled J per prompt (`--cost energy`). */
  cost?: 'usd' | 'energy';
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
  const rec = dict<number | null>();
  const ok: number[] = [];
  families.forEach((f, k) => {
    const v = values[k];
    const x = v === null || !Number.isFinite(v) ? null : v;
    rec[f] = x;
    if (x !== null) ok.push(x);
  });
  return { mean: ok.length ? mean(ok) : null, byFamily: rec };
}

function fin(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** Name of family slot k; slot T (one past the families) is all prompts. */
function slotName(families: readonly string[], k: number): string {
  return k < families.length ? families[k] : ALL;
}

function countMissing(t: PoolTable): number {
  let missing = 0;
  for (let i = 0; i < t.present.length; i++) if (!t.present[i]) missing++;
  return missing;
}

/** Prompts of each family, for the hindsight frontier. */
function promptsByFamily(t: PoolTable): number[][] {
  const rows: number[][] = t.tasks.map(() => []);
  for (let q = 0; q < t.nQueries; q++) rows[t.queryTask[q]].push(q);
  return rows;
}

/** Run-mean cost and quality of policy p at λ index l over family slot k. */
function runMeanPoint(s: SweepResult, p: number, l: number, k: number): ModelPoint {
  let c = 0;
  let a = 0;
  for (let r = 0; r < s.runs; r++) {
    const i = sweepIndex(s, l, p, r, k);
    c += s.cost[i];
    a += s.quality[i];
  }
  return { cost: c / s.runs, quality: a / s.runs };
}

type FamilyModel = { id: string; point: ModelPoint };

/** A family's cost range and RouteLLM's weak (cheapest) and strong (best-quality) model. */
function familyInfo(name: string, queries: number, models: FamilyModel[], o: EvaluateOptions): FamilyInfo {
  let cheapest = models[0];
  let best = models[0];
  for (const x of models) {
    if (x.point.cost < cheapest.point.cost || (x.point.cost === cheapest.point.cost && x.point.quality > cheapest.point.quality)) cheapest = x;
    if (x.point.quality > best.point.quality || (x.point.quality === best.point.quality && x.point.cost < best.point.cost)) best = x;
  }
  return {
    name,
    queries,
    evalNames: o.members?.get(name) ?? [name],
    costMin: Math.min(...models.map((x) => x.point.cost)),
    costMax: Math.max(...models.map((x) => x.point.cost)),
    cheapestModel: cheapest?.id ?? '',
    bestModel: best?.id ?? '',
  };
}

/** Family k's curves: single models, zero router, oracle frontier and each policy's run-mean points and hull. */
function familyCurves(t: PoolTable, s: SweepResult, k: number, models: FamilyModel[], info: FamilyInfo, rows: number[], oracle: ModelPoint): FamilyCurves {
  const family = t.tasks[k];
  const zero = nonDecreasingHull(models.map((x) => x.point));
  const frontier = hindsightFrontier(rows, t.nModels, t.costUsd!, t.accuracy, t.present);
  const policies = s.policyNames.map((name, p) => {
    const points: EvalPoint[] = s.lambdas.map((lambda, l) => ({ lambda, family, ...runMeanPoint(s, p, l, k) }));
    return { name, points, hull: nonDecreasingHull(points) };
  });
  // The AIQ integration range ends at the costliest point any curve reaches.
  const hulls = [zero, frontier, ...policies.map((x) => x.hull), ...models.map((x) => [x.point])];
  const maxCost = Math.max(...hulls.filter((h) => h.length > 0).map((h) => h[h.length - 1].cost));
  return {
    family,
    models,
    zeroRouter: zero,
    oracleFrontier: frontier,
    oraclePoint: oracle,
    policies,
    ctx: { cMin: info.costMin, cMax: info.costMax, maxCost },
  };
}

/** The per-family curves with the family facts they were scored against. */
interface Scored {
  families: readonly string[];
  info: FamilyInfo[];
  curves: FamilyCurves[];
  mode: AiqMode;
}

function familyAiq(sc: Scored, hullOf: (c: FamilyCurves) => CostQuality[]): ByFamily {
  return byFamily(sc.families, sc.curves.map((c) => fin(aiq(hullOf(c), sc.mode, c.ctx))));
}

/** RouteLLM's CPT(50%), CPT(80%) and APGR per family, against its weak and strong model. */
function familyRouteLlm(sc: Scored, pointsOf: (c: FamilyCurves) => CostQuality[]): { cpt50: ByFamily; cpt80: ByFamily; apgr: ByFamily } {
  const ms: RouteLlmMetrics[] = sc.curves.map((c, k) => {
    const w = c.models.find((x) => x.id === sc.info[k].cheapestModel);
    const st = c.models.find((x) => x.id === sc.info[k].bestModel);
    return w && st ? routeLlmMetrics(pointsOf(c), w.point, st.point) : { cpt50: null, cpt80: null, apgr: null };
  });
  return {
    cpt50: cptByFamily(sc.families, ms, (m) => m.cpt50),
    cpt80: cptByFamily(sc.families, ms, (m) => m.cpt80),
    apgr: byFamily(sc.families, ms.map((m) => m.apgr)),
  };
}

/**
 * CPT per family and its mean. A family whose weak and strong model leave no gap (APGR null) has no CPT and is
 * left out of the mean; a family where the metric is defined but the router never reaches the target makes the
 * mean undefined too: averaging only the families it reaches would report a cost for a target it misses.
 */
function cptByFamily(families: readonly string[], ms: readonly RouteLlmMetrics[], cpt: (m: RouteLlmMetrics) => number | null): ByFamily {
  const b = byFamily(families, ms.map(cpt));
  const missed = ms.some((m) => m.apgr !== null && Number.isFinite(m.apgr) && (cpt(m) === null || !Number.isFinite(cpt(m)!)));
  return missed ? { mean: null, byFamily: b.byFamily } : b;
}

/** Family-mean AIQ of each run's own points (not run-averaged): the spread of policy p over runs. */
function perRunAiq(s: SweepResult, p: number, sc: Scored): (number | null)[] {
  const perRun: (number | null)[] = [];
  for (let r = 0; r < s.runs; r++) {
    const vals = sc.curves.map((c, k) => {
      const pts = s.lambdas.map((_, l) => {
        const i = sweepIndex(s, l, p, r, k);
        return { cost: s.cost[i], quality: s.quality[i] };
      });
      return fin(aiq(nonDecreasingHull(pts), sc.mode, c.ctx));
    });
    perRun.push(byFamily(sc.families, vals).mean);
  }
  return perRun;
}

function evaluatePolicy(s: SweepResult, p: number, sc: Scored): PolicyEvaluation {
  const T = sc.families.length;
  const L = s.lambdas.length;
  const perRun = perRunAiq(s, p, sc);
  const okRuns = perRun.filter((x): x is number => x !== null);
  const overall = s.lambdas.map((_, l) => runMeanPoint(s, p, l, T).quality);
  let peak = 0;
  for (let l = 1; l < L; l++) if (overall[l] > overall[peak]) peak = l;
  let misses = 0;
  for (let l = 0; l < L; l++) for (let r = 0; r < s.runs; r++) misses += s.misses[sweepIndex(s, l, p, r, T)];
  const points: EvalPoint[] = [];
  for (let l = 0; l < L; l++) {
    for (let k = 0; k <= T; k++) points.push({ lambda: s.lambdas[l], family: slotName(sc.families, k), ...runMeanPoint(s, p, l, k) });
  }
  return {
    name: s.policyNames[p],
    params: s.params[p],
    aiq: familyAiq(sc, (c) => c.policies[p].hull),
    aiqRuns: { mean: okRuns.length ? mean(okRuns) : null, sd: okRuns.length ? sd(okRuns) : null, perRun },
    peakAccuracy: overall[peak],
    peakLambda: s.lambdas[peak],
    avgAccuracy: mean(overall),
    ...familyRouteLlm(sc, (c) => c.policies[p].points),
    misses,
    points,
  };
}

/** Each single model as a one-point router. */
function evaluateModels(t: PoolTable, mp: ModelPoint[][], sc: Scored): ModelEvaluation[] {
  const T = sc.families.length;
  return t.models.map((m, j) => {
    const points = dict<ModelPoint>();
    for (let k = 0; k <= T; k++) points[slotName(sc.families, k)] = mp[j][k];
    return {
      id: m.id,
      name: m.name,
      aiq: byFamily(sc.families, sc.curves.map((c, k) => (Number.isFinite(mp[j][k].cost) ? fin(aiq([mp[j][k]], sc.mode, c.ctx)) : null))),
      points,
    };
  });
}

function analyticBaselines(t: PoolTable, mp: ModelPoint[][], op: ModelPoint[], sc: Scored): EvaluateSummary['baselines'] {
  const oraclePts = dict<ModelPoint>();
  for (let k = 0; k < op.length; k++) oraclePts[slotName(sc.families, k)] = op[k];
  const zeroHull = dict<(ModelPoint & { model: string })[]>();
  for (const c of sc.curves) {
    zeroHull[c.family] = c.zeroRouter.map((v) => ({ model: c.models.find((x) => x.point.cost === v.cost && x.point.quality === v.quality)?.id ?? '', ...v }));
  }
  return {
    oracle: {
      aiq: familyAiq(sc, (c) => c.oracleFrontier),
      pointAiq: familyAiq(sc, (c) => (Number.isFinite(c.oraclePoint.cost) ? [c.oraclePoint] : [])),
      points: oraclePts,
    },
    zeroRouter: { aiq: familyAiq(sc, (c) => c.zeroRouter), ...familyRouteLlm(sc, (c) => c.zeroRouter), hull: zeroHull },
    models: evaluateModels(t, mp, sc),
  };
}

export function evaluateSweep(t: PoolTable, s: SweepResult, o: EvaluateOptions): EvaluationResult {
  if (!t.costUsd) throw new Error('evaluateSweep needs a cost column');
  const families = t.tasks;
  const mp = modelPoints(t);
  const op = oraclePoints(t);
  const rowsOf = promptsByFamily(t);
  const info: FamilyInfo[] = [];
  const curves: FamilyCurves[] = [];
  for (let k = 0; k < families.length; k++) {
    const models = t.models.map((m, j) => ({ id: m.id, point: mp[j][k] })).filter((x) => Number.isFinite(x.point.cost));
    info.push(familyInfo(families[k], s.taskQueries[k], models, o));
    curves.push(familyCurves(t, s, k, models, info[k], rowsOf[k], op[k]));
  }
  const sc: Scored = { families, info, curves, mode: o.aiqMode };
  const summary: EvaluateSummary = {
    schemaVersion: EVALUATE_SCHEMA_VERSION,
    command: 'evaluate',
    dataset: {
      name: t.name,
      source: o.source ?? null,
      queries: t.nQueries,
      models: t.nModels,
      sha256: o.sha256 ?? tableSha256(t),
      missingCells: countMissing(t),
      families: info,
    },
    lambdas: [...s.lambdas],
    runs: s.runs,
    seed: o.seed ?? s.runSeeds[0] ?? 0,
    runSeeds: [...s.runSeeds],
    semantics: o.semantics ?? 'paper',
    contexts: { features: o.features ?? ['task'], d: s.d },
    reward: { cost: o.cost ?? 'usd', costScale: o.costScale ?? 'linear', normalisation: 'min–max per eval family over present cells' },
    aiqMode: o.aiqMode,
    policies: s.policyNames.map((_, p) => evaluatePolicy(s, p, sc)),
    baselines: analyticBaselines(t, mp, op, sc),
    published: o.cost === 'energy' ? onEnergy(publishedComparison(t, families)) : publishedComparison(t, families),
  };
  return { summary, curves };
}
