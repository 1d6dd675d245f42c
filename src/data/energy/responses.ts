/**
 * Output token counts from a wide text table's response columns (`<model>|model_response`, `<model>|response`),
 * which the table loader skips. Only the cells of queries and models the table has are decoded.
 */
import { cellText, textKindOf, withTextTable, type Cell } from '../formats/text.js';
import { fieldText } from '../formats/csvScan.js';
import { decodePythonStringList } from '../formats/wide.js';
import type { PoolTable } from '../pool.js';
import type { TokenCounter } from './tokens.js';

const RESPONSE_SUFFIXES = ['|model_response', '|response'];
const ID_COLUMNS = ['query_id', 'sample_id'];

/** Is `file` a text table whose responses can be counted? */
export function responseSourceKind(file: string, format?: string): 'csv' | 'tsv' | 'jsonl' | null {
  const f = format?.toLowerCase();
  if (f === 'csv' || f === 'routerbench' || f === 'routerbench-csv') return 'csv';
  if (f === 'tsv' || f === 'jsonl') return f;
  if (f === 'ndjson') return 'jsonl';
  if (f) return null;
  const plain = file.toLowerCase().endsWith('.gz') ? file.slice(0, -3) : file;
  return textKindOf(plain);
}

/**
 * Output tokens per cell (q*M + m) counted from response text, NaN where the file has no response; null when
 * the file has no response column at all.
 */
export async function countResponseTokens(file: string, kind: 'csv' | 'tsv' | 'jsonl', t: PoolTable, tok: TokenCounter): Promise<Float64Array | null> {
  return withTextTable(file, kind, async (tt) => {
    const lc = tt.columns.map((c) => c.trim().toLowerCase());
    const idCol = ID_COLUMNS.map((n) => lc.indexOf(n)).find((i) => i >= 0) ?? -1;
    if (idCol < 0) return null;
    const modelIndex = new Map(t.models.map((m, i) => [m.id, i]));
    const cols: { col: number; m: number }[] = [];
    tt.columns.forEach((raw, col) => {
      const name = raw.trim();
      const suffix = RESPONSE_SUFFIXES.find((s) => name.toLowerCase().endsWith(s));
      if (!suffix) return;
      const m = modelIndex.get(name.slice(0, name.length - suffix.length));
      if (m !== undefined) cols.push({ col, m });
    });
    if (cols.length === 0) return null;
    const M = t.nModels;
    const qIndex = new Map(t.queryIds.map((id, q) => [id, q]));
    const out = new Float64Array(t.nQueries * M).fill(Number.NaN);
    const row = (get: (c: number) => string | null): void => {
      const q = qIndex.get((get(idCol) ?? '').trim());
      if (q === undefined) return;
      for (const { col, m } of cols) {
        const i = q * M + m;
        // rows repeating a query id: the first non-empty response counts
        if (!t.present[i] || !Number.isNaN(out[i])) continue;
        const s = get(col);
        if (s === null || s === '') continue;
        out[i] = tok.count(decodePythonStringList(s));
      }
    };
    if (tt.each) {
      await tt.each((v) => row((c) => (c < v.n ? fieldText(v, c) : null)));
    } else {
      for await (const batch of tt.batches) for (const r of batch) row((c) => cellText(r.cells[c] as Cell));
    }
    return out;
  });
}
