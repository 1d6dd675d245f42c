/**
 * The profile use case: per-model accuracy/energy profiles of a table, its Pareto front and static
 * baselines, optionally with estimated energy, written as a results directory.
 */
import { energyModelSizes, inputFiles } from './inputs.js';
import { AtomicDir } from '../core/atomic.js';
import { SettingError, warnSetting } from '../core/errors.js';
import { checkRequest } from './runConfig.js';
import { profileRequestSchema } from './profileConfig.js';
import type { Gpu } from '../data/energy/types.js';
import { loadTable, type LoadOptions } from '../data/load.js';
import { buildProfile, type FrontCost, type Profile } from '../metrics/profile.js';
import { profileFiles, profileHtmlChunks, renderProfileCharts } from '../report/profile.js';
import { fillEnergyEstimates } from '../profiling/estimate.js';

export interface ProfileRequest extends Pick<LoadOptions, 'queries' | 'models' | 'format' | 'bounds' | 'offline' | 'warn'> {
  /** Built-in dataset name or a file (default greenserv-pool). */
  data?: string;
  /** Accuracy–energy trade-off of the best static model (default 0.5, as `--lambda`). */
  lambda?: number;
  /** Cost axis of the Pareto front and cost term of the reward (default energy, as `--cost`). */
  cost?: FrontCost;
  /** Fill cells without a measured energy from the energy model (as `--estimate-energy`; implied by estimateBatch)… */
  estimateEnergy?: boolean;
  /** …at this batch size (default 1)… */
  estimateBatch?: number;
  /** …on this GPU (default A100, the paper's testbed). */
  estimateGpu?: Gpu;
  /**
   * Replace every cell's energy by the ML.ENERGY-fitted model (docs/energy-model.md), e.g.
   * `gpu=H100,batch=32`; the cells are then marked as estimated.
   */
  energyModel?: string;
  /** Write profile.json/csv, charts and profile.html here (atomically). */
  out?: string;
  force?: boolean;
}

/**
 * Load and profile a table; what the user should know goes to `warn`. The request is checked against the
 * command's settings (a bad value is a UsageError naming the field) and takes its defaults.
 */
export async function profileTable(request: ProfileRequest = {}): Promise<Profile> {
  const r = checkRequest(profileRequestSchema, request);
  // the command's --estimate-energy, or a batch size alone, asks for the estimate
  const estimateBatch = r.estimateBatch ?? (r.estimateEnergy === true ? 1 : undefined);
  // a bad energy model (a typo in it, or beside an estimate) fails before the output directory is opened or any data read
  const em = r.energyModel !== undefined ? await import('../data/energy/flag.js') : null;
  const emSpec = em ? em.parseEnergyModelFlag(r.energyModel!) : null;
  if (emSpec && estimateBatch !== undefined) throw new SettingError((n) => `${n('energyModel')} replaces every energy value and ${n('estimateEnergy')} fills the missing ones: give one of them`);
  // an unusable --out fails before any data is read
  const inputs = inputFiles(r.data, r.queries, r.models, r.bounds, energyModelSizes(r.energyModel));
  const dir = r.out !== undefined ? new AtomicDir(r.out, r.force === true, inputs) : null;
  try {
    let table = await loadTable(r.data ?? 'greenserv-pool', { queries: r.queries, models: r.models, format: r.format, bounds: r.bounds, offline: r.offline, warn: r.warn });
    let estimated: Uint8Array | null = null;
    if (em && emSpec) {
      table = (await em.applyEnergyModel(table, emSpec, r.data ?? 'greenserv-pool', r.format, r.warn)).table;
      estimated = Uint8Array.from(table.present);
    }
    if (estimateBatch !== undefined) {
      const e = fillEnergyEstimates(table, { gpu: r.estimateGpu ?? 'A100', batch: estimateBatch });
      estimated = e.estimated;
      if (e.filled === 0 && e.unfillable === 0) warnSetting(r.warn, (n) => `${n('estimateEnergy')}: every cell already has a measured energy; nothing estimated`);
      if (e.unfillable > 0) warnSetting(r.warn, (n) => `${n('estimateEnergy')}: ${e.unfillable} cells without energy lack params_b or token counts and stay empty`);
    }
    const profile = await buildProfile(table, { lambda: r.lambda, estimated, cost: r.cost });
    if (dir) {
      const charts = await renderProfileCharts(profile);
      // one file at a time, each written as it is made: not every file's text held at once
      for (const [name, data] of Object.entries(profileFiles(profile, charts))) {
        if (typeof data === 'string' || data instanceof Uint8Array) dir.write(name, data);
        else await dir.writeChunks(name, data);
      }
      await dir.writeChunks('profile.html', profileHtmlChunks(profile, charts));
      await dir.commitSettled();
    }
    return profile;
  } catch (e) {
    dir?.abort();
    throw e;
  }
}
