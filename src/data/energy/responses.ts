/**
 * Output token counts from a wide text table's response columns (`<model>|model_response`, `<model>|response`),
 * which the table loader skips. Only the cells of queries and models the table has are decoded.
 */
import { cellText, textKindOf, withTextTable, type Cell } from '../formats/text.js';
import { fieldText } from '../formats/csvScan.js';
import { decodePythonStringList } from '../formats/wide.js';
import { valueAt } from '../columns.js';
import { isBuiltinSource } from '../load.js';
import type { PoolTable } from '../pool.js';
import type { TokenCounter } from './tokens.js';

const RESPONSE_SUFFIXES = ['|model_response', '|response'];
const ID_COLUMNS = ['query_id', 'sample_id'];
const TEXT_COLUMNS = ['text', 'prompt'];

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

/** Token counts per cell (q*M + m) from the rows of a text table, NaN where the file gives none. */
export interface RowTokens {
  /** Output tokens counted from response text. */
  output: Float64Array;
  /**
   * Prompt tokens of the row that holds the cell's score, where that row's prompt differs from the query's
   * text (a repeated query id whose rows carry different prompts); NaN elsewhere.
   */
  input: Float64Array;
  /** Where each count came from: 0 none, 1 a row without the cell's score, 2 the row that holds it. */
  rank: Uint8Array;
}

/**
 * Output tokens per cell counted from response text, and the prompt tokens of cells whose scored row has a
 * prompt other than the query's; null when the file has no response column at all. Rows repeating a query
 * id: the row holding the cell's score counts, as the table loader takes that row's metrics; else the
 * first non-empty response.
 */
export async function countResponseTokens(file: string, kind: 'csv' | 'tsv' | 'jsonl', t: PoolTable, tok: TokenCounter): Promise<RowTokens | null> {
  return withTextTable(file, kind, async (tt) => {
    const lc = tt.columns.map((c) => c.trim().toLowerCase());
    const idCol = ID_COLUMNS.map((n) => lc.indexOf(n)).find((i) => i >= 0) ?? -1;
    if (idCol < 0) return null;
    const modelIndex = new Map(t.models.map((m, i) => [m.id, i]));
    const cols: { col: number; m: number; score: number }[] = [];
    // the model's correctness column: its id (RouterBench) or <id>|accuracy, <id>|correctness
    const scoreCol = (id: string): number => [id, `${id}|accuracy`, `${id}|correctness`].map((n) => lc.indexOf(n.toLowerCase())).find((c) => c >= 0) ?? -1;
    tt.columns.forEach((raw, col) => {
      const name = raw.trim();
      const suffix = RESPONSE_SUFFIXES.find((s) => name.toLowerCase().endsWith(s));
      if (!suffix) return;
      const id = name.slice(0, name.length - suffix.length);
      const m = modelIndex.get(id);
      if (m !== undefined) cols.push({ col, m, score: scoreCol(id) });
    });
    if (cols.length === 0) return null;
    const textCol = TEXT_COLUMNS.map((n) => lc.indexOf(n)).find((i) => i >= 0) ?? -1;
    const M = t.nModels;
    const qIndex = new Map(t.queryIds.map((id, q) => [id, q]));
    const n = t.nQueries * M;
    const out: RowTokens = { output: new Float64Array(n).fill(Number.NaN), input: new Float64Array(n).fill(Number.NaN), rank: new Uint8Array(n) };
    const row = (get: (c: number) => string | null): void => {
      const q = qIndex.get((get(idCol) ?? '').trim());
      if (q === undefined) return;
      let prompt: number | undefined; // this row's prompt tokens when its prompt is not the query's text
      for (const { col, m, score } of cols) {
        const i = q * M + m;
        if (!t.present[i] || out.rank[i] === 2) continue;
        const scored = score >= 0 && (get(score) ?? '').trim() !== '';
        const s = get(col);
        const has = s !== null && s !== '';
        if (!scored && (out.rank[i] === 1 || !has)) continue;
        if (has) out.output[i] = tok.count(decodePythonStringList(s));
        out.rank[i] = scored ? 2 : 1;
        if (!scored || textCol < 0) continue;
        if (prompt === undefined) {
          const raw = get(textCol);
          const text = raw === null ? null : lc[textCol] === 'prompt' ? decodePythonStringList(raw) : raw;
          prompt = text === null || text === (t.queryText?.[q] ?? null) ? Number.NaN : tok.count(text);
        }
        out.input[i] = prompt;
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

/** Whether some present cell lacks an output token count (response text is read only then). */
function needsOutputTokens(t: PoolTable): boolean {
  for (let i = 0; i < t.present.length; i++) if (t.present[i] === 1 && !(valueAt(t.outputTokens, i) >= 0)) return true;
  return false;
}

/**
 * Token counts from the rows of the text files (CSV/TSV/JSONL) among the `files` table `t` was loaded from: a
 * cell takes the file whose row holds its score, else the first file with a response for it. Null when every
 * present cell has output tokens already, or when no file has response text.
 */
export async function tableRowTokens(t: PoolTable, files: readonly string[], tok: TokenCounter, format?: string): Promise<RowTokens | null> {
  if (!needsOutputTokens(t)) return null;
  let out: RowTokens | null = null;
  for (const f of files) {
    const kind = f.startsWith('hf://') || isBuiltinSource(f) ? null : responseSourceKind(f, format);
    if (!kind) continue;
    const c = await countResponseTokens(f, kind, t, tok);
    if (!c) continue;
    if (!out) out = c;
    else
      for (let i = 0; i < c.rank.length; i++) {
        if (c.rank[i] <= out.rank[i]) continue;
        // a file holding the score replaces a response of a file without it (but keeps one it lacks)
        if (!Number.isNaN(c.output[i])) out.output[i] = c.output[i];
        out.input[i] = c.input[i];
        out.rank[i] = c.rank[i];
      }
  }
  return out;
}
