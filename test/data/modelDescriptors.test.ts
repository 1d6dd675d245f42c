/** Optional model descriptors in a models file (datasets/README.md): parsing, errors, the built-in overlay, the table hash. */
import { describe, expect, it } from 'vitest';
import { loadTable } from '../../src/data/load.js';
import { tableSha256 } from '../../src/data/pool.js';
import { scratch, dataError } from './formats/helpers.js';

const s = scratch();
const PAIRS = 'query_id,model_id,accuracy,energy_j\nq1,small,1,10\nq1,large,1,50\nq2,small,0,12\nq2,large,1,90\n';

describe('models file descriptors', () => {
  it('reads family, prior_accuracy and prior_energy_j; empty cells stay unknown', async () => {
    const models = s.write('models.csv', 'model_id,name,params_b,family,prior_accuracy,prior_energy_j\nlarge,Org/Large,7,org,0.71,120\nsmall,,,org,,\n');
    const t = await loadTable(s.write('pairs.csv', PAIRS), { models });
    expect(t.models).toEqual([
      { id: 'large', name: 'Org/Large', paramsB: 7, family: 'org', priorAccuracy: 0.71, priorEnergyJ: 120 },
      { id: 'small', name: 'small', paramsB: Number.NaN, family: 'org' },
    ]);
  });

  it('refuses bad priors naming file, line and column', async () => {
    const pairs = s.write('p2.csv', PAIRS);
    await dataError(loadTable(pairs, { models: s.write('m1.csv', 'model_id,prior_accuracy\nsmall,0.5\nlarge,1.2\n') }), { line: 3, column: 'prior_accuracy', message: /outside \[0, 1\]/ });
    await dataError(loadTable(pairs, { models: s.write('m2.csv', 'model_id,prior_energy_j\nsmall,0\n') }), { line: 2, column: 'prior_energy_j', message: /> 0/ });
    await dataError(loadTable(pairs, { models: s.write('m3.csv', 'model_id,prior_energy_j\nsmall,1e999\n') }), { line: 2, column: 'prior_energy_j' });
  });

  it('describes the built-in models in place: order and outcomes kept, unknown ids refused', async () => {
    const base = await loadTable('greenserv-pool');
    const t = await loadTable('greenserv-pool', { models: s.write('bm.csv', 'model_id,family,prior_accuracy\nphi-4-14b,phi-4,0.8\nqwen2.5-0.5b,qwen2.5,\n') });
    expect(t.models.map((m) => m.id)).toEqual(base.models.map((m) => m.id));
    const phi = t.models.find((m) => m.id === 'phi-4-14b')!;
    expect(phi).toEqual({ id: 'phi-4-14b', name: base.models.find((m) => m.id === 'phi-4-14b')!.name, paramsB: 15, family: 'phi-4', priorAccuracy: 0.8 });
    expect(t.accuracy).toBe(base.accuracy);
    // the hash covers the descriptors, and stays what it was without them
    expect(tableSha256(t)).not.toBe(tableSha256(base));
    expect(tableSha256({ ...t, models: base.models })).toBe(tableSha256(base));
    await dataError(loadTable('greenserv-pool', { models: s.write('bad.csv', 'model_id,family\nphi-4-14b,phi\ngpt-9,x\n') }), { line: 3, column: 'model_id', message: /unknown model 'gpt-9'/ });
  });
});
