/**
 * Per-task energy-per-token normalisation bounds read from a file (docs/model.md §2.2): the reference's
 * metrics.yaml layout (`<task>: {energy_per_token: {min, max}}`), a flat YAML/JSON map
 * (`<task>: {ept_min, ept_max}`) or a CSV with columns `task, ept_min, ept_max`.
 */

import { parse as parseYaml, YAMLParseError } from 'yaml';
import { DataError } from '../../core/errors.js';
import { missingColumn } from './missingColumn.js';
import { UNKNOWN_TASK, type PoolTable, type TaskBounds } from '../pool.js';
import { assertReadable, extensionOf } from './input.js';
import { withTextTable, parseNumber, someOf } from './text.js';
import { checkConfigText, configParseFailure, readFileBounded } from '../../core/readFile.js';

export async function readBoundsFile(file: string): Promise<Map<string, TaskBounds>> {
  assertReadable(file);
  const ext = extensionOf(file);
  const out = new Map<string, TaskBounds>();
  if (ext === 'csv' || ext === 'tsv') {
    await withTextTable(file, ext, async (t) => {
      const idx = new Map(t.columns.map((c, i) => [c.trim().toLowerCase(), i]));
      for (const c of ['task', 'ept_min', 'ept_max']) {
        if (!idx.has(c)) throw new DataError(missingColumn(c, t.columns, null, ['task', 'ept_min', 'ept_max']), file, 1, c);
      }
      for await (const r of t.records) {
        const task = String(r.cells[idx.get('task')!] ?? '').trim();
        if (task === '') throw new DataError('empty task', file, r.line, 'task');
        const lo = parseNumber(r.cells[idx.get('ept_min')!], file, r.line, 'ept_min');
        const hi = parseNumber(r.cells[idx.get('ept_max')!], file, r.line, 'ept_max');
        for (const [v, c] of [[lo, 'ept_min'], [hi, 'ept_max']] as const) {
          if (Number.isNaN(v)) throw new DataError(`task '${task}': ${c} is empty`, file, r.line, c);
        }
        out.set(task, checkPair(lo, hi, file, r.line, task, ['ept_min', 'ept_max']));
      }
    });
  } else {
    let doc: unknown;
    const text = readFileBounded(file, 'bounds file', 16 * 1024 * 1024).toString('utf8');
    // a YAML/JSON bounds file is a config file: the same control-character rule as an experiment's
    checkConfigText(text, file);
    try {
      doc = parseYaml(text);
    } catch (err) {
      // the parser's first line and its line number; the rest is an excerpt of the file over several lines
      const line = err instanceof YAMLParseError ? err.linePos?.[0]?.line : undefined;
      throw new DataError(`not valid YAML/JSON: ${configParseFailure(err).replace(/ at line \d+, column \d+:?$/, '')}`, file, line);
    }
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new DataError('expected a map of task → bounds', file);
    for (const [task, v] of Object.entries(doc as Record<string, unknown>)) {
      if (v === null || typeof v !== 'object') throw new DataError(`task '${task}': expected a map`, file, undefined, task);
      const o = v as Record<string, unknown>;
      let lo: unknown;
      let hi: unknown;
      const ept = o.energy_per_token as Record<string, unknown> | undefined;
      if (ept && typeof ept === 'object') {
        lo = ept.min;
        hi = ept.max;
      } else {
        lo = o.ept_min ?? o.eptMin;
        hi = o.ept_max ?? o.eptMax;
      }
      if (typeof lo !== 'number' || typeof hi !== 'number') {
        throw new DataError(`task '${task}': needs numeric energy_per_token.min/max (or ept_min/ept_max)`, file, undefined, task);
      }
      out.set(task, checkPair(lo, hi, file, undefined, task));
    }
  }
  if (out.size === 0) throw new DataError('no bounds found', file);
  return out;
}

/** `columns`: the CSV's min and max columns; a YAML/JSON file's field is the task. */
function checkPair(lo: number, hi: number, file: string, line: number | undefined, task: string, columns?: readonly [string, string]): TaskBounds {
  const col = (i: 0 | 1): string => columns?.[i] ?? task;
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new DataError(`task '${task}': bounds must be finite numbers`, file, line, col(Number.isFinite(lo) ? 1 : 0));
  if (lo < 0 || hi < lo) throw new DataError(`task '${task}': need 0 ≤ min ≤ max, got ${lo} / ${hi}`, file, line, col(lo < 0 ? 0 : 1));
  return { eptMin: lo, eptMax: hi };
}

/** Replace the table's computed bounds with the file's, warning about tasks the file does not cover. */
export async function applyBoundsFile(table: PoolTable, file: string, warn?: (m: string) => void): Promise<void> {
  const b = await readBoundsFile(file);
  table.givenBounds = b;
  const missing: string[] = [];
  for (const t of table.tasks) {
    const v = b.get(t);
    if (v) table.taskBounds.set(t, v);
    else missing.push(t);
  }
  // 'unknown' marks queries whose task a task model may predict: those take their predicted task's bounds
  const later = missing.includes(UNKNOWN_TASK) ? ` (queries marked '${UNKNOWN_TASK}' whose task a task model predicts take the bounds of that task)` : '';
  if (missing.length > 0) warn?.(`${file}: no bounds for task(s) ${someOf(missing)}; using the table's own min/max${later}`);
}
