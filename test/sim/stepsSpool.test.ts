/** The step trace spooled one policy-run at a time writes the same step files as the trace held whole. */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTable, simulateTable, writeSimulateResults } from '../../src/app/index.js';
import { pendingTemporaries } from '../../src/core/atomic.js';
import { Spool } from '../../src/core/spool.js';
import { SpooledSteps, traceInMemory } from '../../src/sim/engine.js';
import type { SimulateOptions } from '../../src/sim/run.js';
import { spoolRunOptions } from './spoolOptions.js';
import { stepsArrow } from '../../src/report/simulateOutputs.js';
import { tableFromIPC } from 'apache-arrow';

const tmp = mkdtempSync(join(tmpdir(), 'gs-spool-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('spool', () => {
  it('reads back appended blocks per key at their byte positions, and dispose removes its files', () => {
    const spool = new Spool(tmp);
    const a = Float64Array.from([1.5, -2, Math.PI]);
    const b = Int32Array.from([7, 8, 9, 10]);
    spool.append(3, [a, b]);
    spool.append(1, [b]);
    spool.append(3, [b.subarray(1, 3)]);
    expect(spool.size(3)).toBe(24 + 16 + 8);
    const back = new Uint8Array(48);
    spool.read(3, 0, back);
    expect(Array.from(new Float64Array(back.buffer, 0, 3))).toEqual(Array.from(a));
    expect(Array.from(new Int32Array(back.buffer, 24, 6))).toEqual([7, 8, 9, 10, 8, 9]);
    const one = new Uint8Array(4);
    spool.read(1, 12, one);
    expect(new Int32Array(one.buffer)[0]).toBe(10);
    expect(() => spool.read(1, 14, one)).toThrow(/never written/);
    const dirs = readdirSync(tmp).filter((d) => d.startsWith('greenserv-spool-'));
    expect(dirs.length).toBe(1);
    expect(pendingTemporaries()).toContain(join(tmp, dirs[0]));
    spool.dispose();
    expect(existsSync(join(tmp, dirs[0]))).toBe(false);
    expect(pendingTemporaries()).not.toContain(join(tmp, dirs[0]));
  });
});

describe('spooled step trace', () => {
  const options = (spool: number | undefined): SimulateOptions => spoolRunOptions(['linucb', 'epsilon-greedy', 'random'], 11, spool);

  for (const steps of ['csv', 'arrow'] as const) {
    it(`steps.${steps} is byte-identical whether the trace is spooled or held whole`, async () => {
      const table = await loadTable('greenserv-pool');
      const whole = await simulateTable(table, options(undefined));
      const spooled = await simulateTable(table, options(0));
      expect(traceInMemory(whole.prepared.result.steps)?.length).toBe(3 * 2 * table.nQueries);
      expect(spooled.prepared.result.steps).toBeInstanceOf(SpooledSteps);
      expect(spooled.summary).toEqual(whole.summary);
      const record = { config: {} as never, source: 'greenserv-pool', steps };
      await writeSimulateResults(join(tmp, `whole-${steps}`), table, whole, record);
      await writeSimulateResults(join(tmp, `spooled-${steps}`), table, spooled, record);
      const a = readFileSync(join(tmp, `whole-${steps}`, `steps.${steps}`));
      const b = readFileSync(join(tmp, `spooled-${steps}`, `steps.${steps}`));
      expect(b.length).toBeGreaterThan(1000);
      expect(b.equals(a)).toBe(true);
      // the spool is gone once the results are written
      expect(pendingTemporaries().filter((p) => p.includes('greenserv-spool-'))).toEqual([]);
    });
  }

  it('steps.arrow comes as one record batch per policy-run, in chunks, and reads back as the trace', async () => {
    const table = await loadTable('greenserv-pool');
    const run = await simulateTable(table, options(0));
    const spooled = run.prepared.result.steps as SpooledSteps;
    const whole = spooled.whole();
    const chunks = [...(await stepsArrow(spooled, table, run.prepared.result.policyNames))];
    spooled.dispose();
    const bytes = Buffer.concat(chunks);
    expect(chunks.length).toBeGreaterThan(6);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan(bytes.length / 4);
    const back = tableFromIPC(bytes);
    expect(back.batches.length).toBe(3 * 2);
    expect(back.numRows).toBe(whole.length);
    const col = (name: string): unknown[] => back.getChild(name)!.toArray() as unknown as unknown[];
    expect(Array.from(col('cum_regret') as unknown as Float64Array)).toEqual(Array.from(whole.cumRegret));
    expect(Array.from(col('step') as unknown as Int32Array)).toEqual(Array.from(whole.step));
    const ids = back.getChild('query_id')!;
    for (const i of [0, 2499, 2500, whole.length - 1]) {
      expect(ids.get(i)).toBe(table.queryIds[whole.query[i]]);
      expect(back.getChild('model_id')!.get(i)).toBe(table.models[whole.model[i]].id);
      expect(back.getChild('policy')!.get(i)).toBe(run.prepared.result.policyNames[whole.policy[i]]);
    }
  });

  it('stays in memory below the threshold', async () => {
    const table = await loadTable('greenserv-pool');
    const run = await simulateTable(table, options(3 * 2 * table.nQueries));
    expect(traceInMemory(run.prepared.result.steps)?.length).toBe(3 * 2 * table.nQueries);
  });
});
