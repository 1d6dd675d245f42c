/**
 * The energy metrics across energy-model settings (GPU × batch): each setting's ranking of the routers by
 * energy AIQ, and each router's range of AIQ, rank and savings over the settings. Pure.
 */
import type { EnergyMetrics } from './energy.js';

export const SENSITIVITY_SCHEMA_VERSION = 1;

export interface SensitivitySetting {
  gpu: string;
  batch: number;
  /** False when the batch lies outside the fitted range (the decode energy is extrapolated). */
  inFittedRange: boolean;
  /** Policies and the zero router by energy AIQ, best first (ties keep the command-line order). */
  ranking: string[];
  energy: EnergyMetrics;
}

interface RouterSpread {
  name: string;
  aiq: { min: number | null; max: number | null };
  /** Rank among the policies and the zero router (0 for the oracle, which is not ranked). */
  rank: { min: number; max: number };
  /** % energy saved at the best single model's accuracy; min is null when some setting never reaches it. */
  savedPct: { min: number | null; max: number | null };
  /** % saved against the cheapest mix of single models at the router's peak accuracy. */
  vsModelsPct: { min: number | null; max: number | null };
  /** Settings in which the router reaches the best single model's accuracy. */
  reachesReference: number;
}

export interface SensitivitySummary {
  /** Same ranking in every setting. */
  rankingStable: boolean;
  /** The best single model of each setting, deduplicated. */
  referenceModels: string[];
  routers: RouterSpread[];
}

export function rankingOf(e: EnergyMetrics): string[] {
  return e.routers
    .filter((r) => r.kind === 'policy' || r.kind === 'zero-router')
    .map((r, i) => ({ r, i }))
    .sort((a, b) => (b.r.aiq ?? -Infinity) - (a.r.aiq ?? -Infinity) || a.i - b.i)
    .map((x) => x.r.name);
}

/** min/max over settings; min is null when some value is null (not reached / undefined somewhere). */
function spread(xs: (number | null)[]): { min: number | null; max: number | null } {
  const ok = xs.filter((x): x is number => x !== null);
  return { min: ok.length === xs.length && ok.length > 0 ? Math.min(...ok) : null, max: ok.length ? Math.max(...ok) : null };
}

export function summarizeSensitivity(settings: readonly SensitivitySetting[]): SensitivitySummary {
  if (settings.length === 0) return { rankingStable: true, referenceModels: [], routers: [] };
  const names = settings[0].energy.routers.filter((r) => r.kind !== 'model').map((r) => r.name);
  const routers = names.map((name) => {
    const per = settings.map((s) => s.energy.routers.find((r) => r.name === name));
    const ranks = settings.map((s) => s.ranking.indexOf(name) + 1).filter((r) => r > 0);
    return {
      name,
      aiq: spread(per.map((r) => r?.aiq ?? null)),
      rank: { min: ranks.length ? Math.min(...ranks) : 0, max: ranks.length ? Math.max(...ranks) : 0 },
      savedPct: spread(per.map((r) => r?.atReference?.savedPct ?? null)),
      vsModelsPct: spread(per.map((r) => r?.vsModelsAtPeak?.savedPct ?? null)),
      reachesReference: per.filter((r) => r?.atReference != null).length,
    };
  });
  const first = settings[0].ranking.join('\n');
  return {
    rankingStable: settings.every((s) => s.ranking.join('\n') === first),
    referenceModels: [...new Set(settings.map((s) => s.energy.reference.model))],
    routers,
  };
}
