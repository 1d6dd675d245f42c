/**
 * The recovered GreenServ pairs (`recovered_pairs_lambda0p5.csv`, datasets/README.md, calibration): outcomes decoded from the
 * published λ = 0.5 logs. Only J/token survives, not joules or token counts, so each cell stores
 * energy_j = J/token with input_tokens = 1 and output_tokens = 0; energy per token (what the reward
 * uses) is then exact, while per-query joules are not available. cnn_dailymail rows carry no decoded
 * accuracy and are skipped.
 */
import { DataError } from '../../core/errors.js';
import { missingColumn } from './missingColumn.js';
import type { PoolTable } from '../pool.js';
import { tableNameOf } from './input.js';
import { LongTableBuilder, N_METRICS, K_ACC, K_ENERGY, K_IN, K_OUT, checkMetric } from './longBuilder.js';
import { parseNumber, cellText, type TextTable } from './text.js';

const REQUIRED = ['query_id', 'dataset', 'model_id', 'accuracy_decoded', 'ept_j_per_token_decoded'];

export function isRecoveredHeader(columns: string[]): boolean {
  const s = new Set(columns.map((c) => c.trim().toLowerCase()));
  return s.has('accuracy_decoded') && s.has('ept_j_per_token_decoded');
}

export async function loadRecoveredText(t: TextTable, opts: { warn?: (m: string) => void } = {}): Promise<PoolTable> {
  const file = t.file;
  const idx = new Map(t.columns.map((c, i) => [c.trim().toLowerCase(), i]));
  for (const c of REQUIRED) if (!idx.has(c)) throw new DataError(missingColumn(c, t.columns, null, REQUIRED), file, 1, c);
  const [cQ, cTask, cM, cAcc, cEpt] = REQUIRED.map((c) => idx.get(c)!);
  const b = new LongTableBuilder(tableNameOf(file), file, { warn: opts.warn });
  b.hasMetric[K_ENERGY] = b.hasMetric[K_IN] = b.hasMetric[K_OUT] = true;
  const vals = new Float64Array(N_METRICS);
  let skipped = 0;
  for await (const batch of t.batches) for (const r of batch) {
    const acc = parseNumber(r.cells[cAcc], file, r.line, 'accuracy_decoded');
    if (Number.isNaN(acc)) {
      skipped++;
      continue;
    }
    checkMetric(K_ACC, acc, file, r.line, 'accuracy_decoded');
    const ept = parseNumber(r.cells[cEpt], file, r.line, 'ept_J_per_token_decoded');
    checkMetric(K_ENERGY, ept, file, r.line, 'ept_J_per_token_decoded');
    const q = b.query((cellText(r.cells[cQ]) ?? '').trim(), r.line);
    const m = b.model((cellText(r.cells[cM]) ?? '').trim(), r.line);
    const task = (cellText(r.cells[cTask]) ?? '').trim();
    if (task === '') throw new DataError('empty dataset', file, r.line, 'dataset');
    b.setTask(q, task, r.line, 'dataset');
    vals.fill(Number.NaN);
    vals[K_ACC] = acc;
    vals[K_ENERGY] = ept;
    vals[K_IN] = Number.isNaN(ept) ? Number.NaN : 1;
    vals[K_OUT] = Number.isNaN(ept) ? Number.NaN : 0;
    b.add(q, m, vals, r.line);
  }
  if (skipped > 0) opts.warn?.(`${file}: ${skipped} row(s) without decoded accuracy (cnn_dailymail) skipped`);
  opts.warn?.(`${file}: recovered pairs carry J/token only; energy_j holds J/token with 1 input token`);
  return b.build();
}
