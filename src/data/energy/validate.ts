/**
 * The energy model against the built-in pool: each model's total over the 2,500 queries from its parameter
 * count and the pool's token counts, next to the published total (GreenServ Fig. 2b, A100, batch 1).
 */
import { PREFILL_MFU } from './coefficients.js';
import { joulesPerInputToken, joulesPerOutputToken, logSpread } from './model.js';
import type { Gpu } from './types.js';
import { valueAt } from '../columns.js';

interface PoolCheckRow {
  model: string;
  paramsB: number;
  publishedWh: number;
  modelledWh: number;
  lowWh: number;
  highWh: number;
  /** modelled / published − 1 */
  relError: number;
}

export async function checkPool(gpu: Gpu, batch: number): Promise<PoolCheckRow[]> {
  const { loadGreenservPool } = await import('../builtin/greenserv-pool.js');
  const { MODEL_CALIBRATION } = await import('../builtin/calibration.js');
  const t = loadGreenservPool();
  const spread = Math.exp(1.6449 * logSpread({ gpu, batch }));
  const out: PoolCheckRow[] = [];
  for (const cal of MODEL_CALIBRATION) {
    const m = t.models.findIndex((x) => x.id === cal.id);
    if (m < 0) continue;
    const size = { totalB: cal.paramsB, activeB: cal.paramsB, precision: 'bf16' as const };
    let tin = 0;
    let tout = 0;
    for (let q = 0; q < t.nQueries; q++) {
      const i = q * t.nModels + m;
      if (!t.present[i]) continue;
      tin += valueAt(t.inputTokens, i);
      tout += valueAt(t.outputTokens, i);
    }
    const dec = tout * joulesPerOutputToken(size, { gpu, batch });
    const modelled = (dec + tin * joulesPerInputToken(size, gpu)) / 3600;
    out.push({
      model: cal.id,
      paramsB: cal.paramsB,
      publishedWh: cal.totalEnergyWh,
      modelledWh: modelled,
      lowWh: (dec / spread + tin * joulesPerInputToken(size, gpu, PREFILL_MFU.high)) / 3600,
      highWh: (dec * spread + tin * joulesPerInputToken(size, gpu, PREFILL_MFU.low)) / 3600,
      relError: modelled / cal.totalEnergyWh - 1,
    });
  }
  return out;
}
