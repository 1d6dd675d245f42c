/**
 * `greenserv report` reads back every steps.arrow simulate writes: the size bound it checks before reading the
 * file leaves room for the query-id dictionary and the per-batch metadata (one record batch per policy-run), so
 * one policy and one run, or a small table replayed many times, is read like steps.csv is.
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTable, simulateTable, writeSimulateResults } from '../../src/app/index.js';
import { readSimulateDir } from '../../src/report/simulateReport.js';
import type { SimulateOptions } from '../../src/sim/run.js';
import type { PoolTable } from '../../src/data/pool.js';
import { simOptions } from '../helpers/simOptions.js';

const tmp = mkdtempSync(join(tmpdir(), 'gs-arrow-read-'));

const options = (policies: string[], runs: number): SimulateOptions => simOptions({ policies, runs, seed: 7 });

/** The aggregate `report` builds from the CSV trace and from the Arrow trace of the same run. */
async function bothTraces(table: PoolTable, o: SimulateOptions, name: string): Promise<{ csv: unknown; arrow: unknown; arrowBytes: number; steps: number }> {
  const run = await simulateTable(table, o);
  const out: Record<string, unknown> = {};
  for (const steps of ['csv', 'arrow'] as const) {
    const dir = join(tmp, `${name}-${steps}`);
    await writeSimulateResults(dir, table, run, { config: {} as never, source: 'greenserv-pool', steps });
    const r = await readSimulateDir(dir, readFileSync(join(dir, 'summary.json'), 'utf8'), () => {});
    out[steps] = r.agg;
  }
  return { csv: out.csv, arrow: out.arrow, arrowBytes: statSync(join(tmp, `${name}-arrow`, 'steps.arrow')).size, steps: o.policies.length * o.runs * table.nQueries };
}

describe('steps.arrow read back by greenserv report', () => {
  it('one policy, one run of the built-in pool (ids make up more than 64 bytes a step)', async () => {
    const table = await loadTable('greenserv-pool');
    const r = await bothTraces(table, options(['random'], 1), 'one');
    expect(r.arrowBytes).toBeGreaterThan(4096 + r.steps * 64);
    expect(r.arrow).toEqual(r.csv);
  });

  it('a table of two queries replayed 60 times (a record batch of two rows per policy-run)', async () => {
    writeFileSync(join(tmp, 'tiny.csv'), 'query_id,model_id,task,accuracy,energy_j\nq1,a,t,1,2\nq1,b,t,0,1\nq2,a,t,0,2\nq2,b,t,1,1\n');
    const table = await loadTable(join(tmp, 'tiny.csv'));
    const r = await bothTraces(table, options(['random', 'linucb'], 60), 'tiny');
    expect(r.arrowBytes).toBeGreaterThan(4096 + r.steps * 64);
    expect(r.arrow).toEqual(r.csv);
  });
});
