/**
 * The Arrow sink of the streaming converter (streamParquet.ts): one record batch per row group, in the IPC
 * file (.arrow) or stream (.arrows) format, each batch's bytes appended to the file as soon as the writer has
 * made them.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import type { RowGroupSink } from './streamParquet.js';

export async function arrowSink(tmp: string, ids: string[], metrics: string[], stream: boolean): Promise<RowGroupSink> {
  const arrow = await import('apache-arrow');
  const fields = [...ids.map((n) => new arrow.Field(n, new arrow.Utf8(), false)), ...metrics.map((n) => new arrow.Field(n, new arrow.Float64(), true))];
  // one schema object for every batch: the writer starts a new file when a batch's schema differs
  const schema = new arrow.Schema(fields, new Map([['greenserv.layout', 'long']]));
  const writer = stream ? new arrow.RecordBatchStreamWriter() : new arrow.RecordBatchFileWriter();
  // the writer queues its output; taking it after each batch keeps one batch in memory (the queue is the
  // writer's own, so its absence is a programming error: exit 1)
  const queue = (writer as unknown as { _sink?: { _values?: unknown } })._sink?._values;
  if (!Array.isArray(queue)) throw new Error('apache-arrow: the IPC writer has no output queue to take from');
  writeFileSync(tmp, '');
  const drain = (): void => {
    for (const chunk of queue.splice(0) as Uint8Array[]) appendFileSync(tmp, chunk);
  };
  const column = (type: import('apache-arrow').DataType, values: readonly (string | number | null)[]): import('apache-arrow').Data => {
    const b = arrow.makeBuilder({ type, nullValues: [null] });
    for (const v of values) b.append(v);
    return b.finish().flush();
  };
  return {
    write(strings, numbers) {
      const children = [...strings.map((c) => column(new arrow.Utf8(), c)), ...numbers.map((c) => column(new arrow.Float64(), c))];
      const data = arrow.makeData({ type: new arrow.Struct(fields), length: strings[0].length, nullCount: 0, children });
      writer.write(new arrow.RecordBatch(schema, data));
      drain();
    },
    finish() {
      writer.finish();
      drain();
    },
  };
}
