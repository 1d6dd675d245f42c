/** Shared types of the energy model (src/data/energy). */

export const GPUS = ['H100', 'B200', 'A100'] as const;
export type Gpu = (typeof GPUS)[number];

export const PRECISIONS = ['bf16', 'fp8', 'mxfp4'] as const;
export type Precision = (typeof PRECISIONS)[number];

/** What the energy model needs to know about one model. */
export interface ModelSize {
  /** Total parameters, billions. */
  totalB: number;
  /** Parameters active per token (MoE), billions; equals totalB for dense models. */
  activeB: number;
  precision: Precision;
}

/**
 * Coefficients of the per-output-token fit
 *   ln e_out = c0 + cA·ln A + cR·ln(T/A) + cB·ln b + cBB·(ln b)² + gpu[g] + gpuB[g]·ln b + prec[p]
 * (A, T in billions, b = average batch size). gpu/gpuB for H100 are 0 (reference level).
 */
export interface EnergyCoefficients {
  c0: number;
  cA: number;
  cR: number;
  cB: number;
  cBB: number;
  b200: number;
  b200B: number;
  fp8: number;
  mxfp4: number;
  /** Task effects of the fit (reported, not used for prediction: prediction is at lm-arena-chat). */
  gpqa: number;
  fim: number;
  /** ln(A100 / H100) from the load test, applied to the H100 prediction. */
  a100: number;
}
