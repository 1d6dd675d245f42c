/**
 * Fitting the energy model on the ML.ENERGY leaderboard v3 configurations (mlenergy_v3_llm_configurations_flat.csv)
 * and the A100 load test (inference_energy_loadtest_per_model_gpu.csv). The data stays outside the repository:
 * `greenserv energy fit` and the tests read it; src/data/energy/coefficients.ts holds the transcribed result.
 */
import { parse } from 'csv-parse/sync';
import { lusolve } from 'mathjs';
import { DataError } from '../../core/errors.js';
import { readFileBounded } from '../../core/readFile.js';
import { own } from '../../core/dict.js';
import type { EnergyCoefficients } from './types.js';

/** Larger inputs are refused: the real files are a few hundred KiB. */
const MAX_FIT_FILE_BYTES = 16 * 1024 * 1024;

interface MlEnergyRow {
  line: number;
  model: string;
  task: string;
  gpu: 'H100' | 'B200';
  activeB: number;
  totalB: number;
  precision: 'bf16' | 'fp8' | 'mxfp4';
  maxNumSeqs: number;
  avgBatch: number;
  /** Measured J per output token. */
  jPerToken: number;
}

function readCsv(file: string, required: readonly string[]): { rows: Record<string, string>[]; firstLine: number } {
  // regular files only, bounded before reading: a device or FIFO would otherwise fill memory or block
  const bytes = readFileBounded(file, 'measurements file', MAX_FIT_FILE_BYTES);
  let rows: Record<string, string>[];
  try {
    rows = parse(bytes, { columns: true, skip_empty_lines: true, bom: true }) as Record<string, string>[];
  } catch (e) {
    const line = (e as { lines?: number }).lines;
    throw new DataError(`not a readable CSV: ${(e as Error).message.split('\n')[0]}`, file, line);
  }
  if (rows.length === 0) throw new DataError('no data rows', file);
  for (const c of required) if (!(c in rows[0])) throw new DataError(`missing column '${c}'`, file, 1, c);
  return { rows, firstLine: 2 };
}

function positive(file: string, line: number, col: string, raw: string | undefined): number {
  const v = Number(raw);
  if (raw === undefined || raw.trim() === '' || !Number.isFinite(v) || v <= 0) throw new DataError(`'${raw ?? ''}' is not a positive number`, file, line, col);
  return v;
}

const ML_COLUMNS = ['task', 'model_id', 'gpu_model', 'activated_params_billions', 'total_params_billions', 'weight_precision', 'max_num_seqs', 'avg_batch_size', 'energy_per_token_joules'] as const;

export function readMlEnergy(file: string): MlEnergyRow[] {
  const { rows } = readCsv(file, ML_COLUMNS);
  return rows.map((r, i) => {
    const line = i + 2;
    const gpu = r.gpu_model;
    if (gpu !== 'H100' && gpu !== 'B200') throw new DataError(`GPU '${gpu}' is not H100 or B200`, file, line, 'gpu_model');
    const p = r.weight_precision === 'bfloat16' ? 'bf16' : r.weight_precision;
    if (p !== 'bf16' && p !== 'fp8' && p !== 'mxfp4') throw new DataError(`precision '${r.weight_precision}' is not bfloat16, fp8 or mxfp4`, file, line, 'weight_precision');
    const activeB = positive(file, line, 'activated_params_billions', r.activated_params_billions);
    const totalB = positive(file, line, 'total_params_billions', r.total_params_billions);
    if (activeB > totalB) throw new DataError(`active parameters ${activeB} exceed total ${totalB}`, file, line, 'activated_params_billions');
    return {
      line,
      model: r.model_id,
      task: r.task,
      gpu,
      activeB,
      totalB,
      precision: p,
      maxNumSeqs: positive(file, line, 'max_num_seqs', r.max_num_seqs),
      avgBatch: positive(file, line, 'avg_batch_size', r.avg_batch_size),
      jPerToken: positive(file, line, 'energy_per_token_joules', r.energy_per_token_joules),
    };
  });
}

/** Regressors of one row, in the order of COEF_NAMES (task indicators included). */
export function designRow(x: { activeB: number; totalB: number; batch: number; gpu: string; precision: string; task?: string }): number[] {
  const lb = Math.log(x.batch);
  const b200 = x.gpu === 'B200' ? 1 : 0;
  return [
    1,
    Math.log(x.activeB),
    Math.log(x.totalB / x.activeB),
    lb,
    lb * lb,
    b200,
    b200 * lb,
    x.precision === 'fp8' ? 1 : 0,
    x.precision === 'mxfp4' ? 1 : 0,
    x.task === 'gpqa' ? 1 : 0,
    x.task === 'sourcegraph-fim' ? 1 : 0,
  ];
}

const COEF_NAMES = ['c0', 'cA', 'cR', 'cB', 'cBB', 'b200', 'b200B', 'fp8', 'mxfp4', 'gpqa', 'fim'] as const;

function coefVector(c: EnergyCoefficients): number[] {
  return COEF_NAMES.map((k) => c[k]);
}

/** Ordinary least squares on ln(J per output token). */
function fitMlEnergy(rows: readonly MlEnergyRow[]): Omit<EnergyCoefficients, 'a100'> {
  const k = COEF_NAMES.length;
  const A = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const r = new Array<number>(k).fill(0);
  for (const x of rows) {
    const d = designRow({ ...x, batch: x.avgBatch });
    const y = Math.log(x.jPerToken);
    for (let i = 0; i < k; i++) {
      r[i] += d[i] * y;
      for (let j = 0; j < k; j++) A[i][j] += d[i] * d[j];
    }
  }
  const beta = (lusolve(A, r) as number[][]).map((v) => v[0]);
  const out = {} as Record<(typeof COEF_NAMES)[number], number>;
  COEF_NAMES.forEach((n, i) => (out[n] = beta[i]));
  return out;
}

interface LoadTestRow {
  line: number;
  model: string;
  jPerToken: number;
  /** Mean requests in flight (Little's law: requests × mean latency / duration). */
  concurrency: number;
}

/** A100 rows of the load test. Its total_tokens are output tokens (they match the decode time per token). */
export function readLoadTestA100(file: string): LoadTestRow[] {
  const { rows } = readCsv(file, ['gpu', 'model', 'energy_per_token_J', 'total_requests', 'avg_latency_s', 'total_time_s']);
  const out: LoadTestRow[] = [];
  rows.forEach((r, i) => {
    if (!r.gpu.startsWith('A100')) return;
    const line = i + 2;
    const req = positive(file, line, 'total_requests', r.total_requests);
    out.push({
      line,
      model: r.model,
      jPerToken: positive(file, line, 'energy_per_token_J', r.energy_per_token_J),
      concurrency: (req * positive(file, line, 'avg_latency_s', r.avg_latency_s)) / positive(file, line, 'total_time_s', r.total_time_s),
    });
  });
  if (out.length === 0) throw new DataError('no A100 rows', file);
  return out;
}

/** Sizes of the load test's models (public model cards; gpt-oss-20b: 21 B total, 3.6 B active, MXFP4 experts). */
const LOADTEST_MODELS: Record<string, { activeB: number; totalB: number; precision: 'bf16' | 'mxfp4' }> = {
  'Qwen2.5-3B-Instruct': { activeB: 3.1, totalB: 3.1, precision: 'bf16' },
  'Qwen2.5-7B-Instruct': { activeB: 7.6, totalB: 7.6, precision: 'bf16' },
  'Meta-Llama-3-8B-Instruct': { activeB: 8.0, totalB: 8.0, precision: 'bf16' },
  'gpt-oss-20b': { activeB: 3.6, totalB: 21, precision: 'mxfp4' },
};

/** ln(A100 / H100): mean log ratio of the A100 measurements to the H100 prediction at the same concurrency. */
function fitA100(rows: readonly LoadTestRow[], c: Omit<EnergyCoefficients, 'a100'>, file: string): { a100: number; ratios: { model: string; ratio: number }[] } {
  const beta = COEF_NAMES.map((k) => c[k]);
  const ratios = rows.map((r) => {
    const m = own(LOADTEST_MODELS, r.model);
    if (!m) throw new DataError(`model '${r.model}' has no known size`, file, r.line, 'model');
    const d = designRow({ ...m, batch: r.concurrency, gpu: 'H100' });
    const pred = Math.exp(d.reduce((s, v, i) => s + v * beta[i], 0));
    return { model: r.model, ratio: r.jPerToken / pred };
  });
  return { a100: ratios.reduce((s, r) => s + Math.log(r.ratio), 0) / ratios.length, ratios };
}

/** Batch buckets of the residual report, by max_num_seqs. */
export function batchBucket(maxNumSeqs: number): 8 | 32 | 128 | 512 {
  if (maxNumSeqs <= 8) return 8;
  if (maxNumSeqs <= 48) return 32;
  if (maxNumSeqs <= 192) return 128;
  return 512;
}

interface ResidualCell {
  gpu: string;
  bucket: number;
  n: number;
  mean: number;
  sd: number;
  maxAbs: number;
}

/** ln(measured / fitted) per row, summarised per GPU × batch bucket. */
function residualTable(rows: readonly MlEnergyRow[], c: EnergyCoefficients): { cells: ResidualCell[]; all: ResidualCell; residuals: number[] } {
  const beta = coefVector(c);
  const residuals = rows.map((x) => {
    const d = designRow({ ...x, batch: x.avgBatch });
    return Math.log(x.jPerToken) - d.reduce((s, v, i) => s + v * beta[i], 0);
  });
  const summarise = (gpu: string, bucket: number, idx: number[]): ResidualCell => {
    const v = idx.map((i) => residuals[i]);
    const n = v.length;
    const mean = v.reduce((s, x) => s + x, 0) / n;
    const sd = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(1, n - 1));
    return { gpu, bucket, n, mean, sd, maxAbs: Math.max(...v.map(Math.abs)) };
  };
  const cells: ResidualCell[] = [];
  for (const gpu of ['H100', 'B200']) {
    for (const b of [8, 32, 128, 512]) {
      const idx = rows.flatMap((x, i) => (x.gpu === gpu && batchBucket(x.maxNumSeqs) === b ? [i] : []));
      if (idx.length > 0) cells.push(summarise(gpu, b, idx));
    }
  }
  return { cells, all: summarise('all', 0, rows.map((_, i) => i)), residuals };
}

/** The whole fit, as `greenserv energy fit` prints it and coefficients.ts transcribes it. */
export function fitEnergyModelFiles(mlenergyFile: string, loadtestFile: string): {
  coefficients: EnergyCoefficients;
  rows: MlEnergyRow[];
  a100Ratios: { model: string; ratio: number }[];
  residuals: ReturnType<typeof residualTable>;
} {
  const rows = readMlEnergy(mlenergyFile);
  const base = fitMlEnergy(rows);
  const { a100, ratios } = fitA100(readLoadTestA100(loadtestFile), base, loadtestFile);
  const coefficients = { ...base, a100 };
  return { coefficients, rows, a100Ratios: ratios, residuals: residualTable(rows, coefficients) };
}
