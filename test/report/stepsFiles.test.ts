/**
 * steps.csv and steps.arrow hold the same trace (docs/outputs.md): a value that is undefined (the accuracy and
 * energy of a pair missing from the table, the energy of a table without energy) is an empty CSV field and an
 * Arrow null, never a NaN stored as a number.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC, Type, type Table } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { loadTable, simulateTable } from '../../src/app/index.js';
import type { PoolTable } from '../../src/data/pool.js';
import { stepsArrow, stepsCsv } from '../../src/report/simulateOutputs.js';
import type { SimulateOptions } from '../../src/sim/run.js';
import { simOptions } from '../helpers/simOptions.js';
import { randomTable } from '../helpers/table.js';

const options: SimulateOptions = simOptions({ policies: ['random', 'linucb'], runs: 2, seed: 3 });

const COLUMNS = ['run', 'step', 'query_id', 'policy', 'model_id', 'reward', 'regret', 'cum_regret', 'accuracy', 'energy_j'];

async function bothFiles(table: PoolTable): Promise<{ csv: string[][]; arrow: Table }> {
  const run = await simulateTable(table, options);
  const res = run.prepared.result;
  const csv = [...stepsCsv(res.steps!, table, res.policyNames)]
    .join('')
    .trimEnd()
    .split('\n')
    .map((l) => l.split(','));
  const arrow = tableFromIPC(Buffer.concat([...(await stepsArrow(res.steps!, table, res.policyNames))]));
  return { csv, arrow };
}

function expectSameTrace(csv: string[][], arrow: Table): void {
  expect(csv[0]).toEqual(COLUMNS);
  expect(arrow.schema.fields.map((f) => f.name)).toEqual(COLUMNS);
  expect(arrow.numRows).toBe(csv.length - 1);
  for (const [j, name] of COLUMNS.entries()) {
    const col = arrow.getChild(name)!;
    const isFloat = arrow.schema.fields[j].type.typeId === Type.Float;
    for (let i = 0; i < arrow.numRows; i++) {
      const field = csv[i + 1][j];
      const v = col.get(i);
      if (field === '') expect(v, `${name} row ${i}`).toBeNull();
      else if (isFloat) expect(v, `${name} row ${i}`).toBe(Number(field));
      else expect(String(v), `${name} row ${i}`).toBe(field);
      if (isFloat && typeof v === 'number') expect(Number.isNaN(v), `${name} row ${i} is NaN`).toBe(false);
    }
  }
}

describe('steps.csv and steps.arrow', () => {
  it('a pair missing from the table: accuracy and energy_j are empty in the CSV and null in Arrow', async () => {
    const table = randomTable(5, 40, 3, { missing: 0.3 });
    const { csv, arrow } = await bothFiles(table);
    const acc = COLUMNS.indexOf('accuracy');
    expect(csv.slice(1).filter((r) => r[acc] === '').length).toBeGreaterThan(0);
    expectSameTrace(csv, arrow);
    for (const name of ['accuracy', 'energy_j']) expect(arrow.schema.fields.find((f) => f.name === name)!.nullable).toBe(true);
  });

  it('a table without energy: energy_j is empty in every CSV row and null in every Arrow row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-steps-'));
    const rows = ['query_id,model_id,task,accuracy'];
    for (let q = 0; q < 30; q++) for (const m of ['a', 'b', 'c']) rows.push(`q${q},${m},${q % 2 ? 't1' : 't2'},${(q * 7 + m.charCodeAt(0)) % 3 === 0 ? 1 : 0}`);
    writeFileSync(join(dir, 'acc.csv'), rows.join('\n') + '\n');
    const table = await loadTable(join(dir, 'acc.csv'));
    expect(table.energyJ.every((x) => Number.isNaN(x))).toBe(true);
    const { csv, arrow } = await bothFiles(table);
    expect(csv.slice(1).every((r) => r[COLUMNS.indexOf('energy_j')] === '')).toBe(true);
    expectSameTrace(csv, arrow);
    expect(arrow.getChild('energy_j')!.nullCount).toBe(arrow.numRows);
  });
});
