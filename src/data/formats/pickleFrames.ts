/**
 * DataFrame → columns: the frame's blocks laid out by column, cells decoded on demand (once per shared
 * object, within the frame's work budget).
 */
import { Decoder, describe, NDArray, PdDataFrame, PickleError, PyText } from './pickleValues.js';
import { overBudget } from './pickleLimits.js';

interface FrameColumns {
  columns: string[];
  nRows: number;
  /** Column `i`'s values, strings decoded (object columns are decoded on each call). */
  column(i: number): ArrayLike<unknown>;
  /** Count the work of later reads from zero again (the loader reads every column anew). */
  rewind(): void;
}

/** Columns of an unpickled DataFrame, in the frame's column order. */
export function frameColumns(v: unknown): FrameColumns {
  if (!(v instanceof PdDataFrame) || !v.mgr) throw new PickleError(`the pickle holds a ${describe(v)}, expected a pandas DataFrame`);
  const mgr = v.mgr;
  if (mgr.axes.length !== 2) throw new PickleError('DataFrame block manager does not have two axes');
  const [items, index] = mgr.axes;
  const nCols = items.length;
  const nRows = index.length;
  if (!Number.isSafeInteger(nRows) || nRows < 0) throw new PickleError(`DataFrame row index of length ${nRows}`);
  if (!Number.isSafeInteger(nCols) || nCols < 0) throw new PickleError(`DataFrame column index of length ${nCols}`);
  // Every column comes from a block: more columns than the blocks place is corrupt, and a range index could
  // otherwise claim any number of them.
  const placed = mgr.blocks.reduce((a, b) => a + b.placement.length, 0);
  if (nCols > placed) throw new PickleError(`the DataFrame lists ${nCols} columns but its blocks hold ${placed}`);
  const { steps, perByte } = v.decodeBudget;
  // Labels share one decoder: a label the index repeats is decoded once, and all of them within the budget.
  const labels: Labels = { dec: new Decoder(steps, (b) => overBudget(b, perByte)), long: new Map() };
  const columns: string[] = [];
  for (let i = 0; i < nCols; i++) columns.push(nameText(items.get(i), labels));
  // Where each column lives; copied out only when read (many columns can share one block's array).
  const where: ({ a: NDArray; j: number; k: number } | undefined)[] = new Array(nCols);
  for (const b of mgr.blocks) {
    const a = b.values;
    const k = b.placement.length;
    const shape = a.shape.length === 1 ? [1, a.shape[0]] : a.shape;
    if (shape.length !== 2 || shape[0] !== k || shape[1] !== nRows) {
      throw new PickleError(`block of shape (${a.shape.join(', ')}) does not match ${k} column(s) × ${nRows} rows`);
    }
    b.placement.forEach((col, j) => {
      if (col < 0 || col >= nCols) throw new PickleError('block placement outside the column range');
      where[col] = { a, j, k };
    });
  }
  const missing = where.findIndex((d) => d === undefined);
  if (missing >= 0 && nCols > 0) throw new PickleError(`no block holds column '${columns[missing]}'`);
  // One budget for all the column reads of the frame.
  let spent = 0;
  return {
    columns,
    nRows,
    column: (i) => {
      const { a, j, k } = where[i]!;
      const d = columnOf(a, j, k, nRows);
      if (d instanceof Float64Array) return d;
      // Cells of one column share a decoder: a value many cells refer to is decoded once. Whoever reads a
      // list cell reads it in full, shared parts again each time: that full size counts against the budget.
      const dec = new Decoder(steps, (b) => overBudget(b, perByte));
      dec.work = spent;
      try {
        dec.charge(nRows);
        const sizes = new Map<object, number>();
        return Array.from(d, (x) => {
          const y = dec.decode(x, 4);
          if (Array.isArray(y)) dec.charge(expandedSize(y, sizes, 0, steps));
          return y;
        });
      } finally {
        spent = dec.work;
      }
    },
    rewind: () => {
      spent = 0;
    },
  };
}

/** Nesting followed by expandedSize (a cell deeper than this is cut off by any reader). */
const MAX_CELL_DEPTH = 64;

/**
 * Size of a cell spelled out in full (values plus text characters), each shared part counted every time it
 * is reached, worked out once per object; stops counting past `cap`. A cycle counts once.
 */
function expandedSize(v: unknown, sizes: Map<object, number>, depth: number, cap: number): number {
  if (typeof v === 'string') return 1 + v.length;
  if (v instanceof PyText) return 1 + v.byteLength;
  if (!Array.isArray(v) || depth >= MAX_CELL_DEPTH) return 1;
  const known = sizes.get(v);
  if (known !== undefined) return known;
  sizes.set(v, 1);
  let n = 1;
  for (let i = 0; i < v.length && n <= cap; i++) n += expandedSize(v[i], sizes, depth + 1, cap);
  sizes.set(v, n);
  return n;
}

/** Labels' decoder, and the start of each overlong text label already read. */
interface Labels {
  dec: Decoder;
  long: Map<PyText, string>;
}

/** Longest label made from a tuple (a real one is a few short names), and the values visited to make it. */
const LABEL_CHARS = 1000;
const LABEL_STEPS = 10_000;

/**
 * A column label as text: a tuple reads as its parts joined by commas, nesting and length cut short. Only a
 * corrupt pickle has deep or shared labels; walking one in full could take exponential time.
 */
function nameText(v: unknown, ctx: Labels): string {
  if (!Array.isArray(v)) return leafText(v, ctx);
  let out = '';
  let steps = 0;
  const walk = (x: unknown, depth: number): boolean => {
    if (++steps > LABEL_STEPS || out.length > LABEL_CHARS) return false;
    ctx.dec.charge(1);
    if (!Array.isArray(x)) {
      out += leafText(x, ctx);
      return true;
    }
    if (depth >= 4) {
      out += '…';
      return true;
    }
    for (let i = 0; i < Math.min(x.length, 100); i++) {
      if (i > 0) out += ',';
      if (!walk(x[i], depth + 1)) return false;
    }
    return true;
  };
  const whole = walk(v, 0);
  return whole && out.length <= LABEL_CHARS ? out : `${out.slice(0, LABEL_CHARS - 1)}…`;
}

function leafText(v: unknown, ctx: Labels): string {
  if (v === null || v === undefined) return '';
  if (v instanceof PyText) {
    if (v.byteLength <= 4 * LABEL_CHARS) return ctx.dec.decode(v) as string;
    // No column is named by kilobytes of text: read only the start, once.
    let t = ctx.long.get(v);
    if (t === undefined) {
      ctx.dec.charge(LABEL_CHARS);
      ctx.long.set(v, (t = `${v.prefix(4 * LABEL_CHARS).slice(0, LABEL_CHARS)}…`));
    }
    return t;
  }
  if (typeof v !== 'object') return String(v);
  return describe(v);
}

function columnOf(a: NDArray, j: number, k: number, n: number): ArrayLike<unknown> {
  const d = a.data;
  if (!a.fortran) {
    if (d instanceof Float64Array) return d.subarray(j * n, (j + 1) * n);
    return Array.prototype.slice.call(d, j * n, (j + 1) * n);
  }
  const out = new Array<unknown>(n);
  for (let r = 0; r < n; r++) out[r] = d[r * k + j];
  return out;
}
