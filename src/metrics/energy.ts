/**
 * Energy metrics of routers on a routing table whose cost axis is modelled energy (J per prompt): energy AIQ
 * (the evaluation's AIQ on that axis), joules per correct answer, and the energy a router saves at the accuracy
 * of the best single model (docs/model.md §10). Pure: reads an evaluation summary and its table.
 */
import type { PoolTable } from '../data/pool.js';
import { costToReach, hindsightFrontier, nonDecreasingHull, type CostQuality } from './aiq.js';
import { ALL, type EvaluateSummary } from './routerbench.js';

const ENERGY_SCHEMA_VERSION = 1;

/** One operating point: mean J per prompt, accuracy, and their ratio (null where undefined). */
interface EnergyPoint {
  jPerPrompt: number | null;
  accuracy: number | null;
  jPerCorrect: number | null;
}

export interface RouterEnergy {
  name: string;
  kind: 'policy' | 'zero-router' | 'oracle' | 'model';
  /** Family-mean AIQ on the energy axis, and its sample sd over runs (policies only). */
  aiq: number | null;
  aiqSd: number | null;
  /** The router's most accurate operating point (its peak-accuracy λ; a model's own point). */
  peak: EnergyPoint & { lambda: number | null };
  /**
   * Cheapest point of the router's non-decreasing hull at the reference accuracy and what it saves against the
   * reference model; null when the router never reaches that accuracy.
   */
  atReference: (EnergyPoint & { savedJPerPrompt: number; savedPct: number }) | null;
  /**
   * Against the single models at the router's peak accuracy: the energy of the cheapest mix of single models
   * (the zero router's hull) reaching that accuracy, and what the router saves; null when no mix reaches it.
   */
  vsModelsAtPeak: { modelsJPerPrompt: number; savedJPerPrompt: number; savedPct: number } | null;
}

export interface EnergyMetrics {
  schemaVersion: number;
  /** The best single model over all prompts (highest accuracy, least energy among ties). */
  reference: { model: string } & EnergyPoint;
  routers: RouterEnergy[];
}

function fin(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** J per correct answer = mean J per prompt / mean accuracy (§10.1); null at zero accuracy. */
export function joulesPerCorrect(jPerPrompt: number, accuracy: number): number | null {
  return Number.isFinite(jPerPrompt) && accuracy > 0 ? jPerPrompt / accuracy : null;
}

function point(c: number, q: number): EnergyPoint {
  return { jPerPrompt: fin(c), accuracy: fin(q), jPerCorrect: joulesPerCorrect(c, q) };
}

/**
 * Energy a hull needs to reach the reference accuracy and the saving against the reference energy (§10.2):
 * E_r = min{c : R̃(c) ≥ q*}, saved = E* − E_r, as a percentage of E*.
 */
export function savingAt(hull: readonly CostQuality[], ref: CostQuality): RouterEnergy['atReference'] {
  const c = costToReach(hull, ref.quality);
  if (c === null || !Number.isFinite(c)) return null;
  const saved = noise(ref.cost - c, ref.cost);
  return { ...point(c, ref.quality), savedJPerPrompt: saved, savedPct: ref.cost > 0 ? (100 * saved) / ref.cost : 0 };
}

/** Interpolating to a hull vertex's own quality can miss its cost by an ulp: such a difference is 0. */
function noise(d: number, scale: number): number {
  return Math.abs(d) <= 1e-12 * Math.abs(scale) ? 0 : d;
}

/** §10.3: E_models(q_r) − E_r at the router's peak accuracy q_r, E_models the zero router's hull. */
export function savingVsModels(models: readonly CostQuality[], peak: CostQuality): RouterEnergy['vsModelsAtPeak'] {
  if (!Number.isFinite(peak.cost) || !Number.isFinite(peak.quality)) return null;
  const c = costToReach(nonDecreasingHull(models), peak.quality);
  if (c === null || !Number.isFinite(c)) return null;
  const saved = noise(c - peak.cost, c);
  return { modelsJPerPrompt: c, savedJPerPrompt: saved, savedPct: c > 0 ? (100 * saved) / c : 0 };
}

/** The best single model over all prompts: highest accuracy, least energy among ties. */
export function referenceModel(models: readonly { id: string; point: CostQuality }[]): { id: string; point: CostQuality } | null {
  let best: { id: string; point: CostQuality } | null = null;
  for (const m of models) {
    const p = m.point;
    if (!Number.isFinite(p.cost) || !Number.isFinite(p.quality)) continue;
    if (!best || p.quality > best.point.quality || (p.quality === best.point.quality && p.cost < best.point.cost)) best = m;
  }
  return best;
}

/**
 * Energy metrics of every policy, the zero router, the hindsight oracle and each single model. `s` must be an
 * evaluation whose cost axis is J per prompt and `t` the table it was computed on (costUsd holding joules).
 */
export function energyMetrics(t: PoolTable, s: EvaluateSummary): EnergyMetrics {
  const models = s.baselines.models.map((m) => ({ id: m.id, point: m.points[ALL] ?? { cost: Number.NaN, quality: Number.NaN } }));
  const ref = referenceModel(models);
  if (!ref) throw new Error('energyMetrics: no model has a finite energy and accuracy');
  const finite = models.filter((m) => Number.isFinite(m.point.cost) && Number.isFinite(m.point.quality)).map((m) => m.point);
  const routers: RouterEnergy[] = [];
  for (const p of s.policies) {
    const pts = p.points.filter((x) => x.family === ALL);
    let peak = pts[0];
    for (const x of pts) if (x.quality > peak.quality) peak = x;
    routers.push({
      name: p.name,
      kind: 'policy',
      aiq: p.aiq.mean,
      aiqSd: p.aiqRuns.sd,
      peak: { lambda: peak ? peak.lambda : null, ...point(peak?.cost ?? Number.NaN, peak?.quality ?? Number.NaN) },
      atReference: savingAt(nonDecreasingHull(pts), ref.point),
      vsModelsAtPeak: peak ? savingVsModels(finite, peak) : null,
    });
  }
  const zero = nonDecreasingHull(finite);
  const zPeak = zero[zero.length - 1];
  routers.push({
    name: 'zero router',
    kind: 'zero-router',
    aiq: s.baselines.zeroRouter.aiq.mean,
    aiqSd: null,
    peak: { lambda: null, ...point(zPeak.cost, zPeak.quality) },
    atReference: savingAt(zero, ref.point),
    vsModelsAtPeak: savingVsModels(finite, zPeak),
  });
  const rows = Array.from({ length: t.nQueries }, (_, q) => q);
  const frontier = hindsightFrontier(rows, t.nModels, t.costUsd!, t.accuracy, t.present);
  const op = s.baselines.oracle.points[ALL];
  routers.push({
    name: 'oracle (hindsight frontier)',
    kind: 'oracle',
    aiq: s.baselines.oracle.aiq.mean,
    aiqSd: null,
    peak: { lambda: null, ...point(op?.cost ?? Number.NaN, op?.quality ?? Number.NaN) },
    atReference: savingAt(frontier, ref.point),
    vsModelsAtPeak: op ? savingVsModels(finite, op) : null,
  });
  s.baselines.models.forEach((m, j) => {
    const p = models[j].point;
    routers.push({
      name: m.id,
      kind: 'model',
      aiq: m.aiq.mean,
      aiqSd: null,
      peak: { lambda: null, ...point(p.cost, p.quality) },
      atReference: Number.isFinite(p.cost) && Number.isFinite(p.quality) ? savingAt([p], ref.point) : null,
      vsModelsAtPeak: savingVsModels(finite, p),
    });
  });
  return { schemaVersion: ENERGY_SCHEMA_VERSION, reference: { model: ref.id, ...point(ref.point.cost, ref.point.quality) }, routers };
}
