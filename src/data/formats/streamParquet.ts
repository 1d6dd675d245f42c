/**
 * Long text table (CSV/TSV/JSONL, one row per query × model) to a long-layout Parquet or Arrow file, row
 * group by row group (one record batch each in Arrow): memory holds one row group, whatever the file's size. Each row is checked as it is read (ids
 * present, numbers valid, accuracy in [0, 1]); what needs the whole table (a pair given twice, missing
 * cells) is checked when the Parquet file is loaded, as for the text file.
 */
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileWriter, ParquetWriter } from 'hyparquet-writer';
import { DataError } from '../../core/errors.js';
import { missingColumn } from './missingColumn.js';
import { releaseTemporary, trackTemporary } from '../../core/atomic.js';
import { checkMetric, LONG_METRIC_COLUMNS } from './longBuilder.js';
import { cellText, parseNumber, withTextTable, type TextKind } from './text.js';

/** Rows per row group: a few tens of MB of decoded columns at most. */
const STREAM_ROW_GROUP = 262_144;

interface StreamResult {
  rows: number;
  rowGroups: number;
  columns: string[];
}

/** The writer of one output format: columns of one row group at a time. */
export interface RowGroupSink {
  write(strings: string[][], numbers: (number | null)[][]): void;
  finish(): void;
}

/** What a sink is made from: the temporary path it writes and the id and metric column names. */
type SinkFactory = (tmp: string, ids: string[], metrics: string[]) => Promise<RowGroupSink>;

/** Convert `src` (a long text table) to `dst` (Parquet), written to a temporary file and renamed at the end. */
export async function streamLongToParquet(src: string, kind: TextKind, dst: string, o: { rowGroup?: number; warn?: (m: string) => void } = {}): Promise<StreamResult> {
  return streamLongTable(src, kind, dst, parquetSink, o);
}

async function parquetSink(tmp: string, ids: string[], metrics: string[]): Promise<RowGroupSink> {
  // the writer's own SchemaElement type (it bundles another hyparquet version than the reader)
  type SchemaElement = ConstructorParameters<typeof ParquetWriter>[0]['schema'][number];
  const schema: SchemaElement[] = [
    { name: 'root', num_children: ids.length + metrics.length },
    ...ids.map((name): SchemaElement => ({ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' })),
    ...metrics.map((name): SchemaElement => ({ name, type: 'DOUBLE', repetition_type: 'OPTIONAL' })),
  ];
  const writer = new ParquetWriter({ writer: fileWriter(tmp), schema, kvMetadata: [{ key: 'greenserv.layout', value: 'long' }] });
  return {
    write: (strings, numbers) =>
      writer.write({
        columnData: [...ids.map((name, k) => ({ name, data: strings[k] })), ...metrics.map((name, k) => ({ name, data: numbers[k] }))],
        rowGroupSize: strings[0].length,
      }),
    finish: () => writer.finish(),
  };
}

/** Convert `src` (a long text table) to `dst` through `sink`, written to a temporary file and renamed at the end. */
export async function streamLongTable(src: string, kind: TextKind, dst: string, sink: SinkFactory, o: { rowGroup?: number; warn?: (m: string) => void } = {}): Promise<StreamResult> {
  const rowGroup = o.rowGroup ?? STREAM_ROW_GROUP;
  const tmp = join(dirname(dst), `.greenserv-tmp-${randomBytes(6).toString('hex')}-${basename(dst)}`);
  trackTemporary(tmp);
  try {
    const res = await withTextTable(src, kind, async (t) => {
      const idx = new Map(t.columns.map((c, i) => [c.trim().toLowerCase(), i]));
      for (const c of ['query_id', 'model_id', 'accuracy']) {
        if (!idx.has(c)) throw new DataError(missingColumn(c, t.columns, 'long format; --stream converts long tables only', ['query_id', 'model_id', 'task', ...LONG_METRIC_COLUMNS]), src, 1, c);
      }
      const ids = ['query_id', 'model_id', ...(idx.has('task') ? ['task'] : [])];
      const metrics = LONG_METRIC_COLUMNS.filter((c) => idx.has(c));
      const extra = t.columns.filter((c) => c.trim() !== '' && !ids.includes(c.trim().toLowerCase()) && !(metrics as readonly string[]).includes(c.trim().toLowerCase()));
      if (extra.length) o.warn?.(`${src}: ignoring column(s) ${extra.join(', ')}`);
      const writer = await sink(tmp, ids, [...metrics]);
      const idCols = ids.map((c) => idx.get(c)!);
      const metricCols = metrics.map((c) => idx.get(c)!);
      const metricKind = metrics.map((c) => LONG_METRIC_COLUMNS.indexOf(c));
      let strings: string[][] = ids.map(() => []);
      let numbers: (number | null)[][] = metrics.map(() => []);
      let rows = 0;
      let groups = 0;
      const flush = (): void => {
        if (strings[0].length === 0) return;
        writer.write(strings, numbers);
        groups++;
        strings = ids.map(() => []);
        numbers = metrics.map(() => []);
      };
      for await (const batch of t.batches) {
        for (const r of batch) {
          for (let k = 0; k < ids.length; k++) {
            const s = (cellText(r.cells[idCols[k]] ?? null) ?? '').trim();
            if (s === '') throw new DataError(`${ids[k]} is empty`, src, r.line, ids[k]);
            strings[k].push(s);
          }
          for (let k = 0; k < metrics.length; k++) {
            const cell = r.cells[metricCols[k]] ?? null;
            const empty = cell === null || cell === '';
            if (empty && metrics[k] === 'accuracy') throw new DataError('accuracy is empty (it is required on every row)', src, r.line, 'accuracy');
            const v = empty ? Number.NaN : parseNumber(cell, src, r.line, metrics[k]);
            checkMetric(metricKind[k], v, src, r.line, metrics[k]);
            numbers[k].push(Number.isNaN(v) ? null : v);
          }
          if (++rows % rowGroup === 0) flush();
        }
      }
      if (rows === 0) throw new DataError('no data rows (header only?)', src);
      flush();
      writer.finish();
      return { rows, rowGroups: groups, columns: [...ids, ...metrics] };
    });
    renameSync(tmp, dst);
    return res;
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  } finally {
    releaseTemporary(tmp);
  }
}
