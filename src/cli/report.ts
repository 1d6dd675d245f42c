/** `greenserv report <dir>`: rebuild charts and report.html from a results directory without re-running. */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { DataError } from '../data/errors.js';
import { readExperimentDir, writeChartsAndReport } from '../report/experimentOutputs.js';
import { userIoError, writeFileAtomic } from '../report/atomic.js';
import { MAX_ARMS, MAX_CONFIG_BYTES, MAX_LAMBDAS, MAX_RUNS } from '../sim/limits.js';

/** Largest query count a summary may claim (curves hold one value per query and cell). */
const MAX_QUERIES = 10_000_000;

const num = z.number().nullable();
const stat = z.object({ mean: num, sd: num }).passthrough();

/** What the rebuild relies on; a summary.json edited into another shape is refused up front. */
const summarySchema = z
  .object({
    kind: z.literal('experiment'),
    name: z.string(),
    dataset: z.object({ name: z.string(), queries: z.number().int().min(1).max(MAX_QUERIES), models: z.number().int().min(1) }).passthrough(),
    runs: z.number().int().min(1).max(MAX_RUNS),
    lambdas: z.array(z.number()).min(1).max(MAX_LAMBDAS),
    models: z.array(z.object({ id: z.string() }).passthrough()).min(1),
    cells: z
      .array(z.object({ lambda: z.number(), label: z.string(), finalRegret: stat, accuracy: stat, energyWh: stat, reward: stat, selection: z.record(z.string(), z.number()) }).passthrough())
      .max(MAX_LAMBDAS * MAX_ARMS),
  })
  .passthrough();

function checkSummary(dir: string): void {
  const file = join(dir, 'summary.json');
  let raw: unknown;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new DataError('not a regular file', file);
    if (st.size > MAX_CONFIG_BYTES * 16) throw new DataError(`${st.size} bytes, too large for a summary`, file);
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    if (e instanceof DataError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new DataError('not an experiment results directory: summary.json is missing', dir);
    if (e instanceof SyntaxError) throw new DataError(`malformed JSON: ${e.message}`, file);
    throw userIoError(e, file, 'read');
  }
  const r = summarySchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    const path = i.path.join('.') || '(top level)';
    throw new DataError(`not an experiment summary: ${path}: ${i.message}`, file, undefined, path);
  }
}

export function registerReportCommand(program: Command): void {
  program
    .command('report <dir>')
    .description('rebuild charts/ and report.html of an experiment results directory')
    .action(async (dir: string) => {
      checkSummary(dir);
      let names: string[];
      try {
        const { agg, configText, manifest, profile } = readExperimentDir(dir);
        names = await writeChartsAndReport({ write: (name: string, data: string | Uint8Array) => writeFileAtomic(join(dir, name), data) }, agg, configText, manifest, profile);
      } catch (e) {
        // the files were written by `experiment run`; what no longer fits together was edited since
        if (e instanceof SyntaxError || e instanceof TypeError || e instanceof RangeError) {
          throw new DataError(`the results files do not fit together (edited since the run?): ${e.message}`, dir);
        }
        throw e;
      }
      process.stdout.write(`rebuilt ${names.length} charts and report.html in ${dir}\n`);
    });
}
