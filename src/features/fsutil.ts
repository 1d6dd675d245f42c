/** File output for the features command and the task model: the project's atomic write, as a DataError. */
import { DataError } from '../core/errors.js';
import { writeFileAtomic } from '../core/atomic.js';

/** Write atomically (temporary file beside the target, then rename); parent directories are created. */
export function writeOutput(path: string, data: string | Uint8Array): void {
  try {
    writeFileAtomic(path, data);
  } catch (e) {
    throw new DataError(`cannot write: ${(e as Error).message}`, path);
  }
}
