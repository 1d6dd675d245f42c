/**
 * Fitted energy model, transcribed from `greenserv energy fit` (src/data/energy/fit.ts) on:
 * - ML.ENERGY leaderboard v3 (ML.ENERGY Benchmark, NeurIPS 2025 Datasets & Benchmarks), file
 *   mlenergy_v3_llm_configurations_flat.csv: 565 vLLM configurations, H100 and B200, three tasks;
 * - inference_energy_loadtest_per_model_gpu.csv: the four A100-80GB rows, for the A100 factor.
 * test/energy/fit.test.ts refits from those files and checks these numbers. See docs/energy-model.md.
 */
import type { EnergyCoefficients, Gpu } from './types.js';

export const COEFFICIENTS: EnergyCoefficients = {
  c0: -0.8835800633720126,
  cA: 0.8733301973324428,
  cR: 0.6159933115638204,
  cB: -0.924816142720507,
  cBB: 0.05378019688925183,
  b200: 0.2185009996011413,
  b200B: -0.07407814270867165,
  fp8: 0.05758031417116569,
  mxfp4: -1.1783815239936626,
  gpqa: 0.26751906344191867,
  fim: 0.7913410845088253,
  a100: 0.6646480294545287,
};

/**
 * Residual standard deviation of ln(J/output token) per GPU and batch bucket (max_num_seqs ≤8, ≤48, ≤192,
 * more). A100 adds the spread of its four load-test ratios (0.27) in quadrature to the H100 value.
 */
export const RESIDUAL_SD: Record<'H100' | 'B200', Record<8 | 32 | 128 | 512, number>> = {
  H100: { 8: 0.3543, 32: 0.3078, 128: 0.2623, 512: 0.2145 },
  B200: { 8: 0.3251, 32: 0.2828, 128: 0.3063, 512: 0.3993 },
};
export const A100_RATIO_SD = 0.2733;
/** Largest |ln(measured/fitted)| over the 565 rows. */
export const MAX_ABS_RESIDUAL = 1.4846;
/** Range of average batch sizes in the fitted rows; outside it the fit extrapolates. */
export const FITTED_BATCH_RANGE: readonly [number, number] = [7.45, 4095];

/**
 * Prefill (prompt token) energy is not identified by the data (see docs/energy-model.md); it is bounded by
 * compute: 2·A·10⁹ FLOP per prompt token at a model FLOP utilisation u, energy per FLOP = board power /
 * dense BF16 peak. Central u = 0.5, bounds u = 1 (lower) and u = 0.25 (upper).
 */
export const GPU_SPECS: Record<Gpu, { watts: number; peakFlops: number }> = {
  H100: { watts: 700, peakFlops: 989e12 },
  B200: { watts: 1000, peakFlops: 2250e12 },
  A100: { watts: 400, peakFlops: 312e12 },
};
export const PREFILL_MFU = { central: 0.5, low: 0.25, high: 1 } as const;
