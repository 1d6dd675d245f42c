/** `greenserv report <dir>`: charts/ and report.html again from an experiment or a simulate results directory. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../data/errors.js';
import { writeFileAtomic } from './atomic.js';
import { readExperimentDir, writeChartsAndReport } from './experimentOutputs.js';
import { readSimulateDir } from './simulateReport.js';

export async function rebuildReport(dir: string, warn: (m: string) => void): Promise<{ kind: 'experiment' | 'simulate'; charts: string[] }> {
  const file = join(dir, 'summary.json');
  if (!existsSync(file)) throw new DataError('not a results directory: summary.json is missing', dir);
  const text = readFileSync(file, 'utf8');
  let kind: unknown;
  try {
    kind = (JSON.parse(text) as { kind?: unknown } | null)?.kind;
  } catch (e) {
    throw new DataError(`invalid JSON (${(e as Error).message})`, file);
  }
  const out = { write: (name: string, data: string | Uint8Array) => writeFileAtomic(join(dir, name), data) };
  if (kind === 'experiment') {
    const { agg, configText, manifest, profile } = readExperimentDir(dir);
    return { kind, charts: await writeChartsAndReport(out, agg, configText, manifest, profile) };
  }
  // simulate summaries carry no kind
  if (kind === undefined) {
    const { agg, configText, manifest } = await readSimulateDir(dir, text, warn);
    return { kind: 'simulate', charts: await writeChartsAndReport(out, agg, configText, manifest, null, { configTitle: 'Configuration (from manifest.json)' }) };
  }
  throw new DataError(`field 'kind': '${String(kind)}' is neither an experiment nor a simulate summary`, file);
}
