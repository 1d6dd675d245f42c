/**
 * RouterBench pickles (`routerbench_0shot.pkl`, `routerbench_5shot.pkl`): a pandas DataFrame read through
 * the restricted unpickler, then loaded as a wide table. `.pkl.gz` is accepted.
 */
import { DataError } from '../errors.js';
import type { PoolTable } from '../pool.js';
import { readAllBytes } from './input.js';
import { loadColumnar, type ColumnarOptions, type ColumnarSource } from './columnar.js';
import { frameColumns, PickleError, unpickle } from './pickle.js';

export function pickleSource(file: string): ColumnarSource {
  const bytes = readAllBytes(file);
  if (bytes.length === 0) throw new DataError('file is empty', file);
  try {
    const frame = frameColumns(unpickle(bytes));
    return { file, columns: frame.columns, nRows: frame.nRows, column: (i) => frame.column(i) };
  } catch (err) {
    if (err instanceof PickleError) throw new DataError(`pickle: ${err.message}`, file);
    // Whatever else a hostile stream provokes (a stack overflow on deep nesting, say) is still bad input.
    throw new DataError(`pickle: cannot decode (${(err as Error)?.name ?? 'error'}: ${(err as Error)?.message ?? String(err)})`, file);
  }
}

export async function loadPickle(file: string, opts: ColumnarOptions = {}): Promise<PoolTable> {
  return loadColumnar(pickleSource(file), opts);
}
