/**
 * RouterBench wide CSV (and any wide CSV/TSV/JSONL): rows stream through the wide builder, so the
 * `<model>|model_response` text is never kept.
 */
import type { PoolTable } from '../pool.js';
import { tableNameOf } from './input.js';
import type { TextTable } from './text.js';
import { classifyWideColumns, WideTableBuilder } from './wide.js';

export async function loadWideText(t: TextTable, opts: { warn?: (m: string) => void } = {}): Promise<PoolTable> {
  const layout = classifyWideColumns(t.columns, t.file);
  const b = new WideTableBuilder(tableNameOf(t.file), t.file, layout, { warn: opts.warn });
  const name = (c: number): string => t.columns[c];
  for await (const batch of t.batches) for (const r of batch) {
    const cells = r.cells;
    b.addRow((c) => cells[c], r.line, name);
  }
  return b.build();
}
