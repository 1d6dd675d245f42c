/**
 * Energy estimate for a request when nothing was measured (`--estimate-energy`), from the parameter count P
 * (billions) and the token counts:
 *
 *   E = (T_out + 1)·(a + b·P) / B  +  T_out·f·P  +  T_in·c·P        [J]
 *
 * - (T_out + 1) forward steps (one prefill pass, then one per generated token), each costing a fixed overhead a
 *   plus b·P for streaming the weights; at batch/concurrency B that cost is shared by B requests;
 * - f·P per generated token that batching cannot remove (compute), c·P per prompt token (prefill compute).
 *
 * Calibration (see docs/profile-models.md for the error tables):
 * - a, b, c: least squares weighted by 1/E over the 16 × 5 (model, task) cells of the GreenServ pool at batch 1
 *   (paper testbed: one A100, HF transformers). Energy per cell = the published mean J/token
 *   (src/data/builtin/calibration.ts, datasets/README.md, calibration) × the cell's mean tokens; prompt tokens and the 1-token
 *   multiple-choice answers are known, the gsm8k/cnn_dailymail answer lengths are those of the built-in replica,
 *   which were solved so that every model's total matches the paper's Wh (Fig. 2b).
 * - f: least squares on ML.ENERGY leaderboard v3 measurements (H100, vLLM, dense bf16 models, lm-arena-chat,
 *   J per output token at each batch size), with a and b fixed; transcribed below.
 * Family effects are not modelled (for Gemma 3 the estimate is 25–60 % below the measurements), nor GPU type.
 */
import { computeTaskBounds, type PoolTable } from '../data/pool.js';

export interface EnergyModel {
  /** J per forward step, fixed overhead. */
  a: number;
  /** J per forward step per billion parameters (weight streaming). */
  b: number;
  /** J per prompt token per billion parameters (prefill compute). */
  c: number;
  /** J per generated token per billion parameters that batching does not amortise. */
  f: number;
}

/** Fitted as described above (reproduced by test/profiling/estimate.test.ts when ../shared is present). */
export const ENERGY_MODEL: EnergyModel = { a: 1.45, b: 0.502, c: 0.00505, f: 0.00537 };

export interface EstimateInput {
  paramsB: number;
  inputTokens: number;
  outputTokens: number;
  /** Requests served together (batch size / concurrency); 1 = one request at a time. */
  batch?: number;
}

/** Estimated joules for one request; NaN when an input is unknown. */
export function estimateEnergyJ(x: EstimateInput, m: EnergyModel = ENERGY_MODEL): number {
  const { paramsB: P, inputTokens: tin, outputTokens: tout } = x;
  const B = x.batch ?? 1;
  if (!(P > 0) || !(tin >= 0) || !(tout >= 0) || !(B >= 1)) return Number.NaN;
  return ((tout + 1) * (m.a + m.b * P)) / B + tout * m.f * P + tin * m.c * P;
}

/** Marginal J per generated token at batch B (what ML.ENERGY reports, prefill aside). */
export function energyPerOutputToken(paramsB: number, batch: number, m: EnergyModel = ENERGY_MODEL): number {
  return (m.a + m.b * paramsB) / batch + m.f * paramsB;
}

// ---- calibration data ----------------------------------------------------------------------------------------

/**
 * ML.ENERGY leaderboard v3 (ML.ENERGY, NeurIPS D&B 2025), file mlenergy_v3_llm_configurations_flat.csv:
 * task lm-arena-chat, H100, one GPU, bf16 dense models. Per model: parameters (B) and
 * [average batch size, energy per output token (J)] at each max_num_seqs setting.
 */
export const MLENERGY_H100: readonly { model: string; paramsB: number; points: readonly (readonly [number, number])[] }[] = [
  { model: 'Qwen/Qwen3-8B', paramsB: 8, points: [[8, 0.444], [16, 0.2587], [31.9, 0.1633], [63.9, 0.1192], [95.8, 0.1035], [127.8, 0.0966], [191.7, 0.0866], [255.5, 0.082], [383, 0.0753], [474.4, 0.0721]] },
  { model: 'meta-llama/Llama-3.1-8B-Instruct', paramsB: 8, points: [[8, 0.4548], [16, 0.2627], [31.9, 0.1651], [63.9, 0.1186], [95.7, 0.1029], [127.6, 0.0951], [191.7, 0.0837], [255.2, 0.0766], [383, 0.0742], [510.9, 0.0702], [690.9, 0.0713]] },
  { model: 'google/gemma-3-12b-it', paramsB: 12, points: [[8, 0.7021], [16, 0.4179], [31.9, 0.2708], [63.9, 0.2008], [95.8, 0.1785], [127.8, 0.1661]] },
  { model: 'Qwen/Qwen3-14B', paramsB: 14, points: [[8, 0.7061], [16, 0.3983], [31.9, 0.2441], [63.8, 0.1672], [95.9, 0.1435], [127.7, 0.1279], [191.7, 0.1154], [253.4, 0.1119]] },
  { model: 'google/gemma-3-27b-it', paramsB: 27, points: [[8, 1.5108], [16, 0.8634], [31.7, 0.5251]] },
  { model: 'Qwen/Qwen3-32B', paramsB: 32, points: [[8, 1.7257], [16, 0.9614], [29.3, 0.624]] },
];

/**
 * inference_energy_loadtest_per_model_gpu.csv (A100-80GB rows): active energy (J, idle removed) / tokens, and
 * the mean concurrency by Little's law (requests × mean latency / duration). Used for the error report only.
 */
export const LOADTEST_A100: readonly { model: string; paramsB: number; jPerToken: number; concurrency: number }[] = [
  { model: 'Qwen2.5-3B-Instruct', paramsB: 3, jPerToken: 144023.58 / 523341, concurrency: (4135 * 1.161) / 629.91 },
  { model: 'Qwen2.5-7B-Instruct', paramsB: 7, jPerToken: 174543.31 / 278378, concurrency: (2744 * 1.751) / 629.94 },
  { model: 'Meta-Llama-3-8B-Instruct', paramsB: 8, jPerToken: 191518.1 / 161649, concurrency: (7792 * 0.616) / 629.96 },
];

export interface CalibrationCell {
  model: string;
  task: string;
  paramsB: number;
  inputTokens: number;
  outputTokens: number;
  energyJ: number;
}

/** Fit a, b, c (batch 1, weighted least squares) with f fixed, then f on batched points with a, b fixed; iterate. */
export function fitEnergyModel(cells: readonly CalibrationCell[], batched: readonly { paramsB: number; batch: number; jPerToken: number }[], iterations = 8): EnergyModel {
  let f = 0;
  let a = 0;
  let b = 0;
  let c = 0;
  for (let it = 0; it < iterations; it++) {
    // normal equations of Σ (x·θ − y)²/E for θ = (a, b, c): weights between absolute and relative error,
    // so the long gsm8k/cnn requests that dominate a model's total are not drowned by the 1-token ones
    const A = [
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ];
    const r = [0, 0, 0];
    for (const k of cells) {
      const w = 1 / k.energyJ;
      const x = [k.outputTokens + 1, (k.outputTokens + 1) * k.paramsB, k.inputTokens * k.paramsB];
      const y = k.energyJ - k.outputTokens * f * k.paramsB;
      for (let i = 0; i < 3; i++) {
        r[i] += w * x[i] * y;
        for (let j = 0; j < 3; j++) A[i][j] += w * x[i] * x[j];
      }
    }
    [a, b, c] = solve3(A, r);
    let num = 0;
    let den = 0;
    for (const p of batched) {
      const w = 1 / (p.jPerToken * p.jPerToken);
      const resid = p.jPerToken - (a + b * p.paramsB) / p.batch;
      num += w * resid * p.paramsB;
      den += w * p.paramsB * p.paramsB;
    }
    f = den > 0 ? num / den : 0;
  }
  return { a, b, c, f };
}

function solve3(A: number[][], r: number[]): [number, number, number] {
  const M = A.map((row, i) => [...row, r[i]]);
  for (let col = 0; col < 3; col++) {
    let p = col;
    for (let i = col + 1; i < 3; i++) if (Math.abs(M[i][col]) > Math.abs(M[p][col])) p = i;
    [M[col], M[p]] = [M[p], M[col]];
    for (let i = 0; i < 3; i++) {
      if (i === col) continue;
      const k = M[i][col] / M[col][col];
      for (let j = col; j < 4; j++) M[i][j] -= k * M[col][j];
    }
  }
  return [M[0][3] / M[0][0], M[1][3] / M[1][1], M[2][3] / M[2][2]];
}

export function mlenergyPoints(): { model: string; paramsB: number; batch: number; jPerToken: number }[] {
  return MLENERGY_H100.flatMap((m) => m.points.map(([batch, jPerToken]) => ({ model: m.model, paramsB: m.paramsB, batch, jPerToken })));
}

/** The GreenServ calibration cells: published J/token per (model, task) × the built-in pool's mean tokens. */
export async function greenservCalibrationCells(): Promise<CalibrationCell[]> {
  const [{ loadGreenservPool }, { MODEL_CALIBRATION, CALIBRATION_TASKS }] = await Promise.all([
    import('../data/builtin/greenserv-pool.js'),
    import('../data/builtin/calibration.js'),
  ]);
  const t = loadGreenservPool();
  const M = t.nModels;
  const cells: CalibrationCell[] = [];
  for (const cal of MODEL_CALIBRATION) {
    const m = t.models.findIndex((x) => x.id === cal.id);
    if (m < 0) continue;
    CALIBRATION_TASKS.forEach((task, j) => {
      const k = t.tasks.indexOf(task);
      let tin = 0;
      let tout = 0;
      let n = 0;
      for (let q = 0; q < t.nQueries; q++) {
        if (t.queryTask[q] !== k || !t.present[q * M + m]) continue;
        tin += t.inputTokens[q * M + m];
        tout += t.outputTokens[q * M + m];
        n++;
      }
      if (n === 0) return;
      tin /= n;
      tout /= n;
      cells.push({ model: cal.id, task, paramsB: cal.paramsB, inputTokens: tin, outputTokens: tout, energyJ: cal.eptJPerToken[j] * (tin + tout) });
    });
  }
  return cells;
}

export interface ErrorRow {
  source: string;
  model: string;
  measured: number;
  estimated: number;
  /** estimated / measured − 1 */
  relError: number;
}

function row(source: string, model: string, measured: number, estimated: number): ErrorRow {
  return { source, model, measured, estimated, relError: estimated / measured - 1 };
}

/**
 * The estimate against measurements: GreenServ per-model total Wh over the 2,500 queries (paper Fig. 2b, with
 * the replica's token counts), ML.ENERGY H100 J per output token, and the A100 load test J per token.
 */
export async function energyModelErrors(m: EnergyModel = ENERGY_MODEL): Promise<ErrorRow[]> {
  const { MODEL_CALIBRATION } = await import('../data/builtin/calibration.js');
  const { loadGreenservPool } = await import('../data/builtin/greenserv-pool.js');
  const t = loadGreenservPool();
  const out: ErrorRow[] = [];
  for (const cal of MODEL_CALIBRATION) {
    const j = t.models.findIndex((x) => x.id === cal.id);
    if (j < 0) continue;
    let est = 0;
    for (let q = 0; q < t.nQueries; q++) {
      const i = q * t.nModels + j;
      if (t.present[i]) est += estimateEnergyJ({ paramsB: cal.paramsB, inputTokens: t.inputTokens[i], outputTokens: t.outputTokens[i] }, m);
    }
    out.push(row('greenserv Wh/2500 q (A100, batch 1)', cal.id, cal.totalEnergyWh, est / 3600));
  }
  for (const p of mlenergyPoints()) out.push(row(`ml.energy J/out-token (H100, batch ${p.batch})`, p.model, p.jPerToken, energyPerOutputToken(p.paramsB, p.batch, m)));
  for (const p of LOADTEST_A100) out.push(row(`load test J/token (A100, concurrency ${p.concurrency.toFixed(1)})`, p.model, p.jPerToken, energyPerOutputToken(p.paramsB, p.concurrency, m)));
  return out;
}

/** Median and max absolute relative error of rows whose source starts with `prefix`. */
export function errorSummary(rows: readonly ErrorRow[], prefix: string): { n: number; medianAbs: number; meanAbs: number; maxAbs: number } {
  const e = rows.filter((r) => r.source.startsWith(prefix)).map((r) => Math.abs(r.relError)).sort((x, y) => x - y);
  const n = e.length;
  const median = n === 0 ? Number.NaN : n % 2 ? e[(n - 1) / 2] : (e[n / 2 - 1] + e[n / 2]) / 2;
  return { n, medianAbs: median, meanAbs: n ? e.reduce((s, x) => s + x, 0) / n : Number.NaN, maxAbs: n ? e[n - 1] : Number.NaN };
}

/**
 * Fill the table's missing energy cells (present, energy NaN) with estimates, in place. Cells without a
 * parameter count or token counts stay missing. Returns the per-cell flag of estimated energy and counts.
 */
export function fillEnergyEstimates(
  t: PoolTable,
  opts: { batch?: number; model?: EnergyModel } = {},
): { estimated: Uint8Array; filled: number; unfillable: number } {
  const M = t.nModels;
  const estimated = new Uint8Array(t.nQueries * M);
  let filled = 0;
  let unfillable = 0;
  for (let q = 0; q < t.nQueries; q++) {
    for (let m = 0; m < M; m++) {
      const i = q * M + m;
      if (!t.present[i] || Number.isFinite(t.energyJ[i])) continue;
      const e = estimateEnergyJ({ paramsB: t.models[m].paramsB, inputTokens: t.inputTokens[i], outputTokens: t.outputTokens[i], batch: opts.batch }, opts.model);
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

/**
 * Out-of-sample check on the GreenServ pool: each model's total Wh predicted by a model fitted without that
 * model's cells (leave one model out).
 */
export async function leaveOneModelOut(): Promise<ErrorRow[]> {
  const cells = await greenservCalibrationCells();
  const { MODEL_CALIBRATION } = await import('../data/builtin/calibration.js');
  const batched = mlenergyPoints();
  return MODEL_CALIBRATION.filter((cal) => cells.some((c) => c.model === cal.id)).map((cal) => {
    const fit = fitEnergyModel(
      cells.filter((c) => c.model !== cal.id),
      batched,
    );
    // 500 queries per task: the cell means scale to the model's total
    const est = cells.filter((c) => c.model === cal.id).reduce((s, c) => s + 500 * estimateEnergyJ(c, fit), 0) / 3600;
    return row('greenserv leave-one-model-out Wh/2500 q', cal.id, cal.totalEnergyWh, est);
  });
}
