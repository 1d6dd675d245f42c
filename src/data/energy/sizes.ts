/**
 * Model sizes for the energy model: `--models <csv>` overrides, then the table's own parameter counts (with a
 * default's active count when the totals agree), then the defaults below, then a size in the model name
 * ("…-13B-…"). The API models' sizes are not public: their defaults are stated assumptions
 * (docs/energy-model.md), to be overridden when better figures are known.
 */
import { parse } from 'csv-parse/sync';
import { DataError } from '../../core/errors.js';
import { readFileBounded } from '../../core/readFile.js';
import { own } from '../../core/dict.js';
import { PRECISIONS, type ModelSize, type Precision } from './types.js';

export interface SizeEntry extends ModelSize {
  /** Where the figure comes from, shown by `energy attach`. */
  source: string;
}

const dense = (b: number, source: string): SizeEntry => ({ totalB: b, activeB: b, precision: 'bf16', source });

/** RouterBench's eleven models. */
const DEFAULT_SIZES: Record<string, SizeEntry> = {
  'WizardLM/WizardLM-13B-V1.2': dense(13, 'model card'),
  'meta/code-llama-instruct-34b-chat': dense(34, 'model card'),
  'meta/llama-2-70b-chat': dense(70, 'model card'),
  'mistralai/mistral-7b-chat': dense(7.2, 'model card'),
  'mistralai/mixtral-8x7b-chat': { totalB: 46.7, activeB: 12.9, precision: 'bf16', source: 'model card' },
  'zero-one-ai/Yi-34B-Chat': dense(34.4, 'model card'),
  'gpt-3.5-turbo-1106': dense(20, 'assumption: not disclosed'),
  'gpt-4-1106-preview': { totalB: 1760, activeB: 280, precision: 'bf16', source: 'assumption: not disclosed' },
  'claude-instant-v1': dense(20, 'assumption: not disclosed'),
  'claude-v1': dense(175, 'assumption: not disclosed'),
  'claude-v2': dense(175, 'assumption: not disclosed'),
};

const MAX_SIZES_FILE_BYTES = 1024 * 1024;

/** Read a `--models` file: model, total_params_b[, active_params_b, precision]. */
export function readSizesFile(file: string): Map<string, SizeEntry> {
  // regular files only, bounded before reading: a device or FIFO would otherwise fill memory or block
  const bytes = readFileBounded(file, 'models file', MAX_SIZES_FILE_BYTES);
  let rows: string[][];
  try {
    rows = parse(bytes, { bom: true, skip_empty_lines: true, relax_column_count: true }) as string[][];
  } catch (e) {
    throw new DataError(`not a readable CSV: ${(e as Error).message.split('\n')[0]}`, file, (e as { lines?: number }).lines);
  }
  if (rows.length === 0) throw new DataError('empty models file (expected a header: model,total_params_b[,active_params_b,precision])', file);
  const head = rows[0].map((c) => c.trim().toLowerCase());
  // a misspelt column (active_param_b) would otherwise be ignored and the model priced as dense bf16
  const known = ['model', 'total_params_b', 'active_params_b', 'precision'];
  head.forEach((c, i) => {
    if (!known.includes(c)) throw new DataError(`unknown column '${rows[0][i].trim()}' (expected ${known.join(', ')})`, file, 1, rows[0][i].trim());
    if (head.indexOf(c) !== i) throw new DataError(`column '${c}' appears twice`, file, 1, c);
  });
  const col = (n: string): number => head.indexOf(n);
  const [cm, ct, ca, cp] = [col('model'), col('total_params_b'), col('active_params_b'), col('precision')];
  if (cm < 0) throw new DataError("missing column 'model'", file, 1, 'model');
  if (ct < 0) throw new DataError("missing column 'total_params_b'", file, 1, 'total_params_b');
  const out = new Map<string, SizeEntry>();
  for (let r = 1; r < rows.length; r++) {
    const line = r + 1;
    const cells = rows[r];
    const get = (c: number): string => (c >= 0 && c < cells.length ? cells[c].trim() : '');
    const model = get(cm);
    if (model === '') throw new DataError('empty model name', file, line, 'model');
    if (out.has(model)) throw new DataError(`model '${model}' listed twice`, file, line, 'model');
    const totalB = billions(get(ct), file, line, 'total_params_b');
    const activeB = get(ca) === '' ? totalB : billions(get(ca), file, line, 'active_params_b');
    if (activeB > totalB) throw new DataError(`active parameters ${activeB} exceed total ${totalB}`, file, line, 'active_params_b');
    const p = get(cp) === '' ? 'bf16' : get(cp).toLowerCase();
    if (!(PRECISIONS as readonly string[]).includes(p)) throw new DataError(`precision '${get(cp)}' is not one of ${PRECISIONS.join(', ')}`, file, line, 'precision');
    out.set(model, { totalB, activeB, precision: p as Precision, source: file });
  }
  return out;
}

/** Up to 100,000 B (10¹⁴ parameters): larger is a unit mistake. */
function billions(raw: string, file: string, line: number, column: string): number {
  const v = Number(raw);
  if (raw === '' || !Number.isFinite(v) || v <= 0 || v > 1e5) throw new DataError(`'${raw}' is not a parameter count in billions (0 < n ≤ 100000)`, file, line, column);
  return v;
}

/** A size written in the name: "13B", "7b", "1.5B", as a separate part of the name. */
function sizeFromName(id: string): number {
  const m = /(?:^|[^a-z0-9.])(\d+(?:\.\d+)?)b(?:$|[^a-z0-9])/i.exec(id);
  if (!m || /\d+x\d+(?:\.\d+)?b/i.test(id)) return Number.NaN; // "8x7b": expert count × size, not a total
  const v = Number(m[1]);
  return v > 0 ? v : Number.NaN;
}

/** The size of each model, or a DataError naming the first model without one. */
export function resolveSizes(models: readonly { id: string; paramsB: number }[], overrides: Map<string, SizeEntry> | null, source: string): SizeEntry[] {
  return models.map((m) => {
    const o = overrides?.get(m.id);
    if (o) return o;
    const d = own(DEFAULT_SIZES, m.id);
    // a table records one count; when it is a default's total (e.g. written by energy attach), the default also knows the active count
    if (m.paramsB > 0) return d && Math.abs(d.totalB - m.paramsB) <= 1e-9 * d.totalB ? d : dense(m.paramsB, 'table');
    if (d) return d;
    const n = sizeFromName(m.id);
    if (n > 0) return dense(n, 'model name');
    throw new DataError(`model '${m.id}' has no known parameter count: give it in a --models file (model,total_params_b,active_params_b,precision)`, source);
  });
}
