/**
 * RouterBench wide CSV (and any wide CSV/TSV/JSONL): rows stream through the wide builder, so the
 * `<model>|model_response` text is never kept (and, from CSV/TSV, never decoded).
 */
import type { PoolTable } from '../pool.js';
import { tableNameOf } from './input.js';
import type { TextTable } from './text.js';
import { classifyWideColumns, WideTableBuilder } from './wide.js';
import { fieldText, strictFieldText } from './csvScan.js';

export async function loadWideText(t: TextTable, opts: { warn?: (m: string) => void } = {}): Promise<PoolTable> {
  const layout = classifyWideColumns(t.columns, t.file);
  const b = new WideTableBuilder(tableNameOf(t.file), t.file, layout, { warn: opts.warn });
  const name = (c: number): string => t.columns[c];
  if (t.each) {
    // Byte views: only the cells the builder asks for are decoded, never the responses.
    // Ids and tasks must be UTF-8: decoding stray bytes would merge distinct ones.
    const strict = (c: number): boolean => c === layout.idCol || c === layout.taskCol;
    await t.each((v) => b.addRow((c) => (strict(c) ? strictFieldText(v, c, t.file, name(c)) : fieldText(v, c)), v.line, name));
    return b.build();
  }
  for await (const batch of t.batches) for (const r of batch) {
    const cells = r.cells;
    b.addRow((c) => cells[c], r.line, name);
  }
  return b.build();
}
