/**
 * Deterministic, seeded mutators for the loader fuzzer. Generic byte-level edits (bit flips, byte
 * insert/delete, chunk duplicate/truncate, splices of interesting values) plus structure-aware edits per
 * format: CSV/TSV/JSONL cells and headers, pickle opcodes and their arguments, Arrow message and footer
 * lengths, Parquet thrift fields (footer and page headers), pg_dump COPY lines. Structure-aware edits keep
 * most of the file intact so the input gets past the first sanity checks and into the deeper code.
 * A mutator that cannot find the structure it edits falls back to a generic edit.
 */
import type { Rng } from '../src/core/rng.js';
import type { FuzzFormat } from './seeds.js';
import { applyGeneric, type Bytes, type Context } from './mutateCommon.js';
import { mutateDelimited, mutateJsonl } from './mutateText.js';
import { mutatePickle } from './mutatePickle.js';
import { mutateArrow } from './mutateArrow.js';
import { mutateParquet } from './mutateParquet.js';
import { mutateSql } from './mutateSql.js';

export { INTERESTING_TEXT } from './mutateCommon.js';
export { pickleOps } from './mutatePickle.js';
export { arrowMessages } from './mutateArrow.js';
export { thriftInts } from './mutateParquet.js';

export interface MutateOptions {
  /** Other seeds of the same format (for crossover). */
  donors?: readonly Bytes[];
  /** File name of the input; picks JSON Lines edits for `.jsonl`. */
  name?: string;
  /** Probability of a structure-aware edit (the rest are generic). Default 0.65. */
  structured?: number;
}

export interface Mutation {
  bytes: Bytes;
  ops: string[];
}

/** Apply one to four stacked edits to `input`. Same rng state → same output. */
export function mutate(format: FuzzFormat, input: Bytes, rng: Rng, opts: MutateOptions = {}): Mutation {
  const ctx: Context = { donors: opts.donors ?? [], ops: [] };
  // Buffer#slice returns a view, not a copy: work on plain Uint8Arrays so the input is never written to.
  if (Buffer.isBuffer(input)) input = new Uint8Array(input);
  const n = rng.next() < 0.5 ? 1 : 2 + rng.int(3);
  const pStructured = opts.structured ?? (format === 'pickle' ? 0.85 : 0.65);
  let b = input;
  const jsonl = /\.(jsonl|ndjson)(\.gz)?$/i.test(opts.name ?? '');
  for (let i = 0; i < n; i++) {
    if (rng.next() >= pStructured) {
      b = applyGeneric(b, rng, ctx);
      continue;
    }
    try {
      b = mutateStructured(format, b, rng, ctx, jsonl);
    } catch {
      // Earlier edits can leave a structure the parsers above misread: edit the bytes instead.
      ctx.ops.push('fallback');
      b = applyGeneric(b, rng, ctx);
    }
  }
  // Mutations may only grow an input by bounded amounts; keep a hard cap anyway.
  if (b.length > 1 << 22) b = b.slice(0, 1 << 22);
  return { bytes: b, ops: ctx.ops };
}

function mutateStructured(format: FuzzFormat, b: Bytes, rng: Rng, ctx: Context, jsonl: boolean): Bytes {
  switch (format) {
    case 'csv':
      return jsonl ? mutateJsonl(b, rng, ctx) : mutateDelimited(b, rng, ctx);
    case 'pickle':
      return mutatePickle(b, rng, ctx);
    case 'arrow':
      return mutateArrow(b, rng, ctx);
    case 'parquet':
      return mutateParquet(b, rng, ctx);
    case 'sql':
      return mutateSql(b, rng, ctx);
  }
}
