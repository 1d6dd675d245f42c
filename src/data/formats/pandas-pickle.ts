/**
 * RouterBench pickles (`routerbench_0shot.pkl`, `routerbench_5shot.pkl`): a pandas DataFrame read through
 * the restricted unpickler, then loaded as a wide table. `.pkl.gz` is accepted.
 */
import { DataError, UnreadableError } from '../../core/errors.js';
import type { PoolTable } from '../pool.js';
import { readAllBytes } from './input.js';
import { loadColumnar, type ColumnarOptions, type ColumnarSource } from './columnar.js';
import { frameColumns, PickleError, pickleLimitsFromEnv, unpickle } from './pickle.js';

function pickleDataError(err: unknown, file: string): DataError {
  if (err instanceof PickleError) return new (err.corrupt ? UnreadableError : DataError)(`pickle: ${err.message}`, file);
  // Whatever else a hostile stream provokes (a stack overflow on deep nesting, say) is still bad input.
  return new UnreadableError(`pickle: cannot decode (${(err as Error)?.name ?? 'error'}: ${(err as Error)?.message ?? String(err)})`, file);
}

export function pickleSource(file: string): ColumnarSource {
  const limits = pickleLimitsFromEnv();
  const bytes = readAllBytes(file);
  if (bytes.length === 0) throw new DataError('file is empty', file);
  try {
    const frame = frameColumns(unpickle(bytes, limits));
    // Cells are decoded when a column is read, within the pickle's work budget.
    const column = (i: number): ArrayLike<unknown> => {
      try {
        return frame.column(i);
      } catch (err) {
        throw pickleDataError(err, file);
      }
    };
    // pickled floats are doubles: kept as float64
    return { file, columns: frame.columns, nRows: frame.nRows, column, float64: true, rewind: () => frame.rewind() };
  } catch (err) {
    throw pickleDataError(err, file);
  }
}

export async function loadPickle(file: string, opts: ColumnarOptions = {}): Promise<PoolTable> {
  return loadColumnar(pickleSource(file), opts);
}
