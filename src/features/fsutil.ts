/** File output for the features command and the task model: the project's atomic write, as a DataError. */
import { DataError, UsageError } from '../core/errors.js';
import { writeFileAtomic } from '../core/atomic.js';

/** Write atomically (temporary file beside the target, then rename); parent directories are created. */
export function writeOutput(path: string, data: string | Uint8Array): void {
  try {
    writeFileAtomic(path, data);
  } catch (e) {
    // the atomic write's own errors already name the path and the reason
    if (e instanceof UsageError || e instanceof DataError) throw e;
    throw new DataError(`cannot write: ${(e as Error).message}`, path);
  }
}
