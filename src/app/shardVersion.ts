import { DataError } from '../core/errors.js';
import { version } from './version.js';

/**
 * A shard's greenserv version must be this one: a merge recomputes every summary from the replays, so shards
 * of another version would give results that no single version writes.
 */
export function checkShardVersion(recorded: unknown, stateFile: string): void {
  if (recorded === version()) return;
  const by = typeof recorded === 'string' ? `greenserv ${recorded}` : 'an older greenserv, which records no version';
  throw new DataError(`written by ${by}, and this is greenserv ${version()}; merge with the version that ran the shards, or re-run them with this one`, stateFile, undefined, 'greenserv', 'field');
}
