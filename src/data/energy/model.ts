/**
 * The energy model: J per output token (decode, from the ML.ENERGY fit) and J per prompt token (prefill,
 * a compute bound), for a model size, GPU and batch size. Per request: E = T_out·e_out + T_in·e_in.
 */
import { A100_RATIO_SD, COEFFICIENTS, FITTED_BATCH_RANGE, GPU_SPECS, PREFILL_MFU, RESIDUAL_SD } from './coefficients.js';
import type { EnergyCoefficients, Gpu, ModelSize } from './types.js';

export interface EnergySetting {
  gpu: Gpu;
  /** Average number of sequences decoded together. */
  batch: number;
}

/** J per output token (lm-arena-chat level: includes the prefill of chat-length prompts, see the docs). */
export function joulesPerOutputToken(m: ModelSize, s: EnergySetting, c: EnergyCoefficients = COEFFICIENTS): number {
  const lb = Math.log(s.batch);
  const b200 = s.gpu === 'B200' ? 1 : 0;
  let y = c.c0 + c.cA * Math.log(m.activeB) + c.cR * Math.log(m.totalB / m.activeB) + c.cB * lb + c.cBB * lb * lb + b200 * (c.b200 + c.b200B * lb);
  if (m.precision === 'fp8') y += c.fp8;
  else if (m.precision === 'mxfp4') y += c.mxfp4;
  if (s.gpu === 'A100') y += c.a100;
  return Math.exp(y);
}

/** J per prompt token at model FLOP utilisation `mfu` (2 FLOP per active parameter). */
export function joulesPerInputToken(m: ModelSize, gpu: Gpu, mfu: number = PREFILL_MFU.central): number {
  const g = GPU_SPECS[gpu];
  return (2 * m.activeB * 1e9 * g.watts) / (g.peakFlops * mfu);
}

/** σ of ln(e_out) for this setting: the residual spread of the nearest batch bucket. */
export function logSpread(s: EnergySetting): number {
  const b = s.batch <= 16 ? 8 : s.batch <= 64 ? 32 : s.batch <= 256 ? 128 : 512;
  if (s.gpu === 'A100') return Math.hypot(RESIDUAL_SD.H100[b], A100_RATIO_SD);
  return RESIDUAL_SD[s.gpu][b];
}

export function batchInFittedRange(batch: number): boolean {
  return batch >= FITTED_BATCH_RANGE[0] && batch <= FITTED_BATCH_RANGE[1];
}

/** Per-model constants for a hot loop over cells. */
interface CellRates {
  eOut: number;
  eIn: number;
}

export function cellRates(m: ModelSize, s: EnergySetting): CellRates {
  return { eOut: joulesPerOutputToken(m, s), eIn: joulesPerInputToken(m, s.gpu) };
}
