/**
 * Energy for requests without a measurement (`profile-models --estimate-energy`): the ML.ENERGY-fitted energy
 * model of docs/energy-model.md, E = T_out·e_out + T_in·e_in, for a dense bf16 model of the given parameter
 * count at a GPU and batch size (default one A100 serving one request at a time, the paper's testbed; batch 1
 * lies below the fitted batch range, see docs/energy-model.md, validation).
 */
import { computeTaskBounds, type PoolTable } from '../data/pool.js';
import { cellRates, type EnergySetting } from '../data/energy/model.js';
import { valueAt } from '../data/columns.js';

export type { EnergySetting } from '../data/energy/model.js';

/** The paper's testbed: one A100, one request at a time. */
export const DEFAULT_ESTIMATE: EnergySetting = { gpu: 'A100', batch: 1 };

interface EstimateInput {
  paramsB: number;
  inputTokens: number;
  outputTokens: number;
}

/** Estimated joules for one request; NaN when an input is unknown. */
export function estimateEnergyJ(x: EstimateInput, s: EnergySetting = DEFAULT_ESTIMATE): number {
  const { paramsB: P, inputTokens: tin, outputTokens: tout } = x;
  if (!(P > 0) || !(tin >= 0) || !(tout >= 0)) return Number.NaN;
  const r = cellRates({ totalB: P, activeB: P, precision: 'bf16' }, s);
  return tout * r.eOut + tin * r.eIn;
}

/**
 * Fill the table's missing energy cells (present, energy NaN) with estimates, in place. Cells without a
 * parameter count or token counts stay missing. Returns the per-cell flag of estimated energy and counts.
 */
export function fillEnergyEstimates(t: PoolTable, s: EnergySetting = DEFAULT_ESTIMATE): { estimated: Uint8Array; filled: number; unfillable: number } {
  const M = t.nModels;
  const estimated = new Uint8Array(t.nQueries * M);
  let filled = 0;
  let unfillable = 0;
  for (let q = 0; q < t.nQueries; q++) {
    for (let m = 0; m < M; m++) {
      const i = q * M + m;
      if (!t.present[i] || Number.isFinite(t.energyJ[i])) continue;
      const e = estimateEnergyJ({ paramsB: t.models[m].paramsB, inputTokens: valueAt(t.inputTokens, i), outputTokens: valueAt(t.outputTokens, i) }, s);
      if (Number.isFinite(e)) {
        t.energyJ[i] = e;
        estimated[i] = 1;
        filled++;
      } else {
        unfillable++;
      }
    }
  }
  if (filled > 0) {
    // bounds computed while energy was missing are NaN; recompute those (given bounds are kept)
    const fresh = computeTaskBounds(t);
    for (const name of t.tasks) {
      const b = t.taskBounds.get(name);
      if (!b || !Number.isFinite(b.eptMin) || !Number.isFinite(b.eptMax)) t.taskBounds.set(name, fresh.get(name)!);
    }
  }
  return { estimated, filled, unfillable };
}
