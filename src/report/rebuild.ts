/** `greenserv report <dir>`: charts/ and report.html again from an experiment or a simulate results directory. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ownRecord } from '../sim/recordSchema.js';
import { DataError, userIoError } from '../core/errors.js';
import { MAX_ARMS, MAX_CONFIG_BYTES, MAX_LAMBDAS, MAX_RUNS } from '../sim/limits.js';
import { writeFileAtomic } from '../core/atomic.js';
import { readExperimentDir, writeChartsAndReport } from './experimentOutputs.js';
import { readSimulateDir } from './simulateReport.js';
import { rebuildOpeReport } from './opeReport.js';

/** Largest query count a summary may claim (curves hold one value per query and cell). */
const MAX_QUERIES = 10_000_000;

const num = z.number().nullable();
const stat = z.object({ mean: num, sd: num }).passthrough();

/** What the experiment rebuild relies on; a summary.json edited into another shape is refused up front. */
const experimentSummary = z
  .object({
    kind: z.literal('experiment'),
    name: z.string(),
    dataset: z.object({ name: z.string(), queries: z.number().int().min(1).max(MAX_QUERIES), models: z.number().int().min(1) }).passthrough(),
    runs: z.number().int().min(1).max(MAX_RUNS),
    lambdas: z.array(z.number()).min(1).max(MAX_LAMBDAS),
    models: z.array(z.object({ id: z.string() }).passthrough()).min(1),
    cells: z
      .array(z.object({ lambda: z.number(), label: z.string(), finalRegret: stat, accuracy: stat, energyWh: stat, reward: stat, selection: ownRecord(z.number()) }).passthrough())
      .max(MAX_LAMBDAS * MAX_ARMS),
  })
  .passthrough();

function readSummary(dir: string): { file: string; text: string; doc: unknown } {
  const file = join(dir, 'summary.json');
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new DataError('not a regular file', file);
    if (st.size > MAX_CONFIG_BYTES * 16) throw new DataError(`${st.size} bytes, too large for a summary`, file);
    const text = readFileSync(file, 'utf8');
    return { file, text, doc: JSON.parse(text) };
  } catch (e) {
    if (e instanceof DataError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      // a series of splits keeps one results directory per split (docs/experiments.md)
      const split = existsSync(join(dir, 'splits.csv')) ? readdirSync(dir).sort().find((f) => f.startsWith('split-')) : undefined;
      if (split) throw new DataError(`a series of splits: each split has its own results and report.html; give one split's directory, e.g. ${join(dir, split)}`, dir);
      throw new DataError('not a results directory: summary.json is missing', dir);
    }
    if (e instanceof SyntaxError) throw new DataError(`invalid JSON (${e.message})`, file);
    throw userIoError(e, file, 'read');
  }
}

export async function rebuildReport(dir: string, warn: (m: string) => void): Promise<{ kind: 'experiment' | 'simulate' | 'ope'; charts: string[] }> {
  const { file, text, doc } = readSummary(dir);
  const kind = doc !== null && typeof doc === 'object' ? (doc as { kind?: unknown }).kind : null;
  const out = { write: (name: string, data: string | Uint8Array) => writeFileAtomic(join(dir, name), data) };
  if (kind === 'experiment') {
    const r = experimentSummary.safeParse(doc);
    if (!r.success) {
      const i = r.error.issues[0];
      const path = i.path.join('.') || '(top level)';
      throw new DataError(`not an experiment summary: ${path}: ${i.message}`, file, undefined, path, 'field');
    }
    try {
      const { agg, configText, manifest, profile } = readExperimentDir(dir);
      return { kind, charts: await writeChartsAndReport(out, agg, configText, manifest, profile) };
    } catch (e) {
      // the files were written by `experiment run`; what no longer fits together was edited since
      if (e instanceof SyntaxError || e instanceof TypeError || e instanceof RangeError) {
        throw new DataError(`the results files do not fit together (edited since the run?): ${e.message}`, dir);
      }
      throw e;
    }
  }
  if (kind === 'ope') return { kind, charts: await rebuildOpeReport(doc, file, out) };
  // evaluate writes its report with its results, from data summary.json does not keep (the hull curves)
  if (kind === undefined && (doc as { command?: unknown }).command === 'evaluate') {
    throw new DataError('an evaluate results directory: `greenserv evaluate` writes its report.html with the results and `report` cannot rebuild it; run the evaluation again (manifest.json records its settings)', file);
  }
  // simulate summaries carry no kind
  if (kind === undefined) {
    const { agg, configText, manifest, protocolNote } = await readSimulateDir(dir, text, warn);
    // a simulate directory keeps runs and, unless --steps none, the per-step trace the curves come from
    const steps = ['steps.csv', 'steps.arrow'].filter((f) => existsSync(join(dir, f))).map((file) => ({ file, what: 'every decision of every run' }));
    const dataFiles = [{ file: 'runs.csv', what: 'final regret, accuracy and energy of every run' }, ...steps];
    const opts = { configTitle: 'Configuration (from manifest.json)', dataFiles, ...(protocolNote ? { protocolNote } : {}) };
    return { kind: 'simulate', charts: await writeChartsAndReport(out, agg, configText, manifest, null, opts) };
  }
  throw new DataError(`field 'kind': '${String(kind)}' is not an experiment, simulate or ope summary`, file);
}
