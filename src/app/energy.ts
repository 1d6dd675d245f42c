/**
 * Energy on RouterBench tables: modelled energy (docs/energy-model.md) becomes the cost axis the routers trade
 * accuracy against, and the energy metrics (docs/model.md §10) are computed for every router and baseline. The
 * sensitivity use case repeats that across GPUs and batch sizes.
 */
import { DataError, keepWhole, wholePieces } from '../core/errors.js';
import { attachEnergy, type AttachResult } from '../data/energy/attach.js';
import { tableRowTokens } from '../data/energy/responses.js';
import { readSizesFile } from '../data/energy/sizes.js';
import { loadTokenizer } from '../data/energy/tokens.js';
import { parseEnergyModelFlag, type EnergyModelSpec } from '../data/energy/flag.js';
import { batchInFittedRange } from '../data/energy/model.js';
import type { Gpu } from '../data/energy/types.js';
import type { PoolTable } from '../data/pool.js';
import { energyMetrics, type EnergyMetrics } from '../metrics/energy.js';
import type { EvaluateSummary } from '../metrics/routerbench.js';

export interface EnergyTable {
  /** The table with energy_j filled and its cost column holding the same joules. */
  table: PoolTable;
  attach: AttachResult;
}

/** Modelled energy as the cost axis: energy_j attached (replacing any) and costUsd set to the same joules. */
export async function energyCostTable(t: PoolTable, files: readonly string[], spec: EnergyModelSpec, o: { format?: string; warn?: (m: string) => void } = {}): Promise<EnergyTable> {
  const models = spec.models ? readSizesFile(spec.models) : null;
  const tokenizer = await loadTokenizer(spec.tokenizer);
  const rows = await tableRowTokens(t, files, tokenizer, o.format);
  const source = files.length === 1 ? files[0] : t.name;
  let attach: AttachResult;
  try {
    attach = attachEnergy(t, { gpu: spec.gpu, batch: spec.batch, models, tokenizer, responseTokens: rows?.output, promptTokens: rows?.input, overwrite: true, source });
  } catch (e) {
    if (e instanceof DataError && /no output_tokens and no response text/.test(e.message)) {
      const command = 'greenserv energy attach <source> --assume-output-tokens <n>';
      throw keepWhole(new DataError(`${e.message.replace(/ \(--assume-output-tokens[^)]*\)/, '')}; write a table with tokens first: ${command}`), ...wholePieces(e), command);
    }
    throw e;
  }
  for (const w of attach.warnings) o.warn?.(w);
  return { table: withEnergyCost(attach.table), attach };
}

/**
 * The same table at another GPU and batch size, from the token counts it already holds. `first` is the
 * attachment that counted them: its sizes are reused, since the attached table records only total parameters
 * and would price a mixture-of-experts model as dense.
 */
export function reattach(t: PoolTable, gpu: Gpu, batch: number, first: AttachResult): EnergyTable {
  const sizes = new Map(first.models.map((m) => [m.id, m.size]));
  const attach = attachEnergy(t, { gpu, batch, models: sizes, overwrite: true, source: t.name });
  return { table: withEnergyCost(attach.table), attach };
}

function withEnergyCost(t: PoolTable): PoolTable {
  return { ...t, costUsd: t.energyJ };
}

/** The `energy` block of summary.json under `--cost energy` (docs/energy-model.md). */
export interface EvaluateEnergy {
  energyModel: { gpu: Gpu; batch: number; models: string | null; tokenizer: string; inFittedRange: boolean };
  tokens: AttachResult['tokens'];
  /** Per model: size, J per output and prompt token, total over the table's cells and its 90 % band. */
  models: { id: string; totalB: number; activeB: number; precision: string; sizeFrom: string; jPerOutputToken: number; jPerInputToken: number; totalJ: number; lowJ: number; highJ: number }[];
  metrics: EnergyMetrics;
}

/** Parse `--energy-model` and put the modelled energy on the table's cost axis. */
export async function energyForEvaluate(t: PoolTable, files: readonly string[], energyModel: string, o: { format?: string; warn?: (m: string) => void } = {}): Promise<EnergyTable & { spec: EnergyModelSpec }> {
  const spec = parseEnergyModelFlag(energyModel);
  return { ...(await energyCostTable(t, files, spec, o)), spec };
}

export function evaluateEnergy(t: PoolTable, s: EvaluateSummary, spec: EnergyModelSpec, attach: AttachResult): EvaluateEnergy {
  return {
    energyModel: { gpu: spec.gpu, batch: spec.batch, models: spec.models ?? null, tokenizer: spec.tokenizer, inFittedRange: batchInFittedRange(spec.batch) },
    tokens: attach.tokens,
    models: attach.models.map((m) => ({
      id: m.id,
      totalB: m.size.totalB,
      activeB: m.size.activeB,
      precision: m.size.precision,
      sizeFrom: m.size.source,
      jPerOutputToken: m.eOut,
      jPerInputToken: m.eIn,
      totalJ: m.totalJ,
      lowJ: m.lowJ,
      highJ: m.highJ,
    })),
    metrics: energyMetrics(t, s),
  };
}
