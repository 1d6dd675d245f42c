/**
 * The column layout of a wide table (wide.ts): which columns hold the query id, task, text, cluster,
 * complexity and embedding, and which hold each model's metrics, under the RouterBench and the GreenServ
 * wide conventions.
 */
import { DataError } from '../../core/errors.js';
import { own } from '../../core/dict.js';
import type { ModelInfo } from '../pool.js';
import { LONG_METRIC_COLUMNS, N_METRICS, K_ACC, K_COST } from './longBuilder.js';
import { embeddingColumns } from './embedding.js';

const ID_COLUMNS = ['query_id', 'sample_id'];
const TASK_COLUMNS = ['task', 'eval_name'];
const TEXT_COLUMNS = ['text', 'prompt'];
const IGNORED_COLUMNS = new Set(['', 'unnamed: 0', 'index', '__index_level_0__', 'oracle_model_to_route_to']);
const SUFFIX_METRIC: Record<string, number> = {
  accuracy: K_ACC,
  correctness: K_ACC,
  energy_j: 1,
  latency_s: 2,
  input_tokens: 3,
  output_tokens: 4,
  cost_usd: K_COST,
  total_cost: K_COST,
};
const IGNORED_SUFFIXES = new Set(['model_response', 'response']);

export interface WideLayout {
  idCol: number;
  taskCol: number;
  textCol: number;
  clusterCol: number;
  complexityCol: number;
  /** `emb_0 … emb_n` columns in order (empty when none). */
  embCols: Int32Array;
  /** An `embedding` column holding a list of numbers per row, or -1. */
  embeddingCol: number;
  /** RouterBench prompts are stringified Python lists. */
  decodePrompt: boolean;
  models: ModelInfo[];
  /** metricCols[k][m]: column index of metric k for model m, or -1. */
  metricCols: Int32Array[];
  ignored: string[];
}

/** Does this header look like a wide table (either convention)? */
export function isWideHeader(columns: string[]): boolean {
  const lc = columns.map((c) => c.trim().toLowerCase());
  if (lc.includes('sample_id')) return true;
  return lc.some((c) => c.endsWith('|accuracy') || c.endsWith('|total_cost') || c.endsWith('|cost_usd'));
}

export function classifyWideColumns(columns: string[], file: string): WideLayout {
  const lc = columns.map((c) => c.trim().toLowerCase());
  const find = (names: string[]): number => {
    for (const n of names) {
      const i = lc.indexOf(n);
      if (i >= 0) return i;
    }
    return -1;
  };
  const idCol = find(ID_COLUMNS);
  if (idCol < 0) throw new DataError(`wide table needs a query id column (${ID_COLUMNS.join(' or ')})`, file, 1, ID_COLUMNS[0]);
  const taskCol = find(TASK_COLUMNS);
  const textCol = find(TEXT_COLUMNS);
  const clusterCol = lc.indexOf('cluster');
  const complexityCol = lc.indexOf('complexity');
  const { embCols, embeddingCol } = embeddingColumns(columns, lc, file);
  const reserved = new Set([idCol, taskCol, textCol, clusterCol, complexityCol, embeddingCol, ...embCols]);
  const greenservWide = lc.some((c) => c.endsWith('|accuracy'));
  const modelIdx = new Map<string, number>();
  const models: ModelInfo[] = [];
  const cells: { m: string; k: number; col: number }[] = [];
  const ignored: string[] = [];
  columns.forEach((raw, col) => {
    if (reserved.has(col)) return;
    const name = raw.trim();
    if (IGNORED_COLUMNS.has(name.toLowerCase()) || /^unnamed: \d+$/i.test(name)) return;
    const bar = name.lastIndexOf('|');
    let model: string;
    let k: number;
    if (bar > 0) {
      const suffix = name.slice(bar + 1).toLowerCase();
      if (IGNORED_SUFFIXES.has(suffix)) return;
      const kk = own(SUFFIX_METRIC, suffix);
      if (kk === undefined) {
        ignored.push(name);
        return;
      }
      model = name.slice(0, bar);
      k = kk;
    } else if (!greenservWide) {
      model = name;
      k = K_ACC;
    } else {
      ignored.push(name);
      return;
    }
    if (k === K_ACC && !modelIdx.has(model)) {
      modelIdx.set(model, models.length);
      models.push({ id: model, name: model, paramsB: Number.NaN });
    }
    cells.push({ m: model, k, col });
  });
  if (models.length === 0) throw new DataError('wide table has no model correctness/accuracy columns', file, 1);
  const metricCols: Int32Array[] = [];
  for (let k = 0; k < N_METRICS; k++) metricCols.push(new Int32Array(models.length).fill(-1));
  for (const c of cells) {
    const m = modelIdx.get(c.m);
    if (m === undefined) {
      // A metric column for a model without a correctness column cannot be used.
      ignored.push(columns[c.col]);
      continue;
    }
    if (metricCols[c.k][m] >= 0) throw new DataError(`two columns give ${LONG_METRIC_COLUMNS[c.k]} for model '${c.m}'`, file, 1, columns[c.col]);
    metricCols[c.k][m] = c.col;
  }
  return {
    idCol,
    taskCol,
    textCol,
    clusterCol,
    complexityCol,
    embCols,
    embeddingCol,
    decodePrompt: lc[textCol] === 'prompt',
    models,
    metricCols,
    ignored,
  };
}
