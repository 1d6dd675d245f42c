/**
 * Well-formed Arrow and Parquet files whose values are not: a random table written with bad cells, changed
 * column types or names, or unreadable metadata. Byte edits rarely produce these, and they reach the value
 * checks of the columnar loaders.
 */
import { parquetWriteBuffer, type ColumnSource } from 'hyparquet-writer';
import type { Rng } from '../src/core/rng.js';
import { arrowBytes, randomTable, tableColumns, type Column, type SeedFile } from './seeds.js';

const BAD_NUMBERS: readonly (number | null)[] = [Number.NaN, Infinity, -Infinity, -1, 2, 1.5, 1e308, -1e-300, -0, null, 5e-324, 2 ** 53 + 1];
const BAD_STRINGS: readonly (string | null)[] = ['', ' ', null, '\u0000', 'x'.repeat(10_000), 'NaN', '1e999', '-1', '2', "['\\U0011ffff']", '[', '__proto__', '😀'];
const BAD_META: readonly string[] = ['{', 'null', '[]', '{"version":1,"models":5}', '{"models":[{"id":1},{"id":"m","name":{},"paramsB":"7"}]}', '{"taskBounds":{"mmlu":["x",{}]}}', '{"taskBounds":"mmlu"}', '"x"'];

/** Put bad values into the columns: out-of-range or non-finite numbers, empty or odd ids, changed column types and names. */
function spoil(cols: Column[], rng: Rng): string[] {
  const edits: string[] = [];
  const pick = <T>(a: readonly T[]): T => a[rng.int(a.length)];
  const k = 1 + rng.int(3);
  for (let e = 0; e < k; e++) {
    const c = pick(cols);
    const n = c.data.length;
    const r = rng.next();
    if (n > 0 && r < 0.45) {
      const i = rng.int(n);
      if (c.kind === 'number') c.data[i] = pick(BAD_NUMBERS);
      else if (c.kind === 'string') c.data[i] = rng.next() < 0.3 && n > 1 ? c.data[(i + 1) % n] : pick(BAD_STRINGS);
      else if (c.kind === 'bigint') c.data[i] = pick([-1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n]);
      else c.data[i] = !c.data[i];
      edits.push(`cell ${c.name}`);
    } else if (r < 0.6 && c.kind === 'number') {
      // Same values, other type: text, big integers or booleans.
      const src = c.data;
      const to = pick(['string', 'bigint', 'boolean'] as const);
      const i = cols.indexOf(c);
      if (to === 'string') cols[i] = { name: c.name, kind: 'string', data: src.map((v) => (v === null ? null : rng.next() < 0.2 ? pick(BAD_STRINGS) : String(v))) };
      else if (to === 'bigint') cols[i] = { name: c.name, kind: 'bigint', data: src.map((v) => BigInt(Math.trunc(Number.isFinite(v) ? (v as number) : 0))) };
      else cols[i] = { name: c.name, kind: 'boolean', data: src.map((v) => (v === null ? null : v > 0)) };
      edits.push(`type ${c.name} → ${to}`);
    } else if (r < 0.7) {
      c.name = pick([c.name.toUpperCase(), ` ${c.name} `, cols[rng.int(cols.length)].name, '', `${c.name}|accuracy`, 'sample_id', 'query_id']);
      edits.push('rename');
    } else if (r < 0.8 && cols.length > 1) {
      cols.splice(cols.indexOf(c), 1);
      edits.push(`drop ${c.name}`);
    } else if (n > 0) {
      const i = rng.int(n);
      for (const col of cols) col.data.splice(i, 1);
      edits.push('drop row');
    }
  }
  return edits;
}

function parquetFrom(cols: Column[], meta: string | null, rng: Rng): Uint8Array {
  const type = { string: 'STRING', number: 'DOUBLE', bigint: 'INT64', boolean: 'BOOLEAN' } as const;
  const columnData: ColumnSource[] = cols.map((c) => ({ name: c.name, data: c.kind === 'bigint' ? BigInt64Array.from(c.data) : c.data, type: type[c.kind], nullable: c.kind !== 'bigint' }));
  return new Uint8Array(
    parquetWriteBuffer({
      columnData,
      codec: rng.next() < 0.5 ? 'SNAPPY' : 'UNCOMPRESSED',
      rowGroupSize: 1 + rng.int(6),
      kvMetadata: meta === null ? undefined : [{ key: 'greenserv', value: meta }],
    }),
  );
}

/**
 * A well-formed Arrow or Parquet file whose values are not: a random table written with bad cells, changed
 * column types or names, or unreadable metadata. Byte edits rarely produce these, and they reach the
 * value checks of the columnar loaders.
 */
export function valueVariant(format: 'arrow' | 'parquet', rng: Rng): { file: SeedFile; edits: string[] } {
  const t = randomTable(rng, 'variant');
  const layout = (['long', 'wide', 'routerbench'] as const)[rng.int(3)];
  const cols = tableColumns(t, layout);
  const edits = [`values:${layout}`, ...spoil(cols, rng)];
  const meta = rng.next() < 0.15 ? BAD_META[rng.int(BAD_META.length)] : null;
  if (meta !== null) edits.push('metadata');
  // Names must stay distinct for the writers.
  const seen = new Set<string>();
  for (const c of cols) {
    while (seen.has(c.name)) c.name += '_';
    seen.add(c.name);
  }
  if (format === 'arrow') {
    const kind = rng.next() < 0.5 ? 'file' : 'stream';
    return { file: { role: 'main', name: kind === 'file' ? 'values.arrow' : 'values.arrows', bytes: arrowBytes(cols, kind, meta, rng) }, edits };
  }
  return { file: { role: 'main', name: 'values.parquet', bytes: parquetFrom(cols, meta, rng) }, edits };
}
