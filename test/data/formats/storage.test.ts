/**
 * Metric columns sized to the data (datasets/README.md, storage): 0/1 accuracy as bytes, metrics whose values
 * are float32s or decimals of at most 6 significant digits as float32, anything else float64; metrics the
 * source lacks are not allocated. A float32 table simulates like its float64 copy where the values are
 * exactly representable, and `datasets convert` keeps the compact type (FLOAT Parquet columns).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { loadTable } from '../../../src/data/load.js';
import { writeTable } from '../../../src/data/formats/write.js';
import { makePoolTable, tableSha256, type PoolTable } from '../../../src/data/pool.js';
import { F32, F64, MetricBuffer, U8, nearest6 } from '../../../src/data/columns.js';
import { simulateTable } from '../../../src/app/simulate.js';
import { buildRewards } from '../../../src/sim/reward.js';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { dataError, scratch } from './helpers.js';
import { stepsOf } from '../../helpers/steps.js';

const s = scratch();

/** A long CSV of 40 queries × 3 models whose energies and costs are exact in float32 (multiples of 1/8 and 1/1024). */
function exactCsv(): string {
  const lines = ['query_id,model_id,task,accuracy,energy_j,cost_usd'];
  for (let q = 0; q < 40; q++) {
    for (let m = 0; m < 3; m++) {
      const acc = (q * 7 + m * 3) % 5 < 2 + m ? 1 : 0;
      lines.push(`q${q},m${m},${['mmlu', 'gsm8k'][q % 2]},${acc},${(10 + 20 * m + ((q * m) % 9)) / 8},${(1 + m + (q % 4)) / 1024}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** The same table with every metric column as float64 (what the loader made before columns were sized). */
function float64Copy(t: PoolTable): PoolTable {
  const f = (c: ArrayLike<number> | null): Float64Array | undefined => (c ? Float64Array.from(c, (v, i) => (t.present[i] ? v : Number.NaN)) : undefined);
  return makePoolTable({
    name: t.name,
    queryIds: t.queryIds,
    queryTasks: Array.from(t.queryTask, (k) => t.tasks[k]),
    models: t.models,
    accuracy: f(t.accuracy)!,
    energyJ: f(t.energyJ),
    costUsd: f(t.costUsd) ?? null,
    present: t.present,
  });
}

describe('column storage', () => {
  it('a CSV of 0/1 accuracy and 6-digit values loads as bytes and float32; absent metrics are null', async () => {
    const t = await loadTable(s.write('short.csv', 'query_id,model_id,accuracy,energy_j,cost_usd\na,m1,1,123.456,0.000518\na,m2,0,7.5,0.0001\nb,m1,0,1e-7,12\n'));
    expect(t.accuracy).toBeInstanceOf(Uint8Array);
    expect(Array.from(t.accuracy)).toEqual([1, 0, 0, 0]);
    expect(Array.from(t.present)).toEqual([1, 1, 1, 0]);
    expect(t.energyJ).toBeInstanceOf(Float32Array);
    expect(t.costUsd).toBeInstanceOf(Float32Array);
    expect(Array.from(t.energyJ)).toEqual([123.456, 7.5, 1e-7, Number.NaN].map(Math.fround));
    expect(t.latencyS).toBeNull();
    expect(t.inputTokens).toBeNull();
    expect(t.outputTokens).toBeNull();
  });

  it('one value with more than 6 significant digits keeps the column float64, every value exact', async () => {
    const t = await loadTable(s.write('long.csv', 'query_id,model_id,accuracy,energy_j\na,m1,0.5,0.1\na,m2,1,0.25\nb,m1,1,0.30000000000000004\nb,m2,0,2.5\n'));
    expect(t.energyJ).toBeInstanceOf(Float64Array);
    // the short values read before the long one are widened back to the decimals they were
    expect(Array.from(t.energyJ)).toEqual([0.1, 0.25, 0.30000000000000004, 2.5]);
    expect(t.accuracy).toBeInstanceOf(Float32Array);
    expect(Array.from(t.accuracy)).toEqual([0.5, 1, 1, 0]);
  });

  it('a float32 table simulates to the same choices and results as its float64 copy', async () => {
    const t32 = await loadTable(s.write('exact.csv', exactCsv()));
    expect(t32.energyJ).toBeInstanceOf(Float32Array);
    const t64 = float64Copy(t32);
    expect(t64.energyJ).toBeInstanceOf(Float64Array);
    expect(tableSha256(t64)).toBe(tableSha256(t32));
    const o = { policies: ['linucb', 'epsilon-greedy', 'thompson', 'best-static'], params: [], lambda: 0.4, runs: 2, seed: 3, semantics: 'paper' as const, features: ['task' as const], binning: 'thresholds' as const, cost: 'energy' as const, maxLatency: null, recordSteps: true };
    const a = await simulateTable(t32, o);
    const b = await simulateTable(t64, o);
    // the narrow table's rewards are float32 (normalised costs round there), the copy's float64
    expect(a.prepared.rewards.rewards).toBeInstanceOf(Float32Array);
    expect(b.prepared.rewards.rewards).toBeInstanceOf(Float64Array);
    const ma = stepsOf(a.prepared.result.steps).model;
    expect(ma.length).toBe(4 * 2 * 40);
    expect(Array.from(ma)).toEqual(Array.from(stepsOf(b.prepared.result.steps).model));
    // the same choices; sums differ only by the float32 rounding of the rewards
    a.summary.policies.forEach((p, k) => {
      const q = b.summary.policies[k];
      expect(p.accuracy).toEqual(q.accuracy);
      expect(p.energyWh).toEqual(q.energyWh);
      expect(Math.abs(p.finalRegret.mean - q.finalRegret.mean)).toBeLessThan(1e-6 * Math.max(1, q.finalRegret.mean));
    });
  });

  it('the reward table of a float64 table stays float64', async () => {
    const t = await loadTable('greenserv-pool');
    expect(t.energyJ).toBeInstanceOf(Float64Array);
    expect((await buildRewards(t, { lambda: 0.5 })).rewards).toBeInstanceOf(Float64Array);
  });

  it('datasets convert writes FLOAT Parquet columns for float32 metrics, and they load as float32 with the same hash', async () => {
    const t = await loadTable(s.write('conv.csv', exactCsv()));
    const dst = join(s.dir, 'conv.parquet');
    await writeTable(t, dst);
    const bytes = readFileSync(dst);
    const meta = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const types = new Map(meta.schema.map((e) => [e.name, e.type]));
    expect(types.get('m0|energy_j')).toBe('FLOAT');
    expect(types.get('m0|cost_usd')).toBe('FLOAT');
    expect(types.get('m0|accuracy')).toBe('FLOAT');
    const back = await loadTable(dst);
    expect(back.accuracy).toBeInstanceOf(Uint8Array);
    expect(back.energyJ).toBeInstanceOf(Float32Array);
    expect(tableSha256(back)).toBe(tableSha256(t));
    // and back to CSV: the float32 values are written as their short decimals
    const csv = join(s.dir, 'conv-back.csv');
    await writeTable(back, csv);
    expect(readFileSync(csv, 'utf8').split('\n')[1]).toBe('q0,m0,mmlu,1,1.25,0.0009765625');
  });
});

describe('Parquet read a row group at a time', () => {
  /** A long table of 7 rows in row groups of 2; `acc` may hold a null. */
  const longParquet = (acc: (number | null)[]): Uint8Array =>
    new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          { name: 'query_id', data: ['a', 'a', 'b', 'b', 'c', 'c', 'd'] },
          { name: 'model_id', data: ['x', 'y', 'x', 'y', 'x', 'y', 'x'] },
          { name: 'accuracy', data: acc, type: 'DOUBLE' },
          { name: 'energy_j', data: [1.5, 2, 3, 4, 5, 6, 7], type: 'DOUBLE' },
        ],
        rowGroupSize: 2,
      }),
    );

  it('a long table in several row groups loads as the same table as its CSV', async () => {
    const acc = [1, 0, 0.5, 1, 0, 1, 1];
    const pq = await loadTable(s.write('groups.parquet', longParquet(acc)));
    const csv = await loadTable(s.write('groups.csv', 'query_id,model_id,accuracy,energy_j\na,x,1,1.5\na,y,0,2\nb,x,0.5,3\nb,y,1,4\nc,x,0,5\nc,y,1,6\nd,x,1,7\n'));
    expect(pq.queryIds).toEqual(['a', 'b', 'c', 'd']);
    expect(Array.from(pq.accuracy)).toEqual([1, 0, 0.5, 1, 0, 1, 1, Number.NaN]);
    expect(tableSha256(pq)).toBe(tableSha256(csv));
  });

  it('an error in a later row group names the row of the file', async () => {
    await dataError(loadTable(s.write('hole.parquet', longParquet([1, 0, 1, 1, 0, null, 1]))), { line: 6, column: 'accuracy', message: /accuracy is missing/ });
  });
});

describe('metric buffers', () => {
  it('nearest6 recovers the 6-digit decimal of a float32', () => {
    for (const v of [0.1, 123.456, 1e-7, 999999, 0.000518, 3.14159e20, 1, 100000, 9.99999]) expect(nearest6(Math.fround(v))).toBe(v);
  });

  it('widens U8 → F32 → F64 and keeps every value as given', () => {
    const b = new MetricBuffer(U8, 4);
    b.push(1);
    b.push(0);
    expect(b.kind).toBe(U8);
    b.push(0.3);
    expect(b.kind).toBe(F32);
    b.push(0.1 + 0.2);
    expect(b.kind).toBe(F64);
    expect(Array.from(b.column())).toEqual([1, 0, 0.3, 0.1 + 0.2]);
  });

  it('does not mix exact float32s with rounded decimals in one float32 column', () => {
    const b = new MetricBuffer(F32, 4);
    b.push(Math.fround(0.1)); // an exact float32 (e.g. from a FLOAT column), not the decimal 0.1
    expect(b.kind).toBe(F32);
    b.push(0.2); // a decimal float32 only rounds to: the column must widen
    expect(b.kind).toBe(F64);
    expect(Array.from(b.column())).toEqual([Math.fround(0.1), 0.2]);
  });
});
