/**
 * Calibration facts for the built-in `greenserv-pool` replica: published aggregate figures only, no per-query data.
 *
 * Sources (values as published; see datasets/README.md):
 * - GreenServ, arXiv 2601.17551, and the figures recovered from its public repository (datasets/README.md, calibration):
 *   per (model, task) accuracy and mean energy per token (`pool_task_aggregates.csv`, columns `accuracy`,
 *   `ept_J_per_token`; binary tasks decoded from λ = 0.5 rewards, cnn_dailymail implied from mean levels),
 *   per-model total energy over the 2,500 queries (`pool_aggregates.csv`, `total_energy_Wh_2500q__fig2b`,
 *   read from the paper's Fig. 2b) and latency percentiles in ms (paper Table 4).
 * - Per-model mean accuracy over all 2,500 queries (`pool_aggregates.csv`, `mean_acc_norm_all5__fig2b`, Fig. 2b)
 *   and the standard error of each recovered per-task accuracy (`pool_task_aggregates.csv`: `accuracy_se` for the
 *   binary tasks, `acc_minus_eptnorm_se` for cnn_dailymail, whose accuracy is implied from acc − ept_norm).
 * - Per-task energy-per-token normalisation bounds: root `config/metrics.yaml` of the reference code (docs/model.md §2.2).
 * - Per-task complexity-bin counts (thresholds 20/30): docs/features.md, complexity (an indicative reconstruction, not textstat output).
 * - Prompt lengths and generation limits: docs/model.md §1
 *
 * Model order and ids follow docs/model.md §1. `paramsB` is the reference config value, so phi-4-14b is 15 (the paper
 * says 14); hfName is the config handle (the paper's `microsoft/Phi-4-14B` does not exist).
 */

/** Task order of every per-task array in this file. */
export const CALIBRATION_TASKS = ['mmlu', 'hellaswag', 'winogrande', 'gsm8k', 'cnn_dailymail'] as const;
export type CalibrationTask = (typeof CALIBRATION_TASKS)[number];

/** Per-task numbers in CALIBRATION_TASKS order. */
export type PerTask = readonly [number, number, number, number, number];

interface LatencyPercentilesMs {
  min: number;
  p25: number;
  median: number;
  mean: number;
  p75: number;
  max: number;
}

export interface ModelCalibration {
  id: string;
  hfName: string;
  paramsB: number;
  /** Recovered mean accuracy per task (cnn_dailymail: unigram-set recall, continuous; docs/model.md §1.1). */
  accuracy: PerTask;
  /** Standard error of each recovered per-task accuracy. */
  accuracySe: PerTask;
  /** Mean accuracy over all 2,500 queries, paper Fig. 2b. */
  meanAccuracy: number;
  /** Mean energy per token per task, J/token, tokens = input + output (docs/model.md §1). */
  eptJPerToken: PerTask;
  /** Total GPU energy over all 2,500 queries, Wh. */
  totalEnergyWh: number;
  /** Latency over all 2,500 queries, ms (paper Table 4). */
  latencyMs: LatencyPercentilesMs;
}

function row(
  id: string,
  hfName: string,
  paramsB: number,
  accuracy: PerTask,
  eptJPerToken: PerTask,
  totalEnergyWh: number,
  lat: readonly [number, number, number, number, number, number],
): ModelCalibration {
  const [min, p25, median, mean, p75, max] = lat;
  const { meanAccuracy, se: accuracySe } = ACCURACY_FIT[id];
  return { id, hfName, paramsB, accuracy, accuracySe, meanAccuracy, eptJPerToken, totalEnergyWh, latencyMs: { min, p25, median, mean, p75, max } };
}

/** Fig. 2b mean accuracy per model and the recovered per-task standard errors (task order as CALIBRATION_TASKS). */
const ACCURACY_FIT: Readonly<Record<string, { meanAccuracy: number; se: PerTask }>> = {
  'qwen2.5-0.5b': { meanAccuracy: 0.3225, se: [0.03859, 0.04132, 0.03811, 0.02896, 0.01716] },
  'qwen2.5-1.5b': { meanAccuracy: 0.4998, se: [0.03484, 0.03247, 0.03311, 0.03252, 0.01415] },
  'qwen2.5-3b': { meanAccuracy: 0.5511, se: [0.02202, 0.02035, 0.02151, 0.02185, 0.0049] },
  'qwen2.5-7b': { meanAccuracy: 0.543, se: [0.03362, 0.02131, 0.02702, 0.03723, 0.00902] },
  'qwen2.5-14b': { meanAccuracy: 0.6498, se: [0.02351, 0.01907, 0.02883, 0.0305, 0.00812] },
  'mistral-7b': { meanAccuracy: 0.5334, se: [0.03111, 0.02987, 0.03477, 0.0325, 0.00933] },
  'gemma-3-1b': { meanAccuracy: 0.3951, se: [0.03758, 0.03683, 0.03219, 0.03803, 0.00872] },
  'gemma-3-4b': { meanAccuracy: 0.5482, se: [0.03881, 0.0326, 0.04041, 0.02671, 0.00879] },
  'gemma-3-12b': { meanAccuracy: 0.6812, se: [0.02088, 0.01653, 0.01973, 0.02009, 0.00613] },
  'gemma-3-27b': { meanAccuracy: 0.685, se: [0.03633, 0.02515, 0.03981, 0.03646, 0.01158] },
  'llama-3.2-1b': { meanAccuracy: 0.3713, se: [0.03105, 0.0362, 0.03064, 0.03567, 0.00519] },
  'llama-3.2-3b': { meanAccuracy: 0.4861, se: [0.03714, 0.03718, 0.03916, 0.03142, 0.00597] },
  'llama-3.1-8b': { meanAccuracy: 0.6023, se: [0.02212, 0.02208, 0.02204, 0.02084, 0.00527] },
  'phi-4-mini-4b': { meanAccuracy: 0.5836, se: [0.02949, 0.03165, 0.02438, 0.02329, 0.00803] },
  'phi-4-14b': { meanAccuracy: 0.3412, se: [0.03274, 0.03841, 0.03675, 0.037, 0.01196] },
  'yi-34b': { meanAccuracy: 0.3842, se: [0.03727, 0.03794, 0.03781, 0.0405, 0.01114] },
};

export const MODEL_CALIBRATION: readonly ModelCalibration[] = [
  //  id, HF name, params B, accuracy [mmlu, hellaswag, winogrande, gsm8k, cnn], J/token [same order], Wh, latency ms [min, p25, median, mean, p75, max]
  row('qwen2.5-0.5b', 'Qwen/Qwen2.5-0.5B-Instruct', 0.5, [0.42424, 0.36029, 0.48555, 0.14286, 0.28042], [0.04495, 0.02454, 0.07943, 0.76177, 0.1245], 52.463, [14.0, 43.2, 44.3, 686.1, 1402.9, 3350.8]),
  row('qwen2.5-1.5b', 'Qwen/Qwen2.5-1.5B-Instruct', 1.5, [0.53398, 0.61778, 0.49345, 0.48101, 0.32247], [0.05299, 0.03227, 0.09914, 1.43194, 0.1985], 91.037, [20.0, 48.9, 50.6, 976.1, 1926.0, 3907.8]),
  row('qwen2.5-3b', 'Qwen/Qwen2.5-3B-Instruct', 3, [0.59, 0.708, 0.638, 0.392, 0.42648], [0.06103, 0.03711, 0.10724, 2.32078, 0.3648], 152.154, [40.2, 50.4, 53.8, 1351.4, 2078.4, 4995.9]),
  row('qwen2.5-7b', 'Qwen/Qwen2.5-7B', 7, [0.55, 0.77895, 0.63323, 0.38012, 0.45034], [0.07593, 0.04577, 0.12143, 3.35472, 0.7225], 216.199, [38.4, 48.0, 56.4, 1880.2, 3525.7, 10523.9]),
  row('qwen2.5-14b', 'Qwen/Qwen2.5-14B-Instruct', 14, [0.73789, 0.84196, 0.80208, 0.55056, 0.38349], [0.13543, 0.0945, 0.2181, 5.49304, 0.8047], 325.426, [66.6, 70.7, 83.8, 1786.2, 2208.0, 7387.5]),
  row('mistral-7b', 'mistralai/Mistral-7B-Instruct-v0.3', 7, [0.56471, 0.70513, 0.57635, 0.41558, 0.48017], [0.06884, 0.05167, 0.10602, 2.426, 0.5321], 178.014, [42.1, 51.4, 60.9, 1103.2, 2345.4, 4324.3]),
  row('gemma-3-1b', 'google/gemma-3-1b-it', 1, [0.38095, 0.40782, 0.53527, 0.34395, 0.37932], [0.06091, 0.03418, 0.10433, 3.33982, 0.4704], 198.347, [52.4, 57.3, 68.2, 2848.3, 5026.1, 12666.0]),
  row('gemma-3-4b', 'google/gemma-3-4b-it', 4, [0.50299, 0.67633, 0.51299, 0.56812, 0.42017], [0.0938, 0.05596, 0.15079, 3.32955, 0.622], 213.209, [72.6, 75.8, 81.1, 2225.8, 3595.8, 9039.5]),
  row('gemma-3-12b', 'google/gemma-3-12b-it', 12, [0.68273, 0.83871, 0.74089, 0.72764, 0.41506], [0.0889, 0.07064, 0.18437, 5.90049, 1.328], 383.409, [48.2, 61.3, 83.0, 3104.4, 5771.0, 14296.9]),
  row('gemma-3-27b', 'google/gemma-3-27b-it', 27, [0.71613, 0.85938, 0.72441, 0.65497, 0.43878], [0.32254, 0.19872, 0.43586, 12.45075, 2.0029], 731.427, [158.4, 167.1, 199.7, 5088.3, 6639.8, 37972.6]),
  row('llama-3.2-1b', 'meta-llama/Llama-3.2-1B-Instruct', 1, [0.22527, 0.28662, 0.48315, 0.31977, 0.49673], [0.03463, 0.02054, 0.06779, 0.8556, 0.1938], 56.911, [19.8, 34.6, 36.1, 570.8, 1196.7, 2401.6]),
  row('llama-3.2-3b', 'meta-llama/Llama-3.2-3B-Instruct', 3, [0.45856, 0.42697, 0.5061, 0.54762, 0.45024], [0.05839, 0.0335, 0.09525, 1.65183, 0.3562], 113.892, [16.4, 47.1, 51.6, 977.9, 1955.6, 3936.4]),
  row('llama-3.1-8b', 'meta-llama/Llama-3.1-8B-Instruct', 8, [0.59635, 0.61856, 0.61807, 0.6953, 0.48746], [0.07898, 0.05132, 0.12408, 3.03574, 0.7004], 223.036, [42.1, 51.5, 60.8, 1366.5, 2491.6, 4603.7]),
  row('phi-4-mini-4b', 'microsoft/Phi-4-mini-instruct', 4, [0.55439, 0.64348, 0.66667, 0.62731, 0.38354], [0.06156, 0.03772, 0.109, 1.99399, 0.3188], 117.477, [18.3, 47.6, 52.7, 982.6, 1605.1, 4557.5]),
  row('phi-4-14b', 'microsoft/phi-4', 15, [0.22561, 0.34416, 0.25874, 0.63158, 0.2877], [0.12965, 0.09054, 0.21286, 4.85456, 0.6005], 293.662, [33.9, 62.7, 76.8, 1553.8, 2420.8, 6790.7]),
  row('yi-34b', '01-ai/Yi-34B', 34, [0.25, 0.61818, 0.2766, 0.33577, 0.3198], [0.24822, 0.19468, 0.34755, 8.18959, 1.3494], 440.466, [71.5, 113.8, 163.4, 2195.5, 3924.0, 14571.3]),
];

/** Energy-per-token normalisation bounds (J/token) per task, full precision (docs/model.md §2.2). */
export const TASK_EPT_BOUNDS: Readonly<Record<CalibrationTask, { eptMin: number; eptMax: number }>> = {
  mmlu: { eptMin: 0.00589002367859144, eptMax: 0.7173971270892932 },
  hellaswag: { eptMin: 0.006735516852890419, eptMax: 0.41918169083913165 },
  winogrande: { eptMin: 0.03782113531657628, eptMax: 0.5636844388097525 },
  gsm8k: { eptMin: 0.009110660492078117, eptMax: 19.037252740731375 },
  cnn_dailymail: { eptMin: 0.0011508638890426154, eptMax: 5.481949859030518 },
};

/** Queries per task in the pool (docs/model.md §1). */
export const QUERIES_PER_TASK = 500;

/** Queries per complexity bin 0/1/2 for each task (docs/features.md, complexity); each row sums to 500. */
export const COMPLEXITY_BIN_COUNTS: Readonly<Record<CalibrationTask, readonly [number, number, number]>> = {
  mmlu: [102, 64, 334],
  hellaswag: [156, 208, 136],
  winogrande: [76, 165, 259],
  gsm8k: [381, 98, 21],
  cnn_dailymail: [7, 75, 418],
};

/** Mean prompt length in characters and the generation limit per task (docs/model.md §1). */
export const TASK_PROMPTS: Readonly<Record<CalibrationTask, { meanChars: number; maxNewTokens: number }>> = {
  mmlu: { meanChars: 530, maxNewTokens: 1 },
  hellaswag: { meanChars: 887, maxNewTokens: 1 },
  winogrande: { meanChars: 204, maxNewTokens: 1 },
  gsm8k: { meanChars: 349, maxNewTokens: 256 },
  cnn_dailymail: { meanChars: 3918, maxNewTokens: 128 },
};

export function taskIndexOf(task: string): number {
  return (CALIBRATION_TASKS as readonly string[]).indexOf(task);
}
