/**
 * A value of a column-oriented source (Arrow, Parquet, pickle) as the text parsers expect it.
 */
import type { Cell } from './text.js';

/** A cell as the text parsers expect it. */
export function toCell(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'number':
    case 'string':
    case 'boolean':
      return v;
    case 'bigint':
      return Number(v);
    default:
      if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
      // A list of strings (e.g. a prompt kept as a Python list in a pickle) reads as its lines.
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join('\n');
      return objectText(v, 0);
  }
}

/** Text of any other value. Nested and cyclic lists (a corrupt pickle can hold them) are cut off, not recursed into. */
function objectText(v: unknown, depth: number): string {
  if (v === null || v === undefined) return '';
  if (typeof v !== 'object') return String(v);
  if (Array.isArray(v)) return depth < 4 ? `[${v.slice(0, 100).map((x) => objectText(x, depth + 1)).join(', ')}]` : '[…]';
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8');
  try {
    return String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

